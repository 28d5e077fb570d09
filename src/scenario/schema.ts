/**
 * The scenario file's shape as a zod (v4) schema: every section, key and
 * value form, strict (an unknown key is an error), with quantities
 * (durations, bandwidths, rates, percentages) and addresses converted to
 * numbers on the way through. Names (nodes, interfaces, services) stay
 * text here; resolve.ts checks what they refer to. The same schema is
 * published as JSON Schema (json-schema.ts) for editors.
 *
 * Messages: a schema part that knows how to explain itself carries an
 * encoded expectation (`want`), which issues.ts turns into "expected a
 * duration, found `5`; write a duration with a unit ...". Strict objects
 * carry their list of keys, so an unknown key gets the closest valid one.
 *
 * This file is the document (its top-level keys) and the names the rest of
 * the code imports; each section's schema lives in schema/ (messages.ts and
 * values.ts at the bottom, then ip-node, servers, l7, lb, nodes, links,
 * apps, timeline, expect, replay).
 */
import * as z from 'zod';
import { obj, want } from './schema/messages.js';
import { count, duration, NAME_RE, namedKeys } from './schema/values.js';
import { node } from './schema/nodes.js';
import { link } from './schema/links.js';
import { app } from './schema/apps.js';
import { timelineEntry } from './schema/timeline.js';
import { expectation } from './schema/expect.js';
import { replayEntry } from './schema/replay.js';

export { decodeKeys, decodeWant, type CustomProblem, type Want } from './schema/messages.js';
export { address, cidr, duration, IFNAME_RE, macAddr, NAME_RE } from './schema/values.js';
export { DNS_NAME_RE, NODE_KINDS } from './schema/nodes.js';
export { HEALTH_KINDS } from './schema/servers.js';
export { APP_KINDS, DNS_CACHES } from './schema/apps.js';
export { TIMELINE_ACTIONS } from './schema/timeline.js';
export { COUNTER_NAMES, EXPECT_KINDS, FLOW_OUTCOMES, FRAME_FIELDS, SERVER_STATS } from './schema/expect.js';

/** The scenario file (after `extends` is merged in). */
export const scenarioSchema = obj('a scenario', {
  lblab: z.literal(1, want('format version 1', 'write lblab: 1 as the first line')).meta({ description: 'the format version: 1' }),
  title: z.string(want('a title', 'write title: and a one-line name for the lesson')),
  description: z.string(want('text')).optional(),
  goals: z.array(z.string(want('text'))).optional(),
  seed: count('a seed').optional().meta({ description: 'the seed of every random stream (default 1)' }),
  extends: z.string(want('a file path', 'write a path relative to this file: ../base/two-tier.yaml')).optional(),
  nodes: z.record(z.string(), node, want('a map of nodes', 'write nodes: { client1: { kind: host, ... } }')).superRefine(namedKeys('node', NAME_RE, 'names are lower-case letters, digits and -, starting with a letter'))
    .meta({ propertyNames: { type: 'string', pattern: NAME_RE.source } }),
  links: z.array(link).optional(),
  apps: z.array(app).optional(),
  timeline: z.array(timelineEntry).optional(),
  expect: z.array(expectation).optional(),
  replay: z.array(replayEntry).optional(),
  run: obj('run settings', { until: duration.optional(), budget: count('an event budget', 1).optional() }).optional(),
}).meta({
  title: 'lblab scenario',
  description: 'A lblab scenario: nodes, links, apps, a timeline and expectations. See docs/scenario-format.md.',
});

/** The schema-checked document: quantities converted, names not yet resolved. */
export type RawScenario = z.output<typeof scenarioSchema>;

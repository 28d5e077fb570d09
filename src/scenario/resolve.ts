/**
 * From a schema-checked document to a Scenario: names resolved, defaults
 * filled in, and the checks that need the whole document (duplicate
 * addresses, gateways off their subnet, links to interfaces that do not
 * exist, services whose servers cannot be reached in their mode, ...).
 * Every problem is collected, none stops the others; warnings mark what is
 * legal but probably not what the writer meant.
 *
 * This file runs the sections in order; each lives in resolve/ (context.ts
 * and names.ts at the bottom, shared by all; then node-index, addresses,
 * servers, services, links, ip-base, vrrp, proxies, nodes, apps, timeline,
 * expect, replay). The order matters: services are indexed before any name
 * is resolved (vip: names), links before node specs (switch ports), apps
 * before the timeline (apps it changes).
 */
import type { ScenarioError } from './errors.js';
import type { RawScenario } from './schema.js';
import type { Scenario } from './types.js';
import type { PosMap, Span } from './yaml-source.js';
import { checkAddresses } from './resolve/addresses.js';
import { checkListeners, resolveApps } from './resolve/apps.js';
import { makeContext } from './resolve/context.js';
import { resolveExpect } from './resolve/expect.js';
import { resolveLinks } from './resolve/links.js';
import { makeNames } from './resolve/names.js';
import { indexNodes } from './resolve/node-index.js';
import { resolveNodes } from './resolve/nodes.js';
import { resolveReplay } from './resolve/replay.js';
import { makeServers } from './resolve/servers.js';
import { indexServices } from './resolve/services.js';
import { resolveTimeline } from './resolve/timeline.js';

/** The result of resolving: a Scenario when there were no errors, and every problem found. */
export interface Resolved {
  readonly scenario: Scenario | null;
  readonly problems: ScenarioError[];
}

/** Resolves a schema-checked document. `pos` locates every path of the raw document; `files` lists the files it came from. */
export function resolveScenario(raw: RawScenario, pos: PosMap, files: readonly string[], fallback: Span): Resolved {
  const c = makeContext(raw, pos, fallback);
  indexNodes(c);
  const nm = makeNames(c);
  const sv = makeServers(c, nm);
  checkAddresses(c);
  indexServices(c, sv);
  const links = resolveLinks(c, nm);
  const specs = resolveNodes(c, nm, sv);
  const apps = resolveApps(c, nm);
  checkListeners(c);
  const timeline = resolveTimeline(c, nm, sv, apps, links);
  const expect = resolveExpect(c, nm);
  const replay = resolveReplay(c, nm);
  const problems = c.problems;

  if (c.errorCount() > 0) return { scenario: null, problems };
  return {
    scenario: {
      version: 1,
      title: raw.title,
      description: raw.description ?? '',
      goals: raw.goals ?? [],
      seed: raw.seed ?? 1,
      files,
      nodes: specs,
      links,
      apps,
      timeline,
      expect,
      replay,
      run: { until: raw.run?.until ?? null, budget: raw.run?.budget ?? null },
    },
    problems,
  };
}

/**
 * The JSON Schema of scenario files, generated from the zod schema so the
 * two cannot disagree. Editors (VS Code with the YAML extension, anything
 * using yaml-language-server) use it for completion and checking; the
 * committed copy lives at docs/scenario.schema.json and a test keeps it equal.
 *
 * A file with `extends` is an overlay, not a whole scenario: the loader
 * merges it into its base (maps by key, lists replaced, `key: ~` removes)
 * and checks the result. So the schema has two branches: without `extends`
 * the whole scenario; with it, the same keys and shapes with nothing
 * required, any map value may be `~`, and a node need not repeat its
 * `kind`. What is still missing after the merge only `lblab check` can say.
 */
import * as z from 'zod';
import { scenarioSchema } from './schema.js';

type Json = Record<string, unknown>;

/** The part of the top-level schema that describes the document itself (the rest is `$schema`, `$defs` and the titles). */
const BODY_KEYS = ['type', 'properties', 'required', 'additionalProperties', 'patternProperties'];

/** `s` as an extending file may write it: objects with no required key, map values that may be null, every union an anyOf. */
function overlay(s: unknown): unknown {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return s;
  const o = s as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'required') continue;
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) out[k] = `${v}-overlay`;
    // Partial variants of a discriminated union overlap (kind is optional now), so oneOf would reject them all.
    else if (k === 'oneOf' || k === 'anyOf') out['anyOf'] = (v as unknown[]).map(overlay);
    else if (k === 'properties' || k === 'patternProperties') out[k] = Object.fromEntries(Object.entries(v as Json).map(([p, ps]) => [p, nullable(overlay(ps))]));
    else if (k === 'additionalProperties' && typeof v === 'object') out[k] = nullable(overlay(v));
    // Lists replace the base's list whole, so their items are written in full.
    else out[k] = v;
  }
  return out;
}

/** A schema that also accepts null (`key: ~` removes the key of the base). */
function nullable(s: unknown): unknown {
  return { anyOf: [s, { type: 'null' }] };
}

/** The JSON Schema (draft 2020-12) of a scenario file, describing what a person writes (the input side of the zod schema). */
export function scenarioJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(scenarioSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
  // The loader ignores top-level `x-` keys (anchors, notes); say so, since zod's strict object cannot.
  const full: Json = { ...Object.fromEntries(BODY_KEYS.filter((k) => k in s).map((k) => [k, s[k]])), patternProperties: { '^x-': {} } };
  const defs = (s['$defs'] ?? {}) as Json;
  const head = Object.fromEntries(Object.entries(s).filter(([k]) => !BODY_KEYS.includes(k) && k !== '$defs'));
  return {
    ...head,
    $defs: { ...defs, ...Object.fromEntries(Object.entries(defs).map(([k, v]) => [`${k}-overlay`, overlay(v)])) },
    if: { type: 'object', required: ['extends'] },
    then: overlay(full),
    else: full,
  };
}

/** The JSON Schema as the text of docs/scenario.schema.json (two-space indent, final newline). */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

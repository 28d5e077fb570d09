/**
 * The JSON Schema of scenario files, generated from the zod schema so the
 * two cannot disagree. Editors (VS Code with the YAML extension, anything
 * using yaml-language-server) use it for completion and checking; the
 * committed copy lives at docs/scenario.schema.json and a test keeps it equal.
 */
import * as z from 'zod';
import { scenarioSchema } from './schema.js';

/** The JSON Schema (draft 2020-12) of a scenario file, describing what a person writes (the input side of the zod schema). */
export function scenarioJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(scenarioSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  // The loader ignores top-level `x-` keys (anchors, notes); say so, since zod's strict object cannot.
  return { ...s, patternProperties: { '^x-': {} } };
}

/** The JSON Schema as the text of docs/scenario.schema.json (two-space indent, final newline). */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

/**
 * The published JSON Schema cannot drift from the loader's schema, and the
 * complete examples in docs/scenario-format.md load without errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatErrors, loadScenario, parseScenario, scenarioJsonSchema, scenarioJsonSchemaText } from '../../src/scenario/index.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('JSON Schema', () => {
  test('docs/scenario.schema.json is the generated schema (regenerate it with `lblab schema > docs/scenario.schema.json`)', () => {
    expect(readFileSync(join(ROOT, 'docs', 'scenario.schema.json'), 'utf8')).toBe(scenarioJsonSchemaText());
  });

  test('is a draft 2020-12 schema with strict maps and unit patterns', () => {
    type Body = { additionalProperties: boolean; required?: string[] };
    const s = scenarioJsonSchema() as { $schema: string; if: { required: string[] }; then: Body; else: Body; $defs: Record<string, { anyOf?: { pattern?: string }[] }> };
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    // A whole scenario requires its keys; a file that extends another requires none (test/scenario/json-schema-ajv.test.ts).
    expect(s.if.required).toEqual(['extends']);
    expect([s.else.additionalProperties, s.then.additionalProperties]).toEqual([false, false]);
    expect(s.else.required).toEqual(['lblab', 'title', 'nodes']);
    expect(s.then.required).toBeUndefined();
    expect(JSON.stringify(s.$defs['duration'])).toContain('(ns|us|µs|ms|s|m)');
  });
});

/** The ```yaml blocks of the format reference that are whole scenarios (they contain `lblab: 1`). */
function docExamples(): string[] {
  const md = readFileSync(join(ROOT, 'docs', 'scenario-format.md'), 'utf8');
  return [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^lblab: 1$/m.test(b));
}

describe('examples in docs/scenario-format.md', () => {
  const examples = docExamples();

  test('there are complete examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  examples.forEach((text, i) => {
    test(`example ${i + 1} loads without errors or warnings`, () => {
      // An example that extends `base/two-tier.yaml` gets the base of the extends tests.
      const r = /^extends:/m.test(text)
        ? loadScenario('doc.yaml', (p) => (p === 'doc.yaml' ? text : readFileSync(join(import.meta.dirname, 'valid', 'extends', p), 'utf8')))
        : parseScenario(text, 'doc.yaml');
      if (!r.ok) throw new Error(formatErrors([...r.errors, ...r.warnings]));
      expect(formatErrors(r.warnings)).toBe('');
    });
  });
});

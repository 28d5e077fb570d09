/**
 * Scenario text written to hurt the loader or the person reading its
 * messages (issue 17): oversized files, escapes in echoed values. The alias
 * bomb and deep nesting are in the broken corpus (alias-bomb.yaml,
 * nesting-deep.yaml).
 */
import { describe, expect, it } from 'vitest';
import { formatErrors, parseScenario } from '../../src/scenario/index.js';
import { MAX_TEXT } from '../../src/scenario/yaml-source.js';

describe('size bounds (issue 17 item 13)', () => {
  it('refuses a text larger than the limit before parsing it, at line 1', () => {
    const r = parseScenario(`lblab: 1\ntitle: ${'A'.repeat(MAX_TEXT)}\n`, 'big.yaml');
    expect(r.ok).toBe(false);
    expect(formatErrors(r.ok ? [] : r.errors).split('\n')[0]).toBe(`big.yaml:1:1: error: the file has ${MAX_TEXT + 18} characters, more than the ${MAX_TEXT} a scenario may have; split it with \`extends\` or generate less`);
  });
});

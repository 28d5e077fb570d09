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
    expect(formatErrors(r.ok ? [] : r.errors).split('\n')[0]).toBe(`big.yaml:1:1: error: the file has ${MAX_TEXT + 17} characters, more than the ${MAX_TEXT} a scenario may have; split it with \`extends\` or generate less`);
  });
});

describe('echoed values are escaped (issue 17 item 11)', () => {
  it('a value with an escape sequence and a newline gives one located line per problem, no raw controls', () => {
    const r = parseScenario('lblab: 1\ntitle: t\nnodes:\n  a: { kind: "ho\\nst\\e]0;pwned\\a\\e[2J" }\n', 'esc.yaml');
    expect(r.ok).toBe(false);
    const text = formatErrors(r.ok ? [] : r.errors);
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    const first = text.split('\n')[0]!;
    expect(first).toMatch(/^esc\.yaml:4:\d+: error: .*ho\\nst\\x1b\]0;pwned\\x07\\x1b\[2J/);
    // Every line is the error line, a numbered excerpt, its caret, the path or the total.
    for (const l of text.split('\n')) expect(l).toMatch(/^(esc\.yaml:\d+:\d+: error: | \d+ \| |   +\| |   in |\d+ errors?, )/);
  });

  it('a long source line is cut to a window around the place', () => {
    const r = parseScenario(`lblab: 1\ntitle: t\nnodes: { a: { kind: host, x: ${'y'.repeat(5000)} } }\n`, 'long.yaml');
    const text = formatErrors(r.ok ? [] : r.errors);
    expect(text.length).toBeLessThan(1000);
    expect(text).toContain('^');
  });
});

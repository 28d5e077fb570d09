/**
 * Scenario text written to hurt the loader or the person reading its
 * messages (issue 17): oversized files, escapes in echoed values. The alias
 * bomb and deep nesting are in the broken corpus (alias-bomb.yaml,
 * nesting-deep.yaml).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { formatErrorLine, formatErrors, parseScenario } from '../../src/scenario/index.js';
import { simulate } from '../../src/index.js';
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

describe('a scenario pattern cannot stall a run (issue 17 item 5b)', () => {
  const base = readFileSync('scenarios/l7-path-routing.yaml', 'utf8');

  it("path_regex '^/(a+)+$' against a 34-character path: the run finishes and the rule does not match", () => {
    const evil = `/${'a'.repeat(32)}!`;
    const text = base
      .replace('- { path: /images/, pool: images }', () => "- { path_regex: '^/(a+)+$', pool: images }")
      .replace('paths: [/images/logo.png, /static/site.css, /checkout/cart]', `paths: [${evil}, /static/site.css, /checkout/cart]`);
    const r = parseScenario(text, 'evil.yaml');
    if (!r.ok) throw new Error(formatErrors(r.errors));
    const sim = simulate(r.scenario);
    expect(sim.result.reason).not.toBe('budget');
    const served = sim.built.apps.httpClients[0]!.app.results.map((x) => x.outcome);
    expect(served).toEqual(['completed', 'completed', 'completed']);
  });

  it('a pattern only a backtracking engine runs is refused at its place', () => {
    const text = base.replace('- { path: /images/, pool: images }', () => "- { path_regex: '^/(a+)\\1$', pool: images }");
    const r = parseScenario(text, 'backref.yaml');
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : formatErrorLine(r.errors[0]!)).toBe(
      "backref.yaml:38:27: error: `^/(a+)\\1$` cannot be used as a path pattern: back-references are not supported (they need backtracking) at character 8; lblab matches patterns in linear time, without back-references or lookaround",
    );
  });
});

describe('work that grows with the file stays linear (issue 17 item 4)', () => {
  it('6,000 hosts on one switch, each link naming only the switch, get ports p1..p6000 (cubic once: hours)', () => {
    const n = 6000;
    const lines = ['lblab: 1', 'title: many', 'nodes:', '  sw: { kind: switch }'];
    for (let i = 1; i <= n; i++) lines.push(`  h${i}: { kind: host, interfaces: { eth0: 10.0.${i >> 8}.${i & 255}/16 } }`);
    lines.push('links:');
    for (let i = 1; i <= n; i++) lines.push(`  - [h${i}:eth0, sw]`);
    const r = parseScenario(lines.join('\n') + '\n', 'many.yaml');
    if (!r.ok) throw new Error(formatErrors(r.errors.slice(0, 3)));
    const sw = r.scenario.nodes.find((x) => x.name === 'sw')!;
    expect(sw.kind === 'switch' ? sw.ports.map((p) => p.name) : []).toEqual(Array.from({ length: n }, (_, i) => `p${i + 1}`));
  });
});

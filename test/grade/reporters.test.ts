/**
 * The reporters on hand-made verdicts: the text layout (ASCII without
 * colour, marks with it) and its total line, JSON that parses, JUnit XML
 * that is well-formed with the expected structure, and TAP 13.
 */
import { describe, expect, it } from 'vitest';
import { jsonReport, junitReport, tapReport, textReport, totals, xmlEscape, type ScenarioReport } from '../../src/grade/reporters.js';
import type { Verdict } from '../../src/grade/types.js';
import { parseXml } from './xml.js';

const pass: Verdict = {
  name: 'outside calls work',
  kind: 'flow',
  pos: { file: 'scenarios/x.yaml', line: 60, col: 5 },
  passed: true,
  message: 'expected every request from client to vip:shop (10.0.1.100) to end as completed; found completed 1 (of 1)',
  evidence: [{ t: 2_000_000, place: 'client http-client 0', text: 'request 0 started at 0.000000s, ended at 0.002000s: completed (web1)', seq: null, frame: null }],
};
const fail: Verdict = {
  name: 'web1 answers <web2> & "#1"',
  kind: 'frame',
  pos: { file: 'scenarios/x.yaml', line: 62, col: 5 },
  passed: false,
  message: 'expected the first frame matching tcp.flags=SA at web2:eth0 to have ip.src=10.0.1.100; found ip.src=10.0.1.11 (at 0.100147840s, the first of 5)',
  evidence: [{ t: 100147840, place: 'web2:eth0', text: 'received: 10.0.1.11:80 > 10.0.1.12:40000 TCP [S.] seq=1 ack=2 win=64240 len=0', seq: 812, frame: 90 }],
};
const ok: ScenarioReport = { file: 'scenarios/x.yaml', title: 'The X lesson', seed: 1, stopped: 'finished at 1.000000s: no events left.', error: null, verdicts: [pass, fail] };
const broken: ScenarioReport = { file: 'lessons/bad.yaml', title: null, seed: null, stopped: null, error: 'lessons/bad.yaml:3:1: error: unknown key `nodez`\n 3 | nodez:\n2 errors', verdicts: [] };

describe('totals', () => {
  it('counts expectations and scenarios that could not be run', () => {
    expect(totals([ok, broken])).toEqual({ passed: 1, failed: 1, errors: 1 });
  });
});

describe('text', () => {
  it('prints PASS / FAIL without colour, evidence and position for failures only, and the total line last', () => {
    expect(textReport([ok], { color: false })).toBe(
      [
        'x: The X lesson (scenarios/x.yaml, seed 1)',
        '  finished at 1.000000s: no events left.',
        '  PASS outside calls work',
        `      ${pass.message}`,
        '  FAIL web1 answers <web2> & "#1"',
        `      ${fail.message}`,
        '      at scenarios/x.yaml:62:5',
        '        0.100147840s  web2:eth0  received: 10.0.1.11:80 > 10.0.1.12:40000 TCP [S.] seq=1 ack=2 win=64240 len=0',
        '',
        '1 scenario, 2 expectations: 1 passed, 1 failed',
        '',
      ].join('\n'),
    );
  });

  it('uses ✓ and ✗ with colour, and says which scenarios could not be run', () => {
    const t = textReport([ok, broken], { color: true });
    expect(t).toContain('✓');
    expect(t).toContain('✗');
    expect(t).toContain('\x1b[');
    expect(t).toContain('could not be run:\nlessons/bad.yaml:3:1: error: unknown key `nodez`\n 3 | nodez:\n2 errors\n');
    expect(t.trimEnd().split('\n').pop()).toBe('2 scenarios (1 could not be run), 2 expectations: 1 passed, 1 failed');
    expect(textReport([{ ...ok, verdicts: [] }], { color: false })).toContain('  (no expectations)\n');
  });
});

describe('json', () => {
  it('is one document with totals, scenarios, verdicts and evidence', () => {
    const doc = JSON.parse(jsonReport([ok, broken]));
    expect(doc.passed).toBe(1);
    expect(doc.failed).toBe(1);
    expect(doc.errors).toBe(1);
    expect(doc.scenarios.map((s: { name: string }) => s.name)).toEqual(['x', 'bad']);
    expect(doc.scenarios[1].error).toContain('unknown key');
    const e = doc.scenarios[0].expectations[1];
    expect(e).toMatchObject({ name: fail.name, kind: 'frame', passed: false, message: fail.message, pos: { file: 'scenarios/x.yaml', line: 62, col: 5 } });
    expect(e.evidence[0]).toEqual({ ...fail.evidence[0], time: '0.100147840s', line: '0.100147840s  web2:eth0  received: 10.0.1.11:80 > 10.0.1.12:40000 TCP [S.] seq=1 ack=2 win=64240 len=0' });
  });
});

describe('junit', () => {
  it('is well-formed XML: testsuites > testsuite per scenario > testcase per expectation, failures with message and evidence', () => {
    const xml = junitReport([ok, broken]);
    const els = parseXml(xml);
    const root = els[0]!;
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '3', failures: '1', errors: '1' });
    const suites = els.filter((e) => e.name === 'testsuite');
    expect(suites.map((s) => [s.attrs['name'], s.attrs['tests'], s.attrs['failures'], s.attrs['errors']])).toEqual([
      ['The X lesson', '2', '1', '0'],
      ['bad', '1', '0', '1'],
    ]);
    const cases = els.filter((e) => e.name === 'testcase');
    expect(cases.map((c) => [c.attrs['name'], c.attrs['classname']])).toEqual([
      ['outside calls work', 'x'],
      ['web1 answers <web2> & "#1"', 'x'],
      ['load and build', 'bad'],
    ]);
    const failure = els.find((e) => e.name === 'failure')!;
    expect(els[failure.parent]).toBe(cases[1]);
    expect(failure.attrs['message']).toBe(fail.message);
    expect(failure.attrs['type']).toBe('frame');
    expect(failure.text).toBe(`scenarios/x.yaml:62:5: ${fail.message}\n0.100147840s  web2:eth0  received: 10.0.1.11:80 > 10.0.1.12:40000 TCP [S.] seq=1 ack=2 win=64240 len=0`);
    const error = els.find((e) => e.name === 'error')!;
    expect(error.attrs['message']).toBe('lessons/bad.yaml:3:1: error: unknown key `nodez`');
    expect(error.text).toBe(broken.error);
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    expect(xmlEscape(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});

describe('tap', () => {
  it('is TAP 13: version, plan, ok / not ok with YAML diagnostics', () => {
    const lines = tapReport([ok, broken]).trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['TAP version 13', '1..3']);
    expect(lines.filter((l) => /^(not )?ok \d+/.test(l))).toEqual(['ok 1 - x: outside calls work', 'not ok 2 - x: web1 answers <web2> & "\\#1"', 'not ok 3 - bad: could not be run']);
    const i = lines.indexOf('not ok 2 - x: web1 answers <web2> & "\\#1"');
    expect(lines.slice(i + 1, i + 13)).toEqual([
      '  ---',
      `  message: ${JSON.stringify(fail.message)}`,
      '  kind: frame',
      '  at:',
      '    file: "scenarios/x.yaml"',
      '    line: 62',
      '    column: 5',
      '  severity: fail',
      '  evidence:',
      '    - "0.100147840s  web2:eth0  received: 10.0.1.11:80 > 10.0.1.12:40000 TCP [S.] seq=1 ack=2 win=64240 len=0"',
      '  ...',
      'not ok 3 - bad: could not be run',
    ]);
    expect(lines[lines.length - 1]).toBe('# 1 passed, 1 failed');
  });
});

describe('names and values from the file cannot forge output (issue 17 items 11, 12)', () => {
  const forged: Verdict = { ...pass, name: 'real\nok 2 - forged by the file', message: 'found \x1b]0;owned\x07\x1b[2J\u009b2K\x7f' };
  const r: ScenarioReport = { ...ok, title: 'T\x1b[2J\r', verdicts: [forged] };

  it('TAP: a newline in an expectation name stays inside its test point', () => {
    const tap = tapReport([r]);
    expect(tap.split('\n').filter((l) => /^(not )?ok /.test(l))).toEqual(['ok 1 - x: real\\nok 2 - forged by the file']);
    expect(tap).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });

  it('text: escapes, never raw controls, and one line per name and message', () => {
    const text = textReport([r], { color: false });
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(text).toContain('x: T\\x1b[2J\\r (scenarios/x.yaml, seed 1)');
    expect(text).toContain('  PASS real\\nok 2 - forged by the file');
    expect(text).toContain('      found \\x1b]0;owned\\x07\\x1b[2J\\x9b2K\\x7f');
  });
});

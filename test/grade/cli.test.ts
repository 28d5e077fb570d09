/**
 * `lblab check` as a user and an autograder run it: spawned with node on
 * the compiled dist/ (`npm test` compiles first; this file compiles when
 * dist/cli/check.js is missing), through test/grade/check-cli.mjs, which
 * adds the command to the real program the way main.ts does. Exit codes,
 * the total line, and each reporter's format.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseXml } from './xml.js';

const ROOT = join(import.meta.dirname, '../..');
const HARNESS = join(import.meta.dirname, 'check-cli.mjs');
const F = 'test/grade/fixtures';

function check(...args: string[]) {
  const r = spawnSync(process.execPath, [HARNESS, 'check', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/check.js'))) spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: ROOT });
});

describe('lblab check', () => {
  it('exits 0 when every expectation of the built-in scenarios passes, ending with the total line', () => {
    const r = check('two-subnets', 'one-arm-bug');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('two-subnets: Two subnets and a router (scenarios/two-subnets.yaml, seed 1)');
    expect(r.out).toContain('  PASS a closed port refuses\n      expected every connection attempt from client1 to web2 (10.0.2.12) port 80 to end as refused; found refused 1 (of 1)\n');
    expect(r.out).not.toMatch(/\x1b\[|✓|✗/);
    const last = r.out.trimEnd().split('\n').pop()!;
    // Built-in lessons gain expectations over time: only the shape of the line is fixed.
    expect(last).toMatch(/^2 scenarios, (\d+) expectations: \1 passed, 0 failed$/);
  });

  it('exits 1 when an expectation fails, with the evidence and the file:line:col', () => {
    const r = check(`${F}/wrong.yaml`);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      [
        '  FAIL the TTL is kept',
        '      expected the first frame matching icmp.type=8 at web1:eth0 to have ip.ttl=64; found ip.ttl=63 (at 0.000127360s, the first of 2)',
        `      at ${F}/wrong.yaml:40:5`,
        '        0.000127360s  web1:eth0  received: 10.0.1.10 > 10.0.2.11 ICMP echo request id=26839 seq=1',
      ].join('\n'),
    );
    expect(r.out.trimEnd().split('\n').pop()).toBe('1 scenario, 5 expectations: 1 passed, 4 failed');
  });

  it('exits 1 and prints the loader errors like run, once, when a scenario cannot be loaded', () => {
    const r = check(`${F}/broken.yaml`, 'routing-loop');
    expect(r.code).toBe(1);
    const line = `${F}/broken.yaml:7:5: error: unknown key \`gatway\` in a host; did you mean \`gateway\`?`;
    expect(r.out).toContain(`  ERROR could not be run:\n${line}\n 7 |`);
    expect(r.out.split(line).length - 1).toBe(1);
    expect(r.err).not.toContain(line);
    expect(r.out.trimEnd().split('\n').pop()).toMatch(/^2 scenarios \(1 could not be run\), (\d+) expectations: \1 passed, 0 failed$/);
    // Beside a machine-readable report, the error goes to stderr, once.
    const j = check('--reporter', 'json', `${F}/broken.yaml`);
    expect(j.err.split(line).length - 1).toBe(1);
  });

  it('prints a builder error in the same file:line:col: error: form', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lblab-check-'));
    try {
      const text = readFileSync(join(ROOT, 'scenarios/replay-capture.yaml'), 'utf8').replace('../fixtures/replay/http-udp.pcap', 'garbage.pcap');
      writeFileSync(join(dir, 'replay.yaml'), text);
      writeFileSync(join(dir, 'garbage.pcap'), 'not a capture');
      const row = text.split('\n').findIndex((l) => l.includes('garbage.pcap')) + 1;
      const r = check(join(dir, 'replay.yaml'));
      expect(r.code).toBe(1);
      expect(r.out).toMatch(new RegExp(`^${join(dir, 'replay.yaml')}:${row}:\\d+: error: the capture garbage\\.pcap is not readable: `, 'm'));
      expect(r.err).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 for usage errors: an unknown scenario, reporter or option, a missing argument', () => {
    const a = check('no-such-lesson');
    expect(a.code).toBe(2);
    expect(a.err).toContain('no scenario file "no-such-lesson", and no built-in scenario of that name');
    const b = check('two-subnets', '--reporter', 'xml');
    expect(b.code).toBe(2);
    expect(b.err).toContain("argument 'xml' is invalid. Allowed choices are text, json, junit, tap.");
    expect(check('two-subnets', '--seed', 'x').code).toBe(2);
    expect(check('two-subnets', '--bogus').code).toBe(2);
    expect(check().code).toBe(2);
  });

  it('--reporter json prints one JSON document', () => {
    const r = check('routing-loop', `${F}/wrong.yaml`, '--reporter', 'json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect([doc.passed, doc.failed, doc.errors]).toEqual([doc.scenarios[0].expectations.length + 1, 4, 0]);
    expect(doc.scenarios.map((s: { name: string }) => s.name)).toEqual(['routing-loop', 'wrong']);
    const ttl = doc.scenarios[1].expectations[0];
    expect(ttl).toMatchObject({ name: 'the TTL is kept', kind: 'frame', passed: false, pos: { file: `${F}/wrong.yaml`, line: 40, col: 5 } });
    expect(ttl.evidence[0].line).toBe('0.000127360s  web1:eth0  received: 10.0.1.10 > 10.0.2.11 ICMP echo request id=26839 seq=1');
  });

  it('--reporter junit prints well-formed JUnit XML', () => {
    const r = check('routing-loop', `${F}/wrong.yaml`, `${F}/broken.yaml`, '--reporter', 'junit');
    expect(r.code).toBe(1);
    const els = parseXml(r.out);
    expect(els[0]!.name).toBe('testsuites');
    const n = els.filter((e) => e.name === 'testcase').length;
    expect(els[0]!.attrs).toMatchObject({ tests: String(n), failures: '4', errors: '1' });
    expect(els.filter((e) => e.name === 'testsuite').map((s) => s.attrs['name'])).toEqual(['A routing loop', 'Grader fixture, wrong expectations', 'broken']);
    expect(els.filter((e) => e.name === 'failure').map((f) => els[f.parent]!.attrs['name'])).toEqual(['the TTL is kept', 'the closed port accepts', 'the router drops', 'no RST reaches the client']);
  });

  it('--reporter tap prints TAP 13 with a plan and a line per expectation', () => {
    const r = check('routing-loop', `${F}/wrong.yaml`, '--reporter', 'tap');
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    const tests = lines.filter((l) => /^(not )?ok /.test(l));
    expect(lines.slice(0, 2)).toEqual(['TAP version 13', `1..${tests.length}`]);
    const k = tests.length - 5;
    expect(tests.slice(0, k).every((l, i) => l.startsWith(`ok ${i + 1} - routing-loop: `))).toBe(true);
    expect(tests.slice(k)).toEqual([
      `not ok ${k + 1} - wrong: the TTL is kept`,
      `not ok ${k + 2} - wrong: the closed port accepts`,
      `not ok ${k + 3} - wrong: the router drops`,
      `not ok ${k + 4} - wrong: no RST reaches the client`,
      `ok ${k + 5} - wrong: the ping is routed`,
    ]);
    expect(check('routing-loop', '--reporter', 'tap').code).toBe(0);
  });

  it('--seed and --until change the run', () => {
    const r = check(`${F}/lb-failover.yaml`, '--until', '1500ms', '--seed', '3', '--reporter', 'json');
    const s = JSON.parse(r.out).scenarios[0];
    expect(s.seed).toBe(3);
    expect(s.stopped).toMatch(/^stopped at 1\.500000s as asked/);
  });
});

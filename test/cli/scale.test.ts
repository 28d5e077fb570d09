/**
 * The CLI's scale features as a user runs them (spawned dist/, like
 * cli.test.ts): `check --jobs` prints exactly what a serial check prints,
 * `--record stream` and `--record full` give the same report, and a run over
 * its memory budget stops with a sentence naming the knobs, not a V8 abort.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lbScenarioYaml } from '../../src/bench/lb-scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'lblab-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lblab(...args: string[]) {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Small built-ins of every kind of check: frames, drops, rewrites, counters, DNS, HTTP, health, VRRP; one with warnings-free errors. */
const FILES = ['one-arm-bug', 'dns-rr-caching', 'l7-path-routing', 'health-check-http', 'vrrp-master-dies', 'same-subnet-vip'];

describe('lblab check at scale', () => {
  it('--jobs 2 prints the same report, in input order, with the same exit status as --jobs 1', () => {
    for (const reporter of ['text', 'json']) {
      const serial = lblab('check', ...FILES, '--reporter', reporter, '--jobs', '1');
      const parallel = lblab('check', ...FILES, '--reporter', reporter, '--jobs', '2');
      expect(parallel.out).toBe(serial.out);
      expect(parallel.err).toBe(serial.err);
      expect(parallel.code).toBe(serial.code);
    }
  });

  it('keeps each file in its place under --jobs, whichever finishes first', () => {
    const r1 = lblab('check', 'same-subnet-vip', 'one-arm-bug', '--jobs', '1', '--seed', '3');
    const r2 = lblab('check', 'same-subnet-vip', 'one-arm-bug', '--jobs', '2', '--seed', '3');
    expect(r2.out).toBe(r1.out);
    expect(r2.out.indexOf('same-subnet-vip:')).toBeLessThan(r2.out.indexOf('one-arm-bug:'));
  });

  it('--record full and --record stream give the same verdicts, messages and evidence', () => {
    const full = lblab('check', ...FILES, '--reporter', 'json', '--jobs', '1', '--record', 'full');
    const stream = lblab('check', ...FILES, '--reporter', 'json', '--jobs', '1', '--record', 'stream');
    expect(stream.out).toBe(full.out);
    expect(JSON.parse(stream.out)).toBeTruthy();
  });

  it('stops a run over its memory budget with a sentence naming the knobs', () => {
    // 1 MiB is below what any node process uses, so the first look (after 65536 events) stops the run.
    const file = join(dir, 'lb.yaml');
    writeFileSync(file, lbScenarioYaml({ mode: 'snat', connections: 1000 }));
    const r = lblab('check', file, '--memory', '1MiB', '--record', 'full');
    expect(r.code).toBe(1);
    // The text report prints a file's error once, in the report (stdout); nothing crashes.
    expect(r.out).toMatch(/stopped at \d+\.\d+s: the process uses \d+ MiB, over the memory budget of 1 MiB \(--memory\)\. Grade with --record stream/);
    expect(r.out + r.err).not.toMatch(/FATAL|heap out of memory/);
    const run = lblab('run', file, '--memory', '1MiB');
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/over the memory budget of 1 MiB \(--memory\)\. What is left is the network itself/);
  });

  it('rejects a memory budget without a unit it knows', () => {
    const r = lblab('check', 'one-arm-bug', '--memory', 'lots');
    expect(r.code).toBe(2);
    expect(r.err).toContain('write a size with a unit, for example 512MiB, 1.5GiB or 2G');
  });
});

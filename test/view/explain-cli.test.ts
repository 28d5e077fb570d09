/**
 * `lblab explain` through a small commander program (the lead wires it
 * into main.ts) and through its action function with a fake terminal.
 */
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { explain, registerExplain, type ExplainIo, type ExplainOptions } from '../../src/cli/explain.js';

function io(colorOk = false): ExplainIo & { out: (s: string) => void; stdout: string; stderr: string; progressOut: string } {
  const r = {
    stdout: '',
    stderr: '',
    progressOut: '',
    colorOk,
    out: (s: string) => void (r.stdout += s),
    err: (s: string) => void (r.stderr += s),
    progress: { isTTY: false, write: (s: string) => void (r.progressOut += s) },
  };
  return r;
}

function run(arg: string, opts: ExplainOptions, colorOk = false) {
  const r = io(colorOk);
  const code = explain(arg, opts, r);
  return { code, out: r.stdout, err: r.stderr, progress: r.progressOut };
}

describe('lblab explain (action)', () => {
  it('lists the flows with their numbers when no --flow is given', () => {
    const r = run('same-subnet-vip', {});
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^lblab: The same-subnet VIP call \(hairpin\) \(.*same-subnet-vip\.yaml, seed 1\): 2 flows$/);
    // The task (the scenario's description) follows the header; then the flows, numbered.
    const flows = lines.filter((l) => /^ {2}\d+ {2}/.test(l));
    expect(flows[0]).toMatch(/^ {2}1 {2}client 10\.0\.0\.10:\d+ -> 10\.0\.1\.100:80 TCP: .* \[0\.000000s to \d+\.\d+s\]$/);
    expect(flows[1]).toMatch(/^ {2}2 {2}web2 10\.0\.1\.12:\d+ -> 10\.0\.1\.100:80 TCP: /);
    expect(r.out).toContain('Show one as a ladder: lblab explain same-subnet-vip --flow 1');
    expect(r.progress).toBe('');
  });

  it('draws one flow as a ladder, with the scenario switches hidden unless asked', () => {
    const r = run('one-arm-bug', { flow: 1, width: 100 });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^flow 1: client 10\.0\.0\.10:38586 -> 10\.0\.1\.100:80 TCP: lb-dnat at lb1/);
    expect(r.out.split('\n')[3]!.trim().split(/\s+/)).toEqual(['client', 'r1', 'lb1', 'web1']);
    expect(r.out).not.toContain('\x1b[');
    const sw = run('one-arm-bug', { flow: 1, switches: true, ascii: true, width: 120 });
    expect(sw.out.split('\n')[3]!.trim().split(/\s+/)).toEqual(['client', 'sw1', 'r1', 'sw2', 'lb1', 'web1']);
    expect(sw.out).toMatch(/^[\x20-\x7e\n]*$/);
    expect(run('one-arm-bug', { flow: 1 }, true).out).toContain('\x1b[');
    expect(run('one-arm-bug', { flow: 1, color: false }, true).out).not.toContain('\x1b[');
  });

  it('honours --until and --seed', () => {
    const short = run('one-arm-bug', { flow: 1, until: 1.5e9 });
    expect(short.out).toContain('SYN retried 1 time; still SYN_SENT at the end');
    const other = run('one-arm-bug', { seed: 2 });
    expect(other.out).toContain('seed 2');
  });

  it('says how many flows there are when the one asked for does not exist', () => {
    const r = run('same-subnet-vip', { flow: 5 });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe('lblab: no flow 5: the run has 2 flows, numbered 1 to 2. `lblab explain same-subnet-vip` lists them.\n');
    const missing = run('no-such-scenario', {});
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no scenario file "no-such-scenario"');
  });
});

describe('lblab explain (commander)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  function program(): Command {
    const p = new Command().name('lblab').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    registerExplain(p);
    return p;
  }

  it('parses its options and prints to standard output', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    await program().parseAsync(['explain', 'nat-gateway', '--flow', '2', '--width', '90', '--ascii', '--no-color'], { from: 'user' });
    expect(process.exitCode).toBe(0);
    expect(out).toMatch(/^flow 2: phone 192\.168\.1\.11:\d+ -> 203\.0\.113\.80:80 TCP/);
    expect(Math.max(...out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(90);
  });

  it('rejects bad values with a usage error', async () => {
    await expect(program().parseAsync(['explain', 'nat-gateway', '--flow', '0'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(program().parseAsync(['explain', 'nat-gateway', '--width', '20'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(program().parseAsync(['explain'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.missingArgument' });
  });

  it('has help with examples', () => {
    const p = program();
    const help = p.commands.find((c) => c.name() === 'explain')!.helpInformation() + '';
    expect(help).toContain('--flow <n>');
    expect(help).toContain('--switches');
    expect(help).toContain('--ascii');
    expect(help).toContain('--width <columns>');
    expect(help).toContain('--until <duration>');
  });
});

/**
 * `lblab tui` from the command line: registered on a commander program as
 * main.ts does, and run with standard output not a terminal, it prints the
 * run's hop lines exactly as `lblab run` does.
 */
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { registerTui, tui, type TuiIo } from '../../src/cli/tui.js';

const ESC = /\u001B\[/;

function io(interactive: boolean): TuiIo & { stdout: string; stderr: string } {
  const r = {
    stdout: '',
    stderr: '',
    interactive,
    colorOk: true,
    out: (s: string) => void (r.stdout += s),
    err: (s: string) => void (r.stderr += s),
    progress: { write: () => {}, isTTY: false },
  };
  return r;
}

/** Runs a commander program's command with process.stdout captured and not a terminal. */
async function capture(program: Command, args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('lblab tui', () => {
  let tty: PropertyDescriptor | undefined;
  beforeEach(() => {
    tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true, writable: true });
    process.exitCode = undefined;
  });
  afterEach(() => {
    if (tty) Object.defineProperty(process.stdout, 'isTTY', tty);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
    process.exitCode = undefined;
  });

  it('prints hop lines when standard output is not a terminal', async () => {
    const r = io(false);
    expect(await tui('one-arm-bug', {}, r)).toBe(0);
    expect(r.stdout).toMatch(/^lblab: The one-arm return path \(.*scenarios\/one-arm-bug\.yaml, seed 1\)\n\n/);
    expect(r.stdout).toMatch(/REWRITE lb1 +lb-dnat: lb1 DNAT 10\.0\.1\.100:80 -> 10\.0\.1\.11:80 \(web1\)/);
    expect(r.stdout).toMatch(/DROP client:eth0 +tcp-/);
    expect(r.stdout).not.toMatch(ESC);
    expect(r.stderr).toBe('');
  });

  it('registered on a program, prints the same hop lines as `lblab run`', async () => {
    const program = new Command().exitOverride();
    registerTui(program);
    const out = await capture(program, ['tui', 'one-arm-bug']);
    expect(process.exitCode ?? 0).toBe(0);
    const ran = await capture(buildProgram(), ['run', 'one-arm-bug']);
    // Header, the task (the scenario's description), then the hop lines: the longest block is the hops.
    const hops = (s: string): string[] => s.split('\n\n').reduce((a, b) => (b.length > a.length ? b : a), '').split('\n');
    expect(hops(out).length).toBeGreaterThan(100);
    expect(hops(out)).toEqual(hops(ran));
  });

  it('without a scenario (npm start), runs the default one: hop lines when not a terminal', async () => {
    const program = new Command().exitOverride();
    registerTui(program);
    const out = await capture(program, ['tui']);
    expect(process.exitCode ?? 0).toBe(0);
    expect(out).toMatch(/^lblab: The same-subnet VIP call \(hairpin\) \(.*scenarios\/same-subnet-vip\.yaml, seed \d+\)\n\n/);
    expect(out).toMatch(/DROP /);
  });

  it('names an unknown scenario and exits 2', async () => {
    const r = io(false);
    expect(await tui('no-such-scenario', {}, r)).toBe(2);
    expect(r.stderr).toContain('no built-in scenario of that name');
    expect(r.stdout).toBe('');
  });

  it('has help with examples', () => {
    const program = new Command();
    registerTui(program);
    const help = program.commands.find((c) => c.name() === 'tui')!.helpInformation();
    expect(help).toContain('[scenario]');
    expect(help).toContain('--no-color');
  });
});

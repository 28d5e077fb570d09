/**
 * The TUI in a real pseudo-terminal: tmux starts `lblab tui` (the built
 * dist/, as a user runs it) and `npm start` in detached sessions of a fixed
 * size, keys are sent, and the pane's text is read back. Each wait is
 * bounded, every session runs on a private tmux server that is killed
 * afterwards, and the file skips, saying why, when tmux is not installed
 * (CI installs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const built = existsSync('dist/cli/main.js');
const skip = !hasTmux ? 'tmux is not installed (apt-get install tmux)' : !built ? 'dist/ is not built (npm run build)' : '';
if (skip) console.warn(`skipping the tmux tests of the TUI: ${skip}`);

const SOCKET = `lblab-tui-test-${process.pid}`;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const capture = (s: string): string => tmux('capture-pane', '-p', '-t', s);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const dead = (s: string): boolean => tmux('display-message', '-p', '-t', s, '#{pane_dead}').trim() === '1';

/**
 * Waits until the pane shows `what`, and returns the pane. No time limit (a
 * slow machine must not fail the test): it fails when the program has exited
 * without showing it.
 */
async function until(s: string, what: RegExp | string | ((pane: string) => boolean)): Promise<string> {
  for (;;) {
    const gone = dead(s);
    const text = capture(s);
    if (typeof what === 'string' ? text.includes(what) : typeof what === 'function' ? what(text) : what.test(text)) return text;
    if (gone) throw new Error(`the program exited and the pane never showed ${String(what)}; it shows:\n${text}`);
    await sleep(50);
  }
}

/** Waits until the program in the pane has exited. */
async function exited(s: string): Promise<void> {
  while (!dead(s)) await sleep(50);
}

function start(name: string, command: string, columns = 80, rows = 24): void {
  tmux('new-session', '-d', '-s', name, '-x', String(columns), '-y', String(rows), '-e', 'NO_COLOR=1', command);
  tmux('set-option', '-t', name, 'remain-on-exit', 'on');
}

const keys = (s: string, ...k: string[]): void => void tmux('send-keys', '-t', s, ...k);

afterAll(() => {
  if (!hasTmux) return;
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  // tmux leaves its socket file behind; -L puts it in $TMUX_TMPDIR/tmux-UID (tmux(1)).
  rmSync(join(process.env['TMUX_TMPDIR'] || '/tmp', `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
});

describe.skipIf(skip !== '')('lblab tui in tmux', () => {
  it('steps, switches panes, filters, resizes and quits', async () => {
    const s = 'steps';
    start(s, 'node dist/cli/main.js tui one-arm-bug');
    let p = await until(s, /event 1\/\d+/);
    const lines = p.replace(/\n+$/, '').split('\n');
    expect(lines[0]).toMatch(/^lblab The one-arm return path {2}event 1\/\d+ {2}0\.000000000s/);
    expect(p).toContain('? keys  q quit');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);

    keys(s, 'r');
    p = await until(s, 'REWRITE lb1  at 0.000126592s');
    expect(p).toMatch(/\*dst 10\.0\.1\.100 -> 10\.0\.1\.11/);

    keys(s, 'Tab');
    p = await until(s, 'State of lb1 after event');
    expect(p).toMatch(/shop 10\.0\.0\.10:\d+ -> web1 SYN_RECV/);

    keys(s, 'Tab');
    p = await until(s, 'path: client → sw1 → r1 → sw2 → lb1 (rewrites)');
    expect(p).toMatch(/lb1 \[lb\] 5 ◆ here/);

    keys(s, 'h');
    p = await until(s, /^> .*STATE +lb1 +lb1: 10\.0\.0\.10:\d+ via web1 is now SYN/m);
    keys(s, 'l');
    await until(s, /^> .*REWRITE lb1/m);

    keys(s, '/', 'kind=drop', 'Enter');
    p = await until(s, /events match kind=drop/);
    const rows = p.split('\n').filter((l) => /^[> ] +\d+\.\d{9}s [A-Z]+ /.test(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toMatch(/ DROP /);
    keys(s, 'Escape');
    await until(s, 'filter cleared');

    // A wider terminal: the panes side by side.
    tmux('resize-window', '-t', s, '-x', '160', '-y', '40');
    p = await until(s, '│ Topology');
    expect(p).toMatch(/│ State of /);
    for (const l of p.split('\n')) expect(l.length).toBeLessThanOrEqual(160);
    tmux('resize-window', '-t', s, '-x', '80', '-y', '24');
    p = await until(s, (t) => !t.includes('│ Topology') && /^State of |^Topology|^REWRITE|^[A-Z]+ \S+ +at /m.test(t));
    for (const l of p.split('\n')) expect(l.length).toBeLessThanOrEqual(80);

    keys(s, 'q');
    await exited(s);
    tmux('kill-session', '-t', s);
  });

  it('npm start opens the TUI on the default scenario', async () => {
    const s = 'start';
    start(s, 'npm start --silent');
    const p = await until(s, /event 1\/\d+/);
    expect(p).toMatch(/^lblab The same-subnet VIP call \(hairpin\) {2}event 1\//m);
    keys(s, '?');
    await until(s, 'Keys');
    keys(s, 'x', 'q');
    await exited(s);
    tmux('kill-session', '-t', s);
  });
});

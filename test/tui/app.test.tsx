/**
 * The TUI's screens and keys, through ink-testing-library: what a student
 * sees on a built-in scenario's trace at 80x24, how each key moves, and
 * that going back shows exactly the earlier screen.
 */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { TraceEvent, TxEvent } from '../../src/trace/events.js';
import { App } from '../../src/tui/App.js';
import { shownEvents } from '../../src/tui/navigation.js';
import { KEY, recorded, tick } from './helpers.js';

const ESC = /\u001B\[/;

function open(name = 'one-arm-bug', size: { columns?: number; rows?: number; color?: boolean } = {}) {
  const r = recorded(name);
  const ui = render(<App events={r.events} title={r.title} peers={r.peers} color={size.color ?? false} columns={size.columns ?? 80} rows={size.rows ?? 24} />);
  const press = async (...keys: string[]): Promise<string> => {
    for (const k of keys) {
      ui.stdin.write(k);
      await tick(k.startsWith('\u001B') ? 15 : 0);
    }
    await tick();
    return ui.lastFrame() ?? '';
  };
  return { run: r, ui, press, frame: () => ui.lastFrame() ?? '' };
}

/** The status line's "event i/n". */
function position(frame: string): [number, number] {
  const m = /event (\d+)\/(\d+)/.exec(frame);
  if (!m) throw new Error(`no position in:\n${frame}`);
  return [Number(m[1]), Number(m[2])];
}

/** The text of a frame with its line breaks and indentation folded, for sentences the detail pane wraps. */
const flat = (s: string): string => s.replace(/\s+/g, ' ');

afterEach(() => cleanup());

describe('the TUI on one-arm-bug', () => {
  it('first screen: the status line, the event list around the first event, and its detail', async () => {
    const { frame, run } = open();
    await tick();
    const f = frame();
    const lines = f.split('\n');
    expect(lines).toHaveLength(23); // 24 rows, one spare so the terminal never scrolls
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines[0]).toContain('lblab The one-arm return path');
    expect(position(f)).toEqual([1, shownEvents(run.events, false).length]);
    expect(lines[1]).toMatch(/^> +0\.000000000s STATE +client +client 10\.0\.0\.10:\d+->10\.0\.1\.100:80/);
    expect(f).toMatch(/ 0\.000000000s TX +client:eth0 +00:00:00:00:00:01 > ff:ff:ff:ff:ff:ff/);
    expect(f).toContain('STATE client  at 0.000000000s  (event 0)');
    expect(f).toContain('(no packet at this event)');
    expect(lines[22]).toContain('? keys');
  });

  it('l, j and down move forward; h, k and up move back', async () => {
    const { press, frame } = open();
    await tick();
    expect(position(frame())[0]).toBe(1);
    expect(position(await press('l'))[0]).toBe(2);
    expect(position(await press('j'))[0]).toBe(3);
    expect(position(await press(KEY.down))[0]).toBe(4);
    expect(position(await press(KEY.right))[0]).toBe(5);
    expect(position(await press('h'))[0]).toBe(4);
    expect(position(await press('k'))[0]).toBe(3);
    expect(position(await press(KEY.up))[0]).toBe(2);
    expect(position(await press(KEY.left))[0]).toBe(1);
    const f = await press('h');
    expect(position(f)[0]).toBe(1);
    expect(f).toContain('start of the trace');
  });

  it('a transmission shows the packet layer by layer', async () => {
    const { press } = open();
    const f = await press('l', 'l');
    expect(f).toContain('TX client:eth0  at 0.000000000s');
    expect(flat(f)).toMatch(/client transmits on eth0 \(link \S+ to sw1:p2\): frame #\d+ \(originated here\), \d+ bytes\./);
    expect(f).toMatch(/^Ethernet +00:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ARP$/m);
    expect(f).toContain('dst ff:ff:ff:ff:ff:ff  src 00:00:00:00:00:01  vlan none  type 0x0806 (ARP)');
    expect(f).toMatch(/^ARP +ARP who-has 10\.0\.0\.1 tell 10\.0\.0\.10$/m);
    expect(f).toContain('op 1 (request)');
  });

  it('n jumps to the next drop and shows its code and sentence; N goes back', async () => {
    const { press, run } = open();
    const shown = shownEvents(run.events, false);
    const drops = [...shown].map((i) => run.events[i]!).filter((e) => e.kind === 'drop');
    expect(drops.length).toBeGreaterThan(1);
    let f = await press('n');
    const first = drops[0]!;
    if (first.kind !== 'drop') throw new Error('not a drop');
    expect(f).toMatch(new RegExp(`^> .*DROP +${first.node}`, 'm'));
    expect(flat(f)).toContain(flat(`${first.code}: ${first.text}`));
    // The drop the lesson is about: the client resets web1's SYN-ACK it never asked for.
    const rst = drops.findIndex((e) => e.kind === 'drop' && e.node === 'client' && e.code !== 'arp-ignored');
    expect(rst).toBeGreaterThan(0);
    for (let i = 0; i < rst; i++) f = await press('n');
    const ev = drops[rst]!;
    if (ev.kind !== 'drop') throw new Error('not a drop');
    expect(f).toContain(`DROP client`);
    expect(flat(f)).toContain(flat(`${ev.code}: ${ev.text}`));
    expect(f).toMatch(/^TCP +\d+ > \d+ TCP \[S\.\]/m); // the SYN-ACK it dropped, layer by layer
    f = await press('N');
    const before = drops[rst - 1]!;
    if (before.kind !== 'drop') throw new Error('not a drop');
    expect(flat(f)).toContain(flat(`${before.code}: ${before.text}`));
    expect(f).toMatch(new RegExp(`^> .*DROP +${before.node}`, 'm'));
  });

  it('r jumps to the next rewrite and shows every changed field before -> after', async () => {
    const { press } = open();
    const f = await press('r');
    expect(f).toContain('REWRITE lb1');
    expect(flat(f)).toContain('lb-dnat: lb1 DNAT 10.0.1.100:80 -> 10.0.1.11:80 (web1)');
    expect(flat(f)).toMatch(/changed: ip\.dst 10\.0\.1\.100 -> 10\.0\.1\.11, ip\.checksum 0x[0-9a-f]{4} -> 0x[0-9a-f]{4}, tcp\.checksum/);
    expect(f).toContain('*dst 10.0.1.100 -> 10.0.1.11'); // highlighted in the IPv4 layer (marked '*' without colour)
    expect(f).toMatch(/\*checksum 0x[0-9a-f]{4} -> 0x[0-9a-f]{4}/);
    expect(f).toMatch(/^IPv4 +10\.0\.0\.10 > 10\.0\.1\.11 TCP/m);
  });

  it('stepping back restores exactly the earlier screens', async () => {
    const { press, frame } = open();
    await tick();
    const seen = [frame()];
    for (let i = 0; i < 40; i++) seen.push(await press('l'));
    expect(new Set(seen).size).toBe(seen.length);
    for (let i = 39; i >= 0; i--) expect(await press('h')).toBe(seen[i]);
    // After jumps too: a rewrite, a drop, the help, and back by the same steps.
    const atRewrite = await press('r');
    const further = [atRewrite];
    for (let i = 0; i < 5; i++) further.push(await press('j'));
    for (let i = 4; i >= 0; i--) expect(await press('k')).toBe(further[i]);
    const atDrop = await press('n');
    await press('?');
    expect(await press(' ')).toBe(atDrop);
    expect(await press(KEY.home)).toBe(seen[0]);
  });

  it('p follows a packet through its switch hops and the rewrite', async () => {
    const { press, run } = open();
    const shown = shownEvents(run.events, false);
    const syn = [...shown].findIndex((i) => {
      const e = run.events[i]!;
      return e.kind === 'tx' && e.node === 'client' && e.frame.eth.payload.kind === 'ipv4';
    });
    let f = '';
    for (let i = 0; i < syn; i++) f = await press('l');
    expect(f).toMatch(/^> .*TX +client:eth0 +10\.0\.0\.10:\d+ > 10\.0\.1\.100:80 TCP \[S\]/m);
    const places: string[] = [];
    for (let i = 0; i < 12; i++) {
      f = await press('p');
      const m = /^> +\S+ (\S+) +(\S+)/m.exec(f)!;
      places.push(`${m[1]} ${m[2]}`);
      if (m[1] === 'REWRITE') break;
    }
    expect(places[0]).toBe('FORWARD sw1:p2>p1');
    expect(places).toContain('TX r1:eth1');
    expect(places[places.length - 1]).toBe('REWRITE lb1');
  });

  it('g goes to a typed time', async () => {
    const { press } = open();
    let f = await press('g', '1', 's');
    expect(f).toContain('go to time: 1s_');
    f = await press(KEY.enter);
    expect(f).toMatch(/event \d+\/\d+ {2}1\.0\d{8}s/);
    f = await press('g', 'x', KEY.enter);
    expect(f).toContain('"x" is not a time');
    f = await press('g', '9', '9', '9', 's', KEY.enter);
    expect(f).toContain('the trace ends before 999.000000000s');
    f = await press('g', '5', KEY.escape);
    expect(f).not.toContain('go to time');
  });

  it('? shows the help; any key closes it and the screen is as before', async () => {
    const { press, frame } = open();
    const before = await press('l', 'l');
    const f = await press('?');
    expect(f).toContain('Keys');
    for (const k of ['next / previous drop', 'next / previous rewrite', 'follow this packet', 'go to a time', 'play / pause', 'quit']) expect(flat(f)).toContain(k);
    expect(f).not.toContain('more line'); // every key fits at 80x24
    expect(await press('x')).toBe(before);
    expect(frame()).toBe(before);
  });

  it('space plays, + speeds up, and space pauses', async () => {
    const { press, frame } = open();
    await press('+', '+', '+', '+', '+', '+');
    expect(frame()).toContain('speed 100/s');
    await press(' ');
    expect(frame()).toContain('playing 100/s');
    await tick(200);
    const f = await press(' ');
    expect(f).not.toContain('playing');
    const at = position(f)[0];
    expect(at).toBeGreaterThan(2);
    await tick(50);
    expect(position(frame())[0]).toBe(at);
  });

  it('v lists every event (receptions too) and keeps the current event', async () => {
    const { press, run } = open();
    let f = await press('r');
    const [, n] = position(f);
    f = await press('v');
    expect(position(f)[1]).toBe(run.events.length);
    expect(position(f)[1]).toBeGreaterThan(n);
    expect(f).toContain('REWRITE lb1  at');
    f = await press('v');
    expect(position(f)[1]).toBe(n);
    expect(f).toContain('REWRITE lb1  at');
  });

  it('fits larger terminals and draws no escape codes without colour', async () => {
    const { press, frame } = open('one-arm-bug', { columns: 140, rows: 40 });
    await tick();
    const lines = frame().split('\n');
    expect(lines).toHaveLength(39);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(140);
    for (const k of ['r', 'n', 'p', '?', 'x', 'g', '1', KEY.enter]) expect(await press(k)).not.toMatch(ESC);
    expect(frame()).not.toMatch(ESC);
  });

  it('f shows the current event\'s flow as a ladder, scrolled to the event', async () => {
    const { press } = open();
    let f = await press('n');
    for (let i = 0; i < 40 && !/DROP client/.test(f); i++) f = await press('n');
    expect(f).toContain('DROP client');
    f = await press('f');
    expect(f).toContain('Flow 1 of the current event');
    expect(f).toMatch(/^ +client +r1 +lb1 +web1$/m); // the node names stay at the top
    expect(f).toMatch(/^> +\d+\.\d{9}s +✗ tcp-no-socket/m); // the current event's row, marked
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    f = await press('h');
    expect(f).toContain('Flow 1 of the current event');
    f = await press('f');
    expect(f).not.toContain('Flow 1 of the current event');
    expect(f).toMatch(/^IPv4 /m);
    // An event outside any flow says so.
    f = await press(KEY.home, 'l', 'l', 'f');
    expect(f).toContain('This event belongs to no flow');
  });

  it('nat-gateway: a masquerade rewrite shows the source address and port before -> after', async () => {
    const { press } = open('nat-gateway');
    const f = await press('r');
    expect(f).toContain('REWRITE gw');
    expect(f).toMatch(/\*src 192\.168\.1\.\d+ -> 203\.0\.113\.1/);
  });
});

describe('the TUI on any trace', () => {
  it('renders an empty trace and ignores moving keys', async () => {
    const ui = render(<App events={[]} title="nothing" color={false} columns={80} rows={24} />);
    await tick();
    expect(ui.lastFrame()).toContain('no events');
    expect(ui.lastFrame()).toContain('The trace is empty');
    for (const k of ['l', 'h', 'n', 'N', 'r', 'p', ' ', 'v', KEY.end, '?', 'x', 'g', '1', KEY.enter]) {
      ui.stdin.write(k);
      await tick(k.startsWith('\u001B') ? 15 : 0);
    }
    await tick();
    expect(ui.lastFrame()).toContain('The trace is empty');
    expect(ui.lastFrame()!.split('\n')).toHaveLength(23);
  });

  it('renders a window of a 100k-event trace, not the whole trace', async () => {
    const r = recorded('one-arm-bug');
    const tx = r.events.find((e): e is TxEvent => e.kind === 'tx')!;
    const events: TraceEvent[] = Array.from({ length: 100_000 }, (_, i) => ({ ...tx, seq: i, t: i * 1000 }));
    const ui = render(<App events={events} title="big" color={false} columns={80} rows={24} />);
    await tick();
    let f = ui.lastFrame()!;
    expect(f).toContain('event 1/100000');
    const rows = (s: string): number => s.split('\n').filter((l) => /^[> ] *\d+\.\d{9}s TX/.test(l)).length;
    expect(rows(f)).toBe(6);
    ui.stdin.write(KEY.end);
    await tick(15);
    f = ui.lastFrame()!;
    expect(f).toContain('event 100000/100000');
    expect(f).toMatch(/^> +0\.099999000s TX/m);
    expect(rows(f)).toBe(6);
    ui.stdin.write('N');
    await tick();
    expect(ui.lastFrame()).toContain('no drop before this event');
    ui.stdin.write('g');
    ui.stdin.write('5');
    ui.stdin.write('0');
    ui.stdin.write('m');
    ui.stdin.write('s');
    ui.stdin.write(KEY.enter);
    await tick();
    expect(ui.lastFrame()).toContain('event 50001/100000  0.050000000s');
  });
});

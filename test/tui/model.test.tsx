/**
 * The TUI's pure parts: the packet layer by layer with a rewrite's changes,
 * the lines cut to the terminal's width, the list's window, and the
 * positions keys jump to. Also an encapsulation on screen (mode-tunnel).
 */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { RewriteEvent } from '../../src/trace/events.js';
import { App } from '../../src/tui/App.js';
import { followPacket, positionAtTime, positionOf, shownEvents } from '../../src/tui/navigation.js';
import { layersOf, packetLayers } from '../../src/tui/packet-layers.js';
import { windowStart } from '../../src/tui/screen-lines.js';
import { fit, lineWidth, pack, seg, wrapWords } from '../../src/tui/segments.js';
import { recorded, tick } from './helpers.js';

afterEach(() => cleanup());

describe('packet layers', () => {
  it('marks exactly the fields a DNAT changed, with their earlier values', () => {
    const r = recorded('one-arm-bug');
    const rw = r.events.find((e): e is RewriteEvent => e.kind === 'rewrite')!;
    const layers = packetLayers(rw.after.eth, rw.before.eth);
    expect(layers.map((l) => l.title)).toEqual(['Ethernet', 'IPv4', 'TCP']);
    const changed = layers.flatMap((l) => l.fields.filter((f) => f.before !== null).map((f) => `${l.title}.${f.name} ${f.before} -> ${f.value}`));
    expect(changed).toEqual([expect.stringMatching(/^IPv4\.checksum 0x\w{4} -> 0x\w{4}$/), 'IPv4.dst 10.0.1.100 -> 10.0.1.11', expect.stringMatching(/^TCP\.checksum 0x\w{4} -> 0x\w{4}$/)]);
    expect(layers.every((l) => !l.added)).toBe(true);
    // Without a before, nothing is marked.
    expect(packetLayers(rw.after.eth).flatMap((l) => l.fields).every((f) => f.before === null)).toBe(true);
  });

  it('an IP-in-IP encapsulation shows the added outer header and the inner packet', async () => {
    const r = recorded('mode-tunnel');
    const rw = r.events.find((e): e is RewriteEvent => e.kind === 'rewrite' && layersOf(e.after.eth).length > layersOf(e.before.eth).length);
    expect(rw).toBeDefined();
    const layers = packetLayers(rw!.after.eth, rw!.before.eth);
    expect(layers.map((l) => l.title)).toEqual(['Ethernet', 'IPv4', 'IPv4 (inner)', 'TCP']);
    expect(layers[2]!.added).toBe(true);
    const ui = render(<App events={r.events} title={r.title} color={false} columns={100} rows={40} />);
    await tick();
    let f = '';
    for (let i = 0; i < 10 && !/^IPv4 \(inner\)/m.test(f); i++) {
      ui.stdin.write('r');
      await tick();
      f = ui.lastFrame()!;
    }
    expect(f).toMatch(/^IPv4 \(inner\) .*\(added by this rewrite\)$/m);
    expect(f).toMatch(/\*protocol 6 \(TCP\) -> 4 \(IPIP\)|\*protocol 6 \(TCP\) -> 4/);
  });
});

describe('screen lines', () => {
  it('fit cuts a line to the width with an ellipsis and keeps short lines whole', () => {
    const line = [seg('abc'), seg('defgh', { color: 'red' })];
    expect(fit(line, 10)).toEqual(line);
    expect(fit(line, 8)).toEqual(line);
    expect(fit(line, 6).map((s) => s.text).join('')).toBe('abcde…');
    expect(lineWidth(fit(line, 3))).toBe(3);
  });

  it('wraps words and packs fields within the width', () => {
    for (const l of wrapWords('one two three four five six seven eight nine ten', 12, 2)) expect(l.length).toBeLessThanOrEqual(12);
    const lines = pack(['a 1', 'bb 22', 'ccc 333', 'dddd 4444'].map((t) => [seg(t)]), 16, 2);
    expect(lines.map((l) => l.map((s) => s.text).join(''))).toEqual(['  a 1  bb 22', '  ccc 333', '  dddd 4444']);
  });

  it('the list window keeps the cursor inside and stays within the trace', () => {
    expect(windowStart(0, 100, 10)).toBe(0);
    expect(windowStart(50, 100, 10)).toBe(45);
    expect(windowStart(99, 100, 10)).toBe(90);
    expect(windowStart(2, 3, 10)).toBe(0);
  });
});

describe('navigation', () => {
  it('hides receptions and ignored flooded frames unless verbose, and maps positions between the two lists', () => {
    const { events } = recorded('one-arm-bug');
    const all = shownEvents(events, true);
    const some = shownEvents(events, false);
    expect(all.length).toBe(events.length);
    expect(some.length).toBeLessThan(all.length);
    for (const i of some) expect(events[i]!.kind).not.toBe('rx');
    expect(some[positionOf(some, some[7]!)]).toBe(some[7]);
    expect(positionAtTime(events, some, 0)).toBe(0);
    expect(positionAtTime(events, some, 1e15)).toBeNull();
    expect(followPacket(events, some, 0)).toBeNull(); // a state change has no packet
    expect(shownEvents([], false).length).toBe(0);
  });
});

/**
 * The TUI of a live run: the trace grows while the UI is open; the status
 * line carries the run's status (lag); the cursor follows the newest event
 * while it is on the last one and stays where the user stepped back to.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/trace/events.js';
import { LiveApp, type LiveSource } from '../../src/tui/LiveApp.js';
import { KEY, recorded, tick } from './helpers.js';

afterEach(() => cleanup());

/** A live source that hands out the first `n` events of a recorded run. */
function growing(events: readonly TraceEvent[], first: number) {
  let n = first;
  let lag = '12 µs';
  const source: LiveSource = { events: () => events.slice(0, n), status: () => `live: lag median ${lag}` };
  return { source, more: (k: number) => void (n = Math.min(events.length, n + k)), setLag: (l: string) => void (lag = l) };
}

/** Waits (without a time limit of its own: the test's timeout bounds it) until the frame satisfies `ok`; a loaded machine renders late. */
async function until(frame: () => string | undefined, ok: (f: string) => boolean): Promise<string> {
  for (;;) {
    const f = frame() ?? '';
    if (ok(f)) return f;
    await tick(10);
  }
}

function position(frame: string): [number, number] {
  const m = /event (\d+)\/(\d+)/.exec(frame);
  if (!m) throw new Error(`no position in:\n${frame}`);
  return [Number(m[1]), Number(m[2])];
}

describe('the live TUI', () => {
  it('shows the live status, and follows the newest event as the trace grows', async () => {
    const r = recorded('one-arm-bug');
    const g = growing(r.events, 5);
    const ui = render(<LiveApp source={g.source} interval={5} title={r.title} peers={r.peers} color={false} columns={100} rows={24} />);
    await until(ui.lastFrame, (f) => f.includes('live: lag median 12 µs'));
    ui.stdin.write(KEY.end); // to the newest event
    const at = await until(ui.lastFrame, (f) => /event (\d+)\/\1\b/.test(f));
    const [, before] = position(at);
    g.more(20);
    g.setLag('40 µs');
    const grown = await until(ui.lastFrame, (f) => f.includes('live: lag median 40 µs') && position(f)[1] > before && position(f)[0] === position(f)[1]);
    expect(position(grown)[0]).toBe(position(grown)[1]); // followed
  });

  it('stays on the event the user stepped back to when more arrive', async () => {
    const r = recorded('one-arm-bug');
    const g = growing(r.events, 30);
    const ui = render(<LiveApp source={g.source} interval={5} title={r.title} peers={r.peers} color={false} columns={100} rows={24} />);
    await until(ui.lastFrame, (f) => f.includes('event 1/'));
    ui.stdin.write(KEY.end);
    await until(ui.lastFrame, (f) => /event (\d+)\/\1\b/.test(f));
    ui.stdin.write(KEY.up);
    const stepped = await until(ui.lastFrame, (f) => position(f)[0] === position(f)[1] - 1);
    const [back, count] = position(stepped);
    g.more(20);
    const after = await until(ui.lastFrame, (f) => position(f)[1] > count);
    await tick(50); // a follow, if there were one, would come with or right after the growth
    expect(position(ui.lastFrame()!)).toEqual([back, position(after)[1]]);
  });
});

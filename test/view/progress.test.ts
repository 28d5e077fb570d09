/**
 * The progress line (a fake terminal and a fake clock: silent for short
 * runs and pipes, throttled, erased) and the sliced run that drives it,
 * which must leave the trace and the result exactly as one `net.run`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildScenario } from '../../src/assemble/scenario.js';
import { runWithProgress } from '../../src/cli/explain.js';
import type { RunResult } from '../../src/sim/sim.js';
import { FullRecorder } from '../../src/trace/trace.js';
import { eventJson } from '../../src/view/json.js';
import { Progress, type ProgressSink } from '../../src/view/progress.js';
import { scenario } from './helpers.js';

function fakeSink(isTTY: boolean): ProgressSink & { out: string[] } {
  const out: string[] = [];
  return { out, isTTY, write: (s) => void out.push(s) };
}

function fakeClock(): { now: () => number; set: (t: number) => void } {
  let t = 1000;
  return { now: () => t, set: (v) => void (t = 1000 + v) };
}

describe('Progress', () => {
  it('prints nothing for a run shorter than the delay, and nothing to erase', () => {
    const sink = fakeSink(true);
    const clock = fakeClock();
    const p = new Progress(sink, { now: clock.now });
    for (const ms of [0, 100, 300, 499]) {
      clock.set(ms);
      p.update({ simNow: ms * 1e6, events: ms });
    }
    p.done();
    expect(sink.out).toEqual([]);
  });

  it('prints nothing when the sink is not a terminal, however long the run', () => {
    const sink = fakeSink(false);
    const clock = fakeClock();
    const p = new Progress(sink, { now: clock.now });
    expect(p.enabled).toBe(false);
    for (let ms = 0; ms < 5000; ms += 50) {
      clock.set(ms);
      p.update({ simNow: ms, events: ms });
    }
    p.done();
    expect(sink.out).toEqual([]);
  });

  it('after the delay, redraws at most every 100 ms, in place, and erases itself at the end', () => {
    const sink = fakeSink(true);
    const clock = fakeClock();
    const p = new Progress(sink, { now: clock.now, until: 131e9 });
    const at = (ms: number, events: number): void => {
      clock.set(ms);
      p.update({ simNow: 2_500_000_000, events });
    };
    at(400, 1);
    at(600, 1_200_000);
    at(650, 1_300_000);
    at(699, 1_400_000);
    at(700, 1_400_000);
    at(750, 1_500_000);
    at(1000, 2_000_000);
    expect(sink.out).toEqual([
      '\r\x1b[Klblab: simulated 2.500s of 131.000s, 1,200,000 events, 2,000,000 events/s',
      '\r\x1b[Klblab: simulated 2.500s of 131.000s, 1,400,000 events, 2,000,000 events/s',
      '\r\x1b[Klblab: simulated 2.500s of 131.000s, 2,000,000 events, 2,000,000 events/s',
    ]);
    expect(p.draws).toBe(3);
    p.done();
    expect(sink.out.at(-1)).toBe('\r\x1b[K');
    p.done(); // erasing twice writes nothing more
    expect(sink.out).toHaveLength(4);
  });

  it('honours its delay and interval options, and leaves out "of" when the run is open-ended', () => {
    const sink = fakeSink(true);
    const clock = fakeClock();
    const p = new Progress(sink, { now: clock.now, delay: 0, interval: 1000 });
    clock.set(10);
    p.update({ simNow: 1_000, events: 10 });
    clock.set(20);
    p.update({ simNow: 2_000, events: 20 });
    expect(sink.out).toEqual(['\r\x1b[Klblab: simulated 0.000s, 10 events, 1,000 events/s']);
  });
});

function runScenario(name: string, how: (net: ReturnType<typeof buildScenario>['net']) => RunResult, budget?: number) {
  const built = buildScenario(scenario(name), { readBinary: (p) => readFileSync(p) });
  if (budget) built.net.sim.budget = budget;
  const rec = new FullRecorder(built.net.trace);
  const res = how(built.net);
  return { res, trace: rec.events.map((e) => JSON.stringify(eventJson(e))), now: built.net.sim.now, processed: built.net.sim.processed, budget: built.net.sim.budget };
}

describe('runWithProgress', () => {
  const tty = (): Progress => {
    let t = 0;
    return new Progress(fakeSink(true), { now: () => (t += 100), delay: 0, interval: 0 });
  };

  it('gives the trace and result of a single net.run, in slices of any size', () => {
    for (const name of ['one-arm-bug', 'same-subnet-vip']) {
      const whole = runScenario(name, (net) => net.run());
      for (const slice of [1, 7, 100]) {
        const p = tty();
        const sliced = runScenario(name, (net) => runWithProgress(net, undefined, p, { slice }));
        expect(sliced.trace).toEqual(whole.trace);
        expect(sliced.res).toEqual(whole.res);
        expect(sliced.now).toBe(whole.now);
        expect(sliced.budget).toBe(whole.budget);
        expect(p.draws).toBeGreaterThan(0);
      }
    }
  });

  it('stops where net.run stops: at an until time, and at the event budget with the same message', () => {
    const untilWhole = runScenario('one-arm-bug', (net) => net.run(2.5e9));
    const untilSliced = runScenario('one-arm-bug', (net) => runWithProgress(net, 2.5e9, tty(), { slice: 5 }));
    expect(untilSliced.res).toEqual(untilWhole.res);
    expect(untilSliced.res.reason).toBe('until');
    expect(untilSliced.trace).toEqual(untilWhole.trace);
    const budgetWhole = runScenario('one-arm-bug', (net) => net.run(), 100);
    const budgetSliced = runScenario('one-arm-bug', (net) => runWithProgress(net, undefined, tty(), { slice: 7 }), 100);
    expect(budgetWhole.res.reason).toBe('budget');
    expect(budgetSliced.res).toEqual(budgetWhole.res);
    expect(budgetSliced.trace).toEqual(budgetWhole.trace);
    expect(budgetSliced.budget).toBe(100);
  });

  it('is a plain net.run when the progress line cannot print', () => {
    const whole = runScenario('nat-gateway', (net) => net.run());
    const p = new Progress(fakeSink(false));
    const plain = runScenario('nat-gateway', (net) => runWithProgress(net, undefined, p, { slice: 3 }));
    expect(plain.res).toEqual(whole.res);
    expect(plain.trace).toEqual(whole.trace);
    expect(runScenario('nat-gateway', (net) => runWithProgress(net, undefined, null)).res).toEqual(whole.res);
  });

  it('adapts its slices by itself and still matches', () => {
    const whole = runScenario('one-arm-bug', (net) => net.run());
    const sliced = runScenario('one-arm-bug', (net) => runWithProgress(net, undefined, tty()));
    expect(sliced.res).toEqual(whole.res);
    expect(sliced.trace).toEqual(whole.trace);
  });
});

import { describe, expect, it } from 'vitest';
import { Sim, type EventTarget } from '../../src/sim/sim.js';
import { MS, SEC } from '../../src/sim/time.js';
import { RealTimeRunner } from '../../src/live/runner.js';
import { LagStats } from '../../src/live/lag.js';
import { ManualPacer } from './helpers.js';

/** Records (simulated time, wall time) of every event it receives. */
function recorder(sim: Sim, pacer: ManualPacer): EventTarget & { seen: [number, number, unknown][] } {
  const seen: [number, number, unknown][] = [];
  return { label: 'rec', seen, onEvent: (_k, a) => void seen.push([sim.now, pacer.now(), a]) };
}

describe('the real-time runner', () => {
  it('runs an event when the wall clock reaches its simulated time, not before', () => {
    const sim = new Sim();
    const pacer = new ManualPacer();
    const rec = recorder(sim, pacer);
    sim.post(1 * SEC, rec, 1, 'a');
    sim.post(2500 * MS, rec, 1, 'b');
    const runner = new RealTimeRunner(sim, pacer, { until: 10 * SEC });
    void runner.run();
    pacer.advance(999 * MS);
    expect(rec.seen).toEqual([]);
    pacer.advance(1 * MS);
    expect(rec.seen).toEqual([[1 * SEC, 1 * SEC, 'a']]);
    pacer.advance(2 * SEC);
    expect(rec.seen).toEqual([
      [1 * SEC, 1 * SEC, 'a'],
      [2500 * MS, 2500 * MS, 'b'],
    ]);
  });

  it('schedules an outside event at the simulated time of its capture and measures the lag until it is processed', () => {
    const sim = new Sim();
    const pacer = new ManualPacer();
    const rec = recorder(sim, pacer);
    const runner = new RealTimeRunner(sim, pacer, { until: 10 * SEC });
    void runner.run();
    pacer.advance(1500 * MS);
    pacer.latency = 3 * MS; // from now on the event loop gives the runner its turn 3 ms late
    runner.arrive(rec, 7, 'frame', null); // captured at wall 1.5 s
    expect(rec.seen).toEqual([]); // not processed inside the I/O callback
    pacer.advance(3 * MS); // the runner gets its turn 3 ms later
    expect(rec.seen).toEqual([[1500 * MS, 1503 * MS, 'frame']]); // at its capture time in simulated time, 3 ms later on the wall
    expect(runner.lag.summary()).toEqual({ count: 1, median: 3 * MS, p99: 3 * MS, max: 3 * MS });
    expect(runner.arrivals).toBe(1);
  });

  it('keeps simulated and wall time together when the simulation starts later than time 0', () => {
    const sim = new Sim();
    const pacer = new ManualPacer();
    const rec = recorder(sim, pacer);
    pacer.advance(5 * SEC); // the pacer was made long before the run starts
    const runner = new RealTimeRunner(sim, pacer, { until: 10 * SEC });
    sim.post(2 * SEC, rec, 1, 'x');
    void runner.run();
    pacer.advance(2 * SEC);
    expect(rec.seen).toEqual([[2 * SEC, 7 * SEC, 'x']]);
  });

  it('ends at --until with the reason and the simulated time', async () => {
    const sim = new Sim();
    const pacer = new ManualPacer();
    const runner = new RealTimeRunner(sim, pacer, { until: 3 * SEC });
    const done = runner.run();
    pacer.advance(3 * SEC);
    const r = await done;
    expect(r.reason).toBe('until');
    expect(r.now).toBe(3 * SEC);
    expect(r.message).toBe('stopped at 3.000000s as asked');
    expect(pacer.pending).toBe(0);
  });

  it('waits for outside events for ever without --until, and stop() ends the run', async () => {
    const sim = new Sim();
    const pacer = new ManualPacer();
    const runner = new RealTimeRunner(sim, pacer);
    const done = runner.run();
    pacer.advance(60 * SEC);
    expect(pacer.pending).toBe(0); // idle: no busy wake-ups while nothing is queued
    runner.stop('interrupted (Ctrl-C)');
    pacer.advance(0);
    const r = await done;
    expect(r.reason).toBe('stopped');
    expect(r.message).toContain('interrupted (Ctrl-C)');
  });

  it('calls onBatch after each batch of due events', () => {
    const sim = new Sim();
    const pacer = new ManualPacer();
    const rec = recorder(sim, pacer);
    let batches = 0;
    const runner = new RealTimeRunner(sim, pacer, { until: 10 * SEC, onBatch: () => batches++ });
    sim.post(1 * SEC, rec, 1);
    sim.post(1 * SEC, rec, 1);
    void runner.run();
    pacer.advance(0);
    const before = batches;
    pacer.advance(1 * SEC);
    expect(rec.seen.length).toBe(2);
    expect(batches).toBe(before + 1); // both events of 1 s in one batch
  });
});

describe('lag statistics', () => {
  it('gives the median, the nearest-rank 99th percentile and the maximum', () => {
    const l = new LagStats();
    for (let i = 1; i <= 2000; i++) l.add(i * 1000);
    expect(l.summary()).toEqual({ count: 2000, median: 1000500, p99: 1980000, max: 2000000 });
  });

  it('is all zeros when empty, and clamps a negative sample to 0', () => {
    const l = new LagStats();
    expect(l.summary()).toEqual({ count: 0, median: 0, p99: 0, max: 0 });
    l.add(-5);
    expect(l.summary()).toEqual({ count: 1, median: 0, p99: 0, max: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Sim, type EventTarget } from '../../src/sim/sim.js';
import { Rng, RngStreams, fnv1a32 } from '../../src/sim/rng.js';
import { fmtTime, parseDuration, MS, SEC, US } from '../../src/sim/time.js';

class Recorder implements EventTarget {
  readonly label: string;
  fired: [number, number, unknown][] = [];
  constructor(name: string, private readonly sim: Sim) {
    this.label = name;
  }
  onEvent(kind: number, a: unknown): void {
    this.fired.push([this.sim.now, kind, a]);
  }
}

describe('event queue', () => {
  it('orders by time, then by insertion order for ties', () => {
    const sim = new Sim();
    const r = new Recorder('r', sim);
    sim.post(5, r, 1, 'a');
    sim.post(3, r, 2, 'b');
    sim.post(5, r, 3, 'c');
    sim.post(3, r, 4, 'd');
    sim.post(0, r, 5, 'e');
    const res = sim.run();
    expect(res.reason).toBe('idle');
    expect(r.fired.map((f) => f[2])).toEqual(['e', 'b', 'd', 'a', 'c']);
    expect(r.fired.map((f) => f[0])).toEqual([0, 3, 3, 5, 5]);
  });

  it('keeps (time, insertion) order for any schedule (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (delays) => {
        const sim = new Sim();
        const r = new Recorder('r', sim);
        delays.forEach((d, i) => sim.post(d, r, 0, i));
        sim.run();
        const expected = delays.map((d, i) => [d, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]).map((x) => x[1]);
        expect(r.fired.map((f) => f[2])).toEqual(expected);
      }),
    );
  });

  it('events scheduled while running interleave correctly and reuse pooled records', () => {
    const sim = new Sim();
    const seen: number[] = [];
    const t: EventTarget = {
      label: 'chain',
      onEvent(kind) {
        seen.push(sim.now);
        if (kind < 5) sim.post(10, t, kind + 1);
      },
    };
    sim.post(0, t, 0);
    sim.run();
    expect(seen).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('cancels timers; a cancelled timer neither fires nor counts', () => {
    const sim = new Sim();
    const r = new Recorder('r', sim);
    const a = sim.timer(10, r, 1, 'a');
    sim.timer(20, r, 2, 'b');
    sim.cancel(a);
    sim.cancel(a); // twice is harmless
    const res = sim.run();
    expect(r.fired.map((f) => f[2])).toEqual(['b']);
    expect(res.events).toBe(1);
    expect(sim.processed).toBe(1);
  });

  it('run(until) stops before later events and can resume', () => {
    const sim = new Sim();
    const r = new Recorder('r', sim);
    sim.post(1 * MS, r, 1);
    sim.post(3 * MS, r, 2);
    const first = sim.run(2 * MS);
    expect(first.reason).toBe('until');
    expect(sim.now).toBe(2 * MS);
    expect(r.fired.length).toBe(1);
    const second = sim.run();
    expect(second.reason).toBe('idle');
    expect(r.fired.map((f) => f[0])).toEqual([1 * MS, 3 * MS]);
  });

  it('step() processes exactly one event', () => {
    const sim = new Sim();
    const r = new Recorder('r', sim);
    sim.post(1, r, 1);
    sim.post(2, r, 2);
    expect(sim.step()).toBe(true);
    expect(r.fired.length).toBe(1);
    expect(sim.step()).toBe(true);
    expect(sim.step()).toBe(false);
  });

  it('stops a runaway model at the budget and names what kept firing', () => {
    const sim = new Sim({ budget: 1000 });
    const storm: EventTarget = {
      label: 'switch sw1',
      onEvent() {
        sim.post(1, storm, 7);
      },
      kindName: (k) => (k === 7 ? 'flood' : 'other'),
    };
    const quiet = new Recorder('host h1', sim);
    sim.post(0, storm, 7);
    sim.post(5, quiet, 1);
    const res = sim.run();
    expect(res.reason).toBe('budget');
    expect(sim.processed).toBe(1000);
    expect(res.message).toMatch(/event budget of 1,000 events is spent/);
    expect(res.message).toMatch(/switch sw1 \(flood\): 100%/);
  });

  it('honours stop()', () => {
    const sim = new Sim();
    const t: EventTarget = {
      label: 't',
      onEvent() {
        sim.stop('enough');
        sim.post(1, t, 0);
      },
    };
    sim.post(0, t, 0);
    const res = sim.run();
    expect(res.reason).toBe('stopped');
    expect(res.message).toContain('enough');
  });

  it('refuses non-integer times', () => {
    const sim = new Sim();
    expect(() => sim.post(1.5, new Recorder('r', sim), 0)).toThrow(/integer/);
  });
});

describe('random streams', () => {
  it('are reproducible and independent per name', () => {
    const a = new RngStreams(42);
    const b = new RngStreams(42);
    const xa = [a.stream('x').next(), a.stream('x').next()];
    // Drawing from another stream in between does not change stream x.
    b.stream('y').next();
    b.stream('y').next();
    const xb = [b.stream('x').next(), b.stream('x').next()];
    expect(xa).toEqual(xb);
    expect(new RngStreams(43).stream('x').next()).not.toBe(xa[0]);
  });

  it('int(n) stays in range and is roughly uniform', () => {
    const r = new Rng(7);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 50000; i++) counts[r.int(5)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });

  it('float() is in [0, 1) and exp() has the right mean', () => {
    const r = new Rng(9);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      sum += r.exp(5);
    }
    expect(Math.abs(sum / 20000 - 5)).toBeLessThan(0.2);
  });

  it('uses the documented FNV-1a hash', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
});

describe('time', () => {
  it('formats and parses', () => {
    expect(fmtTime(0)).toBe('0.000000s');
    expect(fmtTime(1 * SEC + 250 * US)).toBe('1.000250s');
    expect(fmtTime(1234)).toBe('0.000001234s');
    expect(parseDuration('10us')).toBe(10 * US);
    expect(parseDuration('1.5ms')).toBe(1.5 * MS);
    expect(parseDuration('2')).toBe(2 * SEC);
    expect(parseDuration('2 s')).toBe(2 * SEC);
    expect(parseDuration('fast')).toBeNull();
  });
});

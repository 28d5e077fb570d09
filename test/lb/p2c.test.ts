import { describe, expect, it } from 'vitest';
import { createBackends, createScheduler, PowerOfTwo, RandomChoice, type Scheduler } from '../../src/lb/sched/index.js';
import { Rng } from '../../src/sim/rng.js';
import { flow, picks } from './helpers.js';

/**
 * Skewed load: a connection every 1 time unit; 90% last ~4 units, 10% last
 * ~80 (exponential). Returns the largest active count any server reached
 * and the time-averaged spread (max - min active) across servers.
 */
function skewed(s: Scheduler, servers: number, arrivals: number, workloadSeed: number): { peak: number; spread: number } {
  const pool = createBackends(Array.from({ length: servers }, (_, i) => `web${i + 1}`));
  const work = new Rng(workloadSeed);
  const ends: { t: number; i: number }[] = [];
  let peak = 0;
  let spreadSum = 0;
  for (let t = 0; t < arrivals; t++) {
    for (let k = ends.length - 1; k >= 0; k--) {
      if (ends[k]!.t <= t) {
        pool[ends[k]!.i]!.active--;
        ends.splice(k, 1);
      }
    }
    const p = s.pick(flow(work.next()), pool);
    pool[p]!.active++;
    ends.push({ t: t + work.exp(work.chance(0.1) ? 80 : 4), i: p });
    let hi = 0;
    let lo = Infinity;
    for (const b of pool) {
      hi = Math.max(hi, b.active);
      lo = Math.min(lo, b.active);
    }
    peak = Math.max(peak, hi);
    spreadSum += hi - lo;
  }
  return { peak, spread: spreadSum / arrivals };
}

describe('power of two random choices', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const pool = createBackends(['a', 'b', 'c', 'd', 'e']);
    const run = (seed: number): string[] => {
      const s = new PowerOfTwo(new Rng(seed));
      const out: string[] = [];
      for (let k = 0; k < 200; k++) {
        const p = s.pick(flow('10.0.0.5'), pool);
        pool[p]!.active = (pool[p]!.active + 1) % 4;
        out.push(pool[p]!.name);
      }
      for (const b of pool) b.active = 0;
      return out;
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('draws two distinct servers and takes the one with fewer active connections, tie to the lower index', () => {
    const pool = createBackends(['web1', 'web2', 'web3', 'web4']);
    [3, 5, 2, 1].forEach((a, i) => (pool[i]!.active = a));
    const s = new PowerOfTwo(new Rng(99));
    for (let k = 0; k < 500; k++) {
      const p = s.pick(flow('10.0.0.5'), pool);
      const { drawnA, drawnB } = s.explain().numbers as { drawnA: number; drawnB: number };
      expect(drawnA).not.toBe(drawnB);
      const want = pool[drawnA]!.active < pool[drawnB]!.active ? drawnA : drawnB;
      expect(p).toBe(want);
    }
    pool[1]!.active = 3; // web1 and web2 now tie at 3
    for (let k = 0; k < 200; k++) {
      const p = s.pick(flow('10.0.0.5'), pool);
      const { drawnA, drawnB } = s.explain().numbers as { drawnA: number; drawnB: number };
      if ((drawnA === 0 && drawnB === 1) || (drawnA === 1 && drawnB === 0)) expect(p).toBe(0);
    }
  });

  it('only draws among available servers, and draws nothing when one is left', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    pool[0]!.state = 'down';
    pool[2]!.state = 'draining';
    const rng = new Rng(5);
    const twin = new Rng(5);
    const s = new PowerOfTwo(rng);
    expect(picks(s, pool, 20)).toEqual(new Array(20).fill('web2'));
    expect(rng.next()).toBe(twin.next());
    expect(s.explain().sentence).toBe(
      'power of two: web2 is the only available server (0 active), nothing to draw; not eligible: web1 down, web3 draining',
    );
  });

  it('explains the two draws and the winner', () => {
    const pool = createBackends(['web1', 'web2', 'web3', 'web4']);
    [3, 2, 2, 1].forEach((a, i) => (pool[i]!.active = a));
    const s = new PowerOfTwo(new Rng(3));
    const p = s.pick(flow('10.0.0.5'), pool);
    const { drawnA, drawnB } = s.explain().numbers as { drawnA: number; drawnB: number };
    const name = (i: number): string => pool[i]!.name;
    const act = (i: number): number => pool[i]!.active;
    expect(s.explain().sentence).toMatch(
      new RegExp(`^power of two: drew ${name(drawnA)} \\(${act(drawnA)} active\\) and ${name(drawnB)} \\(${act(drawnB)} active\\) -> ${name(p)}`),
    );
  });

  it('balances a skewed load better than one random choice (same workload, seeded)', () => {
    for (const seed of [1, 2, 3]) {
      const rnd = skewed(new RandomChoice(new Rng(seed * 7)), 8, 20_000, seed);
      const p2c = skewed(createScheduler('power-of-two', { rng: new Rng(seed * 7) }), 8, 20_000, seed);
      expect(p2c.peak).toBeLessThan(rnd.peak);
      expect(p2c.spread).toBeLessThan(rnd.spread * 0.75);
    }
  });

  it('needs an rng', () => {
    expect(() => createScheduler('power-of-two')).toThrow(/rng/);
    expect(() => createScheduler('random')).toThrow(/rng/);
  });
});

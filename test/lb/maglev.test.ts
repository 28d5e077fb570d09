import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createBackends, createScheduler, isPrime, Maglev, maglevPermutation, MAGLEV_DEFAULT_M } from '../../src/lb/sched/index.js';
import { Rng } from '../../src/sim/rng.js';
import { flow } from './helpers.js';

function counts(table: Int32Array, n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (const e of table) if (e >= 0) c[e]!++;
  return c;
}

describe('maglev table (Eisenbud et al., NSDI 2016)', () => {
  it('derives offset and skip from two different hashes of the name', () => {
    expect(maglevPermutation('web1', 7)).toEqual({ offset: 2, skip: 6 });
    expect(maglevPermutation('web2', 7)).toEqual({ offset: 3, skip: 2 });
    expect(maglevPermutation('web3', 7)).toEqual({ offset: 5, skip: 5 });
  });

  it('fills a 7-slot table exactly as the worked example in docs/schedulers.md', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const mg = new Maglev({ tableSize: 7 });
    expect(Array.from(mg.table(pool))).toEqual([1, 0, 0, 1, 0, 2, 2]);
  });

  it('fills every slot and gives each server floor(M/N) or ceil(M/N) slots (M = 65537, N = 1..12)', () => {
    for (let n = 1; n <= 12; n++) {
      const pool = createBackends(Array.from({ length: n }, (_, i) => `web${i + 1}`));
      const t = new Maglev().table(pool);
      expect(t.length).toBe(MAGLEV_DEFAULT_M);
      expect(t.indexOf(-1)).toBe(-1);
      for (const c of counts(t, n)) {
        expect(c).toBeGreaterThanOrEqual(Math.floor(MAGLEV_DEFAULT_M / n));
        expect(c).toBeLessThanOrEqual(Math.ceil(MAGLEV_DEFAULT_M / n));
      }
    }
  });

  it('gives shares proportional to weight, within one round of turns (property, small prime tables)', () => {
    const primes = [101, 251, 509, 1009, 4099];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }), fc.constantFrom(...primes), (weights, m) => {
        const pool = createBackends(weights.map((w, i) => [`s${i}`, w] as const));
        const t = new Maglev({ tableSize: m }).table(pool);
        const W = weights.reduce((a, b) => a + b, 0);
        expect(t.indexOf(-1)).toBe(-1);
        counts(t, weights.length).forEach((c, i) => expect(Math.abs(c - (m * weights[i]!) / W)).toBeLessThanOrEqual(weights[i]!));
      }),
    );
  });

  it('ignores weights when weighted is false', () => {
    const pool = createBackends([['a', 1], ['b', 3]]);
    expect(counts(new Maglev({ tableSize: 101, weighted: false }).table(pool), 2)).toEqual([51, 50]);
    expect(counts(new Maglev({ tableSize: 101 }).table(pool), 2)).toEqual([26, 75]);
  });

  it('rejects a table size that is not prime', () => {
    expect(() => new Maglev({ tableSize: 65536 })).toThrow(/prime/);
    expect(isPrime(65537)).toBe(true);
    expect(isPrime(65535)).toBe(false);
  });
});

describe('maglev scheduling', () => {
  it('sends the same flow to the same server, and explains hash, slot and server', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const mg = createScheduler('maglev');
    const p = mg.pick(flow('10.0.0.5', 40000), pool);
    for (let k = 0; k < 10; k++) expect(mg.pick(flow('10.0.0.5', 40000), pool)).toBe(p);
    const d = mg.explain();
    // 0x50d49cb2 mod 65537 = 19422
    expect(d.numbers).toEqual({ hash: 0x50d49cb2, slot: 0x50d49cb2 % 65537, tableSize: 65537, available: 3 });
    expect(d.sentence).toBe(
      `maglev: hash fnv1a(10.0.0.5, 10.0.0.100, 40000, 80)=0x50d49cb2 -> slot 19422 of 65537 -> ${pool[p]!.name} (table built over 3 available servers)`,
    );
  });

  it('removing one of 10 servers moves about 1/10 of the flows, and hardly any that were not on it', () => {
    const pool = createBackends(Array.from({ length: 10 }, (_, i) => `web${i + 1}`));
    const mg = new Maglev();
    const rng = new Rng(42);
    const flows = Array.from({ length: 10_000 }, () => flow(rng.next(), 1024 + rng.int(60000)));
    const before = flows.map((f) => mg.pick(f, pool));
    pool[3]!.state = 'down';
    mg.onBackendsChanged(pool);
    const after = flows.map((f) => mg.pick(f, pool));
    const changed = flows.filter((_, i) => before[i] !== after[i]).length / flows.length;
    expect(changed).toBeGreaterThanOrEqual(0.08);
    expect(changed).toBeLessThanOrEqual(0.13);
    expect(after).not.toContain(3);
    const survivors = flows.map((_, i) => i).filter((i) => before[i] !== 3);
    const moved = survivors.filter((i) => before[i] !== after[i]).length / survivors.length;
    expect(moved).toBeLessThan(0.01);
    // bringing it back restores exactly the old table
    pool[3]!.state = 'enabled';
    expect(flows.map((f) => mg.pick(f, pool))).toEqual(before);
  });

  it('notices a changed pool on pick (no onBackendsChanged call) and rebuilds once', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const mg = new Maglev({ tableSize: 1009 });
    const f = flow('10.0.0.5');
    const p = mg.pick(f, pool);
    mg.pick(f, pool);
    expect(mg.buildCount).toBe(1);
    pool[p]!.state = 'down';
    expect(mg.pick(f, pool)).not.toBe(p);
    mg.pick(f, pool);
    expect(mg.buildCount).toBe(2);
  });

  it('returns -1 when no server is available', () => {
    const pool = createBackends(['web1']);
    pool[0]!.state = 'down';
    const mg = new Maglev({ tableSize: 7 });
    expect(mg.pick(flow('10.0.0.5'), pool)).toBe(-1);
    expect(mg.explain().reason).toBe('none-available');
  });

  it('hashes the source IP only when asked to, so every connection of a client lands together', () => {
    const pool = createBackends(Array.from({ length: 5 }, (_, i) => `web${i + 1}`));
    const mg = new Maglev({ key: 'src' });
    const p = mg.pick(flow('10.0.0.5', 1), pool);
    for (let port = 2; port < 200; port++) expect(mg.pick(flow('10.0.0.5', port), pool)).toBe(p);
  });
});

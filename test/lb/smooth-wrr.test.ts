import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createBackends, SmoothWeightedRoundRobin } from '../../src/lb/sched/index.js';
import { flow, picks } from './helpers.js';

describe('smooth weighted round robin (nginx)', () => {
  it('5:1:1 gives a a b a c a a, cycle after cycle', () => {
    const pool = createBackends([['a', 5], ['b', 1], ['c', 1]]);
    const s = new SmoothWeightedRoundRobin();
    const cycle = ['a', 'a', 'b', 'a', 'c', 'a', 'a'];
    expect(picks(s, pool, 21)).toEqual([...cycle, ...cycle, ...cycle]);
  });

  it('3:2 gives a b a b a', () => {
    const pool = createBackends([['a', 3], ['b', 2]]);
    expect(picks(new SmoothWeightedRoundRobin(), pool, 10)).toEqual(['a', 'b', 'a', 'b', 'a', 'a', 'b', 'a', 'b', 'a']);
  });

  it('equal weights are plain round robin; ties go to the lowest index', () => {
    const pool = createBackends([['a', 2], ['b', 2], ['c', 2]]);
    expect(picks(new SmoothWeightedRoundRobin(), pool, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('never picks a weight-0 server', () => {
    const pool = createBackends([['a', 1], ['z', 0], ['b', 2]]);
    const seq = picks(new SmoothWeightedRoundRobin(), pool, 30);
    expect(seq).not.toContain('z');
    expect(seq.filter((x) => x === 'b')).toHaveLength(20);
  });

  it('skips a down server and keeps its current weight frozen until it returns', () => {
    const pool = createBackends([['a', 2], ['b', 1], ['c', 1]]);
    const s = new SmoothWeightedRoundRobin();
    expect(picks(s, pool, 2)).toEqual(['a', 'b']);
    pool[2]!.state = 'down';
    // only a (2) and b (1) take part; c keeps its current weight of 2
    expect(picks(s, pool, 3)).toEqual(['a', 'a', 'b']);
    pool[2]!.state = 'enabled';
    expect(picks(s, pool, 1)).toEqual(['c']);
  });

  it('restarts the current weights when a weight changes', () => {
    const pool = createBackends([['a', 1], ['b', 1]]);
    const s = new SmoothWeightedRoundRobin();
    expect(picks(s, pool, 1)).toEqual(['a']);
    pool[1]!.weight = 3;
    expect(picks(s, pool, 4)).toEqual(['b', 'a', 'b', 'b']);
  });

  it('over k whole cycles of W = sum of weights, each server is picked exactly k * weight times (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4 }), (weights, k) => {
        fc.pre(weights.some((w) => w > 0));
        const pool = createBackends(weights.map((w, i) => [`s${i}`, w] as const));
        const W = weights.reduce((a, b) => a + b, 0);
        const s = new SmoothWeightedRoundRobin();
        const count = new Array<number>(weights.length).fill(0);
        for (let n = 0; n < k * W; n++) count[s.pick(flow('10.0.0.5'), pool)]!++;
        expect(count).toEqual(weights.map((w) => k * w));
      }),
    );
  });

  it('is smooth: in every prefix of n picks, server i has at most ceil(n * w_i / W) and more than n * w_i / W - (N - 1) (property)', () => {
    // Proof (docs/schedulers.md): current_i = n*w_i - W*c_i(n) and -W < current_i < (N-1)*W after every pick.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 7 }), (weights) => {
        const pool = createBackends(weights.map((w, i) => [`s${i}`, w] as const));
        const W = weights.reduce((a, b) => a + b, 0);
        const N = weights.length;
        const s = new SmoothWeightedRoundRobin();
        const count = new Array<number>(N).fill(0);
        for (let n = 1; n <= 3 * W; n++) {
          count[s.pick(flow('10.0.0.5'), pool)]!++;
          for (let i = 0; i < N; i++) {
            const share = (n * weights[i]!) / W;
            expect(count[i]!).toBeLessThanOrEqual(Math.ceil(share - 1e-9));
            expect(count[i]!).toBeGreaterThan(share - (N - 1) - 1e-9);
          }
        }
      }),
    );
  });

  it('explains the current weights and the winner', () => {
    const pool = createBackends([['a', 5], ['b', 1], ['c', 1]]);
    const s = new SmoothWeightedRoundRobin();
    picks(s, pool, 2);
    const d = s.explain();
    expect(d).toMatchObject({ index: 0, server: 'a', reason: 'wrr-largest-current' });
    expect(d.sentence).toBe(
      'smooth weighted round robin: current weights after adding each weight: a 3, b 2, c 2; a has the largest (3) and gives back the total 7, leaving -4',
    );
    expect(d.numbers).toMatchObject({ total: 7, 'current.a': 3, 'current.b': 2 });
  });
});

import { describe, expect, it } from 'vitest';
import {
  createBackends,
  createScheduler,
  LeastResponseTime,
  observeResponse,
  RT_EWMA_ALPHA,
} from '../../src/lb/sched/index.js';
import { MS } from '../../src/sim/time.js';
import { flow, simulateLoad } from './helpers.js';


describe('response-time moving average', () => {
  it('takes the first sample as is, then moves 1/8 of the way toward each new one', () => {
    const [b] = createBackends(['web1']);
    expect(RT_EWMA_ALPHA).toBe(0.125);
    observeResponse(b!, 100 * MS);
    expect(b!.rtEwmaNs).toBe(100 * MS);
    observeResponse(b!, 200 * MS);
    expect(b!.rtEwmaNs).toBe(112.5 * MS);
    observeResponse(b!, 112.5 * MS);
    expect(b!.rtEwmaNs).toBe(112.5 * MS);
    expect(b!.rtSamples).toBe(3);
  });
});

describe('least response time', () => {
  it('picks the lowest (active + 1) * ewma', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    observeResponse(pool[0]!, 10 * MS);
    observeResponse(pool[1]!, 30 * MS);
    observeResponse(pool[2]!, 20 * MS);
    pool[0]!.active = 3; // 4 x 10 = 40 ms
    pool[1]!.active = 0; // 1 x 30 = 30 ms
    pool[2]!.active = 1; // 2 x 20 = 40 ms
    const s = new LeastResponseTime();
    expect(s.pick(flow('10.0.0.5'), pool)).toBe(1);
    expect(s.explain().sentence).toBe(
      'least response time: lowest (active+1) x response time is web2 (0+1) x 30ms = 30ms; web1 (3+1) x 10ms = 40ms, web3 (1+1) x 20ms = 40ms',
    );
    pool[1]!.active = 1; // 60 ms: web1 and web3 tie at 40, lowest index wins
    expect(s.pick(flow('10.0.0.5'), pool)).toBe(0);
  });

  it('gives unmeasured servers the mean of the measured ones, or a configured default', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    observeResponse(pool[0]!, 10 * MS);
    observeResponse(pool[1]!, 30 * MS);
    pool[0]!.active = 2; // 30 ms
    pool[1]!.active = 0; // 30 ms
    pool[2]!.active = 1; // unmeasured: mean 20 ms -> 40 ms
    const s = new LeastResponseTime();
    expect(s.pick(flow('10.0.0.5'), pool)).toBe(0);
    expect(s.explain().sentence).toContain('web3 (1+1) x 20ms (not measured yet: default) = 40ms');
    const optimistic = createScheduler('least-response-time', { defaultResponseNs: 1 * MS }); // 2 ms
    expect(optimistic.pick(flow('10.0.0.5'), pool)).toBe(2);
  });

  it('is plain least connections until something is measured', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    [2, 1, 1].forEach((a, i) => (pool[i]!.active = a));
    const s = new LeastResponseTime();
    expect(s.pick(flow('10.0.0.5'), pool)).toBe(1);
    expect(s.explain().reason).toBe('lrt-unmeasured');
    expect(s.explain().sentence).toBe(
      'least response time: no response time measured yet, so the fewest active connections decides: web2 1 active (web1 2 active, web3 1 active)',
    );
  });

  it('sends fewer connections to a slow server than least connections does', () => {
    const service = [10 * MS, 10 * MS, 40 * MS];
    const lc = simulateLoad(createScheduler('least-conn'), service, 4 * MS, 3000);
    const lrt = simulateLoad(createScheduler('least-response-time'), service, 4 * MS, 3000);
    expect(lrt.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(lrt[2]!).toBeLessThan(lc[2]!);
    // LC counts only connections: the slow server still gets a connection whenever it has the fewest open.
    expect(lc).toEqual([1714, 1000, 286]);
    // LRT prices each open connection at the server's response time: once measured, 40 ms loses to (1+1) x 10 ms.
    expect(lrt[2]!).toBeLessThanOrEqual(2);
  });
});

import { describe, expect, it } from 'vitest';
import {
  createBackends,
  createScheduler,
  LeastConnections,
  WeightedLeastConnections,
  type Backend,
} from '../../src/lb/sched/index.js';
import { MS } from '../../src/sim/time.js';
import { flow, simulateLoad } from './helpers.js';

function withActive(names: readonly (string | readonly [string, number])[], active: readonly number[]): Backend[] {
  const pool = createBackends(names);
  active.forEach((a, i) => (pool[i]!.active = a));
  return pool;
}


describe('least connections', () => {
  it('picks the server with the fewest active connections', () => {
    const pool = withActive(['web1', 'web2', 'web3'], [4, 3, 2]);
    const lc = new LeastConnections();
    expect(lc.pick(flow('10.0.0.5'), pool)).toBe(2);
    expect(lc.explain().sentence).toBe('least connections: web3 has 2 active (web1 4, web2 3)');
    expect(lc.explain().numbers).toEqual({ 'active.web1': 4, 'inactive.web1': 0, 'active.web2': 3, 'inactive.web2': 0, 'active.web3': 2, 'inactive.web3': 0 });
  });

  it('breaks ties toward the lowest index and says so', () => {
    const pool = withActive(['web1', 'web2', 'web3'], [5, 1, 1]);
    const lc = new LeastConnections();
    expect(lc.pick(flow('10.0.0.5'), pool)).toBe(1);
    expect(lc.explain().sentence).toBe('least connections: web2 has 1 active, tied with web3: the lowest index wins (web1 5, web3 1)');
  });

  it('ignores unavailable servers even when they have fewer connections', () => {
    const pool = withActive([['web1', 1], ['web2', 0], ['web3', 1]], [3, 0, 2]);
    pool[2]!.state = 'down';
    const lc = new LeastConnections();
    expect(lc.pick(flow('10.0.0.5'), pool)).toBe(0);
    expect(lc.explain().sentence).toBe('least connections: web1 has 3 active (the only available server); not eligible: web2 at weight 0, web3 down');
  });

  it('compares IPVS overhead: active * 256 + inactive, so inactive connections break ties', () => {
    const pool = withActive(['web1', 'web2'], [2, 2]);
    pool[0]!.inactive = 100;
    const lc = new LeastConnections();
    expect(lc.pick(flow('10.0.0.5'), pool)).toBe(1); // 612 vs 512
    expect(lc.explain().sentence).toBe('least connections: web2 has 2 active (web1 2 active, 100 inactive)');
    pool[0]!.inactive = 255;
    pool[1]!.active = 3;
    expect(lc.pick(flow('10.0.0.5'), pool)).toBe(0); // 767 vs 768: one active still outweighs 255 inactive
  });

  it('spreads simultaneous handshakes (inactive until ESTABLISHED) instead of piling them on the lowest index', () => {
    const pool = withActive(['web1', 'web2', 'web3'], [0, 0, 0]);
    const lc = new LeastConnections();
    const picks: number[] = [];
    for (let k = 0; k < 6; k++) {
      const i = lc.pick(flow(`10.0.0.${k + 1}`), pool);
      picks.push(i);
      pool[i]!.inactive++; // a SYN_RECV entry
    }
    expect(picks).toEqual([0, 1, 2, 0, 1, 2]);
  });
});

describe('weighted least connections', () => {
  it('compares active / weight', () => {
    // 4/4 = 1.0, 3/2 = 1.5, 1/1 = 1.0 -> web1 (tie with web3, lower index)
    const pool = withActive([['web1', 4], ['web2', 2], ['web3', 1]], [4, 3, 1]);
    const wlc = new WeightedLeastConnections();
    expect(wlc.pick(flow('10.0.0.5'), pool)).toBe(0);
    expect(wlc.explain().sentence).toBe(
      'weighted least connections: web1 has active/weight 4/4 = 1.00, tied with web3: the lowest index wins (web2 3/2 = 1.50, web3 1/1 = 1.00)',
    );
    pool[0]!.active = 5; // 1.25
    expect(wlc.pick(flow('10.0.0.5'), pool)).toBe(2);
  });

  it('sends new connections in proportion to weight from an empty start', () => {
    const pool = createBackends([['a', 3], ['b', 1]]);
    const wlc = new WeightedLeastConnections();
    const got = [0, 0];
    for (let k = 0; k < 40; k++) {
      const p = wlc.pick(flow('10.0.0.5'), pool);
      pool[p]!.active++;
      got[p]!++;
    }
    expect(got).toEqual([30, 10]);
  });

  it('with equal weights is exactly least connections', () => {
    const pool = withActive([['a', 2], ['b', 2], ['c', 2]], [3, 1, 2]);
    expect(new WeightedLeastConnections().pick(flow('10.0.0.5'), pool)).toBe(1);
  });
});

describe('least connections under uneven service times', () => {
  it('sends fewer connections to the slow server than round robin does', () => {
    // web3 holds a connection 5x longer; a connection arrives every 4 ms.
    const service = [10 * MS, 10 * MS, 50 * MS];
    const rr = simulateLoad(createScheduler('round-robin'), service, 4 * MS, 3000);
    const lc = simulateLoad(createScheduler('least-conn'), service, 4 * MS, 3000);
    expect(rr).toEqual([1000, 1000, 1000]);
    expect(lc.reduce((a, b) => a + b, 0)).toBe(3000);
    // LC balances the *active* counts: web3 keeps ~5x the connections open per connection it gets,
    // so it receives far fewer than a third.
    expect(lc[2]!).toBeLessThan(600);
    expect(lc[0]! + lc[1]!).toBeGreaterThan(2400);
    // The run is deterministic: pin it, so a change in tie-breaking or counting shows up.
    expect(lc).toEqual([1777, 1000, 223]);
  });
});

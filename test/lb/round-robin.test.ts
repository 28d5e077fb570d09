import { describe, expect, it } from 'vitest';
import { createBackends, createScheduler, RoundRobin } from '../../src/lb/sched/index.js';
import { flow, picks } from './helpers.js';

describe('round robin', () => {
  it('cycles the servers in configured order', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const rr = createScheduler('round-robin');
    expect(picks(rr, pool, 7)).toEqual(['web1', 'web2', 'web3', 'web1', 'web2', 'web3', 'web1']);
  });

  it('skips a down server and resumes after the last pick by index when it returns', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const rr = new RoundRobin();
    expect(picks(rr, pool, 1)).toEqual(['web1']);
    pool[1]!.state = 'down';
    expect(picks(rr, pool, 4)).toEqual(['web3', 'web1', 'web3', 'web1']);
    // The cursor is at web1: web2 is next again as soon as it is back (IPVS rr).
    pool[1]!.state = 'enabled';
    expect(picks(rr, pool, 4)).toEqual(['web2', 'web3', 'web1', 'web2']);
  });

  it('continues after the last picked index even when that server itself left', () => {
    const pool = createBackends(['web1', 'web2', 'web3', 'web4']);
    const rr = new RoundRobin();
    expect(picks(rr, pool, 2)).toEqual(['web1', 'web2']);
    pool[1]!.state = 'disabled';
    expect(picks(rr, pool, 3)).toEqual(['web3', 'web4', 'web1']);
  });

  it('never picks weight-0, draining or disabled servers', () => {
    const pool = createBackends([['a', 1], ['b', 0], ['c', 1], ['d', 1], ['e', 1]]);
    pool[2]!.state = 'draining';
    pool[3]!.state = 'disabled';
    const rr = new RoundRobin();
    expect(picks(rr, pool, 4)).toEqual(['a', 'e', 'a', 'e']);
  });

  it('returns -1 when nothing is available, and explains why', () => {
    const pool = createBackends(['web1', 'web2']);
    pool[0]!.state = 'down';
    pool[1]!.weight = 0;
    const rr = new RoundRobin();
    expect(rr.pick(flow('10.0.0.5'), pool)).toBe(-1);
    const d = rr.explain();
    expect(d.index).toBe(-1);
    expect(d.reason).toBe('none-available');
    expect(d.sentence).toBe('round robin: no server can take the connection: every server is unavailable (web1 down, web2 at weight 0)');
    expect(rr.pick(flow('10.0.0.5'), [])).toBe(-1);
    expect(rr.explain().sentence).toContain('the pool is empty');
  });

  it('explains each pick by naming the previous and the next server', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const rr = new RoundRobin();
    expect(rr.explain().reason).toBe('no-pick');
    rr.pick(flow('10.0.0.5'), pool);
    expect(rr.explain().sentence).toBe('round robin: web1 is the first available server in configured order');
    rr.pick(flow('10.0.0.5'), pool);
    expect(rr.explain()).toMatchObject({ index: 1, server: 'web2', reason: 'rr-next', sentence: 'round robin: next after web1 is web2' });
    pool[2]!.state = 'down';
    rr.pick(flow('10.0.0.5'), pool);
    expect(rr.explain().sentence).toBe('round robin: next after web2 is web1 (skipped web3 down)');
  });

  it('reset() starts over at the first server', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const rr = new RoundRobin();
    picks(rr, pool, 2);
    rr.reset(pool);
    expect(picks(rr, pool, 2)).toEqual(['web1', 'web2']);
  });
});

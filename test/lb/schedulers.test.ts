import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  createBackends,
  createScheduler,
  isAvailable,
  resolveSchedulerName,
  SCHEDULER_NAMES,
  type BackendState,
  type SchedulerName,
} from '../../src/lb/sched/index.js';
import { Rng } from '../../src/sim/rng.js';
import { flow } from './helpers.js';

const make = (name: SchedulerName) => createScheduler(name, { rng: new Rng(1), tableSize: 1009 });

describe('every scheduler', () => {
  it('is created by name and reports that name', () => {
    for (const name of SCHEDULER_NAMES) expect(make(name).name).toBe(name);
    expect(new Set(SCHEDULER_NAMES).size).toBe(10);
  });

  it('resolves IPVS-style aliases', () => {
    expect(resolveSchedulerName('rr')).toBe('round-robin');
    expect(resolveSchedulerName('WLC')).toBe('weighted-least-conn');
    expect(resolveSchedulerName('mh')).toBe('maglev');
    expect(resolveSchedulerName('maglev')).toBe('maglev');
    expect(resolveSchedulerName('fastest')).toBeNull();
  });

  it('only ever picks an available server, and -1 exactly when there is none (property)', () => {
    const state = fc.constantFrom<BackendState>('enabled', 'enabled', 'enabled', 'draining', 'disabled', 'down');
    const server = fc.record({ weight: fc.integer({ min: 0, max: 4 }), state, active: fc.integer({ min: 0, max: 9 }) });
    fc.assert(
      fc.property(fc.array(server, { maxLength: 7 }), fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 20 }), (servers, clients) => {
        const pool = createBackends(servers.map((s, i) => [`s${i}`, s.weight] as const));
        servers.forEach((s, i) => {
          pool[i]!.state = s.state;
          pool[i]!.active = s.active;
        });
        const any = pool.some(isAvailable);
        for (const name of SCHEDULER_NAMES) {
          const sch = make(name);
          for (const c of clients) {
            const p = sch.pick(flow(c), pool);
            if (!any) expect(p).toBe(-1);
            else expect(isAvailable(pool[p]!)).toBe(true);
            const d = sch.explain();
            expect(d.index).toBe(p);
            expect(d.scheduler).toBe(name);
            if (p >= 0) expect(d.sentence).toContain(pool[p]!.name);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('explains that nothing was picked yet', () => {
    for (const name of SCHEDULER_NAMES) {
      const d = make(name).explain();
      expect(d).toMatchObject({ index: -1, server: null, reason: 'no-pick' });
    }
  });

  it('does not modify the pool when it picks', () => {
    const pool = createBackends([['a', 2], ['b', 1], ['c', 3]]);
    pool[1]!.active = 4;
    const snapshot = JSON.stringify(pool);
    for (const name of SCHEDULER_NAMES) {
      const s = make(name);
      for (let k = 0; k < 20; k++) s.pick(flow(k * 7919), pool);
    }
    expect(JSON.stringify(pool)).toBe(snapshot);
  });
});

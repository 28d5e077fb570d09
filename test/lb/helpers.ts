/** Shared helpers for the scheduler tests. */
import { createBackends, observeResponse, type Backend, type FlowKey, type Scheduler } from '../../src/lb/sched/index.js';
import { ip } from '../../src/wire/addr.js';

/** A TCP flow to the VIP 10.0.0.100:80 from `src`:`sport`. */
export function flow(src: number | string, sport = 40000, dst: number | string = '10.0.0.100', dport = 80): FlowKey {
  return {
    proto: 6,
    src: typeof src === 'string' ? ip(src) : src,
    sport,
    dst: typeof dst === 'string' ? ip(dst) : dst,
    dport,
  };
}

/** Names of `count` successive picks (a picked index of -1 gives '-'). */
export function picks(s: Scheduler, pool: readonly Backend[], count: number, f: FlowKey = flow('10.0.0.5')): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const k = s.pick(f, pool);
    out.push(k < 0 ? '-' : pool[k]!.name);
  }
  return out;
}

/**
 * A small load model: a connection arrives every `gap` ns from a new client;
 * server i holds each connection for service[i] ns, then reports that as its
 * response time. Returns how many connections each server received.
 */
export function simulateLoad(s: Scheduler, service: readonly number[], gap: number, arrivals: number): number[] {
  const pool = createBackends(service.map((_, i) => `web${i + 1}`));
  const ends: number[][] = service.map(() => []);
  const got = service.map(() => 0);
  for (let k = 0; k < arrivals; k++) {
    const t = k * gap;
    for (let i = 0; i < service.length; i++) {
      const q = ends[i]!;
      while (q.length && q[0]! <= t) {
        q.shift();
        pool[i]!.active--;
        observeResponse(pool[i]!, service[i]!);
      }
    }
    const p = s.pick(flow(0x0a000001 + k, 1024 + (k % 60000)), pool);
    pool[p]!.active++;
    ends[p]!.push(t + service[p]!);
    got[p]!++;
  }
  return got;
}

/** Shared helpers for the scheduler tests. */
import type { Backend, FlowKey, Scheduler } from '../../src/lb/sched/index.js';
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

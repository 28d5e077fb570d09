/**
 * The schedulers of the load balancer, by name. The LB node creates one per
 * virtual service with createScheduler(name, opts), calls pick() for each
 * new connection and explain() when the trace or a person wants to know why.
 */
import { own } from '../../sim/own.js';
import type { Rng } from '../../sim/rng.js';
import type { HashKey } from './flow-hash.js';
import { HashScheduler } from './hash.js';
import { LeastConnections, WeightedLeastConnections } from './least-conn.js';
import { LeastResponseTime } from './least-response.js';
import { Maglev } from './maglev.js';
import { PowerOfTwo } from './p2c.js';
import { RandomChoice } from './random.js';
import { RoundRobin } from './round-robin.js';
import type { Scheduler, SchedulerName } from './scheduler.js';
import { SmoothWeightedRoundRobin } from './smooth-wrr.js';

export * from './backend.js';
export * from './flow-hash.js';
export * from './scheduler.js';
export { HashScheduler } from './hash.js';
export { LeastConnections, WeightedLeastConnections } from './least-conn.js';
export { LeastResponseTime, type LeastResponseOptions } from './least-response.js';
export { Maglev, MAGLEV_DEFAULT_M, isPrime, maglevPermutation, type MaglevOptions } from './maglev.js';
export { PowerOfTwo } from './p2c.js';
export { RandomChoice } from './random.js';
export { RoundRobin } from './round-robin.js';
export { SmoothWeightedRoundRobin } from './smooth-wrr.js';

/** Every scheduler name, in the order the docs present them. */
export const SCHEDULER_NAMES: readonly SchedulerName[] = [
  'round-robin',
  'weighted-round-robin',
  'least-conn',
  'weighted-least-conn',
  'source-hash',
  'tuple-hash',
  'least-response-time',
  'maglev',
  'power-of-two',
  'random',
];

/** Short names accepted as well (IPVS's ipvsadm -s names and common abbreviations) -> lblab names. */
export const SCHEDULER_ALIASES: Readonly<Record<string, SchedulerName>> = {
  rr: 'round-robin',
  wrr: 'weighted-round-robin',
  swrr: 'weighted-round-robin',
  lc: 'least-conn',
  wlc: 'weighted-least-conn',
  sh: 'source-hash',
  mh: 'maglev',
  lrt: 'least-response-time',
  p2c: 'power-of-two',
};

/** Options for createScheduler; each scheduler reads the ones it needs. */
export interface SchedulerOptions {
  /** The seeded stream for power-of-two and random (required by them). */
  readonly rng?: Rng;
  /** Maglev lookup-table size (prime; default 65537). */
  readonly tableSize?: number;
  /** Maglev: hash the 4-tuple (default) or the source IP. */
  readonly maglevKey?: HashKey;
  /** Maglev: whether weights give extra turns in the table build (default true). */
  readonly maglevWeighted?: boolean;
  /** Least response time: assumed response time (ns) for servers not yet measured. */
  readonly defaultResponseNs?: number;
}

/** Resolves a scheduler name or alias ("rr", "wlc", "maglev") to its lblab name; null when unknown. */
export function resolveSchedulerName(text: string): SchedulerName | null {
  const t = text.trim().toLowerCase();
  if ((SCHEDULER_NAMES as readonly string[]).includes(t)) return t as SchedulerName;
  return own(SCHEDULER_ALIASES, t) ?? null;
}

/** Creates a scheduler by name; throws when a random one gets no rng or Maglev's table size is not prime. */
export function createScheduler(name: SchedulerName, opts: SchedulerOptions = {}): Scheduler {
  switch (name) {
    case 'round-robin':
      return new RoundRobin();
    case 'weighted-round-robin':
      return new SmoothWeightedRoundRobin();
    case 'least-conn':
      return new LeastConnections();
    case 'weighted-least-conn':
      return new WeightedLeastConnections();
    case 'source-hash':
      return new HashScheduler('src');
    case 'tuple-hash':
      return new HashScheduler('4tuple');
    case 'least-response-time':
      return new LeastResponseTime(opts.defaultResponseNs === undefined ? {} : { defaultResponseNs: opts.defaultResponseNs });
    case 'maglev':
      return new Maglev({
        ...(opts.tableSize === undefined ? {} : { tableSize: opts.tableSize }),
        ...(opts.maglevKey === undefined ? {} : { key: opts.maglevKey }),
        ...(opts.maglevWeighted === undefined ? {} : { weighted: opts.maglevWeighted }),
      });
    case 'power-of-two':
      return new PowerOfTwo(requireRng(name, opts.rng));
    case 'random':
      return new RandomChoice(requireRng(name, opts.rng));
    default:
      return assertNever(name);
  }
}

function requireRng(name: SchedulerName, rng: Rng | undefined): Rng {
  if (!rng) throw new Error(`${name} needs a seeded rng (opts.rng)`);
  return rng;
}

function assertNever(x: never): never {
  throw new Error(`unknown scheduler ${String(x)}`);
}

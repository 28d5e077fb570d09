/**
 * A pool of an L7 proxy at run time: its servers as backends of a
 * scheduler (or of a hash balance), the requests each was sent, and their
 * health checks, run per pool as HAProxy checks a server once per backend
 * that lists it.
 */
import type { Host } from '../../net/host.js';
import { createBackend, type Backend, type BackendState } from '../sched/backend.js';
import { createScheduler, resolveSchedulerName } from '../sched/index.js';
import type { Scheduler } from '../sched/scheduler.js';
import type { L7PoolConfig } from './config.js';
import { CheckedStates, HealthMonitor } from '../health.js';

/** What a pool needs of its proxy: the host, the proxy's name, and the way a server's state is changed and traced. */
export interface PoolOwner {
  readonly host: Host;
  readonly cfg: { readonly name: string };
  /** Changes server `i` of one pool; traced. */
  setPoolServer(p: L7Pool, i: number, change: { state?: BackendState; weight?: number }): void;
}

/** A pool at run time: its servers as backends of a scheduler. */
export class L7Pool {
  readonly backends: Backend[];
  readonly sched: Scheduler | null;
  /** Requests sent to each server, by index. */
  readonly served: number[];
  /** Each server's health monitor (null: not checked), by index. */
  readonly monitors: (HealthMonitor | null)[];

  constructor(
    readonly cfg: L7PoolConfig,
    proxy: PoolOwner,
  ) {
    this.backends = cfg.servers.map((s, i) => {
      const b = createBackend(i, s.name, s.weight);
      b.state = s.state;
      return b;
    });
    this.served = cfg.servers.map(() => 0);
    if (cfg.balance.kind === 'scheduler') {
      const name = resolveSchedulerName(cfg.balance.name);
      if (!name) throw new Error(`pool ${cfg.name}: unknown scheduler "${cfg.balance.name}"`);
      this.sched = createScheduler(name, { rng: proxy.host.net.sim.stream(`l7:${proxy.host.name}:${proxy.cfg.name}:${cfg.name}`) });
    } else {
      this.sched = null;
    }
    this.monitors = cfg.servers.map(() => null);
  }

  /** The operator's state and the check's verdict of each checked server, kept apart (as an L4 service's). */
  readonly checked = new CheckedStates();

  /**
   * Starts the health checks: each server of the pool is probed on its own
   * (HAProxy checks a server once per backend that lists it), the first
   * probes spread over one interval; a server that fails `fall` probes is
   * 'down' in this pool (requests and cookies skip it), one that passes
   * `rise` gets its former state back.
   */
  startHealth(proxy: PoolOwner): void {
    this.cfg.servers.forEach((s, i) => {
      const hc = s.health === undefined ? this.cfg.health : s.health;
      if (!hc) return;
      this.checked.start(i, this.backends[i]!.state);
      const m = new HealthMonitor(
        proxy.host,
        `${proxy.cfg.name}/${this.cfg.name}/${s.name}`,
        s.addr,
        s.port,
        hc,
        (up) => {
          const state = this.checked.verdict(i, up);
          if (this.backends[i]!.state !== state) proxy.setPoolServer(this, i, { state });
        },
        { firstDelay: Math.floor((hc.interval * i) / this.cfg.servers.length) },
      );
      this.monitors[i] = m;
      m.start();
    });
  }

  /** The index of the server with this name, or -1. */
  indexOf(name: string): number {
    return this.cfg.servers.findIndex((s) => s.name === name);
  }
}

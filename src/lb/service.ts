/**
 * A virtual service of the load balancer (ipvsadm's model): its settings as
 * the scenario gives them, and its run-time state: the pool of real
 * servers as scheduler backends, the scheduler, the persistence table, the
 * health monitors and the counters. The table that holds services
 * (service-table.ts) and the packet path (node.ts) read it; it imports
 * neither.
 */
import type { Rng } from '../sim/rng.js';
import type { Ipv4Addr } from '../wire/types.js';
import { IPPROTO } from '../wire/types.js';
import { createBackend, type Backend, type BackendState } from './sched/backend.js';
import { createScheduler } from './sched/index.js';
import type { Scheduler, SchedulerName } from './sched/scheduler.js';
import { PersistenceTable } from './persist.js';
import { CheckedStates, type HealthMonitor } from './health.js';
import type { HealthCheckConfig, OnDown } from './health-config.js';
import type { LbMode } from './modes.js';

/** A real server of a service. */
export interface RealServerConfig {
  readonly name: string;
  readonly addr: Ipv4Addr;
  /** The server's port (default: the service's port; DSR and tunnel must keep it). */
  readonly port?: number;
  readonly weight?: number;
  readonly state?: BackendState;
  /** This server's health check (overrides the service's); null = none. */
  readonly health?: HealthCheckConfig | null;
  /** The server's MAC, for a DSR service with the tc forwarder (configured, never ARPed for). */
  readonly mac?: number;
}

/** A virtual service. */
export interface ServiceConfig {
  readonly name: string;
  readonly vip: Ipv4Addr;
  readonly proto: 'tcp' | 'udp';
  readonly port: number;
  readonly mode: LbMode;
  /** Scheduler name or alias (rr, wrr, lc, wlc, sh, mh, ...); default round robin. */
  readonly scheduler?: string;
  /** Source-IP persistence: timeout in ns (and optional netmask). */
  readonly persistence?: { readonly timeoutNs: number; readonly netmask?: Ipv4Addr };
  /** SNAT mode: source addresses to use (default: the LB's address on the interface toward the server). */
  readonly snatPool?: readonly Ipv4Addr[];
  /** DSR mode: re-send with the router's source MAC instead of the LB's own (the switch-learning bug of docs/lessons/dsr-keep-source-mac.md). */
  readonly dsrKeepSourceMac?: boolean;
  /**
   * DSR mode: 'ipvs' (default: ip_vs_dr_xmit routes the packet, decrementing
   * the TTL, and the neighbour layer ARPs for the server) or 'tc' (a
   * tc/XDP/nftables-netdev forwarder such as Katran or nft `fwd`: it rewrites
   * the destination MAC to the server's configured one and sends the frame
   * before the IP layer, so the TTL is kept and nothing ARPs; the first frame
   * to a server the switch has not learned is flooded).
   */
  readonly dsrForwarder?: 'ipvs' | 'tc';
  /** The interface the VIP is configured on (default: the first interface; br0 in transparent mode). */
  readonly vipIface?: string;
  readonly servers: readonly RealServerConfig[];
  /** The health check of every server that has none of its own (src/lb/health.ts). */
  readonly health?: HealthCheckConfig;
  /** What happens to a server's open connections when its check says down: kept (default) or reset. */
  readonly onDown?: OnDown;
}

/** Counters of a service. */
export class ServiceStats {
  conns = 0;
  inPkts = 0;
  outPkts = 0;
  inBytes = 0;
  outBytes = 0;
  noServer = 0;
}

/** A virtual service at run time. */
export class LbService {
  readonly backends: Backend[];
  readonly sched: Scheduler;
  readonly persist: PersistenceTable | null;
  readonly stats = new ServiceStats();
  /** Connections ever scheduled to each server, by index. */
  readonly served: number[];
  readonly protoNum: number;
  /** The real servers (address and port), by backend index; servers are added at run time, never removed (removal disables). */
  readonly servers: { readonly name: string; readonly addr: Ipv4Addr; readonly port: number }[];
  /** The forwarding mode for new connections (a running connection keeps the mode it started with). */
  mode: LbMode;
  /** Health monitors by backend index (null: the server is not checked). */
  readonly monitors: (HealthMonitor | null)[] = [];
  /** The operator's state and the check's verdict of each checked server, kept apart. */
  readonly checked = new CheckedStates();

  constructor(
    readonly index: number,
    readonly cfg: ServiceConfig,
    schedName: SchedulerName,
    /** The scheduler's random stream (the LB names it after itself and the service). */
    rng: Rng,
  ) {
    this.backends = cfg.servers.map((s, i) => {
      const b = createBackend(i, s.name, s.weight ?? 1);
      b.state = s.state ?? 'enabled';
      return b;
    });
    this.served = cfg.servers.map(() => 0);
    this.servers = cfg.servers.map((s) => ({ name: s.name, addr: s.addr, port: s.port ?? cfg.port }));
    this.mode = cfg.mode;
    this.sched = createScheduler(schedName, { rng });
    this.persist = cfg.persistence ? new PersistenceTable({ timeoutNs: cfg.persistence.timeoutNs, netmask: cfg.persistence.netmask }) : null;
    this.protoNum = cfg.proto === 'tcp' ? IPPROTO.TCP : IPPROTO.UDP;
  }

  /** The port a server listens on. */
  serverPort(i: number): number {
    return this.servers[i]!.port;
  }
}

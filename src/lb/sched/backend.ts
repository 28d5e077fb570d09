/**
 * What the load balancer knows about each real server, as the schedulers
 * read it: configured order, weight, administrative/health state, connection
 * counts, and a moving average of measured response time. The LB node owns
 * these objects and mutates them in place (a connection opens: `active++`);
 * schedulers only read them, so a pick never copies the pool.
 */
import type { Ipv4Addr } from '../../wire/types.js';

/** A real server's state: only 'enabled' servers receive new connections. */
export type BackendState = 'enabled' | 'draining' | 'disabled' | 'down';

/** The per-server state the LB keeps; `backends[i].index === i` in every array handed to a scheduler. */
export interface Backend {
  /** Position in the configured order (0-based); ties between servers go to the lowest. */
  readonly index: number;
  /** The server's name as people read it ("web2"). */
  readonly name: string;
  /** Integer weight >= 0; 0 means the server receives no new connections (IPVS: quiescent). */
  weight: number;
  /** Administrative or health state; 'draining' keeps existing connections but takes no new ones. */
  state: BackendState;
  /** Connections in use (IPVS: ESTABLISHED); least-connection schedulers compare this. */
  active: number;
  /** Connections not in use any more but still in the table (IPVS: TIME_WAIT, FIN_WAIT...); shown, not compared. */
  inactive: number;
  /** Moving average of measured response time in nanoseconds (meaningful once `rtSamples > 0`). */
  rtEwmaNs: number;
  /** How many response times have been fed to `observeResponse`. */
  rtSamples: number;
}

/** A flow's addressing, as numbers: IPv4 addresses are uint32, ports 0..65535. */
export interface FlowKey {
  /** IP protocol number (6 TCP, 17 UDP). */
  readonly proto: number;
  /** Client (source) address. */
  readonly src: Ipv4Addr;
  /** Client (source) port. */
  readonly sport: number;
  /** Destination address: the VIP. */
  readonly dst: Ipv4Addr;
  /** Destination port: the virtual service's port. */
  readonly dport: number;
}

/** The EWMA weight of a new response-time sample: 1/8, the alpha of TCP's SRTT (RFC 6298 section 2). */
export const RT_EWMA_ALPHA = 0.125;

/** Creates a backend in the enabled state with no connections and no measurement. */
export function createBackend(index: number, name: string, weight = 1): Backend {
  if (!Number.isInteger(weight) || weight < 0) throw new Error(`backend ${name}: weight must be an integer >= 0, got ${weight}`);
  return { index, name, weight, state: 'enabled', active: 0, inactive: 0, rtEwmaNs: 0, rtSamples: 0 };
}

/** Creates a pool from names (weight 1) or [name, weight] pairs, indexed in the order given. */
export function createBackends(specs: readonly (string | readonly [string, number])[]): Backend[] {
  return specs.map((s, i) => (typeof s === 'string' ? createBackend(i, s) : createBackend(i, s[0], s[1])));
}

/**
 * Feeds one measured response time (ns) into the server's moving average:
 * the first sample is taken as is, later ones as ewma += alpha * (sample - ewma),
 * the same smoothing TCP applies to RTT samples (RFC 6298: SRTT, alpha = 1/8).
 */
export function observeResponse(b: Backend, ns: number, alpha = RT_EWMA_ALPHA): void {
  if (b.rtSamples === 0) b.rtEwmaNs = ns;
  else b.rtEwmaNs += alpha * (ns - b.rtEwmaNs);
  b.rtSamples++;
}

/** Why a server can or cannot take a new connection, as a small number (see AVAIL_WORDS). */
export const AVAIL = { OK: 0, WEIGHT0: 1, DRAINING: 2, DISABLED: 3, DOWN: 4 } as const;

/** The words for each AVAIL code, as explanations print them ("web2 is down"). */
export const AVAIL_WORDS: readonly string[] = ['available', 'at weight 0', 'draining', 'disabled', 'down'];

/** The AVAIL code of a server: down, disabled and draining first, then weight 0 (IPVS skips weight-0 dests). */
export function availability(b: Backend): number {
  switch (b.state) {
    case 'down':
      return AVAIL.DOWN;
    case 'disabled':
      return AVAIL.DISABLED;
    case 'draining':
      return AVAIL.DRAINING;
    case 'enabled':
      return b.weight > 0 ? AVAIL.OK : AVAIL.WEIGHT0;
    default:
      return assertNever(b.state);
  }
}

/** True when the server may receive new connections: enabled and weight > 0. */
export function isAvailable(b: Backend): boolean {
  return b.state === 'enabled' && b.weight > 0;
}

function assertNever(x: never): never {
  throw new Error(`unexpected backend state ${String(x)}`);
}

/**
 * The ARP neighbour table of one host, following Linux's neighbour state
 * machine (net/core/neighbour.c, net/ipv4/arp.c) with its default timers:
 *
 *   INCOMPLETE: a request is out; packets wait in a queue (unres_qlen 101);
 *     retried every retrans_time (1 s), mcast_solicit (3) requests in all,
 *     then FAILED: the queue is dropped with ICMP host unreachable.
 *   REACHABLE: confirmed within reachable_time (base 30 s, randomised 0.5x..1.5x).
 *   STALE: still used; the first use moves it to DELAY.
 *   DELAY: after delay_first_probe_time (5 s) without confirmation, PROBE.
 *   PROBE: unicast requests (ucast_solicit 3) 1 s apart, then FAILED.
 *
 * A reply for an entry updated less than locktime (1 s) ago is ignored, so
 * the first of several answers wins (the DSR ARP race, docs/lessons/dsr-arp-race.md).
 */
import { fmtIp, fmtMac } from '../wire/addr.js';
import type { Ipv4 } from '../wire/types.js';
import type { Frame } from '../trace/events.js';
import type { Timer } from '../sim/sim.js';
import type { Iface } from './iface.js';

/** Linux neighbour states (the subset that matters for ARP). */
export type NeighState = 'incomplete' | 'reachable' | 'stale' | 'delay' | 'probe' | 'failed';

/** A packet waiting for its next hop to be resolved. */
export interface Pending {
  readonly ip: Ipv4;
  /** The frame it came in as (forwarded packets) or null (locally generated). */
  readonly parent: Frame | null;
  /** The interface it came in on (forwarded packets) or null. */
  readonly inIface: Iface | null;
  /** The source MAC to send it with, or -1 for the interface's own (a bridging LB keeps the sender's). */
  readonly srcMac: number;
}

/** One neighbour entry. */
export class Neigh {
  state: NeighState = 'incomplete';
  mac = 0;
  /** When the entry was last updated with an address (for locktime). */
  updated = 0;
  /** When reachability was last confirmed. */
  confirmed = 0;
  /** Requests sent in the current solicitation round. */
  probes = 0;
  timer: Timer | null = null;
  queue: Pending[] = [];

  constructor(
    readonly ip: number,
    readonly iface: Iface,
  ) {}
}

/** Linux defaults of the neighbour parameters (net.ipv4.neigh.default.*). */
export const NEIGH_DEFAULTS = {
  baseReachableMs: 30_000,
  retransMs: 1_000,
  delayFirstProbeMs: 5_000,
  mcastSolicit: 3,
  ucastSolicit: 3,
  locktimeMs: 1_000,
  unresQlen: 101,
} as const;

/** Describes a neighbour state change for the trace. */
export function neighText(host: string, n: Neigh): string {
  const who = `${fmtIp(n.ip)} on ${n.iface.name}`;
  switch (n.state) {
    case 'incomplete':
      return `${host} asks who has ${who} (ARP entry incomplete)`;
    case 'reachable':
      return `${host} now knows ${who} is at ${fmtMac(n.mac)}`;
    case 'stale':
      return `${host} keeps ${who} at ${fmtMac(n.mac)} as stale (not recently confirmed)`;
    case 'delay':
      return `${host} used the stale entry for ${who}; it will probe if nothing confirms it`;
    case 'probe':
      return `${host} probes ${who} with unicast ARP`;
    case 'failed':
      return `${host} gave up resolving ${who}`;
  }
}

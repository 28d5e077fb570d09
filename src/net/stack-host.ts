/**
 * What a transport (TCP, UDP, a tunnel or VRRP handler) needs of the host
 * it runs on: its name, clock and trace, its random stream and sysctls,
 * the address questions (is this address mine, a broadcast, which source
 * reaches that destination) and the two ways down into the IP layer (send
 * a payload, send an ICMP error). Host implements it; the transports
 * import only this module, so the IP layer and the transports above it
 * need no import circle.
 */
import type { Rng } from '../sim/rng.js';
import type { Frame } from '../trace/events.js';
import type { Icmp, Ipv4, Ipv4Addr } from '../wire/types.js';
import type { Iface, NetContext } from './iface.js';
import type { Sysctls } from './sysctl.js';

/** A local handler of an IP protocol (TCP, IPIP, VRRP...). */
export interface ProtoHandler {
  /** A packet for this host arrived (after INPUT hooks). */
  input(ip: Ipv4, frame: Frame | null, iface: Iface): void;
  /** An ICMP error quoting a packet of this protocol arrived; `quoted` is the offending packet's header and first bytes. */
  icmpError?(icmp: Icmp, quoted: Uint8Array, from: Ipv4Addr): void;
  /** True when a socket of this protocol sent the quoted packet (an ICMP redirect is applied only then). */
  ownsQuoted?(quoted: Uint8Array): boolean;
}

/** The result of sending a locally generated packet. */
export type SendResult = 'sent' | 'queued' | 'no-route' | 'dropped';

/** IP header choices of a locally generated packet (defaults: DF set, ip_default_ttl, tos 0, id from the id generator). */
export interface SendOptions {
  readonly df?: boolean;
  readonly ttl?: number;
  readonly tos?: number;
  readonly id?: number;
}

/** The host a transport runs on, as the transport sees it. */
export interface StackHost {
  /** The node's name, for trace messages. */
  readonly name: string;
  /** The clock and the trace. */
  readonly net: NetContext;
  /** The host's seeded random stream (ephemeral ports, initial sequence numbers). */
  readonly rng: Rng;
  /** The host's sysctls. */
  readonly sysctl: Sysctls;
  /** True when `a` is one of the host's addresses (weak host model, lo included). */
  isLocal(a: Ipv4Addr): boolean;
  /** True when `a` is a broadcast address for the host. */
  isBroadcast(a: Ipv4Addr): boolean;
  /** The source a local socket would use to reach `dst`, or null when there is no route. */
  sourceTo(dst: Ipv4Addr): Ipv4Addr | null;
  /** Builds an IPv4 packet around `payload` and sends it (route, OUTPUT, POSTROUTING, neighbour). */
  sendPayload(src: Ipv4Addr, dst: Ipv4Addr, payload: Ipv4['payload'], opts?: SendOptions): SendResult;
  /** Sends an ICMP error about `orig` (Linux icmp_send rules and rate limit). */
  icmpError(orig: Ipv4, type: number, code: number, rest: number, parent: Frame | null, isRedirect?: boolean): void;
}

/**
 * The trace event types: the single record of everything that happens in a
 * simulation. Every output (hop lines, the TUI, pcapng, grading, reports)
 * reads these and nothing else.
 */
import type { Ethernet } from '../wire/types.js';
import type { DropReason, RewriteReason } from './reasons.js';

/**
 * A frame in flight, with its lineage: `id` is unique within a simulation;
 * a frame made from another (forwarded with new MACs, rewritten by NAT,
 * encapsulated) names it as `parent`. A switch forwards the same Frame
 * object, so one id can cross several links.
 */
export interface Frame {
  readonly id: number;
  /** The id of the frame this one was made from, or 0 for a frame a host originated. */
  readonly parent: number;
  readonly eth: Ethernet;
  /** Encoded length in bytes, without the FCS. */
  readonly len: number;
}

/** Where something happened: a node name and, when it applies, an interface name. */
export interface Place {
  readonly node: string;
  readonly iface: string | null;
}

interface Base {
  /** Simulated time in nanoseconds. */
  readonly t: number;
  /** Position in the trace, from 0. */
  readonly seq: number;
}

/** A frame starts transmission on a link from `node:iface`. */
export interface TxEvent extends Base {
  readonly kind: 'tx';
  readonly node: string;
  readonly iface: string;
  readonly link: string;
  readonly frame: Frame;
}

/** A frame arrives on `node:iface` (before any filtering). */
export interface RxEvent extends Base {
  readonly kind: 'rx';
  readonly node: string;
  readonly iface: string;
  readonly frame: Frame;
}

/** A node forwards a frame (the `frame` is what leaves; its parent is what came in). */
export interface ForwardEvent extends Base {
  readonly kind: 'forward';
  readonly node: string;
  readonly inIface: string;
  readonly outIface: string;
  readonly frame: Frame;
  /** 'switch' (same frame, L2) or 'route' (new MACs, TTL - 1). */
  readonly how: 'switch' | 'flood' | 'route';
}

/** A node rewrites a packet's headers (NAT, load balancing); `before` and `after` are both kept. */
export interface RewriteEvent extends Base {
  readonly kind: 'rewrite';
  readonly node: string;
  readonly before: Frame;
  readonly after: Frame;
  readonly code: RewriteReason;
  readonly text: string;
}

/** A packet reaches a socket or a local protocol handler on a host. */
export interface DeliverEvent extends Base {
  readonly kind: 'deliver';
  readonly node: string;
  /** What received it: "udp 10.0.0.1:9", "icmp echo", "tcp 10.0.1.11:80 <- 10.0.0.5:40000". */
  readonly to: string;
  readonly frame: Frame;
}

/** A frame or packet is dropped, with a stable reason code and a plain sentence. */
export interface DropEvent extends Base {
  readonly kind: 'drop';
  readonly node: string;
  readonly iface: string | null;
  readonly frame: Frame | null;
  readonly code: DropReason | (string & {});
  readonly text: string;
}

/** The structured content of a state change, per kind of state. */
export type StateChange =
  | { readonly what: 'arp'; readonly ip: number; readonly mac: number | null; readonly state: 'incomplete' | 'reachable' | 'stale' | 'failed' | 'removed'; readonly iface: string }
  | { readonly what: 'mac'; readonly mac: number; readonly vlan: number; readonly port: string | null }
  | { readonly what: 'route'; readonly prefix: number; readonly len: number; readonly via: number | null; readonly iface: string; readonly op: 'add' | 'del' }
  | { readonly what: 'link'; readonly link: string; readonly up: boolean }
  | { readonly what: 'iface'; readonly iface: string; readonly up: boolean }
  | { readonly what: 'tcp'; readonly conn: string; readonly from: string; readonly to: string }
  | { readonly what: 'nat'; readonly key: string; readonly op: 'add' | 'del' }
  | {
      readonly what: 'lb-conn';
      readonly op: 'add' | 'state' | 'del';
      readonly service: string;
      /** "client:port". */
      readonly client: string;
      /** The server's name. */
      readonly server: string;
      /** IPVS state name (ESTABLISHED, SYN_RECV, ... or UDP). */
      readonly state: string;
    }
  | { readonly what: 'lb-server'; readonly service: string; readonly server: string; readonly state: string; readonly weight: number }
  /** A health checker's verdict on a server changes (after `rise` passes or `fall` failures). */
  | { readonly what: 'lb-health'; readonly service: string; readonly server: string; readonly health: 'up' | 'down'; readonly check: string; readonly reason: string }
  /** A persistence entry (source IP or cookie -> server) is made, reused by another server, or expires. */
  | { readonly what: 'lb-persist'; readonly op: 'add' | 'del'; readonly service: string; readonly key: string; readonly server: string }
  /** An address is added to or removed from an interface (a VIP moving between VRRP routers). */
  | { readonly what: 'addr'; readonly op: 'add' | 'del'; readonly iface: string; readonly addr: number; readonly len: number }
  /** A VRRP instance changes state (RFC 5798: Initialize, Backup, Master; keepalived's Fault when its interface is down). */
  | { readonly what: 'vrrp'; readonly vrid: number; readonly iface: string; readonly state: 'init' | 'backup' | 'master' | 'fault'; readonly priority: number }
  /** A resolver's cache gains or loses a name, or answers a lookup from its entry ('hit'); `ttl` is in ns (-1: kept forever). */
  | { readonly what: 'dns-cache'; readonly op: 'add' | 'del' | 'hit'; readonly name: string; readonly addrs: readonly number[]; readonly ttl: number }
  /**
   * An HTTP request as an application saw it: a server answering it (role
   * server, verdict 'served'), or an L7 proxy deciding about it (role proxy;
   * verdicts in docs/l7-proxy.md). `headers` are the request's as received.
   */
  | {
      readonly what: 'http';
      readonly role: 'server' | 'proxy';
      /** The server's name, or "lb/proxy" for a proxy. */
      readonly service: string;
      /** The client's address ("10.0.0.10") as the TCP connection shows it. */
      readonly client: string;
      readonly method: string;
      readonly target: string;
      readonly headers: readonly { readonly name: string; readonly value: string }[];
      readonly status: number;
      readonly verdict: string;
      /** The proxy's pool and server (the server's own name for role server); null when none was involved. */
      readonly pool: string | null;
      readonly server: string | null;
      /** How the proxy chose the server: 'balance', 'cookie', 'redispatch'; null otherwise. */
      readonly how: string | null;
      /** What the proxy's cache did: 'hit', 'stored', or why it did not store; null without a cache. */
      readonly cache: string | null;
    }
  | { readonly what: 'note'; readonly detail: Readonly<Record<string, string | number | boolean | null>> };

/** A piece of network state changes (ARP cache, MAC table, routes, links, TCP states). */
export interface StateEvent extends Base {
  readonly kind: 'state';
  readonly node: string;
  readonly change: StateChange;
  readonly text: string;
}

/** Any trace event. */
export type TraceEvent = TxEvent | RxEvent | ForwardEvent | RewriteEvent | DeliverEvent | DropEvent | StateEvent;

/** The kind tag of a trace event. */
export type TraceKind = TraceEvent['kind'];

/** The frames an event is about: a rewrite's before and after, a drop's frame if it had one, none for a state change. */
export function framesOf(ev: TraceEvent): Frame[] {
  switch (ev.kind) {
    case 'rewrite':
      return [ev.before, ev.after];
    case 'state':
      return [];
    case 'drop':
      return ev.frame ? [ev.frame] : [];
    default:
      return [ev.frame];
  }
}

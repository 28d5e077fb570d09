/**
 * The state of the network at any instant of a recorded trace, rebuilt
 * from the trace itself: a node's addresses, routes, ARP cache, MAC table,
 * TCP sockets, NAT table, and a load balancer's servers (with health),
 * connections and persistence entries, VRRP instances and resolver caches.
 *
 * The state after event i is the initial configuration (what the network
 * held before its first event: addresses, routes, static neighbours,
 * services) with every state event up to i folded over it. Folding is
 * exact, so stepping back shows precisely the earlier state. So that a jump
 * in a trace of 100k events stays cheap, each node keeps a snapshot every
 * `every` of its state events, made lazily the first time a query passes
 * it; a query clones the nearest snapshot before i and folds at most
 * `every - 1` events onto it.
 */
import type { StateChange, StateEvent, TraceEvent } from '../trace/events.js';

/** A piece of state a node has before the trace begins (its configuration). */
export interface InitialRecord {
  readonly node: string;
  readonly change: StateChange;
}

/** An address on an interface. */
export interface AddrRow {
  readonly iface: string;
  readonly addr: number;
  readonly len: number;
}

/** A route. */
export interface RouteRow {
  readonly prefix: number;
  readonly len: number;
  readonly via: number | null;
  readonly iface: string;
}

/** A neighbour (ARP cache) entry. */
export interface ArpRow {
  readonly ip: number;
  readonly mac: number | null;
  readonly state: 'incomplete' | 'reachable' | 'stale' | 'failed';
  readonly iface: string;
}

/** A learned MAC address of a switch. */
export interface MacRow {
  readonly mac: number;
  readonly vlan: number;
  readonly port: string;
}

/** A load balancer's real server: its administrative state, weight, and the health checker's verdict. */
export interface ServerRow {
  readonly service: string;
  readonly server: string;
  readonly state: string;
  readonly weight: number;
  /** 'up' or 'down' after a health verdict, null before any. */
  readonly health: 'up' | 'down' | null;
  /** The check and the reason of the last verdict ('' before any). */
  readonly check: string;
  readonly reason: string;
}

/** An entry of a load balancer's connection table. */
export interface LbConnRow {
  readonly service: string;
  readonly client: string;
  readonly server: string;
  readonly state: string;
}

/** A persistence entry (source IP or cookie -> server). */
export interface PersistRow {
  readonly service: string;
  readonly key: string;
  readonly server: string;
}

/** A VRRP instance. */
export interface VrrpRow {
  readonly vrid: number;
  readonly iface: string;
  readonly state: Extract<StateChange, { what: 'vrrp' }>['state'];
  readonly priority: number;
}

/** A resolver cache entry, with the time it was cached. */
export interface DnsRow {
  readonly name: string;
  readonly addrs: readonly number[];
  /** Time to live in ns, as the resolver traces it; negative: kept forever. */
  readonly ttl: number;
  /** Simulated time (ns) it was cached; -1 for one configured before the run. */
  readonly since: number;
}

/** One node's state. Keys of the maps are stable per entry, so an entry updates in place. */
export interface NodeState {
  readonly addrs: Map<string, AddrRow>;
  readonly routes: Map<string, RouteRow>;
  readonly arp: Map<string, ArpRow>;
  readonly macs: Map<string, MacRow>;
  /** TCP sockets: connection name -> state (CLOSED ones are gone). */
  readonly tcp: Map<string, string>;
  /** NAT (conntrack) entries, by their description. */
  readonly nat: Map<string, string>;
  readonly servers: Map<string, ServerRow>;
  readonly conns: Map<string, LbConnRow>;
  readonly persist: Map<string, PersistRow>;
  readonly vrrp: Map<string, VrrpRow>;
  readonly dns: Map<string, DnsRow>;
  /** Interfaces and links reported down (by name), absent when up. */
  readonly down: Map<string, 'iface' | 'link'>;
}

/** An empty node state. */
export function emptyNodeState(): NodeState {
  return {
    addrs: new Map(),
    routes: new Map(),
    arp: new Map(),
    macs: new Map(),
    tcp: new Map(),
    nat: new Map(),
    servers: new Map(),
    conns: new Map(),
    persist: new Map(),
    vrrp: new Map(),
    dns: new Map(),
    down: new Map(),
  };
}

/** A copy of a node state that shares no map with it (the rows are immutable and shared). */
export function cloneNodeState(s: NodeState): NodeState {
  return {
    addrs: new Map(s.addrs),
    routes: new Map(s.routes),
    arp: new Map(s.arp),
    macs: new Map(s.macs),
    tcp: new Map(s.tcp),
    nat: new Map(s.nat),
    servers: new Map(s.servers),
    conns: new Map(s.conns),
    persist: new Map(s.persist),
    vrrp: new Map(s.vrrp),
    dns: new Map(s.dns),
    down: new Map(s.down),
  };
}

/** Which table of a node a change touches, and the key of its row there; null for changes no table shows. */
export function rowOf(c: StateChange): { readonly table: keyof NodeState; readonly key: string } | null {
  switch (c.what) {
    case 'arp':
      return { table: 'arp', key: `${c.iface}/${c.ip}` };
    case 'mac':
      return { table: 'macs', key: `${c.vlan}/${c.mac}` };
    case 'route':
      return { table: 'routes', key: `${c.prefix}/${c.len}/${c.iface}/${c.via ?? ''}` };
    case 'addr':
      return { table: 'addrs', key: `${c.iface}/${c.addr}/${c.len}` };
    case 'tcp':
      return { table: 'tcp', key: c.conn };
    case 'nat':
      return { table: 'nat', key: c.key };
    case 'lb-conn':
      return { table: 'conns', key: `${c.service}/${c.client}` };
    case 'lb-server':
    case 'lb-health':
      return { table: 'servers', key: `${c.service}/${c.server}` };
    case 'lb-persist':
      return { table: 'persist', key: `${c.service}/${c.key}` };
    case 'vrrp':
      return { table: 'vrrp', key: `${c.iface}/${c.vrid}` };
    case 'dns-cache':
      return { table: 'dns', key: c.name };
    case 'link':
      return { table: 'down', key: c.link };
    case 'iface':
      return { table: 'down', key: c.iface };
    case 'http': // a request handled: an event in the list, not a table entry
    case 'note':
      return null;
  }
}

/** Applies one change to a node state, in place, at simulated time `t`. */
export function applyChange(s: NodeState, c: StateChange, t: number): void {
  const row = rowOf(c);
  if (!row) return;
  const { key } = row;
  switch (c.what) {
    case 'arp':
      // Linux keeps FAILED entries until garbage collection; a removed entry is gone.
      if (c.state === 'removed') s.arp.delete(key);
      else s.arp.set(key, { ip: c.ip, mac: c.mac, state: c.state, iface: c.iface });
      return;
    case 'mac':
      if (c.port === null) s.macs.delete(key);
      else s.macs.set(key, { mac: c.mac, vlan: c.vlan, port: c.port });
      return;
    case 'route':
      if (c.op === 'del') s.routes.delete(key);
      else s.routes.set(key, { prefix: c.prefix, len: c.len, via: c.via, iface: c.iface });
      return;
    case 'addr':
      if (c.op === 'del') s.addrs.delete(key);
      else s.addrs.set(key, { iface: c.iface, addr: c.addr, len: c.len });
      return;
    case 'tcp':
      if (c.to === 'CLOSED') s.tcp.delete(key);
      else s.tcp.set(key, c.to);
      return;
    case 'nat':
      if (c.op === 'del') s.nat.delete(key);
      else s.nat.set(key, c.key);
      return;
    case 'lb-conn':
      if (c.op === 'del') s.conns.delete(key);
      else s.conns.set(key, { service: c.service, client: c.client, server: c.server, state: c.state });
      return;
    case 'lb-server': {
      const old = s.servers.get(key);
      s.servers.set(key, { service: c.service, server: c.server, state: c.state, weight: c.weight, health: old?.health ?? null, check: old?.check ?? '', reason: old?.reason ?? '' });
      return;
    }
    case 'lb-health': {
      const old = s.servers.get(key);
      s.servers.set(key, { service: c.service, server: c.server, state: old?.state ?? 'enabled', weight: old?.weight ?? 1, health: c.health, check: c.check, reason: c.reason });
      return;
    }
    case 'lb-persist':
      if (c.op === 'del') s.persist.delete(key);
      else s.persist.set(key, { service: c.service, key: c.key, server: c.server });
      return;
    case 'vrrp':
      s.vrrp.set(key, { vrid: c.vrid, iface: c.iface, state: c.state, priority: c.priority });
      return;
    case 'dns-cache':
      // Any other op (a lookup answered from the entry) leaves the cache as it is.
      if (c.op === 'del') s.dns.delete(key);
      else if (c.op === 'add') s.dns.set(key, { name: c.name, addrs: c.addrs, ttl: c.ttl, since: t });
      return;
    case 'link':
    case 'iface':
      if (c.up) s.down.delete(key);
      else s.down.set(key, c.what);
      return;
  }
}

/** The state of one node at one event, and how much work finding it took. */
export interface NodeStateAt {
  readonly state: NodeState;
  /** State events folded by this query (snapshot building included), for tests of work done. */
  readonly work: number;
}

/** Snapshots of one node, made lazily. */
interface NodeTimeline {
  /** Trace indices of the node's state events, in order. */
  readonly at: Int32Array;
  /** snaps[k]: the state after the node's first k * every state events. */
  readonly snaps: NodeState[];
}

const EMPTY = new Int32Array(0);

/** The state of every node at any event of a recorded trace. */
export class StateTimeline {
  private index: Map<string, Int32Array> | null = null;
  private linkEvents: Int32Array | null = null;
  private readonly nodes = new Map<string, NodeTimeline>();
  private readonly initial = new Map<string, NodeState>();
  private readonly initialDown = new Set<string>();

  /**
   * Creates the timeline of a trace. `initial` is the configuration before
   * the first event; `every` is how many of a node's state events lie
   * between two of its snapshots.
   */
  constructor(
    private readonly events: readonly TraceEvent[],
    initial: readonly InitialRecord[] = [],
    private readonly every = 256,
  ) {
    for (const r of initial) {
      let s = this.initial.get(r.node);
      if (!s) this.initial.set(r.node, (s = emptyNodeState()));
      applyChange(s, r.change, -1);
      if (r.change.what === 'link' && !r.change.up) this.initialDown.add(r.change.link);
    }
  }

  /** The names of the links that are down after the event at trace index `index`. */
  linksDownAt(index: number): Set<string> {
    if (!this.linkEvents) {
      const at: number[] = [];
      this.events.forEach((ev, i) => {
        if (ev.kind === 'state' && ev.change.what === 'link') at.push(i);
      });
      this.linkEvents = Int32Array.from(at);
    }
    const down = new Set(this.initialDown);
    for (const i of this.linkEvents) {
      if (i > index) break;
      const c = (this.events[i] as StateEvent).change;
      if (c.what !== 'link') continue;
      if (c.up) down.delete(c.link);
      else down.add(c.link);
    }
    return down;
  }

  /** The names of the nodes with any state (configured, or changed in the trace), in first-seen order. */
  nodeNames(): string[] {
    return [...new Set([...this.initial.keys(), ...this.byNode().keys()])];
  }

  private byNode(): Map<string, Int32Array> {
    if (this.index) return this.index;
    const lists = new Map<string, number[]>();
    const evs = this.events;
    for (let i = 0; i < evs.length; i++) {
      const ev = evs[i]!;
      if (ev.kind !== 'state' || ev.change.what === 'note') continue;
      let l = lists.get(ev.node);
      if (!l) lists.set(ev.node, (l = []));
      l.push(i);
    }
    this.index = new Map([...lists].map(([k, v]) => [k, Int32Array.from(v)]));
    return this.index;
  }

  private timeline(node: string): NodeTimeline {
    let tl = this.nodes.get(node);
    if (!tl) {
      tl = { at: this.byNode().get(node) ?? EMPTY, snaps: [this.initial.get(node) ?? emptyNodeState()] };
      this.nodes.set(node, tl);
    }
    return tl;
  }

  /** The state of `node` after the event at trace index `index` (-1: before the first event). */
  nodeAt(node: string, index: number): NodeStateAt {
    const tl = this.timeline(node);
    const { at, snaps } = tl;
    // How many of the node's state events are at or before `index`.
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at[mid]! <= index) lo = mid + 1;
      else hi = mid;
    }
    const count = lo;
    const k = Math.floor(count / this.every);
    let work = 0;
    while (snaps.length <= k) {
      const from = (snaps.length - 1) * this.every;
      const s = cloneNodeState(snaps[snaps.length - 1]!);
      for (let j = from; j < from + this.every; j++) this.fold(s, at[j]!);
      work += this.every;
      snaps.push(s);
    }
    const s = cloneNodeState(snaps[k]!);
    for (let j = k * this.every; j < count; j++) this.fold(s, at[j]!);
    work += count - k * this.every;
    return { state: s, work };
  }

  private fold(s: NodeState, i: number): void {
    const ev = this.events[i] as StateEvent;
    applyChange(s, ev.change, ev.t);
  }
}

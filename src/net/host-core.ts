/**
 * The floor of a host (see host.ts): its state, its configuration
 * (interfaces, addresses, routes, sysctls), the address questions (is it
 * local, a broadcast, which route and which source address), IP ids, and
 * the multicast memberships and extra MACs its NIC filter accepts. The
 * receive, neighbour and ICMP paths are the floors above it
 * (host-neigh.ts, host-icmp.ts, host.ts), each importing only the one
 * below, so a host is one object without an import circle.
 */
import { fmtIp, inPrefix, maskOf, networkOf, broadcastOf } from '../wire/addr.js';
import { ethernet } from '../wire/build.js';
import type { Icmp, Ipv4, Ipv4Addr, MacAddr } from '../wire/types.js';
import { IPPROTO } from '../wire/types.js';
import type { EventTarget } from '../sim/sim.js';
import type { Rng } from '../sim/rng.js';
import type { Frame } from '../trace/events.js';
import { Iface } from './iface.js';
import { Neigh, NEIGH_DEFAULTS } from './neigh.js';
import type { Network } from './network.js';
import type { NetNode, NodeKind } from './node.js';
import { Sysctls } from './sysctl.js';
import type { ProtoHandler, SendOptions, SendResult, StackHost } from './stack-host.js';
import { UdpStack } from './udp.js';
import { TcpStack } from './tcp.js';
import { hashL3 } from './flow-hash.js';


/** A route: destination prefix, optional gateway, output interface. */
export interface Route {
  readonly prefix: Ipv4Addr;
  readonly len: number;
  /** Next-hop gateway, or null for a directly connected destination. */
  readonly via: Ipv4Addr | null;
  readonly iface: Iface;
  readonly metric: number;
  /** Preferred source address (`ip route ... src`), or null. */
  readonly src: Ipv4Addr | null;
  /** 'kernel' for connected routes made from addresses, 'static' for configured ones. */
  readonly proto: 'kernel' | 'static' | 'redirect';
  /**
   * Equal-cost multipath: the next hops a flow is spread over (`ip route add
   * ... nexthop via A weight 1 nexthop via B weight 1`). When present, `via`
   * and `iface` are those of the first path and lookups pick one path per
   * flow by the L3 hash (see flow-hash.ts).
   */
  readonly nexthops?: readonly Nexthop[];
}

/** One path of a multipath route. */
export interface Nexthop {
  readonly via: Ipv4Addr;
  readonly iface: Iface;
  /** Relative weight (default 1). */
  readonly weight?: number;
}

/** A multipath route prepared for lookups: one Route per path and the hash thresholds between them. */
interface Multipath {
  readonly paths: Route[];
  /** Upper bound of each path in the 31-bit hash space (Linux fib_rebalance: nh_upper_bound). */
  readonly bounds: number[];
}

/** Where the IP layer is in its path, for hooks. */
export type HookPoint = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

/** What a hook sees. */
export interface HookContext {
  readonly point: HookPoint;
  /**
   * The frame the packet is known as so far (null for a locally generated
   * packet not yet on a wire). Host.rewrite() replaces it with the rewritten
   * frame, so lineage runs received -> rewritten -> sent.
   */
  frame: Frame | null;
  readonly inIface: Iface | null;
  readonly outIface: Iface | null;
}

/**
 * A netfilter-like hook. It returns the packet to continue with (the same
 * value, or a rewritten one made through Host.rewrite(), which traces it),
 * or null when it took the packet (dropped or consumed it; the hook traces
 * that too).
 */
export type Hook = (ip: Ipv4, ctx: HookContext) => Ipv4 | null;

/** Options of a host. */
export interface HostOptions {
  /** Sysctls to set, by Linux name. */
  readonly sysctls?: Readonly<Record<string, number>>;
}

/** Event kind of a host's timers: a neighbour entry's ARP timer fired (a = the Neigh). */
export const EV_NEIGH = 1;
/** Event kind: a packet sent to the host itself arrives on lo (a = the Frame). */
export const EV_LOOPBACK = 2;
/** Event kind: a deferred call is due (a = the Deferred). */
export const EV_CALL = 3;

/** A deferred call: an object with a method run when its timer fires. */
export interface Deferred {
  run(): void;
}

/**
 * Something a host runs that dies with it and starts again when it boots:
 * an application, a health checker. Its timers are cancelled by the host
 * (every pending event of `targets()`); `halt` forgets its own state without
 * touching a socket (they are gone), `boot` starts it as a fresh process.
 * Services (servers, health checkers) have `boot`: init starts them again;
 * client commands (curl, ping, dig) have none: nothing runs them again.
 */
export interface HostProcess {
  /** The process as the trace names it ("http-server web1:80"). */
  readonly label: string;
  /** The event targets whose pending timers die with the host. */
  targets(): readonly EventTarget[];
  /** The host lost power: forget in-flight work (the sockets already vanished). */
  halt(): void;
  /** The host booted again: start as a new process would (services only). */
  boot?(): void;
}

/** The state, configuration and routing of a host; Host (host.ts) is the class to use. */
export abstract class HostCore implements NetNode, EventTarget, StackHost {
  readonly ifaces: Iface[] = [];
  /** The loopback interface (127.0.0.1/8 and any aliases such as a VIP). */
  readonly lo: Iface;
  readonly routes: Route[] = [];
  readonly sysctl = new Sysctls();
  readonly udp: UdpStack;
  /** The TCP layer (listeners and connections), registered as the handler of protocol 6. */
  readonly tcp: TcpStack;
  readonly label: string;
  /** Handlers for IP protocols other than ICMP and UDP (TCP registers itself as 6). */
  readonly protos = new Map<number, ProtoHandler>();
  /** Netfilter-like hooks in registration order. */
  readonly hooks: Record<HookPoint, Hook[]> = { prerouting: [], input: [], forward: [], output: [], postrouting: [] };
  /** The neighbour table: key is iface index * 2^32 + IPv4 address. */
  readonly neigh = new Map<number, Neigh>();
  /** Route exceptions learned from ICMP redirects: destination -> gateway. */
  readonly redirects = new Map<Ipv4Addr, Ipv4Addr>();
  /** Random stream of this host (ephemeral ports, reachable time, IP ids). */
  readonly rng: Rng;
  /** Echo replies and errors received, for ping apps: id -> handler. */
  readonly pingHandlers = new Map<number, (icmp: Icmp, ip: Ipv4) => void>();
  protected readonly icmpPeers = new Map<Ipv4Addr, { tokens: number; last: number }>();
  protected readonly redirectPeers = new Map<Ipv4Addr, { tokens: number; last: number; count: number }>();
  protected readonly ipIds = new Map<number, number>();
  protected reachableMs: number;
  /** What the host runs, in start order (halted on a power cut, booted again in this order). */
  readonly processes: HostProcess[] = [];
  /** False while the host is powered off (a `fail` in the timeline). */
  powered = true;
  /** How many times the host booted again after a power cut. */
  boots = 0;

  /** Creates a host; add interfaces with `addIface`. */
  constructor(
    readonly net: Network,
    readonly name: string,
    readonly kind: NodeKind = 'host',
    opts: HostOptions = {},
  ) {
    this.label = `${kind} ${name}`;
    this.rng = net.sim.stream(`host:${name}`);
    this.lo = new Iface(this, 'lo', 0);
    this.lo.addrs.push({ addr: 0x7f000001, len: 8 });
    this.udp = new UdpStack(this);
    this.tcp = new TcpStack(this);
    this.protos.set(IPPROTO.TCP, this.tcp);
    if (kind === 'router' || kind === 'gateway') this.sysctl.set('net.ipv4.ip_forward', 1);
    for (const [k, v] of Object.entries(opts.sysctls ?? {})) this.sysctl.set(k, v);
    // Linux: reachable_time is base_reachable_time randomised to [0.5, 1.5) of it.
    this.reachableMs = Math.floor(NEIGH_DEFAULTS.baseReachableMs * (0.5 + this.rng.float()));
  }

  // ---------------------------------------------------------------- configuration

  /** Adds an Ethernet interface with an automatically assigned MAC unless given. */
  addIface(name: string, mac?: MacAddr): Iface {
    if (name === 'lo' || this.ifaces.some((i) => i.name === name)) throw new Error(`${this.name} already has an interface ${name}`);
    const i = new Iface(this, name, mac ?? this.net.allocMac());
    this.ifaces.push(i);
    return i;
  }

  /** The interface with this name (lo included), or null. */
  iface(name: string): Iface | null {
    if (name === 'lo') return this.lo;
    for (const i of this.ifaces) if (i.name === name) return i;
    return null;
  }

  /** Adds an address to an interface and, like Linux, the connected route of its subnet (none for /32 on lo). */
  addAddress(iface: Iface, addr: Ipv4Addr, len: number): void {
    iface.addrs.push({ addr, len });
    if (iface !== this.lo && len < 32) {
      this.addRoute({ prefix: networkOf(addr, len), len, via: null, iface, metric: 0, src: addr, proto: 'kernel' });
    }
  }

  /** Multipath routes' prepared paths. */
  protected readonly multipath = new Map<Route, Multipath>();

  /** Adds a route; routes are kept ordered by prefix length (longest first), then metric. */
  addRoute(r: Route): void {
    if (r.nexthops && r.nexthops.length > 0) {
      // Linux fib_rebalance: each next hop owns a slice of the 31-bit hash space in proportion to its weight.
      const total = r.nexthops.reduce((a, n) => a + (n.weight ?? 1), 0);
      let acc = 0;
      const bounds: number[] = [];
      const paths: Route[] = [];
      for (const n of r.nexthops) {
        acc += n.weight ?? 1;
        bounds.push(Math.round((acc * 2 ** 31) / total) - 1);
        paths.push({ prefix: r.prefix, len: r.len, via: n.via, iface: n.iface, metric: r.metric, src: r.src, proto: r.proto });
      }
      r = { ...r, via: r.nexthops[0]!.via, iface: r.nexthops[0]!.iface };
      this.multipath.set(r, { paths, bounds });
    }
    this.routes.push(r);
    this.routes.sort((a, b) => b.len - a.len || a.metric - b.metric);
    const added = r;
    this.net.trace.state(this.name, { what: 'route', prefix: added.prefix, len: added.len, via: added.via, iface: added.iface.name, op: 'add' }, () =>
      added.nexthops
        ? `${this.name} adds route ${fmtIp(added.prefix)}/${added.len} over ${added.nexthops.map((n) => `${fmtIp(n.via)} dev ${n.iface.name} weight ${n.weight ?? 1}`).join(', ')} (ECMP)`
        : `${this.name} adds route ${fmtIp(added.prefix)}/${added.len}${added.via !== null ? ` via ${fmtIp(added.via)}` : ''} dev ${added.iface.name}`,
    );
  }

  /** Adds a default route through a gateway; the output interface is the one whose subnet holds the gateway. */
  addDefaultRoute(via: Ipv4Addr, metric = 0): void {
    const r = this.lookupConnected(via);
    if (!r) throw new Error(`${this.name}: gateway ${fmtIp(via)} is not on a connected subnet`);
    this.addRoute({ prefix: 0, len: 0, via, iface: r.iface, metric, src: null, proto: 'static' });
  }

  protected lookupConnected(a: Ipv4Addr): Route | null {
    for (const r of this.routes) if (r.via === null && inPrefix(a, r.prefix, r.len)) return r;
    return null;
  }

  /** True when forwarding is on for packets arriving on `iface`. */
  forwarding(iface: Iface): boolean {
    return this.sysctl.conf(iface.name, 'forwarding') === 1 || this.sysctl.get('net.ipv4.ip_forward') === 1;
  }

  // ---------------------------------------------------------------- addresses and routing

  /** True when `a` is one of this host's addresses (on any interface, lo included: the weak host model). */
  isLocal(a: Ipv4Addr): boolean {
    if (a >>> 24 === 127) return true;
    if (this.lo.hasAddr(a)) return true;
    const xs = this.ifaces;
    for (let i = 0; i < xs.length; i++) if (xs[i]!.hasAddr(a)) return true;
    return false;
  }

  /** True when `a` is a broadcast address for this host (limited, or directed on a connected subnet). */
  isBroadcast(a: Ipv4Addr): boolean {
    if (a === 0xffffffff) return true;
    for (const i of this.ifaces) for (const x of i.addrs) if (x.len < 31 && broadcastOf(x.addr, x.len) === a) return true;
    return false;
  }

  /**
   * Longest-prefix match (a redirect exception overrides the gateway of its
   * destination). For a multipath route, `src` chooses the path by the L3
   * flow hash, so every packet of a flow takes the same one.
   */
  lookup(dst: Ipv4Addr, src: Ipv4Addr = 0): Route | null {
    const rs = this.routes;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      if (r.len === 0 || ((dst ^ r.prefix) & maskOf(r.len)) === 0) {
        if (!r.iface.up) continue;
        if (this.redirects.size > 0) {
          const gw = this.redirects.get(dst);
          if (gw !== undefined) return { ...r, via: gw, proto: 'redirect' };
        }
        if (r.nexthops) return this.pickPath(r, src, dst);
        return r;
      }
    }
    return null;
  }

  /** The path of a multipath route that a flow from `src` to `dst` takes (Linux fib_select_multipath). */
  protected pickPath(r: Route, src: Ipv4Addr, dst: Ipv4Addr): Route {
    const mp = this.multipath.get(r)!;
    const h = hashL3(src, dst) >>> 1;
    for (let i = 0; i < mp.bounds.length; i++) if (h <= mp.bounds[i]! && mp.paths[i]!.iface.up) return mp.paths[i]!;
    for (const p of mp.paths) if (p.iface.up) return p;
    return r;
  }

  /**
   * The source address for packets to `dst` leaving through `route` (Linux
   * inet_select_addr): the route's preferred source, else the primary
   * address of the output interface in the subnet of the next hop, else its
   * primary address, else any address of the host.
   */
  sourceFor(route: Route, dst: Ipv4Addr): Ipv4Addr | null {
    if (route.src !== null) return route.src;
    const hop = route.via ?? dst;
    const own = route.iface.addrs;
    for (const a of own) if (inPrefix(hop, a.addr, a.len)) return a.addr;
    if (own.length > 0) return own[0]!.addr;
    for (const i of this.ifaces) if (i.addrs.length > 0) return i.addrs[0]!.addr;
    for (const a of this.lo.addrs) if (a.addr >>> 24 !== 127) return a.addr;
    return null;
  }

  /** The source a local socket would use to reach `dst`, or null when there is no route. */
  sourceTo(dst: Ipv4Addr): Ipv4Addr | null {
    if (this.isLocal(dst)) return dst;
    const r = this.lookup(dst);
    return r ? this.sourceFor(r, dst) : null;
  }

  /**
   * The IP id of a locally generated packet from a socket that is not
   * connected (Linux __ip_select_ident): a counter per (destination,
   * protocol) from a seeded start, like the kernel's hashed id generators,
   * whether or not DF is set (captured on Linux 6.18: fixtures/README.md).
   * Connected TCP sockets keep their own counter and the TCP control paths
   * (SYN-ACK, RST) send 0; they pass their id explicitly.
   */
  nextIpId(dst: Ipv4Addr, proto: number): number {
    const key = dst * 256 + proto;
    let v = this.ipIds.get(key);
    if (v === undefined) v = this.rng.int(65536);
    this.ipIds.set(key, (v + 1) & 0xffff);
    return v;
  }

  // ---------------------------------------------------------------- multicast and extra MACs

  /** Multicast groups joined per interface (Linux: every interface is in 224.0.0.1, all-hosts). */
  protected readonly groups = new Map<Iface, Set<Ipv4Addr>>();
  /** Unicast MACs an interface accepts besides its own (a macvlan on it, such as a VRRP virtual MAC). */
  protected readonly extraMacs = new Map<Iface, MacAddr[]>();
  /** Addresses answered in ARP with another MAC than their interface's (an address on a macvlan). */
  readonly addrMacs = new Map<Ipv4Addr, MacAddr>();
  /** Addresses a VRRP instance moves between hosts: services and proxies on them leave adding them to it (only the master holds them). */
  readonly floating = new Set<Ipv4Addr>();

  /** Joins a multicast group on an interface (IP_ADD_MEMBERSHIP; the MAC filter follows, RFC 1112 6.4). */
  joinGroup(iface: Iface, group: Ipv4Addr): void {
    let g = this.groups.get(iface);
    if (!g) this.groups.set(iface, (g = new Set()));
    g.add(group);
  }

  /** Leaves a multicast group on an interface. */
  leaveGroup(iface: Iface, group: Ipv4Addr): void {
    this.groups.get(iface)?.delete(group);
  }

  /** True when `iface` has joined `group` (224.0.0.1 always). */
  inGroup(iface: Iface, group: Ipv4Addr): boolean {
    return group === 0xe0000001 || this.groups.get(iface)?.has(group) === true;
  }

  /** Adds a unicast MAC the interface accepts (a macvlan's address on top of it). */
  addMacAddress(iface: Iface, mac: MacAddr): void {
    const xs = this.extraMacs.get(iface) ?? [];
    if (!xs.includes(mac)) xs.push(mac);
    this.extraMacs.set(iface, xs);
  }

  /** Removes a MAC added with addMacAddress. */
  delMacAddress(iface: Iface, mac: MacAddr): void {
    const xs = this.extraMacs.get(iface);
    if (xs) this.extraMacs.set(iface, xs.filter((m) => m !== mac));
  }

  /** The NIC's multicast filter: the MAC of a joined group (RFC 1112 6.4 mapping), all-hosts included. */
  protected mcastMacJoined(iface: Iface, mac: MacAddr): boolean {
    if (mac === 0x01005e000001) return true;
    const g = this.groups.get(iface);
    if (!g) return false;
    for (const a of g) if (0x01005e000000 + (a & 0x7fffff) === mac) return true;
    return false;
  }

  protected hasExtraMac(iface: Iface, mac: MacAddr): boolean {
    if (this.extraMacs.size === 0) return false;
    const xs = this.extraMacs.get(iface);
    return xs !== undefined && xs.includes(mac);
  }

  /**
   * Sends a locally made packet to an IPv4 multicast group out of `iface`
   * (IP_MULTICAST_IF): no route lookup and no ARP, the destination MAC is
   * the group's (RFC 1112 6.4: 01:00:5e and the group's low 23 bits).
   */
  sendMulticast(iface: Iface, ip: Ipv4, srcMac: MacAddr = iface.mac): void {
    const mac = 0x01005e000000 + (ip.dst & 0x7fffff);
    iface.send(this.net.trace.frame(ethernet(mac, srcMac, ip)));
  }

  /** Adds a loopback alias (for a VIP on lo: `ip addr add VIP/32 dev lo`). */
  addLoopbackAddress(addr: Ipv4Addr, len = 32): void {
    this.addAddress(this.lo, addr, len);
  }

  // ---------------------------------------------------------------- hooks

  /** The frame the last hooks left the packet in (HookContext.frame after they ran). */
  protected lastHookFrame: Frame | null = null;

  /** Runs the hooks of one point in registration order; null when one of them took the packet. */
  protected runHooks(point: HookPoint, ip: Ipv4, frame: Frame | null, inIface: Iface | null, outIface: Iface | null): Ipv4 | null {
    const hs = this.hooks[point];
    const ctx: HookContext = { point, frame, inIface, outIface };
    let cur: Ipv4 | null = ip;
    for (let i = 0; i < hs.length && cur !== null; i++) cur = hs[i]!(cur, ctx);
    this.lastHookFrame = ctx.frame;
    return cur;
  }

  /** The frame a packet is known as after the hooks that just ran (wrapping it if a hook changed it without Host.rewrite). */
  protected hookFrame(f: Frame, ip: Ipv4): Frame {
    const h = this.lastHookFrame;
    if (h && h.eth.payload === ip) return h;
    if (f.eth.payload === ip) return f;
    return this.net.trace.frame({ ...f.eth, payload: ip }, h ?? f);
  }

  // ---------------------------------------------------------------- floors above (host-icmp.ts, host.ts)

  /** Handles the host's timer events (host.ts). */
  abstract onEvent(kind: number, a: unknown, b: unknown): void;
  /** Names an event kind for the budget message (host.ts). */
  abstract kindName(kind: number): string;
  /** Handles a frame that arrived on one of its interfaces (host.ts). */
  abstract receive(iface: Iface, frame: Frame): void;
  /** Told when the link of one of its interfaces goes up or down (host.ts). */
  abstract linkChanged(iface: Iface, up: boolean): void;
  /** Builds and sends a packet from a local protocol (host.ts). */
  abstract sendPayload(src: Ipv4Addr, dst: Ipv4Addr, payload: Ipv4['payload'], opts?: SendOptions): SendResult;
  /** Sends an ICMP error about `orig` (host-icmp.ts). */
  abstract icmpError(orig: Ipv4, type: number, code: number, rest: number, parent: Frame | null, isRedirect?: boolean): void;
}

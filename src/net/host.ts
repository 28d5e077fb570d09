/**
 * The IPv4 stack of a host, modelled on the Linux kernel: interfaces with
 * addresses (and loopback aliases such as a VIP on lo), a routing table with
 * longest-prefix match, the ARP neighbour table, ICMP (echo, errors with
 * rate limiting, redirects), UDP sockets, netfilter-like hooks, and the
 * sysctls that decide the classic load-balancer failures. A router and a NAT
 * gateway are hosts with forwarding on; the load balancer builds on it too.
 *
 * Receive path, all inside the arrival event (as in a softirq):
 *   frame -> L2 filter -> ARP | IPv4 -> checksum, martian, PREROUTING hooks
 *     -> local? INPUT hooks -> ICMP | UDP | TCP | IPIP | protocol unreachable
 *     -> else forwarding? FORWARD hooks -> TTL -> redirect? -> route -> POSTROUTING -> neighbour -> link
 */
import { fmtIp, fmtMac, inPrefix, isMulticastMac, maskOf, networkOf, broadcastOf } from '../wire/addr.js';
import { arp as mkArp, ethernet, icmp as mkIcmp, ipv4 as mkIpv4 } from '../wire/build.js';
import { ipv4Checksum, ipv4TotalLength } from '../wire/checksum.js';
import { encodeIpv4 } from '../wire/encode.js';
import { withTtl } from '../wire/rewrite.js';
import type { Arp, Icmp, Ipv4, Ipv4Addr, MacAddr } from '../wire/types.js';
import { ARP_OP, ICMP_TYPE, ICMP_UNREACH, IPPROTO, IP_FLAG, MAC_BROADCAST } from '../wire/types.js';
import type { EventTarget } from '../sim/sim.js';
import type { Rng } from '../sim/rng.js';
import { MS, SEC } from '../sim/time.js';
import type { Frame } from '../trace/events.js';
import { Iface } from './iface.js';
import { Neigh, NEIGH_DEFAULTS, neighText } from './neigh.js';
import type { Network } from './network.js';
import type { NetNode, NodeKind } from './node.js';
import { Sysctls } from './sysctl.js';
import type { ProtoHandler, SendOptions, SendResult, StackHost } from './stack-host.js';
import { UdpStack } from './udp.js';
import { TcpStack } from './tcp.js';
import { hashL3 } from './flow-hash.js';

export type { ProtoHandler, SendResult } from './stack-host.js';

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

/** Event kinds of a host's own timers. */
const EV_NEIGH = 1;
const EV_LOOPBACK = 2;
const EV_CALL = 3;

/** A deferred call: an object with a method run when its timer fires. */
export interface Deferred {
  run(): void;
}

/** A Linux-faithful IPv4 host (and, with forwarding on, router). */
export class Host implements NetNode, EventTarget, StackHost {
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
  private readonly icmpPeers = new Map<Ipv4Addr, { tokens: number; last: number }>();
  private readonly redirectPeers = new Map<Ipv4Addr, { tokens: number; last: number; count: number }>();
  private readonly ipIds = new Map<number, number>();
  private reachableMs: number;

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
  private readonly multipath = new Map<Route, Multipath>();

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

  private lookupConnected(a: Ipv4Addr): Route | null {
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
  private pickPath(r: Route, src: Ipv4Addr, dst: Ipv4Addr): Route {
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

  // ---------------------------------------------------------------- events

  onEvent(kind: number, a: unknown, b: unknown): void {
    switch (kind) {
      case EV_NEIGH:
        this.neighTimer(a as Neigh);
        break;
      case EV_LOOPBACK:
        this.ipReceive(this.lo, a as Frame, (a as Frame).eth.payload as Ipv4);
        break;
      case EV_CALL:
        (a as Deferred).run();
        break;
      default:
        void b;
    }
  }

  kindName(kind: number): string {
    return kind === EV_NEIGH ? 'ARP timer' : kind === EV_LOOPBACK ? 'loopback delivery' : 'deferred call';
  }

  /** Runs `d.run()` after `delay` ns (a cancellable timer owned by this host). */
  defer(delay: number, d: Deferred) {
    return this.net.sim.timer(delay, this, EV_CALL, d);
  }

  linkChanged(iface: Iface, up: boolean): void {
    this.net.trace.state(this.name, { what: 'iface', iface: iface.name, up }, () => `${iface.label} carrier ${up ? 'up' : 'down'}`);
  }

  // ---------------------------------------------------------------- receive path

  receive(iface: Iface, frame: Frame): void {
    const eth = frame.eth;
    const trace = this.net.trace;
    if (eth.dst !== iface.mac && eth.dst !== MAC_BROADCAST && (isMulticastMac(eth.dst) ? !this.mcastMacJoined(iface, eth.dst) : !this.hasExtraMac(iface, eth.dst))) {
      trace.drop(this.name, iface.name, frame, 'not-for-me', () => `${iface.label} (${fmtMac(iface.mac)}) ignores a frame for ${fmtMac(eth.dst)}`);
      return;
    }
    if (eth.vlan !== null) {
      trace.drop(this.name, iface.name, frame, 'vlan-mismatch', () => `${iface.label} has no VLAN ${eth.vlan!.vid} sub-interface`);
      return;
    }
    const p = eth.payload;
    switch (p.kind) {
      case 'arp':
        this.arpInput(iface, frame, p);
        return;
      case 'ipv4':
        this.ipReceive(iface, frame, p);
        return;
      case 'raw':
        trace.drop(this.name, iface.name, frame, 'decode-error', () => `${this.name} does not handle EtherType 0x${eth.type.toString(16).padStart(4, '0')}`);
        return;
    }
  }

  /** IPv4 input (ip_rcv + ip_route_input): checks, PREROUTING, then local delivery or forwarding. */
  ipReceive(iface: Iface, frame: Frame, ip0: Ipv4): void {
    const trace = this.net.trace;
    if (ip0.checksum !== ipv4Checksum(ip0)) {
      trace.drop(this.name, iface.name, frame, 'bad-checksum', () => `the IPv4 header checksum 0x${ip0.checksum.toString(16)} is wrong; ${this.name} discards the packet`);
      return;
    }
    const src = ip0.src;
    // Linux ip_route_input_slow: broadcast, multicast, loopback or own addresses as source are martians.
    if (iface !== this.lo && (src === 0xffffffff || src >>> 28 === 0xe || src >>> 24 === 127 || (this.isLocal(src) && !this.sysctl.conf(iface.name, 'accept_local')))) {
      trace.drop(this.name, iface.name, frame, 'martian-source', () => `${this.name} drops a packet from ${fmtIp(src)}: a source that cannot arrive on ${iface.name} (martian)`);
      return;
    }
    let ip: Ipv4 | null = ip0;
    let f = frame;
    if (this.hooks.prerouting.length > 0) {
      ip = this.runHooks('prerouting', ip, f, iface, null);
      if (ip === null) return;
      f = this.hookFrame(f, ip);
    }
    const dst = ip.dst;
    if (dst >>> 28 === 0xe && iface !== this.lo && !this.inGroup(iface, dst)) {
      // Linux ip_route_input_mc / ip_check_mc_rcu: a group this interface has not joined is not delivered.
      trace.drop(this.name, iface.name, f, 'mcast-not-member', () => `${iface.label} has not joined the multicast group ${fmtIp(dst)}; the packet is discarded`);
      return;
    }
    if (this.isLocal(dst) || this.isBroadcast(dst) || dst >>> 28 === 0xe) {
      if (!this.rpFilterOk(iface, ip, f)) return;
      this.localDeliver(iface, f, ip);
      return;
    }
    if (!this.forwarding(iface)) {
      trace.drop(this.name, iface.name, f, 'ip-forward-off', () => `${fmtIp(dst)} is not an address of ${this.name}, and IP forwarding is off (net.ipv4.ip_forward=0), so it is dropped silently`);
      return;
    }
    if (!this.rpFilterOk(iface, ip, f)) return;
    this.forward(iface, f, ip);
  }

  /** Reverse path filter (Linux fib_validate_source): 1 strict, 2 loose, 0 off. */
  private rpFilterOk(iface: Iface, ip: Ipv4, frame: Frame): boolean {
    if (iface === this.lo) return true;
    const mode = this.sysctl.conf(iface.name, 'rp_filter');
    if (mode === 0) return true;
    const back = this.lookup(ip.src);
    const ok = mode === 1 ? back !== null && back.iface === iface : back !== null;
    if (!ok) {
      this.net.trace.drop(this.name, iface.name, frame, 'rp-filter', () =>
        mode === 1
          ? `rp_filter=1 (strict): ${this.name} would reach ${fmtIp(ip.src)} through ${back ? back.iface.name : 'no interface'}, not ${iface.name}, so the packet is dropped`
          : `rp_filter=2 (loose): ${this.name} has no route back to ${fmtIp(ip.src)}, so the packet is dropped`,
      );
    }
    return ok;
  }

  private lastHookFrame: Frame | null = null;

  private runHooks(point: HookPoint, ip: Ipv4, frame: Frame | null, inIface: Iface | null, outIface: Iface | null): Ipv4 | null {
    const hs = this.hooks[point];
    const ctx: HookContext = { point, frame, inIface, outIface };
    let cur: Ipv4 | null = ip;
    for (let i = 0; i < hs.length && cur !== null; i++) cur = hs[i]!(cur, ctx);
    this.lastHookFrame = ctx.frame;
    return cur;
  }

  /** The frame a packet is known as after the hooks that just ran (wrapping it if a hook changed it without Host.rewrite). */
  private hookFrame(f: Frame, ip: Ipv4): Frame {
    const h = this.lastHookFrame;
    if (h && h.eth.payload === ip) return h;
    if (f.eth.payload === ip) return f;
    return this.net.trace.frame({ ...f.eth, payload: ip }, h ?? f);
  }

  /**
   * Rewrites a packet inside a hook and traces it: the frame before, the
   * frame after (its child in the lineage), the stable reason code and the
   * sentence. Returns `after` for the hook to return.
   */
  rewrite(ctx: HookContext, before: Ipv4, after: Ipv4, code: string, why: () => string): Ipv4 {
    const trace = this.net.trace;
    const cf = ctx.frame;
    // A forwarded packet reaches POSTROUTING with its TTL already decremented: show that version as "before".
    const bf = cf === null ? trace.frame(ethernet(0, 0, before)) : cf.eth.payload === before ? cf : trace.frame({ ...cf.eth, payload: before }, cf);
    const af = trace.frame({ ...bf.eth, payload: after }, bf);
    trace.rewrite(this.name, bf, af, code, why);
    ctx.frame = af;
    return after;
  }

  /** Delivers a packet addressed to this host to its protocol (ip_local_deliver). */
  private localDeliver(iface: Iface, frame: Frame, ip0: Ipv4): void {
    let ip: Ipv4 | null = ip0;
    let f = frame;
    const trace = this.net.trace;
    if (this.hooks.input.length > 0) {
      ip = this.runHooks('input', ip0, frame, iface, null);
      if (ip === null) return;
      f = this.hookFrame(f, ip);
    }
    const p = ip.payload;
    switch (p.kind) {
      case 'icmp':
        this.icmpInput(iface, f, ip, p);
        return;
      case 'udp':
        this.udp.input(iface, f, ip, p);
        return;
      default: {
        const h = this.protos.get(ip.proto);
        if (h) {
          h.input(ip, f, iface);
          return;
        }
        trace.drop(this.name, iface.name, f, 'ip-proto-unreachable', () => `${this.name} has no handler for IP protocol ${ip!.proto}; it answers ICMP protocol unreachable`);
        if (!this.isBroadcast(ip.dst)) this.icmpError(ip, ICMP_TYPE.DEST_UNREACH, ICMP_UNREACH.PROTOCOL, 0, f);
      }
    }
  }

  // ---------------------------------------------------------------- forwarding

  /** Forwards a packet that is not for this host (ip_forward). */
  private forward(inIface: Iface, frame: Frame, ip0: Ipv4): void {
    const trace = this.net.trace;
    let ip: Ipv4 | null = ip0;
    let f = frame;
    if (this.hooks.forward.length > 0) {
      ip = this.runHooks('forward', ip0, frame, inIface, null);
      if (ip === null) return;
      f = this.hookFrame(f, ip);
    }
    if (ip.ttl <= 1) {
      trace.drop(this.name, inIface.name, f, 'ttl-exceeded', () => `the TTL of the packet to ${fmtIp(ip!.dst)} runs out at ${this.name}; it answers ICMP time exceeded`);
      this.icmpError(ip, ICMP_TYPE.TIME_EXCEEDED, 0, 0, f);
      return;
    }
    const route = this.lookup(ip.dst, ip.src);
    if (!route) {
      trace.drop(this.name, inIface.name, f, 'no-route', () => `${this.name} has no route to ${fmtIp(ip!.dst)}; it answers ICMP network unreachable`);
      this.icmpError(ip, ICMP_TYPE.DEST_UNREACH, ICMP_UNREACH.NET, 0, f);
      return;
    }
    const nextHop = route.via ?? ip.dst;
    // Linux ip_forward: back out of the interface it came in on, to a source on that link -> ICMP redirect.
    if (route.iface === inIface && this.sysctl.conf(inIface.name, 'send_redirects') && this.onLink(inIface, ip.src) && this.redirectAllowed(ip, f)) {
      this.maybeRedirect(ip, nextHop, f);
    }
    const out = withTtl(ip, ip.ttl - 1);
    this.output(route, nextHop, out, f, inIface);
  }

  private onLink(iface: Iface, a: Ipv4Addr): boolean {
    for (const x of iface.addrs) if (inPrefix(a, x.addr, x.len)) return true;
    return false;
  }

  /** Sends an ICMP redirect, rate-limited as Linux ip_rt_send_redirect (9 at most, with exponential back-off from 20 ms). */
  /**
   * Whether a redirect may be sent about this forwarded packet. A node
   * doing NAT overrides it: Linux drops the redirects that concern a NATed
   * connection, so they never reach the wire.
   */
  protected redirectAllowed(_ip: Ipv4, _frame: Frame): boolean {
    return true;
  }

  private maybeRedirect(ip: Ipv4, gw: Ipv4Addr, frame: Frame): void {
    const now = this.net.sim.now;
    let peer = this.redirectPeers.get(ip.src);
    if (!peer) {
      peer = { tokens: 0, last: 0, count: 0 };
      this.redirectPeers.set(ip.src, peer);
    }
    // Linux: after ip_rt_redirect_silence (20 ms << 10) without redirects the counter resets.
    if (now - peer.last > 20 * MS * 1024) peer.tokens = 0;
    if (peer.tokens >= 9) return; // ip_rt_redirect_number
    if (peer.tokens > 0 && now < peer.last + 20 * MS * 2 ** peer.tokens) return;
    peer.tokens++;
    peer.last = now;
    peer.count++;
    this.icmpError(ip, ICMP_TYPE.REDIRECT, 1, gw, frame, true);
  }

  /**
   * POSTROUTING and the neighbour layer: sends `ip` toward `nextHop` through
   * `route.iface`. `parent` is the frame it came from (forwarding) or null.
   */
  output(route: Route, nextHop: Ipv4Addr, ip0: Ipv4, parent: Frame | null, inIface: Iface | null = null, srcMac = -1): SendResult {
    let ip: Ipv4 | null = ip0;
    const iface = route.iface;
    if (this.hooks.postrouting.length > 0) {
      ip = this.runHooks('postrouting', ip0, parent, inIface, iface);
      if (ip === null) return 'dropped';
      if (ip !== ip0) parent = this.lastHookFrame;
    }
    if (iface === this.lo) {
      this.loopback(ip, parent);
      return 'sent';
    }
    if (ip.dst === 0xffffffff || this.isBroadcastOn(iface, ip.dst)) {
      this.sendFrame(iface, MAC_BROADCAST, ip, parent, inIface, srcMac);
      return 'sent';
    }
    return this.neighOutput(iface, nextHop, ip, parent, inIface, srcMac);
  }

  private isBroadcastOn(iface: Iface, a: Ipv4Addr): boolean {
    for (const x of iface.addrs) if (x.len < 31 && broadcastOf(x.addr, x.len) === a) return true;
    return false;
  }

  private sendFrame(iface: Iface, dstMac: MacAddr, ip: Ipv4, parent: Frame | null, inIface: Iface | null, srcMac = -1): void {
    const trace = this.net.trace;
    const f = trace.frame(ethernet(dstMac, srcMac < 0 ? iface.mac : srcMac, ip), parent);
    if (parent && inIface) {
      trace.forward(this.name, inIface.name, iface.name, f, 'route');
    }
    iface.send(f);
  }

  private loopback(ip: Ipv4, parent: Frame | null): void {
    const f = this.net.trace.frame(ethernet(0, 0, ip), parent);
    this.net.sim.post(0, this, EV_LOOPBACK, f);
  }

  /**
   * Sends a locally generated packet: route lookup, OUTPUT hooks, then
   * output. `ip.src` must already be chosen (transport checksums cover it);
   * use sourceTo(dst) first.
   */
  sendIp(ip0: Ipv4): SendResult {
    const trace = this.net.trace;
    let ip: Ipv4 | null = ip0;
    if (this.isLocal(ip0.dst)) {
      this.loopback(ip0, null);
      return 'sent';
    }
    const route = this.lookup(ip0.dst, ip0.src);
    if (!route) {
      trace.drop(this.name, null, null, 'no-route', () => `${this.name} has no route to ${fmtIp(ip0.dst)} (the application gets "Network is unreachable")`);
      return 'no-route';
    }
    let parent: Frame | null = null;
    if (this.hooks.output.length > 0) {
      ip = this.runHooks('output', ip0, null, null, route.iface);
      if (ip === null) return 'dropped';
      if (ip !== ip0) parent = this.lastHookFrame;
    }
    return this.output(route, route.via ?? ip.dst, ip, parent);
  }

  /** Builds and sends a packet from a local protocol, choosing id and DF the Linux way. */
  sendPayload(src: Ipv4Addr, dst: Ipv4Addr, payload: Ipv4['payload'], opts: SendOptions = {}): SendResult {
    const df = opts.df ?? true;
    const proto = payload.kind === 'tcp' ? IPPROTO.TCP : payload.kind === 'udp' ? IPPROTO.UDP : payload.kind === 'icmp' ? IPPROTO.ICMP : payload.kind === 'vrrp' ? IPPROTO.VRRP : IPPROTO.IPIP;
    const ip = mkIpv4(
      {
        src,
        dst,
        ttl: opts.ttl ?? this.sysctl.get('net.ipv4.ip_default_ttl'),
        tos: opts.tos ?? 0,
        id: opts.id ?? this.nextIpId(dst, proto),
        frag: df ? IP_FLAG.DF : 0,
      },
      payload,
    );
    return this.sendIp(ip);
  }

  // ---------------------------------------------------------------- ARP and neighbours

  private neighKey(iface: Iface, a: Ipv4Addr): number {
    return this.ifaces.indexOf(iface) * 4294967296 + a;
  }

  /** The neighbour entry for an address on an interface, or undefined. */
  neighbour(iface: Iface, a: Ipv4Addr): Neigh | undefined {
    return this.neigh.get(this.neighKey(iface, a));
  }

  /**
   * Adds a permanent neighbour entry, as `ip neigh add ADDR lladdr MAC dev IF
   * nud permanent`: used without ARP, never aged, never probed, and never
   * changed by ARP the host receives (Linux neigh_update refuses to touch
   * NUD_PERMANENT without NEIGH_UPDATE_F_ADMIN). Marked by `updated` and
   * `confirmed` = Infinity, so the staleness checks can never fire on it.
   */
  addPermanentNeighbour(iface: Iface, addr: Ipv4Addr, mac: MacAddr): void {
    const n = new Neigh(addr, iface);
    n.mac = mac;
    n.updated = n.confirmed = Infinity;
    this.neigh.set(this.neighKey(iface, addr), n);
    this.neighState(n, 'reachable');
  }

  private neighState(n: Neigh, state: Neigh['state']): void {
    n.state = state;
    this.net.trace.state(
      this.name,
      () => ({ what: 'arp', ip: n.ip, mac: state === 'incomplete' || state === 'failed' ? null : n.mac, state: state === 'delay' || state === 'probe' ? 'stale' : state, iface: n.iface.name }),
      () => neighText(this.name, n),
    );
  }

  private neighOutput(iface: Iface, nextHop: Ipv4Addr, ip: Ipv4, parent: Frame | null, inIface: Iface | null, srcMac: number): SendResult {
    const key = this.neighKey(iface, nextHop);
    let n = this.neigh.get(key);
    const now = this.net.sim.now;
    if (n && n.state !== 'incomplete' && n.state !== 'failed') {
      if (n.state === 'reachable' && now - n.confirmed > this.reachableMs * MS) this.neighState(n, 'stale');
      if (n.state === 'stale') {
        // Linux: the first use of a stale entry starts the delay timer.
        this.neighState(n, 'delay');
        n.timer = this.net.sim.timer(NEIGH_DEFAULTS.delayFirstProbeMs * MS, this, EV_NEIGH, n);
      }
      this.sendFrame(iface, n.mac, ip, parent, inIface, srcMac);
      return 'sent';
    }
    if (!n || n.state === 'failed') {
      n = new Neigh(nextHop, iface);
      this.neigh.set(key, n);
      n.queue.push({ ip, parent, inIface, srcMac });
      this.neighState(n, 'incomplete');
      n.probes = 0;
      this.solicit(n, ip.src, false);
      return 'queued';
    }
    if (n.queue.length >= NEIGH_DEFAULTS.unresQlen) {
      const old = n.queue.shift()!;
      this.net.trace.drop(this.name, iface.name, old.parent, 'arp-queue-full', () => `${this.name} still waits for ARP of ${fmtIp(nextHop)}; its queue is full and the oldest packet is dropped`);
    }
    n.queue.push({ ip, parent, inIface, srcMac });
    return 'queued';
  }

  /** Sends an ARP request for a neighbour (broadcast, or unicast when probing) and arms the retransmit timer. */
  private solicit(n: Neigh, pktSrc: Ipv4Addr | null, unicast: boolean): void {
    const iface = n.iface;
    const spa = this.arpSource(iface, n.ip, pktSrc);
    const req = mkArp(ARP_OP.REQUEST, iface.mac, spa, 0, n.ip);
    const f = this.net.trace.frame(ethernet(unicast ? n.mac : MAC_BROADCAST, iface.mac, req));
    n.probes++;
    iface.send(f);
    n.timer = this.net.sim.timer(NEIGH_DEFAULTS.retransMs * MS, this, EV_NEIGH, n);
  }

  /** The sender address of an ARP request (Linux arp_solicit with arp_announce). */
  private arpSource(iface: Iface, target: Ipv4Addr, pktSrc: Ipv4Addr | null): Ipv4Addr {
    const announce = this.sysctl.conf(iface.name, 'arp_announce');
    if (pktSrc !== null && this.isLocal(pktSrc)) {
      if (announce === 0) return pktSrc;
      if (announce === 1 && iface.addrs.some((a) => inPrefix(pktSrc, a.addr, a.len) && inPrefix(target, a.addr, a.len))) return pktSrc;
    }
    // arp_announce=2 (or no suitable packet source): the best address of the interface for the target.
    for (const a of iface.addrs) if (inPrefix(target, a.addr, a.len)) return a.addr;
    return iface.addrs[0]?.addr ?? 0;
  }

  private neighTimer(n: Neigh): void {
    n.timer = null;
    const key = this.neighKey(n.iface, n.ip);
    if (this.neigh.get(key) !== n) return;
    if (!n.iface.up) {
      // Linux neigh_ifdown() / neigh_carrier_down(): an interface that is down loses its entries; nothing is solicited through it.
      this.neigh.delete(key);
      for (const p of n.queue.splice(0)) this.net.trace.drop(this.name, n.iface.name, p.parent, 'link-down', () => `${n.iface.name} of ${this.name} is down; the packet to ${fmtIp(p.ip.dst)} that waited for ARP is discarded`);
      this.net.trace.state(this.name, () => ({ what: 'arp', ip: n.ip, mac: null, state: 'removed', iface: n.iface.name }), () => `${this.name} flushes its ARP entry for ${fmtIp(n.ip)}: ${n.iface.name} is down`);
      return;
    }
    switch (n.state) {
      case 'incomplete':
        if (n.probes < NEIGH_DEFAULTS.mcastSolicit) {
          this.solicit(n, null, false);
          return;
        }
        this.neighFailed(n);
        return;
      case 'delay':
        if (this.net.sim.now - n.confirmed < NEIGH_DEFAULTS.delayFirstProbeMs * MS) {
          this.neighState(n, 'reachable');
          return;
        }
        this.neighState(n, 'probe');
        n.probes = 0;
        this.solicit(n, null, true);
        return;
      case 'probe':
        if (n.probes < NEIGH_DEFAULTS.ucastSolicit) {
          this.solicit(n, null, true);
          return;
        }
        this.neighFailed(n);
        return;
      default:
        return;
    }
  }

  /** Resolution failed: drop what waited, each with ICMP host unreachable to its source (Linux arp_error_report). */
  private neighFailed(n: Neigh): void {
    this.neighState(n, 'failed');
    this.neigh.delete(this.neighKey(n.iface, n.ip));
    const q = n.queue;
    n.queue = [];
    for (const p of q) {
      this.net.trace.drop(this.name, n.iface.name, p.parent, 'arp-failed', () => `${fmtIp(n.ip)} did not answer ${NEIGH_DEFAULTS.mcastSolicit} ARP requests from ${this.name}; the packet to ${fmtIp(p.ip.dst)} is dropped with ICMP host unreachable`);
      this.icmpError(p.ip, ICMP_TYPE.DEST_UNREACH, ICMP_UNREACH.HOST, 0, p.parent);
    }
  }

  private arpInput(iface: Iface, frame: Frame, a: Arp): void {
    const trace = this.net.trace;
    const now = this.net.sim.now;
    const key = this.neighKey(iface, a.spa);
    let n = this.neigh.get(key);
    if (a.op === ARP_OP.REQUEST && this.arpShouldReply(iface, a)) {
      // An address on a macvlan (a VRRP virtual MAC) is answered with that interface's MAC.
      const mac = this.addrMacs.size > 0 ? (this.addrMacs.get(a.tpa) ?? iface.mac) : iface.mac;
      const rep = mkArp(ARP_OP.REPLY, mac, a.tpa, a.sha, a.spa);
      trace.deliver(this.name, () => `arp: ${fmtIp(a.tpa)} is-at ${fmtMac(mac)}`, frame);
      // Linux neigh_event_ns: answering a request also records the requester (as STALE).
      if (!n || n.state === 'failed') {
        n = new Neigh(a.spa, iface);
        n.mac = a.sha;
        n.updated = now;
        this.neigh.set(key, n);
        this.neighState(n, 'stale');
      } else if (n.state === 'incomplete') {
        this.neighResolved(n, a.sha, now);
      } else if (n.mac !== a.sha && now - n.updated >= NEIGH_DEFAULTS.locktimeMs * MS) {
        n.mac = a.sha;
        n.updated = now;
        this.neighState(n, 'stale');
      }
      iface.send(trace.frame(ethernet(a.sha, mac, rep)));
      return;
    }
    if (a.op === ARP_OP.REQUEST && !this.isLocal(a.tpa)) {
      trace.drop(this.name, iface.name, frame, 'arp-ignored', () => `${this.name} is not ${fmtIp(a.tpa)}; it ignores the ARP request`);
    } else if (a.op === ARP_OP.REQUEST && this.isLocal(a.spa) && !this.sysctl.conf(iface.name, 'accept_local')) {
      trace.drop(this.name, iface.name, frame, 'arp-ignored', () => `${fmtMac(a.sha)} asks for ${fmtIp(a.tpa)} from ${fmtIp(a.spa)}, an address of ${this.name} too (martian source): ${this.name} does not answer`);
    } else if (a.op === ARP_OP.REQUEST) {
      trace.drop(this.name, iface.name, frame, 'arp-ignored', () => `${this.name} owns ${fmtIp(a.tpa)} but arp_ignore=${this.sysctl.conf(iface.name, 'arp_ignore')} on ${iface.name} tells it not to answer`);
    }
    if (!n) return; // arp_accept=0: no new entries from unsolicited ARP
    if (n.updated === Infinity) return; // a permanent entry (addPermanentNeighbour): ARP never changes it
    if (n.state === 'incomplete') {
      this.neighResolved(n, a.sha, now);
      return;
    }
    if (n.mac === a.sha) {
      if (a.op === ARP_OP.REPLY) {
        n.confirmed = now;
        if (n.state !== 'reachable') this.neighState(n, 'reachable');
      }
      return;
    }
    // A different address for a known neighbour: only after locktime (the first answer wins),
    // unless it is a gratuitous ARP (sender = target), which Linux always lets override (is_garp).
    const garp = a.spa === a.tpa;
    if (!garp && now - n.updated < NEIGH_DEFAULTS.locktimeMs * MS) {
      trace.drop(this.name, iface.name, frame, 'arp-ignored', () => `${this.name} already learned ${fmtIp(a.spa)} at ${fmtMac(n!.mac)} less than a second ago (locktime); it ignores ${fmtMac(a.sha)}`);
      return;
    }
    n.mac = a.sha;
    n.updated = now;
    if (a.op === ARP_OP.REPLY) {
      n.confirmed = now;
      this.neighState(n, 'reachable');
    } else {
      this.neighState(n, 'stale');
    }
  }

  private neighResolved(n: Neigh, mac: MacAddr, now: number): void {
    n.mac = mac;
    n.updated = now;
    n.confirmed = now;
    this.net.sim.cancel(n.timer);
    n.timer = null;
    this.neighState(n, 'reachable');
    const q = n.queue;
    n.queue = [];
    for (const p of q) this.sendFrame(n.iface, mac, p.ip, p.parent, p.inIface, p.srcMac);
  }

  /** Whether to answer an ARP request (Linux arp_ignore, net/ipv4/arp.c arp_ignore()). */
  private arpShouldReply(iface: Iface, a: Arp): boolean {
    if (!this.isLocal(a.tpa) || a.tpa >>> 24 === 127) return false;
    // Linux arp_process: the request's input route (ip_route_input with the sender as source) fails when the
    // sender address is our own (fib_validate_source: martian source unless accept_local), so no reply is sent.
    if (this.isLocal(a.spa) && !this.sysctl.conf(iface.name, 'accept_local')) return false;
    const mode = this.sysctl.conf(iface.name, 'arp_ignore');
    switch (mode) {
      case 0: // reply for any local address, on any interface (lo included)
        return true;
      case 1: // only if the target address is configured on the incoming interface
        return iface.hasAddr(a.tpa);
      case 2: // ... and the sender is in the same subnet as that address
        return iface.addrs.some((x) => x.addr === a.tpa && inPrefix(a.spa, x.addr, x.len));
      default: // 3: scope host only; 8: never
        return false;
    }
  }

  /**
   * Sends a gratuitous ARP (a request for our own address) from `iface`,
   * from `mac` (default the interface's own; a VRRP virtual MAC for a
   * macvlan's address). `tha` is the target hardware address: 0 as the
   * kernel's arp_send would fill it, or ff:ff:ff:ff:ff:ff as keepalived sends.
   */
  gratuitousArp(iface: Iface, addr: Ipv4Addr, mac: MacAddr = iface.mac, tha: MacAddr = 0): void {
    const req = mkArp(ARP_OP.REQUEST, mac, addr, tha, addr);
    iface.send(this.net.trace.frame(ethernet(MAC_BROADCAST, mac, req)));
  }

  // ---------------------------------------------------------------- multicast and extra MACs

  /** Multicast groups joined per interface (Linux: every interface is in 224.0.0.1, all-hosts). */
  private readonly groups = new Map<Iface, Set<Ipv4Addr>>();
  /** Unicast MACs an interface accepts besides its own (a macvlan on it, such as a VRRP virtual MAC). */
  private readonly extraMacs = new Map<Iface, MacAddr[]>();
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
  private mcastMacJoined(iface: Iface, mac: MacAddr): boolean {
    if (mac === 0x01005e000001) return true;
    const g = this.groups.get(iface);
    if (!g) return false;
    for (const a of g) if (0x01005e000000 + (a & 0x7fffff) === mac) return true;
    return false;
  }

  private hasExtraMac(iface: Iface, mac: MacAddr): boolean {
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

  // ---------------------------------------------------------------- ICMP

  private icmpInput(iface: Iface, frame: Frame, ip: Ipv4, m: Icmp): void {
    const trace = this.net.trace;
    switch (m.type) {
      case ICMP_TYPE.ECHO_REQUEST: {
        if (this.sysctl.get('net.ipv4.icmp_echo_ignore_all') || (this.isBroadcast(ip.dst) && this.sysctl.get('net.ipv4.icmp_echo_ignore_broadcasts'))) {
          trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `${this.name} ignores echo requests to ${fmtIp(ip.dst)} (icmp_echo_ignore_*)`);
          return;
        }
        trace.deliver(this.name, 'icmp echo', frame);
        const src = this.isLocal(ip.dst) ? ip.dst : (this.sourceTo(ip.src) ?? ip.dst);
        const reply = mkIcmp(ICMP_TYPE.ECHO_REPLY, 0, m.rest, m.body);
        // Linux icmp_reply: the ICMP socket does not set DF, so the id comes from the id generator.
        this.sendPayload(src, ip.src, reply, { df: false, tos: ip.tos });
        return;
      }
      case ICMP_TYPE.ECHO_REPLY: {
        const h = this.pingHandlers.get(m.rest >>> 16);
        if (h) {
          trace.deliver(this.name, () => `ping id ${m.rest >>> 16}`, frame);
          h(m, ip);
        } else trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `${this.name} has no ping waiting for id ${m.rest >>> 16}`);
        return;
      }
      case ICMP_TYPE.DEST_UNREACH:
      case ICMP_TYPE.TIME_EXCEEDED:
        this.icmpErrorInput(iface, frame, ip, m);
        return;
      case ICMP_TYPE.REDIRECT:
        this.redirectInput(iface, frame, ip, m);
        return;
      default:
        trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `${this.name} ignores ICMP type ${m.type}`);
    }
  }

  /** Hands an ICMP error to the protocol of the quoted packet (UDP socket, TCP connection, ping). */
  private icmpErrorInput(iface: Iface, frame: Frame, ip: Ipv4, m: Icmp): void {
    const q = m.body;
    const trace = this.net.trace;
    if (q.length < 28) {
      trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `the ICMP error quotes too little of the original packet`);
      return;
    }
    const proto = q[9]!;
    if (proto === IPPROTO.UDP) {
      trace.deliver(this.name, 'icmp error -> udp', frame);
      this.udp.icmpError(m, q, ip.src);
      return;
    }
    if (proto === IPPROTO.ICMP) {
      const ihl = (q[0]! & 15) * 4;
      const id = (q[ihl + 4]! << 8) | q[ihl + 5]!;
      const h = this.pingHandlers.get(id);
      if (h) {
        trace.deliver(this.name, () => `ping id ${id} (error)`, frame);
        h(m, ip);
        return;
      }
    }
    const h = this.protos.get(proto);
    if (h && h.icmpError) {
      trace.deliver(this.name, () => `icmp error -> proto ${proto}`, frame);
      h.icmpError(m, q, ip.src);
      return;
    }
    trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `no socket of ${this.name} cares about this ICMP error`);
  }

  /** Accepts an ICMP redirect (Linux __ip_do_redirect): only from the current gateway, to an on-link new gateway. */
  private redirectInput(iface: Iface, frame: Frame, ip: Ipv4, m: Icmp): void {
    const trace = this.net.trace;
    const q = m.body;
    if (q.length < 20 || !this.sysctl.conf(iface.name, 'accept_redirects')) {
      trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `${this.name} does not accept redirects on ${iface.name}`);
      return;
    }
    const dst = ((q[16]! << 24) | (q[17]! << 16) | (q[18]! << 8) | q[19]!) >>> 0;
    const gw = m.rest >>> 0;
    const cur = this.lookup(dst);
    if (!cur || cur.via !== ip.src || !this.onLink(iface, gw) || this.isLocal(gw)) {
      trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `${this.name} ignores the redirect for ${fmtIp(dst)}: it does not come from the current gateway, or ${fmtIp(gw)} is not on-link`);
      return;
    }
    this.redirects.set(dst, gw);
    trace.deliver(this.name, 'icmp redirect', frame);
    trace.state(this.name, { what: 'route', prefix: dst, len: 32, via: gw, iface: iface.name, op: 'add' }, () => `${this.name} learns from ${fmtIp(ip.src)} to send to ${fmtIp(dst)} via ${fmtIp(gw)} (ICMP redirect)`);
  }

  /**
   * Sends an ICMP error about `orig` (Linux icmp_send): never about an ICMP
   * error, a broadcast or a non-first fragment; quotes up to 576 bytes in
   * total; the source is the packet's destination when it was for us, else
   * this host's address toward the sender; rate-limited per destination
   * (token bucket, icmp_ratelimit 1 s, burst 6) for unreachable and time
   * exceeded. `rest` is the 4-byte field (gateway for a redirect).
   */
  icmpError(orig: Ipv4, type: number, code: number, rest: number, parent: Frame | null, isRedirect = false): void {
    const trace = this.net.trace;
    if ((orig.frag & 0x1fff) !== 0) return;
    if (orig.dst === 0xffffffff || this.isBroadcast(orig.dst) || orig.dst >>> 28 === 0xe) return;
    if (orig.src === 0 || orig.src === 0xffffffff || orig.src >>> 28 === 0xe) return;
    const op = orig.payload;
    if (op.kind === 'icmp' && op.type !== ICMP_TYPE.ECHO_REQUEST && op.type !== ICMP_TYPE.ECHO_REPLY) return;
    if (!isRedirect && (type === ICMP_TYPE.DEST_UNREACH || type === ICMP_TYPE.TIME_EXCEEDED) && !this.icmpAllowed(orig.src)) {
      trace.drop(this.name, null, parent, 'icmp-rate-limited', () => `${this.name} does not send ICMP type ${type} to ${fmtIp(orig.src)}: rate limit (icmp_ratelimit)`);
      return;
    }
    const bytes = encodeIpv4(orig);
    const room = 576 - 20 - 8;
    const body = bytes.length > room ? bytes.subarray(0, room) : bytes;
    const src = this.isLocal(orig.dst) ? orig.dst : this.sourceTo(orig.src);
    if (src === null) return;
    const m = mkIcmp(type, code, rest, body);
    // Linux icmp_send: an error carries the tos of the original with precedence bits for control (0xc0).
    this.sendPayload(src, orig.src, m, { df: false, tos: (orig.tos & 0x1e) | 0xc0 });
  }

  private icmpAllowed(dst: Ipv4Addr): boolean {
    const timeout = this.sysctl.get('net.ipv4.icmp_ratelimit') * MS;
    if (timeout === 0) return true;
    const now = this.net.sim.now;
    let p = this.icmpPeers.get(dst);
    if (!p) {
      p = { tokens: 0, last: now - 60 * SEC }; // Linux inet_peer: rate_last = jiffies - 60*HZ
      this.icmpPeers.set(dst, p);
    }
    // Linux inet_peer_xrlim_allow: tokens accumulate up to 6 timeouts (XRLIM_BURST_FACTOR).
    let token = p.tokens + (now - p.last);
    if (token > 6 * timeout) token = 6 * timeout;
    p.last = now;
    if (token >= timeout) {
      p.tokens = token - timeout;
      return true;
    }
    p.tokens = token;
    return false;
  }

  /** Total length of a packet, for applications that count bytes. */
  static lengthOf(ip: Ipv4): number {
    return ipv4TotalLength(ip);
  }

  /**
   * Loads IP-in-IP decapsulation (Linux `modprobe ipip`): the fallback
   * device tunl0 appears, and an IPIP packet addressed to this host is
   * unwrapped and received again, on tunl0, as its inner packet. Without it
   * an IPIP packet gets ICMP protocol unreachable. Returns tunl0.
   */
  enableIpip(): Iface {
    const existing = this.iface('tunl0');
    if (existing) return existing;
    const tunl0 = new Iface(this, 'tunl0', 0);
    this.ifaces.push(tunl0);
    this.protos.set(IPPROTO.IPIP, {
      input: (ip, frame) => {
        const inner = ip.payload;
        if (inner.kind !== 'ipv4' || !frame) return;
        const trace = this.net.trace;
        const f = trace.frame({ ...frame.eth, payload: inner }, frame);
        trace.rewrite(this.name, frame, f, 'ipip-decap', () => `${this.name} unwraps the IP-in-IP packet from ${fmtIp(ip.src)}: inside, ${fmtIp(inner.src)} -> ${fmtIp(inner.dst)} arrives on tunl0`);
        this.ipReceive(tunl0, f, inner);
      },
    });
    return tunl0;
  }

  /** Adds a loopback alias (for a VIP on lo: `ip addr add VIP/32 dev lo`). */
  addLoopbackAddress(addr: Ipv4Addr, len = 32): void {
    this.addAddress(this.lo, addr, len);
  }
}

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
 *
 * Host is one object built in floors, each module importing only the one
 * below: host-core.ts (state, configuration, routing, addresses),
 * host-neigh.ts (POSTROUTING, loopback, the ARP neighbour table),
 * host-icmp.ts (ICMP in and out, redirects) and this module (events, the
 * receive path, hooks, forwarding, sending from local sockets).
 */
import { fmtIp, fmtMac, isMulticastMac } from '../wire/addr.js';
import { ethernet, ipv4 as mkIpv4 } from '../wire/build.js';
import { ipv4Checksum, ipv4TotalLength } from '../wire/checksum.js';
import { withTtl } from '../wire/rewrite.js';
import type { Ipv4, Ipv4Addr } from '../wire/types.js';
import { ICMP_TYPE, ICMP_UNREACH, IPPROTO, IP_FLAG, MAC_BROADCAST } from '../wire/types.js';
import type { EventTarget } from '../sim/sim.js';
import type { HostProcess } from './host-core.js';
import type { Frame } from '../trace/events.js';
import { Iface } from './iface.js';
import { Neigh } from './neigh.js';
import type { NetNode } from './node.js';
import type { SendOptions, SendResult, StackHost } from './stack-host.js';
import { IcmpHost } from './host-icmp.js';
import { EV_CALL, EV_LOOPBACK, EV_NEIGH, type Deferred, type HookContext } from './host-core.js';

export type { Deferred, Hook, HookContext, HookPoint, HostOptions, HostProcess, Nexthop, Route } from './host-core.js';
export type { ProtoHandler, SendResult } from './stack-host.js';

/** A Linux-faithful IPv4 host (and, with forwarding on, router). */export class Host extends IcmpHost implements NetNode, EventTarget, StackHost {
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

  /** Starts `p` with the host: a power cut halts it, a boot starts it again. */
  addProcess(p: HostProcess): void {
    this.processes.push(p);
  }

  /**
   * Cuts the power: every interface goes down, every timer of the host, its
   * sockets and its processes is cancelled, the socket tables, the ARP
   * table and the IP id counters are emptied, and nothing more is sent
   * until powerOn(). Frames already on a wire still arrive.
   */
  powerOff(): void {
    if (!this.powered) return;
    this.powered = false;
    const mine = new Set<EventTarget>([this]);
    for (const c of this.tcp.connections()) mine.add(c);
    for (const p of this.processes) for (const t of p.targets()) mine.add(t);
    this.net.sim.cancelWhere((t) => mine.has(t));
    const tcp = this.tcp.wipe();
    const udp = this.udp.wipe();
    for (const p of this.processes) p.halt();
    for (const i of this.ifaces) i.up = false;
    this.neigh.clear();
    this.redirects.clear();
    this.ipIds.clear();
    this.icmpPeers.clear();
    this.redirectPeers.clear();
    const names = this.processes.map((p) => p.label);
    this.net.trace.state(this.name, { what: 'note', detail: { node: this.name, up: false, conns: tcp.conns, listeners: tcp.listeners, udp, processes: names.length } }, () =>
      `${this.name} fails: power off, it stops sending and answering; ${tcp.conns} TCP connection${tcp.conns === 1 ? '' : 's'}, ${tcp.listeners} listener${tcp.listeners === 1 ? '' : 's'} and ${udp} UDP socket${udp === 1 ? '' : 's'} vanish without a segment${names.length ? `, and ${names.join(', ')} stop${names.length === 1 ? 's' : ''}` : ''}`,
    );
  }

  /** Boots again after powerOff(): interfaces up, empty tables, every process started afresh (new ISNs, new ports). */
  powerOn(): void {
    if (this.powered) return;
    this.powered = true;
    this.boots++;
    for (const i of this.ifaces) i.up = true;
    const services = this.processes.filter((p) => p.boot !== undefined);
    this.net.trace.state(this.name, { what: 'note', detail: { node: this.name, up: true, boot: this.boots } }, () =>
      `${this.name} is back up: it boots with empty socket and ARP tables${services.length ? ` and starts ${services.map((p) => p.label).join(', ')} again as new processes` : ''}`,
    );
    for (const p of services) p.boot!();
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
  protected rpFilterOk(iface: Iface, ip: Ipv4, frame: Frame): boolean {
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
  protected localDeliver(iface: Iface, frame: Frame, ip0: Ipv4): void {
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
  protected forward(inIface: Iface, frame: Frame, ip0: Ipv4): void {
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
    if (route.iface === inIface && this.sysctl.conf(inIface.name, 'send_redirects') && this.onLink(inIface, ip.src)) {
      this.maybeRedirect(ip, nextHop, f);
    }
    const out = withTtl(ip, ip.ttl - 1);
    this.output(route, nextHop, out, f, inIface);
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
}

/**
 * The load balancer node: a Linux host with an IPVS-like virtual server
 * table (ipvsadm's model). A virtual service is a VIP, a protocol and a
 * port in front of a pool of real servers; each new client flow is
 * scheduled to a server, remembered in the connection table, and its
 * packets rewritten according to the service's forwarding mode:
 *
 * - `nat`: destination NAT (IPVS masquerading). Requests VIP -> server,
 *   replies server -> VIP; works only when replies cross the LB (it is
 *   inline, or the servers' gateway). One-arm with the router as the
 *   servers' gateway is the return-path bug of docs/lessons/one-arm-bug.md.
 * - `snat`: destination and source NAT (full NAT): the server sees an
 *   address of the LB (the output interface's, or a SNAT pool's), so
 *   replies always come back.
 * - `dsr`: direct server return (IPVS direct routing): the IP packet is
 *   untouched; the LB re-sends the frame from its own MAC to the server's
 *   MAC (or, as a lesson, keeps the router's source MAC).
 * - `tunnel`: L3 DSR (IPVS tunnelling): the packet is wrapped in IP-in-IP
 *   to a server on another subnet.
 * - `transparent`: the LB bridges the server segment; requests get a new
 *   destination IP and MAC (the source MAC stays the router's, TTL
 *   unchanged), replies crossing the bridge get the VIP as source.
 *
 * Requests are caught before routing (the VIP is a local address of the
 * LB, so it answers ARP for it), replies of nat/snat/transparent flows
 * likewise. Every decision is traced: the scheduler's reason, the fields
 * rewritten, the connection's IPVS state changes, and each drop's reason.
 *
 * This file is the packet path; the services, servers and connections it
 * reads live in the tables of service-table.ts (its base class), a
 * service's settings and run-time state in service.ts.
 */
import { fmtIp } from '../wire/addr.js';
import { icmp as mkIcmp, ipv4 as mkIpv4 } from '../wire/build.js';
import { natRewrite, rewriteQuoted, withTtl } from '../wire/rewrite.js';
import type { Ethernet, Icmp, Ipv4, Ipv4Addr } from '../wire/types.js';
import { ICMP_TYPE, ICMP_UNREACH, IPPROTO, IP_FLAG, MAC_BROADCAST, TCP_FLAG } from '../wire/types.js';
import { fmtMac, isMulticastMac } from '../wire/addr.js';
import type { Frame } from '../trace/events.js';
import { Host, type HookContext, type Route } from '../net/host.js';
import type { Iface } from '../net/iface.js';
import type { Network } from '../net/network.js';
import type { FlowKey } from './sched/backend.js';
import { traceBind, traceLookupDrop } from './persist-trace.js';
import { DIR, LbConn, LB_TCP, seenFromClient, seenFromServer } from './conn.js';
import type { LbService } from './service.js';
import { LbServiceTable } from './service-table.js';
import { serviceKey } from './tuple-map.js';

export { LB_MODES, type LbMode } from './modes.js';
export { LbService, ServiceStats, type RealServerConfig, type ServiceConfig } from './service.js';
export { LbServiceTable } from './service-table.js';

/** Options of a load balancer. */
export interface LoadBalancerOptions {
  readonly sysctls?: Readonly<Record<string, number>>;
}

/** An IPVS-like load balancer on a Linux host. */
export class LoadBalancer extends LbServiceTable {
  /** Transparent mode: the bridge's MAC table. */
  private readonly bridgeMacs = new Map<number, Iface>();
  /** The last packet this LB rewrote and handed to forwarding (redirects about it are suppressed). */
  private lastRewritten: Ipv4 | null = null;

  /** Creates a load balancer (IP forwarding on, as IPVS NAT needs for replies). */
  constructor(net: Network, name: string, opts: LoadBalancerOptions = {}) {
    super(net, name, opts.sysctls ?? {});
    this.natLoaded = true; // IPVS and its nftables rules load netfilter NAT
    this.hooks.prerouting.push((ip, ctx) => this.prerouting(ip, ctx));
  }

  // ------------------------------------------------------------ packet path

  /** PREROUTING: replies of known flows are translated; requests to a service are scheduled and rewritten. */
  private prerouting(ip: Ipv4, ctx: HookContext): Ipv4 | null {
    const l4 = ip.payload;
    if (l4.kind !== 'tcp' && l4.kind !== 'udp') {
      if (l4.kind === 'icmp') return this.icmpRelated(ip, ctx);
      return ip;
    }
    // Read straight from the segment: this runs for every packet the LB sees.
    const sport = l4.sport;
    const dport = l4.dport;
    const flags = l4.kind === 'tcp' ? l4.flags : 0;
    // A reply (server -> client, or server -> SNAT address)?
    const out = this.outTable.get(ip.src, sport, ip.dst, dport, ip.proto);
    if (out) return this.reply(out, ip, ctx, flags);
    const svc = this.byVip.get(serviceKey(ip.dst, ip.proto, dport));
    if (!svc) return ip;
    // IPVS sees requests in LOCAL_IN: a VRRP backup, which does not hold the VIP, routes them like any other packet.
    if (this.floating.size > 0 && !this.isLocal(ip.dst)) return ip;
    let c = this.inTable.get(ip.src, sport, ip.dst, dport, ip.proto);
    // IPVS conn_reuse_mode=1 (is_new_conn_expected): a new SYN on an entry in TIME_WAIT or CLOSE
    // ends that entry and is scheduled afresh, so a reused client port can reach another server.
    if (c && ip.proto === IPPROTO.TCP && (flags & (TCP_FLAG.SYN | TCP_FLAG.RST | TCP_FLAG.ACK)) === TCP_FLAG.SYN && (c.state === LB_TCP.TIME_WAIT || c.state === LB_TCP.CLOSE)) {
      this.net.sim.cancel(c.timer);
      c.timer = null;
      this.expire(c, 'a new SYN reuses its ports');
      c = undefined;
    }
    if (!c) {
      // IPVS schedules only a SYN (without RST) for TCP; anything else goes on to the local stack.
      if (ip.proto === IPPROTO.TCP && ((flags & (TCP_FLAG.SYN | TCP_FLAG.RST | TCP_FLAG.ACK)) !== TCP_FLAG.SYN)) return ip;
      const made = this.schedule(svc, ip, sport, dport, ctx);
      if (made === null) return null;
      c = made;
    }
    return this.request(svc, c, ip, ctx, flags);
  }

  /** Schedules a new flow; null when no server is available (the packet is dropped with ICMP port unreachable). */
  private schedule(svc: LbService, ip: Ipv4, sport: number, dport: number, ctx: HookContext): LbConn | null {
    const trace = this.net.trace;
    const now = this.net.sim.now;
    const flow: FlowKey = { proto: ip.proto, src: ip.src, sport, dst: ip.dst, dport };
    let idx = svc.persist ? svc.persist.lookup(ip.src, now, svc.backends) : -1;
    if (svc.persist && idx < 0) traceLookupDrop(this, svc);
    let why: () => string;
    if (idx >= 0) {
      const d = svc.persist!.explain();
      why = () => d.sentence;
    } else {
      const pd = svc.persist ? svc.persist.explain() : null;
      idx = svc.sched.pick(flow, svc.backends);
      const d = svc.sched.explain();
      why = pd && pd.outcome !== 'miss' && pd.outcome !== 'none' ? () => `${pd.sentence}; ${d.sentence}` : () => d.sentence;
      if (idx >= 0 && svc.persist) {
        svc.persist.bind(ip.src, idx, now);
        traceBind(this, svc, ip.src, svc.backends[idx]!.name);
      }
    }
    if (idx < 0) {
      svc.stats.noServer++;
      trace.drop(this.name, ctx.inIface?.name ?? null, ctx.frame, 'lb-no-server', () => `${this.name}: no server of ${svc.cfg.name} can take a new connection (${why()}); it answers ICMP port unreachable`);
      this.icmpError(ip, ICMP_TYPE.DEST_UNREACH, ICMP_UNREACH.PORT, 0, ctx.frame);
      return null;
    }
    const b = svc.backends[idx]!;
    const server = svc.servers[idx]!.addr;
    const sp = svc.serverPort(idx);
    let laddr = ip.src;
    let lport = sport;
    if (svc.mode === 'snat') {
      const r = this.snatSource(svc, server, sp, ip.proto, sport);
      if (!r) {
        trace.drop(this.name, ctx.inIface?.name ?? null, ctx.frame, 'lb-snat-exhausted', () => `${this.name} has no free SNAT source port toward ${fmtIp(server)}:${sp}`);
        return null;
      }
      [laddr, lport] = r;
    }
    const inputOnly = svc.mode === 'dsr' || svc.mode === 'tunnel';
    const c = new LbConn(svc.index, ip.proto, ip.src, sport, ip.dst, dport, b, server, sp, laddr, lport, inputOnly, svc.mode);
    b.active++; // IPVS counts a new connection as active until its state says otherwise
    svc.served[idx]!++;
    svc.stats.conns++;
    if (svc.persist) svc.persist.connectionOpened(ip.src, idx, now);
    this.track(c, c.timeout());
    c.expires = now + c.timeout();
    this.lastDecision = why;
    trace.state(this.name, () => this.connChange(c, 'add'), () => `${this.name} schedules ${fmtIp(ip.src)}:${sport} -> ${svc.cfg.name} to ${b.name} (${why()})`);
    return c;
  }

  private lastDecision: (() => string) | null = null;
  /** Picks the SNAT source for a flow: the client's port when the reply tuple is free, else another. */
  private snatSource(svc: LbService, server: number, sp: number, proto: number, cport: number): [number, number] | null {
    const pool = svc.cfg.snatPool && svc.cfg.snatPool.length > 0 ? svc.cfg.snatPool : null;
    let addrs: readonly number[];
    if (pool) addrs = pool;
    else {
      const r = this.lookup(server);
      const a = r ? this.sourceFor(r, server) : null;
      if (a === null) return null;
      addrs = [a];
    }
    const lo = this.sysctl.get('net.ipv4.ip_local_port_range_min');
    const hi = this.sysctl.get('net.ipv4.ip_local_port_range_max');
    for (const a of addrs) {
      if (!this.outTable.get(server, sp, a, cport, proto) && !this.portInUse(a, cport, proto)) return [a, cport];
      let p = lo + this.rng.int(hi - lo + 1);
      for (let i = 0; i <= hi - lo; i++, p = p === hi ? lo : p + 1) {
        if (!this.outTable.get(server, sp, a, p, proto) && !this.portInUse(a, p, proto)) return [a, p];
      }
    }
    return null;
  }

  /** True when the LB's own TCP stack uses this local port (its sockets must not collide with SNAT flows). */
  private portInUse(_addr: number, port: number, proto: number): boolean {
    return proto === IPPROTO.TCP && this.tcp.portInUse(port);
  }

  /** A request packet of a scheduled flow: rewrite according to the mode. */
  private request(svc: LbService, c: LbConn, ip: Ipv4, ctx: HookContext, flags: number): Ipv4 | null {
    c.inPkts++;
    svc.stats.inPkts++;
    svc.stats.inBytes += Host.lengthOf(ip);
    this.touch(c, DIR.INPUT, flags);
    this.measure(c, ip, DIR.INPUT);
    if (ip.payload.kind === 'tcp') seenFromClient(c, ip.payload);
    if (this.syncHook !== null) this.syncHook(c); // IPVS ip_vs_in: ip_vs_sync_conn() on every input packet while sync master
    const decision = this.lastDecision;
    this.lastDecision = null;
    const pick = decision ? ` (${decision()})` : '';
    const b = c.backend.name;
    switch (c.mode) {
      case 'nat': {
        const after = natRewrite(ip, ip.src, c.server, c.cport, c.sport);
        this.rewrite(ctx, ip, after, 'lb-dnat', () => `${this.name} DNAT ${fmtIp(ip.dst)}:${c.vport} -> ${fmtIp(c.server)}:${c.sport} (${b})${pick}`);
        return this.xmit(c, after, ctx, c.server, -1);
      }
      case 'snat': {
        const after = natRewrite(ip, c.laddr, c.server, c.lport, c.sport);
        this.rewrite(ctx, ip, after, 'lb-snat', () => `${this.name} DNAT ${fmtIp(ip.dst)}:${c.vport} -> ${fmtIp(c.server)}:${c.sport} (${b}) and SNAT ${fmtIp(ip.src)}:${c.cport} -> ${fmtIp(c.laddr)}:${c.lport}${pick}`);
        return this.xmit(c, after, ctx, c.server, -1);
      }
      case 'dsr':
        return this.dsr(svc, c, ip, ctx, pick);
      case 'tunnel':
        return this.tunnel(c, ip, ctx, pick);
      case 'transparent':
        return this.transparentRequest(c, ip, ctx, pick);
    }
  }

  /**
   * Sends a request the way IPVS transmits (ip_vs_xmit.c __ip_vs_get_out_rt):
   * the LB routes it itself, so requests need no ip_forward and cause no
   * ICMP redirect, and the TTL is decremented for every non-local
   * transmission (Linux 4.9 and later, in NAT, DR and tunnel modes alike),
   * with ICMP time exceeded when it runs out.
   */
  private xmit(c: LbConn, ip: Ipv4, ctx: HookContext, nextHop: Ipv4Addr, srcMac: number, viaRoute?: Route): null {
    const route = viaRoute ?? this.lookup(c.server, ip.src);
    if (!route) {
      this.net.trace.drop(this.name, ctx.inIface?.name ?? null, ctx.frame, 'no-route', () => `${this.name} has no route to ${fmtIp(c.server)} (${c.backend.name})`);
      return null;
    }
    if (ip.ttl <= 1) {
      this.net.trace.drop(this.name, ctx.inIface?.name ?? null, ctx.frame, 'ttl-exceeded', () => `the TTL of the packet for ${c.backend.name} runs out at ${this.name}; it answers ICMP time exceeded`);
      this.icmpError(ip, ICMP_TYPE.TIME_EXCEEDED, 0, 0, ctx.frame);
      return null;
    }
    this.output(route, route.via ?? nextHop, withTtl(ip, ip.ttl - 1), ctx.frame, ctx.inIface, srcMac);
    return null;
  }

  /** L2 DSR: the addresses stay; the frame goes to the server's MAC (and IPVS decrements the TTL). */
  private dsr(svc: LbService, c: LbConn, ip: Ipv4, ctx: HookContext, pick: string): null {
    const route = this.lookup(c.server)!;
    const keep = svc.cfg.dsrKeepSourceMac === true && ctx.frame !== null;
    const srcMac = keep ? ctx.frame!.eth.src : -1;
    // The addresses do not change; the trace still records the decision, and the frame sent is its child.
    this.rewrite(ctx, ip, ip, 'lb-dsr', () => `${this.name} DSR: ${fmtIp(ip.src)}:${c.cport} -> ${fmtIp(ip.dst)}:${c.vport} goes to ${c.backend.name} with its addresses unchanged; the frame goes to ${c.backend.name}'s MAC${keep ? ", keeping the router's source MAC" : ''} ${svc.cfg.dsrForwarder === 'tc' ? `(a tc forwarder: the configured MAC ${fmtMac(svc.cfg.servers[c.backend.index]!.mac!)}, TTL kept, no ARP)` : '(Linux IPVS decrements the TTL)'}${pick}`);
    if (svc.cfg.dsrForwarder === 'tc') {
      // A tc/XDP/nft-netdev forwarder: the destination MAC set from its configuration, the frame sent as it is (no TTL change, no ARP).
      const mac = svc.cfg.servers[c.backend.index]!.mac!;
      this.sendFrame(route.iface, mac, ip, ctx.frame, ctx.inIface, srcMac);
      return null;
    }
    return this.xmit(c, ip, ctx, c.server, srcMac, { ...route, via: null });
  }

  /** L3 DSR: IPVS decrements the inner TTL, then wraps the packet in IP-in-IP to the server (ip_vs_tunnel_xmit: outer TTL, TOS and DF from the inner packet). */
  private tunnel(c: LbConn, ip: Ipv4, ctx: HookContext, pick: string): null {
    const route = this.lookup(c.server, 0);
    if (!route) {
      this.net.trace.drop(this.name, ctx.inIface?.name ?? null, ctx.frame, 'no-route', () => `${this.name} has no route to tunnel endpoint ${fmtIp(c.server)}`);
      return null;
    }
    if (ip.ttl <= 1) {
      this.net.trace.drop(this.name, ctx.inIface?.name ?? null, ctx.frame, 'ttl-exceeded', () => `the TTL of the packet for ${c.backend.name} runs out at ${this.name}; it answers ICMP time exceeded`);
      this.icmpError(ip, ICMP_TYPE.TIME_EXCEEDED, 0, 0, ctx.frame);
      return null;
    }
    const inner = withTtl(ip, ip.ttl - 1);
    const src = this.sourceFor(route, c.server)!;
    const df = (inner.frag & IP_FLAG.DF) !== 0;
    const outer = mkIpv4({ src, dst: c.server, ttl: inner.ttl, tos: inner.tos, frag: df ? IP_FLAG.DF : 0, id: this.nextIpId(c.server, IPPROTO.IPIP) }, inner);
    this.rewrite(ctx, ip, outer, 'lb-tunnel', () => `${this.name} wraps the packet for ${fmtIp(ip.dst)}:${c.vport} in IP-in-IP to ${c.backend.name} (${fmtIp(src)} -> ${fmtIp(c.server)})${pick}`);
    this.output(route, route.via ?? c.server, outer, ctx.frame);
    return null;
  }

  /** Transparent: new destination IP and MAC, the router's source MAC and the TTL kept, sent across the bridge. */
  private transparentRequest(c: LbConn, ip: Ipv4, ctx: HookContext, pick: string): null {
    const after = natRewrite(ip, ip.src, c.server, c.cport, c.sport);
    if (!this.forwardingOn()) {
      this.net.trace.drop(this.name, ctx.inIface?.name ?? null, ctx.frame, 'ip-forward-off', () => `${this.name} rewrote the packet for ${c.backend.name} but IP forwarding is off (net.ipv4.ip_forward=0), so the bridge drops it silently`);
      return null;
    }
    this.rewrite(ctx, ip, after, 'lb-dnat', () => `${this.name} (transparent) DNAT ${fmtIp(ip.dst)}:${c.vport} -> ${fmtIp(c.server)}:${c.sport} (${c.backend.name}); destination MAC -> ${c.backend.name}'s, source MAC and TTL unchanged${pick}`);
    const srcMac = ctx.frame ? ctx.frame.eth.src : -1;
    this.output({ prefix: c.server, len: 32, via: null, iface: this.br0!, metric: 0, src: null, proto: 'kernel' }, c.server, after, ctx.frame, null, srcMac);
    return null;
  }

  private forwardingOn(): boolean {
    return this.sysctl.get('net.ipv4.ip_forward') === 1;
  }

  /** A reply of a nat/snat flow: translate back to VIP (and to the client for snat). */
  private reply(c: LbConn, ip: Ipv4, ctx: HookContext, flags: number): Ipv4 | null {
    const svc = this.services[c.service]!;
    c.outPkts++;
    c.sawOutput = true;
    svc.stats.outPkts++;
    svc.stats.outBytes += Host.lengthOf(ip);
    this.touch(c, DIR.OUTPUT, flags);
    this.measure(c, ip, DIR.OUTPUT);
    if (ip.payload.kind === 'tcp') seenFromServer(c, ip.payload);
    const after = natRewrite(ip, c.vip, c.client, c.vport, c.cport);
    this.lastRewritten = after;
    if (c.mode === 'snat') {
      return this.rewrite(ctx, ip, after, 'lb-unsnat', () => `${this.name} reverses the SNAT reply from ${c.backend.name}: ${fmtIp(ip.src)}:${c.sport} -> ${fmtIp(c.vip)}:${c.vport}, ${fmtIp(ip.dst)}:${c.lport} -> ${fmtIp(c.client)}:${c.cport}`);
    }
    return this.rewrite(ctx, ip, after, 'lb-unnat', () => `${this.name} un-NATs the reply from ${c.backend.name}: source ${fmtIp(ip.src)}:${c.sport} -> ${fmtIp(c.vip)}:${c.vport}`);
  }

  /**
   * An ICMP error from a server about a nat/snat flow (its quoted packet
   * went from the client or SNAT address to the server): the outer and the
   * quoted addresses are translated back, as IPVS ip_vs_out_icmp does.
   */
  private icmpRelated(ip: Ipv4, ctx: HookContext): Ipv4 | null {
    const m = ip.payload;
    if (m.kind !== 'icmp' || (m.type !== ICMP_TYPE.DEST_UNREACH && m.type !== ICMP_TYPE.TIME_EXCEEDED) || m.body.length < 28) return ip;
    const q = m.body;
    const ihl = (q[0]! & 15) * 4;
    if (q.length < ihl + 4) return ip;
    const proto = q[9]!;
    const qsrc = ((q[12]! << 24) | (q[13]! << 16) | (q[14]! << 8) | q[15]!) >>> 0;
    const qdst = ((q[16]! << 24) | (q[17]! << 16) | (q[18]! << 8) | q[19]!) >>> 0;
    const qsport = (q[ihl]! << 8) | q[ihl + 1]!;
    const qdport = (q[ihl + 2]! << 8) | q[ihl + 3]!;
    const c = this.outTable.get(qdst, qdport, qsrc, qsport, proto);
    if (!c) return this.icmpFromClientSide(ip, m, q, qsrc, qsport, qdst, qdport, proto, ctx);
    const body = rewriteQuoted(q, c.client, c.cport, c.vip, c.vport);
    const after = natRewrite({ ...ip, payload: mkIcmp(m.type, m.code, m.rest, body) }, c.vip, c.client, 0, 0);
    this.lastRewritten = after;
    return this.rewrite(ctx, ip, after, 'lb-icmp', () => `${this.name} translates an ICMP error from ${c.backend.name} about ${fmtIp(c.client)}:${c.cport}'s flow: the client sees it come from ${fmtIp(c.vip)}`);
  }

  /**
   * An ICMP error from the client's side about a packet the client got from
   * the VIP (a reply of a balanced flow: the quote goes VIP -> client), as
   * IPVS ip_vs_in_icmp handles it: the error belongs to the server. In nat
   * mode the outer destination and the quoted source become the server
   * (ip_vs_nat_icmp); in snat mode the quote becomes the server's own reply
   * to the LB's SNAT address, which also becomes the outer source; in dsr and
   * tunnel modes the error goes to the server unchanged, like the requests
   * (the server holds the VIP). Transparent flows are left to the bridge.
   */
  private icmpFromClientSide(ip: Ipv4, m: Icmp, q: Uint8Array, qsrc: number, qsport: number, qdst: number, qdport: number, proto: number, ctx: HookContext): Ipv4 | null {
    const c = this.inTable.get(qdst, qdport, qsrc, qsport, proto);
    if (!c || ip.dst !== c.vip || c.mode === 'transparent') return ip;
    const svc = this.services[c.service]!;
    const what = `an ICMP error from ${fmtIp(ip.src)} about ${fmtIp(c.client)}:${c.cport}'s flow`;
    switch (c.mode) {
      case 'nat':
      case 'snat': {
        const snat = c.mode === 'snat';
        const body = rewriteQuoted(q, c.server, c.sport, snat ? c.laddr : c.client, snat ? c.lport : c.cport);
        const after = natRewrite({ ...ip, payload: mkIcmp(m.type, m.code, m.rest, body) }, snat ? c.laddr : ip.src, c.server, 0, 0);
        this.rewrite(ctx, ip, after, 'lb-icmp', () => `${this.name} passes ${what} on to ${c.backend.name}, the server that sent the packet it quotes: to ${fmtIp(c.server)}${snat ? ` from ${fmtIp(c.laddr)}` : ''}, the quote from ${fmtIp(c.server)}:${c.sport}`);
        return this.xmit(c, after, ctx, c.server, -1);
      }
      case 'dsr':
        return this.dsr(svc, c, ip, ctx, ` (${what} belongs to ${c.backend.name})`);
      case 'tunnel':
        return this.tunnel(c, ip, ctx, ` (${what} belongs to ${c.backend.name})`);
    }
  }

  /**
   * An ICMP error the LB's own stack sends about a request it DNATed (ARP
   * for the real server failed, or the TTL ran out on the way): IPVS sees the
   * locally generated error on LOCAL_OUT (ip_vs_local_reply4 ->
   * ip_vs_out_icmp) and translates it as it translates a server's errors
   * (ip_vs_nat_icmp): the quote becomes the client's packet to the VIP, and
   * the error comes from the VIP, so the client's socket finds it (Linux
   * netfilter NAT does the same: nf_nat_icmp_reply_translation).
   */
  override icmpError(orig: Ipv4, type: number, code: number, rest: number, parent: Frame | null, isRedirect = false): void {
    const l4 = orig.payload;
    if (!isRedirect && (l4.kind === 'tcp' || l4.kind === 'udp')) {
      const c = this.outTable.get(orig.dst, l4.dport, orig.src, l4.sport, orig.proto);
      if (c && c.mode === 'nat' && orig.src === c.client) {
        super.icmpError(natRewrite(orig, c.client, c.vip, c.cport, c.vport), type, code, rest, parent, isRedirect);
        return;
      }
    }
    super.icmpError(orig, type, code, rest, parent, isRedirect);
  }

  /** A packet this LB rewrote belongs to a NATed connection (one-arm NAT forwards out of the ingress interface). */
  protected override redirectNatted(ip: Ipv4): boolean {
    return ip === this.lastRewritten || (this.lastRewritten !== null && ip.payload === this.lastRewritten.payload);
  }

  // ------------------------------------------------------------ transparent bridge

  override receive(iface: Iface, frame: Frame): void {
    if (this.br0 && this.bridgePorts.includes(iface)) {
      this.bridgeInput(iface, frame);
      return;
    }
    super.receive(iface, frame);
  }

  /** A frame on a bridge port: learn, hand to br0 if it is for the LB, forward (translating replies) otherwise. */
  private bridgeInput(port: Iface, frame: Frame): void {
    const eth = frame.eth;
    const br0 = this.br0!;
    if (!isMulticastMac(eth.src)) this.bridgeMacs.set(eth.src, port);
    const forMe = eth.dst === br0.mac;
    const group = eth.dst === MAC_BROADCAST || isMulticastMac(eth.dst);
    if (forMe || group) super.receive(br0, frame);
    if (forMe) return;
    let f = frame;
    if (!group && eth.payload.kind === 'ipv4') {
      const t = this.bridgedReply(eth, frame, port);
      if (t === null) return;
      f = t;
    }
    this.bridgeOutput(port, f);
  }

  /** A reply crossing the bridge from a server: its source becomes the VIP; MACs and TTL stay. */
  private bridgedReply(eth: Ethernet, frame: Frame, port: Iface): Frame | null {
    const ip = eth.payload as Ipv4;
    const l4 = ip.payload;
    if (l4.kind !== 'tcp' && l4.kind !== 'udp') return frame;
    const c = this.outTable.get(ip.src, l4.sport, ip.dst, l4.dport, ip.proto);
    if (!c) return frame;
    if (!this.forwardingOn()) {
      this.net.trace.drop(this.name, port.name, frame, 'ip-forward-off', () => `${this.name} would translate the reply from ${c.backend.name}, but IP forwarding is off (net.ipv4.ip_forward=0), so the bridge drops it silently`);
      return null;
    }
    const svc = this.services[c.service]!;
    c.outPkts++;
    svc.stats.outPkts++;
    this.touch(c, DIR.OUTPUT, l4.kind === 'tcp' ? l4.flags : 0);
    this.measure(c, ip, DIR.OUTPUT);
    if (l4.kind === 'tcp') seenFromServer(c, l4);
    const after = natRewrite(ip, c.vip, ip.dst, c.vport, l4.dport);
    const f = this.net.trace.frame({ ...eth, payload: after }, frame);
    this.net.trace.rewrite(this.name, frame, f, 'lb-unnat', () => `${this.name} (transparent) rewrites the bridged reply from ${c.backend.name}: source ${fmtIp(ip.src)} -> ${fmtIp(c.vip)}; MACs and TTL unchanged`);
    return f;
  }

  /** Sends a frame out of the bridge: to the port its destination was learned on, else flooded (never back to `from`). */
  bridgeOutput(from: Iface | null, frame: Frame): void {
    const eth = frame.eth;
    const trace = this.net.trace;
    const known = !isMulticastMac(eth.dst) ? this.bridgeMacs.get(eth.dst) : undefined;
    if (known) {
      if (known === from) return;
      if (from) trace.forward(this.name, from.name, known.name, frame, 'switch');
      known.send(frame);
      return;
    }
    // Flooded newest port first, as a Linux bridge walks br->port_list (net/bridge/br_if.c br_add_if adds at the head).
    for (let i = this.bridgePorts.length - 1; i >= 0; i--) {
      const p = this.bridgePorts[i]!;
      if (p === from) continue;
      if (from) trace.forward(this.name, from.name, p.name, frame, 'flood');
      p.send(frame);
    }
  }
}

export type { Route };

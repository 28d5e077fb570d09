/**
 * ICMP of a host (see host.ts; Linux net/ipv4/icmp.c): echo replies, the
 * errors it receives (handed to the UDP socket, TCP connection or ping they
 * concern), redirects it accepts (__ip_do_redirect) and sends
 * (ip_rt_send_redirect, with its back-off), and the errors it sends, with
 * their quoting rules and per-destination rate limit.
 */
import { fmtIp, inPrefix } from '../wire/addr.js';
import { icmp as mkIcmp } from '../wire/build.js';
import { encodeIpv4 } from '../wire/encode.js';
import type { Icmp, Ipv4, Ipv4Addr } from '../wire/types.js';
import { ICMP_TYPE, IPPROTO } from '../wire/types.js';
import { MS, SEC } from '../sim/time.js';
import type { Frame } from '../trace/events.js';
import { Iface } from './iface.js';
import { NeighHost } from './host-neigh.js';

/** A host's ICMP; Host builds on it. */
export abstract class IcmpHost extends NeighHost {
  protected onLink(iface: Iface, a: Ipv4Addr): boolean {
    for (const x of iface.addrs) if (inPrefix(a, x.addr, x.len)) return true;
    return false;
  }

  /**
   * True on a node with netfilter NAT loaded (the load balancer and the NAT
   * gateway set it): its ICMP errors pass nf_nat_icmp_reply_translation,
   * which drops a redirect about a NATed flow.
   */
  protected natLoaded = false;

  /** True when this forwarded packet belongs to a connection the node NATs; the load balancer overrides it. */
  protected redirectNatted(_ip: Ipv4): boolean {
    return false;
  }

  /**
   * Sends an ICMP redirect, rate-limited as Linux ip_rt_send_redirect (9 at
   * most, with exponential back-off from 20 ms). With NAT loaded, a
   * redirect about a NATed flow is generated and counted against that
   * limit (ip_rt_send_redirect counts it before icmp_send), then dropped
   * before it leaves (nf_nat_icmp_reply_translation). Measured on 6.18: a
   * masqueraded flow got no redirect at all, its first packet included; a
   * flow the NAT rules leave alone got its redirects as without NAT.
   */
  protected maybeRedirect(ip: Ipv4, gw: Ipv4Addr, frame: Frame): void {
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
    if (this.natLoaded && this.redirectNatted(ip)) {
      this.net.trace.drop(this.name, null, frame, 'redirect-suppressed', () => `${this.name} forwards the translated packet back out of the interface it came in on; the ICMP redirect it generates is dropped because the connection is NATed`);
      return;
    }
    this.icmpError(ip, ICMP_TYPE.REDIRECT, 1, gw, frame, true);
  }

  // ---------------------------------------------------------------- ICMP

  protected icmpInput(iface: Iface, frame: Frame, ip: Ipv4, m: Icmp): void {
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

  /**
   * True when the redirect reaches a handler that applies it (Linux
   * icmp_socket_deliver): TCP and UDP only through the socket that sent the
   * quoted packet (and, for TCP, with its sequence number in flight); ICMP
   * (icmp_err) and a tunnel protocol (ipip_err) apply it unconditionally;
   * a protocol without a handler does not.
   */
  private quotedOwner(q: Uint8Array): boolean {
    const proto = q[9]!;
    if (proto === IPPROTO.ICMP) return true;
    const h = proto === IPPROTO.UDP ? this.udp : this.protos.get(proto);
    if (h === undefined) return false;
    return h.ownsQuoted === undefined || h.ownsQuoted(q);
  }

  /** Hands an ICMP error to the protocol of the quoted packet (UDP socket, TCP connection, ping). */
  protected icmpErrorInput(iface: Iface, frame: Frame, ip: Ipv4, m: Icmp): void {
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

  /**
   * Accepts an ICMP redirect (Linux icmp_redirect -> the quoted packet's
   * socket -> __ip_do_redirect): only through the socket that sent the
   * quoted packet (tcp_v4_err: a connection whose SND.UNA..SND.NXT holds the
   * quoted sequence number; a UDP socket; the ping), only from the current
   * gateway to an on-link new gateway, and only once the new gateway's
   * neighbour entry is valid: otherwise the redirect just starts ARP for it.
   */
  protected redirectInput(iface: Iface, frame: Frame, ip: Ipv4, m: Icmp): void {
    const trace = this.net.trace;
    const q = m.body;
    if (q.length < 28 || !this.sysctl.conf(iface.name, 'accept_redirects')) {
      trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `${this.name} does not accept redirects on ${iface.name}`);
      return;
    }
    if (!this.quotedOwner(q)) {
      trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `${this.name} ignores the redirect: no socket of its own sent the quoted packet (or its sequence number is not in flight)`);
      return;
    }
    const dst = ((q[16]! << 24) | (q[17]! << 16) | (q[18]! << 8) | q[19]!) >>> 0;
    const gw = m.rest >>> 0;
    const cur = this.lookup(dst);
    if (!cur || cur.via !== ip.src || !this.onLink(iface, gw) || this.isLocal(gw)) {
      trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `${this.name} ignores the redirect for ${fmtIp(dst)}: it does not come from the current gateway, or ${fmtIp(gw)} is not on-link`);
      return;
    }
    const n = this.neighbour(iface, gw);
    if (!n || n.state === 'incomplete' || n.state === 'failed') {
      trace.drop(this.name, iface.name, frame, 'icmp-ignored', () => `${this.name} does not know ${fmtIp(gw)}'s MAC yet: the redirect for ${fmtIp(dst)} only starts ARP for it (__ip_do_redirect: neigh_event_send)`);
      this.neighProbe(iface, gw);
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

  protected icmpAllowed(dst: Ipv4Addr): boolean {
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

}

/**
 * UDP sockets of a host (net/ipv4/udp.c): bind to an address (or any) and
 * a port, send datagrams, receive them, and hear ICMP errors about what
 * they sent. A datagram for a port nobody listens on is answered with ICMP
 * port unreachable (never for broadcasts). Ephemeral ports are drawn from
 * ip_local_port_range with the host's seeded random stream, as Linux draws
 * them at random.
 */
import { fmtIp } from '../wire/addr.js';
import { udp as mkUdp } from '../wire/build.js';
import { udpChecksum } from '../wire/checksum.js';
import type { Icmp, Ipv4, Ipv4Addr, Udp } from '../wire/types.js';
import { ICMP_TYPE, ICMP_UNREACH } from '../wire/types.js';
import type { Frame } from '../trace/events.js';
import type { SendResult, StackHost } from './stack-host.js';
import type { Iface } from './iface.js';

/** What a UDP socket's owner is told. */
export interface UdpHandler {
  /** A datagram arrived. */
  message(sock: UdpSocket, data: Uint8Array, from: Ipv4Addr, sport: number, ip: Ipv4, frame: Frame): void;
  /** An ICMP error about a datagram this socket sent (port unreachable, host unreachable...). */
  error?(sock: UdpSocket, icmp: Icmp, to: Ipv4Addr, dport: number): void;
}

/** A bound UDP socket. */
export class UdpSocket {
  /** Datagrams received and sent. */
  rx = 0;
  tx = 0;

  constructor(
    readonly stack: UdpStack,
    /** Local address, or 0 for any. */
    readonly addr: Ipv4Addr,
    readonly port: number,
    public handler: UdpHandler,
  ) {}

  /**
   * Sends a datagram. The source address is the bound one, or the one the
   * route to `dst` chooses; Linux sets DF on UDP (PMTU discovery "want"),
   * and the IP id comes from the host's id generator.
   */
  send(dst: Ipv4Addr, dport: number, data: Uint8Array): SendResult {
    const host = this.stack.host;
    const src = this.addr !== 0 ? this.addr : host.sourceTo(dst);
    if (src === null) return host.sendPayload(0, dst, mkUdp(0, dst, this.port, dport, data)); // reports no-route
    this.tx++;
    return host.sendPayload(src, dst, mkUdp(src, dst, this.port, dport, data), { df: true });
  }

  /** Unbinds the socket. */
  close(): void {
    this.stack.unbind(this);
  }
}

/** The UDP layer of one host. */
export class UdpStack {
  private readonly sockets = new Map<number, UdpSocket[]>();

  constructor(readonly host: StackHost) {}

  /** Binds a socket; port 0 picks an ephemeral port. Throws when the address and port are taken (EADDRINUSE). */
  bind(port: number, handler: UdpHandler, addr: Ipv4Addr = 0): UdpSocket {
    const p = port === 0 ? this.ephemeral() : port;
    const list = this.sockets.get(p) ?? [];
    if (list.some((s) => s.addr === addr || s.addr === 0 || addr === 0)) {
      throw new Error(`${this.host.name}: UDP port ${p} is already bound (EADDRINUSE)`);
    }
    const s = new UdpSocket(this, addr, p, handler);
    list.push(s);
    this.sockets.set(p, list);
    return s;
  }

  /** Removes a socket. */
  unbind(s: UdpSocket): void {
    const list = this.sockets.get(s.port);
    if (!list) return;
    const rest = list.filter((x) => x !== s);
    if (rest.length) this.sockets.set(s.port, rest);
    else this.sockets.delete(s.port);
  }

  /** A power cut: every socket is gone. Returns how many there were. */
  wipe(): number {
    let n = 0;
    for (const list of this.sockets.values()) n += list.length;
    this.sockets.clear();
    return n;
  }

  /** A free port from ip_local_port_range, drawn at random. */
  ephemeral(): number {
    const lo = this.host.sysctl.get('net.ipv4.ip_local_port_range_min');
    const hi = this.host.sysctl.get('net.ipv4.ip_local_port_range_max');
    const n = hi - lo + 1;
    let p = lo + this.host.rng.int(n);
    for (let i = 0; i < n; i++, p = p === hi ? lo : p + 1) if (!this.sockets.has(p)) return p;
    throw new Error(`${this.host.name}: no free UDP port`);
  }

  private find(dst: Ipv4Addr, port: number): UdpSocket | null {
    const list = this.sockets.get(port);
    if (!list) return null;
    let any: UdpSocket | null = null;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.addr === dst) return s;
      if (s.addr === 0) any = s;
    }
    return any;
  }

  /** A datagram for this host arrived. */
  input(iface: Iface, frame: Frame, ip: Ipv4, u: Udp): void {
    const host = this.host;
    const trace = host.net.trace;
    if (u.checksum !== 0 && u.checksum !== udpChecksum(ip.src, ip.dst, u)) {
      trace.drop(host.name, iface.name, frame, 'bad-checksum', () => `the UDP checksum is wrong; ${host.name} discards the datagram`);
      return;
    }
    const s = this.find(ip.dst, u.dport);
    if (!s) {
      if (host.isBroadcast(ip.dst) || ip.dst >>> 28 === 0xe) {
        trace.drop(host.name, iface.name, frame, 'udp-no-socket-broadcast', () => `nothing listens on UDP port ${u.dport} of ${host.name}`);
        return;
      }
      trace.drop(host.name, iface.name, frame, 'udp-port-unreachable', () => `nothing listens on UDP port ${u.dport} of ${host.name}; it answers ICMP port unreachable`);
      host.icmpError(ip, ICMP_TYPE.DEST_UNREACH, ICMP_UNREACH.PORT, 0, frame);
      return;
    }
    s.rx++;
    trace.deliver(host.name, () => `udp ${fmtIp(ip.dst)}:${u.dport} <- ${fmtIp(ip.src)}:${u.sport}`, frame);
    s.handler.message(s, u.payload, ip.src, u.sport, ip, frame);
  }

  /** True when a local socket owns the source of the quoted datagram (ipv4_sk_redirect needs one). */
  ownsQuoted(quoted: Uint8Array): boolean {
    const ihl = (quoted[0]! & 15) * 4;
    if (quoted.length < ihl + 4) return false;
    const src = ((quoted[12]! << 24) | (quoted[13]! << 16) | (quoted[14]! << 8) | quoted[15]!) >>> 0;
    return this.find(src, (quoted[ihl]! << 8) | quoted[ihl + 1]!) !== null;
  }

  /** An ICMP error quoting a UDP datagram we sent. */
  icmpError(icmp: Icmp, quoted: Uint8Array, _from: Ipv4Addr): void {
    const ihl = (quoted[0]! & 15) * 4;
    if (quoted.length < ihl + 4) return;
    const src = ((quoted[12]! << 24) | (quoted[13]! << 16) | (quoted[14]! << 8) | quoted[15]!) >>> 0;
    const dst = ((quoted[16]! << 24) | (quoted[17]! << 16) | (quoted[18]! << 8) | quoted[19]!) >>> 0;
    const sport = (quoted[ihl]! << 8) | quoted[ihl + 1]!;
    const dport = (quoted[ihl + 2]! << 8) | quoted[ihl + 3]!;
    const s = this.find(src, sport);
    if (s && s.handler.error) s.handler.error(s, icmp, dst, dport);
  }
}

/**
 * A NAT gateway: a router that masquerades a private subnet behind its
 * public address, the way `iptables -t nat -A POSTROUTING -o wan -j
 * MASQUERADE` does on Linux, with optional port forwards (DNAT).
 *
 * Connection tracking (nf_conntrack) remembers each flow by its original
 * tuple and by the tuple its replies carry. The first packet of a flow
 * leaving the public interface gets the public address as source (POSTROUTING);
 * the source port is kept when the reply tuple stays unique, as nf_nat does,
 * else another port is drawn. Replies are translated back before routing
 * (PREROUTING), and so are ICMP errors about a tracked flow (RELATED):
 * the quoted packet inside them is translated too. A packet to the public
 * address that matches nothing is the gateway's own, as in Linux: its stack
 * answers (RST, port unreachable).
 */
import { fmtIp } from '../wire/addr.js';
import { icmp as mkIcmp } from '../wire/build.js';
import { natRewrite, rewriteQuoted } from '../wire/rewrite.js';
import type { Ipv4, Ipv4Addr } from '../wire/types.js';
import { ICMP_TYPE, IPPROTO, TCP_FLAG } from '../wire/types.js';
import { SEC } from '../sim/time.js';
import { Host, type HookContext } from './host.js';
import type { Iface } from './iface.js';
import type { Network } from './network.js';

/** A tracked connection. */
export interface Conntrack {
  readonly proto: number;
  readonly src: Ipv4Addr;
  readonly sport: number;
  readonly dst: Ipv4Addr;
  readonly dport: number;
  /** The translated source (masquerade) or destination (port forward). */
  readonly natAddr: Ipv4Addr;
  readonly natPort: number;
  /** 'snat' for masqueraded flows, 'dnat' for port forwards. */
  readonly kind: 'snat' | 'dnat';
  state: string;
  lastSeen: number;
  timeout: number;
}

/** A port forward: traffic to the public address and port goes to a private server. */
export interface PortForward {
  readonly proto: 'tcp' | 'udp';
  readonly port: number;
  readonly to: Ipv4Addr;
  readonly toPort: number;
}

/** Linux nf_conntrack default timeouts, in seconds. */
export const CT_TIMEOUTS = {
  tcpSynSent: 120,
  tcpEstablished: 432_000,
  tcpFinWait: 120,
  tcpClose: 10,
  udp: 30,
  udpStream: 120,
  icmp: 30,
} as const;

function portsOf(ip: Ipv4): [number, number] | null {
  const p = ip.payload;
  if (p.kind === 'tcp' || p.kind === 'udp') return [p.sport, p.dport];
  if (p.kind === 'icmp' && (p.type === ICMP_TYPE.ECHO_REQUEST || p.type === ICMP_TYPE.ECHO_REPLY)) return [p.rest >>> 16, 0];
  return null;
}

function key(proto: number, a: number, ap: number, b: number, bp: number): string {
  return `${proto}/${a}:${ap}/${b}:${bp}`;
}

/** A masquerading NAT gateway. */
export class NatGateway extends Host {
  /** Tracked flows by original direction tuple. */
  readonly conns = new Map<string, Conntrack>();
  /** The same flows by the tuple their replies carry. */
  private readonly replies = new Map<string, Conntrack>();
  /** Port forwards of the public address. */
  readonly forwards: PortForward[] = [];
  private wan: Iface | null = null;

  /** Creates a gateway (forwarding on); call masquerade() once its interfaces exist. */
  constructor(net: Network, name: string) {
    super(net, name, 'gateway');
    this.natLoaded = true;
    this.hooks.prerouting.push((ip, ctx) => this.prerouting(ip, ctx));
    this.hooks.postrouting.push((ip, ctx) => this.postrouting(ip, ctx));
  }

  /** Masquerades everything that leaves through `wan` behind its primary address. */
  masquerade(wan: Iface): void {
    this.wan = wan;
  }

  /** Forwards `proto` traffic to the public address's `port` to a private server. */
  addPortForward(f: PortForward): void {
    this.forwards.push(f);
  }

  private publicAddr(): Ipv4Addr | null {
    return this.wan?.addrs[0]?.addr ?? null;
  }

  private live(ct: Conntrack | undefined): Conntrack | undefined {
    if (!ct) return undefined;
    if (this.net.sim.now - ct.lastSeen > ct.timeout) {
      this.forget(ct);
      return undefined;
    }
    return ct;
  }

  private forget(ct: Conntrack): void {
    this.conns.delete(key(ct.proto, ct.src, ct.sport, ct.dst, ct.dport));
    if (ct.kind === 'snat') this.replies.delete(key(ct.proto, ct.dst, ct.dport, ct.natAddr, ct.natPort));
    else this.replies.delete(key(ct.proto, ct.natAddr, ct.natPort, ct.src, ct.sport));
    this.net.trace.state(this.name, { what: 'nat', key: this.describe(ct), op: 'del' }, () => `${this.name} forgets ${this.describe(ct)} (idle timeout)`);
  }

  private describe(ct: Conntrack): string {
    const p = ct.proto === IPPROTO.TCP ? 'tcp' : ct.proto === IPPROTO.UDP ? 'udp' : 'icmp';
    if (ct.proto === IPPROTO.ICMP) return `icmp echo ${fmtIp(ct.src)} id ${ct.sport} -> ${fmtIp(ct.dst)} as ${fmtIp(ct.natAddr)} id ${ct.natPort}`;
    return ct.kind === 'snat'
      ? `${p} ${fmtIp(ct.src)}:${ct.sport} -> ${fmtIp(ct.dst)}:${ct.dport} as ${fmtIp(ct.natAddr)}:${ct.natPort}`
      : `${p} ${fmtIp(ct.src)}:${ct.sport} -> ${fmtIp(ct.dst)}:${ct.dport} forwarded to ${fmtIp(ct.natAddr)}:${ct.natPort}`;
  }

  /** Updates the tracked state and its timeout from a packet of the flow (nf_conntrack_proto_*). */
  private touch(ct: Conntrack, ip: Ipv4, reply: boolean): void {
    ct.lastSeen = this.net.sim.now;
    const p = ip.payload;
    if (p.kind === 'tcp') {
      if (p.flags & TCP_FLAG.RST) {
        ct.state = 'close';
        ct.timeout = CT_TIMEOUTS.tcpClose * SEC;
      } else if (p.flags & TCP_FLAG.FIN) {
        ct.state = 'fin-wait';
        ct.timeout = CT_TIMEOUTS.tcpFinWait * SEC;
      } else if (ct.state === 'syn-sent' && reply && p.flags & TCP_FLAG.SYN) {
        ct.state = 'syn-recv';
      } else if (ct.state === 'syn-recv' && !reply && p.flags & TCP_FLAG.ACK) {
        ct.state = 'established';
        ct.timeout = CT_TIMEOUTS.tcpEstablished * SEC;
      }
    } else if (p.kind === 'udp' && reply) {
      ct.state = 'replied';
      ct.timeout = CT_TIMEOUTS.udpStream * SEC;
    }
  }

  private newConn(kind: 'snat' | 'dnat', ip: Ipv4, sport: number, dport: number, natAddr: Ipv4Addr, natPort: number): Conntrack {
    const timeout = ip.proto === IPPROTO.TCP ? CT_TIMEOUTS.tcpSynSent : ip.proto === IPPROTO.UDP ? CT_TIMEOUTS.udp : CT_TIMEOUTS.icmp;
    const ct: Conntrack = { proto: ip.proto, src: ip.src, sport, dst: ip.dst, dport, natAddr, natPort, kind, state: ip.proto === IPPROTO.TCP ? 'syn-sent' : 'new', lastSeen: this.net.sim.now, timeout: timeout * SEC };
    this.conns.set(key(ct.proto, ct.src, ct.sport, ct.dst, ct.dport), ct);
    if (kind === 'snat') this.replies.set(key(ct.proto, ct.dst, ct.dport, natAddr, natPort), ct);
    else this.replies.set(key(ct.proto, natAddr, natPort, ct.src, ct.sport), ct);
    this.net.trace.state(this.name, { what: 'nat', key: this.describe(ct), op: 'add' }, () => `${this.name} tracks ${this.describe(ct)}`);
    return ct;
  }

  /** A source port for a masqueraded flow: the original if the reply tuple stays unique (nf_nat_used_tuple), else a drawn one. */
  private pickPort(proto: number, pub: Ipv4Addr, sport: number, dst: Ipv4Addr, dport: number): number {
    const free = (p: number): boolean => !this.live(this.replies.get(key(proto, dst, dport, pub, p)));
    if (free(sport)) return sport;
    const lo = sport < 1024 ? 1 : 1024;
    const hi = sport < 1024 ? 1023 : 65535;
    let p = lo + this.rng.int(hi - lo + 1);
    for (let i = 0; i <= hi - lo; i++, p = p === hi ? lo : p + 1) if (free(p)) return p;
    return sport;
  }

  /** Replies (and port-forwarded requests) arriving from outside are translated before routing. */
  private prerouting(ip: Ipv4, ctx: HookContext): Ipv4 | null {
    const pub = this.publicAddr();
    if (pub === null || ip.dst !== pub) return ip;
    if (ip.payload.kind === 'icmp' && ip.payload.type !== ICMP_TYPE.ECHO_REQUEST && ip.payload.type !== ICMP_TYPE.ECHO_REPLY) {
      return this.relatedIcmp(ip, ctx, pub);
    }
    const ports = portsOf(ip);
    if (!ports) return ip;
    const [sport, dport] = ports;
    // ICMP echo replies carry the id where a port would be: match it as the destination side.
    const replyKey = ip.proto === IPPROTO.ICMP ? key(ip.proto, ip.src, 0, pub, sport) : key(ip.proto, ip.src, sport, pub, dport);
    const ct = this.live(this.replies.get(replyKey));
    if (ct && ct.kind === 'snat') {
      this.touch(ct, ip, true);
      const after = ip.proto === IPPROTO.ICMP ? natRewrite(ip, ip.src, ct.src, ct.sport, 0) : natRewrite(ip, ip.src, ct.src, sport, ct.sport);
      return this.rewrite(ctx, ip, after, 'un-masquerade', () =>
        ip.proto === IPPROTO.ICMP
          ? `${this.name} translates the echo reply back: destination ${fmtIp(pub)} (id ${ct.natPort}) -> ${fmtIp(ct.src)} (id ${ct.sport})`
          : `${this.name} translates the reply back: destination ${fmtIp(pub)}:${ct.natPort} -> ${fmtIp(ct.src)}:${ct.sport}`,
      );
    }
    if (ct && ct.kind === 'dnat') {
      this.touch(ct, ip, false);
      const after = natRewrite(ip, ip.src, ct.natAddr, sport, ct.natPort);
      return this.rewrite(ctx, ip, after, 'dnat-port-forward', () => `${this.name} forwards ${fmtIp(pub)}:${dport} to ${fmtIp(ct.natAddr)}:${ct.natPort}`);
    }
    const fwd = this.forwards.find((f) => (f.proto === 'tcp' ? IPPROTO.TCP : IPPROTO.UDP) === ip.proto && f.port === dport);
    if (fwd) {
      const nc = this.newConn('dnat', ip, sport, dport, fwd.to, fwd.toPort);
      const after = natRewrite(ip, ip.src, fwd.to, sport, fwd.toPort);
      return this.rewrite(ctx, ip, after, 'dnat-port-forward', () => `${this.name} forwards ${fmtIp(pub)}:${dport} to ${fmtIp(nc.natAddr)}:${nc.natPort} (port forward)`);
    }
    return ip; // the gateway's own traffic: its stack decides
  }

  /** Packets leaving the public interface are masqueraded; replies of port-forwarded flows get the public source back. */
  private postrouting(ip: Ipv4, ctx: HookContext): Ipv4 | null {
    const wan = this.wan;
    const pub = this.publicAddr();
    if (!wan || pub === null || ctx.outIface !== wan || ip.src === pub || this.isLocal(ip.src)) return ip;
    const ports = portsOf(ip);
    if (!ports) return ip;
    const [sport, dport] = ports;
    const isEcho = ip.proto === IPPROTO.ICMP;
    // A reply of a port-forwarded flow leaves with the public address as its source.
    const back = this.live(this.replies.get(key(ip.proto, ip.src, sport, ip.dst, dport)));
    if (back && back.kind === 'dnat') {
      this.touch(back, ip, true);
      const after = natRewrite(ip, pub, ip.dst, back.dport, dport);
      return this.rewrite(ctx, ip, after, 'dnat-reply', () => `${this.name} gives the reply from ${fmtIp(ip.src)}:${sport} the public source ${fmtIp(pub)}:${back.dport}`);
    }
    let ct = this.live(this.conns.get(key(ip.proto, ip.src, sport, ip.dst, isEcho ? 0 : dport)));
    if (!ct) {
      const natPort = this.pickPort(ip.proto, pub, sport, ip.dst, isEcho ? 0 : dport);
      ct = this.newConn('snat', ip, sport, isEcho ? 0 : dport, pub, natPort);
    }
    this.touch(ct, ip, false);
    const c = ct;
    const after = natRewrite(ip, pub, ip.dst, c.natPort, dport);
    return this.rewrite(ctx, ip, after, 'snat-masquerade', () =>
      isEcho ? `${this.name} masquerades the echo request of ${fmtIp(ip.src)} (id ${sport}) as ${fmtIp(pub)} (id ${c.natPort})` : `${this.name} masquerades ${fmtIp(ip.src)}:${sport} as ${fmtIp(pub)}:${c.natPort}`,
    );
  }

  /**
   * An ICMP error to the public address about a masqueraded flow: the outer
   * destination and the quoted packet's source are translated back, with
   * the quoted checksums fixed (nf_nat_icmp_reply_translation).
   */
  private relatedIcmp(ip: Ipv4, ctx: HookContext, pub: Ipv4Addr): Ipv4 | null {
    const m = ip.payload;
    if (m.kind !== 'icmp' || m.body.length < 28) return ip;
    const q = m.body;
    const ihl = (q[0]! & 15) * 4;
    const proto = q[9]!;
    const qsrc = ((q[12]! << 24) | (q[13]! << 16) | (q[14]! << 8) | q[15]!) >>> 0;
    const qdst = ((q[16]! << 24) | (q[17]! << 16) | (q[18]! << 8) | q[19]!) >>> 0;
    if (qsrc !== pub || q.length < ihl + 4) return ip;
    const qsport = (q[ihl]! << 8) | q[ihl + 1]!;
    const qdport = (q[ihl + 2]! << 8) | q[ihl + 3]!;
    const ct = this.live(this.replies.get(key(proto, qdst, proto === IPPROTO.ICMP ? 0 : qdport, pub, qsport)));
    if (!ct || ct.kind !== 'snat') return ip;
    const body = rewriteQuoted(q, ct.src, ct.sport, qdst, qdport);
    const inner = mkIcmp(m.type, m.code, m.rest, body);
    const after = natRewrite({ ...ip, payload: inner }, ip.src, ct.src, 0, 0);
    return this.rewrite(ctx, ip, after, 'un-masquerade', () => `${this.name} translates an ICMP error about ${this.describe(ct)} back to ${fmtIp(ct.src)}`);
  }
}

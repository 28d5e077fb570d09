/**
 * Frames of a capture, reduced to what the differential suite compares:
 * one line of text per frame in which everything that must match is
 * written out and everything that legitimately differs between two runs is
 * normalised by role.
 *
 * Compared exactly: MACs (written as the interface that owns them, since
 * both sides use lblab's MACs), IPs, ports, TTL, TOS, DF, TCP flags,
 * window, option kinds and values in order, ARP fields, ICMP type/code and
 * the quoted packet, payload length.
 * Normalised: TCP sequence and acknowledgement numbers become `isnK+d`
 * (K numbers the initial sequence numbers in order of first appearance on
 * that side, d the offset from it); TCP timestamps become the clock they
 * come from (`clkK`, the K-th SYN/SYN-ACK's tsval), without the millisecond
 * count, which is a timing quantity; IP ids and capture times are dropped.
 */
import { decode, decodeQuote, fmtIp, fmtMac, TCP_FLAG, type Ipv4, type Tcp, type TcpOption } from '../../../src/wire/index.js';

/** One captured frame at a capture point, on either side. */
export interface CapturedFrame {
  /** "node:iface". */
  readonly point: string;
  /** 'out' when the point sent it. */
  readonly dir: 'in' | 'out';
  /** Nanoseconds (any origin; the same clock for one side). */
  readonly t: number;
  readonly data: Uint8Array;
}

/** What the lines of one side are rendered with: interface names for MACs, and the side's ISNs and TS clocks. */
export interface Normaliser {
  line(data: Uint8Array): string;
}

/**
 * The stream a frame belongs to at a capture point, besides its direction:
 * its IP source and destination with the ports for TCP and UDP
 * ("10.0.0.10:40000>10.0.1.100:80"), or "arp". Frames of one stream keep
 * their order on any wire; the order between streams (a one-arm LB's
 * interface carries two flows each way, a client's connections follow one
 * another) is timing.
 */
export function streamOf(data: Uint8Array): string {
  const d = decode(data);
  if (!d.ok) return 'other';
  const p = d.value.payload;
  if (p.kind === 'arp') return 'arp';
  if (p.kind !== 'ipv4') return 'other';
  const t = p.payload;
  return t.kind === 'tcp' || t.kind === 'udp' ? `${fmtIp(p.src)}:${t.sport}>${fmtIp(p.dst)}:${t.dport}` : `${fmtIp(p.src)}>${fmtIp(p.dst)}`;
}

const SPAN = 1 << 24; // a value within 16 MiB above a base is "base + d"

function nearest(bases: readonly number[], v: number, prefix: string): string | null {
  let best = -1;
  let bestD = SPAN;
  for (let k = 0; k < bases.length; k++) {
    const d = (v - bases[k]! + 0x1_0000_0000) % 0x1_0000_0000;
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best < 0 ? null : `${prefix}${best}+${bestD}`;
}

function flagText(f: number): string {
  let s = '';
  if (f & TCP_FLAG.FIN) s += 'F';
  if (f & TCP_FLAG.SYN) s += 'S';
  if (f & TCP_FLAG.RST) s += 'R';
  if (f & TCP_FLAG.PSH) s += 'P';
  if (f & TCP_FLAG.ACK) s += '.';
  if (f & TCP_FLAG.URG) s += 'U';
  if (f & TCP_FLAG.ECE) s += 'E';
  if (f & TCP_FLAG.CWR) s += 'W';
  return s;
}

/** Builds the normaliser of one side from all its frames in time order (ISNs and clocks are numbered by first appearance). */
export function normaliser(frames: readonly CapturedFrame[], macNames: ReadonlyMap<number, string>): Normaliser {
  const isns: number[] = [];
  const clocks: number[] = [];
  const seen = new Set<number>();
  const seenClk = new Set<number>();
  for (const f of frames) {
    const tcp = tcpOf(f.data);
    if (!tcp || !(tcp.flags & TCP_FLAG.SYN)) continue;
    if (!seen.has(tcp.seq)) {
      seen.add(tcp.seq);
      isns.push(tcp.seq);
    }
    for (const o of tcp.options) {
      if (o.kind === 'timestamps' && !seenClk.has(o.tsval)) {
        seenClk.add(o.tsval);
        clocks.push(o.tsval);
      }
    }
  }
  const macName = (m: number): string => macNames.get(m) ?? (m === 0xffffffffffff ? 'bcast' : m === 0 ? '0' : fmtMac(m));
  const seq = (v: number): string => (v === 0 ? '0' : (nearest(isns, v, 'isn') ?? `raw${v}`));
  const clk = (v: number): string => {
    if (v === 0) return '0';
    const n = nearest(clocks, v, 'clk');
    return n ? n.slice(0, n.indexOf('+')) : 'clk?';
  };
  const opt = (o: TcpOption): string => {
    switch (o.kind) {
      case 'mss':
        return `mss${o.mss}`;
      case 'wscale':
        return `ws${o.shift}`;
      case 'sack-permitted':
        return 'sackOK';
      case 'sack':
        return `sack${o.blocks.map(([a, b]) => `${seq(a)}-${seq(b)}`).join(',')}`;
      case 'timestamps':
        return `ts(${clk(o.tsval)},${clk(o.tsecr)})`;
      case 'unknown':
        return `opt${o.type}`;
      default:
        return o.kind;
    }
  };
  const ipLine = (ip: Ipv4, quoted: boolean): string => {
    const head = `${fmtIp(ip.src)}>${fmtIp(ip.dst)} ttl${ip.ttl}${ip.tos ? ` tos0x${ip.tos.toString(16)}` : ''}${ip.frag & 0x4000 ? ' DF' : ''}`;
    const p = ip.payload;
    switch (p.kind) {
      case 'tcp':
        return `${head} tcp ${p.sport}>${p.dport} [${flagText(p.flags)}] seq=${seq(p.seq)} ack=${p.flags & TCP_FLAG.ACK ? seq(p.ack) : '-'} win${p.window} <${p.options.map(opt).join(' ')}> len${p.payload.length}`;
      case 'udp':
        return `${head} udp ${p.sport}>${p.dport} len${p.payload.length}`;
      case 'icmp': {
        if (quoted) return `${head} icmp ${p.type}/${p.code}`;
        const body = p.type === 3 || p.type === 5 || p.type === 11 ? decodeQuote(p.body) : null;
        const extra = p.type === 5 ? ` gw=${fmtIp(p.rest >>> 0)}` : p.type === 0 || p.type === 8 ? ` seq${p.rest & 0xffff} len${p.body.length}` : '';
        const q = body ? (body.ok ? ` quote{${ipLine(body.value.ip, true)}${body.value.complete ? '' : ' part'}}` : ' quote{bad}') : '';
        return `${head} icmp ${p.type}/${p.code}${extra}${q}`;
      }
      case 'ipv4':
        return `${head} ipip{${ipLine(p, quoted)}}`;
      default:
        return `${head} proto${ip.proto} len${'bytes' in p ? p.bytes.length : 0}`;
    }
  };
  return {
    line(data: Uint8Array): string {
      const d = decode(data);
      if (!d.ok) return `undecodable(${d.error.reason})`;
      const e = d.value;
      const l2 = `${macName(e.src)}>${macName(e.dst)}${e.vlan ? ` vlan${e.vlan.vid}` : ''}`;
      const p = e.payload;
      if (p.kind === 'arp') return `${l2} arp ${p.op === 1 ? 'request' : p.op === 2 ? 'reply' : `op${p.op}`} sha=${macName(p.sha)} spa=${fmtIp(p.spa)} tha=${macName(p.tha)} tpa=${fmtIp(p.tpa)}`;
      if (p.kind === 'ipv4') return `${l2} ${ipLine(p, false)}`;
      return `${l2} ethertype0x${e.type.toString(16)} len${p.bytes.length}`;
    },
  };
}

function tcpOf(data: Uint8Array): Tcp | null {
  const d = decode(data);
  if (!d.ok || d.value.payload.kind !== 'ipv4') return null;
  const p = d.value.payload.payload;
  return p.kind === 'tcp' ? p : null;
}

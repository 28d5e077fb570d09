/**
 * Serialises frame values to bytes, field by field at named offsets. The
 * checksum fields are written as the values carry them (they were computed
 * when the value was built, or deliberately set wrong by a lesson), so the
 * bytes are exactly what the simulated wire carries.
 */
import { ethernetContentLength, ETH_MIN_FRAME, ipv4HeaderLength, ipv4TotalLength, tcpHeaderLength, tcpOptionLength } from './checksum.js';
import type { Arp, Ethernet, Icmp, Ipv4, Tcp, TcpOption, Udp } from './types.js';
import { ETHERTYPE } from './types.js';
import { writeVrrp } from './vrrp.js';

/** Ethernet header field offsets. */
export const ETH = { DST: 0, SRC: 6, TYPE: 12, HEADER_LEN: 14, TAG_LEN: 4 } as const;
/** ARP field offsets (IPv4 over Ethernet). */
export const ARPF = { HTYPE: 0, PTYPE: 2, HLEN: 4, PLEN: 5, OP: 6, SHA: 8, SPA: 14, THA: 18, TPA: 24, LEN: 28 } as const;
/** IPv4 header field offsets. */
export const IP4 = { VER_IHL: 0, TOS: 1, TOTAL_LEN: 2, ID: 4, FRAG: 6, TTL: 8, PROTO: 9, CHECKSUM: 10, SRC: 12, DST: 16, OPTIONS: 20 } as const;
/** UDP header field offsets. */
export const UDPF = { SPORT: 0, DPORT: 2, LEN: 4, CHECKSUM: 6, HEADER_LEN: 8 } as const;
/** TCP header field offsets. */
export const TCPF = { SPORT: 0, DPORT: 2, SEQ: 4, ACK: 8, OFF: 12, FLAGS: 13, WINDOW: 14, CHECKSUM: 16, URGENT: 18, OPTIONS: 20 } as const;
/** ICMP header field offsets. */
export const ICMPF = { TYPE: 0, CODE: 1, CHECKSUM: 2, REST: 4, BODY: 8 } as const;

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 255;
  b[at + 1] = v & 255;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 255;
  b[at + 1] = (v >>> 16) & 255;
  b[at + 2] = (v >>> 8) & 255;
  b[at + 3] = v & 255;
}

function putMac(b: Uint8Array, at: number, m: number): void {
  const hi = Math.floor(m / 4294967296);
  put16(b, at, hi);
  put32(b, at + 2, m >>> 0);
}

/** Encodes an Ethernet frame, padded with zeros to the 60-byte minimum (no FCS). */
export function encode(eth: Ethernet): Uint8Array {
  const n = ethernetContentLength(eth);
  const b = new Uint8Array(n < ETH_MIN_FRAME ? ETH_MIN_FRAME : n);
  writeEthernet(b, 0, eth);
  return b;
}

/** Writes an Ethernet frame at `at`; returns the offset after its content. */
export function writeEthernet(b: Uint8Array, at: number, eth: Ethernet): number {
  putMac(b, at + ETH.DST, eth.dst);
  putMac(b, at + ETH.SRC, eth.src);
  let o = at + ETH.TYPE;
  if (eth.vlan) {
    put16(b, o, ETHERTYPE.VLAN);
    put16(b, o + 2, ((eth.vlan.pcp & 7) << 13) | ((eth.vlan.dei & 1) << 12) | (eth.vlan.vid & 0xfff));
    o += ETH.TAG_LEN;
  }
  put16(b, o, eth.type);
  o += 2;
  const p = eth.payload;
  switch (p.kind) {
    case 'arp':
      return writeArp(b, o, p);
    case 'ipv4':
      return writeIpv4(b, o, p);
    case 'raw':
      b.set(p.bytes, o);
      return o + p.bytes.length;
  }
}

function writeArp(b: Uint8Array, at: number, a: Arp): number {
  put16(b, at + ARPF.HTYPE, 1);
  put16(b, at + ARPF.PTYPE, ETHERTYPE.IPV4);
  b[at + ARPF.HLEN] = 6;
  b[at + ARPF.PLEN] = 4;
  put16(b, at + ARPF.OP, a.op);
  putMac(b, at + ARPF.SHA, a.sha);
  put32(b, at + ARPF.SPA, a.spa);
  putMac(b, at + ARPF.THA, a.tha);
  put32(b, at + ARPF.TPA, a.tpa);
  return at + ARPF.LEN;
}

/** Encodes an IPv4 packet on its own (for ICMP error quotes and tunnels). */
export function encodeIpv4(ip: Ipv4): Uint8Array {
  const b = new Uint8Array(ipv4TotalLength(ip));
  writeIpv4(b, 0, ip);
  return b;
}

/** Writes an IPv4 packet at `at`; returns the offset after it. */
export function writeIpv4(b: Uint8Array, at: number, ip: Ipv4): number {
  const hl = ipv4HeaderLength(ip.options);
  const total = ipv4TotalLength(ip);
  b[at + IP4.VER_IHL] = 0x40 | (hl >> 2);
  b[at + IP4.TOS] = ip.tos;
  put16(b, at + IP4.TOTAL_LEN, total);
  put16(b, at + IP4.ID, ip.id);
  put16(b, at + IP4.FRAG, ip.frag);
  b[at + IP4.TTL] = ip.ttl;
  b[at + IP4.PROTO] = ip.proto;
  put16(b, at + IP4.CHECKSUM, ip.checksum);
  put32(b, at + IP4.SRC, ip.src);
  put32(b, at + IP4.DST, ip.dst);
  if (ip.options) b.set(ip.options, at + IP4.OPTIONS);
  const o = at + hl;
  const p = ip.payload;
  switch (p.kind) {
    case 'tcp':
      return writeTcp(b, o, p);
    case 'udp':
      return writeUdp(b, o, p);
    case 'icmp':
      return writeIcmp(b, o, p);
    case 'ipv4':
      return writeIpv4(b, o, p);
    case 'vrrp':
      return writeVrrp(b, o, p);
    case 'raw':
      b.set(p.bytes, o);
      return o + p.bytes.length;
  }
}

function writeUdp(b: Uint8Array, at: number, u: Udp): number {
  put16(b, at + UDPF.SPORT, u.sport);
  put16(b, at + UDPF.DPORT, u.dport);
  put16(b, at + UDPF.LEN, UDPF.HEADER_LEN + u.payload.length);
  put16(b, at + UDPF.CHECKSUM, u.checksum);
  b.set(u.payload, at + UDPF.HEADER_LEN);
  return at + UDPF.HEADER_LEN + u.payload.length;
}

function writeIcmp(b: Uint8Array, at: number, m: Icmp): number {
  b[at + ICMPF.TYPE] = m.type;
  b[at + ICMPF.CODE] = m.code;
  put16(b, at + ICMPF.CHECKSUM, m.checksum);
  put32(b, at + ICMPF.REST, m.rest);
  b.set(m.body, at + ICMPF.BODY);
  return at + ICMPF.BODY + m.body.length;
}

function writeTcpOption(b: Uint8Array, at: number, o: TcpOption): number {
  switch (o.kind) {
    case 'eol':
      b[at] = 0;
      break;
    case 'nop':
      b[at] = 1;
      break;
    case 'mss':
      b[at] = 2;
      b[at + 1] = 4;
      put16(b, at + 2, o.mss);
      break;
    case 'wscale':
      b[at] = 3;
      b[at + 1] = 3;
      b[at + 2] = o.shift;
      break;
    case 'sack-permitted':
      b[at] = 4;
      b[at + 1] = 2;
      break;
    case 'sack':
      b[at] = 5;
      b[at + 1] = 2 + 8 * o.blocks.length;
      for (let i = 0; i < o.blocks.length; i++) {
        const blk = o.blocks[i]!;
        put32(b, at + 2 + 8 * i, blk[0]);
        put32(b, at + 6 + 8 * i, blk[1]);
      }
      break;
    case 'timestamps':
      b[at] = 8;
      b[at + 1] = 10;
      put32(b, at + 2, o.tsval);
      put32(b, at + 6, o.tsecr);
      break;
    case 'unknown':
      b[at] = o.type;
      b[at + 1] = 2 + o.data.length;
      b.set(o.data, at + 2);
      break;
  }
  return at + tcpOptionLength(o);
}

function writeTcp(b: Uint8Array, at: number, t: Tcp): number {
  const hl = tcpHeaderLength(t.options);
  put16(b, at + TCPF.SPORT, t.sport);
  put16(b, at + TCPF.DPORT, t.dport);
  put32(b, at + TCPF.SEQ, t.seq);
  put32(b, at + TCPF.ACK, t.ack);
  b[at + TCPF.OFF] = (hl >> 2) << 4;
  b[at + TCPF.FLAGS] = t.flags;
  put16(b, at + TCPF.WINDOW, t.window);
  put16(b, at + TCPF.CHECKSUM, t.checksum);
  put16(b, at + TCPF.URGENT, t.urgent);
  let o = at + TCPF.OPTIONS;
  for (let i = 0; i < t.options.length; i++) o = writeTcpOption(b, o, t.options[i]!);
  // Pad to the data offset with zeros (EOL, RFC 9293): written, not assumed,
  // because writeIpv4/writeEthernet may be given a reused buffer.
  b.fill(0, o, at + hl);
  b.set(t.payload, at + hl);
  return at + hl + t.payload.length;
}

/**
 * The Internet checksum (RFC 1071), computed straight from typed values so
 * that the simulator never has to serialise a frame to know its checksum,
 * and the incremental update that NAT devices use (RFC 1624).
 *
 * All sums here are one's-complement sums of 16-bit words kept in a plain
 * number and folded at the end; 32-bit fields contribute their two halves.
 */
import type { Ethernet, Icmp, Ipv4, Tcp, TcpOption, Udp } from './types.js';
import { IPPROTO } from './types.js';

/** Adds the 16-bit big-endian words of bytes[start, end) to `acc` (odd length pads with zero). */
export function sumBytes(b: Uint8Array, start: number, end: number, acc: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) acc += (b[i]! << 8) | b[i + 1]!;
  if (i < end) acc += b[i]! << 8;
  return acc;
}

/** Folds a wide sum into 16 bits with end-around carry. */
export function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return acc;
}

/** The checksum field for a folded sum: its one's complement. */
export function finish(acc: number): number {
  return ~fold(acc) & 0xffff;
}

function sum32(v: number): number {
  return (v >>> 16) + (v & 0xffff);
}

/** The byte length of an IPv4 header with these options. */
export function ipv4HeaderLength(options: Uint8Array | null): number {
  return 20 + (options ? options.length : 0);
}

/** The sum of an IPv4 header's words with the checksum field taken as zero. */
function ipv4HeaderSum(ip: Ipv4, totalLength: number): number {
  const hl = ipv4HeaderLength(ip.options);
  let acc = ((0x40 | (hl >> 2)) << 8) | ip.tos;
  acc += totalLength;
  acc += ip.id;
  acc += ip.frag;
  acc += (ip.ttl << 8) | ip.proto;
  acc += sum32(ip.src) + sum32(ip.dst);
  if (ip.options) acc = sumBytes(ip.options, 0, ip.options.length, acc);
  return acc;
}

/** The correct header checksum for an IPv4 packet (its own checksum field ignored). */
export function ipv4Checksum(ip: Ipv4): number {
  return finish(ipv4HeaderSum(ip, ipv4TotalLength(ip)));
}

/** The total length of an IPv4 packet: header plus payload. */
export function ipv4TotalLength(ip: Ipv4): number {
  return ipv4HeaderLength(ip.options) + payloadLength(ip.payload);
}

/** The byte length of an IPv4 payload layer. */
export function payloadLength(p: Ipv4['payload']): number {
  switch (p.kind) {
    case 'tcp':
      return tcpHeaderLength(p.options) + p.payload.length;
    case 'udp':
      return 8 + p.payload.length;
    case 'icmp':
      return 8 + p.body.length;
    case 'ipv4':
      return ipv4TotalLength(p);
    case 'raw':
      return p.bytes.length;
  }
}

/** The encoded length of one TCP option. */
export function tcpOptionLength(o: TcpOption): number {
  switch (o.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sack-permitted':
      return 2;
    case 'sack':
      return 2 + 8 * o.blocks.length;
    case 'timestamps':
      return 10;
    case 'unknown':
      return 2 + o.data.length;
  }
}

/** The TCP header length for these options: 20 plus options padded to a multiple of 4. */
export function tcpHeaderLength(options: readonly TcpOption[]): number {
  let n = 0;
  for (let i = 0; i < options.length; i++) n += tcpOptionLength(options[i]!);
  return 20 + ((n + 3) & ~3);
}

/**
 * Sums TCP option bytes as 16-bit words. Options are packed back to back, so
 * a byte's position in its word depends on everything before it; `pos` tracks
 * whether the next byte is the high (even) or low (odd) half.
 */
function tcpOptionsSum(options: readonly TcpOption[]): number {
  let acc = 0;
  let pos = 0;
  const put = (byte: number): void => {
    acc += (pos & 1) === 0 ? byte << 8 : byte;
    pos++;
  };
  const put16 = (v: number): void => {
    put((v >>> 8) & 255);
    put(v & 255);
  };
  const put32 = (v: number): void => {
    put16(v >>> 16);
    put16(v & 0xffff);
  };
  for (const o of options) {
    switch (o.kind) {
      case 'eol':
        put(0);
        break;
      case 'nop':
        put(1);
        break;
      case 'mss':
        put(2), put(4), put16(o.mss);
        break;
      case 'wscale':
        put(3), put(3), put(o.shift);
        break;
      case 'sack-permitted':
        put(4), put(2);
        break;
      case 'sack':
        put(5), put(2 + 8 * o.blocks.length);
        for (const [l, r] of o.blocks) put32(l), put32(r);
        break;
      case 'timestamps':
        put(8), put(10), put32(o.tsval), put32(o.tsecr);
        break;
      case 'unknown':
        put(o.type), put(2 + o.data.length);
        for (let i = 0; i < o.data.length; i++) put(o.data[i]!);
        break;
    }
  }
  return acc; // padding bytes are zero and add nothing
}

function pseudoHeaderSum(src: number, dst: number, proto: number, length: number): number {
  return sum32(src) + sum32(dst) + proto + length;
}

/** The correct TCP checksum of `tcp` carried between `src` and `dst` (its own checksum field ignored). */
export function tcpChecksum(src: number, dst: number, tcp: Tcp): number {
  const hl = tcpHeaderLength(tcp.options);
  const len = hl + tcp.payload.length;
  let acc = pseudoHeaderSum(src, dst, IPPROTO.TCP, len);
  acc += tcp.sport + tcp.dport;
  acc += sum32(tcp.seq) + sum32(tcp.ack);
  acc += ((hl >> 2) << 12) | tcp.flags;
  acc += tcp.window + tcp.urgent;
  acc += tcpOptionsSum(tcp.options);
  acc = sumBytes(tcp.payload, 0, tcp.payload.length, acc);
  return finish(acc);
}

/** The correct UDP checksum of `udp` carried between `src` and `dst`; a computed 0 is sent as 0xffff (RFC 768). */
export function udpChecksum(src: number, dst: number, udp: Udp): number {
  const len = 8 + udp.payload.length;
  let acc = pseudoHeaderSum(src, dst, IPPROTO.UDP, len);
  acc += udp.sport + udp.dport + len;
  acc = sumBytes(udp.payload, 0, udp.payload.length, acc);
  const c = finish(acc);
  return c === 0 ? 0xffff : c;
}

/** The correct ICMP checksum of a message (its own checksum field ignored). */
export function icmpChecksum(icmp: Icmp): number {
  let acc = (icmp.type << 8) | icmp.code;
  acc += sum32(icmp.rest);
  acc = sumBytes(icmp.body, 0, icmp.body.length, acc);
  return finish(acc);
}

/**
 * RFC 1624, eqn. 3: the new checksum after one 16-bit word of the covered
 * data changes from `oldWord` to `newWord`: HC' = ~(~HC + ~m + m').
 */
export function csumReplace16(check: number, oldWord: number, newWord: number): number {
  const acc = (~check & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~fold(acc) & 0xffff;
}

/** RFC 1624 for a 32-bit field (an address): both halves replaced at once. */
export function csumReplace32(check: number, oldVal: number, newVal: number): number {
  const acc =
    (~check & 0xffff) +
    (~(oldVal >>> 16) & 0xffff) +
    (~oldVal & 0xffff) +
    ((newVal >>> 16) & 0xffff) +
    (newVal & 0xffff);
  return ~fold(acc) & 0xffff;
}

/** True when the IPv4 header checksum carried by `ip` is correct. */
export function ipv4ChecksumOk(ip: Ipv4): boolean {
  return ip.checksum === ipv4Checksum(ip);
}

/** True when the transport checksum of `ip`'s payload is correct (UDP checksum 0 means none, and passes). */
export function transportChecksumOk(ip: Ipv4): boolean {
  const p = ip.payload;
  switch (p.kind) {
    case 'tcp':
      return p.checksum === tcpChecksum(ip.src, ip.dst, p);
    case 'udp':
      return p.checksum === 0 || p.checksum === udpChecksum(ip.src, ip.dst, p);
    case 'icmp':
      return p.checksum === icmpChecksum(p);
    case 'ipv4':
    case 'raw':
      return true;
  }
}

/** Ethernet's minimum frame size without the FCS: shorter frames are padded with zeros (IEEE 802.3). */
export const ETH_MIN_FRAME = 60;

/** The unpadded byte length of an Ethernet frame's headers and payload (no FCS). */
export function ethernetContentLength(eth: Ethernet): number {
  const hdr = eth.vlan ? 18 : 14;
  const p = eth.payload;
  switch (p.kind) {
    case 'arp':
      return hdr + 28;
    case 'ipv4':
      return hdr + ipv4TotalLength(p);
    case 'raw':
      return hdr + p.bytes.length;
  }
}

/** The byte length of the frame as sent: padded to 60 bytes, FCS excluded. */
export function ethernetLength(eth: Ethernet): number {
  const n = ethernetContentLength(eth);
  return n < ETH_MIN_FRAME ? ETH_MIN_FRAME : n;
}

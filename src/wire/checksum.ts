/**
 * The Internet checksum (RFC 1071), computed straight from typed values so
 * that the simulator never has to serialise a frame to know its checksum,
 * and the incremental update that NAT devices use (RFC 1624). VRRPv3's
 * checksum (RFC 5798 5.2.8) is here too: it covers the same pseudo-header.
 *
 * All sums here are one's-complement sums of 16-bit words kept in a plain
 * number and folded at the end; 32-bit fields contribute their two halves.
 */
import type { Ethernet, Icmp, Ipv4, Ipv4Addr, Tcp, TcpOption, Udp, Vrrp } from './types.js';
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
  return ipv4FieldsSum(ip.tos, ip.id, ip.frag, ip.ttl, ip.proto, ip.src, ip.dst, ip.options, totalLength);
}

function ipv4FieldsSum(tos: number, id: number, frag: number, ttl: number, proto: number, src: number, dst: number, options: Uint8Array | null, totalLength: number): number {
  const hl = ipv4HeaderLength(options);
  let acc = ((0x40 | (hl >> 2)) << 8) | tos;
  acc += totalLength;
  acc += id;
  acc += frag;
  acc += (ttl << 8) | proto;
  acc += sum32(src) + sum32(dst);
  if (options) acc = sumBytes(options, 0, options.length, acc);
  return acc;
}

/**
 * The IPv4 header checksum from the header's fields, before any value
 * exists: lets the packet builder make its value in one allocation.
 */
export function ipv4FieldsChecksum(
  tos: number,
  id: number,
  frag: number,
  ttl: number,
  proto: number,
  src: number,
  dst: number,
  options: Uint8Array | null,
  totalLength: number,
): number {
  return finish(ipv4FieldsSum(tos, id, frag, ttl, proto, src, dst, options, totalLength));
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
    case 'vrrp':
      return 8 + 4 * p.addrs.length; // RFC 5798 5.2: header, then the addresses
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

/** Adds one byte at option position `pos`: even positions are the high half of a 16-bit word. */
function add8(acc: number, pos: number, v: number): number {
  return acc + ((pos & 1) === 0 ? v << 8 : v);
}

/** Adds a big-endian 16-bit value at option position `pos`, which may straddle two words. */
function add16(acc: number, pos: number, v: number): number {
  return (pos & 1) === 0 ? acc + v : acc + (v >>> 8) + ((v & 255) << 8);
}

function add32(acc: number, pos: number, v: number): number {
  return add16(add16(acc, pos, v >>> 16), pos + 2, v & 0xffff);
}

/**
 * Sums TCP option bytes as 16-bit words. Options are packed back to back, so
 * a byte's position in its word depends on everything before it; `pos` tracks
 * whether the next byte is the high (even) or low (odd) half. Plain helpers
 * rather than closures: this runs for every TCP segment built.
 */
function tcpOptionsSum(options: readonly TcpOption[]): number {
  let acc = 0;
  let pos = 0;
  for (let k = 0; k < options.length; k++) {
    const o = options[k]!;
    switch (o.kind) {
      case 'eol':
        break; // a zero byte adds nothing
      case 'nop':
        acc = add8(acc, pos, 1);
        break;
      case 'mss':
        acc = add16(add16(acc, pos, 0x0204), pos + 2, o.mss);
        break;
      case 'wscale':
        acc = add8(add16(acc, pos, 0x0303), pos + 2, o.shift);
        break;
      case 'sack-permitted':
        acc = add16(acc, pos, 0x0402);
        break;
      case 'sack':
        acc = add16(acc, pos, 0x0500 | (2 + 8 * o.blocks.length));
        for (let j = 0; j < o.blocks.length; j++) {
          const blk = o.blocks[j]!;
          acc = add32(add32(acc, pos + 2 + 8 * j, blk[0]), pos + 6 + 8 * j, blk[1]);
        }
        break;
      case 'timestamps':
        acc = add32(add32(add16(acc, pos, 0x080a), pos + 2, o.tsval), pos + 6, o.tsecr);
        break;
      case 'unknown':
        acc = add16(acc, pos, (o.type << 8) | (2 + o.data.length));
        for (let j = 0; j < o.data.length; j++) acc = add8(acc, pos + 2 + j, o.data[j]!);
        break;
    }
    pos += tcpOptionLength(o);
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
  return udpFieldsChecksum(src, dst, udp.sport, udp.dport, udp.payload);
}

/** The UDP checksum from the datagram's fields, before the value exists (see udpChecksum). */
export function udpFieldsChecksum(src: number, dst: number, sport: number, dport: number, payload: Uint8Array): number {
  const len = 8 + payload.length;
  let acc = pseudoHeaderSum(src, dst, IPPROTO.UDP, len);
  acc += sport + dport + len;
  acc = sumBytes(payload, 0, payload.length, acc);
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

/** The checksum of an advertisement from `src` to `dst` (its own checksum field ignored). */
export function vrrpChecksum(src: Ipv4Addr, dst: Ipv4Addr, v: Vrrp): number {
  return vrrpFieldsChecksum(src, dst, v.version, v.type, v.vrid, v.priority, v.rsvd, v.maxAdvertInt, v.addrs);
}

/** The VRRP checksum from an advertisement's fields, before the value exists (see vrrpChecksum). */
export function vrrpFieldsChecksum(src: Ipv4Addr, dst: Ipv4Addr, version: number, type: number, vrid: number, priority: number, rsvd: number, maxAdvertInt: number, addrs: readonly Ipv4Addr[]): number {
  const len = 8 + 4 * addrs.length; // RFC 5798 5.2: header, then the addresses
  // RFC 5798 5.2.8: the IPv4 pseudo-header, as UDP's: src, dst, zero, protocol, length.
  let acc = pseudoHeaderSum(src, dst, IPPROTO.VRRP, len);
  acc += (((version & 15) << 12) | ((type & 15) << 8) | (vrid & 255)) + (((priority & 255) << 8) | (addrs.length & 255));
  acc += ((rsvd & 15) << 12) | (maxAdvertInt & 0xfff);
  for (let i = 0; i < addrs.length; i++) acc += sum32(addrs[i]!);
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
    case 'vrrp':
      return p.checksum === vrrpChecksum(ip.src, ip.dst, p);
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

/**
 * Header rewrites the way forwarding and NAT devices do them: a new value
 * that shares every untouched layer, with checksums updated incrementally
 * (RFC 1624) rather than recomputed, so a packet that arrived with a bad
 * checksum still leaves with a bad one, exactly as on real equipment.
 */
import { csumReplace16, csumReplace32, finish, sumBytes } from './checksum.js';
import type { Ethernet, Ipv4, Ipv4Addr, MacAddr } from './types.js';

/** The frame re-addressed at L2 (a routed hop or a DSR re-send): only the MACs change. */
export function withMacs(f: Ethernet, src: MacAddr, dst: MacAddr): Ethernet {
  return { kind: 'eth', dst, src, vlan: f.vlan, type: f.type, payload: f.payload };
}

/** The packet with its TTL set to `ttl`; RFC 1624 update of the header checksum (TTL shares a word with protocol). */
export function withTtl(ip: Ipv4, ttl: number): Ipv4 {
  const checksum = csumReplace16(ip.checksum, (ip.ttl << 8) | ip.proto, (ttl << 8) | ip.proto);
  return {
    kind: 'ipv4',
    tos: ip.tos,
    id: ip.id,
    frag: ip.frag,
    ttl,
    proto: ip.proto,
    checksum,
    src: ip.src,
    dst: ip.dst,
    options: ip.options,
    payload: ip.payload,
  };
}

/**
 * Rewrites addresses and ports (NAT). Pass the current value for a field
 * that does not change. The IPv4 header checksum and the TCP or UDP
 * checksum (whose pseudo-header covers the addresses) are updated
 * incrementally; a UDP checksum of 0 ("none") stays 0 (RFC 768). For ICMP
 * echo, `sport` stands for the echo identifier (as Linux NAT treats it).
 */
export function natRewrite(ip: Ipv4, src: Ipv4Addr, dst: Ipv4Addr, sport: number, dport: number): Ipv4 {
  let check = ip.checksum;
  if (src !== ip.src) check = csumReplace32(check, ip.src, src);
  if (dst !== ip.dst) check = csumReplace32(check, ip.dst, dst);
  const p = ip.payload;
  let payload: Ipv4['payload'] = p;
  if (p.kind === 'tcp' || p.kind === 'udp') {
    let c = p.checksum;
    const skip = p.kind === 'udp' && c === 0;
    if (!skip) {
      if (src !== ip.src) c = csumReplace32(c, ip.src, src);
      if (dst !== ip.dst) c = csumReplace32(c, ip.dst, dst);
      if (sport !== p.sport) c = csumReplace16(c, p.sport, sport);
      if (dport !== p.dport) c = csumReplace16(c, p.dport, dport);
      if (p.kind === 'udp' && c === 0) c = 0xffff; // RFC 768: a computed zero is sent as all ones
    }
    payload = { ...p, sport, dport, checksum: c };
  } else if (p.kind === 'icmp' && (p.type === 0 || p.type === 8)) {
    const oldId = p.rest >>> 16;
    if (sport !== oldId) {
      const c = csumReplace16(p.checksum, oldId, sport);
      payload = { ...p, rest: ((sport << 16) | (p.rest & 0xffff)) >>> 0, checksum: c };
    }
  }
  return {
    kind: 'ipv4',
    tos: ip.tos,
    id: ip.id,
    frag: ip.frag,
    ttl: ip.ttl,
    proto: ip.proto,
    checksum: check,
    src,
    dst,
    options: ip.options,
    payload,
  };
}

/**
 * Rewrites the packet quoted inside an ICMP error (its IP header and first
 * transport bytes), as NAT devices do for errors about a translated flow
 * (Linux nf_nat_icmp_reply_translation, IPVS ip_vs_nat_icmp): addresses
 * and ports are set, the quoted IP header checksum is recomputed, and the
 * quoted TCP or UDP checksum, when the quote reaches it, is updated
 * incrementally (RFC 1624). Returns a new byte array; `quote` is unchanged.
 */
export function rewriteQuoted(quote: Uint8Array, src: Ipv4Addr, sport: number, dst: Ipv4Addr, dport: number): Uint8Array {
  const b = quote.slice();
  if (b.length < 20) return b;
  const ihl = (b[0]! & 15) * 4;
  const proto = b[9]!;
  const rd32 = (at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const wr32 = (at: number, v: number): void => {
    b[at] = v >>> 24;
    b[at + 1] = (v >>> 16) & 255;
    b[at + 2] = (v >>> 8) & 255;
    b[at + 3] = v & 255;
  };
  const oldSrc = rd32(12);
  const oldDst = rd32(16);
  wr32(12, src);
  wr32(16, dst);
  b[10] = b[11] = 0;
  const ipsum = finish(sumBytes(b, 0, Math.min(ihl, b.length), 0));
  b[10] = ipsum >>> 8;
  b[11] = ipsum & 255;
  if (b.length < ihl + 4 || (proto !== 6 && proto !== 17)) return b;
  const oldSport = (b[ihl]! << 8) | b[ihl + 1]!;
  const oldDport = (b[ihl + 2]! << 8) | b[ihl + 3]!;
  b[ihl] = sport >>> 8;
  b[ihl + 1] = sport & 255;
  b[ihl + 2] = dport >>> 8;
  b[ihl + 3] = dport & 255;
  const at = proto === 6 ? ihl + 16 : ihl + 6;
  if (b.length >= at + 2) {
    let c = (b[at]! << 8) | b[at + 1]!;
    if (!(proto === 17 && c === 0)) {
      c = csumReplace32(c, oldSrc, src);
      c = csumReplace32(c, oldDst, dst);
      c = csumReplace16(c, oldSport, sport);
      c = csumReplace16(c, oldDport, dport);
      if (proto === 17 && c === 0) c = 0xffff;
      b[at] = c >>> 8;
      b[at + 1] = c & 255;
    }
  }
  return b;
}

/**
 * Header rewrites the way forwarding and NAT devices do them: a new value
 * that shares every untouched layer, with checksums updated incrementally
 * (RFC 1624) rather than recomputed, so a packet that arrived with a bad
 * checksum still leaves with a bad one, exactly as on real equipment.
 */
import { csumReplace16, csumReplace32 } from './checksum.js';
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

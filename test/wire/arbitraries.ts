/**
 * fast-check arbitraries for every wire layer, shaped like the frames the
 * simulator makes (see the round-trip notes at the top of src/wire/decode.ts
 * for the few shapes the wire cannot tell apart, which these avoid).
 */
import fc from 'fast-check';
import { icmpChecksum, ipv4Checksum, tcpChecksum, tcpOptionLength, udpChecksum, vrrpChecksum } from '../../src/wire/checksum.js';
import { encodeIpv4 } from '../../src/wire/encode.js';
import type { Arp, Ethernet, Icmp, Ipv4, Raw, Tcp, TcpOption, Udp, VlanTag, Vrrp } from '../../src/wire/types.js';
import { ETHERTYPE, IPPROTO, IP_FLAG } from '../../src/wire/types.js';

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
/** Any unsigned 32-bit value (fc.integer stops at 2^31 - 1). */
export const u32 = fc.tuple(u16, u16).map(([h, l]) => h * 0x10000 + l);
export const ipAddr = u32;
export const macAddr = fc.tuple(u16, u32).map(([h, l]) => h * 2 ** 32 + l);
export const bytes = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength, maxLength });

export const vlanTag: fc.Arbitrary<VlanTag> = fc.record({
  pcp: fc.integer({ min: 0, max: 7 }),
  dei: fc.integer({ min: 0, max: 1 }),
  vid: fc.integer({ min: 0, max: 4095 }),
});

export const arp: fc.Arbitrary<Arp> = fc.record({
  kind: fc.constant('arp' as const),
  op: fc.oneof(fc.constantFrom(1, 2), u16),
  sha: macAddr,
  spa: ipAddr,
  tha: macAddr,
  tpa: ipAddr,
});

/** Option kinds that decode as something other than 'unknown' when their length is the usual one. */
const KNOWN_KINDS = new Set([0, 1, 2, 3, 4, 5, 8]);

export const tcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant({ kind: 'nop' as const }),
  u16.map((mss) => ({ kind: 'mss' as const, mss })),
  u8.map((shift) => ({ kind: 'wscale' as const, shift })),
  fc.constant({ kind: 'sack-permitted' as const }),
  fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 4 }).map((blocks) => ({ kind: 'sack' as const, blocks })),
  fc.tuple(u32, u32).map(([tsval, tsecr]) => ({ kind: 'timestamps' as const, tsval, tsecr })),
  fc
    .tuple(
      u8.filter((t) => !KNOWN_KINDS.has(t)),
      bytes(0, 10),
    )
    .map(([type, data]) => ({ kind: 'unknown' as const, type, data })),
);

/**
 * Option lists that fit the 40 bytes a TCP header has for them. A list whose
 * length is not a multiple of 4 ends with an explicit 'eol' (the zero padding
 * encode writes reads back as one); sometimes an 'eol' is added anyway.
 */
export const tcpOptions: fc.Arbitrary<readonly TcpOption[]> = fc
  .tuple(fc.array(tcpOption, { maxLength: 8 }), fc.boolean())
  .map(([opts, eol]) => {
    const out: TcpOption[] = [];
    let n = 0;
    for (const o of opts) {
      const l = tcpOptionLength(o);
      if (n + l > 39) break; // leave room for a closing eol
      out.push(o);
      n += l;
    }
    if (eol || n % 4 !== 0) out.push({ kind: 'eol' });
    return out;
  });

export const tcp: fc.Arbitrary<Tcp> = fc.record({
  kind: fc.constant('tcp' as const),
  sport: u16,
  dport: u16,
  seq: u32,
  ack: u32,
  flags: u8,
  window: u16,
  checksum: u16,
  urgent: u16,
  options: tcpOptions,
  payload: bytes(0, 64),
});

export const udp: fc.Arbitrary<Udp> = fc.record({
  kind: fc.constant('udp' as const),
  sport: u16,
  dport: u16,
  checksum: u16,
  payload: bytes(0, 64),
});

export const icmp: fc.Arbitrary<Icmp> = fc.record({
  kind: fc.constant('icmp' as const),
  type: fc.oneof(fc.constantFrom(0, 3, 5, 8, 11), u8),
  code: fc.oneof(fc.constantFrom(0, 1, 3, 4), u8),
  checksum: u16,
  rest: u32,
  body: bytes(0, 64),
});

/** A VRRPv3 message: any type, VRID, priority, reserved bits, 12-bit interval and up to 16 addresses (the count field follows the list). */
export const vrrp: fc.Arbitrary<Vrrp> = fc.record({
  kind: fc.constant('vrrp' as const),
  version: fc.constant(3),
  type: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 15 })),
  vrid: u8,
  priority: u8,
  rsvd: fc.integer({ min: 0, max: 15 }),
  maxAdvertInt: fc.integer({ min: 0, max: 0xfff }),
  checksum: u16,
  addrs: fc.array(ipAddr, { maxLength: 16 }),
});

const rawBytes = (min: number, max: number): fc.Arbitrary<Raw> => bytes(min, max).map((b) => ({ kind: 'raw' as const, bytes: b }));

/** IP options: null, or 4..40 bytes in whole words. */
export const ipOptions: fc.Arbitrary<Uint8Array | null> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: 1, max: 10 }).chain((w) => bytes(4 * w, 4 * w)),
);

const PROTO_OF = { tcp: IPPROTO.TCP, udp: IPPROTO.UDP, icmp: IPPROTO.ICMP, ipv4: IPPROTO.IPIP, vrrp: IPPROTO.VRRP } as const;
const DECODED_PROTOS = new Set<number>([IPPROTO.ICMP, IPPROTO.IPIP, IPPROTO.TCP, IPPROTO.UDP, IPPROTO.VRRP]);

/** The flags word of a whole datagram: DF and the reserved bit may be set, no MF, offset 0. */
const wholeFrag = fc.constantFrom(0, IP_FLAG.DF, 0x8000, 0x8000 | IP_FLAG.DF);
/** The flags word of a fragment: MF set or a non-zero offset. */
const fragmentFrag = fc
  .tuple(fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 0x1fff }))
  .filter(([mf, , off]) => mf || off > 0)
  .map(([mf, df, off]) => (mf ? IP_FLAG.MF : 0) | (df ? IP_FLAG.DF : 0) | off);

/** An IPv4 packet; `depth` bounds IP-in-IP nesting. Checksums are random: decode must not care. */
export function ipv4(depth = 2): fc.Arbitrary<Ipv4> {
  const header = fc.record({ tos: u8, id: u16, ttl: u8, checksum: u16, src: ipAddr, dst: ipAddr, options: ipOptions });
  const decodedPayload: fc.Arbitrary<Tcp | Udp | Icmp | Ipv4 | Vrrp> =
    depth > 0 ? fc.oneof(tcp, udp, icmp, icmpError, vrrp, ipv4(depth - 1)) : fc.oneof(tcp, udp, icmp, icmpError, vrrp);
  const whole = fc.tuple(header, wholeFrag, decodedPayload).map(([h, frag, p]): Ipv4 => ({ kind: 'ipv4', ...h, frag, proto: PROTO_OF[p.kind], payload: p }));
  const otherProto = fc
    .tuple(header, wholeFrag, u8.filter((p) => !DECODED_PROTOS.has(p)), rawBytes(0, 64))
    .map(([h, frag, proto, p]): Ipv4 => ({ kind: 'ipv4', ...h, frag, proto, payload: p }));
  const fragment = fc
    .tuple(header, fragmentFrag, u8, rawBytes(0, 64))
    .map(([h, frag, proto, p]): Ipv4 => ({ kind: 'ipv4', ...h, frag, proto, payload: p }));
  return fc.oneof({ arbitrary: whole, weight: 4 }, { arbitrary: otherProto, weight: 1 }, { arbitrary: fragment, weight: 1 });
}

/** A plain IPv4 packet carrying TCP, UDP or ICMP (no tunnel), for quoting. */
const quotable: fc.Arbitrary<Ipv4> = fc
  .tuple(fc.record({ tos: u8, id: u16, ttl: u8, checksum: u16, src: ipAddr, dst: ipAddr, options: ipOptions }), wholeFrag, fc.oneof(tcp, udp, icmp))
  .map(([h, frag, p]) => ({ kind: 'ipv4', ...h, frag, proto: PROTO_OF[p.kind], payload: p }));

/** An ICMP error (unreachable, time exceeded, redirect) quoting a packet: whole, or its header and first 8 bytes (RFC 792). */
export const icmpError: fc.Arbitrary<Icmp> = fc
  .tuple(fc.constantFrom(3, 11, 5), fc.integer({ min: 0, max: 4 }), u16, u32, quotable, fc.boolean())
  .map(([type, code, checksum, rest, quoted, whole]) => {
    const b = encodeIpv4(quoted);
    const hl = 20 + (quoted.options ? quoted.options.length : 0);
    return { kind: 'icmp' as const, type, code, checksum, rest, body: whole ? b : b.slice(0, hl + 8) };
  });

/** A raw EtherType: anything lblab does not decode (and not a VLAN TPID). */
const rawEtherType = u16.filter((t) => t !== ETHERTYPE.IPV4 && t !== ETHERTYPE.ARP && t !== ETHERTYPE.VLAN);

/** Any Ethernet frame the simulator can make. Raw payloads are >= 46 bytes, so encode adds no padding to them. */
export const ethernet: fc.Arbitrary<Ethernet> = fc.oneof(
  fc.tuple(macAddr, macAddr, fc.option(vlanTag), arp).map(([dst, src, vlan, p]): Ethernet => ({ kind: 'eth', dst, src, vlan, type: ETHERTYPE.ARP, payload: p })),
  fc.tuple(macAddr, macAddr, fc.option(vlanTag), ipv4()).map(([dst, src, vlan, p]): Ethernet => ({ kind: 'eth', dst, src, vlan, type: ETHERTYPE.IPV4, payload: p })),
  fc.tuple(macAddr, macAddr, fc.option(vlanTag), rawEtherType, rawBytes(46, 100)).map(([dst, src, vlan, type, p]): Ethernet => ({ kind: 'eth', dst, src, vlan, type, payload: p })),
);

/** The same packet with every checksum correct, recomputed from the inside out. */
export function sealed(ip: Ipv4): Ipv4 {
  let p = ip.payload;
  switch (p.kind) {
    case 'tcp':
      p = { ...p, checksum: tcpChecksum(ip.src, ip.dst, p) };
      break;
    case 'udp':
      p = { ...p, checksum: udpChecksum(ip.src, ip.dst, p) };
      break;
    case 'icmp':
      p = { ...p, checksum: icmpChecksum(p) };
      break;
    case 'ipv4':
      p = sealed(p);
      break;
    case 'vrrp':
      p = { ...p, checksum: vrrpChecksum(ip.src, ip.dst, p) };
      break;
    case 'raw':
      break;
  }
  const out: Ipv4 = { ...ip, payload: p };
  return { ...out, checksum: ipv4Checksum(out) };
}

/**
 * Constructors for layer values. Checksums are computed unless given (the
 * "None means compute" rule): a lesson can pass a deliberately wrong value.
 * Rewrites of a built packet (TTL, NAT) live in rewrite.ts and update the
 * checksums incrementally, as real devices do.
 */
import { icmpChecksum, ipv4FieldsChecksum, ipv4HeaderLength, payloadLength, tcpChecksum, udpFieldsChecksum } from './checksum.js';
import type { Arp, Ethernet, Icmp, Ipv4, Ipv4Addr, MacAddr, Raw, Tcp, TcpOption, Udp, VlanTag } from './types.js';
import { EMPTY, ETHERTYPE, IPPROTO } from './types.js';

/** Builds an Ethernet frame; the EtherType follows from the payload unless given (needed for Raw). */
export function ethernet(
  dst: MacAddr,
  src: MacAddr,
  payload: Arp | Ipv4 | Raw,
  vlan: VlanTag | null = null,
  type?: number,
): Ethernet {
  const t = type ?? (payload.kind === 'arp' ? ETHERTYPE.ARP : payload.kind === 'ipv4' ? ETHERTYPE.IPV4 : 0);
  return { kind: 'eth', dst, src, vlan, type: t, payload };
}

/** Builds an ARP packet for IPv4 over Ethernet. */
export function arp(op: number, sha: MacAddr, spa: Ipv4Addr, tha: MacAddr, tpa: Ipv4Addr): Arp {
  return { kind: 'arp', op, sha, spa, tha, tpa };
}

/** The fields of an IPv4 header a sender chooses; the rest follow from the payload. */
export interface Ipv4Fields {
  readonly src: Ipv4Addr;
  readonly dst: Ipv4Addr;
  readonly ttl?: number;
  readonly tos?: number;
  readonly id?: number;
  readonly frag?: number;
  readonly options?: Uint8Array | null;
  /** A fixed header checksum instead of the computed one. */
  readonly checksum?: number;
}

function protoOf(p: Ipv4['payload']): number {
  switch (p.kind) {
    case 'tcp':
      return IPPROTO.TCP;
    case 'udp':
      return IPPROTO.UDP;
    case 'icmp':
      return IPPROTO.ICMP;
    case 'ipv4':
      return IPPROTO.IPIP;
    case 'vrrp':
      return IPPROTO.VRRP;
    case 'raw':
      return 255; // reserved; raw payloads should pass their own protocol
  }
}

/** Builds an IPv4 packet around `payload`, computing the header checksum unless `f.checksum` is set. */
export function ipv4(f: Ipv4Fields, payload: Ipv4['payload'], proto?: number): Ipv4 {
  // The checksum is computed from the fields, so the value is allocated once (no draft to copy): this runs per packet sent.
  const tos = f.tos ?? 0;
  const id = f.id ?? 0;
  const frag = f.frag ?? 0;
  const ttl = f.ttl ?? 64;
  const pr = proto ?? protoOf(payload);
  const options = f.options ?? null;
  const checksum = f.checksum ?? ipv4FieldsChecksum(tos, id, frag, ttl, pr, f.src, f.dst, options, ipv4HeaderLength(options) + payloadLength(payload));
  return { kind: 'ipv4', tos, id, frag, ttl, proto: pr, checksum, src: f.src, dst: f.dst, options, payload };
}

/** Builds a UDP datagram between two addresses, computing its checksum (pass 0 for none). */
export function udp(src: Ipv4Addr, dst: Ipv4Addr, sport: number, dport: number, payload: Uint8Array, checksum?: number): Udp {
  return { kind: 'udp', sport, dport, checksum: checksum ?? udpFieldsChecksum(src, dst, sport, dport, payload), payload };
}

/** The fields of a TCP segment a sender chooses. */
export interface TcpFields {
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  readonly urgent?: number;
  readonly options?: readonly TcpOption[];
  readonly payload?: Uint8Array;
  readonly checksum?: number;
}

const NO_OPTIONS: readonly TcpOption[] = Object.freeze([]);

/** Builds a TCP segment between two addresses, computing its checksum unless given. */
export function tcp(src: Ipv4Addr, dst: Ipv4Addr, f: TcpFields): Tcp {
  const draft: Tcp = {
    kind: 'tcp',
    sport: f.sport,
    dport: f.dport,
    seq: f.seq >>> 0,
    ack: f.ack >>> 0,
    flags: f.flags,
    window: f.window,
    checksum: 0,
    urgent: f.urgent ?? 0,
    options: f.options ?? NO_OPTIONS,
    payload: f.payload ?? EMPTY,
  };
  return { ...draft, checksum: f.checksum ?? tcpChecksum(src, dst, draft) };
}

/** Builds an ICMP message, computing its checksum unless given. */
export function icmp(type: number, code: number, rest: number, body: Uint8Array = EMPTY, checksum?: number): Icmp {
  const draft: Icmp = { kind: 'icmp', type, code, checksum: 0, rest: rest >>> 0, body };
  return { ...draft, checksum: checksum ?? icmpChecksum(draft) };
}

/** Wraps bytes the simulator does not interpret. */
export function raw(bytes: Uint8Array): Raw {
  return { kind: 'raw', bytes };
}

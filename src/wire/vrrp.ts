/**
 * VRRP version 3 advertisements for IPv4 (RFC 5798): the heartbeat of an
 * active/standby pair. The message rides directly in IP protocol 112 to
 * the group 224.0.0.18 with TTL 255, and its checksum covers an IPv4
 * pseudo-header as UDP's does (RFC 5798 section 5.2.8: new in version 3;
 * VRRPv2 summed the message alone). Layout (section 5.2):
 *
 *   0: version(4) type(4) | 1: VRID | 2: priority | 3: count of addresses
 *   4: reserved(4) max advert interval in centiseconds(12) | 6: checksum
 *   8: IPv4 addresses, 4 bytes each
 *
 * encode.ts and decode.ts call writeVrrp / decodeVrrp through their one
 * protocol table; summary.ts prints vrrpText. The checksum itself lives in
 * checksum.ts with the other pseudo-header checksums.
 */
import { finish, sumBytes, vrrpFieldsChecksum } from './checksum.js';
import type { Ipv4Addr, Vrrp } from './types.js';
import { IPPROTO } from './types.js';
import { fmtIp } from './addr.js';

/** VRRP header field offsets (RFC 5798 5.2). */
export const VRRPF = { VER_TYPE: 0, VRID: 1, PRIORITY: 2, COUNT: 3, RSVD_INT: 4, CHECKSUM: 6, ADDRS: 8 } as const;
/** Protocol constants (RFC 5798 section 5.1, 5.2 and 7.3). */
export const VRRP = {
  VERSION: 3,
  TYPE_ADVERTISEMENT: 1,
  /** The IPv4 multicast group of VRRP (RFC 5798 5.1.1.2). */
  GROUP: 0xe0000012,
  /** The IP TTL a sender must use and a receiver must check (RFC 5798 5.1.1.3). */
  TTL: 255,
  /** Priority of the router that owns the addresses. */
  PRIORITY_OWNER: 255,
  /** Priority a master sends when it stops (RFC 5798 5.2.4). */
  PRIORITY_STOP: 0,
  /** Default priority of a backup. */
  PRIORITY_DEFAULT: 100,
  /** The 12-bit interval field's maximum, in centiseconds. */
  MAX_INTERVAL_CS: 0xfff,
} as const;

/** The byte length of an advertisement with `n` addresses. */
export function vrrpLength(n: number): number {
  return VRRPF.ADDRS + 4 * n;
}

/** The virtual router MAC of a VRID (RFC 5798 7.3): 00-00-5E-00-01-{VRID}. */
export function vrrpMac(vrid: number): number {
  return 0x00005e000100 + (vrid & 0xff);
}

/** The fields of an advertisement a sender chooses. */
export interface VrrpFields {
  readonly vrid: number;
  readonly priority: number;
  /** Centiseconds. */
  readonly maxAdvertInt: number;
  readonly addrs: readonly Ipv4Addr[];
  /** A fixed checksum instead of the computed one (lessons). */
  readonly checksum?: number;
}

/** Builds a VRRPv3 advertisement from `src` to `dst` (normally 224.0.0.18), computing the checksum unless given. */
export function vrrp(src: Ipv4Addr, dst: Ipv4Addr, f: VrrpFields): Vrrp {
  const { vrid, priority, maxAdvertInt, addrs } = f;
  const checksum = f.checksum ?? vrrpFieldsChecksum(src, dst, VRRP.VERSION, VRRP.TYPE_ADVERTISEMENT, vrid, priority, 0, maxAdvertInt, addrs);
  return { kind: 'vrrp', version: VRRP.VERSION, type: VRRP.TYPE_ADVERTISEMENT, vrid, priority, rsvd: 0, maxAdvertInt, checksum, addrs };
}

/** Writes an advertisement at `at`; returns the offset after it. */
export function writeVrrp(b: Uint8Array, at: number, v: Vrrp): number {
  b[at + VRRPF.VER_TYPE] = ((v.version & 15) << 4) | (v.type & 15);
  b[at + VRRPF.VRID] = v.vrid;
  b[at + VRRPF.PRIORITY] = v.priority;
  b[at + VRRPF.COUNT] = v.addrs.length;
  const ri = ((v.rsvd & 15) << 12) | (v.maxAdvertInt & 0xfff);
  b[at + VRRPF.RSVD_INT] = ri >>> 8;
  b[at + VRRPF.RSVD_INT + 1] = ri & 255;
  b[at + VRRPF.CHECKSUM] = v.checksum >>> 8;
  b[at + VRRPF.CHECKSUM + 1] = v.checksum & 255;
  let o = at + VRRPF.ADDRS;
  for (const a of v.addrs) {
    b[o] = a >>> 24;
    b[o + 1] = (a >>> 16) & 255;
    b[o + 2] = (a >>> 8) & 255;
    b[o + 3] = a & 255;
    o += 4;
  }
  return o;
}

/** Why bytes are not a VRRPv3 advertisement value, with the offset of the bad field. */
export interface VrrpProblem {
  readonly offset: number;
  readonly reason: string;
}

/**
 * Decodes an advertisement in b[at, end). Returns null for a version other
 * than 3 (the caller keeps those Raw: VRRPv2 has authentication data this
 * value does not carry), a problem for truncated bytes or a count that
 * disagrees with the IP payload length. Never throws.
 */
export function decodeVrrp(b: Uint8Array, at: number, end: number): Vrrp | VrrpProblem | null {
  const avail = end - at;
  if (avail < 1) return { offset: at, reason: `vrrp header at offset ${at} needs ${VRRPF.ADDRS} bytes, only ${avail} remain` };
  const version = b[at]! >> 4;
  if (version !== VRRP.VERSION) return null;
  if (avail < VRRPF.ADDRS) return { offset: at, reason: `vrrp header at offset ${at} needs ${VRRPF.ADDRS} bytes, only ${avail} remain` };
  const count = b[at + VRRPF.COUNT]!;
  const len = vrrpLength(count);
  // RFC 5798 7.1: the length must cover the addresses the count announces; lblab also refuses trailing bytes, which a value could not carry.
  if (len !== avail) return { offset: at + VRRPF.COUNT, reason: `count ${count} makes a ${len}-byte advertisement, but the IP packet carries ${avail} bytes` };
  const addrs: Ipv4Addr[] = [];
  for (let o = at + VRRPF.ADDRS; o < end; o += 4) addrs.push(((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0);
  const ri = (b[at + VRRPF.RSVD_INT]! << 8) | b[at + VRRPF.RSVD_INT + 1]!;
  return {
    kind: 'vrrp',
    version,
    type: b[at]! & 15,
    vrid: b[at + VRRPF.VRID]!,
    priority: b[at + VRRPF.PRIORITY]!,
    rsvd: ri >> 12,
    maxAdvertInt: ri & 0xfff,
    checksum: (b[at + VRRPF.CHECKSUM]! << 8) | b[at + VRRPF.CHECKSUM + 1]!,
    addrs,
  };
}

/** Sums an encoded advertisement with its pseudo-header (0xffff folded means correct); for tests against raw bytes. */
export function vrrpBytesChecksumOk(src: Ipv4Addr, dst: Ipv4Addr, b: Uint8Array, at: number, end: number): boolean {
  const acc = sumBytes(b, at, end, (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + IPPROTO.VRRP + (end - at));
  return finish(acc) === 0;
}

/** One line in tcpdump's words: "VRRPv3 advertisement vrid 51 prio 100 intvl 100cs addrs 10.0.1.100". */
export function vrrpText(v: Vrrp): string {
  const t = v.type === VRRP.TYPE_ADVERTISEMENT ? 'advertisement' : `type ${v.type}`;
  return `VRRPv${v.version} ${t} vrid ${v.vrid} prio ${v.priority} intvl ${v.maxAdvertInt}cs addrs ${v.addrs.length ? v.addrs.map(fmtIp).join(',') : 'none'}`;
}

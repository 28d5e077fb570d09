/**
 * The stable, documented hash functions lblab uses for flows and server
 * names (grading and the lessons depend on them never changing). All of
 * them work on bytes, and numbers enter in network byte order (most
 * significant byte first), so a student can compute any result by hand from
 * docs/schedulers.md:
 *
 * - FNV-1a 32 (Fowler/Noll/Vo): h = 0x811c9dc5; for each byte: h ^= byte; h = (h * 0x01000193) mod 2^32.
 * - Jenkins one-at-a-time: h = 0; for each byte: h += byte; h += h << 10; h ^= h >>> 6;
 *   then h += h << 3; h ^= h >>> 11; h += h << 15 (all mod 2^32).
 *
 * A source-IP hash is FNV-1a over the 4 address bytes; a 4-tuple hash is
 * FNV-1a over 12 bytes: source IP (4), destination IP (4), source port (2),
 * destination port (2). Functions over numbers allocate nothing.
 */
import type { Ipv4Addr } from '../../wire/types.js';
import type { FlowKey } from './backend.js';
import { FNV32_OFFSET, fnv1aByte, fnv1aU16, fnv1aU32 } from '../../net/flow-hash.js';

// The FNV-1a primitives live with the network's flow hashes (ECMP uses them too).
export { FNV32_OFFSET, FNV32_PRIME, fnv1aByte, fnv1aU16, fnv1aU32 } from '../../net/flow-hash.js';

/** FNV-1a 32 over a byte array. */
export function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = FNV32_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = fnv1aByte(h, bytes[i]!);
  return h;
}

/** Jenkins one-at-a-time hash over a byte array (Bob Jenkins, "A hash function for hash table lookup", 1997). */
export function jenkinsOaat(bytes: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < bytes.length; i++) {
    h = (h + bytes[i]!) >>> 0;
    h = (h + (h << 10)) >>> 0;
    h = (h ^ (h >>> 6)) >>> 0;
  }
  h = (h + (h << 3)) >>> 0;
  h = (h ^ (h >>> 11)) >>> 0;
  h = (h + (h << 15)) >>> 0;
  return h;
}

/** The source-IP hash: FNV-1a 32 over the 4 bytes of the address, network order. */
export function hashSrcIp(src: Ipv4Addr): number {
  return fnv1aU32(FNV32_OFFSET, src);
}

/** The 4-tuple hash: FNV-1a 32 over src IP (4 bytes), dst IP (4), src port (2), dst port (2), network order. */
export function hashTuple4(src: Ipv4Addr, dst: Ipv4Addr, sport: number, dport: number): number {
  let h = fnv1aU32(FNV32_OFFSET, src);
  h = fnv1aU32(h, dst);
  h = fnv1aU16(h, sport);
  return fnv1aU16(h, dport);
}

/** What part of a flow a hashing scheduler hashes: the client address, or the 4-tuple. */
export type HashKey = 'src' | '4tuple';

/** The flow's hash for a key kind (hashSrcIp or hashTuple4). */
export function hashFlow(flow: FlowKey, key: HashKey): number {
  return key === 'src' ? hashSrcIp(flow.src) : hashTuple4(flow.src, flow.dst, flow.sport, flow.dport);
}

/** The UTF-8 bytes of a name (server names are hashed as UTF-8; ASCII names are their characters). */
export function nameBytes(name: string): Uint8Array {
  return new TextEncoder().encode(name);
}

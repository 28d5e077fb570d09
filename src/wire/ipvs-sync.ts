/**
 * The IPVS connection synchronisation protocol, version 1 (Linux
 * net/netfilter/ipvs/ip_vs_sync.c): the master load balancer multicasts
 * its connection entries to the backups in UDP datagrams to 224.0.0.81
 * port 8848, so that a backup that takes over already knows which real
 * server each established connection uses. This is a payload codec (the
 * bytes of a UDP datagram), like http.ts; Wireshark dissects it as "IPVS".
 *
 * Message header (8 bytes): reserved 0 (a version 0 receiver reads it as
 * a zero connection count and drops the message), sync id, total size,
 * connection count, version 1, spare. Each IPv4 connection (type 0,
 * 36 bytes without options): type, protocol, version(4 bits) and size(12
 * bits), flags (32 bits), state, client, virtual and destination ports,
 * firewall mark, timeout in seconds, client, virtual and destination
 * addresses. lblab sends no optional parameters (sequence adjustments and
 * persistence engine data are for features it does not model).
 */
import type { Ipv4Addr } from './types.js';

/** The multicast group and port of IPVS sync (IP_VS_SYNC_GROUP, IP_VS_SYNC_PORT). */
export const IPVS_SYNC = { GROUP: 0xe0000051, PORT: 8848, VERSION: 1, HEADER_LEN: 8, CONN_V4_LEN: 36 } as const;

/** Connection flags IPVS puts in a sync entry (include/uapi/linux/ip_vs.h IP_VS_CONN_F_*). */
export const IPVS_CONN_F = {
  /** Forwarding method in the low bits: masquerading (NAT). */
  MASQ: 0x0000,
  TUNNEL: 0x0002,
  DROUTE: 0x0003,
  FWD_MASK: 0x0007,
  /** The real server's replies do not pass the director (DR, tunnel). */
  NOOUTPUT: 0x0080,
  /** Not established (counted in inactconns). */
  INACTIVE: 0x0100,
} as const;

/** One connection of a sync message (IPv4, struct ip_vs_sync_v4). */
export interface SyncConn {
  readonly protocol: number;
  readonly flags: number;
  /** IPVS state number (for TCP: the table of src/lb/conn.ts, which uses the kernel's numbering). */
  readonly state: number;
  readonly cport: number;
  readonly vport: number;
  readonly dport: number;
  readonly fwmark: number;
  /** Seconds. */
  readonly timeout: number;
  readonly caddr: Ipv4Addr;
  readonly vaddr: Ipv4Addr;
  readonly daddr: Ipv4Addr;
}

/** A sync message (struct ip_vs_sync_mesg, version 1). */
export interface SyncMessage {
  readonly syncid: number;
  readonly conns: readonly SyncConn[];
}

const C = { TYPE: 0, PROTO: 1, VER_SIZE: 2, FLAGS: 4, STATE: 8, CPORT: 10, VPORT: 12, DPORT: 14, FWMARK: 16, TIMEOUT: 20, CADDR: 24, VADDR: 28, DADDR: 32 } as const;

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 255;
  b[at + 1] = v & 255;
}

function put32(b: Uint8Array, at: number, v: number): void {
  put16(b, at, v >>> 16);
  put16(b, at + 2, v & 0xffff);
}

function get16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function get32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Encodes a version 1 message with IPv4 entries. */
export function encodeSync(m: SyncMessage): Uint8Array {
  const size = IPVS_SYNC.HEADER_LEN + IPVS_SYNC.CONN_V4_LEN * m.conns.length;
  const b = new Uint8Array(size);
  b[0] = 0; // reserved: version 0 receivers see zero connections and drop the message
  b[1] = m.syncid;
  put16(b, 2, size);
  b[4] = m.conns.length;
  b[5] = IPVS_SYNC.VERSION;
  let o = IPVS_SYNC.HEADER_LEN;
  for (const c of m.conns) {
    b[o + C.TYPE] = 0; // IPv4, no options
    b[o + C.PROTO] = c.protocol;
    put16(b, o + C.VER_SIZE, IPVS_SYNC.CONN_V4_LEN); // entry version 0 in the top 4 bits, then the size
    put32(b, o + C.FLAGS, c.flags);
    put16(b, o + C.STATE, c.state);
    put16(b, o + C.CPORT, c.cport);
    put16(b, o + C.VPORT, c.vport);
    put16(b, o + C.DPORT, c.dport);
    put32(b, o + C.FWMARK, c.fwmark);
    put32(b, o + C.TIMEOUT, c.timeout);
    put32(b, o + C.CADDR, c.caddr);
    put32(b, o + C.VADDR, c.vaddr);
    put32(b, o + C.DADDR, c.daddr);
    o += IPVS_SYNC.CONN_V4_LEN;
  }
  return b;
}

/**
 * Decodes a version 1 message, or says why the bytes are not one (as the
 * kernel's ip_vs_process_message checks: header, size, version, each
 * entry's size). Entries of other types (IPv6) or with options are
 * refused rather than half read. Never throws.
 */
export function decodeSync(b: Uint8Array): SyncMessage | string {
  if (b.length < IPVS_SYNC.HEADER_LEN) return `a sync message needs an ${IPVS_SYNC.HEADER_LEN}-byte header, only ${b.length} bytes came`;
  if (b[0] !== 0) return 'the first byte is not zero: a version 0 message, which lblab does not read';
  if (b[5] !== IPVS_SYNC.VERSION) return `version ${b[5]} is not 1`;
  const size = get16(b, 2);
  if (size !== b.length) return `the size field says ${size} bytes, the datagram has ${b.length}`;
  const n = b[4]!;
  const conns: SyncConn[] = [];
  let o = IPVS_SYNC.HEADER_LEN;
  for (let i = 0; i < n; i++) {
    if (o + IPVS_SYNC.CONN_V4_LEN > b.length) return `entry ${i} runs past the end of the message`;
    if (b[o + C.TYPE] !== 0) return `entry ${i} has type ${b[o + C.TYPE]} (lblab reads IPv4 entries without options)`;
    const vs = get16(b, o + C.VER_SIZE);
    if (vs !== IPVS_SYNC.CONN_V4_LEN) return `entry ${i} has version ${vs >> 12} and size ${vs & 0xfff}, not 0 and ${IPVS_SYNC.CONN_V4_LEN}`;
    conns.push({
      protocol: b[o + C.PROTO]!,
      flags: get32(b, o + C.FLAGS),
      state: get16(b, o + C.STATE),
      cport: get16(b, o + C.CPORT),
      vport: get16(b, o + C.VPORT),
      dport: get16(b, o + C.DPORT),
      fwmark: get32(b, o + C.FWMARK),
      timeout: get32(b, o + C.TIMEOUT),
      caddr: get32(b, o + C.CADDR),
      vaddr: get32(b, o + C.VADDR),
      daddr: get32(b, o + C.DADDR),
    });
    o += IPVS_SYNC.CONN_V4_LEN;
  }
  if (o !== b.length) return `${b.length - o} bytes follow the ${n} entries the header counts`;
  return { syncid: b[1]!, conns };
}

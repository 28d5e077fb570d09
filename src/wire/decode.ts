/**
 * Decodes bytes into frame values: the inverse of encode.ts. Each layer
 * checks its lengths once, then reads fields at the offsets encode.ts names,
 * and hostile bytes never make it throw: it returns the layer, the byte
 * offset and a sentence saying what is wrong, so the TUI can show a bad frame.
 *
 * Checksums are carried as found and not judged here (a lesson may send a
 * wrong one on purpose); `verify` reports which of them are bad.
 *
 * Round trip: `decode(encode(f))` deep-equals `f` for every frame the
 * simulator makes. The exceptions are values the wire cannot tell apart:
 * - Ethernet padding: a Raw Ethernet payload keeps every byte after the
 *   header, so a Raw payload shorter than 46 bytes (42 when tagged) comes
 *   back with encode's zero padding appended. ARP and IPv4 know their own
 *   length, so their padding is dropped.
 * - TCP options: the header carries options in 4-byte words and encode pads
 *   with zeros, which read back as an 'eol' option; a list whose encoded
 *   length is not a multiple of 4 comes back with a trailing 'eol' (Linux
 *   always pads with NOPs, so its lists are multiples of 4). Bytes after an
 *   'eol' are ignored, as Linux's tcp_parse_options() does.
 * - An empty IPv4 options array comes back as null; an untagged frame whose
 *   EtherType is 0x8100 reads as a tagged one; a Raw payload under an
 *   EtherType or IP protocol that lblab decodes (0x0800, 0x0806; 1, 4, 6, 17, and 112 with version 3)
 *   comes back decoded.
 * - The TCP reserved bits (including the old NS bit) are ignored.
 *
 * Stricter than a kernel, so that every accepted frame is a value that
 * re-encodes to the same bytes: any IPv4 fragment (MF set or a non-zero
 * offset, so the first fragment too) keeps its payload Raw, since a partial
 * TCP/UDP segment cannot be a Tcp/Udp value; a UDP length that disagrees
 * with the IP payload length, and an IP-in-IP inner packet shorter than the
 * tunnel payload, are errors rather than silently trimmed.
 */
import { ARPF, ETH, ICMPF, IP4, TCPF, UDPF } from './encode.js';
import { icmpChecksum, ipv4Checksum, tcpChecksum, udpChecksum, vrrpChecksum } from './checksum.js';
import type { Arp, Ethernet, Icmp, Ipv4, Raw, Tcp, TcpOption, Udp } from './types.js';
import { EMPTY, ETHERTYPE, IPPROTO, IP_FLAG } from './types.js';
import { decodeVrrp } from './vrrp.js';

/** What is wrong with some bytes, and where: `offset` is the byte offset (from the start of the input) of the bad field or truncated header. */
export interface DecodeError {
  /** 'ethernet', 'vlan', 'arp', 'ipv4', 'tcp', 'udp', 'icmp', 'vrrp', or 'quote' (decodeQuote). */
  readonly layer: string;
  readonly offset: number;
  readonly reason: string;
}

/** The result of decoding: a value, or the reason the bytes are not one. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };

const FRAG_OFFSET_MASK = 0x1fff;
const TCP_OPT = { EOL: 0, NOP: 1, MSS: 2, WSCALE: 3, SACK_PERMITTED: 4, SACK: 5, TIMESTAMPS: 8 } as const;

function ok<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

function fail<T>(layer: string, offset: number, reason: string): Decoded<T> {
  return { ok: false, error: { layer, offset, reason } };
}

function get16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function get32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function getMac(b: Uint8Array, at: number): number {
  return get16(b, at) * 4294967296 + get32(b, at + 2);
}

function raw(b: Uint8Array, start: number, end: number): Raw {
  return { kind: 'raw', bytes: b.slice(start, end) };
}

function short<T>(layer: string, at: number, need: number, have: number): Decoded<T> {
  return fail(layer, at, `${layer} header at offset ${at} needs ${need} bytes, only ${have} remain`);
}

/** Decodes an Ethernet II frame (FCS excluded), with at most one 802.1Q tag. Never throws. */
export function decode(bytes: Uint8Array): Decoded<Ethernet> {
  const end = bytes.length;
  if (end < ETH.HEADER_LEN) return short('ethernet', 0, ETH.HEADER_LEN, end);
  const dst = getMac(bytes, ETH.DST);
  const src = getMac(bytes, ETH.SRC);
  let o = ETH.TYPE;
  let type = get16(bytes, o);
  let vlan: Ethernet['vlan'] = null;
  if (type === ETHERTYPE.VLAN) {
    // IEEE 802.1Q: TPID 0x8100, then PCP(3) DEI(1) VID(12), then the real EtherType.
    if (end < ETH.HEADER_LEN + ETH.TAG_LEN) return short('vlan', o, ETH.TAG_LEN + 2, end - o);
    const tci = get16(bytes, o + 2);
    vlan = { pcp: tci >> 13, dei: (tci >> 12) & 1, vid: tci & 0xfff };
    o += ETH.TAG_LEN;
    type = get16(bytes, o);
  }
  o += 2;
  let payload: Ethernet['payload'];
  if (type === ETHERTYPE.IPV4) {
    // IEEE 802.3 padding after the IP packet is ignored: IPv4 says its own length.
    const r = decodeIpv4At(bytes, o, end, false);
    if (!r.ok) return r;
    payload = r.value;
  } else if (type === ETHERTYPE.ARP) {
    const r = decodeArp(bytes, o, end);
    if (!r.ok) return r;
    payload = r.value;
  } else {
    payload = raw(bytes, o, end);
  }
  return ok({ kind: 'eth', dst, src, vlan, type, payload });
}

function decodeArp(b: Uint8Array, at: number, end: number): Decoded<Arp | Raw> {
  if (end - at < ARPF.OP) return short('arp', at, ARPF.LEN, end - at);
  // RFC 826 is generic over hardware and protocol; lblab models only IPv4 over Ethernet.
  if (get16(b, at + ARPF.HTYPE) !== 1 || get16(b, at + ARPF.PTYPE) !== ETHERTYPE.IPV4 || b[at + ARPF.HLEN] !== 6 || b[at + ARPF.PLEN] !== 4) {
    return ok(raw(b, at, end));
  }
  if (end - at < ARPF.LEN) return short('arp', at, ARPF.LEN, end - at);
  return ok({
    kind: 'arp',
    op: get16(b, at + ARPF.OP),
    sha: getMac(b, at + ARPF.SHA),
    spa: get32(b, at + ARPF.SPA),
    tha: getMac(b, at + ARPF.THA),
    tpa: get32(b, at + ARPF.TPA),
  });
}

/** Decodes an IPv4 packet starting at `at` (default 0); bytes after its total length are ignored. Never throws. */
export function decodeIpv4(bytes: Uint8Array, at = 0): Decoded<Ipv4> {
  if (!Number.isInteger(at) || at < 0 || at > bytes.length) {
    return fail('ipv4', Math.min(Math.max(0, Math.trunc(at) || 0), bytes.length), `start offset ${at} is outside the ${bytes.length} bytes given`);
  }
  return decodeIpv4At(bytes, at, bytes.length, false);
}

/**
 * `tunnelled`: the packet fills an outer IPv4 payload exactly, so bytes
 * after its total length cannot be padding and are an error (a value could
 * not carry them).
 */
function decodeIpv4At(b: Uint8Array, at: number, end: number, tunnelled: boolean): Decoded<Ipv4> {
  const avail = end - at;
  if (avail < IP4.OPTIONS) return short('ipv4', at, IP4.OPTIONS, avail);
  const vihl = b[at + IP4.VER_IHL]!;
  if (vihl >> 4 !== 4) return fail('ipv4', at + IP4.VER_IHL, `version is ${vihl >> 4}, not 4`);
  const hl = (vihl & 15) * 4;
  // RFC 791: IHL counts 32-bit words and the fixed header alone is 5 of them.
  if (hl < IP4.OPTIONS) return fail('ipv4', at + IP4.VER_IHL, `IHL ${vihl & 15} (${hl} bytes) is below the minimum of 5 (20 bytes)`);
  if (hl > avail) return fail('ipv4', at + IP4.VER_IHL, `IHL says a ${hl}-byte header, only ${avail} bytes remain`);
  const total = get16(b, at + IP4.TOTAL_LEN);
  if (total < hl) return fail('ipv4', at + IP4.TOTAL_LEN, `total length ${total} is shorter than the ${hl}-byte header`);
  if (total > avail) return fail('ipv4', at + IP4.TOTAL_LEN, `total length ${total} exceeds the ${avail} bytes available`);
  if (tunnelled && total < avail) {
    return fail('ipv4', at + IP4.TOTAL_LEN, `inner total length ${total} leaves ${avail - total} bytes of the tunnel payload unaccounted for`);
  }
  const frag = get16(b, at + IP4.FRAG);
  const proto = b[at + IP4.PROTO]!;
  const po = at + hl;
  const pend = at + total;
  let payload: Ipv4['payload'];
  // RFC 791: only a whole datagram carries a whole transport segment (its
  // length and checksum cover all fragments), so any fragment stays Raw.
  if ((frag & FRAG_OFFSET_MASK) !== 0 || (frag & IP_FLAG.MF) !== 0) {
    payload = raw(b, po, pend);
  } else {
    const r = decodeIpv4Payload(b, proto, po, pend);
    if (!r.ok) return r;
    payload = r.value;
  }
  return ok({
    kind: 'ipv4',
    tos: b[at + IP4.TOS]!,
    id: get16(b, at + IP4.ID),
    frag,
    ttl: b[at + IP4.TTL]!,
    proto,
    checksum: get16(b, at + IP4.CHECKSUM),
    src: get32(b, at + IP4.SRC),
    dst: get32(b, at + IP4.DST),
    options: hl > IP4.OPTIONS ? b.slice(at + IP4.OPTIONS, po) : null,
    payload,
  });
}

/** The one table from IP protocol number to decoder. */
function decodeIpv4Payload(b: Uint8Array, proto: number, at: number, end: number): Decoded<Ipv4['payload']> {
  switch (proto) {
    case IPPROTO.TCP:
      return decodeTcp(b, at, end);
    case IPPROTO.UDP:
      return decodeUdp(b, at, end);
    case IPPROTO.ICMP:
      return decodeIcmp(b, at, end);
    case IPPROTO.IPIP:
      return decodeIpv4At(b, at, end, true); // RFC 2003: IP-in-IP
    case IPPROTO.VRRP: {
      const v = decodeVrrp(b, at, end); // RFC 5798; other versions stay Raw
      if (v === null) return ok(raw(b, at, end));
      return 'kind' in v ? ok(v) : fail('vrrp', v.offset, v.reason);
    }
    default:
      return ok(raw(b, at, end));
  }
}

function decodeUdp(b: Uint8Array, at: number, end: number): Decoded<Udp> {
  const avail = end - at;
  if (avail < UDPF.HEADER_LEN) return short('udp', at, UDPF.HEADER_LEN, avail);
  const len = get16(b, at + UDPF.LEN);
  // RFC 768: the length covers header and data; it must agree with what IP carried.
  if (len < UDPF.HEADER_LEN) return fail('udp', at + UDPF.LEN, `length ${len} is shorter than the 8-byte header`);
  if (len > avail) return fail('udp', at + UDPF.LEN, `length ${len} exceeds the ${avail} bytes the IP packet carries`);
  if (len < avail) return fail('udp', at + UDPF.LEN, `length ${len} leaves ${avail - len} trailing bytes of the IP packet unaccounted for`);
  return ok({
    kind: 'udp',
    sport: get16(b, at + UDPF.SPORT),
    dport: get16(b, at + UDPF.DPORT),
    checksum: get16(b, at + UDPF.CHECKSUM),
    payload: len > UDPF.HEADER_LEN ? b.slice(at + UDPF.HEADER_LEN, end) : EMPTY,
  });
}

function decodeIcmp(b: Uint8Array, at: number, end: number): Decoded<Icmp> {
  const avail = end - at;
  if (avail < ICMPF.BODY) return short('icmp', at, ICMPF.BODY, avail);
  return ok({
    kind: 'icmp',
    type: b[at + ICMPF.TYPE]!,
    code: b[at + ICMPF.CODE]!,
    checksum: get16(b, at + ICMPF.CHECKSUM),
    rest: get32(b, at + ICMPF.REST),
    body: avail > ICMPF.BODY ? b.slice(at + ICMPF.BODY, end) : EMPTY,
  });
}

function decodeTcp(b: Uint8Array, at: number, end: number): Decoded<Tcp> {
  const avail = end - at;
  if (avail < TCPF.OPTIONS) return short('tcp', at, TCPF.OPTIONS, avail);
  const off = b[at + TCPF.OFF]! >> 4;
  const hl = off * 4;
  // RFC 9293 3.1: data offset counts 32-bit words; the fixed header is 5.
  if (hl < TCPF.OPTIONS) return fail('tcp', at + TCPF.OFF, `data offset ${off} (${hl} bytes) is below the minimum of 5 (20 bytes)`);
  if (hl > avail) return fail('tcp', at + TCPF.OFF, `data offset says a ${hl}-byte header, only ${avail} bytes remain`);
  const opts = decodeTcpOptions(b, at + TCPF.OPTIONS, at + hl);
  if (!opts.ok) return opts;
  return ok({
    kind: 'tcp',
    sport: get16(b, at + TCPF.SPORT),
    dport: get16(b, at + TCPF.DPORT),
    seq: get32(b, at + TCPF.SEQ),
    ack: get32(b, at + TCPF.ACK),
    flags: b[at + TCPF.FLAGS]!,
    window: get16(b, at + TCPF.WINDOW),
    checksum: get16(b, at + TCPF.CHECKSUM),
    urgent: get16(b, at + TCPF.URGENT),
    options: opts.value,
    payload: avail > hl ? b.slice(at + hl, end) : EMPTY,
  });
}

const NO_OPTIONS: readonly TcpOption[] = Object.freeze([]);

/**
 * TCP options in order (RFC 9293 3.2). A known kind with an unexpected
 * length is kept as 'unknown' with its bytes (Linux ignores such an option
 * rather than dropping the segment), so re-encoding gives the same bytes.
 */
function decodeTcpOptions(b: Uint8Array, start: number, end: number): Decoded<readonly TcpOption[]> {
  if (start === end) return ok(NO_OPTIONS);
  const out: TcpOption[] = [];
  let i = start;
  while (i < end) {
    const kind = b[i]!;
    if (kind === TCP_OPT.EOL) {
      out.push({ kind: 'eol' }); // RFC 9293: end of option list; what follows is padding (Linux stops here too)
      break;
    }
    if (kind === TCP_OPT.NOP) {
      out.push({ kind: 'nop' });
      i++;
      continue;
    }
    if (i + 1 >= end) return fail('tcp', i, `option kind ${kind} at the end of the header has no length byte`);
    const len = b[i + 1]!;
    if (len < 2) return fail('tcp', i + 1, `option kind ${kind} has length ${len}, below the minimum of 2`);
    if (i + len > end) return fail('tcp', i + 1, `option kind ${kind} has length ${len}, running ${i + len - end} bytes past the header`);
    if (kind === TCP_OPT.MSS && len === 4) out.push({ kind: 'mss', mss: get16(b, i + 2) });
    else if (kind === TCP_OPT.WSCALE && len === 3) out.push({ kind: 'wscale', shift: b[i + 2]! });
    else if (kind === TCP_OPT.SACK_PERMITTED && len === 2) out.push({ kind: 'sack-permitted' });
    else if (kind === TCP_OPT.SACK && (len - 2) % 8 === 0) {
      const blocks: (readonly [number, number])[] = [];
      for (let j = i + 2; j < i + len; j += 8) blocks.push([get32(b, j), get32(b, j + 4)]); // RFC 2018: left, right edge
      out.push({ kind: 'sack', blocks });
    } else if (kind === TCP_OPT.TIMESTAMPS && len === 10) out.push({ kind: 'timestamps', tsval: get32(b, i + 2), tsecr: get32(b, i + 6) }); // RFC 7323
    else out.push({ kind: 'unknown', type: kind, data: b.slice(i + 2, i + len) });
    i += len;
  }
  return ok(out);
}

/**
 * What an ICMP error quotes of the packet that caused it (RFC 792: the IP
 * header and at least 8 bytes of its payload; Linux quotes up to 576 bytes
 * in all). `ip` is the whole packet decoded when the quote is complete, else
 * the header with the quoted payload bytes as Raw.
 */
export interface IcmpQuote {
  readonly ip: Ipv4;
  /** True when the whole offending packet is quoted. */
  readonly complete: boolean;
  /** TCP/UDP source port (or ICMP echo identifier), when the quote reaches it. */
  readonly sport: number | null;
  /** TCP/UDP destination port (or ICMP echo sequence), when the quote reaches it. */
  readonly dport: number | null;
}

/** Decodes the packet an ICMP error message quotes in its body. Never throws. */
export function decodeQuote(body: Uint8Array): Decoded<IcmpQuote> {
  const whole = decodeIpv4At(body, 0, body.length, false);
  // Complete only when the quoted total length covers exactly the bytes quoted.
  if (whole.ok && get16(body, IP4.TOTAL_LEN) === body.length) {
    const p = whole.value.payload;
    const ports = p.kind === 'tcp' || p.kind === 'udp' ? [p.sport, p.dport] : p.kind === 'icmp' ? [p.rest >>> 16, p.rest & 0xffff] : null;
    return ok({ ip: whole.value, complete: true, sport: ports ? ports[0]! : null, dport: ports ? ports[1]! : null });
  }
  // A truncated quote: its total length names more bytes than were quoted.
  if (body.length < IP4.OPTIONS) return short('quote', 0, IP4.OPTIONS, body.length);
  const vihl = body[IP4.VER_IHL]!;
  const hl = (vihl & 15) * 4;
  if (vihl >> 4 !== 4 || hl < IP4.OPTIONS || hl > body.length) return fail('quote', IP4.VER_IHL, `quoted bytes do not start with an IPv4 header (byte 0x${vihl.toString(16)})`);
  const proto = body[IP4.PROTO]!;
  const frag = get16(body, IP4.FRAG);
  const first = (frag & FRAG_OFFSET_MASK) === 0;
  const reach = body.length - hl >= 4 && first;
  let sport: number | null = null;
  let dport: number | null = null;
  if (reach && (proto === IPPROTO.TCP || proto === IPPROTO.UDP)) {
    sport = get16(body, hl);
    dport = get16(body, hl + 2);
  } else if (reach && proto === IPPROTO.ICMP && body.length - hl >= ICMPF.BODY) {
    sport = get16(body, hl + ICMPF.REST);
    dport = get16(body, hl + ICMPF.REST + 2);
  }
  const ip: Ipv4 = {
    kind: 'ipv4',
    tos: body[IP4.TOS]!,
    id: get16(body, IP4.ID),
    frag,
    ttl: body[IP4.TTL]!,
    proto,
    checksum: get16(body, IP4.CHECKSUM),
    src: get32(body, IP4.SRC),
    dst: get32(body, IP4.DST),
    options: hl > IP4.OPTIONS ? body.slice(IP4.OPTIONS, hl) : null,
    payload: raw(body, hl, body.length),
  };
  return ok({ ip, complete: false, sport, dport });
}

/** One checksum that does not match its content. */
export interface BadChecksum {
  /** Which checksum: the IPv4 header's, or the transport's. */
  readonly layer: 'ipv4' | 'tcp' | 'udp' | 'icmp' | 'vrrp';
  /** 0 for the outer packet, 1 for the packet inside an IP-in-IP tunnel, and so on. */
  readonly depth: number;
  /** The value the frame carries. */
  readonly carried: number;
  /** The value a correct sender would have put there. */
  readonly correct: number;
}

/** The result of checking every checksum in a frame. */
export interface ChecksumReport {
  /** True when every checksum checked is correct. */
  readonly ok: boolean;
  /** How many checksums were checked (a UDP checksum of 0 means none and is not counted). */
  readonly checked: number;
  /** The checksums that are wrong, outermost first. */
  readonly bad: readonly BadChecksum[];
}

/** Checks every checksum of a frame (IPv4 header, TCP/UDP/ICMP, and again inside IP-in-IP). For people and tests, not for hot paths. */
export function verify(eth: Ethernet): ChecksumReport {
  return eth.payload.kind === 'ipv4' ? verifyIpv4(eth.payload) : { ok: true, checked: 0, bad: [] };
}

/** Checks every checksum of an IPv4 packet and of the packets tunnelled inside it. */
export function verifyIpv4(ip: Ipv4): ChecksumReport {
  const bad: BadChecksum[] = [];
  let checked = 0;
  let cur: Ipv4 | null = ip;
  for (let depth = 0; cur; depth++) {
    const ipc = ipv4Checksum(cur);
    checked++;
    if (ipc !== cur.checksum) bad.push({ layer: 'ipv4', depth, carried: cur.checksum, correct: ipc });
    const p: Ipv4['payload'] = cur.payload;
    const { src, dst } = cur;
    cur = null;
    switch (p.kind) {
      case 'tcp': {
        const c = tcpChecksum(src, dst, p);
        checked++;
        if (c !== p.checksum) bad.push({ layer: 'tcp', depth, carried: p.checksum, correct: c });
        break;
      }
      case 'udp': {
        if (p.checksum === 0) break; // RFC 768: zero means the sender computed none
        const c = udpChecksum(src, dst, p);
        checked++;
        if (c !== p.checksum) bad.push({ layer: 'udp', depth, carried: p.checksum, correct: c });
        break;
      }
      case 'icmp': {
        const c = icmpChecksum(p);
        checked++;
        if (c !== p.checksum) bad.push({ layer: 'icmp', depth, carried: p.checksum, correct: c });
        break;
      }
      case 'vrrp': {
        const c = vrrpChecksum(src, dst, p); // RFC 5798 5.2.8: with the pseudo-header
        checked++;
        if (c !== p.checksum) bad.push({ layer: 'vrrp', depth, carried: p.checksum, correct: c });
        break;
      }
      case 'ipv4':
        cur = p;
        break;
      case 'raw':
        break; // fragments and protocols lblab does not model: nothing to check
    }
  }
  return { ok: bad.length === 0, checked, bad };
}

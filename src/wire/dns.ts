/**
 * DNS messages (RFC 1035 section 4) as values, their exact serialisation
 * and a decoder that never throws. lblab's DNS traffic is what a stub
 * resolver and an authoritative server exchange over UDP port 53: one
 * question, A records in the answer section, the header flags QR, AA, TC,
 * RD, RA and a response code. EDNS (RFC 6891) is not modelled: an OPT
 * record decodes as an ordinary record with its bytes kept.
 *
 * Names are text in the presentation format dig prints, without the final
 * dot ("shop.example"; the root is ""): a label byte that is '.' or '\' is
 * escaped with a backslash and any byte outside printable ASCII as \DDD
 * (RFC 4343 section 2.1), so every name the wire can carry survives a
 * decode and an encode unchanged.
 *
 * The encoder compresses names as real servers do (RFC 1035 4.1.4): a name,
 * or its tail, that was already written is replaced by a pointer to it, so
 * an answer's owner name is the two bytes c0 0c pointing at the question.
 * RDATA is kept as bytes (an A record's is the 4-byte address), so records
 * lblab does not interpret round-trip too.
 *
 * The decoder follows compression pointers only backwards (a pointer must
 * point before the label that holds it), which makes loops impossible, and
 * checks every count and length against the bytes that are there. A fault
 * is returned as a DecodeError with layer 'dns', the byte offset and a
 * reason.
 */
import { fmtIp } from './addr.js';
import type { Decoded } from './decode.js';
import type { Ipv4Addr } from './types.js';

/** Header field offsets (RFC 1035 4.1.1). */
export const DNSF = { ID: 0, FLAGS: 2, QDCOUNT: 4, ANCOUNT: 6, NSCOUNT: 8, ARCOUNT: 10, HEADER_LEN: 12 } as const;

/** The well-known DNS port (RFC 1035 4.2). */
export const DNS_PORT = 53;

/** Header flag bits as they sit in the 16-bit flags word (RFC 1035 4.1.1; AD and CD from RFC 4035). */
export const DNS_FLAG = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080, AD: 0x0020, CD: 0x0010 } as const;

/** Response codes lblab's server sends (RFC 1035 4.1.1). */
export const DNS_RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** Record types (IANA DNS parameters); lblab answers A and knows the names of a few others. */
export const DNS_TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, OPT: 41, ANY: 255 } as const;

/** The Internet class. */
export const DNS_CLASS_IN = 1;

/** Longest label (RFC 1035 2.3.4). */
export const DNS_MAX_LABEL = 63;
/** Longest name on the wire, length bytes and the root's zero included (RFC 1035 2.3.4). */
export const DNS_MAX_NAME = 255;

/** A question: the name, type and class asked for. */
export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/** A resource record; `data` is the RDATA as bytes (an A record's is the address, 4 bytes). */
export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  /** Seconds, unsigned 32-bit. */
  readonly ttl: number;
  readonly data: Uint8Array;
}

/** A DNS message. */
export interface DnsMessage {
  readonly id: number;
  /** The whole flags word: QR, opcode (bits 11-14), AA, TC, RD, RA, Z, AD, CD, rcode (bits 0-3). */
  readonly flags: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authority: readonly DnsRecord[];
  readonly additional: readonly DnsRecord[];
}

/** The response code of a message (the low four bits of the flags). */
export function dnsRcode(m: DnsMessage): number {
  return m.flags & 0xf;
}

/** The opcode of a message (0 is a standard query). */
export function dnsOpcode(m: DnsMessage): number {
  return (m.flags >> 11) & 0xf;
}

/** True for a response (QR set). */
export function isDnsResponse(m: DnsMessage): boolean {
  return (m.flags & DNS_FLAG.QR) !== 0;
}

/** A standard query for one name: what glibc's res_mkquery makes (RD set, one question, class IN). */
export function dnsQuery(id: number, name: string, type: number = DNS_TYPE.A, recursionDesired = true): DnsMessage {
  return { id, flags: recursionDesired ? DNS_FLAG.RD : 0, questions: [{ name, type, class: DNS_CLASS_IN }], answers: [], authority: [], additional: [] };
}

/** An A record. */
export function aRecord(name: string, addr: Ipv4Addr, ttl: number): DnsRecord {
  const d = new Uint8Array(4);
  d[0] = addr >>> 24;
  d[1] = (addr >>> 16) & 255;
  d[2] = (addr >>> 8) & 255;
  d[3] = addr & 255;
  return { name, type: DNS_TYPE.A, class: DNS_CLASS_IN, ttl, data: d };
}

/** The addresses of the answer section's A records (class IN, 4 bytes of data), in order. */
export function aAddresses(m: DnsMessage): Ipv4Addr[] {
  const out: Ipv4Addr[] = [];
  for (const r of m.answers) {
    if (r.type !== DNS_TYPE.A || r.class !== DNS_CLASS_IN || r.data.length !== 4) continue;
    out.push(((r.data[0]! << 24) | (r.data[1]! << 16) | (r.data[2]! << 8) | r.data[3]!) >>> 0);
  }
  return out;
}

/** Names of record types as dig prints them ("A", "AAAA", "TYPE99"). */
export function dnsTypeName(type: number): string {
  for (const [k, v] of Object.entries(DNS_TYPE)) if (v === type) return k;
  return `TYPE${type}`;
}

/** Names of response codes as dig prints them ("NOERROR", "NXDOMAIN", "RCODE11"). */
export function dnsRcodeName(rcode: number): string {
  for (const [k, v] of Object.entries(DNS_RCODE)) if (v === rcode) return k;
  return `RCODE${rcode}`;
}

/** The canonical form of a name for comparisons: lower case (RFC 4343: DNS names compare case-insensitively in ASCII), no final dot. */
export function dnsNameKey(name: string): string {
  const n = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  return n.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

// ---------------------------------------------------------------- names

/**
 * Splits a presentation-format name into label bytes; throws RangeError for
 * a name no wire can carry (an empty label, a label over 63 bytes, a name
 * over 255). Values the simulator makes come from checked scenario names.
 */
export function nameLabels(name: string): Uint8Array[] {
  const labels: Uint8Array[] = [];
  if (name === '' || name === '.') return labels;
  let cur: number[] = [];
  let total = 1;
  const flush = (): void => {
    if (cur.length === 0) throw new RangeError(`DNS name "${name}" has an empty label`);
    if (cur.length > DNS_MAX_LABEL) throw new RangeError(`DNS name "${name}" has a label of ${cur.length} bytes; the limit is ${DNS_MAX_LABEL}`);
    labels.push(Uint8Array.from(cur));
    total += cur.length + 1;
    cur = [];
  };
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      // A final dot (a fully qualified name) ends the last label.
      flush();
      if (i === name.length - 1) break;
      continue;
    }
    if (c === 0x5c) {
      const d = name.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(d)) {
        const v = Number(d);
        if (v > 255) throw new RangeError(`DNS name "${name}" has the escape \\${d}, above 255`);
        cur.push(v);
        i += 3;
      } else if (i + 1 < name.length) {
        cur.push(name.charCodeAt(i + 1) & 255);
        i += 1;
      } else {
        throw new RangeError(`DNS name "${name}" ends with a lone backslash`);
      }
      continue;
    }
    if (c > 255) throw new RangeError(`DNS name "${name}" has a character outside Latin-1`);
    cur.push(c);
  }
  if (cur.length) flush();
  if (total > DNS_MAX_NAME) throw new RangeError(`DNS name "${name}" takes ${total} bytes on the wire; the limit is ${DNS_MAX_NAME}`);
  return labels;
}

/** One label's bytes in presentation format (RFC 4343 2.1 escapes). */
function labelText(b: Uint8Array, from: number, len: number): string {
  let s = '';
  for (let i = from; i < from + len; i++) {
    const c = b[i]!;
    if (c === 0x2e || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c < 0x21 || c > 0x7e) s += `\\${String(c).padStart(3, '0')}`;
    else s += String.fromCharCode(c);
  }
  return s;
}

// ---------------------------------------------------------------- encode

function put16(b: number[], v: number): void {
  b.push((v >>> 8) & 255, v & 255);
}

/**
 * Encodes a message, compressing names (RFC 1035 4.1.4). Counts come from
 * the lists. Throws RangeError for a name that cannot be encoded (see
 * nameLabels) or a record whose data exceeds 65535 bytes.
 */
export function encodeDns(m: DnsMessage): Uint8Array {
  const b: number[] = [];
  put16(b, m.id);
  put16(b, m.flags);
  put16(b, m.questions.length);
  put16(b, m.answers.length);
  put16(b, m.authority.length);
  put16(b, m.additional.length);
  // Suffix (lower case, labels joined by dots) -> the offset where it was written.
  const written = new Map<string, number>();
  const writeName = (name: string): void => {
    const labels = nameLabels(name);
    // Exact bytes, not case-folded: a pointer must give back the very name the value holds.
    const keys = labels.map((l) => l.join(','));
    for (let i = 0; i < labels.length; i++) {
      const suffix = keys.slice(i).join('.');
      const at = written.get(suffix);
      if (at !== undefined) {
        put16(b, 0xc000 | at); // RFC 1035 4.1.4: a pointer is two bytes with the top bits 11
        return;
      }
      // Only offsets a 14-bit pointer can reach are remembered.
      if (b.length < 0x4000) written.set(suffix, b.length);
      b.push(labels[i]!.length, ...labels[i]!);
    }
    b.push(0);
  };
  for (const q of m.questions) {
    writeName(q.name);
    put16(b, q.type);
    put16(b, q.class);
  }
  for (const r of [...m.answers, ...m.authority, ...m.additional]) {
    writeName(r.name);
    put16(b, r.type);
    put16(b, r.class);
    put16(b, r.ttl >>> 16);
    put16(b, r.ttl & 0xffff);
    if (r.data.length > 0xffff) throw new RangeError(`a DNS record of ${r.data.length} bytes does not fit RDLENGTH`);
    put16(b, r.data.length);
    for (const c of r.data) b.push(c);
  }
  return Uint8Array.from(b);
}

// ---------------------------------------------------------------- decode

function fail<T>(offset: number, reason: string): Decoded<T> {
  return { ok: false, error: { layer: 'dns', offset, reason } };
}

function get16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** A name read at an offset: its text and where the bytes after it (in the message, not at a pointer's target) begin. */
type NameAt = { readonly name: string; readonly next: number };

/**
 * Reads a possibly compressed name. Pointers must point strictly before
 * the place that holds them, so every jump goes backwards and the walk
 * ends; the length limit of 255 bytes holds across jumps.
 */
function readName(b: Uint8Array, at: number, what: string): Decoded<NameAt> {
  let o = at;
  let next = -1;
  let wire = 1;
  const parts: string[] = [];
  for (;;) {
    if (o >= b.length) return fail(o, `${what}: the name runs past the end of the message`);
    const len = b[o]!;
    const top = len & 0xc0;
    if (top === 0xc0) {
      if (o + 1 >= b.length) return fail(o, `${what}: a compression pointer is cut off by the end of the message`);
      const target = get16(b, o) & 0x3fff;
      // RFC 1035 4.1.4 points at "a prior occurrence": forward or self pointers would allow loops.
      if (target >= o) return fail(o, `${what}: a compression pointer to offset ${target} does not point backwards (from ${o}); it could loop`);
      if (next < 0) next = o + 2;
      o = target;
      continue;
    }
    if (top !== 0) return fail(o, `${what}: label type 0x${top.toString(16)} is not a length or a pointer (RFC 6891 retired extended labels)`);
    if (len === 0) {
      if (next < 0) next = o + 1;
      return { ok: true, value: { name: parts.join('.'), next } };
    }
    if (o + 1 + len > b.length) return fail(o, `${what}: a ${len}-byte label runs past the end of the message`);
    wire += len + 1;
    if (wire > DNS_MAX_NAME) return fail(o, `${what}: the name is longer than ${DNS_MAX_NAME} bytes`);
    parts.push(labelText(b, o + 1, len));
    o += 1 + len;
  }
}

/** Decodes a DNS message (a UDP payload). Never throws; bytes after the last record are an error. */
export function decodeDns(b: Uint8Array): Decoded<DnsMessage> {
  if (b.length < DNSF.HEADER_LEN) return fail(0, `the DNS header needs ${DNSF.HEADER_LEN} bytes, only ${b.length} present`);
  const id = get16(b, DNSF.ID);
  const flags = get16(b, DNSF.FLAGS);
  const counts = [get16(b, DNSF.QDCOUNT), get16(b, DNSF.ANCOUNT), get16(b, DNSF.NSCOUNT), get16(b, DNSF.ARCOUNT)] as const;
  let o: number = DNSF.HEADER_LEN;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const n = readName(b, o, `question ${i + 1}`);
    if (!n.ok) return n;
    o = n.value.next;
    if (o + 4 > b.length) return fail(o, `question ${i + 1}: type and class need 4 bytes, only ${b.length - o} remain (QDCOUNT says ${counts[0]})`);
    questions.push({ name: n.value.name, type: get16(b, o), class: get16(b, o + 2) });
    o += 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  const names = ['answer', 'authority', 'additional'];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const what = `${names[s]} record ${i + 1}`;
      const n = readName(b, o, what);
      if (!n.ok) return n;
      o = n.value.next;
      if (o + 10 > b.length) return fail(o, `${what}: type, class, TTL and length need 10 bytes, only ${b.length - o} remain`);
      const rdlen = get16(b, o + 8);
      if (o + 10 + rdlen > b.length) return fail(o + 8, `${what}: RDLENGTH ${rdlen} runs past the end of the message`);
      sections[s]!.push({
        name: n.value.name,
        type: get16(b, o),
        class: get16(b, o + 2),
        ttl: ((get16(b, o + 4) << 16) | get16(b, o + 6)) >>> 0,
        data: b.slice(o + 10, o + 10 + rdlen),
      });
      o += 10 + rdlen;
    }
  }
  if (o < b.length) return fail(o, `${b.length - o} bytes after the last record (the counts say ${counts.join('/')})`);
  return { ok: true, value: { id, flags, questions, answers: sections[0]!, authority: sections[1]!, additional: sections[2]! } };
}

/** A DNS message in one line, dig-like: "DNS query A shop.example", "DNS response A shop.example 10.0.1.11,10.0.1.12 ttl 30", "DNS response A nope.example NXDOMAIN". */
export function summarizeDns(m: DnsMessage): string {
  const q = m.questions[0];
  const what = q ? `${dnsTypeName(q.type)} ${q.name === '' ? '.' : q.name}` : 'no question';
  if (!isDnsResponse(m)) return `DNS query ${what}`;
  const rcode = dnsRcode(m);
  if (rcode !== DNS_RCODE.NOERROR) return `DNS response ${what} ${dnsRcodeName(rcode)}`;
  const addrs = aAddresses(m);
  if (addrs.length === 0) return `DNS response ${what} no answer`;
  const ttl = m.answers.find((r) => r.type === DNS_TYPE.A)!.ttl;
  return `DNS response ${what} ${addrs.map(fmtIp).join(',')} ttl ${ttl}`;
}

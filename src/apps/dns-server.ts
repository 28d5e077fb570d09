/**
 * An authoritative DNS server on UDP port 53, the way BIND answers for its
 * own zones with recursion off: A queries for a name it holds get every A
 * record of the name, in an order that rotates by one per query (BIND's
 * `rrset-order { order cyclic; }`), with the zone's TTL and the AA flag; that
 * rotation is all "DNS round robin" is. The server knows nothing of the
 * servers behind the addresses: a dead one is handed out like the others.
 *
 * Which names it is authoritative for: each zone entry `shop.example` makes
 * the server authoritative for its parent domain (`example`), so an unknown
 * name under it is NXDOMAIN, while a name outside every such domain is
 * REFUSED (it does not recurse, RA is clear). Other answers: another type
 * for a known name is NOERROR with no answer (NODATA), a question of
 * another class is REFUSED, an opcode other than QUERY is NOTIMP, a query
 * without exactly one question or with records in it is FORMERR, and bytes
 * that are not a DNS message but have a readable header get FORMERR with
 * that id (RFC 1035 4.1.1). A message with QR set, or without even a
 * header, is dropped.
 */
import { fmtIp } from '../wire/addr.js';
import {
  aRecord,
  decodeDns,
  DNS_CLASS_IN,
  DNS_FLAG,
  DNS_PORT,
  DNS_RCODE,
  DNS_TYPE,
  DNSF,
  dnsNameKey,
  dnsOpcode,
  dnsRcodeName,
  encodeDns,
  type DnsMessage,
  type DnsRecord,
} from '../wire/dns.js';
import type { Ipv4Addr } from '../wire/types.js';
import type { Frame } from '../trace/events.js';
import { SEC, type Nanos } from '../sim/time.js';
import type { Host, HostProcess } from '../net/host.js';
import type { EventTarget } from '../sim/sim.js';
import type { UdpHandler, UdpSocket } from '../net/udp.js';

/** A name the server holds, with its A records and TTL. */
export interface DnsZoneEntry {
  readonly name: string;
  readonly addrs: readonly Ipv4Addr[];
  /** TTL in ns; sent in whole seconds, rounded down. */
  readonly ttl: Nanos;
}

/** What the server has answered. */
export interface DnsServerStats {
  /** Queries answered (every response sent). */
  queries: number;
  /** Responses per rcode name (NOERROR, NXDOMAIN, ...). */
  readonly byRcode: Map<string, number>;
  /** NOERROR A answers per first address (the one a stub resolver uses). */
  readonly firstAnswer: Map<Ipv4Addr, number>;
  /** Messages dropped (QR set, or no readable header). */
  dropped: number;
}

interface Entry {
  readonly name: string;
  readonly addrs: readonly Ipv4Addr[];
  readonly ttlSec: number;
  /** Queries answered for this name so far: the rotation's offset. */
  served: number;
}

const RCODE_MASK = 0xf;
const OPCODE_MASK = 0x7800;

/** The DNS server application of a `kind: dns` node. */
export class DnsServer implements UdpHandler, HostProcess {
  /** The listening socket (UDP 53, any address). */
  socket: UdpSocket;
  readonly stats: DnsServerStats = { queries: 0, byRcode: new Map(), firstAnswer: new Map(), dropped: 0 };
  /** Names the process in the trace. */
  readonly label: string;
  private readonly names = new Map<string, Entry>();
  /** Domains the server is authoritative for (parents of its names, lower case). */
  private readonly domains = new Set<string>();

  /** Binds UDP `port` (53) on `host` and serves `zones`. */
  constructor(
    readonly host: Host,
    zones: readonly DnsZoneEntry[],
    port = DNS_PORT,
  ) {
    for (const z of zones) {
      const key = dnsNameKey(z.name);
      this.names.set(key, { name: z.name, addrs: z.addrs, ttlSec: Math.floor(z.ttl / SEC), served: 0 });
      const dot = key.indexOf('.');
      this.domains.add(dot < 0 ? '' : key.slice(dot + 1));
    }
    this.socket = host.udp.bind(port, this);
    this.label = `dns-server ${host.name}:${port}`;
    host.addProcess(this);
  }

  /** No timer of its own: the socket goes with the host. */
  targets(): readonly EventTarget[] {
    return [];
  }

  /** The host lost power: the socket vanished with the kernel's tables. */
  halt(): void {}

  /** The host booted: the service binds its port again. */
  boot(): void {
    this.socket = this.host.udp.bind(this.socket.port, this);
  }

  /** True when `key` (lower case) is, or is under, a domain the server holds. */
  private authoritative(key: string): boolean {
    if (this.domains.has('')) return true;
    for (let k = key; ; ) {
      if (this.domains.has(k)) return true;
      const dot = k.indexOf('.');
      if (dot < 0) return false;
      k = k.slice(dot + 1);
    }
  }

  /** A datagram arrived on port 53. */
  message(sock: UdpSocket, data: Uint8Array, from: Ipv4Addr, sport: number, _ip: unknown, frame: Frame): void {
    const host = this.host;
    const trace = host.net.trace;
    const m = decodeDns(data);
    if (!m.ok) {
      if (data.length < DNSF.HEADER_LEN || (data[DNSF.FLAGS]! & 0x80) !== 0) {
        this.stats.dropped++;
        trace.drop(host.name, null, frame, 'dns-malformed', () => `${host.name} cannot read the DNS message from ${fmtIp(from)}:${sport} (${m.error.reason}); it drops it`);
        return;
      }
      // RFC 1035 4.1.1: format error; the header (id, opcode, RD) is echoed with no sections.
      const id = (data[DNSF.ID]! << 8) | data[DNSF.ID + 1]!;
      const flags = (data[DNSF.FLAGS]! << 8) | data[DNSF.FLAGS + 1]!;
      this.reply(sock, from, sport, { id, flags: (flags & (OPCODE_MASK | DNS_FLAG.RD)) | DNS_FLAG.QR | DNS_RCODE.FORMERR, questions: [], answers: [], authority: [], additional: [] });
      return;
    }
    const q = m.value;
    if (q.flags & DNS_FLAG.QR) {
      this.stats.dropped++;
      trace.drop(host.name, null, frame, 'dns-unexpected-reply', () => `${host.name} got a DNS response (id ${q.id}) from ${fmtIp(from)}:${sport}, not a query; a server does not answer responses`);
      return;
    }
    this.reply(sock, from, sport, this.answer(q));
  }

  /** The response to a decoded query. */
  answer(q: DnsMessage): DnsMessage {
    // The response keeps the id, opcode, RD and the question; RA stays clear (no recursion).
    const base = (q.flags & (OPCODE_MASK | DNS_FLAG.RD)) | DNS_FLAG.QR;
    const out = (rcode: number, aa: boolean, answers: DnsRecord[] = []): DnsMessage => ({
      id: q.id,
      flags: base | (aa ? DNS_FLAG.AA : 0) | (rcode & RCODE_MASK),
      questions: q.questions.length === 1 ? q.questions : [],
      answers,
      authority: [],
      additional: [],
    });
    if (dnsOpcode(q) !== 0) return out(DNS_RCODE.NOTIMP, false);
    if (q.questions.length !== 1 || q.answers.length || q.authority.length) return out(DNS_RCODE.FORMERR, false);
    const question = q.questions[0]!;
    const key = dnsNameKey(question.name);
    if (question.class !== DNS_CLASS_IN || !this.authoritative(key)) return out(DNS_RCODE.REFUSED, false);
    const e = this.names.get(key);
    if (!e) return out(DNS_RCODE.NXDOMAIN, true);
    if (question.type !== DNS_TYPE.A && question.type !== DNS_TYPE.ANY) return out(DNS_RCODE.NOERROR, true);
    // BIND `order cyclic`: each answer starts one record later than the previous one.
    const n = e.addrs.length;
    const start = n ? e.served % n : 0;
    e.served++;
    const answers: DnsRecord[] = [];
    for (let i = 0; i < n; i++) answers.push(aRecord(question.name, e.addrs[(start + i) % n]!, e.ttlSec));
    if (n) this.stats.firstAnswer.set(e.addrs[start]!, (this.stats.firstAnswer.get(e.addrs[start]!) ?? 0) + 1);
    return out(DNS_RCODE.NOERROR, true, answers);
  }

  private reply(sock: UdpSocket, to: Ipv4Addr, port: number, m: DnsMessage): void {
    this.stats.queries++;
    const rc = dnsRcodeName(m.flags & RCODE_MASK);
    this.stats.byRcode.set(rc, (this.stats.byRcode.get(rc) ?? 0) + 1);
    sock.send(to, port, encodeDns(m));
  }
}

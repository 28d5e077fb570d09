/**
 * A stub resolver (what getaddrinfo() does through glibc's res_send) with
 * an optional cache in front of it. A lookup asks one DNS server for the A
 * records of a name over UDP and hands back the addresses in the order the
 * server gave them; a client connects to the first one.
 *
 * On the wire it behaves as glibc's res_send does with resolv.conf's
 * nameservers and options (timeout:5 attempts:2, rotate off; checked on
 * Linux 6.18 with getent and servers that never answer): each attempt asks
 * every nameserver in order, each from its own random source port, with the
 * same datagram (one random id per lookup). The wait for server i is
 * timeout << i, divided by the number of servers when i > 0, in whole
 * seconds and at least 1 (send_dg): with three servers and timeout:2 the
 * queries leave at 0, 2, 3, 5, 7, 8 s and the lookup fails at 10 s. So a
 * dead first nameserver costs every lookup its timeout, since the next
 * lookup starts at the first server again; `rotate` starts each lookup at
 * the next server instead. An ICMP error about a query moves on to the
 * next server at once. A response counts only when it comes from one of
 * the nameservers, port 53, with the query's id and question; anything else
 * is discarded (drop code dns-unexpected-reply), as res_send does.
 *
 * The cache decides how often that happens:
 *   ttl      honour the TTL of the answer (nscd, systemd-resolved): the entry
 *            is used until it expires, then the name is asked again;
 *   forever  keep the first answer for good (a long-lived JVM with
 *            networkaddress.cache.ttl=-1): it never moves to another server;
 *   none     ask the server for every lookup (no caching daemon).
 * Every cache change and every hit is a 'dns-cache' state event. Lookups of
 * a name already being asked wait for that query instead of sending another.
 *
 * Errors, as getaddrinfo names them: NXDOMAIN is EAI_NONAME, an answer
 * without A records EAI_NODATA, no answer or SERVFAIL EAI_AGAIN, REFUSED /
 * FORMERR / NOTIMP EAI_FAIL. Negative answers are not cached.
 */
import { fmtIp } from '../wire/addr.js';
import {
  aAddresses,
  decodeDns,
  DNS_PORT,
  DNS_RCODE,
  dnsNameKey,
  dnsQuery,
  dnsRcode,
  encodeDns,
  isDnsResponse,
  type DnsMessage,
} from '../wire/dns.js';
import type { Ipv4Addr } from '../wire/types.js';
import type { Frame } from '../trace/events.js';
import type { EventTarget, Timer } from '../sim/sim.js';
import type { Rng } from '../sim/rng.js';
import { SEC, type Nanos } from '../sim/time.js';
import type { Host, HostProcess } from '../net/host.js';
import type { UdpSocket } from '../net/udp.js';

/** How a resolver caches answers. */
export type DnsCacheMode = 'ttl' | 'forever' | 'none';

/** Every cache mode, in the order the docs list them. */
export const DNS_CACHE_MODES: readonly DnsCacheMode[] = ['ttl', 'forever', 'none'];

/** Why a lookup failed, as getaddrinfo() says it. */
export type DnsLookupError = 'EAI_NONAME' | 'EAI_NODATA' | 'EAI_AGAIN' | 'EAI_FAIL';

/** The result of a lookup: the addresses in answer order, or the error. */
export type DnsLookupResult = { readonly ok: true; readonly addrs: readonly Ipv4Addr[]; readonly cached: boolean } | { readonly ok: false; readonly error: DnsLookupError };

/** Options of a resolver; the defaults are glibc's. */
export interface DnsResolverOptions {
  /** Cache mode (default 'ttl'). */
  readonly cache?: DnsCacheMode;
  /** Wait for an answer per attempt (default 5 s, resolv.conf `options timeout:5`). */
  readonly timeout?: Nanos;
  /** Attempts per lookup, each over every nameserver (default 2, `options attempts:2`). */
  readonly attempts?: number;
  /** Start each lookup at the next nameserver (`options rotate`; default off: always the first). */
  readonly rotate?: boolean;
  /** Names the resolver's random stream `dns-resolver:<host>:<id>` (default "0"). */
  readonly id?: string;
}

/** What a resolver did. */
export interface DnsResolverStats {
  /** Lookups asked of it. */
  lookups: number;
  /** Lookups answered from the cache. */
  cacheHits: number;
  /** Query datagrams sent, retransmissions included. */
  queriesSent: number;
  /** Lookups that failed. */
  failures: number;
  /** Successful lookups per first address (the address a client connects to). */
  readonly firstAddress: Map<Ipv4Addr, number>;
}

interface CacheEntry {
  readonly name: string;
  readonly addrs: readonly Ipv4Addr[];
  /** TTL in ns as cached (-1 forever). */
  readonly ttl: Nanos;
  timer: Timer | null;
}

interface Query {
  readonly key: string;
  readonly name: string;
  readonly id: number;
  readonly bytes: Uint8Array;
  /** One socket per nameserver index, opened when first asked (glibc EXT(statp).nssocks). */
  readonly socks: (UdpSocket | null)[];
  /** The nameserver the lookup starts at (0 unless rotate). */
  readonly offset: number;
  /** Which server of this attempt is being asked (0 = the offset one). */
  shift: number;
  /** Completed passes over the servers. */
  attempt: number;
  timer: Timer | null;
  readonly waiting: ((r: DnsLookupResult) => void)[];
}

const EV_TIMEOUT = 1;
const EV_EXPIRE = 2;

/** A stub resolver with a cache, on one host, asking one server. */
export class DnsResolver implements EventTarget, HostProcess {
  /** Names the resolver in budget messages. */
  readonly label: string;
  readonly mode: DnsCacheMode;
  readonly stats: DnsResolverStats = { lookups: 0, cacheHits: 0, queriesSent: 0, failures: 0, firstAddress: new Map() };
  private readonly rng: Rng;
  private readonly timeout: Nanos;
  private readonly attempts: number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Query>();

  /** The nameservers in resolv.conf order. */
  readonly servers: readonly Ipv4Addr[];
  private readonly rotate: boolean;
  private rotateNext = 0;

  /** Creates a resolver on `host` that asks `servers` (UDP 53), in order. */
  constructor(
    readonly host: Host,
    servers: Ipv4Addr | readonly Ipv4Addr[],
    opts: DnsResolverOptions = {},
  ) {
    this.servers = typeof servers === 'number' ? [servers] : [...servers];
    if (this.servers.length === 0) throw new Error('dns-resolver: at least one nameserver');
    this.mode = opts.cache ?? 'ttl';
    this.timeout = opts.timeout ?? 5 * SEC;
    this.attempts = Math.max(1, opts.attempts ?? 2);
    this.rotate = opts.rotate ?? false;
    this.rng = host.net.sim.stream(`dns-resolver:${host.name}:${opts.id ?? '0'}`);
    this.label = `dns-resolver ${host.name} -> ${this.servers.map(fmtIp).join(', ')}`;
    host.addProcess(this);
  }

  /** Its query and cache timers die with the host. */
  targets(): readonly EventTarget[] {
    return [this];
  }

  /** The first nameserver (the only one, for most resolvers). */
  get server(): Ipv4Addr {
    return this.servers[0]!;
  }

  /**
   * How long res_send waits for nameserver `i` (send_dg): timeout << i,
   * divided by the server count when i > 0, in whole seconds, at least 1 s.
   */
  waitFor(i: number): Nanos {
    if (i === 0) return this.timeout;
    const sec = Math.floor((Math.floor(this.timeout / SEC) * 2 ** i) / this.servers.length);
    return Math.max(1, sec) * SEC;
  }

  /** The host lost power: the queries in flight and the cache are gone (the resolver lives in the process's memory). */
  halt(): void {
    this.inflight.clear();
    this.cache.clear();
  }

  /** Resolves `name`; `done` is called once, at once for a cache hit, else when the server answers or the attempts run out. */
  lookup(name: string, done: (r: DnsLookupResult) => void): void {
    const key = dnsNameKey(name);
    this.stats.lookups++;
    const hit = this.cache.get(key);
    if (hit) {
      this.stats.cacheHits++;
      this.host.net.trace.state(this.host.name, () => ({ what: 'dns-cache', op: 'hit', name: hit.name, addrs: hit.addrs, ttl: hit.ttl }), () => `${this.host.name}'s resolver answers ${hit.name} from its cache: ${hit.addrs.map(fmtIp).join(', ')} (no query sent)`);
      this.succeed(hit.addrs, true, done);
      return;
    }
    const q = this.inflight.get(key);
    if (q) {
      q.waiting.push(done);
      return;
    }
    this.send(key, name, done);
  }

  /** The cached addresses of a name, or null. */
  cached(name: string): readonly Ipv4Addr[] | null {
    return this.cache.get(dnsNameKey(name))?.addrs ?? null;
  }

  private succeed(addrs: readonly Ipv4Addr[], cached: boolean, done: (r: DnsLookupResult) => void): void {
    const first = addrs[0]!;
    this.stats.firstAddress.set(first, (this.stats.firstAddress.get(first) ?? 0) + 1);
    done({ ok: true, addrs, cached });
  }

  private send(key: string, name: string, done: (r: DnsLookupResult) => void): void {
    // glibc: a random 16-bit id per lookup, the same datagram to every server and attempt.
    const id = this.rng.int(0x10000);
    const bytes = encodeDns(dnsQuery(id, name));
    const n = this.servers.length;
    const offset = this.rotate ? this.rotateNext++ % n : 0;
    const q: Query = { key, name, id, bytes, socks: this.servers.map(() => null), offset, shift: 0, attempt: 0, timer: null, waiting: [done] };
    this.inflight.set(key, q);
    this.transmit(q);
  }

  private current(q: Query): number {
    return (q.offset + q.shift) % this.servers.length;
  }

  private transmit(q: Query): void {
    const ns = this.current(q);
    let sock = q.socks[ns];
    if (!sock) {
      // A socket per nameserver on a random port (source port randomisation), kept for the lookup's later attempts.
      sock = this.host.udp.bind(0, {
        message: (_s, data, from, sport, _ip, frame) => this.response(q, data, from, sport, frame),
        error: () => this.icmpError(q),
      });
      q.socks[ns] = sock;
    }
    this.stats.queriesSent++;
    q.timer = this.host.net.sim.timer(this.waitFor(ns), this, EV_TIMEOUT, q);
    sock.send(this.servers[ns]!, DNS_PORT, q.bytes);
  }

  private response(q: Query, data: Uint8Array, from: Ipv4Addr, sport: number, frame: Frame): void {
    const host = this.host;
    const trace = host.net.trace;
    if (this.inflight.get(q.key) !== q) return;
    const r = decodeDns(data);
    if (!r.ok) {
      trace.drop(host.name, null, frame, 'dns-malformed', () => `${host.name}'s resolver cannot read the DNS answer from ${fmtIp(from)} (${r.error.reason}); it keeps waiting`);
      return;
    }
    const m = r.value;
    const question = m.questions[0];
    // res_send's checks: the server's address and port, the id, and the question echoed back.
    if (!this.servers.includes(from) || sport !== DNS_PORT || m.id !== q.id || !isDnsResponse(m) || !question || dnsNameKey(question.name) !== q.key) {
      trace.drop(host.name, null, frame, 'dns-unexpected-reply', () => `${host.name}'s resolver asked ${fmtIp(this.servers[this.current(q)]!)}:53 for ${q.name} with id ${q.id}; this answer (from ${fmtIp(from)}:${sport}, id ${m.id}) is not it`);
      return;
    }
    this.finish(q, this.outcome(q, m));
  }

  private outcome(q: Query, m: DnsMessage): DnsLookupResult {
    const rcode = dnsRcode(m);
    if (rcode === DNS_RCODE.NXDOMAIN) return { ok: false, error: 'EAI_NONAME' };
    if (rcode === DNS_RCODE.SERVFAIL) return { ok: false, error: 'EAI_AGAIN' };
    if (rcode !== DNS_RCODE.NOERROR) return { ok: false, error: 'EAI_FAIL' };
    const addrs = aAddresses(m);
    if (addrs.length === 0) return { ok: false, error: 'EAI_NODATA' };
    // The smallest TTL of the set is how long the set may be kept (RFC 2181 5.2: they should all be equal).
    let ttlSec = Infinity;
    for (const a of m.answers) if (a.ttl < ttlSec) ttlSec = a.ttl;
    this.store(q.name, q.key, addrs, ttlSec * SEC);
    return { ok: true, addrs, cached: false };
  }

  private store(name: string, key: string, addrs: readonly Ipv4Addr[], ttl: Nanos): void {
    if (this.mode === 'none' || (this.mode === 'ttl' && ttl <= 0)) return;
    const forever = this.mode === 'forever';
    const e: CacheEntry = { name, addrs, ttl: forever ? -1 : ttl, timer: null };
    if (!forever) e.timer = this.host.net.sim.timer(ttl, this, EV_EXPIRE, e);
    this.cache.set(key, e);
    const h = this.host.name;
    this.host.net.trace.state(h, () => ({ what: 'dns-cache', op: 'add', name, addrs, ttl: e.ttl }), () =>
      forever
        ? `${h}'s resolver caches ${name} -> ${addrs.map(fmtIp).join(', ')} forever (the TTL of ${ttl / SEC}s is ignored)`
        : `${h}'s resolver caches ${name} -> ${addrs.map(fmtIp).join(', ')} for the TTL of ${ttl / SEC}s`,
    );
  }

  private icmpError(q: Query): void {
    if (this.inflight.get(q.key) !== q) return;
    // res_send: an error on the socket (ECONNREFUSED, EHOSTUNREACH) gives up on this server; the next one is asked now.
    this.host.net.sim.cancel(q.timer);
    q.timer = null;
    this.retryOrFail(q);
  }

  private retryOrFail(q: Query): void {
    // __res_context_send: for each try, for each nameserver.
    q.shift++;
    if (q.shift === this.servers.length) {
      q.shift = 0;
      q.attempt++;
    }
    if (q.attempt < this.attempts) this.transmit(q);
    else this.finish(q, { ok: false, error: 'EAI_AGAIN' });
  }

  private finish(q: Query, r: DnsLookupResult): void {
    this.host.net.sim.cancel(q.timer);
    q.timer = null;
    this.inflight.delete(q.key);
    for (const sk of q.socks) sk?.close();
    for (const done of q.waiting) {
      if (r.ok) this.succeed(r.addrs, false, done);
      else {
        this.stats.failures++;
        done(r);
      }
    }
  }

  /** Timers: a query's attempt timed out, or a cache entry expired. */
  onEvent(kind: number, a: unknown): void {
    if (kind === EV_TIMEOUT) {
      const q = a as Query;
      q.timer = null;
      if (this.inflight.get(q.key) === q) this.retryOrFail(q);
      return;
    }
    const e = a as CacheEntry;
    const key = dnsNameKey(e.name);
    if (this.cache.get(key) !== e) return;
    this.cache.delete(key);
    const h = this.host.name;
    this.host.net.trace.state(h, () => ({ what: 'dns-cache', op: 'del', name: e.name, addrs: e.addrs, ttl: e.ttl }), () => `${h}'s resolver cache entry for ${e.name} expires (TTL ${e.ttl / SEC}s); the next lookup asks the server again`);
  }

  /** Names an event kind. */
  kindName(kind: number): string {
    return kind === EV_TIMEOUT ? 'dns query timeout' : 'dns cache expiry';
  }
}

/** A result of one dns-lookup: when it was asked and what came back. */
export interface DnsLookupRecord {
  readonly index: number;
  readonly at: Nanos;
  /** When the answer came (-1 while pending). */
  doneAt: Nanos;
  result: DnsLookupResult | null;
}

const EV_LOOKUP = 1;

/** The `dns-lookup` app: `repeat` lookups of one name, `interval` apart, through its own resolver (like `getent hosts` in a loop). */
export class DnsLookupApp implements EventTarget, HostProcess {
  readonly label: string;
  readonly results: DnsLookupRecord[] = [];

  /** Starts the lookups at `start`. */
  constructor(
    readonly resolver: DnsResolver,
    readonly name: string,
    readonly repeat: number,
    readonly interval: Nanos,
    start: Nanos,
  ) {
    this.label = `dns-lookup ${resolver.host.name} ${name}`;
    if (repeat > 0) resolver.host.net.sim.timer(start, this, EV_LOOKUP);
    resolver.host.addProcess(this);
  }

  /** Its next lookup dies with the host. */
  targets(): readonly EventTarget[] {
    return [this];
  }

  /** The command dies with its host; lookups in progress stay unanswered. */
  halt(): void {}

  /** The next lookup is due. */
  onEvent(): void {
    const sim = this.resolver.host.net.sim;
    const rec: DnsLookupRecord = { index: this.results.length, at: sim.now, doneAt: -1, result: null };
    this.results.push(rec);
    this.resolver.lookup(this.name, (r) => {
      rec.result = r;
      rec.doneAt = sim.now;
    });
    if (this.results.length < this.repeat) sim.timer(this.interval, this, EV_LOOKUP);
  }

  /** Names the event kind. */
  kindName(): string {
    return 'dns lookup';
  }
}

/**
 * An HTTP/1.1 client application (curl, ab or wrk in a lesson): it makes a
 * number of requests to address:port, one after another (optionally several
 * loops in parallel) or at a fixed or Poisson rate, on a new connection each
 * time or over keep-alive connections, and records every request's outcome
 * with a stable code:
 *
 *   completed     a whole response arrived (status and answering server kept)
 *   reset         the connection was reset (ECONNRESET)
 *   timeout       connect() timed out (ETIMEDOUT, as the one-arm bug gives),
 *                 or the per-request limit (curl --max-time) ran out
 *   refused       the port is closed (ECONNREFUSED: RST|ACK, or ICMP port unreachable)
 *   unreachable   EHOSTUNREACH / ENETUNREACH
 *   closed        the server closed the connection without a response (curl: "Empty reply from server")
 *   bad-response  the response could not be parsed
 *   unresolved    the destination name did not resolve (curl: "Could not resolve host")
 *
 * Response time runs from the start of the request (connect() for a new
 * connection, the send for a reused one) to the response's last byte.
 * Which server answered comes from the Server header, else the body's first
 * line (the HTTP server's default body is its name).
 *
 * A new connection per request sends `Connection: close` by default, so the
 * server closes first (as with curl against a server that closes, or ab);
 * with keep-alive, idle connections are reused, oldest first.
 *
 * A client may target a DNS name instead of an address (`name` and
 * `resolver`): each new connection starts with a lookup through the
 * resolver, and connects to the first address of the answer, as curl does
 * with getaddrinfo(). The lookup's time counts in the response time; a
 * reused keep-alive connection needs no lookup.
 */
import { fmtIp } from '../wire/addr.js';
import type { Ipv4Addr } from '../wire/types.js';
import {
  HttpParser,
  httpRequest,
  keepAlive,
  latin1Text,
  serializeRequest,
  type HttpField,
  type HttpResponse,
} from '../wire/http.js';
import type { EventTarget, Timer } from '../sim/sim.js';
import type { Rng } from '../sim/rng.js';
import { SEC, type Nanos } from '../sim/time.js';
import type { Host, HostProcess } from '../net/host.js';
import type { TcpCloseReason, TcpConnection, TcpError, TcpHandlers } from '../net/tcp.js';
import { serverOf } from './http-server.js';
import { drawServiceTime, type ServiceTime } from './capacity.js';

/** The stable outcome codes of a request ('pending' until it ends). */
export type HttpOutcome = 'pending' | 'completed' | 'reset' | 'timeout' | 'refused' | 'unreachable' | 'closed' | 'bad-response' | 'unresolved' | 'host-down';

/** Every final outcome code, in the order summaries list them. */
export const HTTP_OUTCOMES: readonly Exclude<HttpOutcome, 'pending'>[] = ['completed', 'reset', 'timeout', 'refused', 'unreachable', 'closed', 'bad-response', 'unresolved', 'host-down'];

/** What happened to one request. */
export interface HttpRequestRecord {
  /** 0-based number of the request in this client. */
  readonly index: number;
  outcome: HttpOutcome;
  /** The response's status code (completed only). */
  status: number | null;
  /** The server that answered (Server header, else the body's first line). */
  server: string | null;
  /** The socket error behind a failure, 'max-time' when the client's own limit aborted it, or the getaddrinfo error of a failed lookup. */
  error: TcpError | 'max-time' | LookupError | null;
  /** The address the request went to: the client's destination, or what its lookup returned (0 until then). */
  dst: Ipv4Addr;
  /** When the request started: connect() for a new connection, the send on a reused one (ns). */
  startedAt: Nanos;
  /** When its connection was established (-1 if never). */
  connectedAt: Nanos;
  /** When the request ended (-1 while pending). */
  doneAt: Nanos;
  /** doneAt - startedAt for a completed request, else null. */
  responseTime: Nanos | null;
  /** The local (ephemeral) port of its connection (0 before connect). */
  localPort: number;
  /** True when it went over an already open keep-alive connection. */
  reused: boolean;
  /** The response (completed only). */
  response: HttpResponse | null;
  /** The response body as text (Latin-1), '' when none. */
  body: string;
  /** The request target this request asked for. */
  readonly path: string;
}

/** A getaddrinfo() error code (EAI_NONAME, EAI_AGAIN...). */
export type LookupError = `EAI_${string}`;

/** What turns a name into addresses before each new connection (a stub resolver: src/apps/dns-resolver.ts). */
export interface NameResolver {
  lookup(name: string, done: (r: { readonly ok: true; readonly addrs: readonly Ipv4Addr[] } | { readonly ok: false; readonly error: LookupError }) => void): void;
}

/** Options of an HTTP client. */
export interface HttpClientOptions {
  /** Destination port (default 80). */
  readonly port?: number;
  /** Number of requests (default 1). */
  readonly count?: number;
  /** Request method (default GET). */
  readonly method?: string;
  /** Request target (default "/"). */
  readonly path?: string;
  /** Request targets used in turn, request i asking for paths[i mod n] (overrides `path`): one keep-alive connection can visit several L7 pools. */
  readonly paths?: readonly string[];
  /** Keep the cookies responses set (Set-Cookie name=value, attributes ignored) and send them back in a Cookie header, as a browser does. */
  readonly cookies?: boolean;
  /** Host header value (default what curl sends: the address or DNS name, with `:port` unless the port is 80). */
  readonly hostHeader?: string;
  /** Extra header fields after Host (and User-Agent, Accept). */
  readonly headers?: readonly HttpField[];
  /** The whole header list, sent exactly as given (no Host, Content-Length or Connection added); overrides hostHeader, headers and connectionClose. */
  readonly exactHeaders?: readonly HttpField[];
  /** The request's minor version: 1 (HTTP/1.1, default) or 0 (HTTP/1.0, as `curl -0`: no Connection header unless keep-alive). */
  readonly minor?: 0 | 1;
  /** Request body (adds Content-Length, unless exactHeaders). */
  readonly body?: string | Uint8Array;
  /** Reuse connections (default false: a new connection per request). */
  readonly keepAlive?: boolean;
  /** With a new connection per request, send `Connection: close` (default true). */
  readonly connectionClose?: boolean;
  /** Sequential mode: how many request loops run in parallel (default 1). Ignored with `rate`. */
  readonly concurrency?: number;
  /** Pause between one request's end and the next one's start in a sequential loop (ns, default 0). */
  readonly thinkTime?: Nanos;
  /** Open-loop mode: requests per second, started whatever the previous ones are doing. */
  readonly rate?: number;
  /** With `rate`: exponential gaps (a Poisson process) from the client's seeded stream instead of fixed ones. */
  readonly poisson?: boolean;
  /** Per-request limit (ns), like curl --max-time: the request is abandoned as 'timeout' (default none). */
  readonly maxTime?: Nanos;
  /** Delay before the first request (ns, default 0). */
  readonly startAt?: Nanos;
  /** Think time between connect() returning and the request's write (a constant or a distribution from the client's stream; default 0). */
  readonly afterConnect?: ServiceTime;
  /** Distinguishes clients on one host in their random stream name `http-client:<host>:<id>` (default "0"). */
  readonly id?: string;
  /** Keep each response and its body text in the records (default true; false for long runs, to bound memory). */
  readonly keepResponses?: boolean;
  /** Target this DNS name through `resolver` instead of the constructor's address (which is then 0). */
  readonly name?: string;
  /** The resolver that looks `name` up before each new connection. */
  readonly resolver?: NameResolver;
}

/** Response-time statistics of the completed requests (ns). */
export interface ResponseTimeStats {
  readonly count: number;
  readonly mean: number;
  /** Median, nearest-rank. */
  readonly p50: number;
  /** 99th percentile, nearest-rank. */
  readonly p99: number;
  readonly min: number;
  readonly max: number;
}

/** A client's results in numbers. */
export interface HttpClientSummary {
  /** Requests started. */
  readonly total: number;
  /** Requests per outcome code (every code present, 0 when none). */
  readonly byOutcome: Readonly<Record<HttpOutcome, number>>;
  /** Completed requests per answering server, in first-answer order. */
  readonly byServer: Readonly<Record<string, number>>;
  /** Completed requests per status code. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Response times of completed requests, or null when none completed. */
  readonly responseTime: ResponseTimeStats | null;
}

/** Per-connection state of the client (kept in TcpConnection.ctx). */
interface ClientConn {
  readonly conn: TcpConnection;
  readonly parser: HttpParser;
  /** The request in flight on it, or null when idle. */
  req: Pending | null;
  connected: boolean;
  /** The server announced it closes, or the client wants a fresh connection per request. */
  retire: boolean;
  dead: boolean;
}

/** A request in progress. */
interface Pending {
  readonly rec: HttpRequestRecord;
  cc: ClientConn | null;
  timer: Timer | null;
  /** The sequential loop it belongs to (-1 in rate mode). */
  readonly loop: number;
}

const EV_ARRIVAL = 1;
const EV_MAXTIME = 2;
const EV_LOOP = 3;
const EV_SEND = 4;

/** An HTTP client on a host, sending requests to one address and port. */
export class HttpClient implements TcpHandlers, EventTarget, HostProcess {
  /** One record per request started, in start order. */
  readonly results: HttpRequestRecord[] = [];
  /** Names the client in budget messages. */
  readonly label: string;
  /** The seeded stream of Poisson gaps. */
  readonly rng: Rng;
  /** Called once every request has ended. */
  onDone: ((c: HttpClient) => void) | null = null;
  private readonly port: number;
  private readonly count: number;
  private readonly opts: HttpClientOptions;
  /** The serialised request per path, built once (a client with a cookie jar rebuilds when its cookies change). */
  private readonly requests = new Map<string, Uint8Array>();
  private readonly headers: HttpField[];
  private readonly paths: readonly string[];
  /** The cookie jar: name -> value, in first-set order (RFC 6265 5.4 orders by path length, then creation; lblab sets no paths). */
  readonly jar = new Map<string, string>();
  private readonly method: string;
  private readonly minor: 0 | 1;
  private readonly idle: ClientConn[] = [];
  private finished = 0;

  /** Creates the client; its first request starts after opts.startAt. */
  constructor(
    readonly host: Host,
    readonly dst: Ipv4Addr,
    opts: HttpClientOptions = {},
  ) {
    this.opts = opts;
    this.port = opts.port ?? 80;
    this.count = opts.count ?? 1;
    this.method = opts.method ?? 'GET';
    if ((opts.name === undefined) !== (opts.resolver === undefined)) throw new Error('http-client: a name needs a resolver, and a resolver a name');
    this.label = `http-client ${host.name} -> ${opts.name ?? fmtIp(dst)}:${this.port}`;
    this.rng = host.net.sim.stream(`http-client:${host.name}:${opts.id ?? '0'}`);
    this.minor = opts.minor ?? 1;
    if (opts.exactHeaders) {
      this.headers = [...opts.exactHeaders];
    } else {
      // curl's Host: the host part of the URL as typed, with the port unless it is the scheme's default (80).
      const headers: HttpField[] = [
        { name: 'Host', value: opts.hostHeader ?? (this.port === 80 ? (opts.name ?? fmtIp(dst)) : `${opts.name ?? fmtIp(dst)}:${this.port}`) },
        { name: 'User-Agent', value: 'lblab' },
        { name: 'Accept', value: '*/*' },
        ...(opts.headers ?? []),
      ];
      // HTTP/1.1 is persistent unless told (RFC 9112 9.3); HTTP/1.0 closes unless told, so curl -0 sends no Connection field.
      if (this.minor === 1 && !opts.keepAlive && (opts.connectionClose ?? true)) headers.push({ name: 'Connection', value: 'close' });
      if (this.minor === 0 && opts.keepAlive) headers.push({ name: 'Connection', value: 'keep-alive' });
      this.headers = headers;
    }
    this.paths = opts.paths && opts.paths.length > 0 ? opts.paths : [opts.path ?? '/'];
    if (opts.rate !== undefined && !(opts.rate > 0)) throw new Error(`http-client rate must be > 0, got ${opts.rate}`);
    host.addProcess(this);
    const sim = host.net.sim;
    const t0 = opts.startAt ?? 0;
    if (this.count <= 0) return;
    if (opts.rate !== undefined) {
      sim.timer(t0, this, EV_ARRIVAL);
    } else {
      const loops = Math.min(opts.concurrency ?? 1, this.count);
      for (let i = 0; i < loops; i++) sim.timer(t0, this, EV_LOOP, i);
    }
  }

  /** Where the requests go, as a person reads it: the DNS name looked up, else the address. */
  get target(): string {
    return this.opts.name ?? fmtIp(this.dst);
  }

  /** True once every request has ended. */
  get done(): boolean {
    return this.finished >= this.count;
  }

  /** Timers: the next open-loop arrival, a sequential loop's next request, or a request's max-time. */
  onEvent(kind: number, a: unknown): void {
    switch (kind) {
      case EV_ARRIVAL: {
        this.issue(-1);
        if (this.results.length < this.count) {
          const rate = this.opts.rate!;
          const gap = this.opts.poisson ? Math.round(this.rng.exp(SEC / rate)) : Math.round(SEC / rate);
          this.host.net.sim.timer(gap, this, EV_ARRIVAL);
        }
        return;
      }
      case EV_LOOP:
        if (this.results.length < this.count) this.issue(a as number);
        return;
      case EV_SEND: {
        const cc = a as ClientConn;
        if (cc.req && !cc.dead) this.sendOn(cc, cc.req);
        return;
      }
      case EV_MAXTIME: {
        const p = a as Pending;
        p.timer = null;
        if (p.rec.outcome !== 'pending') return;
        const cc = p.cc;
        this.end(p, 'timeout', 'max-time');
        // curl closes its socket: silently in SYN_SENT, with a FIN once connected (an RST if the response still comes).
        if (cc && !cc.dead) {
          cc.retire = true;
          cc.conn.close();
        }
        return;
      }
      default:
        return;
    }
  }

  /** Names an event kind. */
  kindName(kind: number): string {
    return kind === EV_MAXTIME ? 'max-time' : kind === EV_SEND ? 'write after connect' : 'next request';
  }

  private issue(loop: number): void {
    const sim = this.host.net.sim;
    const rec: HttpRequestRecord = {
      index: this.results.length,
      outcome: 'pending',
      status: null,
      server: null,
      error: null,
      dst: this.opts.resolver ? 0 : this.dst,
      startedAt: sim.now,
      connectedAt: -1,
      doneAt: -1,
      responseTime: null,
      localPort: 0,
      reused: false,
      response: null,
      body: '',
      path: this.paths[this.results.length % this.paths.length]!,
    };
    this.results.push(rec);
    const p: Pending = { rec, cc: null, timer: null, loop };
    if (this.opts.maxTime !== undefined && this.opts.maxTime > 0) p.timer = sim.timer(this.opts.maxTime, this, EV_MAXTIME, p);
    const reuse = this.opts.keepAlive ? this.idle.shift() : undefined;
    if (reuse) {
      rec.reused = true;
      rec.dst = reuse.conn.remoteAddr;
      rec.connectedAt = reuse.conn.establishedAt;
      this.sendOn(reuse, p);
      return;
    }
    const resolver = this.opts.resolver;
    if (!resolver) {
      this.open(p, this.dst);
      return;
    }
    resolver.lookup(this.opts.name!, (r) => {
      if (rec.outcome !== 'pending') return; // max-time ran out during the lookup
      if (r.ok) {
        rec.dst = r.addrs[0]!;
        this.open(p, rec.dst);
      } else {
        this.end(p, 'unresolved', r.error);
      }
    });
  }

  /** Opens a new connection for a request. */
  private open(p: Pending, dst: Ipv4Addr): void {
    const rec = p.rec;
    const c = this.host.tcp.connect(dst, this.port, this);
    const cc: ClientConn = { conn: c, parser: new HttpParser('response'), req: p, connected: false, retire: !this.opts.keepAlive, dead: false };
    c.ctx = cc;
    p.cc = cc;
    rec.localPort = c.localPort;
  }

  private sendOn(cc: ClientConn, p: Pending): void {
    cc.req = p;
    p.cc = cc;
    p.rec.localPort = cc.conn.localPort;
    cc.parser.expectResponseTo(this.method);
    cc.conn.send(this.requestFor(p.rec.path));
  }

  /** The bytes of a request for `path`, with the jar's cookies (RFC 6265 5.4: one Cookie line, pairs joined by "; "). */
  private requestFor(path: string): Uint8Array {
    const cached = this.requests.get(path);
    if (cached) return cached;
    const headers = this.jar.size === 0 ? this.headers : [...this.headers, { name: 'Cookie', value: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') }];
    const req = httpRequest({ method: this.method, target: path, headers, body: this.opts.body, minor: this.minor });
    // Exact headers: the list as given, without the Content-Length httpRequest adds for a body.
    const bytes = serializeRequest(this.opts.exactHeaders ? { ...req, headers } : req);
    this.requests.set(path, bytes);
    return bytes;
  }

  /** Keeps the cookies a response sets (RFC 6265 5.2: name=value before the first ';'; Max-Age=0 deletes). */
  private storeCookies(m: HttpResponse): void {
    let changed = false;
    for (const h of m.headers) {
      if (h.name.toLowerCase() !== 'set-cookie') continue;
      const pair = h.value.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue; // RFC 6265 5.2: a pair without a name is ignored
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/;\s*max-age\s*=\s*0\s*(;|$)/i.test(h.value)) changed = this.jar.delete(name) || changed;
      else if (this.jar.get(name) !== value) {
        this.jar.set(name, value);
        changed = true;
      }
    }
    if (changed) this.requests.clear();
  }

  /** The connection is established (TcpHandlers): send the request. */
  connected(c: TcpConnection): void {
    const cc = c.ctx as ClientConn;
    cc.connected = true;
    const p = cc.req;
    if (!p) return;
    p.rec.connectedAt = this.host.net.sim.now;
    const d = this.opts.afterConnect;
    if (d !== undefined && d !== 0) this.host.net.sim.timer(drawServiceTime(d, this.rng), this, EV_SEND, cc);
    else this.sendOn(cc, p);
  }

  /** Response bytes arrived (TcpHandlers). */
  data(c: TcpConnection, bytes: Uint8Array): void {
    const cc = c.ctx as ClientConn;
    for (const r of cc.parser.feed(bytes)) {
      const p = cc.req;
      if (!r.ok) {
        if (p) this.end(p, 'bad-response', null);
        cc.retire = true;
        c.close();
        return;
      }
      const m = r.value;
      if (m.kind !== 'response' || m.status < 200) continue; // interim 1xx responses precede the real one
      if (!p) continue; // an unsolicited response (a server bug): ignored
      this.complete(cc, p, m);
    }
  }

  /** The server sent FIN (TcpHandlers). */
  peerClosed(c: TcpConnection): void {
    const cc = c.ctx as ClientConn;
    cc.retire = true;
    const p = cc.req;
    if (p) {
      const r = cc.parser.end(); // RFC 9112 6.3 rule 8: a response without length ends at the close
      if (r && r.ok && r.value.kind === 'response') this.complete(cc, p, r.value);
      else this.end(p, r && !r.ok ? 'bad-response' : 'closed', null);
    }
    this.dropIdle(cc);
    c.close();
  }

  /** A socket error ended the connection (TcpHandlers). */
  error(c: TcpConnection, code: TcpError): void {
    const cc = c.ctx as ClientConn;
    const p = cc.req;
    if (p) this.end(p, outcomeOf(code), code);
  }

  /** The connection is over (TcpHandlers). */
  closed(c: TcpConnection, reason: TcpCloseReason): void {
    const cc = c.ctx as ClientConn;
    cc.dead = true;
    this.dropIdle(cc);
    const p = cc.req;
    if (p && p.rec.outcome === 'pending') this.end(p, reason === 'normal' ? 'closed' : 'reset', null);
  }

  private complete(cc: ClientConn, p: Pending, m: HttpResponse): void {
    const rec = p.rec;
    if (rec.outcome !== 'pending') return;
    rec.status = m.status;
    if (this.opts.keepResponses ?? true) {
      rec.response = m;
      rec.body = latin1Text(m.body);
    }
    rec.server = serverOf(m.headers, m.body);
    if (this.opts.cookies) this.storeCookies(m);
    const persistent = keepAlive(m);
    if (!persistent) cc.retire = true;
    // The connection's fate is settled before the request ends, so onDone sees idle connections.
    if (!cc.dead) {
      if (!cc.retire) this.idle.push(cc);
      // The server said it closes: wait for its FIN (peerClosed closes our side); otherwise the client closes first.
      else if (persistent) cc.conn.close();
    }
    this.end(p, 'completed', null);
  }

  /** Ends a request with an outcome and lets its loop go on. */
  private end(p: Pending, outcome: Exclude<HttpOutcome, 'pending'>, error: TcpError | 'max-time' | LookupError | null): void {
    const rec = p.rec;
    if (rec.outcome !== 'pending') return;
    const sim = this.host.net.sim;
    rec.outcome = outcome;
    rec.error = error;
    rec.doneAt = sim.now;
    if (outcome === 'completed') rec.responseTime = rec.doneAt - rec.startedAt;
    if (p.timer) {
      sim.cancel(p.timer);
      p.timer = null;
    }
    if (p.cc && p.cc.req === p) p.cc.req = null;
    this.finished++;
    if (p.loop >= 0 && this.results.length < this.count) sim.timer(this.opts.thinkTime ?? 0, this, EV_LOOP, p.loop);
    if (this.done && this.onDone) this.onDone(this);
  }

  private dropIdle(cc: ClientConn): void {
    const i = this.idle.indexOf(cc);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** Its timers die with the host (a resolver is a process of its own). */
  targets(): readonly EventTarget[] {
    return [this];
  }

  /**
   * The host lost power: the client process dies. Requests in progress end
   * as 'host-down'; the ones not started never are (nothing runs a client
   * command again after a reboot).
   */
  halt(): void {
    const now = this.host.net.sim.now;
    for (const rec of this.results) {
      if (rec.outcome !== 'pending') continue;
      rec.outcome = 'host-down';
      rec.doneAt = now;
      this.finished++;
    }
    this.idle.length = 0;
  }

  /** Closes idle keep-alive connections (the client is finished with them). */
  closeIdle(): void {
    for (const cc of this.idle.splice(0)) cc.conn.close();
  }

  /** Counts by outcome, by server and by status, and response-time statistics of the completed requests. */
  summary(): HttpClientSummary {
    return summarize(this.results);
  }
}

/** The outcome code of a socket error. */
export function outcomeOf(code: TcpError): 'reset' | 'timeout' | 'refused' | 'unreachable' {
  switch (code) {
    case 'ECONNRESET':
      return 'reset';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'refused';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL': // no local port left: the connection could not be made (curl: "Couldn't connect")
      return 'unreachable';
  }
}

/** Summarises request records (of one client or several). */
export function summarize(results: readonly HttpRequestRecord[]): HttpClientSummary {
  const byOutcome: Record<HttpOutcome, number> = { pending: 0, completed: 0, reset: 0, timeout: 0, refused: 0, unreachable: 0, closed: 0, 'bad-response': 0, unresolved: 0, 'host-down': 0 };
  const byServer: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const times: number[] = [];
  for (const r of results) {
    byOutcome[r.outcome]++;
    if (r.outcome !== 'completed') continue;
    const s = r.server ?? '?';
    byServer[s] = (byServer[s] ?? 0) + 1;
    byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1;
    times.push(r.responseTime!);
  }
  return { total: results.length, byOutcome, byServer, byStatus, responseTime: timeStats(times) };
}

/** Mean, nearest-rank percentiles, min and max of a list of times; null for an empty list. */
export function timeStats(times: readonly number[]): ResponseTimeStats | null {
  if (times.length === 0) return null;
  const s = [...times].sort((a, b) => a - b);
  const rank = (q: number) => s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
  let sum = 0;
  for (const t of s) sum += t;
  return { count: s.length, mean: sum / s.length, p50: rank(0.5), p99: rank(0.99), min: s[0]!, max: s[s.length - 1]! };
}

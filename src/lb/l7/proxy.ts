/**
 * An L7 (HTTP) proxy on a load balancer host, as HAProxy in `mode http`
 * with `option http-keep-alive`: it listens on VIP:port, so the client's
 * TCP connection ends at the LB, and for each request it opens (or reuses)
 * its own connection to a server: two TCP connections in the trace, each
 * with its own sequence numbers, the server seeing the LB's address as its
 * peer. Per request, in this order:
 *
 *   1. CPU: the request waits for a core and costs `cpu.perRequest` (cpu.ts);
 *   2. rate limit: a source above its rate gets 429 (ratelimit.ts);
 *   3. cache: a fresh stored response is answered by the proxy (cache.ts);
 *   4. routing: the first matching rule names the pool, else the default (rules.ts);
 *   5. server: the persistence cookie's server when it is up, else the
 *      pool's balancing (a scheduler of the L4 issue, URI hash, header hash);
 *   6. the request goes out with X-Forwarded-For / -Proto / -Port (and
 *      RFC 7239 Forwarded if asked), hop-by-hop headers removed;
 *   7. the response comes back with the persistence cookie inserted when
 *      the client lacks it, is stored in the cache when it may be, and is
 *      relayed to the client.
 *
 * Keep-alive on both sides: a client connection carries many requests,
 * each may go to another server; the proxy keeps one server connection per
 * client connection and replaces it when the next request goes elsewhere
 * (HAProxy closes the idle server connection in that case too; its
 * `http-reuse` sharing of idle server connections between clients is not
 * modelled). Connection failures are retried `retries` times after a
 * turn-around of min(timeout connect, 1 s); with `redispatch` the last
 * retry goes to another server (HAProxy's default for option redispatch).
 *
 * Errors the proxy itself answers carry `Connection: close`, as HAProxy's
 * built-in error pages do: 400 (and 413/414/431/501/505) for a malformed
 * request, with the parser's reason in the trace, 429 for a rate-limited
 * source, 502 for a bad or missing response, 503 when no server can take
 * the request. Every request ends in one trace event (state `http`, role
 * proxy) with its verdict; docs/l7-proxy.md lists them.
 */
import { fmtIp, inPrefix } from '../../wire/addr.js';
import {
  HttpParser,
  addForwardedFor,
  getHeader,
  hasToken,
  headerList,
  httpResponse,
  keepAlive,
  latin1Bytes,
  serializeRequest,
  serializeResponse,
  setHeader,
  withHeader,
  type HttpError,
  type HttpField,
  type HttpRequest,
  type HttpResponse,
} from '../../wire/http.js';
import { IPPROTO } from '../../wire/types.js';
import type { EventTarget, Timer } from '../../sim/sim.js';
import type { Host } from '../../net/host.js';
import type { TcpCloseReason, TcpConnection, TcpError, TcpHandlers, TcpListener } from '../../net/tcp.js';
import { createBackend, isAvailable, type Backend, type BackendState, type FlowKey } from '../sched/backend.js';
import { createScheduler, resolveSchedulerName } from '../sched/index.js';
import type { Scheduler } from '../sched/scheduler.js';
import { fnv1a32Bytes } from '../sched/flow-hash.js';
import { ResponseCache, type StoreVerdict } from './cache.js';
import type { L7PoolConfig, L7ProxyConfig } from './config.js';
import { cookieValue, persistCookie } from './cookie.js';
import { Cpu, type CpuJob } from './cpu.js';
import { RateLimiter } from './ratelimit.js';
import { route, targetPath } from './rules.js';
import { CheckedStates, HealthMonitor } from '../health.js';

/** A pool at run time: its servers as backends of a scheduler. */
export class L7Pool {
  readonly backends: Backend[];
  readonly sched: Scheduler | null;
  /** Requests sent to each server, by index. */
  readonly served: number[];
  /** Each server's health monitor (null: not checked), by index. */
  readonly monitors: (HealthMonitor | null)[];

  constructor(
    readonly cfg: L7PoolConfig,
    proxy: L7Proxy,
  ) {
    this.backends = cfg.servers.map((s, i) => {
      const b = createBackend(i, s.name, s.weight);
      b.state = s.state;
      return b;
    });
    this.served = cfg.servers.map(() => 0);
    if (cfg.balance.kind === 'scheduler') {
      const name = resolveSchedulerName(cfg.balance.name);
      if (!name) throw new Error(`pool ${cfg.name}: unknown scheduler "${cfg.balance.name}"`);
      this.sched = createScheduler(name, { rng: proxy.host.net.sim.stream(`l7:${proxy.host.name}:${proxy.cfg.name}:${cfg.name}`) });
    } else {
      this.sched = null;
    }
    this.monitors = cfg.servers.map(() => null);
  }

  /** The operator's state and the check's verdict of each checked server, kept apart (as an L4 service's). */
  readonly checked = new CheckedStates();

  /**
   * Starts the health checks: each server of the pool is probed on its own
   * (HAProxy checks a server once per backend that lists it), the first
   * probes spread over one interval; a server that fails `fall` probes is
   * 'down' in this pool (requests and cookies skip it), one that passes
   * `rise` gets its former state back.
   */
  startHealth(proxy: L7Proxy): void {
    this.cfg.servers.forEach((s, i) => {
      const hc = s.health === undefined ? this.cfg.health : s.health;
      if (!hc) return;
      this.checked.start(i, this.backends[i]!.state);
      const m = new HealthMonitor(
        proxy.host,
        `${proxy.cfg.name}/${this.cfg.name}/${s.name}`,
        s.addr,
        s.port,
        hc,
        (up) => {
          const state = this.checked.verdict(i, up);
          if (this.backends[i]!.state !== state) proxy.setPoolServer(this, i, { state });
        },
        { firstDelay: Math.floor((hc.interval * i) / this.cfg.servers.length) },
      );
      this.monitors[i] = m;
      m.start();
    });
  }

  /** The index of the server with this name, or -1. */
  indexOf(name: string): number {
    return this.cfg.servers.findIndex((s) => s.name === name);
  }
}

/** Counters of a proxy. */
export interface L7ProxyStats {
  /** Client connections accepted. */
  clientConnections: number;
  /** Connections the proxy opened to servers. */
  serverConnections: number;
  /** Requests parsed. */
  requests: number;
  /** Requests by verdict. */
  readonly verdicts: Map<string, number>;
  /** Connection attempts to servers that failed. */
  connectFailures: number;
  /** Requests moved to another server after a failure (option redispatch). */
  redispatches: number;
}

/** One request on its way through the proxy. */
class Exchange implements CpuJob {
  pool: L7Pool | null = null;
  index = -1;
  how: 'balance' | 'cookie' | 'redispatch' | null = null;
  /** Connection attempts made for this request. */
  attempts = 0;
  /** Servers that failed for this request (a redispatch avoids them). */
  readonly failed = new Set<number>();
  cache: string | null = null;
  done = false;
  retry: Timer | null = null;

  constructor(
    readonly proxy: L7Proxy,
    readonly front: FrontConn,
    readonly req: HttpRequest,
  ) {}

  /** The request's CPU time is spent: decide and forward it. */
  run(): void {
    this.proxy.process(this);
  }
}

/** A client connection (the front side). */
class FrontConn {
  readonly side = 'front';
  readonly parser = new HttpParser('request');
  readonly queue: HttpRequest[] = [];
  current: Exchange | null = null;
  bad: HttpError | null = null;
  peerFin = false;
  closing = false;
  dead = false;
  back: BackConn | null = null;
  idle: Timer | null = null;

  constructor(readonly conn: TcpConnection) {}
}

/** A connection from the proxy to a server (the back side). */
class BackConn {
  readonly side = 'back';
  readonly parser = new HttpParser('response');
  connected = false;
  dead = false;
  /** No further request may use it (the server announced close, or it was replaced). */
  retire = false;
  /** The request in flight on it, or null when idle. */
  ex: Exchange | null = null;
  timer: Timer | null = null;

  constructor(
    readonly front: FrontConn,
    readonly pool: L7Pool,
    readonly index: number,
    public conn: TcpConnection | null,
  ) {}
}

const EV_CONNECT_TIMEOUT = 1;
const EV_RETRY = 2;
const EV_IDLE = 3;

/** No job: the CPU time of accepting a connection. */
const ACCEPT_JOB: CpuJob = { run() {} };

/** HAProxy's turn-around before a retry: min(timeout connect, 1 s). */
const TURN_AROUND = 1e9;

/** An L7 proxy on a host (the load balancer), listening on its VIP and port. */
export class L7Proxy implements TcpHandlers, EventTarget {
  readonly pools: L7Pool[];
  readonly cpu: Cpu;
  readonly cache: ResponseCache | null;
  readonly limiter: RateLimiter | null;
  readonly stats: L7ProxyStats = { clientConnections: 0, serverConnections: 0, requests: 0, verdicts: new Map(), connectFailures: 0, redispatches: 0 };
  readonly label: string;
  /** "lb1/shop": how trace events name this proxy. */
  readonly service: string;
  private readonly listener: TcpListener;
  private readonly defaultPool: L7Pool;
  private readonly ruleTargets: L7Pool[];

  /** Creates the proxy, adds the VIP to the host's first interface when it is not local yet, and listens on VIP:port. */
  constructor(
    readonly host: Host,
    readonly cfg: L7ProxyConfig,
  ) {
    this.service = `${host.name}/${cfg.name}`;
    this.label = `l7 proxy ${this.service}`;
    this.pools = cfg.pools.map((p) => new L7Pool(p, this));
    const pool = (name: string): L7Pool => {
      const p = this.pools.find((x) => x.cfg.name === name);
      if (!p) throw new Error(`proxy ${cfg.name}: no pool ${name}`);
      return p;
    };
    this.defaultPool = pool(cfg.defaultPool);
    this.ruleTargets = cfg.rules.map((r) => pool(r.pool));
    this.cpu = new Cpu(host.net.sim, cfg.cpu.cores, this.service);
    this.cache = cfg.cache ? new ResponseCache(cfg.cache.entries, cfg.cache.maxAge) : null;
    this.limiter = cfg.rateLimit ? new RateLimiter(cfg.rateLimit.requests, cfg.rateLimit.period) : null;
    if (!host.isLocal(cfg.vip) && !host.floating.has(cfg.vip)) {
      // keepalived's virtual_ipaddress: the VIP joins the interface whose subnet holds it (else the first, as /32).
      const iface = host.ifaces.find((i) => i.addrs.some((a) => inPrefix(cfg.vip, a.addr, a.len))) ?? host.ifaces[0];
      if (!iface) throw new Error(`proxy ${cfg.name}: ${host.name} has no interface for the VIP`);
      const on = iface.addrs.find((a) => inPrefix(cfg.vip, a.addr, a.len));
      iface.addrs.push({ addr: cfg.vip, len: on ? on.len : 32 });
    }
    this.listener = host.tcp.listen(cfg.port, { addr: cfg.vip }, (c) => this.accept(c));
    for (const p of this.pools) p.startHealth(this);
  }

  /** The pool with this name. */
  pool(name: string): L7Pool | undefined {
    return this.pools.find((p) => p.cfg.name === name);
  }

  /** Changes a server's state in every pool that has it (timeline actions, health checks); traced. */
  setServer(server: string, change: { state?: BackendState; weight?: number }): void {
    let found = false;
    for (const p of this.pools) {
      const i = p.indexOf(server);
      if (i < 0) continue;
      found = true;
      // An operator's change: remembered, and held back while the pool's check says the server is down.
      this.setPoolServer(p, i, change.state ? { ...change, state: p.checked.change(i, change.state, p.monitors[i]) } : change);
    }
    if (!found) throw new Error(`${this.host.name}: proxy ${this.cfg.name} has no server ${server}`);
  }

  /** Changes server `i` of one pool; traced as lb-server of "<proxy>/<pool>". */
  setPoolServer(p: L7Pool, i: number, change: { state?: BackendState; weight?: number }): void {
    const b = p.backends[i]!;
    const server = b.name;
    if (change.state) b.state = change.state;
    if (change.weight !== undefined) b.weight = change.weight;
    p.sched?.onBackendsChanged(p.backends);
    this.host.net.trace.state(this.host.name, { what: 'lb-server', service: `${this.cfg.name}/${p.cfg.name}`, server, state: b.state, weight: b.weight }, () => `${this.host.name}: ${this.cfg.name}/${p.cfg.name}/${server} is now ${b.state}, weight ${b.weight}`);
  }

  /** Stops listening (the proxy is switched off). */
  close(): void {
    this.listener.close();
  }

  // ---------------------------------------------------------------- front side

  private accept(c: TcpConnection): TcpHandlers {
    const f = new FrontConn(c);
    c.ctx = f;
    this.armIdle(f);
    this.stats.clientConnections++;
    if (this.cfg.cpu.perConnection > 0) this.cpu.submit(ACCEPT_JOB, this.cfg.cpu.perConnection);
    return this;
  }

  /** Bytes arrived on either side (TcpHandlers). */
  data(c: TcpConnection, bytes: Uint8Array): void {
    const x = c.ctx as FrontConn | BackConn;
    if (x.side === 'back') return this.backData(x, bytes);
    if (x.bad || x.closing) return;
    for (const r of x.parser.feed(bytes)) {
      if (r.ok) {
        if (r.value.kind === 'request') {
          this.stats.requests++;
          x.queue.push(r.value);
        }
      } else {
        x.bad = r.error;
      }
    }
    this.next(x);
  }

  /** The peer sent FIN (TcpHandlers). */
  peerClosed(c: TcpConnection): void {
    const x = c.ctx as FrontConn | BackConn;
    if (x.side === 'back') return this.backClosed(x, 'the server closed the connection before its response was complete');
    x.peerFin = true;
    const r = x.parser.end();
    if (r && !r.ok && !x.bad) x.bad = r.error;
    this.next(x);
  }

  /** A connection failed (TcpHandlers). */
  error(c: TcpConnection, code: TcpError): void {
    const x = c.ctx as FrontConn | BackConn;
    if (x.side === 'back' && !x.connected) this.connectFailed(x, code);
  }

  /** A connection is over (TcpHandlers). */
  closed(c: TcpConnection, _reason: TcpCloseReason): void {
    const x = c.ctx as FrontConn | BackConn | undefined;
    if (!x || x.dead) return;
    if (x.side === 'back') {
      this.backGone(x);
      if (x.ex && !x.ex.done && x.connected) this.fail(x.ex, 502, 'bad-gateway', 'the server reset the connection before its response');
      return;
    }
    x.dead = true;
    x.closing = true;
    this.cancelIdle(x);
    if (x.current) x.current.done = true;
    const b = x.back;
    if (b && !b.dead) {
      b.retire = true;
      b.conn?.close();
    }
  }

  /** The client connection's next request, or its close when nothing more will come. */
  private next(f: FrontConn): void {
    if (f.current || f.dead || f.closing) return;
    const req = f.queue.shift();
    if (req) {
      this.cancelIdle(f);
      const ex = new Exchange(this, f, req);
      f.current = ex;
      this.cpu.submit(ex, this.cfg.cpu.perRequest);
      return;
    }
    if (f.bad) {
      const err = f.bad;
      f.bad = null;
      // The malformed bytes get the parser's status and reason (the request line may be unreadable, so the trace keeps what was parsed).
      const ex = new Exchange(this, f, { kind: 'request', method: '-', target: '-', minor: 1, headers: [], body: new Uint8Array(0), framing: 'none' });
      f.current = ex;
      this.answer(ex, err.status, 'bad-request', `${err.reason} (byte ${err.offset} of the connection)`, []);
      return;
    }
    if (f.peerFin) this.closeFront(f);
    else this.armIdle(f);
  }

  /** HAProxy timeout http-keep-alive: an idle client connection is closed after it. */
  private armIdle(f: FrontConn): void {
    if (this.cfg.idleTimeout <= 0 || f.closing || f.dead) return;
    this.cancelIdle(f);
    f.idle = this.host.net.sim.timer(this.cfg.idleTimeout, this, EV_IDLE, f);
  }

  private cancelIdle(f: FrontConn): void {
    if (f.idle) {
      this.host.net.sim.cancel(f.idle);
      f.idle = null;
    }
  }

  private closeFront(f: FrontConn): void {
    if (f.closing) return;
    f.closing = true;
    this.cancelIdle(f);
    f.conn.close();
    const b = f.back;
    if (b && !b.dead) {
      b.retire = true;
      if (!b.ex) b.conn?.close();
    }
  }

  // ---------------------------------------------------------------- deciding

  /** Steps 2 to 6 for a request whose CPU time is spent. */
  process(ex: Exchange): void {
    const f = ex.front;
    if (f.dead || ex.done) return;
    const now = this.host.net.sim.now;
    const client = f.conn.remoteAddr;
    if (this.limiter) {
      const v = this.limiter.hit(client, now);
      if (!v.allowed) {
        const wait = Math.max(1, Math.ceil((v.retryAt - now) / 1e9));
        const rl = this.cfg.rateLimit!;
        return this.answer(ex, 429, 'rate-limited', `${fmtIp(client)} made ${v.count} requests in the last ${rl.period / 1e9} s, more than the ${rl.requests} allowed`, [{ name: 'Retry-After', value: String(wait) }]); // RFC 6585 4
      }
    }
    if (this.cache) {
      const e = this.cache.lookup(ex.req, now);
      if (e) {
        ex.cache = 'hit';
        const age = Math.floor((now - e.storedAt) / 1e9);
        let res = setHeader(e.response, 'Age', String(age)); // RFC 9111 5.1: a cache says how old its answer is
        res = setHeader(res, 'X-Cache', 'HIT');
        return this.reply(ex, res, 'cache-hit', e.server, () => `${this.host.name} answers ${ex.req.method} ${ex.req.target} from its cache (stored from ${e.server} ${age} s ago, fresh for ${Math.round((e.ttl - (now - e.storedAt)) / 1e9)} s more): no server is contacted`);
      }
    }
    const rule = route(this.cfg.rules, ex.req);
    const pool = rule >= 0 ? this.ruleTargets[rule]! : this.defaultPool;
    ex.pool = pool;
    let idx = -1;
    const ck = this.cfg.cookie;
    if (ck) {
      const named = cookieValue(ex.req.headers, ck.name);
      if (named !== null) {
        const i = pool.indexOf(named);
        // HAProxy: a cookie naming a server that is down (or unknown) is ignored and the request balanced (redispatched).
        if (i >= 0 && isAvailable(pool.backends[i]!)) {
          idx = i;
          ex.how = 'cookie';
        } else if (i >= 0) {
          ex.how = 'redispatch';
          this.stats.redispatches++;
        }
      }
    }
    if (idx < 0) {
      idx = this.balance(pool, ex);
      if (ex.how === null) ex.how = 'balance';
    }
    if (idx < 0) return this.answer(ex, 503, 'no-server', `no server of pool ${pool.cfg.name} is available`, []);
    ex.index = idx;
    this.forward(ex);
  }

  /** The pool's balancing: its scheduler, or a hash of the URI or a header over the available servers. */
  private balance(pool: L7Pool, ex: Exchange): number {
    const avail: number[] = [];
    for (const b of pool.backends) if (isAvailable(b) && !ex.failed.has(b.index)) avail.push(b.index);
    if (avail.length === 0) {
      // Every other server failed for this request: the failed ones are still candidates (HAProxy retries them).
      for (const b of pool.backends) if (isAvailable(b)) avail.push(b.index);
      if (avail.length === 0) return -1;
    }
    const bal = pool.cfg.balance;
    if (bal.kind === 'uri-hash' || bal.kind === 'header-hash') {
      // HAProxy balance uri (the path before '?') / hdr(name): a stable hash over the available servers (docs/l7-proxy.md).
      const key = bal.kind === 'uri-hash' ? targetPath(ex.req.target) : getHeader(ex.req.headers, bal.header);
      if (key !== null) return avail[fnv1a32Bytes(latin1Bytes(key)) % avail.length]!;
    }
    if (pool.sched) {
      const f = ex.front.conn;
      const flow: FlowKey = { proto: IPPROTO.TCP, src: f.remoteAddr, sport: f.remotePort, dst: f.localAddr, dport: f.localPort };
      const i = pool.sched.pick(flow, pool.backends);
      // A server that already failed this request is skipped when another is available.
      if (i >= 0 && ex.failed.has(i)) return avail.find((k) => k !== i) ?? i;
      return i;
    }
    // hdr() without the header: HAProxy falls back to round robin; lblab takes the servers in turn by request count.
    return avail[this.stats.requests % avail.length]!;
  }

  // ---------------------------------------------------------------- back side

  /** Sends a request to its server: over the client's server connection when it goes to the same server, else a new one. */
  private forward(ex: Exchange): void {
    const f = ex.front;
    const pool = ex.pool!;
    const old = f.back;
    if (old && !old.dead && !old.retire && old.pool === pool && old.index === ex.index && !old.ex) {
      this.sendOn(old, ex);
      return;
    }
    if (old && !old.dead) {
      old.retire = true;
      if (!old.ex) old.conn?.close();
    }
    const srv = pool.cfg.servers[ex.index]!;
    ex.attempts++;
    const b = new BackConn(f, pool, ex.index, null);
    b.ex = ex;
    f.back = b;
    this.stats.serverConnections++;
    pool.backends[ex.index]!.active++;
    b.conn = this.host.tcp.connect(srv.addr, srv.port, this);
    b.conn.ctx = b;
    b.timer = this.host.net.sim.timer(this.cfg.connectTimeout, this, EV_CONNECT_TIMEOUT, b);
  }

  /** The server connection is up (TcpHandlers): send the waiting request. */
  connected(c: TcpConnection): void {
    const b = c.ctx as BackConn;
    b.connected = true;
    this.cancel(b);
    if (b.front.dead || !b.ex || b.ex.done) {
      b.retire = true;
      c.close();
      return;
    }
    const ex = b.ex;
    b.ex = null;
    this.sendOn(b, ex);
  }

  private sendOn(b: BackConn, ex: Exchange): void {
    b.ex = ex;
    const req = this.upstream(ex);
    b.parser.expectResponseTo(req.method);
    b.conn!.send(serializeRequest(req));
    ex.pool!.served[ex.index]!++;
  }

  /** The request as the server gets it: hop-by-hop fields removed, forwarded headers added. */
  private upstream(ex: Exchange): HttpRequest {
    const f = ex.front.conn;
    const fw = this.cfg.forwarded;
    // RFC 9110 7.6.1: a proxy removes Connection and the fields it lists, and the hop-by-hop ones.
    const hop = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'trailer', ...headerList(ex.req.headers, 'Connection').map((t) => t.toLowerCase())]);
    let req: HttpRequest = { ...ex.req, minor: 1, headers: ex.req.headers.filter((h) => !hop.has(h.name.toLowerCase()) || (h.name.toLowerCase() === 'trailer' && ex.req.framing === 'chunked')) };
    const client = fmtIp(f.remoteAddr);
    if (fw.xff) req = addForwardedFor(req, client); // appended last: only the last entry was written by a proxy the server trusts
    if (fw.proto) req = setHeader(req, 'X-Forwarded-Proto', 'http');
    if (fw.port) req = setHeader(req, 'X-Forwarded-Port', String(f.localPort));
    if (fw.rfc7239) req = withHeader(req, 'Forwarded', `for=${client};proto=http;by=${fmtIp(f.localAddr)}`); // RFC 7239 4
    return req;
  }

  private backData(b: BackConn, bytes: Uint8Array): void {
    for (const r of b.parser.feed(bytes)) {
      const ex = b.ex;
      if (!r.ok) {
        b.retire = true;
        b.conn?.abort();
        if (ex && !ex.done) this.fail(ex, 502, 'bad-gateway', `the server's response is malformed: ${r.error.reason}`);
        return;
      }
      const m = r.value;
      if (m.kind !== 'response' || m.status < 200 || !ex) continue;
      this.response(b, ex, m);
    }
  }

  /** The server closed its side: a response read until close ends here; an idle connection just closes. */
  private backClosed(b: BackConn, why: string): void {
    b.retire = true;
    const ex = b.ex;
    if (ex && !ex.done) {
      const r = b.parser.end();
      if (r && r.ok && r.value.kind === 'response') this.response(b, ex, r.value);
      else this.fail(ex, 502, 'bad-gateway', why);
    }
    b.conn?.close();
  }

  private backGone(b: BackConn): void {
    if (b.dead) return;
    b.dead = true;
    this.cancel(b);
    b.pool.backends[b.index]!.active--;
  }

  /** A complete response from the server: store, insert the cookie, relay. */
  private response(b: BackConn, ex: Exchange, m: HttpResponse): void {
    b.ex = null;
    if (!keepAlive(m)) b.retire = true;
    const now = this.host.net.sim.now;
    const pool = ex.pool!;
    const srv = pool.cfg.servers[ex.index]!;
    let verdictCache: StoreVerdict | null = null;
    if (this.cache) verdictCache = this.cache.store(ex.req, m, srv.name, now);
    if (verdictCache !== null) ex.cache = verdictCache;
    let res: HttpResponse = m;
    if (m.framing === 'close') res = setHeader(res, 'Content-Length', String(m.body.length)); // read until close: the client gets a length instead
    const ck = this.cfg.cookie;
    if (ck && cookieValue(ex.req.headers, ck.name) !== srv.name) {
      // HAProxy cookie insert: only when the client's cookie does not already name this server.
      res = withHeader(res, 'Set-Cookie', persistCookie(ck.name, srv.name));
      const service = `${this.cfg.name}/${pool.cfg.name}`;
      const client = fmtIp(ex.front.conn.remoteAddr);
      this.host.net.trace.state(this.host.name, { what: 'lb-persist', op: 'add', service, key: `${ck.name}=${srv.name}`, server: srv.name }, () => `${this.host.name} inserts Set-Cookie ${ck.name}=${srv.name} for ${client}: its next requests stick to ${srv.name}`);
    }
    if (b.retire && !b.dead) b.conn?.close();
    this.reply(ex, res, 'forwarded', srv.name, () => `${this.host.name} relays ${srv.name}'s ${m.status} for ${ex.req.method} ${ex.req.target} to ${fmtIp(ex.front.conn.remoteAddr)} (pool ${pool.cfg.name}, chosen by ${ex.how})`);
  }

  /** A connection attempt to a server failed: retry (redispatching on the last retry) or give up with 503. */
  private connectFailed(b: BackConn, why: TcpError | 'timeout connect'): void {
    this.backGone(b);
    b.retire = true;
    const ex = b.ex;
    b.ex = null;
    if (!ex || ex.done) return;
    this.stats.connectFailures++;
    const srv = b.pool.cfg.servers[b.index]!;
    ex.failed.add(b.index);
    this.host.net.trace.state(this.host.name, { what: 'note', detail: { proxy: this.service, server: srv.name, error: why, attempt: ex.attempts } }, () => `${this.host.name} could not connect to ${srv.name} (${why}), attempt ${ex.attempts} of ${this.cfg.retries + 1}`);
    if (ex.attempts > this.cfg.retries) return this.fail(ex, 503, 'connect-failed', `${ex.attempts} connection attempts failed, the last to ${srv.name} (${why})`);
    ex.retry = this.host.net.sim.timer(Math.min(this.cfg.connectTimeout, TURN_AROUND), this, EV_RETRY, ex);
  }

  /** Timers: a connect timeout, or a retry after the turn-around. */
  onEvent(kind: number, a: unknown): void {
    if (kind === EV_CONNECT_TIMEOUT) {
      const b = a as BackConn;
      b.timer = null;
      if (b.connected || b.dead) return;
      b.conn?.abort();
      this.connectFailed(b, 'timeout connect');
      return;
    }
    if (kind === EV_IDLE) {
      const f = a as FrontConn;
      f.idle = null;
      if (!f.current && f.queue.length === 0) this.closeFront(f);
      return;
    }
    const ex = a as Exchange;
    ex.retry = null;
    if (ex.done || ex.front.dead) return;
    // option redispatch: the last retry goes to another server (HAProxy's default interval); otherwise the same one again.
    if (this.cfg.redispatch && ex.attempts === this.cfg.retries) {
      const i = this.balance(ex.pool!, ex);
      if (i >= 0 && i !== ex.index) {
        const from = ex.pool!.cfg.servers[ex.index]!.name;
        ex.index = i;
        ex.how = 'redispatch';
        this.stats.redispatches++;
        this.host.net.trace.state(this.host.name, { what: 'note', detail: { proxy: this.service, redispatch: from, to: ex.pool!.cfg.servers[i]!.name } }, () => `${this.host.name} redispatches ${ex.req.method} ${ex.req.target} from ${from} to ${ex.pool!.cfg.servers[i]!.name} (option redispatch)`);
      }
    }
    this.forward(ex);
  }

  /** Names an event kind. */
  kindName(kind: number): string {
    return kind === EV_CONNECT_TIMEOUT ? 'timeout connect' : kind === EV_IDLE ? 'timeout http-keep-alive' : 'retry';
  }

  private cancel(b: BackConn): void {
    if (b.timer) {
      this.host.net.sim.cancel(b.timer);
      b.timer = null;
    }
  }

  // ---------------------------------------------------------------- answering

  /** An error the proxy answers itself (HAProxy's error pages: Connection: close). */
  private fail(ex: Exchange, status: number, verdict: string, reason: string): void {
    this.answer(ex, status, verdict, reason, []);
  }

  private answer(ex: Exchange, status: number, verdict: string, reason: string, extra: HttpField[]): void {
    const body = `${status} ${httpResponse({ status }).reason}: ${reason}\n`;
    const res = httpResponse({
      status,
      // Server names the LB, so clients' tallies (and people) see who answered: no server did.
      headers: [{ name: 'Server', value: this.host.name }, { name: 'Content-Type', value: 'text/plain' }, { name: 'Cache-Control', value: 'no-cache' }, { name: 'Content-Length', value: String(body.length) }, { name: 'Connection', value: 'close' }, ...extra],
      body,
    });
    const server = ex.pool && ex.index >= 0 ? ex.pool.cfg.servers[ex.index]!.name : null;
    this.reply(ex, res, verdict, server, () => `${this.host.name} answers ${ex.req.method} ${ex.req.target} from ${fmtIp(ex.front.conn.remoteAddr)} itself with ${status}: ${reason}`);
  }

  /** Sends a response to the client, records the request's verdict, and moves on to the next request. */
  private reply(ex: Exchange, res0: HttpResponse, verdict: string, server: string | null, text: () => string): void {
    if (ex.done) return;
    ex.done = true;
    const f = ex.front;
    const req = ex.req;
    // The client side keeps its own connection semantics (RFC 9112 9.3); the server's Connection is hop-by-hop.
    const clientKeeps = keepAlive(req) && !f.peerFin && !hasToken(res0.headers, 'Connection', 'close');
    let res = setHeader(res0, 'Connection', null);
    res = setHeader(res, 'Keep-Alive', null);
    if (!clientKeeps) res = withHeader(res, 'Connection', 'close');
    else if (req.minor === 0) res = withHeader(res, 'Connection', 'keep-alive');
    res = { ...res, minor: 1 };
    if (req.method === 'HEAD') res = { ...res, body: new Uint8Array(0) };
    if (!f.dead) f.conn.send(serializeResponse(res));
    const s = this.stats.verdicts;
    s.set(verdict, (s.get(verdict) ?? 0) + 1);
    const pool = ex.pool ? ex.pool.cfg.name : null;
    this.host.net.trace.state(
      this.host.name,
      () => ({
        what: 'http',
        role: 'proxy',
        service: this.service,
        client: fmtIp(f.conn.remoteAddr),
        method: req.method,
        target: req.target,
        headers: req.headers,
        status: res.status,
        verdict,
        pool,
        server,
        how: verdict === 'forwarded' ? ex.how : null,
        cache: this.cache ? ex.cache : null,
      }),
      text,
    );
    f.current = null;
    if (!clientKeeps) {
      this.closeFront(f);
      return;
    }
    this.next(f);
  }
}

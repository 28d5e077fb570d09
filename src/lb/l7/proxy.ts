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
 *
 * This file is the front side (client connections, keep-alive, the idle
 * timeout), the decision per request and the answers; the back side
 * (server connections, retries) is back.ts, the pools pool.ts, the
 * per-request and per-connection state exchange.ts.
 */
import { fmtIp, inPrefix } from '../../wire/addr.js';
import {
  getHeader,
  hasToken,
  httpResponse,
  keepAlive,
  latin1Bytes,
  serializeResponse,
  setHeader,
  withHeader,
  type HttpField,
  type HttpResponse,
} from '../../wire/http.js';
import { IPPROTO } from '../../wire/types.js';
import type { Host, HostProcess } from '../../net/host.js';
import type { EventTarget } from '../../sim/sim.js';
import type { TcpCloseReason, TcpConnection, TcpError, TcpHandlers, TcpListener } from '../../net/tcp.js';
import { isAvailable, type BackendState, type FlowKey } from '../sched/backend.js';
import { fnv1a32Bytes } from '../sched/flow-hash.js';
import { ResponseCache } from './cache.js';
import type { L7ProxyConfig } from './config.js';
import { cookieValue } from './cookie.js';
import { Cpu, type CpuJob } from './cpu.js';
import { RateLimiter } from './ratelimit.js';
import { route, targetPath } from './rules.js';
import { L7Pool } from './pool.js';
import { BackConn, EV_CONNECT_TIMEOUT, EV_IDLE, Exchange, FrontConn, type L7ProxyStats, type ProxyCore } from './exchange.js';
import { backClosed, backConnected, backData, backGone, backTimer, connectFailed, forward } from './back.js';

export { L7Pool } from './pool.js';
export type { L7ProxyStats } from './exchange.js';

/** No job: the CPU time of accepting a connection. */
const ACCEPT_JOB: CpuJob = { run() {} };

/** An L7 proxy on a host (the load balancer), listening on its VIP and port. */
export class L7Proxy implements ProxyCore, HostProcess {
  readonly pools: L7Pool[];
  readonly cpu: Cpu;
  readonly cache: ResponseCache | null;
  readonly limiter: RateLimiter | null;
  readonly stats: L7ProxyStats = { clientConnections: 0, serverConnections: 0, requests: 0, verdicts: new Map(), connectFailures: 0, redispatches: 0 };
  readonly label: string;
  /** "lb1/shop": how trace events name this proxy. */
  readonly service: string;
  private listener: TcpListener;
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
    host.addProcess(this);
  }

  /** Its timers (idle, connect, retry) and its CPU's die with the host. */
  targets(): readonly EventTarget[] {
    return [this, this.cpu];
  }

  /** The host lost power: every connection vanished with the kernel's tables. */
  halt(): void {}

  /** The host booted: HAProxy starts again and listens on VIP:port. */
  boot(): void {
    this.listener = this.host.tcp.listen(this.cfg.port, { addr: this.cfg.vip }, (c) => this.accept(c));
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
    if (x.side === 'back') return backData(this, x, bytes);
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
    if (x.side === 'back') return backClosed(this, x, 'the server closed the connection before its response was complete');
    x.peerFin = true;
    const r = x.parser.end();
    if (r && !r.ok && !x.bad) x.bad = r.error;
    this.next(x);
  }

  /** A connection failed (TcpHandlers). */
  error(c: TcpConnection, code: TcpError): void {
    const x = c.ctx as FrontConn | BackConn;
    if (x.side === 'back' && !x.connected) connectFailed(this, x, code);
  }

  /** A connection is over (TcpHandlers). */
  closed(c: TcpConnection, _reason: TcpCloseReason): void {
    const x = c.ctx as FrontConn | BackConn | undefined;
    if (!x || x.dead) return;
    if (x.side === 'back') {
      backGone(this, x);
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

  /** Closes a client connection (and its server connection once idle). */
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
    forward(this, ex);
  }

  /** The pool's balancing: its scheduler, or a hash of the URI or a header over the available servers. */
  balance(pool: L7Pool, ex: Exchange): number {
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

  /** The server connection is up (TcpHandlers): send the waiting request. */
  connected(c: TcpConnection): void {
    backConnected(this, c);
  }

  /** Timers: the client side's idle timeout here, the server side's in back.ts. */
  onEvent(kind: number, a: unknown): void {
    if (kind === EV_IDLE) {
      const f = a as FrontConn;
      f.idle = null;
      if (!f.current && f.queue.length === 0) this.closeFront(f);
      return;
    }
    backTimer(this, kind, a);
  }

  /** Names an event kind. */
  kindName(kind: number): string {
    return kind === EV_CONNECT_TIMEOUT ? 'timeout connect' : kind === EV_IDLE ? 'timeout http-keep-alive' : 'retry';
  }

  // ---------------------------------------------------------------- answering

  /** An error the proxy answers itself (HAProxy's error pages: Connection: close). */
  fail(ex: Exchange, status: number, verdict: string, reason: string): void {
    this.answer(ex, status, verdict, reason, []);
  }

  /** An answer of the proxy's own, with `extra` header fields, and Connection: close. */
  answer(ex: Exchange, status: number, verdict: string, reason: string, extra: HttpField[]): void {
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
  reply(ex: Exchange, res0: HttpResponse, verdict: string, server: string | null, text: () => string): void {
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

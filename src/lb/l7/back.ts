/**
 * The back side of the L7 proxy: the connection to a server for a
 * request (the client's own one reused when the next request goes to the
 * same server, else a new one), the request as the server gets it
 * (hop-by-hop fields removed, forwarded headers added), the response read
 * and relayed, and the retries and redispatch when a connection fails
 * (HAProxy's retries, turn-around and option redispatch). Functions of the
 * proxy (ProxyCore), which stays the TCP handler and timer target of every
 * server connection.
 */
import { fmtIp } from '../../wire/addr.js';
import { addForwardedFor, headerList, keepAlive, serializeRequest, setHeader, withHeader, type HttpRequest, type HttpResponse } from '../../wire/http.js';
import type { TcpConnection, TcpError } from '../../net/tcp.js';
import type { StoreVerdict } from './cache.js';
import { cookieValue, persistCookie } from './cookie.js';
import { BackConn, EV_CONNECT_TIMEOUT, EV_RETRY, type Exchange, type ProxyCore } from './exchange.js';

/** HAProxy's turn-around before a retry: min(timeout connect, 1 s). */
const TURN_AROUND = 1e9;

// ---------------------------------------------------------------- back side

/** Sends a request to its server: over the client's server connection when it goes to the same server, else a new one. */
export function forward(px: ProxyCore, ex: Exchange): void {
  const f = ex.front;
  const pool = ex.pool!;
  const old = f.back;
  if (old && !old.dead && !old.retire && old.pool === pool && old.index === ex.index && !old.ex) {
    sendOn(px, old, ex);
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
  px.stats.serverConnections++;
  pool.backends[ex.index]!.active++;
  b.conn = px.host.tcp.connect(srv.addr, srv.port, px);
  b.conn.ctx = b;
  b.timer = px.host.net.sim.timer(px.cfg.connectTimeout, px, EV_CONNECT_TIMEOUT, b);
}

/** The server connection is up (TcpHandlers): send the waiting request. */
export function backConnected(px: ProxyCore, c: TcpConnection): void {
  const b = c.ctx as BackConn;
  b.connected = true;
  cancel(px, b);
  if (b.front.dead || !b.ex || b.ex.done) {
    b.retire = true;
    c.close();
    return;
  }
  const ex = b.ex;
  b.ex = null;
  sendOn(px, b, ex);
}

function sendOn(px: ProxyCore, b: BackConn, ex: Exchange): void {
  b.ex = ex;
  const req = upstream(px, ex);
  b.parser.expectResponseTo(req.method);
  b.conn!.send(serializeRequest(req));
  ex.pool!.served[ex.index]!++;
}

/** The request as the server gets it: hop-by-hop fields removed, forwarded headers added. */
function upstream(px: ProxyCore, ex: Exchange): HttpRequest {
  const f = ex.front.conn;
  const fw = px.cfg.forwarded;
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

/** Bytes from a server: each complete response is relayed; a malformed one ends the connection with 502. */
export function backData(px: ProxyCore, b: BackConn, bytes: Uint8Array): void {
  for (const r of b.parser.feed(bytes)) {
    const ex = b.ex;
    if (!r.ok) {
      b.retire = true;
      b.conn?.abort();
      if (ex && !ex.done) px.fail(ex, 502, 'bad-gateway', `the server's response is malformed: ${r.error.reason}`);
      return;
    }
    const m = r.value;
    if (m.kind !== 'response' || m.status < 200 || !ex) continue;
    response(px, b, ex, m);
  }
}

/** The server closed its side: a response read until close ends here; an idle connection just closes. */
export function backClosed(px: ProxyCore, b: BackConn, why: string): void {
  b.retire = true;
  const ex = b.ex;
  if (ex && !ex.done) {
    const r = b.parser.end();
    if (r && r.ok && r.value.kind === 'response') response(px, b, ex, r.value);
    else px.fail(ex, 502, 'bad-gateway', why);
  }
  b.conn?.close();
}

/** A server connection is over: its timer stops and its server has one active connection fewer. */
export function backGone(px: ProxyCore, b: BackConn): void {
  if (b.dead) return;
  b.dead = true;
  cancel(px, b);
  b.pool.backends[b.index]!.active--;
}

/** A complete response from the server: store, insert the cookie, relay. */
function response(px: ProxyCore, b: BackConn, ex: Exchange, m: HttpResponse): void {
  b.ex = null;
  if (!keepAlive(m)) b.retire = true;
  const now = px.host.net.sim.now;
  const pool = ex.pool!;
  const srv = pool.cfg.servers[ex.index]!;
  let verdictCache: StoreVerdict | null = null;
  if (px.cache) verdictCache = px.cache.store(ex.req, m, srv.name, now);
  if (verdictCache !== null) ex.cache = verdictCache;
  let res: HttpResponse = m;
  if (m.framing === 'close') res = setHeader(res, 'Content-Length', String(m.body.length)); // read until close: the client gets a length instead
  const ck = px.cfg.cookie;
  if (ck && cookieValue(ex.req.headers, ck.name) !== srv.name) {
    // HAProxy cookie insert: only when the client's cookie does not already name px server.
    res = withHeader(res, 'Set-Cookie', persistCookie(ck.name, srv.name));
    const service = `${px.cfg.name}/${pool.cfg.name}`;
    const client = fmtIp(ex.front.conn.remoteAddr);
    px.host.net.trace.state(px.host.name, { what: 'lb-persist', op: 'add', service, key: `${ck.name}=${srv.name}`, server: srv.name }, () => `${px.host.name} inserts Set-Cookie ${ck.name}=${srv.name} for ${client}: its next requests stick to ${srv.name}`);
  }
  if (b.retire && !b.dead) b.conn?.close();
  px.reply(ex, res, 'forwarded', srv.name, () => `${px.host.name} relays ${srv.name}'s ${m.status} for ${ex.req.method} ${ex.req.target} to ${fmtIp(ex.front.conn.remoteAddr)} (pool ${pool.cfg.name}, chosen by ${ex.how})`);
}

/** A connection attempt to a server failed: retry (redispatching on the last retry) or give up with 503. */
export function connectFailed(px: ProxyCore, b: BackConn, why: TcpError | 'timeout connect'): void {
  backGone(px, b);
  b.retire = true;
  const ex = b.ex;
  b.ex = null;
  if (!ex || ex.done) return;
  px.stats.connectFailures++;
  const srv = b.pool.cfg.servers[b.index]!;
  ex.failed.add(b.index);
  px.host.net.trace.state(px.host.name, { what: 'note', detail: { proxy: px.service, server: srv.name, error: why, attempt: ex.attempts } }, () => `${px.host.name} could not connect to ${srv.name} (${why}), attempt ${ex.attempts} of ${px.cfg.retries + 1}`);
  if (ex.attempts > px.cfg.retries) return px.fail(ex, 503, 'connect-failed', `${ex.attempts} connection attempts failed, the last to ${srv.name} (${why})`);
  ex.retry = px.host.net.sim.timer(Math.min(px.cfg.connectTimeout, TURN_AROUND), px, EV_RETRY, ex);
}

function cancel(px: ProxyCore, b: BackConn): void {
  if (b.timer) {
    px.host.net.sim.cancel(b.timer);
    b.timer = null;
  }
}

/** The back side's timers (EV_CONNECT_TIMEOUT, EV_RETRY): a connect timeout, or a retry after the turn-around. */
export function backTimer(px: ProxyCore, kind: number, a: unknown): void {
  if (kind === EV_CONNECT_TIMEOUT) {
    const b = a as BackConn;
    b.timer = null;
    if (b.connected || b.dead) return;
    b.conn?.abort();
    connectFailed(px, b, 'timeout connect');
    return;
  }
  const ex = a as Exchange;
  ex.retry = null;
  if (ex.done || ex.front.dead) return;
  // option redispatch: the last retry goes to another server (HAProxy's default interval); otherwise the same one again.
  if (px.cfg.redispatch && ex.attempts === px.cfg.retries) {
    const i = px.balance(ex.pool!, ex);
    if (i >= 0 && i !== ex.index) {
      const from = ex.pool!.cfg.servers[ex.index]!.name;
      ex.index = i;
      ex.how = 'redispatch';
      px.stats.redispatches++;
      px.host.net.trace.state(px.host.name, { what: 'note', detail: { proxy: px.service, redispatch: from, to: ex.pool!.cfg.servers[i]!.name } }, () => `${px.host.name} redispatches ${ex.req.method} ${ex.req.target} from ${from} to ${ex.pool!.cfg.servers[i]!.name} (option redispatch)`);
    }
  }
  forward(px, ex);
}

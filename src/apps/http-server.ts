/**
 * An HTTP/1.1 server application (the real servers behind a load balancer):
 * it parses requests off its TCP connections, serves each through the
 * capacity model (service time, workers, accept queue), and answers with a
 * configurable status and body; by default 200 and a body naming the server
 * ("web1\n"), so a lesson sees at a glance which server answered.
 *
 * It behaves like a plain nginx or Apache for what the lessons watch:
 * - persistent connections by default (HTTP/1.1), `Connection: close` from
 *   the client (or an HTTP/1.0 request without keep-alive) makes it close
 *   after the response: the server's FIN follows the response as a separate
 *   segment, so the server side goes through TIME_WAIT;
 * - one request at a time per connection (pipelined requests wait their
 *   turn), each taking a worker for its service time;
 * - a keep-alive connection idle for `idleTimeout` is closed by the server
 *   (Apache's KeepAliveTimeout, 5 s by default);
 * - a malformed request gets the parser's status (400, 431...) with
 *   `Connection: close`, and the connection is closed.
 *
 * A per-client session counter (client address -> requests seen) makes
 * persistence visible: when a sticky client moves to another server, its
 * count there starts again from 1 (and the optional cookie says so).
 *
 * Failure switches for health-check lessons: setStatus(500), setBody(...),
 * setServiceTime(...) (too slow), stop() (port closed: SYNs get RST), kill()
 * (every connection reset too), and overload through the capacity model.
 */
import { fmtIp } from '../wire/addr.js';
import type { Ipv4Addr } from '../wire/types.js';
import {
  HttpParser,
  getHeader,
  headerList,
  httpResponse,
  keepAlive,
  latin1Bytes,
  serializeResponse,
  type HttpError,
  type HttpField,
  type HttpLimits,
  type HttpRequest,
  type ResponseSpec,
} from '../wire/http.js';
import type { EventTarget, Timer } from '../sim/sim.js';
import { SEC, type Nanos } from '../sim/time.js';
import type { Host, HostProcess } from '../net/host.js';
import type { TcpCloseReason, TcpConnection, TcpHandlers, TcpListener } from '../net/tcp.js';
import { Capacity, type CapacityJob, type CapacityOptions, type ServiceTime } from './capacity.js';

/** Options of an HTTP server (capacity options included). */
export interface HttpServerOptions extends CapacityOptions {
  /** TCP port (default 80). */
  readonly port?: number;
  /** The name the server gives itself in its body, Server header and cookie (default the host's name). */
  readonly name?: string;
  /** Status code of every response (default 200). */
  readonly status?: number;
  /** Body of every response (default the name and a newline, "web1\n"). */
  readonly body?: string | Uint8Array;
  /** Extra header fields, sent after the standard ones. */
  readonly headers?: readonly HttpField[];
  /** The whole response header list, sent exactly as given (no Server, Content-Type, Content-Length or Connection added; a Connection: close in it makes the server close). */
  readonly exactHeaders?: readonly HttpField[];
  /** The minor version of its responses: 1 (default) or 0, an HTTP/1.0 server (python's http.server) that closes after every response. */
  readonly minor?: 0 | 1;
  /** Adds `Set-Cookie: session=<name>-<n>` (n = this client's request count here) to every response. */
  readonly cookie?: boolean;
  /** What identifies a client for the session counter: its address (default) or the last X-Forwarded-For entry (the one its proxy wrote), when present. */
  readonly sessionKey?: 'ip' | 'x-forwarded-for';
  /** Idle time after which the server closes a keep-alive connection (ns; default 5 s as Apache; 0 = never). */
  readonly idleTimeout?: Nanos;
  /** Parser limits (header size and count, body size). */
  readonly limits?: HttpLimits;
  /**
   * Optional per-request answer (for L7 routing lessons: a path-dependent
   * body); returning null uses the configured status and body.
   */
  readonly handler?: (req: HttpRequest, ctx: { readonly server: HttpServer; readonly client: string; readonly session: number }) => ResponseSpec | null;
}

/** What an HTTP server has done so far. */
export interface HttpServerStats {
  /** Connections accepted. */
  connections: number;
  /** Connections accepted and not yet closed. */
  open: number;
  /** Requests parsed. */
  requests: number;
  /** Responses sent (malformed-request answers included). */
  responses: number;
  /** Requests the parser rejected. */
  badRequests: number;
  /** Application bytes received. */
  bytesIn: number;
  /** Application bytes sent. */
  bytesOut: number;
  /** Responses by status code. */
  readonly byStatus: Map<number, number>;
}

/** Per-connection state of the server (kept in TcpConnection.ctx). */
class ServerConn implements CapacityJob {
  readonly parser: HttpParser;
  /** Parsed requests not yet answered, oldest first. */
  readonly pending: HttpRequest[] = [];
  /** The request in service (or waiting for a worker). */
  current: HttpRequest | null = null;
  bad: HttpError | null = null;
  peerFin = false;
  /** The server has closed (or is closing) this connection. */
  closing = false;
  dead = false;
  idle: Timer | null = null;

  constructor(
    readonly server: HttpServer,
    readonly conn: TcpConnection,
    limits: HttpLimits | undefined,
  ) {
    this.parser = new HttpParser('request', limits);
  }

  /** The service time is over: answer the current request. */
  done(): void {
    this.server.respond(this);
  }
}

const EV_IDLE = 1;

/** An HTTP/1.1 server on one host and port, with a capacity model and failure switches. */
export class HttpServer implements TcpHandlers, EventTarget, HostProcess {
  /** The server's name, as its responses show it. */
  readonly name: string;
  /** The TCP port. */
  readonly port: number;
  /** The capacity model (service time, workers, accept gate). */
  readonly capacity: Capacity;
  /** Counters. */
  readonly stats: HttpServerStats = { connections: 0, open: 0, requests: 0, responses: 0, badRequests: 0, bytesIn: 0, bytesOut: 0, byStatus: new Map() };
  /** Requests seen per client (address, or X-Forwarded-For with sessionKey), in first-seen order: the visible session counter. */
  readonly sessions = new Map<string, number>();
  /** The listening socket, or null while stopped. */
  listener: TcpListener | null = null;
  /** Names the server in budget messages. */
  readonly label: string;
  private status: number;
  private body: Uint8Array;
  private readonly extra: readonly HttpField[];
  private readonly opts: HttpServerOptions;
  private readonly idleTimeout: Nanos;
  private readonly conns = new Set<ServerConn>();

  /** Creates the server and starts listening at once. */
  constructor(
    readonly host: Host,
    opts: HttpServerOptions = {},
  ) {
    this.opts = opts;
    this.name = opts.name ?? host.name;
    this.port = opts.port ?? 80;
    this.label = `http-server ${host.name}:${this.port}`;
    this.status = opts.status ?? 200;
    this.body = toBytes(opts.body ?? `${this.name}\n`);
    this.extra = opts.headers ?? [];
    this.idleTimeout = opts.idleTimeout ?? 5 * SEC;
    this.capacity = new Capacity(host, this.port, opts);
    this.start();
    host.addProcess(this);
  }

  /** Its timers and those of its capacity model die with the host. */
  targets(): readonly EventTarget[] {
    return [this, this.capacity];
  }

  /** The host lost power: the connections and the listener vanished with the kernel's tables. */
  halt(): void {
    this.listener = null;
    this.conns.clear();
    this.stats.open = 0;
    this.capacity.reset();
  }

  /** The host booted: the service starts again and listens. */
  boot(): void {
    this.start();
  }

  // ---------------------------------------------------------------- switches

  /** True while the port is open. */
  get running(): boolean {
    return this.listener !== null;
  }

  /** Opens the port again after stop() (a no-op when running). */
  start(): void {
    if (this.listener) return;
    this.listener = this.capacity.listen((c) => this.accept(c));
  }

  /**
   * Closes the port, as stopping the service does: new SYNs get RST|ACK,
   * connections waiting in the accept queue are reset, idle keep-alive
   * connections are closed, and requests in progress are answered (with
   * `Connection: close`) before their connections close.
   */
  stop(): void {
    const l = this.listener;
    if (!l) return;
    this.listener = null;
    this.capacity.unlisten();
    l.close();
    for (const sc of [...this.conns]) if (!sc.current && sc.pending.length === 0) this.closeConn(sc);
  }

  /** Stops and resets every connection (the process died: the kernel sends RST for each socket). */
  kill(): void {
    this.stop();
    for (const sc of [...this.conns]) sc.conn.abort();
  }

  /** Stops or resumes accepting connections (overload: the accept queue fills, then SYNs are dropped). */
  setAccepting(on: boolean): void {
    this.capacity.setAccepting(on);
  }

  /** Sets the status code of later responses (500 makes HTTP health checks fail). */
  setStatus(status: number): void {
    this.status = status;
  }

  /** Sets the body of later responses (content checks look for a string in it). */
  setBody(body: string | Uint8Array): void {
    this.body = toBytes(body);
  }

  /** Sets the service time of requests that start from now on. */
  setServiceTime(st: ServiceTime): void {
    this.capacity.setServiceTime(st);
  }

  /** Requests this client has made here (0 when none): the session counter. */
  session(client: string | Ipv4Addr): number {
    return this.sessions.get(typeof client === 'number' ? fmtIp(client) : client) ?? 0;
  }

  // ---------------------------------------------------------------- connections

  private accept(c: TcpConnection): TcpHandlers {
    const sc = new ServerConn(this, c, this.opts.limits);
    c.ctx = sc;
    this.conns.add(sc);
    this.stats.connections++;
    this.stats.open++;
    this.armIdle(sc);
    return this;
  }

  /** Request bytes arrived (TcpHandlers). */
  data(c: TcpConnection, bytes: Uint8Array): void {
    const sc = c.ctx as ServerConn;
    this.stats.bytesIn += bytes.length;
    if (sc.bad || sc.closing) return;
    for (const r of sc.parser.feed(bytes)) {
      if (r.ok) {
        if (r.value.kind === 'request') {
          this.stats.requests++;
          sc.pending.push(r.value);
        }
      } else {
        this.stats.badRequests++;
        sc.bad = r.error;
      }
    }
    this.next(sc);
  }

  /** The client sent FIN (TcpHandlers): answer what is pending, then close. */
  peerClosed(c: TcpConnection): void {
    const sc = c.ctx as ServerConn;
    sc.peerFin = true;
    this.next(sc);
  }

  /** The connection is over (TcpHandlers). */
  closed(c: TcpConnection, _reason: TcpCloseReason): void {
    const sc = c.ctx as ServerConn;
    if (!sc || sc.dead) return;
    sc.dead = true;
    this.cancelIdle(sc);
    this.conns.delete(sc);
    this.stats.open--;
    this.capacity.connectionClosed();
  }

  /** Starts the next request of a connection, or closes it when nothing more will come. */
  private next(sc: ServerConn): void {
    if (sc.current || sc.dead || sc.closing) return;
    const req = sc.pending.shift();
    if (req) {
      this.cancelIdle(sc);
      sc.current = req;
      this.capacity.submit(sc);
      return;
    }
    if (sc.bad) {
      this.answerBad(sc, sc.bad);
      return;
    }
    if (sc.peerFin || !this.running) {
      this.closeConn(sc);
      return;
    }
    this.armIdle(sc);
  }

  /** Sends the response to the current request (its service time is over). */
  respond(sc: ServerConn): void {
    const req = sc.current;
    sc.current = null;
    if (!req || sc.dead) return;
    // The last X-Forwarded-For entry: written by the proxy in front of this server, the only one it can trust (earlier ones are the client's word).
    const xff = this.opts.sessionKey === 'x-forwarded-for' ? headerList(req.headers, 'X-Forwarded-For').at(-1) : undefined;
    const client = xff ?? fmtIp(sc.conn.remoteAddr);
    const n = (this.sessions.get(client) ?? 0) + 1;
    this.sessions.set(client, n);
    // RFC 9112 9.3 / 9.6: the server closes after answering a request that asked to close, or when it is stopping.
    const exact = this.opts.exactHeaders;
    const minor = this.opts.minor ?? 1;
    // An HTTP/1.0 server (BaseHTTPRequestHandler's default protocol_version) closes after each response.
    const persist = keepAlive(req) && !sc.peerFin && this.running && minor === 1 && !(exact && exact.some((h) => h.name.toLowerCase() === 'connection' && /\bclose\b/i.test(h.value)));
    const custom = this.opts.handler ? this.opts.handler(req, { server: this, client, session: n }) : null;
    const status = custom?.status ?? this.status;
    const body = custom?.body !== undefined ? toBytes(custom.body) : this.body;
    const headers: HttpField[] = exact
      ? [...exact]
      : [
          { name: 'Server', value: this.name },
          { name: 'Content-Type', value: 'text/plain' },
          { name: 'Content-Length', value: String(body.length) }, // RFC 9110 8.6: the length of the body a GET would get, for HEAD too
        ];
    // RFC 9112 9.3: an HTTP/1.1 server announces the close; an HTTP/1.0 client needs keep-alive spelled out.
    if (!exact) headers.push({ name: 'Connection', value: persist ? 'keep-alive' : 'close' });
    if (this.opts.cookie) headers.push({ name: 'Set-Cookie', value: `session=${this.name}-${n}` });
    if (!exact) for (const h of this.extra) headers.push(h);
    if (custom?.headers) for (const h of custom.headers) headers.push(h);
    const head = req.method === 'HEAD'; // RFC 9110 9.3.2: no body in a HEAD response
    const built = httpResponse({ status, reason: custom?.reason, headers, body: head ? new Uint8Array(0) : body, minor });
    const res = exact ? { ...built, headers } : built; // exact: without the Content-Length httpResponse would add
    this.send(sc, serializeResponse(res), status);
    // Counted in every trace mode, like the TCP state changes; the event and its sentence are built only when recorded.
    this.host.net.trace.state(
      this.host.name,
      () => ({
        what: 'http',
        role: 'server',
        service: this.name,
        client: fmtIp(sc.conn.remoteAddr),
        method: req.method,
        target: req.target,
        headers: req.headers,
        status,
        verdict: 'served',
        pool: null,
        server: this.name,
        how: null,
        cache: null,
      }),
      () => `${this.name} answers ${req.method} ${req.target} from ${client} with ${status} (request ${n} from this client)`,
    );
    if (!persist) {
      this.closeConn(sc);
      return;
    }
    this.next(sc);
  }

  private answerBad(sc: ServerConn, err: HttpError): void {
    const body = `${err.reason}\n`;
    const res = httpResponse({
      status: err.status,
      headers: [
        { name: 'Server', value: this.name },
        { name: 'Content-Type', value: 'text/plain' },
        { name: 'Content-Length', value: String(body.length) },
        { name: 'Connection', value: 'close' },
      ],
      body,
    });
    sc.bad = null;
    this.send(sc, serializeResponse(res), err.status);
    this.closeConn(sc);
  }

  private send(sc: ServerConn, bytes: Uint8Array, status: number): void {
    if (!sc.conn.send(bytes)) return;
    const s = this.stats;
    s.responses++;
    s.bytesOut += bytes.length;
    s.byStatus.set(status, (s.byStatus.get(status) ?? 0) + 1);
  }

  private closeConn(sc: ServerConn): void {
    if (sc.closing) return;
    sc.closing = true;
    this.cancelIdle(sc);
    sc.conn.close();
  }

  private armIdle(sc: ServerConn): void {
    if (this.idleTimeout <= 0 || sc.dead || sc.closing) return;
    this.cancelIdle(sc);
    sc.idle = this.host.net.sim.timer(this.idleTimeout, this, EV_IDLE, sc);
  }

  private cancelIdle(sc: ServerConn): void {
    if (sc.idle) {
      this.host.net.sim.cancel(sc.idle);
      sc.idle = null;
    }
  }

  /** The keep-alive idle timer fired: close a connection with nothing in progress. */
  onEvent(kind: number, a: unknown): void {
    if (kind !== EV_IDLE) return;
    const sc = a as ServerConn;
    sc.idle = null;
    if (!sc.current && sc.pending.length === 0) this.closeConn(sc);
  }

  /** Names the event kind. */
  kindName(): string {
    return 'keep-alive timeout';
  }
}

function toBytes(b: string | Uint8Array): Uint8Array {
  return typeof b === 'string' ? latin1Bytes(b) : b;
}

/** The server name a response names: its Server header, else the first line of its body. */
export function serverOf(headers: readonly HttpField[], body: Uint8Array): string | null {
  const s = getHeader(headers, 'Server');
  if (s !== null) return s;
  let e = body.indexOf(10);
  if (e < 0) e = body.length;
  const t = String.fromCharCode(...body.subarray(0, Math.min(e, 256))).trim();
  return t || null;
}

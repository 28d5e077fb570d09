/**
 * TCP echo (RFC 862, port 7): a server that sends back every byte it
 * receives, through the same capacity model as the HTTP server (each chunk
 * the stack delivers is one unit of work, served in order per connection),
 * and a client that sends N bytes of a known pattern, checks that the same
 * bytes come back, and closes. The client's outcomes use the HTTP client's
 * codes, plus 'mismatch' when the echo differs.
 */
import { fmtIp } from '../wire/addr.js';
import type { Ipv4Addr } from '../wire/types.js';
import type { EventTarget, Timer } from '../sim/sim.js';
import type { Nanos } from '../sim/time.js';
import type { Host, HostProcess } from '../net/host.js';
import type { TcpCloseReason, TcpConnection, TcpError, TcpHandlers, TcpListener } from '../net/tcp.js';
import { Capacity, type CapacityJob, type CapacityOptions, type ServiceTime } from './capacity.js';
import { outcomeOf, type HttpOutcome } from './http-client.js';

/** Options of the echo server (capacity options included). */
export interface TcpEchoServerOptions extends CapacityOptions {
  /** TCP port (default 7, RFC 862). */
  readonly port?: number;
}

/** Per-connection state of the echo server. */
class EchoConn implements CapacityJob {
  readonly chunks: Uint8Array[] = [];
  busy = false;
  peerFin = false;
  dead = false;
  closing = false;

  constructor(
    readonly server: TcpEchoServer,
    readonly conn: TcpConnection,
  ) {}

  /** The service time of the oldest chunk is over: echo it. */
  done(): void {
    this.server.echo(this);
  }
}

/** The TCP echo service on a host, with a capacity model. */
export class TcpEchoServer implements TcpHandlers, HostProcess {
  /** The TCP port. */
  readonly port: number;
  /** The capacity model. */
  readonly capacity: Capacity;
  /** The listener, or null once stopped. */
  listener: TcpListener | null;
  /** Connections accepted. */
  connections = 0;
  /** Bytes echoed. */
  echoed = 0;

  /** Names the process in the trace. */
  readonly label: string;

  /** Creates the server and listens at once. */
  constructor(
    readonly host: Host,
    opts: TcpEchoServerOptions = {},
  ) {
    this.port = opts.port ?? 7;
    this.label = `tcp-echo-server ${host.name}:${this.port}`;
    this.capacity = new Capacity(host, this.port, opts);
    this.listener = this.listen();
    host.addProcess(this);
  }

  private listen(): TcpListener {
    return this.capacity.listen((c) => {
      this.connections++;
      c.ctx = new EchoConn(this, c);
      return this;
    });
  }

  /** The timers of its capacity model die with the host. */
  targets(): readonly EventTarget[] {
    return [this.capacity];
  }

  /** The host lost power: connections and listener vanished with the kernel's tables. */
  halt(): void {
    this.listener = null;
    this.capacity.reset();
  }

  /** The host booted: the service listens again. */
  boot(): void {
    if (!this.listener) this.listener = this.listen();
  }

  /** Sets the service time of chunks that start from now on. */
  setServiceTime(st: ServiceTime): void {
    this.capacity.setServiceTime(st);
  }

  /** Closes the port (SYNs then get RST|ACK); open connections go on. */
  stop(): void {
    const l = this.listener;
    if (!l) return;
    this.listener = null;
    this.capacity.unlisten();
    l.close();
  }

  /** Bytes arrived (TcpHandlers): they are copied and queued for service. */
  data(c: TcpConnection, bytes: Uint8Array): void {
    const ec = c.ctx as EchoConn;
    ec.chunks.push(bytes.slice()); // the view is only valid during the call
    this.next(ec);
  }

  /** The client sent FIN (TcpHandlers): finish echoing, then close. */
  peerClosed(c: TcpConnection): void {
    const ec = c.ctx as EchoConn;
    ec.peerFin = true;
    this.next(ec);
  }

  /** The connection is over (TcpHandlers). */
  closed(c: TcpConnection, _reason: TcpCloseReason): void {
    const ec = c.ctx as EchoConn;
    if (!ec || ec.dead) return;
    ec.dead = true;
    this.capacity.connectionClosed();
  }

  private next(ec: EchoConn): void {
    if (ec.busy || ec.dead || ec.closing) return;
    if (ec.chunks.length > 0) {
      ec.busy = true;
      this.capacity.submit(ec);
    } else if (ec.peerFin) {
      ec.closing = true;
      ec.conn.close();
    }
  }

  /** Sends back the oldest queued chunk of a connection. */
  echo(ec: EchoConn): void {
    ec.busy = false;
    const b = ec.chunks.shift();
    if (!b || ec.dead) return;
    if (ec.conn.send(b)) this.echoed += b.length;
    this.next(ec);
  }
}

/** The outcome of an echo client: the HTTP client's codes, and 'mismatch' when different bytes came back. */
export type EchoOutcome = Exclude<HttpOutcome, 'bad-response'> | 'mismatch';

/** Options of the echo client. */
export interface TcpEchoClientOptions {
  /** Destination port (default 7). */
  readonly port?: number;
  /** Bytes to send (default 64). */
  readonly bytes?: number;
  /** Delay before connecting (ns, default 0). */
  readonly startAt?: Nanos;
  /** Gives up after this long (ns), as 'timeout' (default none). */
  readonly maxTime?: Nanos;
}

/** The byte at position i of the echo test pattern (a counter that does not repeat with period 256 only, so a shifted echo shows). */
export function echoPattern(i: number): number {
  return (i * 7 + (i >>> 8)) & 0xff;
}

const EV_START = 1;
const EV_MAXTIME = 2;

/** Sends N pattern bytes to an echo server, checks they come back, and closes. */
export class TcpEchoClient implements TcpHandlers, EventTarget {
  /** 'pending' until it ends. */
  outcome: EchoOutcome = 'pending';
  /** The socket error of a failure, or 'max-time'. */
  failure: TcpError | 'max-time' | null = null;
  /** Bytes received back so far. */
  received = 0;
  /** Offset of the first wrong byte, or -1. */
  mismatchAt = -1;
  /** When connect() was called (ns; -1 until then). */
  startedAt = -1;
  /** When the client's outcome was decided (ns; -1 while pending). */
  doneAt = -1;
  /** The local port of the connection. */
  localPort = 0;
  /** Names the client in budget messages. */
  readonly label: string;
  private conn: TcpConnection | null = null;
  private readonly n: number;
  private readonly port: number;
  private timer: Timer | null = null;

  /** Creates the client; it connects after opts.startAt. */
  constructor(
    readonly host: Host,
    readonly dst: Ipv4Addr,
    private readonly opts: TcpEchoClientOptions = {},
  ) {
    this.n = opts.bytes ?? 64;
    this.port = opts.port ?? 7;
    this.label = `tcp-echo-client ${host.name} -> ${fmtIp(dst)}:${this.port}`;
    host.net.sim.timer(opts.startAt ?? 0, this, EV_START);
  }

  /** Round-trip time from connect() to the last echoed byte, or null. */
  get time(): Nanos | null {
    return this.outcome === 'completed' ? this.doneAt - this.startedAt : null;
  }

  /** Starts the connection, or gives up at max-time. */
  onEvent(kind: number): void {
    const sim = this.host.net.sim;
    if (kind === EV_START) {
      this.startedAt = sim.now;
      if (this.opts.maxTime) this.timer = sim.timer(this.opts.maxTime, this, EV_MAXTIME);
      this.conn = this.host.tcp.connect(this.dst, this.port, this);
      this.localPort = this.conn.localPort;
    } else if (kind === EV_MAXTIME) {
      this.timer = null;
      this.end('timeout', 'max-time');
      this.conn?.close();
    }
  }

  /** Connected (TcpHandlers): send the pattern. */
  connected(c: TcpConnection): void {
    const b = new Uint8Array(this.n);
    for (let i = 0; i < b.length; i++) b[i] = echoPattern(i);
    c.send(b);
  }

  /** Echoed bytes arrived (TcpHandlers): compare them with the pattern. */
  data(c: TcpConnection, bytes: Uint8Array): void {
    if (this.outcome !== 'pending') return;
    for (let i = 0; i < bytes.length; i++) {
      const at = this.received + i;
      if (at >= this.n || bytes[i] !== echoPattern(at)) {
        this.mismatchAt = at;
        this.end('mismatch', null);
        c.close();
        return;
      }
    }
    this.received += bytes.length;
    if (this.received === this.n) {
      this.end('completed', null);
      c.close(); // the client closes first, as an echo client does once it has its bytes
    }
  }

  /** The server closed (TcpHandlers). */
  peerClosed(c: TcpConnection): void {
    this.end('closed', null);
    c.close();
  }

  /** A socket error (TcpHandlers). */
  error(_c: TcpConnection, code: TcpError): void {
    this.end(outcomeOf(code), code);
  }

  /** The connection is over (TcpHandlers). */
  closed(_c: TcpConnection, reason: TcpCloseReason): void {
    this.end(reason === 'normal' ? 'closed' : 'reset', null);
  }

  private end(o: Exclude<EchoOutcome, 'pending'>, err: TcpError | 'max-time' | null): void {
    if (this.outcome !== 'pending') return;
    this.outcome = o;
    this.failure = err;
    this.doneAt = this.host.net.sim.now;
    if (this.timer) {
      this.host.net.sim.cancel(this.timer);
      this.timer = null;
    }
  }
}

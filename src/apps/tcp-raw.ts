/**
 * A raw TCP client and server that send given bytes, as the small programs
 * of a real lab do (`printf ... | nc`, a python socket loop): the client
 * connects, waits `afterConnect`, writes its bytes and, when asked, waits
 * `beforeClose` and closes; the server answers the first bytes of each
 * connection after `beforeResponse` and, when asked, closes after
 * `beforeClose`. Each delay is a constant or a distribution drawn from the
 * app's own seeded stream, so a real process's think time between
 * connect(), write() and close() can be put on the wire (which segment
 * crosses which: the data's ACK before or after the FIN). Zero delays act in
 * the same instant, as the other apps do.
 */
import type { Ipv4Addr } from '../wire/types.js';
import type { EventTarget } from '../sim/sim.js';
import type { Rng } from '../sim/rng.js';
import type { Nanos } from '../sim/time.js';
import type { Host } from '../net/host.js';
import type { TcpCloseReason, TcpConnection, TcpError, TcpHandlers } from '../net/tcp.js';
import { drawServiceTime, type ServiceTime } from './capacity.js';

/** The think times of a raw TCP app (each 0 unless set). */
export interface RawDelays {
  /** After connect() returns, before the first write (client). */
  readonly afterConnect?: ServiceTime;
  /** Between reading the peer's first bytes and writing the reply (server). */
  readonly beforeResponse?: ServiceTime;
  /** After the last write, before close(). */
  readonly beforeClose?: ServiceTime;
}

/** Options shared by the raw client and server. */
interface RawCommon {
  /** The bytes to write (client: after connecting; server: in answer to the first bytes). */
  readonly send: Uint8Array;
  /** Close after writing (default true). */
  readonly close?: boolean;
  readonly delays?: RawDelays;
  /** Distinguishes apps of one kind on a host in their stream name (default "0"). */
  readonly id?: string;
}

/** Options of the raw TCP client. */
export interface RawClientOptions extends RawCommon {
  readonly port: number;
  /** When it connects (ns, default 0). */
  readonly startAt?: Nanos;
}

/** Options of the raw TCP server. */
export interface RawServerOptions extends RawCommon {
  readonly port: number;
}

const EV_START = 1;
const EV_WRITE = 2;
const EV_CLOSE = 3;

/** Draws a delay (0 without drawing when unset, so unset delays leave the stream untouched). */
function draw(d: ServiceTime | undefined, rng: Rng): Nanos {
  return d === undefined || d === 0 ? 0 : drawServiceTime(d, rng);
}

/** Writes, then maybe closes, after their delays: the part the client and the server share. */
abstract class RawApp implements EventTarget, TcpHandlers {
  abstract readonly label: string;
  /** Bytes received, over every connection. */
  received = 0;
  /** Connections that ended, by how. */
  readonly ended: TcpCloseReason[] = [];
  protected readonly rng: Rng;

  constructor(
    readonly host: Host,
    protected readonly opts: RawCommon,
    stream: string,
  ) {
    this.rng = host.net.sim.stream(stream);
  }

  /** Schedules the write of `send` on `c` after `delay`. */
  protected writeAfter(c: TcpConnection, delay: ServiceTime | undefined): void {
    this.host.net.sim.timer(draw(delay, this.rng), this, EV_WRITE, c);
  }

  onEvent(kind: number, a: unknown): void {
    if (kind === EV_START) return this.start();
    const c = a as TcpConnection;
    if (kind === EV_WRITE) {
      if (c.ctx === 'dead') return;
      c.send(this.opts.send);
      if (this.opts.close ?? true) this.host.net.sim.timer(draw(this.opts.delays?.beforeClose, this.rng), this, EV_CLOSE, c);
      return;
    }
    if (kind === EV_CLOSE && c.ctx !== 'dead') c.close();
  }

  kindName(kind: number): string {
    return kind === EV_START ? 'connect' : kind === EV_WRITE ? 'write' : 'close';
  }

  protected start(): void {}

  /** Counts the peer's bytes (TcpHandlers). */
  data(_c: TcpConnection, bytes: Uint8Array): void {
    this.received += bytes.length;
  }

  /** The peer closed: close too, as a program that reads EOF does (TcpHandlers). */
  peerClosed(c: TcpConnection): void {
    c.close();
  }

  /** The connection is over (TcpHandlers). */
  closed(c: TcpConnection, reason: TcpCloseReason): void {
    c.ctx = 'dead';
    this.ended.push(reason);
  }
}

/** A raw TCP client: connect, write the bytes, maybe close. */
export class RawTcpClient extends RawApp {
  readonly label: string;
  /** The socket error, when the connection failed. */
  failure: TcpError | null = null;

  /** Schedules the connection from `host` to `dst:port`. */
  constructor(
    host: Host,
    readonly dst: Ipv4Addr,
    private readonly copts: RawClientOptions,
  ) {
    super(host, copts, `tcp-client:${host.name}:${copts.id ?? '0'}`);
    this.label = `tcp-client ${host.name}`;
    host.net.sim.timer(copts.startAt ?? 0, this, EV_START);
  }

  protected override start(): void {
    this.host.tcp.connect(this.dst, this.copts.port, this);
  }

  /** Connected: write after the think time (TcpHandlers). */
  connected(c: TcpConnection): void {
    this.writeAfter(c, this.copts.delays?.afterConnect);
  }

  /** The connection failed (TcpHandlers). */
  error(_c: TcpConnection, code: TcpError): void {
    this.failure = code;
  }
}

/** A raw TCP server: answers the first bytes of each connection with the given bytes, maybe closes. */
export class RawTcpServer extends RawApp {
  readonly label: string;
  /** Connections accepted. */
  accepted = 0;

  /** Listens on `port` of `host`. */
  constructor(host: Host, private readonly sopts: RawServerOptions) {
    super(host, sopts, `tcp-server:${host.name}:${sopts.id ?? '0'}`);
    this.label = `tcp-server ${host.name}`;
    host.tcp.listen(sopts.port, {}, (c) => {
      this.accepted++;
      c.ctx = 'new';
      return this;
    });
  }

  /** The first bytes of a connection start the reply (TcpHandlers). */
  override data(c: TcpConnection, bytes: Uint8Array): void {
    super.data(c, bytes);
    if (c.ctx !== 'new') return;
    c.ctx = 'answered';
    this.writeAfter(c, this.sopts.delays?.beforeResponse);
  }
}

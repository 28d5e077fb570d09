/**
 * The state an L7 proxy keeps per request and per connection: the
 * exchange of one request on its way through the proxy, the client
 * connection it came on (the front side) and the proxy's connection to a
 * server (the back side); and ProxyCore, what the back side's code
 * (back.ts) needs of the proxy, so that it does not import proxy.ts.
 */
import { HttpParser, type HttpError, type HttpField, type HttpRequest, type HttpResponse } from '../../wire/http.js';
import type { EventTarget, Timer } from '../../sim/sim.js';
import type { Host } from '../../net/host.js';
import type { TcpConnection, TcpHandlers } from '../../net/tcp.js';
import type { ResponseCache } from './cache.js';
import type { L7ProxyConfig } from './config.js';
import type { CpuJob } from './cpu.js';
import type { L7Pool } from './pool.js';

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

/** The proxy as the back side sees it: its settings, counters and cache, and the ways a request is balanced and answered. */
export interface ProxyCore extends TcpHandlers, EventTarget {
  readonly host: Host;
  readonly cfg: L7ProxyConfig;
  readonly stats: L7ProxyStats;
  readonly cache: ResponseCache | null;
  /** "lb1/shop": how trace events name this proxy. */
  readonly service: string;
  /** Steps 2 to 6 for a request whose CPU time is spent. */
  process(ex: Exchange): void;
  /** The pool's balancing for a request (its scheduler, or a hash), avoiding servers that failed it; -1 when none is available. */
  balance(pool: L7Pool, ex: Exchange): number;
  /** An error the proxy answers itself (Connection: close). */
  fail(ex: Exchange, status: number, verdict: string, reason: string): void;
  /** Sends a response to the client, records the request's verdict, and moves on to the next request. */
  reply(ex: Exchange, res0: HttpResponse, verdict: string, server: string | null, text: () => string): void;
  /** An answer of the proxy's own with these extra header fields. */
  answer(ex: Exchange, status: number, verdict: string, reason: string, extra: HttpField[]): void;
}

/** One request on its way through the proxy. */
export class Exchange implements CpuJob {
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
    readonly proxy: ProxyCore,
    readonly front: FrontConn,
    readonly req: HttpRequest,
  ) {}

  /** The request's CPU time is spent: decide and forward it. */
  run(): void {
    this.proxy.process(this);
  }
}

/** A client connection (the front side). */
export class FrontConn {
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
export class BackConn {
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

/** The proxy's timer kinds: a server connection's connect timeout. */
export const EV_CONNECT_TIMEOUT = 1;
/** A retry after the turn-around. */
export const EV_RETRY = 2;
/** A client connection's keep-alive timeout. */
export const EV_IDLE = 3;

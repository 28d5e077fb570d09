/**
 * One TCP connection attempt whose outcome is recorded, like
 * `nc -z host port`: it connects, closes as soon as the handshake is done,
 * and says what happened with the same outcome codes as the HTTP client
 * (completed, reset, timeout, refused, unreachable).
 */
import type { Ipv4Addr } from '../wire/types.js';
import type { Nanos } from '../sim/time.js';
import type { Deferred, Host } from '../net/host.js';
import type { TcpConnection, TcpError } from '../net/tcp.js';

/** What a connection attempt ended with. */
export type ConnectOutcome = 'pending' | 'completed' | 'reset' | 'timeout' | 'refused' | 'unreachable';

const OUTCOME: Readonly<Record<TcpError, ConnectOutcome>> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ECONNRESET: 'reset',
  EADDRNOTAVAIL: 'unreachable',
};

/** A single connection attempt. */
export class TcpConnect implements Deferred {
  outcome: ConnectOutcome = 'pending';
  /** The kernel error, when it failed. */
  error: TcpError | null = null;
  /** When connect() was called, and when the outcome was known (ns). */
  startedAt = -1;
  doneAt = -1;
  /** The local port used. */
  localPort = 0;

  /** Schedules the attempt from `host` to `dst:port` at `start`. */
  constructor(
    readonly host: Host,
    readonly dst: Ipv4Addr,
    readonly port: number,
    start: Nanos = 0,
  ) {
    host.defer(start, this);
  }

  /** Starts the attempt (timer callback). */
  run(): void {
    this.startedAt = this.host.net.sim.now;
    const c = this.host.tcp.connect(this.dst, this.port, {
      connected: (conn: TcpConnection) => {
        this.finish('completed');
        conn.close();
      },
      error: (_conn, code) => {
        this.error = code;
        this.finish(OUTCOME[code]);
      },
      closed: (_conn, reason) => {
        if (reason === 'reset') this.finish('reset');
      },
    });
    this.localPort = c.localPort;
  }

  private finish(o: ConnectOutcome): void {
    if (this.outcome !== 'pending') return;
    this.outcome = o;
    this.doneAt = this.host.net.sim.now;
  }
}

/**
 * One TCP connection: the RFC 9293 state machine with Linux's choices where
 * the RFC leaves room (net/ipv4/tcp_input.c, tcp_output.c, tcp_timer.c,
 * tcp_minisocks.c). See tcp.ts for the socket API and for what lblab
 * simplifies.
 *
 * The connection is one object whose class is built in three floors, each
 * in its own module and each importing only the one below: this module
 * holds its state, the application API and the state changes
 * (TcpConnection); tcp-output.ts the opening handshake, the send path, ACK
 * policy, RTT estimation and timers (TcpSender); tcp-input.ts the arrival
 * of segments and ICMP errors (TcpReceiver, the class TcpStack creates).
 * Applications only ever see TcpConnection.
 *
 * Timers are events on the connection itself (retransmission, delayed ACK,
 * TIME_WAIT / FIN_WAIT_2 lifetime), so the hot path allocates no closures.
 * Application callbacks run after the segment's own ACK decision, as in
 * Linux where the application only runs once the softirq has finished.
 */
import { fmtIp } from '../wire/addr.js';
import type { Icmp, Ipv4, Ipv4Addr, Tcp } from '../wire/types.js';
import { EMPTY, TCP_FLAG } from '../wire/types.js';
import type { EventTarget, Timer } from '../sim/sim.js';
import type { Frame, StateChange } from '../trace/events.js';
import type { DropReason } from '../trace/reasons.js';
import type { Text } from '../trace/trace.js';
import type { Iface } from './iface.js';
import type { StackHost } from './stack-host.js';
import type { TcpCloseReason, TcpError, TcpState } from './tcp-types.js';
import {
  TCP_DEFAULT_MSS,
  TCP_SYNACK_WINDOW,
  TCP_SYN_WINDOW,
  TCP_TIMEOUT_INIT,
  TCP_TIMEWAIT_LEN,
  keyedHash,
} from './tcp-options.js';
import { MS, SEC } from '../sim/time.js';

const { RST, ACK } = TCP_FLAG;

/** Event kind: the retransmission timer (the other kinds follow: delayed ACK, linger, deferred connect error). */
export const EV_RTO = 1;
export const EV_DELACK = 2;
export const EV_LINGER = 3; // TIME_WAIT and orphaned FIN_WAIT_2 lifetime
export const EV_FAIL = 4; // an error detected inside connect(), reported from an event

/** A segment of the send queue (Linux: an skb of the write or retransmit queue). */
export interface OutSeg {
  readonly seq: number;
  data: Uint8Array;
  fin: boolean;
  psh: boolean;
  /** Time of the last transmission, or -1 while unsent. */
  sentAt: number;
  /** True once retransmitted: no RTT sample from its ACK (Karn's rule, RFC 6298 3). */
  rexmit: boolean;
}

/** What a connection tells its application; every callback is optional and gets the connection first. */
export interface TcpHandlers {
  /** An active open completed (the third ACK has been sent). */
  connected?(c: TcpConnection): void;
  /** In-order bytes arrived (the view is only valid during the call; copy to keep). */
  data?(c: TcpConnection, bytes: Uint8Array): void;
  /** The peer sent FIN: no more data will come (the application usually close()s now). */
  peerClosed?(c: TcpConnection): void;
  /**
   * The connection is over for the application: both sides' FINs are
   * exchanged (it may linger in TIME_WAIT, invisibly), or it was reset,
   * aborted or failed. Called exactly once.
   */
  closed?(c: TcpConnection, reason: TcpCloseReason): void;
  /** The connection failed with this error; closed(c, 'error') follows. */
  error?(c: TcpConnection, code: TcpError): void;
}

/** What a connection needs of the TCP layer it belongs to (TcpStack implements it). */
export interface ConnStack {
  /** The host the stack runs on. */
  readonly host: StackHost;
  /** The ISN a SYN that reuses a TIME_WAIT 4-tuple gives its new connection (Linux tcp_tw_isn), or -1. */
  twIsn: number;
  /** The host's secret for the per-address-pair timestamp offset (secure_tcp_ts_off). */
  readonly tsSecret: number;
  /** Demultiplexes a segment again (a SYN that reopens a TIME_WAIT connection). */
  input(ip: Ipv4, frame: Frame | null, iface: Iface | null): void;
  /** Answers a segment that matches no socket (RST, or silence for an RST). */
  noSocket(ip: Ipv4, seg: Tcp, frame: Frame | null): void;
  /** Sends an RST in answer to `seg` from the control socket. */
  sendReset(ip: Ipv4, seg: Tcp): void;
  /** Removes a connection from the table (it reached CLOSED). */
  unhash(c: TcpConnection): void;
  /** Traces that a segment reached a socket. */
  delivered(ip: Ipv4, seg: Tcp, frame: Frame | null): void;
  /** Traces a dropped segment on the interface it came in on. */
  drop(frame: Frame | null, code: DropReason, why: Text): void;
}

/** What a passive connection needs of the listener that made it (TcpListener implements it). */
export interface ConnListener {
  /** The listening port. */
  readonly port: number;
  /** The effective backlog. */
  readonly backlog: number;
  /** True when the accept queue cannot take another connection. */
  queueFull(): boolean;
  /** A connection of this listener completed its handshake. */
  established(c: TcpConnection): void;
  /** Removes a connection that died while waiting in the accept queue. */
  unqueue(c: TcpConnection): void;
  /** Half-open connections holding a request socket (the SYN queue; SYN cookies hold none). */
  synQueue: number;
  /** Handshake-completing ACKs that found the accept queue full. */
  ackOverflows: number;
}

/** The state-change detail of a transition that changes nothing a view shows. */
export const NO_CHANGE: StateChange = Object.freeze({ what: 'note', detail: Object.freeze({}) }) as StateChange;

/** A TCP connection (an active or accepted socket, or a listener's half-open request). */

/** A TCP connection (an active or accepted socket, or a listener's half-open request). */
export abstract class TcpConnection implements EventTarget {
  /** The RFC 9293 state. */
  state: TcpState = 'CLOSED';
  /** What the application is told; null for a passive connection not yet accepted (its data waits). */
  handlers: TcpHandlers | null;
  /** A free slot for the application (its own per-connection record). */
  ctx: unknown = null;
  /** The error that ended the connection, if any. */
  error: TcpError | null = null;
  /** Application bytes handed to send() and accepted. */
  bytesSent = 0;
  /** Application bytes delivered in order to the application. */
  bytesReceived = 0;
  /** Segments sent (retransmissions included). */
  segsOut = 0;
  /** Segments received for this connection. */
  segsIn = 0;
  /** Segments retransmitted (SYN, SYN-ACK, data and FIN). */
  retransmits = 0;
  /** Simulated time the connection was created (ns). */
  readonly createdAt: number;
  /** Simulated time it reached ESTABLISHED, or -1. */
  establishedAt = -1;

  // RFC 9293 3.3.1 send sequence variables
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  sndWnd = 0;
  protected sndWl1 = 0;
  protected sndWl2 = 0;
  // receive sequence variables
  irs = 0;
  rcvNxt = 0;
  /** rcv_nxt when we last sent an ACK (Linux rcv_wup). */
  protected rcvWup = 0;
  protected rcvWnd: number;

  // negotiated options
  /** Payload bytes per segment we send (peer MSS less timestamp option). */
  sendMss = TCP_DEFAULT_MSS;
  protected peerWscale = 0;
  protected wsOk = false;
  protected tsOk = false;
  protected sackOk = false;
  protected tsRecent = 0;
  protected readonly tsOffset: number;

  // retransmission (RFC 6298, Linux icsk_rto / icsk_retransmits / total_rto / retrans_stamp)
  protected rto = TCP_TIMEOUT_INIT;
  protected srtt = -1;
  protected rttvar = 0;
  protected retransInRow = 0;
  protected totalRto = 0;
  protected retransStamp = -1;
  protected synSentAt = 0;
  protected rtoTimer: Timer | null = null;
  /** When the retransmission timer is due, or -1 when stopped; the Timer may fire earlier and re-arm (no allocation per ACK). */
  protected rtoAt = -1;
  /** True when the pending retransmission-timer event is a tail loss probe (Linux icsk_pending == ICSK_TIME_LOSS_PROBE). */
  protected tlpArmed = false;
  /** True while a loss probe is unanswered (Linux tlp_high_seq != 0): at most one per tail-loss episode. */
  protected tlpOut = false;
  /** SND.NXT when the outstanding probe left (Linux tlp_high_seq). */
  protected tlpHigh = 0;
  /** True from an RTO until SND.UNA reaches lossHigh (Linux icsk_ca_state == TCP_CA_Loss). */
  protected inLoss = false;
  /** SND.NXT at the RTO (Linux high_seq): loss recovery ends once it is acknowledged. */
  protected lossHigh = 0;
  protected delackTimer: Timer | null = null;
  protected lingerTimer: Timer | null = null;
  protected softError: TcpError | null = null;

  // send queue: q[0..unsent) are in flight, q[unsent..] wait; rtxIdx marks the next segment to resend after an RTO
  protected q: OutSeg[] = [];
  protected unsent = 0;
  protected rtxIdx = 0;
  protected writeSeq = 0;
  protected cwnd = 0;
  protected finSeq = -1;
  protected preconnect: Uint8Array[] | null = null;

  // ACK policy (Linux icsk_ack: quick, pingpong, ato, lrcvtime)
  protected ackPending = false;
  protected quick = 0;
  protected pingpong = false;
  protected lastDataRcv = -1;
  protected rcvMss = TCP_DEFAULT_MSS;
  protected lastOow = -1;
  protected synackTimeouts = 0;

  /** IP id counter of the socket (Linux inet_id), or ids of 0 once it is a mini socket. */
  protected ipId = 0;
  protected minisock = false;
  protected appClosed = false;
  protected notifiedClosed = false;
  protected rxWaiting: Uint8Array[] | null = null;
  protected finWaiting = false;
  /** True once registered in the stack's connection table. */
  hashed = false;
  /** True while in the listener's accept queue. */
  queued = false;
  /** True while it counts in the listener's SYN queue (a half-open connection with a request socket). */
  inSynQueue = false;
  /**
   * True for a connection a SYN cookie answered (tcp_syncookies, SYN queue
   * full): Linux keeps no state, so lblab's record of it never resends the
   * SYN-ACK, holds no SYN queue slot and is forgotten silently after the
   * cookie's lifetime; the ACK that returns the cookie opens the connection.
   */
  cookie = false;

  /** Creates a connection; use TcpStack.connect or a listener, not this constructor. */
  constructor(
    readonly stack: ConnStack,
    readonly localAddr: Ipv4Addr,
    readonly localPort: number,
    readonly remoteAddr: Ipv4Addr,
    readonly remotePort: number,
    /** True for a connection accepted by a listener. */
    readonly passive: boolean,
    handlers: TcpHandlers | null,
    /** The listener that created it (passive connections). */
    readonly listener: ConnListener | null,
  ) {
    this.handlers = handlers;
    this.createdAt = stack.host.net.sim.now;
    // Linux secure_tcp_ts_off (tcp_timestamps=1): the timestamp clock runs at an offset keyed by the
    // address pair, the same for every connection between two hosts, so a new connection's TSval
    // exceeds the TS_recent an old one left in TIME_WAIT. The draw that used to be the offset is kept
    // so the host's other random choices (ISNs, ports, IP ids) stay as they were.
    stack.host.rng.next();
    this.tsOffset = stack.host.sysctl.get('net.ipv4.tcp_timestamps') === 1 ? keyedHash(stack.tsSecret, localAddr, remoteAddr) : 0;
    this.rcvWnd = passive ? TCP_SYNACK_WINDOW : TCP_SYN_WINDOW;
  }

  /** "10.0.0.1:40000->10.0.1.100:80", made on demand. */
  get name(): string {
    return `${fmtIp(this.localAddr)}:${this.localPort}->${fmtIp(this.remoteAddr)}:${this.remotePort}`;
  }

  /** The event-target label, for budget messages. */
  get label(): string {
    return `tcp ${this.stack.host.name} ${this.name}`;
  }

  /** Names a timer kind. */
  kindName(kind: number): string {
    return kind === EV_RTO ? 'retransmission timer' : kind === EV_DELACK ? 'delayed ACK' : kind === EV_LINGER ? 'TIME_WAIT timer' : 'connect error';
  }

  // ------------------------------------------------------------------ application API

  /**
   * Queues bytes for sending and sends what the windows allow. The bytes are
   * kept by reference until acknowledged: do not modify them afterwards.
   * Returns false
   * (sending nothing) when the connection can no longer send: after close(),
   * a reset or an error (Linux: EPIPE). Before ESTABLISHED the bytes wait.
   */
  send(bytes: Uint8Array): boolean {
    if (this.appClosed) return false;
    switch (this.state) {
      case 'SYN_SENT':
        (this.preconnect ??= []).push(bytes);
        this.bytesSent += bytes.length;
        return true;
      case 'ESTABLISHED':
      case 'CLOSE_WAIT':
        this.bytesSent += bytes.length;
        this.write(bytes);
        this.push();
        return true;
      default:
        return false;
    }
  }

  /**
   * Closes the socket the way close(2) does: a FIN follows the queued data
   * (ESTABLISHED -> FIN_WAIT_1, CLOSE_WAIT -> LAST_ACK); in SYN_SENT the
   * attempt is just dropped. The application gets no more data afterwards:
   * new data arriving after close is answered with RST (Linux tcp_rcv_state_process).
   */
  close(): void {
    if (this.appClosed) return;
    this.appClosed = true;
    switch (this.state) {
      case 'SYN_SENT':
        this.terminate('normal', null, 'the application closed it before it connected');
        return;
      case 'ESTABLISHED':
        this.setState('FIN_WAIT_1', 'the application closed the socket; a FIN follows the data');
        this.queueFin();
        return;
      case 'CLOSE_WAIT':
        this.setState('LAST_ACK', 'the application closed its side too; a FIN follows the data');
        this.queueFin();
        return;
      default:
        return;
    }
  }

  /**
   * Aborts the connection with RST (close with SO_LINGER 0, Linux
   * tcp_send_active_reset: RST|ACK with seq = SND.NXT). In SYN_SENT nothing
   * is sent; in TIME_WAIT the socket just goes.
   */
  abort(): void {
    if (this.state === 'CLOSED') return;
    this.appClosed = true;
    if (this.state !== 'SYN_SENT' && this.state !== 'TIME_WAIT' && !this.minisock) {
      this.xmit(RST | ACK, this.sndNxt, EMPTY);
    }
    this.terminate('aborted', null, 'the application aborted it (RST)');
  }

  /** Attaches the application's handlers (an accepted connection); data that arrived before is delivered now. */
  setHandlers(h: TcpHandlers): void {
    this.handlers = h;
    const rx = this.rxWaiting;
    this.rxWaiting = null;
    if (rx && h.data) for (const b of rx) h.data(this, b);
    if (this.finWaiting) {
      this.finWaiting = false;
      h.peerClosed?.(this);
    }
  }

  /** The current smoothed round-trip time in ns, or -1 before the first sample. */
  get smoothedRtt(): number {
    return this.srtt;
  }

  /** The current retransmission timeout in ns. */
  get retransmissionTimeout(): number {
    return this.rto;
  }

  // ------------------------------------------------------------------ state

  protected setState(to: TcpState, why: string): void {
    const from = this.state;
    this.state = to;
    const trace = this.stack.host.net.trace;
    if (trace.wantsKind('state')) {
      const host = this.stack.host.name;
      trace.state(host, { what: 'tcp', conn: this.name, from, to }, `${host} ${this.name}: ${from} -> ${to} (${why})`);
    } else {
      trace.state(this.stack.host.name, NO_CHANGE, '');
    }
  }

  protected enterTimeWait(why: string): void {
    this.cancelTimers();
    this.setState('TIME_WAIT', why);
    this.minisock = true; // Linux tcp_time_wait: the socket becomes a timewait mini socket
    this.lingerFor(TCP_TIMEWAIT_LEN);
    this.notifyClosed('normal');
  }

  /** An orphaned FIN_WAIT_2 becomes a mini socket that lives tcp_fin_timeout (Linux tcp_time_wait(sk, TCP_FIN_WAIT2, tmo)). */
  protected orphanFinWait2(): void {
    this.minisock = true;
    this.stopRto();
    this.lingerFor(this.stack.host.sysctl.get('net.ipv4.tcp_fin_timeout') * SEC);
  }

  /** (Re)starts the retransmission timer `d` from now; an already queued earlier event re-arms itself when it fires. */
  protected armRto(d: number): void {
    this.armXmit(d, false);
  }

  /** (Re)starts the one transmit timer Linux keeps per socket, as an RTO or as a tail loss probe (`tlp`). */
  protected armXmit(d: number, tlp: boolean): void {
    const at = this.now() + d;
    this.rtoAt = at;
    this.tlpArmed = tlp;
    const t = this.rtoTimer;
    if (t && t.pending && !t.cancelled && t.time <= at) return;
    this.sim().cancel(t);
    this.rtoTimer = this.sim().at(at, this, EV_RTO);
  }

  protected stopRto(): void {
    this.rtoAt = -1;
    this.tlpArmed = false;
    this.sim().cancel(this.rtoTimer);
    this.rtoTimer = null;
  }

  protected lingerFor(d: number): void {
    this.sim().cancel(this.lingerTimer);
    this.lingerTimer = this.sim().timer(d, this, EV_LINGER);
  }

  /** Ends TIME_WAIT / FIN_WAIT_2 quietly. */
  protected finish(why: string): void {
    this.cancelTimers();
    this.setState('CLOSED', why);
    this.stack.unhash(this);
    this.notifyClosed('normal');
  }

  /**
   * The host lost power: the socket is gone without a segment and without a
   * word to the application (which died with it); the peer learns only by
   * its own timeouts, or by the RST the rebooted host gives for no socket.
   */
  vanish(): void {
    this.cancelTimers();
    this.state = 'CLOSED';
    this.appClosed = true;
    this.notifiedClosed = true;
    this.ackPending = false;
    this.queued = false;
    this.stack.unhash(this);
  }

  /** Moves to CLOSED, tells the application (error first, then closed) and leaves the tables. */
  terminate(reason: TcpCloseReason, err: TcpError | null, why: string): void {
    if (this.state === 'CLOSED' && this.notifiedClosed) return;
    this.cancelTimers();
    this.leaveSynQueue();
    if (this.state !== 'CLOSED') this.setState('CLOSED', err ? `${why}: ${err}` : why);
    this.stack.unhash(this);
    if (this.queued && this.listener) this.listener.unqueue(this);
    this.ackPending = false;
    if (err) {
      this.error = err;
      const h = this.handlers;
      if (h && h.error) h.error(this, err);
    }
    this.notifyClosed(reason);
  }

  /** Gives back its SYN queue slot (the handshake completed or the request died). */
  protected leaveSynQueue(): void {
    if (!this.inSynQueue) return;
    this.inSynQueue = false;
    if (this.listener) this.listener.synQueue--;
  }

  protected notifyClosed(reason: TcpCloseReason): void {
    if (this.notifiedClosed) return;
    this.notifiedClosed = true;
    const h = this.handlers;
    if (h && h.closed) h.closed(this, reason);
  }

  protected cancelTimers(): void {
    const sim = this.sim();
    this.rtoAt = -1;
    this.tlpArmed = false;
    sim.cancel(this.rtoTimer);
    sim.cancel(this.delackTimer);
    sim.cancel(this.lingerTimer);
    this.rtoTimer = this.delackTimer = this.lingerTimer = null;
  }

  protected tsNow(): number {
    // Linux tcp_time_stamp_ts: a millisecond clock plus the connection's offset.
    return (Math.floor(this.now() / MS) + this.tsOffset) >>> 0;
  }

  protected now(): number {
    return this.stack.host.net.sim.now;
  }

  protected sim() {
    return this.stack.host.net.sim;
  }

  // ------------------------------------------------------------------ floors above (tcp-output.ts, tcp-input.ts)

  /** Handles the connection's own timers (tcp-output.ts). */
  abstract onEvent(kind: number, a: unknown): void;
  /** A segment for this connection arrived (tcp-input.ts). */
  abstract segment(ip: Ipv4, seg: Tcp, frame: Frame | null): void;
  /** An ICMP error about a segment of this connection; true when it mattered (tcp-input.ts). */
  abstract icmpError(icmp: Icmp, seq: number): boolean;
  /** Appends application bytes to the send queue (tcp-output.ts). */
  protected abstract write(bytes: Uint8Array): void;
  /** Sends what the windows allow (tcp-output.ts). */
  protected abstract push(): void;
  /** Queues a FIN after the data (tcp-output.ts). */
  protected abstract queueFin(): void;
  /** Sends one segment with these flags, sequence number and payload (tcp-output.ts). */
  protected abstract xmit(flags: number, seq: number, payload: Uint8Array): void;
}

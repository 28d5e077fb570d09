/**
 * One TCP connection: the RFC 9293 state machine with Linux's choices where
 * the RFC leaves room (net/ipv4/tcp_input.c, tcp_output.c, tcp_timer.c,
 * tcp_minisocks.c). See tcp.ts for the socket API and for what lblab
 * simplifies.
 *
 * Timers are events on the connection itself (retransmission, delayed ACK,
 * TIME_WAIT / FIN_WAIT_2 lifetime), so the hot path allocates no closures.
 * Application callbacks run after the segment's own ACK decision, as in
 * Linux where the application only runs once the softirq has finished.
 */
import { fmtIp } from '../wire/addr.js';
import { tcp as mkTcp } from '../wire/build.js';
import type { Icmp, Ipv4, Ipv4Addr, Tcp } from '../wire/types.js';
import { EMPTY, ICMP_TYPE, ICMP_UNREACH, TCP_FLAG } from '../wire/types.js';
import type { EventTarget, Timer } from '../sim/sim.js';
import type { Frame, StateChange } from '../trace/events.js';
import type { DropReason } from '../trace/reasons.js';
import type { Text } from '../trace/trace.js';
import type { Iface } from './iface.js';
import type { StackHost } from './stack-host.js';
import type { TcpCloseReason, TcpError, TcpState } from './tcp-types.js';
import {
  TCP_ADV_MSS,
  TCP_DEFAULT_MSS,
  TCP_DELACK,
  TCP_INIT_CWND,
  TCP_INVALID_RATELIMIT,
  TCP_MAX_QUICKACKS,
  TCP_RCV_WINDOW_ACTIVE,
  TCP_RCV_WINDOW_PASSIVE,
  TCP_RETRIES2,
  TCP_RTO_MAX,
  TCP_RTO_MIN,
  TCP_SYNACK_WINDOW,
  TCP_SYNACK_WINDOW_NO_TS,
  TCP_SYN_WINDOW,
  TCP_TIMEOUT_INIT,
  TCP_TIMEWAIT_LEN,
  TCPOLEN_TSTAMP_ALIGNED,
  TCP_WSCALE,
  dataOptions,
  parseSynOffer,
  segName,
  seqAdd,
  seqDiff,
  seqLe,
  seqLt,
  synOptions,
  tcpModelTimeout,
  tsvalOf,
} from './tcp-options.js';
import { MS, SEC } from '../sim/time.js';

const { FIN, SYN, RST, PSH, ACK } = TCP_FLAG;

/** Event kinds of a connection's timers. */
const EV_RTO = 1;
const EV_DELACK = 2;
const EV_LINGER = 3; // TIME_WAIT and orphaned FIN_WAIT_2 lifetime
const EV_FAIL = 4; // an error detected inside connect(), reported from an event

/** A segment of the send queue (Linux: an skb of the write or retransmit queue). */
interface OutSeg {
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
}

const NO_CHANGE: StateChange = Object.freeze({ what: 'note', detail: Object.freeze({}) }) as StateChange;

/** A TCP connection (an active or accepted socket, or a listener's half-open request). */
export class TcpConnection implements EventTarget {
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
  private sndWl1 = 0;
  private sndWl2 = 0;
  // receive sequence variables
  irs = 0;
  rcvNxt = 0;
  /** rcv_nxt when we last sent an ACK (Linux rcv_wup). */
  private rcvWup = 0;
  private rcvWnd: number;

  // negotiated options
  /** Payload bytes per segment we send (peer MSS less timestamp option). */
  sendMss = TCP_DEFAULT_MSS;
  private peerWscale = 0;
  private wsOk = false;
  private tsOk = false;
  private sackOk = false;
  private tsRecent = 0;
  private readonly tsOffset: number;

  // retransmission (RFC 6298, Linux icsk_rto / icsk_retransmits / total_rto / retrans_stamp)
  private rto = TCP_TIMEOUT_INIT;
  private srtt = -1;
  private rttvar = 0;
  private retransInRow = 0;
  private totalRto = 0;
  private retransStamp = -1;
  private synSentAt = 0;
  private rtoTimer: Timer | null = null;
  /** When the retransmission timer is due, or -1 when stopped; the Timer may fire earlier and re-arm (no allocation per ACK). */
  private rtoAt = -1;
  private delackTimer: Timer | null = null;
  private lingerTimer: Timer | null = null;
  private softError: TcpError | null = null;

  // send queue: q[0..unsent) are in flight, q[unsent..] wait; rtxIdx marks the next segment to resend after an RTO
  private q: OutSeg[] = [];
  private unsent = 0;
  private rtxIdx = 0;
  private writeSeq = 0;
  private cwnd = 0;
  private finSeq = -1;
  private preconnect: Uint8Array[] | null = null;

  // ACK policy (Linux icsk_ack: quick, pingpong, ato, lrcvtime)
  private ackPending = false;
  private quick = 0;
  private pingpong = false;
  private lastDataRcv = -1;
  private rcvMss = TCP_DEFAULT_MSS;
  private lastOow = -1;
  private synackTimeouts = 0;

  /** IP id counter of the socket (Linux inet_id), or ids of 0 once it is a mini socket. */
  private ipId = 0;
  private minisock = false;
  private appClosed = false;
  private notifiedClosed = false;
  private rxWaiting: Uint8Array[] | null = null;
  private finWaiting = false;
  /** True once registered in the stack's connection table. */
  hashed = false;
  /** True while in the listener's accept queue. */
  queued = false;

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
    // Linux: the timestamp clock of a connection starts at a random offset (tcp_ts_off).
    this.tsOffset = stack.host.rng.next();
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

  // ------------------------------------------------------------------ opening

  /** Active open (tcp_v4_connect + tcp_connect): sends the SYN. */
  startConnect(): void {
    const rng = this.stack.host.rng;
    this.iss = rng.next();
    this.sndUna = this.iss;
    this.sndNxt = seqAdd(this.iss, 1);
    this.writeSeq = this.sndNxt;
    this.ipId = rng.int(65536); // Linux tcp_v4_connect: inet_id = get_random_u16()
    this.setState('SYN_SENT', 'connect() sends a SYN');
    this.synSentAt = this.now();
    this.retransStamp = this.synSentAt;
    this.sendSyn();
    this.armRto(this.rto);
  }

  /** Reports an error found inside connect() (no route: ENETUNREACH) from an event at the current time. */
  failSoon(err: TcpError): void {
    this.sim().timer(0, this, EV_FAIL, err);
  }

  /** Passive open on a SYN (tcp_conn_request): records the offer and sends the SYN-ACK. */
  startPassive(seg: Tcp): void {
    const host = this.stack.host;
    const offer = parseSynOffer(seg);
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.rcvWup = this.rcvNxt;
    this.iss = host.rng.next();
    this.sndUna = this.iss;
    this.sndNxt = seqAdd(this.iss, 1);
    this.writeSeq = this.sndNxt;
    this.negotiate(offer, seg.window);
    this.setState('SYN_RECEIVED', 'a SYN arrived on a listening port; it answers SYN-ACK');
    this.synSentAt = this.now();
    this.sendSynAck();
    this.armRto(TCP_TIMEOUT_INIT);
  }

  private negotiate(offer: ReturnType<typeof parseSynOffer>, window: number): void {
    const sys = this.stack.host.sysctl;
    this.tsOk = sys.get('net.ipv4.tcp_timestamps') !== 0 && offer.tsval !== null;
    if (offer.tsval !== null) this.tsRecent = offer.tsval;
    this.sackOk = sys.get('net.ipv4.tcp_sack') !== 0 && offer.sackOk;
    this.wsOk = sys.get('net.ipv4.tcp_window_scaling') !== 0 && offer.wscale !== null;
    this.peerWscale = this.wsOk ? offer.wscale! : 0;
    // RFC 9293 3.7.1 / Linux tcp_sync_mss: the smaller MSS, less the aligned timestamp option.
    this.sendMss = Math.min(offer.mss ?? TCP_DEFAULT_MSS, TCP_ADV_MSS) - (this.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
    this.sndWnd = window; // RFC 7323 2.2: the window of a SYN is never scaled
    this.cwnd = TCP_INIT_CWND * this.sendMss; // RFC 6928 IW10
  }

  private sendSyn(): void {
    const sys = this.stack.host.sysctl;
    const ts = sys.get('net.ipv4.tcp_timestamps') !== 0 ? { tsval: this.tsNow(), tsecr: 0 } : null;
    const opts = synOptions(sys.get('net.ipv4.tcp_sack') !== 0, ts, sys.get('net.ipv4.tcp_window_scaling') !== 0);
    const seg = mkTcp(this.localAddr, this.remoteAddr, {
      sport: this.localPort,
      dport: this.remotePort,
      seq: this.iss,
      ack: 0,
      flags: SYN,
      window: TCP_SYN_WINDOW, // Linux: 65535 rounded down to 44 * MSS
      options: opts,
    });
    this.segsOut++;
    const id = this.ipId;
    this.ipId = (id + 1) & 0xffff;
    this.stack.host.sendPayload(this.localAddr, this.remoteAddr, seg, { df: true, id });
  }

  private sendSynAck(): void {
    const opts = synOptions(this.sackOk, this.tsOk ? { tsval: this.tsNow(), tsecr: this.tsRecent } : null, this.wsOk);
    const seg = mkTcp(this.localAddr, this.remoteAddr, {
      sport: this.localPort,
      dport: this.remotePort,
      seq: this.iss,
      ack: this.rcvNxt,
      flags: SYN | ACK,
      window: this.tsOk ? TCP_SYNACK_WINDOW : TCP_SYNACK_WINDOW_NO_TS,
      options: opts,
    });
    this.segsOut++;
    // Linux ip_build_and_send_pkt: a SYN-ACK leaves from the request socket with DF and IP id 0.
    this.stack.host.sendPayload(this.localAddr, this.remoteAddr, seg, { df: true, id: 0 });
  }

  // ------------------------------------------------------------------ input

  /** Processes a segment for this connection (after the checksum and the table lookup). */
  segment(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
    this.segsIn++;
    switch (this.state) {
      case 'SYN_SENT':
        this.synSent(ip, seg, frame);
        return;
      case 'SYN_RECEIVED':
        this.synReceived(ip, seg, frame);
        return;
      case 'TIME_WAIT':
        this.timeWait(ip, seg, frame);
        return;
      case 'CLOSED':
      case 'LISTEN':
        this.stack.noSocket(ip, seg, frame);
        return;
      default:
        this.synchronized(ip, seg, frame);
    }
  }

  /** RFC 9293 3.10.7.3, Linux tcp_rcv_synsent_state_process. */
  private synSent(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
    const f = seg.flags;
    const stack = this.stack;
    if (f & ACK) {
      // RFC 9293: an ACK outside (ISS, SND.NXT] is unacceptable; answer RST unless it is one.
      if (seg.ack !== this.sndNxt) {
        if (f & RST) {
          stack.drop(frame, 'tcp-rst-ignored', () => `${stack.host.name}: the RST from ${fmtIp(ip.src)}:${seg.sport} acknowledges ${seg.ack}, not its SYN (${this.sndNxt}); it is ignored`);
          return;
        }
        stack.drop(frame, 'tcp-bad-ack', () => `${stack.host.name}: the ${segName(seg)} from ${fmtIp(ip.src)}:${seg.sport} acknowledges ${seg.ack}, not its SYN (${this.sndNxt}); it answers RST`);
        stack.sendReset(ip, seg);
        return;
      }
    }
    if (f & RST) {
      if (!(f & ACK)) {
        stack.drop(frame, 'tcp-rst-ignored', () => `${stack.host.name}: an RST without ACK cannot refuse a connection in SYN_SENT; it is ignored`);
        return;
      }
      stack.delivered(ip, seg, frame);
      this.terminate('error', 'ECONNREFUSED', `${fmtIp(ip.src)}:${seg.sport} refused the connection (RST|ACK)`);
      return;
    }
    if (!(f & SYN) || !(f & ACK)) {
      // A bare SYN would be a simultaneous open, which lblab does not model.
      stack.drop(frame, 'tcp-closed', () => `${stack.host.name} waits for a SYN-ACK on ${this.name}; a ${segName(seg)} is ignored`);
      return;
    }
    stack.delivered(ip, seg, frame);
    this.negotiate(parseSynOffer(seg), seg.window);
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.rcvWup = this.rcvNxt;
    this.sndUna = seg.ack;
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
    this.rcvWnd = this.wsOk ? TCP_RCV_WINDOW_ACTIVE : TCP_SYN_WINDOW;
    this.handshakeDone();
    this.setState('ESTABLISHED', 'the SYN-ACK arrived; it sends the third ACK');
    this.xmit(ACK, this.sndNxt, EMPTY); // Linux tcp_rcv_synsent_state_process: tcp_send_ack at once
    const h = this.handlers;
    if (h && h.connected) h.connected(this);
    const pre = this.preconnect;
    this.preconnect = null;
    if (pre && this.state === 'ESTABLISHED') {
      for (const b of pre) this.write(b);
      this.push();
    }
  }

  /** Stops the SYN / SYN-ACK timer and takes the handshake's RTT sample unless it was retransmitted (Karn). */
  private handshakeDone(): void {
    this.stopRto();
    if (this.retransInRow === 0 && this.synackTimeouts === 0) this.rttSample(this.now() - this.synSentAt);
    else this.rto = TCP_TIMEOUT_INIT;
    this.retransInRow = 0;
    this.retransStamp = -1;
    this.establishedAt = this.now();
  }

  /** A listener's half-open connection (Linux tcp_check_req on a request socket). */
  private synReceived(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
    const f = seg.flags;
    const stack = this.stack;
    const host = stack.host;
    const len = seg.payload.length + (f & SYN ? 1 : 0) + (f & FIN ? 1 : 0);
    // A retransmitted SYN: send the SYN-ACK again (inet_rtx_syn_ack), at most once per 500 ms (tcp_oow_rate_limited).
    if ((f & (SYN | ACK | RST)) === SYN && seg.seq === this.irs) {
      stack.delivered(ip, seg, frame);
      const now = this.now();
      if (this.lastOow < 0 || now - this.lastOow >= TCP_INVALID_RATELIMIT) {
        this.lastOow = now;
        this.retransmits++;
        this.sendSynAck();
        this.armRto(Math.min(TCP_TIMEOUT_INIT * 2 ** this.synackTimeouts, TCP_RTO_MAX)); // mod_timer_pending in tcp_check_req
      }
      return;
    }
    // An ACK that does not acknowledge the SYN-ACK: the listener answers RST (tcp_check_req returns the listener).
    if (f & ACK && seg.ack !== this.sndNxt) {
      if (f & RST) {
        stack.drop(frame, 'tcp-rst-ignored', () => `${host.name}: an RST with a wrong ACK for the half-open ${this.name} is ignored`);
        return;
      }
      stack.drop(frame, 'tcp-bad-ack', () => `${host.name}: the ACK ${seg.ack} from ${fmtIp(ip.src)}:${seg.sport} does not acknowledge its SYN-ACK (${this.sndNxt}); it answers RST`);
      stack.sendReset(ip, seg);
      return;
    }
    const end = seqAdd(seg.seq, len);
    const inWindow = seg.seq === this.rcvNxt || (seqLt(this.rcvNxt, end) && seqLt(seg.seq, seqAdd(this.rcvNxt, this.rcvWnd)));
    if (!inWindow) {
      stack.drop(frame, 'tcp-out-of-window', () => `${host.name}: the ${segName(seg)} for the half-open ${this.name} is outside its window`);
      return;
    }
    if (f & RST) {
      // Linux tcp_check_req "embryonic_reset": the request is dropped without a word.
      stack.delivered(ip, seg, frame);
      this.terminate('reset', null, `an RST from ${fmtIp(ip.src)}:${seg.sport} ends the half-open connection`);
      return;
    }
    if (f & SYN) {
      stack.drop(frame, 'tcp-challenge-ack', () => `${host.name}: a new SYN inside the window of the half-open ${this.name}; it answers RST and drops the request`);
      stack.sendReset(ip, seg);
      this.terminate('reset', null, 'a second SYN with another sequence number reset the half-open connection');
      return;
    }
    if (!(f & ACK)) {
      stack.drop(frame, 'tcp-bad-ack', () => `${host.name}: a segment without ACK cannot complete the handshake of ${this.name}`);
      return;
    }
    const l = this.listener;
    if (l && l.queueFull()) {
      // Linux tcp_abort_on_overflow=0: the ACK is dropped and the request stays; the client's next segment retries.
      stack.drop(frame, 'tcp-listen-overflow', () => `the accept queue of ${host.name}:${l.port} is full (backlog ${l.backlog}); the ACK that completes ${this.name} is dropped`);
      return;
    }
    this.sndUna = seg.ack;
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
    this.sndWnd = seg.window << this.peerWscale;
    this.rcvWnd = this.wsOk ? TCP_RCV_WINDOW_PASSIVE : TCP_SYNACK_WINDOW;
    this.ipId = host.rng.int(65536); // Linux tcp_v4_syn_recv_sock: the child's inet_id = get_random_u16()
    this.handshakeDone();
    this.setState('ESTABLISHED', 'the ACK of its SYN-ACK arrived');
    if (l) l.established(this);
    if (this.state !== 'ESTABLISHED') return; // the application may have closed or aborted it at once
    this.synchronized(ip, seg, frame);
  }

  /** RFC 9293 3.10.7.4 for every synchronized state (Linux tcp_rcv_established / tcp_rcv_state_process). */
  private synchronized(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
    const stack = this.stack;
    const host = stack.host;
    const f = seg.flags;
    const dlen = seg.payload.length;
    const end = seqAdd(seg.seq, dlen + (f & FIN ? 1 : 0));
    // 1. Sequence check (Linux tcp_sequence): not wholly before rcv_wup, not beyond the window.
    if (seqLt(end, this.rcvWup) || seqLt(seqAdd(this.rcvNxt, this.rcvWnd), seg.seq)) {
      stack.drop(frame, 'tcp-out-of-window', () => `${host.name}: the ${segName(seg)} (seq ${seg.seq}) from ${fmtIp(ip.src)}:${seg.sport} is outside the receive window of ${this.name} (next ${this.rcvNxt})`);
      if (!(f & RST)) this.oowAck(); // RFC 9293: answer an unacceptable segment with an ACK
      return;
    }
    // 2. RST (RFC 5961 3.2): only an exact match resets; anything else in the window gets a challenge ACK.
    if (f & RST) {
      if (seg.seq !== this.rcvNxt) {
        stack.drop(frame, 'tcp-challenge-ack', () => `${host.name}: an RST with seq ${seg.seq} is in the window of ${this.name} but not at ${this.rcvNxt}; it answers a challenge ACK (RFC 5961)`);
        this.oowAck();
        return;
      }
      stack.delivered(ip, seg, frame);
      this.terminate('error', 'ECONNRESET', `${fmtIp(ip.src)}:${seg.sport} reset the connection (RST)`);
      return;
    }
    // 3. SYN on a synchronized connection (RFC 5961 4.2): challenge ACK.
    if (f & SYN) {
      stack.drop(frame, 'tcp-challenge-ack', () => `${host.name}: a SYN on the established ${this.name}; it answers a challenge ACK (RFC 5961)`);
      this.oowAck();
      return;
    }
    if (!(f & ACK)) {
      stack.drop(frame, 'tcp-bad-ack', () => `${host.name}: a segment without ACK on ${this.name} is discarded`);
      return;
    }
    // 4. ACK processing (Linux tcp_ack).
    const ack = seg.ack;
    if (seqLt(this.sndNxt, ack)) {
      stack.drop(frame, 'tcp-bad-ack', () => `${host.name}: the ACK ${ack} on ${this.name} acknowledges data never sent (SND.NXT ${this.sndNxt})`);
      return;
    }
    stack.delivered(ip, seg, frame);
    const tsv = this.tsOk ? tsvalOf(seg) : null;
    if (tsv !== null && seqLe(seg.seq, this.rcvWup)) this.tsRecent = tsv; // RFC 7323 4.3
    // RFC 9293 3.10.7.4: update the send window from the newest segment.
    if (seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqLe(this.sndWl2, ack))) {
      this.sndWnd = seg.window << this.peerWscale;
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
    }
    if (seqLt(this.sndUna, ack)) this.ackedNew(ack, seg);
    if (this.state === 'CLOSED') return;
    const finAcked = this.finSeq >= 0 && ack === seqAdd(this.finSeq, 1);
    if (finAcked) {
      switch (this.state) {
        case 'FIN_WAIT_1':
          this.setState('FIN_WAIT_2', 'the peer acknowledged its FIN');
          if (!(f & FIN)) this.orphanFinWait2();
          break;
        case 'CLOSING':
          this.enterTimeWait('the peer acknowledged its FIN');
          return;
        case 'LAST_ACK':
          this.terminate('normal', null, 'the peer acknowledged its FIN');
          return;
        default:
          break;
      }
    }
    // 5. Data.
    let delivered: Uint8Array | null = null;
    let forceAck = false;
    if (dlen > 0) {
      const st = this.state;
      if (st !== 'ESTABLISHED' && st !== 'FIN_WAIT_1' && st !== 'FIN_WAIT_2') {
        stack.drop(frame, 'tcp-closed', () => `${host.name}: data after the peer's FIN on ${this.name} is ignored`);
        return;
      }
      if (this.appClosed && seqLt(this.rcvNxt, end)) {
        // Linux tcp_rcv_state_process: new data after close() resets the connection.
        stack.drop(frame, 'tcp-closed', () => `${host.name} closed ${this.name}; new data from ${fmtIp(ip.src)}:${seg.sport} is answered with RST`);
        stack.sendReset(ip, seg);
        this.terminate('reset', null, 'data arrived after the application closed the socket');
        return;
      }
      const off = seqDiff(this.rcvNxt, seg.seq);
      if (off < 0) {
        // Out of order: lblab does not queue it; an immediate duplicate ACK asks for the gap (RFC 5681 4.2).
        stack.drop(frame, 'tcp-out-of-order', () => `${host.name}: data at seq ${seg.seq} arrived before ${this.rcvNxt} on ${this.name}; it is dropped and a duplicate ACK sent`);
        this.xmit(ACK, this.sndNxt, EMPTY);
        return;
      }
      if (off >= dlen) {
        forceAck = true; // Linux tcp_data_queue: a retransmission of received data forces an immediate ACK
      } else {
        const bytes = off === 0 ? seg.payload : seg.payload.subarray(off);
        this.rcvNxt = seqAdd(this.rcvNxt, bytes.length);
        this.bytesReceived += bytes.length;
        if (dlen > this.rcvMss) this.rcvMss = Math.min(dlen, TCP_ADV_MSS);
        // Linux tcp_event_data_recv: the first data starts quick-ACK mode (tcp_incr_quickack).
        if (this.lastDataRcv < 0) this.quick = Math.min(Math.floor(this.rcvWnd / (2 * TCP_DEFAULT_MSS)), TCP_MAX_QUICKACKS);
        this.lastDataRcv = this.now();
        this.ackPending = true;
        delivered = bytes;
      }
    }
    // 6. FIN, in order only.
    let peerFin = false;
    if (f & FIN && seqAdd(seg.seq, dlen) === this.rcvNxt) {
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      this.ackPending = true;
      peerFin = true;
      switch (this.state) {
        case 'ESTABLISHED':
          this.setState('CLOSE_WAIT', 'the peer sent FIN');
          // Linux tcp_fin: pingpong mode, so the ACK waits for the application's own FIN.
          this.pingpong = true;
          this.ackDecision(false);
          break;
        case 'FIN_WAIT_1':
          this.xmit(ACK, this.sndNxt, EMPTY);
          this.setState('CLOSING', 'FINs crossed');
          break;
        case 'FIN_WAIT_2':
          this.xmit(ACK, this.sndNxt, EMPTY);
          this.enterTimeWait('the peer sent FIN');
          break;
        default:
          break;
      }
    } else if (f & FIN && dlen === 0 && !seqLt(this.rcvNxt, end)) {
      forceAck = true; // a retransmitted FIN: acknowledge again
    }
    if (!peerFin && (this.ackPending || forceAck)) this.ackDecision(forceAck);
    // 7. The application runs last.
    const h = this.handlers;
    if (delivered) {
      if (h) h.data?.(this, delivered);
      else (this.rxWaiting ??= []).push(delivered);
    }
    if (peerFin && !((this.state as TcpState) === 'CLOSED' && this.notifiedClosed)) {
      if (h) h.peerClosed?.(this);
      else this.finWaiting = true;
    }
  }

  /** Linux tcp_timewait_state_process for a socket in TIME_WAIT. */
  private timeWait(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
    const stack = this.stack;
    const f = seg.flags;
    if (f & RST) {
      if (seg.seq === this.rcvNxt) {
        stack.delivered(ip, seg, frame);
        this.finish('an RST ended TIME_WAIT early (tcp_rfc1337=0)');
      } else {
        stack.drop(frame, 'tcp-rst-ignored', () => `${stack.host.name}: an out-of-window RST for ${this.name} in TIME_WAIT is ignored`);
      }
      return;
    }
    if ((f & (SYN | ACK)) === SYN && seqLt(this.rcvNxt, seg.seq)) {
      // TCP_TW_SYN: a new SYN above the old sequence space may reuse the 4-tuple.
      this.finish('a new SYN reuses the 4-tuple');
      stack.input(ip, frame, null);
      return;
    }
    stack.delivered(ip, seg, frame);
    if (seg.seq === this.rcvNxt && seg.payload.length === 0 && !(f & (SYN | FIN))) {
      this.lingerFor(TCP_TIMEWAIT_LEN); // an in-window bare ACK: nothing to answer
      return;
    }
    // A retransmitted FIN or anything out of window: ACK again (rate-limited) and restart the 2*MSL timer.
    if (f & ACK) this.lingerFor(TCP_TIMEWAIT_LEN);
    this.oowAck();
  }

  // ------------------------------------------------------------------ output

  private write(bytes: Uint8Array): void {
    const mss = this.sendMss;
    let at = 0;
    const n = bytes.length;
    if (n === 0) return;
    // Linux tcp_sendmsg: fill the unsent tail segment first.
    const q = this.q;
    const tail = q.length > this.unsent ? q[q.length - 1]! : null;
    if (tail && !tail.fin && tail.data.length < mss) {
      const take = Math.min(mss - tail.data.length, n);
      const merged = new Uint8Array(tail.data.length + take);
      merged.set(tail.data, 0);
      merged.set(bytes.subarray(0, take), tail.data.length);
      tail.data = merged;
      tail.psh = false;
      at = take;
      this.writeSeq = seqAdd(this.writeSeq, take);
    }
    while (at < n) {
      const take = Math.min(mss, n - at);
      q.push({ seq: this.writeSeq, data: take === n && at === 0 ? bytes : bytes.subarray(at, at + take), fin: false, psh: false, sentAt: -1, rexmit: false });
      this.writeSeq = seqAdd(this.writeSeq, take);
      at += take;
    }
    q[q.length - 1]!.psh = true; // Linux tcp_push: PSH on the last segment of a write
  }

  private queueFin(): void {
    const q = this.q;
    const tail = q.length > this.unsent ? q[q.length - 1]! : null;
    // Linux tcp_send_fin: the FIN rides on the last segment if it has not left yet.
    if (tail && !tail.fin) tail.fin = true;
    else q.push({ seq: this.writeSeq, data: EMPTY, fin: true, psh: false, sentAt: -1, rexmit: false });
    this.finSeq = this.writeSeq;
    this.writeSeq = seqAdd(this.writeSeq, 1);
    this.push();
  }

  /** Sends what the congestion and receive windows allow: retransmissions after an RTO first, then new segments. */
  private push(): void {
    const q = this.q;
    const wnd = Math.min(this.cwnd, this.sndWnd);
    while (this.rtxIdx < this.unsent) {
      const s = q[this.rtxIdx]!;
      if (seqDiff(s.seq, this.sndUna) + s.data.length > this.cwnd) return;
      this.sendSeg(s);
      this.rtxIdx++;
    }
    while (this.unsent < q.length) {
      const s = q[this.unsent]!;
      const inflight = seqDiff(this.sndNxt, this.sndUna);
      if (s.data.length > 0 && inflight + s.data.length > wnd && inflight > 0) return;
      this.sendSeg(s);
      this.unsent++;
      this.rtxIdx = this.unsent;
      const end = seqAdd(s.seq, s.data.length + (s.fin ? 1 : 0));
      if (seqLt(this.sndNxt, end)) this.sndNxt = end;
      if (this.rtoAt < 0) this.armRto(this.rto);
    }
  }

  private sendSeg(s: OutSeg): void {
    const now = this.now();
    if (s.sentAt >= 0) {
      s.rexmit = true;
      this.retransmits++;
    } else if (s.data.length > 0 && this.lastDataRcv >= 0 && now - this.lastDataRcv < TCP_DELACK) {
      // Linux tcp_event_data_sent: a reply within the ACK timeout of the last data means an interactive (pingpong) exchange.
      this.pingpong = true;
    }
    s.sentAt = now;
    this.xmit(ACK | (s.psh ? PSH : 0) | (s.fin ? FIN : 0), s.seq, s.data);
  }

  /** Builds and sends one segment of this connection (Linux tcp_transmit_skb). */
  private xmit(flags: number, seq: number, payload: Uint8Array): void {
    const hasAck = (flags & ACK) !== 0;
    const seg = mkTcp(this.localAddr, this.remoteAddr, {
      sport: this.localPort,
      dport: this.remotePort,
      seq,
      ack: hasAck ? this.rcvNxt : 0,
      flags,
      window: this.wsOk ? this.rcvWnd >>> TCP_WSCALE : Math.min(this.rcvWnd, 0xffff),
      options: dataOptions(this.tsOk, this.tsNow(), this.tsRecent),
      payload,
    });
    if (hasAck) {
      this.rcvWup = this.rcvNxt;
      if (this.ackPending) {
        this.ackPending = false;
        if (this.quick > 0) this.quick--; // Linux tcp_dec_quickack_mode
      }
      if (this.delackTimer) {
        this.sim().cancel(this.delackTimer);
        this.delackTimer = null;
      }
    }
    this.segsOut++;
    let id = 0;
    if (!this.minisock) {
      // Linux ip_select_ident_segs: a connected socket numbers its packets from its own counter.
      id = this.ipId;
      this.ipId = (id + 1) & 0xffff;
    }
    // A TIME_WAIT / orphaned FIN_WAIT_2 mini socket replies through the control socket: id 0 (ip_send_unicast_reply).
    this.stack.host.sendPayload(this.localAddr, this.remoteAddr, seg, { df: true, id });
  }

  /** Linux __tcp_ack_snd_check: ACK now (quick-ACK mode, two full segments, or forced) or arm the delayed-ACK timer. */
  private ackDecision(force: boolean): void {
    const quickMode = this.quick > 0 && !this.pingpong;
    if (force || quickMode || seqDiff(this.rcvNxt, this.rcvWup) > this.rcvMss) {
      this.xmit(ACK, this.sndNxt, EMPTY);
      return;
    }
    if (this.delackTimer === null) this.delackTimer = this.sim().timer(TCP_DELACK, this, EV_DELACK);
  }

  /** Answers an out-of-window segment with an ACK, at most once per 500 ms (tcp_oow_rate_limited). */
  private oowAck(): void {
    const now = this.now();
    if (this.lastOow >= 0 && now - this.lastOow < TCP_INVALID_RATELIMIT) return;
    this.lastOow = now;
    this.xmit(ACK, this.sndNxt, EMPTY);
  }

  /** New data acknowledged (Linux tcp_ack / tcp_clean_rtx_queue). */
  private ackedNew(ack: number, _seg: Tcp): void {
    const acked = seqDiff(ack, this.sndUna);
    this.sndUna = ack;
    const q = this.q;
    let sample = -1;
    let n = 0;
    while (n < this.unsent) {
      const s = q[n]!;
      const end = seqAdd(s.seq, s.data.length + (s.fin ? 1 : 0));
      if (!seqLe(end, ack)) break;
      if (!s.rexmit) sample = this.now() - s.sentAt;
      n++;
    }
    if (n > 0) {
      q.splice(0, n);
      this.unsent -= n;
      this.rtxIdx = Math.max(0, this.rtxIdx - n);
    }
    if (sample >= 0) this.rttSample(sample);
    else if (this.srtt >= 0) this.rto = this.rtoFromEstimate();
    else this.rto = TCP_TIMEOUT_INIT;
    this.retransInRow = 0;
    this.retransStamp = -1;
    this.cwnd += acked; // slow start, without a ssthresh (see tcp.ts)
    if (this.sndUna !== this.sndNxt) this.armRto(this.rto); // RFC 6298 5.3
    else this.stopRto(); // RFC 6298 5.2
    this.push();
  }

  /** RFC 6298 2.2-2.3 with Linux's floor: RTO = SRTT + max(4 * RTTVAR, TCP_RTO_MIN) (tcp_rtt_estimator, tcp_set_rto). */
  private rttSample(r: number): void {
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = this.rtoFromEstimate();
  }

  private rtoFromEstimate(): number {
    const rto = Math.round(this.srtt + Math.max(4 * this.rttvar, TCP_RTO_MIN));
    return Math.min(Math.max(rto, TCP_RTO_MIN), TCP_RTO_MAX);
  }

  // ------------------------------------------------------------------ timers

  /** Handles the connection's own timers (retransmission, delayed ACK, TIME_WAIT, deferred connect error). */
  onEvent(kind: number, a: unknown): void {
    switch (kind) {
      case EV_RTO: {
        this.rtoTimer = null;
        const at = this.rtoAt;
        if (at < 0) return;
        if (this.now() < at) {
          this.rtoTimer = this.sim().at(at, this, EV_RTO); // the deadline moved on since this event was set
          return;
        }
        this.rtoAt = -1;
        this.retransmitTimer();
        return;
      }
      case EV_DELACK:
        this.delackTimer = null;
        if (this.ackPending && this.state !== 'CLOSED') {
          // Linux tcp_delack_timer_handler: a missed delayed ACK leaves pingpong mode.
          this.pingpong = false;
          this.xmit(ACK, this.sndNxt, EMPTY);
        }
        return;
      case EV_LINGER:
        this.lingerTimer = null;
        this.finish(this.state === 'TIME_WAIT' ? 'TIME_WAIT (2*MSL = 60 s) is over' : 'no FIN came within tcp_fin_timeout');
        return;
      case EV_FAIL:
        this.terminate('error', a as TcpError, 'no route to the destination');
        return;
      default:
        return;
    }
  }

  /** Linux tcp_retransmit_timer / tcp_write_timeout / reqsk_timer_handler. */
  private retransmitTimer(): void {
    const sys = this.stack.host.sysctl;
    const now = this.now();
    switch (this.state) {
      case 'SYN_SENT': {
        const retries = sys.get('net.ipv4.tcp_syn_retries');
        const linear = sys.get('net.ipv4.tcp_syn_linear_timeouts');
        // tcp_write_timeout: SYN_SENT may retransmit tcp_syn_retries + tcp_syn_linear_timeouts times,
        // and gives up once tcp_model_timeout(tcp_syn_retries, 1 s) has passed since the first SYN.
        const expired = this.retransInRow >= retries + linear || (this.retransInRow > 0 && now - this.retransStamp >= tcpModelTimeout(retries, TCP_TIMEOUT_INIT));
        if (expired) {
          this.terminate('error', this.softError ?? 'ETIMEDOUT', `no answer to ${this.retransInRow + 1} SYNs`);
          return;
        }
        this.sendSyn();
        this.retransmits++;
        this.retransInRow++;
        this.totalRto++;
        // tcp_retransmit_timer: in SYN_SENT the timeout stays linear while total_rto <= tcp_syn_linear_timeouts.
        if (this.totalRto > linear) this.rto = Math.min(this.rto * 2, TCP_RTO_MAX);
        this.armRto(this.rto);
        return;
      }
      case 'SYN_RECEIVED': {
        // reqsk_timer_handler: tcp_synack_retries resends, 1 s doubling, then the request is dropped.
        if (this.synackTimeouts >= sys.get('net.ipv4.tcp_synack_retries')) {
          this.terminate('error', null, `no ACK after ${this.synackTimeouts + 1} SYN-ACKs; the half-open connection is dropped`);
          return;
        }
        this.sendSynAck();
        this.retransmits++;
        this.synackTimeouts++;
        this.armRto(Math.min(TCP_TIMEOUT_INIT * 2 ** this.synackTimeouts, TCP_RTO_MAX));
        return;
      }
      case 'ESTABLISHED':
      case 'CLOSE_WAIT':
      case 'FIN_WAIT_1':
      case 'CLOSING':
      case 'LAST_ACK': {
        if (this.unsent === 0) return;
        const head = this.q[0]!;
        if (this.retransStamp < 0) this.retransStamp = head.sentAt;
        // tcp_write_timeout: give up once tcp_retries2 back-offs from TCP_RTO_MIN have elapsed (about 924.6 s).
        if (this.retransInRow > 0 && now - this.retransStamp >= tcpModelTimeout(TCP_RETRIES2, TCP_RTO_MIN)) {
          this.terminate('error', this.softError ?? 'ETIMEDOUT', 'the peer stopped acknowledging data');
          return;
        }
        // tcp_enter_loss: the window collapses to one segment; the rest is resent as ACKs return.
        this.cwnd = this.sendMss;
        this.rtxIdx = 0;
        this.sendSeg(head);
        this.rtxIdx = 1;
        this.retransInRow++;
        this.rto = Math.min(this.rto * 2, TCP_RTO_MAX); // RFC 6298 5.5
        this.armRto(this.rto);
        return;
      }
      default:
        return;
    }
  }

  // ------------------------------------------------------------------ ICMP

  /** An ICMP error about a segment of this connection (Linux tcp_v4_err); `seq` is the quoted sequence number. */
  icmpError(icmp: Icmp, seq: number): boolean {
    const err = icmpErrno(icmp);
    if (err === null) return false;
    if (this.state === 'SYN_RECEIVED') {
      // tcp_req_err: only a fatal error about our SYN-ACK drops the request.
      if (seq !== this.iss || !err.fatal) return false;
      this.terminate('error', null, `ICMP ${icmpName(icmp)} about the SYN-ACK`);
      return true;
    }
    if (seqLt(seq, this.sndUna) || seqLt(this.sndNxt, seq)) return false; // not about anything in flight
    if (this.state === 'SYN_SENT') {
      this.terminate('error', err.errno, `ICMP ${icmpName(icmp)} came back for the SYN`);
      return true;
    }
    // An established socket keeps a soft error, reported only if it times out (inet->recverr = 0).
    this.softError = err.errno;
    return true;
  }

  // ------------------------------------------------------------------ state

  private setState(to: TcpState, why: string): void {
    const from = this.state;
    this.state = to;
    const trace = this.stack.host.net.trace;
    if (trace.detailed) {
      const host = this.stack.host.name;
      trace.state(host, { what: 'tcp', conn: this.name, from, to }, `${host} ${this.name}: ${from} -> ${to} (${why})`);
    } else {
      trace.state(this.stack.host.name, NO_CHANGE, '');
    }
  }

  private enterTimeWait(why: string): void {
    this.cancelTimers();
    this.setState('TIME_WAIT', why);
    this.minisock = true; // Linux tcp_time_wait: the socket becomes a timewait mini socket
    this.lingerFor(TCP_TIMEWAIT_LEN);
    this.notifyClosed('normal');
  }

  /** An orphaned FIN_WAIT_2 becomes a mini socket that lives tcp_fin_timeout (Linux tcp_time_wait(sk, TCP_FIN_WAIT2, tmo)). */
  private orphanFinWait2(): void {
    this.minisock = true;
    this.stopRto();
    this.lingerFor(this.stack.host.sysctl.get('net.ipv4.tcp_fin_timeout') * SEC);
  }

  /** (Re)starts the retransmission timer `d` from now; an already queued earlier event re-arms itself when it fires. */
  private armRto(d: number): void {
    const at = this.now() + d;
    this.rtoAt = at;
    const t = this.rtoTimer;
    if (t && t.pending && !t.cancelled && t.time <= at) return;
    this.sim().cancel(t);
    this.rtoTimer = this.sim().at(at, this, EV_RTO);
  }

  private stopRto(): void {
    this.rtoAt = -1;
    this.sim().cancel(this.rtoTimer);
    this.rtoTimer = null;
  }

  private lingerFor(d: number): void {
    this.sim().cancel(this.lingerTimer);
    this.lingerTimer = this.sim().timer(d, this, EV_LINGER);
  }

  /** Ends TIME_WAIT / FIN_WAIT_2 quietly. */
  private finish(why: string): void {
    this.cancelTimers();
    this.setState('CLOSED', why);
    this.stack.unhash(this);
    this.notifyClosed('normal');
  }

  /** Moves to CLOSED, tells the application (error first, then closed) and leaves the tables. */
  terminate(reason: TcpCloseReason, err: TcpError | null, why: string): void {
    if (this.state === 'CLOSED' && this.notifiedClosed) return;
    this.cancelTimers();
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

  private notifyClosed(reason: TcpCloseReason): void {
    if (this.notifiedClosed) return;
    this.notifiedClosed = true;
    const h = this.handlers;
    if (h && h.closed) h.closed(this, reason);
  }

  private cancelTimers(): void {
    const sim = this.sim();
    this.rtoAt = -1;
    sim.cancel(this.rtoTimer);
    sim.cancel(this.delackTimer);
    sim.cancel(this.lingerTimer);
    this.rtoTimer = this.delackTimer = this.lingerTimer = null;
  }

  private tsNow(): number {
    // Linux tcp_time_stamp_ts: a millisecond clock plus the connection's offset.
    return (Math.floor(this.now() / MS) + this.tsOffset) >>> 0;
  }

  private now(): number {
    return this.stack.host.net.sim.now;
  }

  private sim() {
    return this.stack.host.net.sim;
  }
}

/** Linux icmp_err_convert (net/ipv4/icmp.c) reduced to the errors lblab reports; null for what TCP ignores. */
function icmpErrno(icmp: Icmp): { errno: TcpError; fatal: boolean } | null {
  if (icmp.type === ICMP_TYPE.TIME_EXCEEDED) return { errno: 'EHOSTUNREACH', fatal: false }; // tcp_v4_err
  if (icmp.type !== ICMP_TYPE.DEST_UNREACH) return null;
  switch (icmp.code) {
    case ICMP_UNREACH.NET:
    case 11: // network unreachable for TOS
      return { errno: 'ENETUNREACH', fatal: false };
    case ICMP_UNREACH.HOST:
    case 12: // host unreachable for TOS
      return { errno: 'EHOSTUNREACH', fatal: false };
    case ICMP_UNREACH.PROTOCOL: // ENOPROTOOPT in Linux; reported as a refusal here
    case ICMP_UNREACH.PORT:
      return { errno: 'ECONNREFUSED', fatal: true };
    case ICMP_UNREACH.FRAG_NEEDED: // path MTU discovery is not modelled
      return null;
    case 6: // network unknown
    case 9: // network administratively prohibited
      return { errno: 'ENETUNREACH', fatal: true };
    default: // host unknown, isolated, administratively prohibited, filtered...
      return { errno: 'EHOSTUNREACH', fatal: true };
  }
}

function icmpName(icmp: Icmp): string {
  if (icmp.type === ICMP_TYPE.TIME_EXCEEDED) return 'time exceeded';
  switch (icmp.code) {
    case ICMP_UNREACH.NET:
      return 'network unreachable';
    case ICMP_UNREACH.HOST:
      return 'host unreachable';
    case ICMP_UNREACH.PORT:
      return 'port unreachable';
    case ICMP_UNREACH.PROTOCOL:
      return 'protocol unreachable';
    default:
      return `destination unreachable (code ${icmp.code})`;
  }
}

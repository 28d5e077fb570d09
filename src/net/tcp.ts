/**
 * The TCP layer of a host (RFC 9293, as Linux net/ipv4/tcp*.c behaves):
 * listeners, active and passive connections, and the answers a host gives
 * to segments that match no socket, which is what the one-arm return-path
 * and hairpin bugs of the load balancer turn on (docs/load-balancer.md, "The classic failures").
 *
 * Socket API, for applications:
 *   const l = host.tcp.listen(80, { backlog: 128 }, (conn) => handlers);
 *   const c = host.tcp.connect(ip('10.0.1.100'), 80, handlers);
 *   c.send(bytes); c.close(); c.abort();
 * with handlers { connected, data, peerClosed, closed, error } (see TcpHandlers).
 * Every callback receives the connection first, so one handler object can
 * serve many connections without closures.
 *
 * Linux behaviour modelled (checked against captures on Linux 6.18, see
 * fixtures/wire/captures.txt):
 * - SYN: window 64240, options mss 1460, sackOK, TS, nop, wscale 7 in that
 *   order; SYN-ACK: window 65160, same order, echoing the timestamp. Later
 *   segments carry nop, nop, TS; windows 502 (active side) and 509 (passive
 *   side) with scale 7. IP ids: a connected socket counts from a random
 *   start; SYN-ACKs, RSTs for no socket, and TIME_WAIT / orphaned FIN_WAIT_2
 *   replies carry 0. DF on every segment, TTL from ip_default_ttl.
 * - RST for no socket (tcp_v4_send_reset): with ACK, seq = SEG.ACK and no
 *   ACK flag; without, RST|ACK with ack = SEG.SEQ + SEG.LEN. An RST for no
 *   socket is dropped silently.
 * - SYN retransmission (tcp_retransmit_timer, tcp_write_timeout): 1 s
 *   initial RTO kept linear while total_rto <= tcp_syn_linear_timeouts (4),
 *   then doubling; tcp_syn_retries + tcp_syn_linear_timeouts retransmissions
 *   and tcp_model_timeout(tcp_syn_retries, 1 s) bound the attempt. With the
 *   defaults: SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s and ETIMEDOUT at
 *   131 s (measured on 6.18: the same SYN instants, failure after 135 s because
 *   of timer slack). With tcp_syn_linear_timeouts=0: 0, 1, 3, 7, 15, 31, 63, 127.
 * - SYN-ACK retransmission: 1, 3, 7, 15, 31 s, the request dropped at 63 s.
 * - TIME_WAIT (tcp_timewait_state_process): a new SYN reuses the 4-tuple
 *   when its seq is above RCV.NXT or its TSval is newer than TS_recent
 *   (timestamps run at one offset per address pair, secure_tcp_ts_off); the
 *   new ISN is the old SND.NXT + 65537; an older TSval is PAWS-rejected.
 * - Tail loss probe (tcp_early_retrans=3), collapsed retransmissions
 *   (tcp_retrans_collapse=1), a FIN-only segment held by cwnd (6.10+).
 * - RTO per RFC 6298 with Linux's floor (SRTT + max(4 RTTVAR, 200 ms)),
 *   Karn's rule, exponential back-off to 120 s; data gives up after the
 *   tcp_retries2 = 15 equivalent time (tcp_model_timeout, about 924.6 s).
 * - ACKs: quick ACKs for the first 16 data segments (tcp_incr_quickack),
 *   then delayed ACK (40 ms) unless two full segments are unacknowledged;
 *   pingpong mode when the application answers within 40 ms or on a FIN
 *   (so the ACK of a FIN rides on the application's own FIN). A server whose
 *   application answers after a service time therefore sends a bare ACK
 *   first, then the response, then its FIN as a separate segment.
 * - Accept queue: full when it holds more than `backlog` connections
 *   (sk_acceptq_is_full); a SYN is then dropped, and so is a handshake's
 *   final ACK (tcp_abort_on_overflow=0: the SYN-ACK timer resends) or it is
 *   answered RST (=1). SYN queue: full above `backlog` half-open requests;
 *   then a SYN cookie (tcp_syncookies=1) or a drop (=0, which also keeps the
 *   last quarter of tcp_max_syn_backlog); see docs/host-model.md.
 * - ICMP errors (tcp_v4_err): in SYN_SENT they end connect() with
 *   ECONNREFUSED / EHOSTUNREACH / ENETUNREACH; later they are soft errors
 *   reported only if the connection times out.
 *
 * Simplified or missing (documented so nobody relies on it):
 * - out-of-order segments are dropped (no reassembly queue, no SACK blocks);
 *   the sender recovers by the tail loss probe and the RTO (no fast
 *   retransmit, no RACK); see tcp-output.ts and docs/host-model.md;
 * - congestion control is IW10 and slow start without ssthresh; an RTO
 *   collapses the window to one segment;
 * - the receive window is constant (applications consume data at once); no
 *   zero-window probing, no Nagle (as TCP_NODELAY), no urgent data, no PAWS outside
 *   TIME_WAIT, random ISNs (not RFC 6528),
 *   no simultaneous open, no keepalive, no path MTU;
 * - the delayed-ACK timeout stays 40 ms (Linux inflates ato up to the RTO);
 * - close() is close(2) (no half-close shutdown); ephemeral ports avoid
 *   every port in local use (Linux may share one across destinations);
 * - ICMP protocol unreachable is reported as ECONNREFUSED (Linux ENOPROTOOPT).
 */
import { fmtIp } from '../wire/addr.js';
import { tcp as mkTcp } from '../wire/build.js';
import { tcpChecksum } from '../wire/checksum.js';
import type { Icmp, Ipv4, Ipv4Addr, Tcp } from '../wire/types.js';
import { TCP_FLAG } from '../wire/types.js';
import type { Frame } from '../trace/events.js';
import type { DropReason } from '../trace/reasons.js';
import type { Text } from '../trace/trace.js';
import type { ProtoHandler, StackHost } from './stack-host.js';
import type { Iface } from './iface.js';
import { TcpReceiver } from './tcp-input.js';
import { TcpConnection, type ConnListener, type ConnStack, type TcpHandlers } from './tcp-conn.js';
import { segLen, segName, seqLt } from './tcp-options.js';

export { TcpConnection } from './tcp-conn.js';
export type { TcpHandlers } from './tcp-conn.js';
export type { TcpCloseReason, TcpError, TcpState } from './tcp-types.js';

/** Called for each connection a listener hands to the application; may return the connection's handlers. */
export type AcceptHandler = (c: TcpConnection, listener: TcpListener) => TcpHandlers | void;

/** Options of listen(). */
export interface ListenOptions {
  /** listen(2) backlog (capped by net.core.somaxconn); default 4096 as Linux's somaxconn. */
  readonly backlog?: number;
  /** Local address to listen on; 0 or absent = any (INADDR_ANY). */
  readonly addr?: Ipv4Addr;
  /**
   * When true, established connections wait in the accept queue until the
   * application calls listener.accept() (which calls onAccept); a full queue
   * then drops SYNs. When false (default), each is accepted at once.
   */
  readonly manual?: boolean;
  /** Manual mode: told when a connection joins the accept queue. */
  readonly onQueued?: (l: TcpListener) => void;
}

/** Options of connect(). */
export interface ConnectOptions {
  /** Source port; default an ephemeral port from ip_local_port_range. */
  readonly sport?: number;
  /** Source address; default the one the route to the destination chooses. */
  readonly src?: Ipv4Addr;
}

/** A listening socket. */
export class TcpListener implements ConnListener {
  /** Established connections waiting for accept() (manual mode only). */
  readonly queue: TcpConnection[] = [];
  /** Connections handed to the application so far. */
  accepted = 0;
  /** SYNs dropped because the accept queue was full. */
  overflows = 0;
  /** Half-open connections with a request socket (Linux inet_csk_reqsk_queue_len). */
  synQueue = 0;
  /** SYN cookies sent (TcpExtSyncookiesSent). */
  cookiesSent = 0;
  /** Handshake-completing ACKs that found the accept queue full (dropped, or reset with tcp_abort_on_overflow=1). */
  ackOverflows = 0;
  /** The effective backlog: min(backlog, somaxconn). */
  readonly backlog: number;
  /** False once close() was called. */
  open = true;

  /** Created by TcpStack.listen. */
  constructor(
    readonly stack: TcpStack,
    /** Local address, or 0 for any. */
    readonly addr: Ipv4Addr,
    readonly port: number,
    backlog: number,
    readonly manual: boolean,
    readonly onAccept: AcceptHandler,
    private readonly onQueued: ((l: TcpListener) => void) | null,
  ) {
    this.backlog = Math.max(0, Math.min(backlog, stack.host.sysctl.get('net.core.somaxconn')));
  }

  /** Linux sk_acceptq_is_full: more than `backlog` connections wait (so backlog + 1 fit). */
  queueFull(): boolean {
    return this.queue.length > this.backlog;
  }

  /** Linux inet_csk_reqsk_queue_is_full: more half-open requests than the backlog (so backlog + 1 fit; checked on 6.18). */
  synQueueFull(): boolean {
    return this.synQueue > this.backlog;
  }

  /** A connection of this listener completed its handshake. */
  established(c: TcpConnection): void {
    if (!this.manual) {
      this.hand(c);
      return;
    }
    this.queue.push(c);
    c.queued = true;
    if (this.onQueued) this.onQueued(this);
  }

  /** Takes the oldest waiting connection (manual mode), hands it to onAccept and returns it; null when none waits. */
  accept(): TcpConnection | null {
    const c = this.queue.shift();
    if (!c) return null;
    c.queued = false;
    this.hand(c);
    return c;
  }

  private hand(c: TcpConnection): void {
    this.accepted++;
    const h = this.onAccept(c, this);
    if (h) c.setHandlers(h);
  }

  /** Removes a connection that died while waiting in the accept queue. */
  unqueue(c: TcpConnection): void {
    const i = this.queue.indexOf(c);
    if (i >= 0) this.queue.splice(i, 1);
    c.queued = false;
  }

  /** Stops listening (Linux inet_csk_listen_stop): half-open requests are dropped, waiting connections reset. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.stack.unlisten(this);
    for (const c of this.stack.connections()) {
      if (c.listener === this && c.state === 'SYN_RECEIVED') c.terminate('reset', null, 'the listener closed');
    }
    for (const c of [...this.queue]) c.abort();
    this.queue.length = 0;
  }
}

/** The TCP layer of one host: the connection and listener tables, input demultiplexing, RSTs for no socket. */
export class TcpStack implements ProtoHandler, ConnStack {
  /** Connections by local (addr * 2^16 + port), then remote (addr * 2^16 + port). */
  private readonly table = new Map<number, Map<number, TcpConnection>>();
  private readonly listeners = new Map<number, TcpListener[]>();
  /** Local ports in use (listeners and connections), with their use counts. */
  private readonly ports = new Map<number, number>();
  private inIface: string | null = null;
  /** Connections currently in the table. */
  count = 0;
  /** The ISN a SYN that reuses a TIME_WAIT 4-tuple hands to its new connection, or -1 (Linux tcp_tw_isn). */
  twIsn = -1;
  /** The host's key for timestamp offsets (Linux ts_secret), from its own random stream. */
  readonly tsSecret: number;

  /** Creates the TCP layer of `host`; Host does this and registers it for protocol 6. */
  constructor(readonly host: StackHost) {
    this.tsSecret = host.net.sim.stream(`tcp-secret:${host.name}`).next();
  }

  // ------------------------------------------------------------------ sockets

  /**
   * Listens on a port (any local address unless opts.addr). Throws when
   * the port already has a listener on an overlapping address (EADDRINUSE).
   */
  listen(port: number, opts: ListenOptions, onAccept: AcceptHandler): TcpListener {
    const addr = opts.addr ?? 0;
    const list = this.listeners.get(port) ?? [];
    if (list.some((l) => l.addr === addr || l.addr === 0 || addr === 0)) {
      throw new Error(`${this.host.name}: TCP port ${port} already has a listener (EADDRINUSE)`);
    }
    const l = new TcpListener(this, addr, port, opts.backlog ?? 4096, opts.manual ?? false, onAccept, opts.onQueued ?? null);
    list.push(l);
    this.listeners.set(port, list);
    this.usePort(port, 1);
    return l;
  }

  /**
   * Opens a connection to dst:dport and sends the SYN now. Errors come
   * through handlers.error (a missing route too, as ENETUNREACH, from an
   * event at the current instant). Throws only when opts.sport makes a
   * 4-tuple that is already in use (EADDRINUSE).
   */
  connect(dst: Ipv4Addr, dport: number, handlers: TcpHandlers, opts: ConnectOptions = {}): TcpConnection {
    const src = opts.src ?? this.host.sourceTo(dst);
    if (src === null) {
      // Linux ip_route_connect fails inside connect(): ENETUNREACH, nothing is sent.
      const c = new TcpReceiver(this, 0, opts.sport ?? 0, dst, dport, false, handlers, null);
      c.failSoon('ENETUNREACH');
      return c;
    }
    const sport = opts.sport ?? this.ephemeral();
    if (sport < 0) {
      // Linux __inet_hash_connect: every ephemeral port is taken -> connect() fails with EADDRNOTAVAIL.
      const c = new TcpReceiver(this, src, 0, dst, dport, false, handlers, null);
      c.failSoon('EADDRNOTAVAIL');
      return c;
    }
    if (this.find(src, sport, dst, dport)) {
      throw new Error(`${this.host.name}: ${fmtIp(src)}:${sport} -> ${fmtIp(dst)}:${dport} is already in use (EADDRINUSE)`);
    }
    const c = new TcpReceiver(this, src, sport, dst, dport, false, handlers, null);
    this.hash(c);
    c.startConnect();
    return c;
  }

  /** Every connection in the table (half-open and TIME_WAIT included), for display. */
  connections(): TcpConnection[] {
    const out: TcpConnection[] = [];
    for (const m of this.table.values()) for (const c of m.values()) out.push(c);
    return out;
  }

  /** Every listener, for display. */
  listening(): TcpListener[] {
    const out: TcpListener[] = [];
    for (const l of this.listeners.values()) out.push(...l);
    return out;
  }

  /** The connection with this 4-tuple (local first), or undefined. */
  find(laddr: Ipv4Addr, lport: number, raddr: Ipv4Addr, rport: number): TcpConnection | undefined {
    const m = this.table.get(laddr * 65536 + lport);
    return m ? m.get(raddr * 65536 + rport) : undefined;
  }

  /**
   * A free local port from ip_local_port_range, or -1 when none is free.
   * Linux __inet_hash_connect starts at a random offset and tries even
   * ports first (odd ones are left to bind()), then the odd ones.
   */
  ephemeral(): number {
    const sys = this.host.sysctl;
    const lo = sys.get('net.ipv4.ip_local_port_range_min');
    const hi = sys.get('net.ipv4.ip_local_port_range_max');
    const n = hi - lo + 1;
    let offset = this.host.rng.int(n);
    if (n > 1) offset &= ~1;
    for (let pass = 0; pass < 2; pass++, offset++) {
      for (let i = 0; i < n; i += 2) {
        const p = lo + ((offset + i) % n);
        if (!this.ports.has(p)) return p;
      }
    }
    return -1;
  }

  /** True when a local listener or connection uses this port. */
  portInUse(port: number): boolean {
    return this.ports.has(port);
  }

  /**
   * Marks a local port as taken by something outside the socket table (a
   * raw-socket prober, as nmap or a half-open health check): connect()
   * will not pick it, yet segments to it still find no socket.
   */
  reservePort(port: number): void {
    this.usePort(port, 1);
  }

  /** Gives back a port taken with reservePort. */
  releasePort(port: number): void {
    this.usePort(port, -1);
  }

  private usePort(port: number, d: number): void {
    const v = (this.ports.get(port) ?? 0) + d;
    if (v <= 0) this.ports.delete(port);
    else this.ports.set(port, v);
  }

  private hash(c: TcpConnection): void {
    const k = c.localAddr * 65536 + c.localPort;
    let m = this.table.get(k);
    if (!m) {
      m = new Map();
      this.table.set(k, m);
    }
    m.set(c.remoteAddr * 65536 + c.remotePort, c);
    c.hashed = true;
    this.count++;
    this.usePort(c.localPort, 1);
  }

  /** Removes a connection from the table (it reached CLOSED). */
  unhash(c: TcpConnection): void {
    if (!c.hashed) return;
    c.hashed = false;
    const k = c.localAddr * 65536 + c.localPort;
    const m = this.table.get(k);
    if (m) {
      m.delete(c.remoteAddr * 65536 + c.remotePort);
      if (m.size === 0) this.table.delete(k);
    }
    this.count--;
    this.usePort(c.localPort, -1);
  }

  /**
   * A power cut: every connection and listener vanishes silently (no FIN,
   * no RST) and every port is free, as the empty tables of a rebooted
   * kernel. Returns how many connections and listeners there were.
   */
  wipe(): { readonly conns: number; readonly listeners: number } {
    const conns = this.connections();
    for (const c of conns) c.vanish();
    const ls = this.listening();
    for (const l of ls) {
      l.open = false;
      l.queue.length = 0;
    }
    this.table.clear();
    this.listeners.clear();
    this.ports.clear();
    this.count = 0;
    return { conns: conns.length, listeners: ls.length };
  }

  /** Removes a listener from the table. */
  unlisten(l: TcpListener): void {
    const list = this.listeners.get(l.port);
    if (!list) return;
    const rest = list.filter((x) => x !== l);
    if (rest.length) this.listeners.set(l.port, rest);
    else this.listeners.delete(l.port);
    this.usePort(l.port, -1);
  }

  private listenerFor(addr: Ipv4Addr, port: number): TcpListener | null {
    const list = this.listeners.get(port);
    if (!list) return null;
    let any: TcpListener | null = null;
    for (let i = 0; i < list.length; i++) {
      const l = list[i]!;
      if (l.addr === addr) return l;
      if (l.addr === 0) any = l;
    }
    return any;
  }

  // ------------------------------------------------------------------ input

  /** A segment for this host (tcp_v4_rcv): checksum, established lookup, listener lookup, else RST. */
  input(ip: Ipv4, frame: Frame | null, iface: Iface | null): void {
    const seg = ip.payload;
    if (iface) this.inIface = iface.name;
    if (seg.kind !== 'tcp') {
      this.drop(frame, 'decode-error', () => `${this.host.name}: an IP protocol 6 packet whose payload is not a TCP segment`);
      return;
    }
    if (seg.checksum !== tcpChecksum(ip.src, ip.dst, seg)) {
      this.drop(frame, 'bad-checksum', () => `the TCP checksum 0x${seg.checksum.toString(16)} is wrong; ${this.host.name} discards the segment`);
      return;
    }
    const c = this.find(ip.dst, seg.dport, ip.src, seg.sport);
    if (c) {
      c.segment(ip, seg, frame);
      return;
    }
    const l = this.listenerFor(ip.dst, seg.dport);
    if (l) {
      this.listenInput(l, ip, seg, frame);
      return;
    }
    this.noSocket(ip, seg, frame);
  }

  /** Linux tcp_rcv_state_process in LISTEN, and tcp_conn_request. */
  private listenInput(l: TcpListener, ip: Ipv4, seg: Tcp, frame: Frame | null): void {
    const f = seg.flags;
    const host = this.host;
    if (f & TCP_FLAG.RST) {
      this.drop(frame, 'tcp-rst-ignored', () => `${host.name} listens on port ${seg.dport}; an RST from ${fmtIp(ip.src)}:${seg.sport} for it is ignored`);
      return;
    }
    if (f & TCP_FLAG.ACK) {
      // No half-open connection matched: an ACK (or SYN-ACK) to a listener is answered with RST.
      this.drop(frame, 'tcp-no-socket', () => `${host.name} has no connection from ${fmtIp(ip.src)}:${seg.sport} on port ${seg.dport} (only a listener), so it answers RST`);
      this.sendReset(ip, seg);
      return;
    }
    if (!(f & TCP_FLAG.SYN)) {
      this.drop(frame, 'tcp-closed', () => `${host.name}: a ${segName(seg)} without SYN or ACK to a listening port is discarded`);
      return;
    }
    // Linux tcp_conn_request: a full SYN queue means a cookie (tcp_syncookies=1, or always with 2) or a drop (0).
    const sys = host.sysctl;
    const cookies = sys.get('net.ipv4.tcp_syncookies');
    let cookie = false;
    if (cookies === 2 || l.synQueueFull()) {
      if (cookies === 0) {
        this.drop(frame, 'tcp-syn-queue-full', () => `the SYN queue of ${host.name}:${l.port} is full (${l.synQueue} half-open, backlog ${l.backlog}) and tcp_syncookies=0; the SYN from ${fmtIp(ip.src)}:${seg.sport} is dropped`);
        return;
      }
      cookie = true;
    }
    if (l.queueFull()) {
      l.overflows++;
      this.drop(frame, 'tcp-listen-overflow', () => `the accept queue of ${host.name}:${l.port} is full (${l.queue.length} waiting, backlog ${l.backlog}); the SYN from ${fmtIp(ip.src)}:${seg.sport} is dropped`);
      return;
    }
    const maxSyn = sys.get('net.ipv4.tcp_max_syn_backlog');
    if (!cookies && maxSyn - l.synQueue < maxSyn >> 2) {
      // Without cookies the last quarter of tcp_max_syn_backlog is kept for peers proven alive (lblab keeps no tcp_metrics: none is).
      this.drop(frame, 'tcp-syn-queue-full', () => `${host.name}:${l.port} holds ${l.synQueue} half-open requests, within the last quarter of tcp_max_syn_backlog (${maxSyn}) kept for proven peers; the SYN from ${fmtIp(ip.src)}:${seg.sport} is dropped`);
      return;
    }
    this.delivered(ip, seg, frame);
    const c = new TcpReceiver(this, ip.dst, seg.dport, ip.src, seg.sport, true, null, l);
    c.state = 'LISTEN';
    this.hash(c);
    if (cookie) {
      c.cookie = true;
      l.cookiesSent++;
    } else {
      c.inSynQueue = true;
      l.synQueue++;
    }
    c.startPassive(seg);
  }

  /** A segment that matches no socket (tcp_v4_rcv "no_tcp_socket"): RST, or silence for an RST. */
  noSocket(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
    const host = this.host;
    if (seg.flags & TCP_FLAG.RST) {
      this.drop(frame, 'tcp-rst-ignored', () => `${host.name} has no connection from ${fmtIp(ip.src)}:${seg.sport} to port ${seg.dport}; the RST is dropped silently`);
      return;
    }
    this.drop(frame, 'tcp-no-socket', () => this.noSocketText(ip, seg));
    this.sendReset(ip, seg);
  }

  private noSocketText(ip: Ipv4, seg: Tcp): string {
    const host = this.host.name;
    if ((seg.flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN) {
      return `nothing listens on TCP port ${seg.dport} of ${host} (${fmtIp(ip.dst)}); it answers the SYN from ${fmtIp(ip.src)}:${seg.sport} with RST|ACK`;
    }
    let called = '';
    for (const c of this.connections()) {
      if (c.localPort === seg.dport && (c.remoteAddr !== ip.src || c.remotePort !== seg.sport)) {
        called = ` (it called ${fmtIp(c.remoteAddr)}:${c.remotePort})`;
        if (c.state === 'SYN_SENT') break;
      }
    }
    const what = seg.flags & TCP_FLAG.ACK ? 'RST' : 'RST|ACK';
    return `${host} has no connection from ${fmtIp(ip.src)}:${seg.sport}${called}, so it answers the ${segName(seg)} with ${what}`;
  }

  /**
   * Linux tcp_v4_send_reset (RFC 9293 3.10.7.1): never for an RST; for a
   * segment with ACK, RST with seq = SEG.ACK; otherwise RST|ACK with seq 0
   * and ack = SEG.SEQ + SEG.LEN. Sent from the per-netns control socket:
   * DF, IP id 0, no options, window 0, from the address the segment was for.
   */
  sendReset(ip: Ipv4, seg: Tcp): void {
    if (seg.flags & TCP_FLAG.RST) return;
    if (!this.host.isLocal(ip.dst)) return; // only for unicast segments addressed to us
    const hasAck = (seg.flags & TCP_FLAG.ACK) !== 0;
    const rst = mkTcp(ip.dst, ip.src, {
      sport: seg.dport,
      dport: seg.sport,
      seq: hasAck ? seg.ack : 0,
      ack: hasAck ? 0 : (seg.seq + segLen(seg)) >>> 0,
      flags: hasAck ? TCP_FLAG.RST : TCP_FLAG.RST | TCP_FLAG.ACK,
      window: 0,
    });
    // ip_send_unicast_reply: the reply keeps the segment's TOS without its ECN bits.
    this.host.sendPayload(ip.dst, ip.src, rst, { df: true, id: 0, tos: ip.tos & 0xfc });
  }

  /**
   * True when the quoted segment is one of a live connection's and its
   * sequence number lies in SND.UNA..SND.NXT (tcp_v4_err: no socket, a
   * TIME_WAIT or half-open one, or a sequence number not in flight, and a
   * redirect is ignored).
   */
  ownsQuoted(quoted: Uint8Array): boolean {
    const q = quotedSegment(quoted);
    const c = q && this.find(q.src, q.sport, q.dst, q.dport);
    if (!q || !c || c.state === 'TIME_WAIT' || c.state === 'SYN_RECEIVED' || c.state === 'LISTEN' || c.state === 'CLOSED') return false;
    return !seqLt(q.seq, c.sndUna) && !seqLt(c.sndNxt, q.seq);
  }

  /** An ICMP error quoting one of our segments (tcp_v4_err). */
  icmpError(icmp: Icmp, quoted: Uint8Array, from: Ipv4Addr): void {
    const q = quotedSegment(quoted);
    if (!q) return;
    const c = this.find(q.src, q.sport, q.dst, q.dport);
    if (c && c.icmpError(icmp, q.seq)) return;
    this.host.net.trace.drop(this.host.name, null, null, 'icmp-ignored', () =>
      `the ICMP error from ${fmtIp(from)} about ${fmtIp(q.src)}:${q.sport} -> ${fmtIp(q.dst)}:${q.dport} matches no TCP connection in a state that cares`,
    );
  }

  // ------------------------------------------------------------------ trace helpers

  /** Traces that a segment reached a TCP socket ("tcp 10.0.1.11:80 <- 10.0.0.5:40000"). */
  delivered(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
    if (!frame) return;
    const trace = this.host.net.trace;
    trace.deliver(this.host.name, trace.wantsKind('deliver') ? `tcp ${fmtIp(ip.dst)}:${seg.dport} <- ${fmtIp(ip.src)}:${seg.sport}` : '', frame);
  }

  /** Traces a dropped segment on the interface it came in on. */
  drop(frame: Frame | null, code: DropReason, why: Text): void {
    this.host.net.trace.drop(this.host.name, this.inIface, frame, code, why);
  }
}

/** The addresses, ports and sequence number of the segment an ICMP message quotes, or null when it quotes too little. */
function quotedSegment(quoted: Uint8Array): { src: Ipv4Addr; dst: Ipv4Addr; sport: number; dport: number; seq: number } | null {
  const ihl = (quoted[0]! & 15) * 4;
  if (quoted.length < ihl + 8) return null;
  return {
    src: ((quoted[12]! << 24) | (quoted[13]! << 16) | (quoted[14]! << 8) | quoted[15]!) >>> 0,
    dst: ((quoted[16]! << 24) | (quoted[17]! << 16) | (quoted[18]! << 8) | quoted[19]!) >>> 0,
    sport: (quoted[ihl]! << 8) | quoted[ihl + 1]!,
    dport: (quoted[ihl + 2]! << 8) | quoted[ihl + 3]!,
    seq: ((quoted[ihl + 4]! << 24) | (quoted[ihl + 5]! << 16) | (quoted[ihl + 6]! << 8) | quoted[ihl + 7]!) >>> 0,
  };
}

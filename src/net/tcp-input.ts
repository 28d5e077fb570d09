/**
 * The top floor of a TCP connection (see tcp-conn.ts): what a segment does
 * on arrival in each state (Linux tcp_rcv_state_process, tcp_check_req for
 * a half-open request, tcp_rcv_established, tcp_timewait_state_process)
 * and what an ICMP error about a segment in flight does (tcp_v4_err).
 */
import { fmtIp } from '../wire/addr.js';
import type { Icmp, Ipv4, Tcp } from '../wire/types.js';
import { EMPTY, ICMP_TYPE, ICMP_UNREACH, TCP_FLAG } from '../wire/types.js';
import type { Frame } from '../trace/events.js';
import type { TcpError, TcpState } from './tcp-types.js';
import {
  TCP_ADV_MSS,
  TCP_DEFAULT_MSS,
  TCP_INVALID_RATELIMIT,
  TCP_MAX_QUICKACKS,
  TCP_RCV_WINDOW_ACTIVE,
  TCP_RCV_WINDOW_PASSIVE,
  TCP_RTO_MAX,
  TCP_SYNACK_WINDOW,
  TCP_SYN_WINDOW,
  TCP_TIMEOUT_INIT,
  TCP_TIMEWAIT_LEN,
  parseSynOffer,
  segName,
  seqAdd,
  seqDiff,
  seqLe,
  seqLt,
  tsvalOf,
} from './tcp-options.js';
import { TcpSender } from './tcp-output.js';

const { FIN, SYN, RST, ACK } = TCP_FLAG;

/** A complete TCP connection: TcpStack creates these; everything outside net/ sees them as TcpConnection. */
export class TcpReceiver extends TcpSender {
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
  protected synSent(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
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
  protected handshakeDone(): void {
    this.stopRto();
    if (this.retransInRow === 0 && this.synackTimeouts === 0) this.rttSample(this.now() - this.synSentAt);
    else this.rto = TCP_TIMEOUT_INIT;
    this.retransInRow = 0;
    this.retransStamp = -1;
    this.establishedAt = this.now();
  }

  /** A listener's half-open connection (Linux tcp_check_req on a request socket). */
  protected synReceived(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
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
        // A cookie has no timer to push back: its record keeps its lifetime.
        if (!this.cookie) this.armRto(Math.min(TCP_TIMEOUT_INIT * 2 ** this.synackTimeouts, TCP_RTO_MAX)); // mod_timer_pending in tcp_check_req
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
      l.ackOverflows++;
      if (this.cookie) {
        // cookie_v4_check: syn_recv_sock fails on a full accept queue and the segment is discarded; no state, no RST, no retry.
        stack.drop(frame, 'tcp-listen-overflow', () => `the accept queue of ${host.name}:${l.port} is full (backlog ${l.backlog}); the ACK returning the SYN cookie of ${this.name} is dropped (the client's next segment may still bring it)`);
        return;
      }
      if (host.sysctl.get('net.ipv4.tcp_abort_on_overflow')) {
        // tcp_check_req with tcp_abort_on_overflow=1: embryonic_reset, tcp_v4_send_reset (R, seq = SEG.ACK).
        stack.drop(frame, 'tcp-accept-overflow-reset', () => `the accept queue of ${host.name}:${l.port} is full (backlog ${l.backlog}) and tcp_abort_on_overflow=1; the ACK that completes ${this.name} is answered with RST`);
        stack.sendReset(ip, seg);
        this.terminate('reset', null, 'the accept queue was full (tcp_abort_on_overflow=1)');
        return;
      }
      // Linux tcp_abort_on_overflow=0: the ACK is dropped (req->acked) and the request stays; its SYN-ACK timer resends, the client answers with an ACK.
      stack.drop(frame, 'tcp-listen-overflow', () => `the accept queue of ${host.name}:${l.port} is full (backlog ${l.backlog}); the ACK that completes ${this.name} is dropped`);
      return;
    }
    this.leaveSynQueue();
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
  protected synchronized(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
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
  protected timeWait(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
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
    // RFC 7323 5 (PAWS) as tcp_timewait_state_process: a timestamp older than TS_recent is rejected.
    const tsv = this.tsOk ? tsvalOf(seg) : null;
    const pawsReject = tsv !== null && ((this.tsRecent - tsv) | 0) > 1;
    if ((f & (SYN | ACK)) === SYN && !pawsReject && (seqLt(this.rcvNxt, seg.seq) || (tsv !== null && ((this.tsRecent - tsv) | 0) < 0))) {
      // TCP_TW_SYN: a SYN above the old sequence space, or with a newer timestamp, reuses the 4-tuple;
      // the new connection's ISN continues the old one's: snd_nxt + 65535 + 2 (never 0).
      stack.twIsn = seqAdd(this.sndNxt, 65537) || 1;
      this.finish(tsv !== null && !seqLt(this.rcvNxt, seg.seq) ? 'a new SYN with a newer timestamp reuses the 4-tuple' : 'a new SYN above the old sequence space reuses the 4-tuple');
      stack.input(ip, frame, null);
      stack.twIsn = -1; // unused when no listener took the SYN
      return;
    }
    stack.delivered(ip, seg, frame);
    if (pawsReject) this.lingerFor(TCP_TIMEWAIT_LEN); // Linux: a PAWS-rejected segment restarts the 2*MSL timer too
    if (seg.seq === this.rcvNxt && seg.payload.length === 0 && !(f & (SYN | FIN))) {
      this.lingerFor(TCP_TIMEWAIT_LEN); // an in-window bare ACK: nothing to answer
      return;
    }
    // A retransmitted FIN or anything out of window: ACK again (rate-limited) and restart the 2*MSL timer.
    if (f & ACK) this.lingerFor(TCP_TIMEWAIT_LEN);
    this.oowAck();
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

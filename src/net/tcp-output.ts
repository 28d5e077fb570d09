/**
 * The middle floor of a TCP connection (see tcp-conn.ts): the opening
 * handshake (SYN, SYN-ACK, option negotiation), the send path (the send
 * queue, segmentation by MSS, Nagle-free push, retransmission), the ACK
 * policy (delayed and quick ACKs, out-of-window ACK rate limit), RTT
 * estimation (RFC 6298) and the connection's timer events
 * (net/ipv4/tcp_output.c, tcp_timer.c).
 */
import { tcp as mkTcp } from '../wire/build.js';
import type { Tcp } from '../wire/types.js';
import { EMPTY, TCP_FLAG } from '../wire/types.js';
import type { TcpError } from './tcp-types.js';
import {
  TCP_ADV_MSS,
  TCP_DEFAULT_MSS,
  TCP_DELACK,
  TCP_INIT_CWND,
  TCP_INVALID_RATELIMIT,
  TCP_RETRIES2,
  TCP_RTO_MAX,
  TCP_RTO_MIN,
  TCP_SYNACK_WINDOW,
  TCP_SYNACK_WINDOW_NO_TS,
  TCP_SYN_WINDOW,
  TCP_TIMEOUT_INIT,
  TCP_TIMEOUT_MIN,
  TCP_SYNCOOKIE_LIFETIME,
  TCPOLEN_TSTAMP_ALIGNED,
  TCP_WSCALE,
  dataOptions,
  parseSynOffer,
  seqAdd,
  seqDiff,
  seqLe,
  seqLt,
  synOptions,
  tcpModelTimeout,
} from './tcp-options.js';
import { TcpConnection, EV_RTO, EV_DELACK, EV_LINGER, EV_FAIL, type OutSeg } from './tcp-conn.js';

const { FIN, SYN, PSH, ACK } = TCP_FLAG;

/** A connection's handshake, send path and timers; TcpReceiver completes it. */
export abstract class TcpSender extends TcpConnection {
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
    const tw = this.stack.twIsn;
    this.stack.twIsn = -1;
    this.iss = tw >= 0 ? tw : host.rng.next();
    this.sndUna = this.iss;
    this.sndNxt = seqAdd(this.iss, 1);
    this.writeSeq = this.sndNxt;
    this.negotiate(offer, seg.window);
    if (this.cookie) {
      this.setState('SYN_RECEIVED', 'the SYN queue is full: it answers with a SYN cookie and keeps no request (tcp_syncookies)');
      this.synSentAt = this.now();
      this.sendSynAck();
      // Linux cookie_v4_check accepts a cookie for two counter periods of 60 s; lblab forgets its record then, silently.
      this.armRto(TCP_SYNCOOKIE_LIFETIME);
      return;
    }
    this.setState('SYN_RECEIVED', 'a SYN arrived on a listening port; it answers SYN-ACK');
    this.synSentAt = this.now();
    this.sendSynAck();
    this.armRto(TCP_TIMEOUT_INIT);
  }

  /**
   * The timestamp of a cookie SYN-ACK (Linux cookie_init_timestamp): the
   * low 6 bits carry the options the cookie cannot, wscale (15 for none),
   * SACK (bit 4) and ECN (bit 5), and the value never runs ahead of the clock.
   */
  private cookieTsval(): number {
    const now = this.tsNow();
    const opts = (this.wsOk ? TCP_WSCALE : 0xf) | (this.sackOk ? 0x10 : 0);
    let ts = ((now & ~0x3f) | opts) >>> 0;
    if (ts > now) ts = (ts - 0x40) >>> 0;
    return ts;
  }

  protected negotiate(offer: ReturnType<typeof parseSynOffer>, window: number): void {
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

  protected sendSyn(): void {
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

  protected sendSynAck(): void {
    const opts = synOptions(this.sackOk, this.tsOk ? { tsval: this.cookie ? this.cookieTsval() : this.tsNow(), tsecr: this.tsRecent } : null, this.wsOk);
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

  // ------------------------------------------------------------------ output

  protected write(bytes: Uint8Array): void {
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

  protected queueFin(): void {
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
  protected push(): void {
    const q = this.q;
    while (this.rtxIdx < this.unsent) {
      const s = q[this.rtxIdx]!;
      if (seqDiff(s.seq, this.sndUna) + s.data.length > this.cwnd) return;
      this.retransmit(this.rtxIdx);
      this.rtxIdx++;
    }
    let sent = false;
    while (this.unsent < q.length && this.maysend(q[this.unsent]!)) {
      this.sendNew();
      sent = true;
    }
    // Linux tcp_write_xmit: new data (re)schedules the loss probe, else the RTO runs from the first segment in flight.
    if (sent && !this.scheduleLossProbe(false) && this.rtoAt < 0) this.armRto(this.rto);
  }

  /**
   * Linux tcp_cwnd_test and tcp_snd_wnd_test for the next unsent segment.
   * The window is counted in bytes, except for a FIN without data, which
   * since Linux 6.10 counts as one packet against cwnd like any other (the
   * old exception that let it through was removed): with cwnd 1 after an
   * RTO and the retransmission in flight, the FIN waits for its ACK.
   */
  private maysend(s: OutSeg): boolean {
    if (s.data.length === 0) return this.rtxIdx < Math.max(1, Math.floor(this.cwnd / this.sendMss));
    const inflight = seqDiff(this.sndNxt, this.sndUna);
    return inflight === 0 || inflight + s.data.length <= Math.min(this.cwnd, this.sndWnd);
  }

  /** Sends the next unsent segment and advances SND.NXT. */
  private sendNew(): void {
    const s = this.q[this.unsent]!;
    this.sendSeg(s);
    this.unsent++;
    this.rtxIdx = this.unsent;
    const end = seqAdd(s.seq, s.data.length + (s.fin ? 1 : 0));
    if (seqLt(this.sndNxt, end)) this.sndNxt = end;
  }

  /** Retransmits the segment at q[i], first merging the small ones after it (Linux __tcp_retransmit_skb). */
  private retransmit(i: number): void {
    this.collapse(i);
    this.sendSeg(this.q[i]!);
  }

  /**
   * Linux tcp_retrans_try_collapse (tcp_retrans_collapse=1): a
   * retransmission shorter than the MSS swallows the sent segments after it
   * while the sum still fits one MSS and the receive window, flags
   * included, so a lost response and its FIN come back as one FIN|PSH|ACK.
   */
  private collapse(i: number): void {
    if (this.stack.host.sysctl.get('net.ipv4.tcp_retrans_collapse') === 0) return;
    const q = this.q;
    const s = q[i]!;
    const wndEnd = seqAdd(this.sndUna, this.sndWnd);
    let avail = seqDiff(wndEnd, s.seq);
    if (avail <= 0) avail = this.sendMss; // a shrunk window: the head may still go (tcp_retransmit_skb)
    let space = Math.min(avail, this.sendMss) - s.data.length;
    if (space <= 0) return;
    while (i + 1 < this.unsent) {
      const n = q[i + 1]!;
      space -= n.data.length;
      if (space < 0 || seqLt(wndEnd, seqAdd(n.seq, n.data.length + (n.fin ? 1 : 0)))) return;
      if (n.data.length > 0) {
        const merged = new Uint8Array(s.data.length + n.data.length);
        merged.set(s.data, 0);
        merged.set(n.data, s.data.length);
        s.data = merged;
      }
      s.fin ||= n.fin;
      s.psh ||= n.psh;
      s.rexmit ||= n.rexmit;
      q.splice(i + 1, 1);
      this.unsent--;
      if (this.rtxIdx > i + 1) this.rtxIdx--;
    }
  }

  /**
   * Linux tcp_schedule_loss_probe (tcp_early_retrans 3 or 4, a SACK
   * connection not in loss recovery, something in flight): the probe timer
   * replaces the RTO, due after 2 * SRTT plus TCP_RTO_MIN when one segment
   * is in flight (to cover the peer's delayed ACK) or plus 2 ms otherwise,
   * 1 s without an RTT sample, and never later than the RTO would be: the
   * full RTO when an ACK advances it, else what is left of it from the
   * first segment's last transmission (tcp_rto_delta_us).
   */
  protected scheduleLossProbe(advancingRto: boolean): boolean {
    const er = this.stack.host.sysctl.get('net.ipv4.tcp_early_retrans');
    if ((er !== 3 && er !== 4) || this.unsent === 0 || !this.sackOk || this.inLoss) return false;
    let timeout = this.srtt >= 0 ? 2 * this.srtt + (this.unsent === 1 ? TCP_RTO_MIN : TCP_TIMEOUT_MIN) : TCP_TIMEOUT_INIT;
    const left = advancingRto ? this.rto : this.q[0]!.sentAt + this.rto - this.now();
    if (left > 0) timeout = Math.min(timeout, left);
    this.armXmit(Math.round(timeout), true);
    return true;
  }

  /**
   * Linux tcp_send_loss_probe: send one new segment if the peer's window
   * allows (whatever cwnd says), else retransmit the last segment sent
   * unless a probe is already out; then the RTO restarts in full from the
   * probe (icsk_pending is cleared so tcp_rearm_rto does not offset it;
   * measured on 6.18: the RTO came one RTO after the probe, not after the
   * first transmission).
   */
  protected sendLossProbe(): void {
    const q = this.q;
    if (this.unsent === 0) return;
    let probed = false;
    if (this.unsent < q.length) {
      const s = q[this.unsent]!;
      if (!seqLt(seqAdd(this.sndUna, this.sndWnd), seqAdd(s.seq, s.data.length))) {
        this.sendNew();
        probed = true;
      }
    } else if (!this.tlpOut) {
      this.retransmit(this.unsent - 1);
      probed = true;
    }
    if (probed) {
      this.tlpOut = true;
      this.tlpHigh = this.sndNxt;
      this.armRto(this.rto);
    } else {
      this.armRto(Math.max(this.q[0]!.sentAt + this.rto - this.now(), 1));
    }
  }

  protected sendSeg(s: OutSeg): void {
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
  protected xmit(flags: number, seq: number, payload: Uint8Array): void {
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
  protected ackDecision(force: boolean): void {
    const quickMode = this.quick > 0 && !this.pingpong;
    if (force || quickMode || seqDiff(this.rcvNxt, this.rcvWup) > this.rcvMss) {
      this.xmit(ACK, this.sndNxt, EMPTY);
      return;
    }
    if (this.delackTimer === null) this.delackTimer = this.sim().timer(TCP_DELACK, this, EV_DELACK);
  }

  /** Answers an out-of-window segment with an ACK, at most once per 500 ms (tcp_oow_rate_limited). */
  protected oowAck(): void {
    const now = this.now();
    if (this.lastOow >= 0 && now - this.lastOow < TCP_INVALID_RATELIMIT) return;
    this.lastOow = now;
    this.xmit(ACK, this.sndNxt, EMPTY);
  }

  /** New data acknowledged (Linux tcp_ack / tcp_clean_rtx_queue). */
  protected ackedNew(ack: number, _seg: Tcp): void {
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
    if (this.tlpOut && seqLe(this.tlpHigh, ack)) this.tlpOut = false; // tcp_process_tlp_ack
    if (this.inLoss && seqLe(this.lossHigh, ack)) this.inLoss = false; // loss recovery is over: TCP_CA_Open
    // Linux tcp_set_xmit_timer: the loss probe if it may run, else the RTO (RFC 6298 5.3); nothing in flight stops it (5.2).
    if (this.sndUna === this.sndNxt) this.stopRto();
    else if (!this.scheduleLossProbe(true)) this.armRto(this.rto);
    this.push();
  }

  /** RFC 6298 2.2-2.3 with Linux's floor: RTO = SRTT + max(4 * RTTVAR, TCP_RTO_MIN) (tcp_rtt_estimator, tcp_set_rto). */
  protected rttSample(r: number): void {
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = this.rtoFromEstimate();
  }

  protected rtoFromEstimate(): number {
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
        if (this.tlpArmed) {
          this.tlpArmed = false;
          this.sendLossProbe();
        } else this.retransmitTimer();
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
  protected retransmitTimer(): void {
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
        if (this.cookie) {
          this.terminate('error', null, 'the SYN cookie is too old to be accepted (no state was kept, nothing is sent)');
          return;
        }
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
        this.inLoss = true;
        this.lossHigh = this.sndNxt;
        this.tlpOut = false;
        this.rtxIdx = 0;
        this.retransmit(0);
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

}

/**
 * Small pure helpers of the TCP layer: 32-bit sequence arithmetic
 * (RFC 9293 3.4, "serial number" comparison), the option lists Linux writes
 * (net/ipv4/tcp_output.c tcp_options_write, in exactly its byte order), the
 * options a peer's SYN offers, and the constants Linux uses for windows and
 * timers. Nothing here keeps state.
 */
import type { Tcp, TcpOption } from '../wire/types.js';
import { TCP_FLAG } from '../wire/types.js';
import { MS, SEC } from '../sim/time.js';

/** True when sequence number a comes before b (mod 2^32). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** True when a is before or equal to b (mod 2^32). */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** The forward distance from b to a (a - b mod 2^32, as a signed 32-bit value). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a + n as an unsigned 32-bit sequence number. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/**
 * A keyed 32-bit hash of up to three words (murmur3's finalizer over each),
 * standing in for the siphash Linux keys with a per-boot secret
 * (net/core/secure_seq.c): uniform and deterministic from the key, so the
 * numbers behave like Linux's without being Linux's.
 */
export function keyedHash(key: number, a: number, b: number, c = 0): number {
  let h = key >>> 0;
  for (const w of [a, b, c]) {
    h = Math.imul(h ^ (w >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Linux TCP_RTO_MIN: the smallest retransmission timeout (200 ms). */
export const TCP_RTO_MIN = 200 * MS;
/** Linux TCP_RTO_MAX: the largest retransmission timeout (120 s). */
export const TCP_RTO_MAX = 120 * SEC;
/** Linux TCP_TIMEOUT_INIT: the RTO before any RTT sample (RFC 6298 2.1: 1 s). */
export const TCP_TIMEOUT_INIT = 1 * SEC;
/** Linux TCP_TIMEOUT_MIN_US: what a tail loss probe adds to 2 * SRTT when more than one segment is in flight (2 ms). */
export const TCP_TIMEOUT_MIN = 2 * MS;

/** How long a SYN cookie is accepted (Linux MAX_SYNCOOKIE_AGE 2 periods of TCP_SYNCOOKIE_PERIOD, 60 s). */
export const TCP_SYNCOOKIE_LIFETIME = 120 * SEC;
/** Linux TCP_DELACK_MIN / TCP_ATO_MIN: the delayed-ACK timer (40 ms). */
export const TCP_DELACK = 40 * MS;
/** Linux TCP_TIMEWAIT_LEN: how long TIME_WAIT lasts (60 s, "2*MSL"). */
export const TCP_TIMEWAIT_LEN = 60 * SEC;
/** Linux TCP_MAX_QUICKACKS: segments acknowledged at once at the start of a connection. */
export const TCP_MAX_QUICKACKS = 16;
/** Linux tcp_retries2 default: give up on data after this many back-offs' worth of time (about 924.6 s). */
export const TCP_RETRIES2 = 15;
/** Linux sysctl_tcp_invalid_ratelimit: at most one out-of-window reply per 500 ms. */
export const TCP_INVALID_RATELIMIT = 500 * MS;
/** The MSS Linux advertises on Ethernet (MTU 1500 - 40). */
export const TCP_ADV_MSS = 1460;
/** RFC 9293 3.7.1: the MSS to assume when the peer's SYN carries none. */
export const TCP_DEFAULT_MSS = 536;
/** Bytes of the timestamp option as Linux aligns it (NOP, NOP, TS). */
export const TCPOLEN_TSTAMP_ALIGNED = 12;
/** Linux's initial congestion window (RFC 6928 IW10), in segments. */
export const TCP_INIT_CWND = 10;

/**
 * Linux window scale for the default tcp_rmem[2] of 6 MB
 * (tcp_select_initial_window: ilog2(max(tcp_rmem[2], rmem_max)) - 15 = 7).
 * A machine with tcp_rmem[2] = 32 MB (like the capture host of fixtures/wire)
 * sends 10; lblab models the stock default.
 */
export const TCP_WSCALE = 7;
/** The window of a SYN: 65535 rounded down to a multiple of the 1460-byte MSS (44 * 1460), as Linux sends. */
export const TCP_SYN_WINDOW = 64240;
/** The window of a SYN-ACK: 65535 rounded down to a multiple of 1448 (MSS less timestamps; 45 * 1448). */
export const TCP_SYNACK_WINDOW = 65160;
/**
 * The window of a SYN-ACK to a SYN without timestamps: the full 1460-byte
 * MSS, 44 * 1460 (Linux tcp_select_initial_window; measured on 6.18 against a
 * raw SYN carrying only an MSS option, as a half-open health check sends).
 */
export const TCP_SYNACK_WINDOW_NO_TS = 64240;
/**
 * The receive window the active opener advertises after the handshake,
 * in bytes (64240 aligned up to 128: "win 502" with scale 7, measured on
 * Linux 6.18 with the stock tcp_rmem).
 */
export const TCP_RCV_WINDOW_ACTIVE = 64256;
/** The receive window the passive opener advertises after the handshake ("win 509" with scale 7, measured). */
export const TCP_RCV_WINDOW_PASSIVE = 65152;

const NOP: TcpOption = Object.freeze({ kind: 'nop' });
const SACK_PERM: TcpOption = Object.freeze({ kind: 'sack-permitted' });
const MSS_1460: TcpOption = Object.freeze({ kind: 'mss', mss: TCP_ADV_MSS });
const WSCALE: TcpOption = Object.freeze({ kind: 'wscale', shift: TCP_WSCALE });
const NO_OPTIONS: readonly TcpOption[] = Object.freeze([]);

/** What a SYN or SYN-ACK offers (tcp_parse_options). */
export interface SynOffer {
  /** The peer's MSS, or null when absent. */
  readonly mss: number | null;
  readonly sackOk: boolean;
  /** The peer's timestamp value, or null when it sent no timestamps. */
  readonly tsval: number | null;
  /** The peer's window scale shift (clamped to 14, RFC 7323 2.3), or null when absent. */
  readonly wscale: number | null;
}

/** Reads the options Linux cares about on a SYN (tcp_parse_options). */
export function parseSynOffer(seg: Tcp): SynOffer {
  let mss: number | null = null;
  let sackOk = false;
  let tsval: number | null = null;
  let wscale: number | null = null;
  for (const o of seg.options) {
    switch (o.kind) {
      case 'mss':
        mss = o.mss;
        break;
      case 'sack-permitted':
        sackOk = true;
        break;
      case 'timestamps':
        tsval = o.tsval;
        break;
      case 'wscale':
        wscale = Math.min(o.shift, 14); // RFC 7323 2.3, Linux: "Illegal window scaling value >14 received"
        break;
      default:
        break;
    }
  }
  return { mss, sackOk, tsval, wscale };
}

/** The timestamp value of a segment's options, or null. */
export function tsvalOf(seg: Tcp): number | null {
  const os = seg.options;
  for (let i = 0; i < os.length; i++) {
    const o = os[i]!;
    if (o.kind === 'timestamps') return o.tsval;
  }
  return null;
}

/**
 * The options of a SYN or SYN-ACK in Linux's order (tcp_options_write):
 * MSS; then SACK-permitted and timestamps packed together, or NOP NOP and
 * timestamps; or, without timestamps, NOP NOP SACK-permitted; then NOP and
 * window scale. A Linux SYN therefore reads mss, sackOK, TS, nop, wscale.
 */
export function synOptions(sack: boolean, ts: { tsval: number; tsecr: number } | null, wscale: boolean): TcpOption[] {
  const o: TcpOption[] = [MSS_1460];
  if (ts) {
    if (sack) o.push(SACK_PERM);
    else o.push(NOP, NOP);
    o.push({ kind: 'timestamps', tsval: ts.tsval >>> 0, tsecr: ts.tsecr >>> 0 });
  } else if (sack) {
    o.push(NOP, NOP, SACK_PERM);
  }
  if (wscale) o.push(NOP, WSCALE);
  return o;
}

/** The options of every later segment: NOP, NOP, timestamps when both sides negotiated them, else none. */
export function dataOptions(ts: boolean, tsval: number, tsecr: number): readonly TcpOption[] {
  if (!ts) return NO_OPTIONS;
  return [NOP, NOP, { kind: 'timestamps', tsval: tsval >>> 0, tsecr: tsecr >>> 0 }];
}

/** No options at all (RSTs from the control path carry none). */
export const TCP_NO_OPTIONS = NO_OPTIONS;

/** The sequence space a segment occupies: payload bytes plus one each for SYN and FIN. */
export function segLen(seg: Tcp): number {
  return seg.payload.length + (seg.flags & TCP_FLAG.SYN ? 1 : 0) + (seg.flags & TCP_FLAG.FIN ? 1 : 0);
}

/** Flags as tcpdump prints them ("S", "S.", "P.", "F.", "R", "R."), for sentences. */
export function flagsText(flags: number): string {
  let s = '';
  if (flags & TCP_FLAG.SYN) s += 'S';
  if (flags & TCP_FLAG.FIN) s += 'F';
  if (flags & TCP_FLAG.RST) s += 'R';
  if (flags & TCP_FLAG.PSH) s += 'P';
  if (flags & TCP_FLAG.URG) s += 'U';
  if (flags & TCP_FLAG.ECE) s += 'E';
  if (flags & TCP_FLAG.CWR) s += 'W';
  if (flags & TCP_FLAG.ACK) s += '.';
  return s === '' ? 'none' : s;
}

/** A segment's kind in words ("SYN", "SYN-ACK", "RST", "RST|ACK", "FIN", "ACK", "data"), for sentences. */
export function segName(seg: Tcp): string {
  const f = seg.flags;
  if (f & TCP_FLAG.RST) return f & TCP_FLAG.ACK ? 'RST|ACK' : 'RST';
  if (f & TCP_FLAG.SYN) return f & TCP_FLAG.ACK ? 'SYN-ACK' : 'SYN';
  if (f & TCP_FLAG.FIN) return seg.payload.length > 0 ? 'data+FIN' : 'FIN';
  return seg.payload.length > 0 ? `${seg.payload.length} bytes of data` : 'ACK';
}

/**
 * Linux tcp_model_timeout: the time a connection may keep retransmitting
 * before `boundary` back-offs are considered spent, starting from `rtoBase`
 * and doubling up to TCP_RTO_MAX (net/ipv4/tcp_timer.c).
 */
export function tcpModelTimeout(boundary: number, rtoBase: number): number {
  const linearBackoffThresh = Math.floor(Math.log2(TCP_RTO_MAX / rtoBase));
  if (boundary <= linearBackoffThresh) return ((2 << boundary) - 1) * rtoBase;
  return ((2 << linearBackoffThresh) - 1) * rtoBase + (boundary - linearBackoffThresh) * TCP_RTO_MAX;
}

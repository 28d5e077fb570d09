/**
 * The load balancer's connection table, as IPVS keeps it
 * (net/netfilter/ipvs/ip_vs_conn.c, ip_vs_proto_tcp.c): one entry per
 * client flow, found by the client's 5-tuple on the way in and by the
 * server's (or the SNAT address's) tuple on the way out, with a TCP state
 * driven by the flags seen in each direction and a timeout per state.
 *
 * States move through IPVS's own table (tcp_states[]): INPUT is client to
 * server, OUTPUT server to client, INPUT-ONLY is used when replies never
 * cross the balancer (DSR and tunnel modes). A connection counts as active
 * for its server while ESTABLISHED and as inactive otherwise, as IPVS's
 * activeconns / inactconns do.
 */
import type { Timer } from '../sim/sim.js';
import { SEC } from '../sim/time.js';
import type { Backend } from './sched/backend.js';
import { TCP_FLAG } from '../wire/types.js';
import type { LbMode } from './modes.js';

/** IPVS TCP connection states. */
export const LB_TCP = {
  NONE: 0,
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT: 4,
  TIME_WAIT: 5,
  CLOSE: 6,
  CLOSE_WAIT: 7,
  LAST_ACK: 8,
  LISTEN: 9,
  SYNACK: 10,
} as const;

/** The names IPVS prints for its states (ipvsadm -lnc). */
export const LB_TCP_NAMES = ['NONE', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK'] as const;

/** IPVS default TCP timeouts per state, in seconds (ip_vs_proto_tcp.c tcp_timeouts). */
export const LB_TCP_TIMEOUTS = [2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120] as const;

/** IPVS default UDP timeout in seconds (ip_vs_proto_udp.c). */
export const LB_UDP_TIMEOUT = 300;

const { ESTABLISHED: sES, SYN_SENT: sSS, SYN_RECV: sSR, FIN_WAIT: sFW, TIME_WAIT: sTW, CLOSE: sCL, CLOSE_WAIT: sCW, LAST_ACK: sLA, LISTEN: sLI } = LB_TCP;

/**
 * IPVS tcp_states[]: rows syn, fin, ack, rst for INPUT, OUTPUT and
 * INPUT-ONLY; columns the current state (NONE .. SYNACK).
 */
const TABLE: readonly (readonly number[])[] = [
  // INPUT
  [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
  [sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW],
  [sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
  [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR],
  // OUTPUT
  [sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR],
  [sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW],
  [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES],
  [sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL],
  // INPUT-ONLY
  [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
  [sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW],
  [sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
  [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL],
];

/** The direction a packet of a connection travels. */
export const DIR = { INPUT: 0, OUTPUT: 4, INPUT_ONLY: 8 } as const;

/** IPVS tcp_state_idx: RST first, then SYN, FIN, ACK; -1 when none is set. */
function flagRow(flags: number): number {
  if (flags & TCP_FLAG.RST) return 3;
  if (flags & TCP_FLAG.SYN) return 0;
  if (flags & TCP_FLAG.FIN) return 1;
  if (flags & TCP_FLAG.ACK) return 2;
  return -1;
}

/** The next IPVS TCP state for a segment with `flags` seen in direction `dir` (IPVS set_tcp_state). */
export function nextTcpState(state: number, dir: number, flags: number): number {
  const row = flagRow(flags);
  if (row < 0) return sCL;
  return TABLE[dir + row]![state]!;
}

/** One balanced connection. */
export class LbConn {
  /** IPVS state (LB_TCP) for TCP; UDP connections stay NONE. */
  state: number = LB_TCP.NONE;
  /** Time at which the entry expires unless a packet refreshes it. */
  expires = 0;
  /** The pending expiry timer. */
  timer: Timer | null = null;
  /** True while counted in the server's `inactive` rather than `active`. */
  inactive = false;
  /** Packets and bytes seen each way. */
  inPkts = 0;
  outPkts = 0;
  /** True once a packet from the server was seen (NAT and SNAT). */
  sawOutput = false;
  /** When the client's current request started (its first data segment since the last answer), or -1. */
  requestAt = -1;
  /**
   * TCP sequence numbers seen, for the RSTs an `on_down: reset` sends: the
   * next sequence number of the client, the client's last ACK (its RCV.NXT)
   * and the next sequence number of the server (NAT modes see replies).
   */
  cliNxt = 0;
  cliAck = 0;
  srvNxt = 0;

  constructor(
    /** The service it belongs to (by index in the LB's list). */
    readonly service: number,
    readonly proto: number,
    readonly client: number,
    readonly cport: number,
    readonly vip: number,
    readonly vport: number,
    /** The chosen server (its Backend in the service's pool). */
    readonly backend: Backend,
    readonly server: number,
    readonly sport: number,
    /** The SNAT source the server sees (snat mode), else the client's address and port. */
    readonly laddr: number,
    readonly lport: number,
    /** True when replies never cross the LB (dsr, tunnel): states use INPUT-ONLY. */
    readonly inputOnly: boolean,
    /** The forwarding mode the connection started with. */
    readonly mode: LbMode,
  ) {}

  /** The timeout of the current state, in ns. */
  timeout(): number {
    return (this.proto === 6 ? LB_TCP_TIMEOUTS[this.state]! : LB_UDP_TIMEOUT) * SEC;
  }

  /** The state's name as ipvsadm prints it. */
  stateName(): string {
    return this.proto === 6 ? LB_TCP_NAMES[this.state]! : 'UDP';
  }
}

/**
 * Moves a connection to a new state and keeps the server's active and
 * inactive counts right (IPVS: ESTABLISHED is active, anything else
 * inactive). Returns true when the state changed.
 */
export function setConnState(c: LbConn, state: number): boolean {
  if (state === c.state) return false;
  c.state = state;
  const b = c.backend;
  if (!c.inactive && state !== LB_TCP.ESTABLISHED) {
    b.active--;
    b.inactive++;
    c.inactive = true;
  } else if (c.inactive && state === LB_TCP.ESTABLISHED) {
    b.inactive--;
    b.active++;
    c.inactive = false;
  }
  return true;
}

/** Notes a client segment's sequence numbers (for the RSTs of `on_down: reset`). */
export function seenFromClient(c: LbConn, seg: { readonly seq: number; readonly ack: number; readonly flags: number; readonly payload: Uint8Array }): void {
  const ctl = seg.flags & (TCP_FLAG.SYN | TCP_FLAG.FIN) ? 1 : 0;
  c.cliNxt = (seg.seq + seg.payload.length + ctl) >>> 0;
  if (seg.flags & TCP_FLAG.ACK) c.cliAck = seg.ack;
}

/** Notes a server segment's next sequence number. */
export function seenFromServer(c: LbConn, seg: { readonly seq: number; readonly flags: number; readonly payload: Uint8Array }): void {
  const ctl = seg.flags & (TCP_FLAG.SYN | TCP_FLAG.FIN) ? 1 : 0;
  c.srvNxt = (seg.seq + seg.payload.length + ctl) >>> 0;
}

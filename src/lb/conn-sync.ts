/**
 * The IPVS connection synchronisation daemon (Linux ip_vs_sync.c, started
 * by keepalived's lvs_sync_daemon): on the VRRP master it collects the
 * connections worth syncing into a buffer and multicasts the buffer to
 * 224.0.0.81:8848 (protocol version 1, src/wire/ipvs-sync.ts); on the
 * backup it listens on that port and installs each entry in its own
 * connection table, so that after a takeover the established connections
 * keep their real server. keepalived switches the daemon with the VRRP
 * state (master daemon on MASTER, backup daemon otherwise).
 *
 * When a connection is synced follows ip_vs_sync_conn_needed() with the
 * default sysctls (sync_threshold 3, sync_period 50, sync_refresh_period
 * 0): a TCP connection is synced only in ESTABLISHED, FIN_WAIT, CLOSE,
 * CLOSE_WAIT or TIME_WAIT; a change into one of the closing states is
 * synced at once; otherwise when the count of packets from the client is
 * 3, 53, 103... The buffer goes out when it is full or
 * IPVS_SYNC_FLUSH_TIME (2 s) after its first entry (the kernel's thread
 * looks once a second, so a real one can be up to a second later):
 * connections younger than that are lost in a failover even with sync.
 */
import { fmtIp } from '../wire/addr.js';
import { ipv4 as mkIpv4, udp as mkUdp } from '../wire/build.js';
import { IPPROTO, IP_FLAG } from '../wire/types.js';
import { decodeSync, encodeSync, IPVS_CONN_F, IPVS_SYNC, type SyncConn } from '../wire/ipvs-sync.js';
import { SEC } from '../sim/time.js';
import type { EventTarget, Timer } from '../sim/sim.js';
import type { Iface } from '../net/iface.js';
import type { Frame } from '../trace/events.js';
import type { UdpSocket } from '../net/udp.js';
import { LB_TCP, type LbConn } from './conn.js';
import type { LoadBalancer } from './node.js';
import type { VrrpListener, VrrpState } from './vrrp.js';

/** Options of the sync daemon. */
export interface ConnSyncConfig {
  /** The interface sync messages go out of and arrive on. */
  readonly iface: string;
  /** The sync id both LBs must share (default 0). */
  readonly syncid?: number;
}

/** IPVS_SYNC_FLUSH_TIME: a buffer is sent at the latest this long after its first entry. */
export const SYNC_FLUSH_TIME = 2 * SEC;
/** Entries per message: what fits a 1500-byte MTU (sync_maxlen = MTU - IP - UDP headers). */
const MAX_CONNS = Math.floor((1500 - 20 - 8 - IPVS_SYNC.HEADER_LEN) / IPVS_SYNC.CONN_V4_LEN);
/** sync_threshold and sync_period defaults. */
const SYNC_THRESHOLD = 3;
const SYNC_PERIOD = 50;

const EV_FLUSH = 1;

/** TCP states IPVS syncs (ip_vs_sync_conn_needed). */
const SYNCED_STATES = new Set<number>([LB_TCP.ESTABLISHED, LB_TCP.FIN_WAIT, LB_TCP.CLOSE, LB_TCP.CLOSE_WAIT, LB_TCP.TIME_WAIT]);

/** The sync daemon of one LB. */
export class ConnSync implements EventTarget, VrrpListener {
  readonly label: string;
  readonly iface: Iface;
  readonly syncid: number;
  /** 'master' sends, 'backup' receives, 'off' does neither (VRRP init or fault). */
  role: 'master' | 'backup' | 'off' = 'off';
  private buffer: SyncConn[] = [];
  private flushTimer: Timer | null = null;
  private sock: UdpSocket | null = null;
  /** The source port of the master's socket (bound once, like the kernel's send socket). */
  private readonly sport: number;
  private readonly oldState = new WeakMap<LbConn, number>();
  private ipId = 0;
  /** Counters for reports and tests. */
  readonly stats = { messagesSent: 0, connsSent: 0, messagesReceived: 0, connsInstalled: 0 };

  constructor(
    readonly lb: LoadBalancer,
    cfg: ConnSyncConfig,
  ) {
    const iface = lb.iface(cfg.iface);
    if (!iface || iface === lb.lo || iface.addrs.length === 0) throw new Error(`sync: ${lb.name} has no interface ${cfg.iface} with an address`);
    this.iface = iface;
    this.syncid = cfg.syncid ?? 0;
    this.label = `ipvs sync ${lb.name}`;
    this.sport = lb.udp.ephemeral();
    // The kernel's send socket is connected to the group: its IP ids count up from a random start (ip4_datagram_connect).
    this.ipId = lb.rng.int(65536);
  }

  /** Follows the VRRP state: MASTER runs the master daemon, BACKUP the backup daemon. */
  vrrpState(state: VrrpState): void {
    const role = state === 'master' ? 'master' : state === 'backup' ? 'backup' : 'off';
    if (role === this.role) return;
    const lb = this.lb;
    if (this.role === 'master') {
      lb.syncHook = null;
      this.lb.net.sim.cancel(this.flushTimer);
      this.flushTimer = null;
      this.buffer = [];
    }
    if (this.role === 'backup' && this.sock) {
      this.sock.close();
      this.sock = null;
      lb.leaveGroup(this.iface, IPVS_SYNC.GROUP);
    }
    this.role = role;
    if (role === 'master') lb.syncHook = (c) => this.conn(c);
    if (role === 'backup') {
      lb.joinGroup(this.iface, IPVS_SYNC.GROUP);
      this.sock = lb.udp.bind(IPVS_SYNC.PORT, { message: (_s, data, from, _sp, _ip, frame) => this.receive(data, from, frame) });
    }
    lb.net.trace.state(lb.name, { what: 'note', detail: { syncDaemon: role } }, () => `${lb.name}: IPVS sync daemon ${role === 'off' ? 'stopped' : `runs as ${role}`} on ${this.iface.name}`);
  }

  /** A request packet of a connection passed the master: sync it when IPVS would. */
  private conn(c: LbConn): void {
    if (!this.needed(c)) return;
    const fwd = c.mode === 'dsr' ? IPVS_CONN_F.DROUTE : c.mode === 'tunnel' ? IPVS_CONN_F.TUNNEL : IPVS_CONN_F.MASQ;
    if (c.mode === 'snat' || c.mode === 'transparent') return; // not IPVS forwarding methods: nothing to say in the sync format
    const flags = fwd | (c.inputOnly ? IPVS_CONN_F.NOOUTPUT : 0) | (c.inactive ? IPVS_CONN_F.INACTIVE : 0);
    this.buffer.push({
      protocol: c.proto,
      flags,
      state: c.state,
      cport: c.cport,
      vport: c.vport,
      dport: c.sport,
      fwmark: 0,
      timeout: Math.round(c.timeout() / SEC),
      caddr: c.client,
      vaddr: c.vip,
      daddr: c.server,
    });
    if (this.buffer.length >= MAX_CONNS) this.flush();
    else if (this.flushTimer === null) this.flushTimer = this.lb.net.sim.timer(SYNC_FLUSH_TIME, this, EV_FLUSH);
  }

  /** ip_vs_sync_conn_needed() with the default sysctls (see the module comment). */
  private needed(c: LbConn): boolean {
    const pkts = c.inPkts;
    if (c.proto === IPPROTO.TCP) {
      if (!SYNCED_STATES.has(c.state)) return false;
      const old = this.oldState.get(c) ?? LB_TCP.NONE;
      const force = c.state !== old;
      if (force && c.state !== LB_TCP.ESTABLISHED) {
        this.oldState.set(c, c.state);
        return true;
      }
      if (pkts % SYNC_PERIOD !== SYNC_THRESHOLD) return false;
      this.oldState.set(c, c.state);
      return true;
    }
    return pkts % SYNC_PERIOD === SYNC_THRESHOLD;
  }

  private flush(): void {
    this.lb.net.sim.cancel(this.flushTimer);
    this.flushTimer = null;
    if (this.buffer.length === 0) return;
    const conns = this.buffer;
    this.buffer = [];
    const lb = this.lb;
    const src = this.iface.addrs[0]!.addr;
    const payload = encodeSync({ syncid: this.syncid, conns });
    // The kernel's send socket: multicast TTL sync_ttl (1), loop off; a UDP socket wants PMTU discovery, so DF is set
    // and the connected socket's id counter is used (ip_select_ident_segs).
    this.ipId = (this.ipId + 1) & 0xffff;
    const ip = mkIpv4({ src, dst: IPVS_SYNC.GROUP, ttl: 1, id: this.ipId, frag: IP_FLAG.DF }, mkUdp(src, IPVS_SYNC.GROUP, this.sport, IPVS_SYNC.PORT, payload));
    this.stats.messagesSent++;
    this.stats.connsSent += conns.length;
    lb.sendMulticast(this.iface, ip);
  }

  private receive(data: Uint8Array, from: number, frame: Frame): void {
    const lb = this.lb;
    const trace = lb.net.trace;
    const m = decodeSync(data);
    if (typeof m === 'string') {
      trace.drop(lb.name, this.iface.name, frame, 'ipvs-sync-ignored', () => `${lb.name} cannot read the sync message from ${fmtIp(from)}: ${m}`);
      return;
    }
    if (m.syncid !== this.syncid) {
      trace.drop(lb.name, this.iface.name, frame, 'ipvs-sync-ignored', () => `the sync message from ${fmtIp(from)} has sync id ${m.syncid}; ${lb.name} uses ${this.syncid}`);
      return;
    }
    this.stats.messagesReceived++;
    for (const e of m.conns) {
      const r = lb.adoptConn({ proto: e.protocol, client: e.caddr, cport: e.cport, vip: e.vaddr, vport: e.vport, server: e.daddr, sport: e.dport, state: e.state, timeoutNs: e.timeout * SEC });
      if (typeof r === 'string') trace.state(lb.name, { what: 'note', detail: { sync: 'skipped' } }, () => `${lb.name} skips a synced connection: ${r}`);
      else this.stats.connsInstalled++;
    }
  }

  onEvent(kind: number): void {
    if (kind === EV_FLUSH) {
      this.flushTimer = null;
      if (this.role === 'master') this.flush();
    }
  }

  kindName(): string {
    return 'IPVS sync flush';
  }
}

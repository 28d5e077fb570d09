/**
 * Source-IP persistence ("sticky sessions"), with IPVS's `-p timeout` and
 * `-M netmask` semantics: a table maps a client address (masked by the
 * persistent netmask, so a whole /24 can share one server) to the backend
 * that served it, and new connections from that client go to the same
 * backend while the entry lives.
 *
 * The exact rule lblab implements (docs/schedulers.md, "Persistence"):
 * an entry never expires while it has open connections; when its last
 * connection closes at time t it expires at t + timeout (an entry created
 * without a connection counts from its creation). IPVS is close to this
 * but coarser: its template has a timer of `timeout` that is re-armed on
 * each new connection and, while connections are still open, re-armed
 * again when it fires (ip_vs_conn_expire: n_control > 0), so a real
 * template dies between 0 and `timeout` after the last connection ends.
 *
 * When the entry's server is down or disabled, lookup drops the entry and
 * the caller schedules afresh: the client lands on another server and its
 * server-side session (cart, login) is gone. A draining server or one at
 * weight 0 keeps its persistent clients, as IPVS does for quiescent
 * servers (sysctl expire_quiescent_template=0, the default) and HAProxy
 * does in "drain"; `expireQuiescent: true` drops them too.
 *
 * Time is integer nanoseconds passed in by the caller; lookup allocates
 * nothing (creating an entry allocates once per client).
 */
import { fmtIp } from '../wire/addr.js';
import type { Ipv4Addr } from '../wire/types.js';
import { fmtDuration, fmtTime } from '../sim/time.js';
import { AVAIL, AVAIL_WORDS, availability, type Backend } from './sched/backend.js';

/** Options of a persistence table. */
export interface PersistOptions {
  /** How long (ns) an entry outlives the last connection of its client (IPVS ipvsadm -p, default 300 s there). */
  readonly timeoutNs: number;
  /** Persistent netmask applied to the client address (IPVS ipvsadm -M); default 255.255.255.255. */
  readonly netmask?: Ipv4Addr;
  /** Drop entries whose server is draining or at weight 0 (IPVS sysctl expire_quiescent_template=1); default false. */
  readonly expireQuiescent?: boolean;
}

/** One persistence entry: a (masked) client and the backend it sticks to. */
export interface PersistEntry {
  /** The client address after the netmask (the table key). */
  readonly client: Ipv4Addr;
  /** The backend index the client sticks to. */
  backend: number;
  /** Connections of this client to that backend that are still open. */
  conns: number;
  /** When the last connection closed (or the entry was created without one), ns. */
  idleSince: number;
  /** When the entry was created, ns. */
  readonly created: number;
}

/** What a lookup found, as a stable code. */
export type PersistOutcome = 'none' | 'miss' | 'hit' | 'hit-quiescent' | 'expired' | 'server-unavailable';

/** A description of the last lookup, for the trace and for people. */
export interface PersistDecision {
  /** What the lookup found. */
  readonly outcome: PersistOutcome;
  /** The client address looked up (unmasked). */
  readonly client: Ipv4Addr;
  /** The backend index returned, or -1 when the caller must schedule. */
  readonly index: number;
  /** The backend the entry named (even when it was dropped), or null when there was no entry. */
  readonly server: string | null;
  /** One plain sentence. */
  readonly sentence: string;
}

/** The source-IP persistence table of one virtual service. */
export class PersistenceTable {
  /** The timeout (ns). */
  readonly timeoutNs: number;
  /** The persistent netmask. */
  readonly netmask: number;
  /** Whether quiescent (draining, weight 0) servers lose their persistent clients. */
  readonly expireQuiescent: boolean;
  private readonly map = new Map<number, PersistEntry>();
  private pool: readonly Backend[] = [];
  private outcome: PersistOutcome = 'none';
  private client = 0;
  private index = -1;
  private backend = -1;
  private availCode = 0;
  private conns = 0;
  private idleSince = 0;

  /** A table with the given timeout, netmask and quiescent policy. */
  constructor(opts: PersistOptions) {
    if (!(opts.timeoutNs >= 0)) throw new Error(`persistence timeout must be >= 0 ns, got ${opts.timeoutNs}`);
    this.timeoutNs = opts.timeoutNs;
    this.netmask = (opts.netmask ?? 0xffffffff) >>> 0;
    this.expireQuiescent = opts.expireQuiescent ?? false;
  }

  /** The table key of a client: its address masked by the persistent netmask. */
  keyOf(client: Ipv4Addr): number {
    return (client & this.netmask) >>> 0; // IPVS -M: the template is keyed by (client & netmask)
  }

  /** When an entry expires (ns): never while it has open connections, else idleSince + timeout. */
  expiresAt(e: PersistEntry): number {
    return e.conns > 0 ? Infinity : e.idleSince + this.timeoutNs;
  }

  /**
   * The backend index the client sticks to, or -1 when the caller must
   * schedule: no entry, an expired one, or one whose server is down or
   * disabled (both dropped here). Allocation-free.
   */
  lookup(client: Ipv4Addr, now: number, backends: readonly Backend[]): number {
    this.pool = backends;
    this.client = client;
    this.index = -1;
    this.backend = -1;
    const key = this.keyOf(client);
    const e = this.map.get(key);
    if (!e) {
      this.outcome = 'miss';
      return -1;
    }
    this.backend = e.backend;
    this.conns = e.conns;
    this.idleSince = e.idleSince;
    if (now >= this.expiresAt(e)) {
      this.map.delete(key);
      this.outcome = 'expired';
      return -1;
    }
    const b = backends[e.backend];
    const c = b ? availability(b) : AVAIL.DOWN;
    this.availCode = c;
    const quiescent = c === AVAIL.DRAINING || c === AVAIL.WEIGHT0;
    if (c === AVAIL.DOWN || c === AVAIL.DISABLED || (quiescent && this.expireQuiescent)) {
      // docs/lessons/health-persistence.md: the sticky server is gone; the client is rescheduled and its server-side session is lost.
      this.map.delete(key);
      this.outcome = 'server-unavailable';
      return -1;
    }
    // IPVS expire_quiescent_template=0: a quiescent server keeps its persistent clients.
    this.outcome = quiescent ? 'hit-quiescent' : 'hit';
    this.index = e.backend;
    return e.backend;
  }

  /** Records a new connection of `client` to `backend` at `now`: creates or re-points the entry and counts the connection. */
  connectionOpened(client: Ipv4Addr, backend: number, now: number): void {
    const key = this.keyOf(client);
    const e = this.map.get(key);
    if (e && e.backend === backend) {
      e.conns++;
      return;
    }
    // No entry, or the caller chose another server (entry dropped or ignored): the client now sticks to `backend`.
    this.map.set(key, { client: key, backend, conns: 1, idleSince: now, created: now });
  }

  /** Creates an entry without counting a connection (for example from a synced peer); it expires timeout after `now`. */
  bind(client: Ipv4Addr, backend: number, now: number): void {
    const key = this.keyOf(client);
    this.map.set(key, { client: key, backend, conns: 0, idleSince: now, created: now });
  }

  /** Records that a connection of `client` to `backend` closed at `now`; the last one starts the timeout. */
  connectionClosed(client: Ipv4Addr, backend: number, now: number): void {
    const e = this.map.get(this.keyOf(client));
    if (!e || e.backend !== backend || e.conns === 0) return; // a connection of an entry already dropped or replaced
    e.conns--;
    if (e.conns === 0) e.idleSince = now;
  }

  /** Removes the entries that stick to `backend` (its server went down) and returns them. */
  dropServer(backend: number): PersistEntry[] {
    const out: PersistEntry[] = [];
    for (const [k, e] of this.map) {
      if (e.backend !== backend) continue;
      this.map.delete(k);
      out.push(e);
    }
    return out;
  }

  /** Removes every entry that has expired by `now`; returns how many were removed. */
  sweep(now: number): number {
    let removed = 0;
    for (const [k, e] of this.map) {
      if (now >= this.expiresAt(e)) {
        this.map.delete(k);
        removed++;
      }
    }
    return removed;
  }

  /** The entry for a client (after masking), or undefined. */
  get(client: Ipv4Addr): PersistEntry | undefined {
    return this.map.get(this.keyOf(client));
  }

  /** Number of entries (expired ones included until a lookup or sweep removes them). */
  get size(): number {
    return this.map.size;
  }

  /** All entries, in insertion order. */
  entries(): IterableIterator<PersistEntry> {
    return this.map.values();
  }

  /** Forgets every entry. */
  clear(): void {
    this.map.clear();
  }

  /** Describes the last lookup in one sentence. */
  explain(): PersistDecision {
    const who = this.clientText();
    const name = this.backend >= 0 ? (this.pool[this.backend]?.name ?? `#${this.backend}`) : null;
    let sentence: string;
    switch (this.outcome) {
      case 'none':
        sentence = 'persistence: no lookup yet';
        break;
      case 'miss':
        sentence = `persistence: no entry for client ${who}: it is scheduled normally`;
        break;
      case 'expired':
        sentence =
          `persistence: client ${who}'s entry for ${name} expired at ${fmtTime(this.idleSince + this.timeoutNs)} ` +
          `(${fmtDuration(this.timeoutNs)} after its last connection ended at ${fmtTime(this.idleSince)}): it is scheduled normally`;
        break;
      case 'server-unavailable':
        sentence = `${name} is ${AVAIL_WORDS[this.availCode]}: client ${who} is rescheduled; its server-side session is gone`;
        break;
      case 'hit':
        sentence = `persistence: client ${who} sticks to ${name} (${this.stateText()})`;
        break;
      case 'hit-quiescent':
        sentence =
          `persistence: ${name} is ${AVAIL_WORDS[this.availCode]} but client ${who} still sticks to it ` +
          `(${this.stateText()}; IPVS expire_quiescent_template=0)`;
        break;
    }
    return { outcome: this.outcome, client: this.client, index: this.index, server: name, sentence };
  }

  private clientText(): string {
    if (this.netmask === 0xffffffff) return fmtIp(this.client);
    let bits = 0;
    for (let m = this.netmask; m !== 0; m = (m << 1) >>> 0) bits++;
    return `${fmtIp(this.client)} (as ${fmtIp(this.keyOf(this.client))}/${bits})`;
  }

  private stateText(): string {
    if (this.conns > 0) return `${this.conns} connection${this.conns === 1 ? '' : 's'} open`;
    return `idle since ${fmtTime(this.idleSince)}, expires at ${fmtTime(this.idleSince + this.timeoutNs)}`;
  }
}

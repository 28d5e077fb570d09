/**
 * The contract between the load balancer node and its schedulers, and the
 * machinery they share. A scheduler answers one question per new
 * connection: which server? `pick()` runs on the hot path, so it allocates
 * nothing: it copies the numbers it compared into typed arrays it owns
 * (grown only when the pool grows) and remembers a few fields. `explain()`
 * turns those numbers into a sentence, and only when someone asks.
 */
import { AVAIL, AVAIL_WORDS, availability, type Backend, type FlowKey } from './backend.js';

/** The names of the schedulers lblab has, as scenario files spell them. */
export type SchedulerName =
  | 'round-robin'
  | 'weighted-round-robin'
  | 'least-conn'
  | 'weighted-least-conn'
  | 'source-hash'
  | 'tuple-hash'
  | 'least-response-time'
  | 'maglev'
  | 'power-of-two'
  | 'random';

/** A description of the last pick: which server, why, and the numbers behind it. */
export interface SchedDecision {
  /** The scheduler that decided. */
  readonly scheduler: SchedulerName;
  /** The backend index picked, or -1 when no server was available (or nothing was picked yet). */
  readonly index: number;
  /** The picked server's name, or null. */
  readonly server: string | null;
  /** A stable code for filters and grading ("rr-next", "lc-fewest", "none-available", ...). */
  readonly reason: string;
  /** One plain sentence for people, naming the server and the numbers. */
  readonly sentence: string;
  /** The numbers the sentence is made of (hash, slot, active counts...), for tools. */
  readonly numbers: Readonly<Record<string, number>>;
}

/** A connection scheduler: picks a backend index per new flow and explains its last pick. */
export interface Scheduler {
  /** Which algorithm this is. */
  readonly name: SchedulerName;
  /**
   * Picks the server for a new flow: a backend index, or -1 when none is
   * available. Does not change `backends`; the caller counts the connection.
   * Allocation-free (except a one-off rebuild after the pool changed, for Maglev).
   */
  pick(flow: FlowKey, backends: readonly Backend[]): number;
  /** Describes the last pick (builds strings: call it when a person or the trace needs it). */
  explain(): SchedDecision;
  /** Forgets all state (position, current weights, lookup table) and starts over for this pool. */
  reset(backends: readonly Backend[]): void;
  /** Tells the scheduler the pool changed (health, weights, members) so it can rebuild now, not on the next pick. */
  onBackendsChanged(backends: readonly Backend[]): void;
}

const EMPTY: readonly Backend[] = [];

/**
 * What every scheduler shares: the copy of the pool's numbers taken at the
 * last pick (availability code, active count, weight per index) and the
 * helpers that format them. Subclasses implement `choose()` and `describe()`.
 */
export abstract class SchedulerBase implements Scheduler {
  /** Which algorithm this is. */
  abstract readonly name: SchedulerName;
  /** The pool of the last pick: read at explain() time for names only (names never change). */
  protected pool: readonly Backend[] = EMPTY;
  /** Pool size at the last pick. */
  protected n = 0;
  /** Number of available servers at the last pick. */
  protected avail = 0;
  /** The index picked last, -1 for none. */
  protected picked = -1;
  /** How many picks were made (explanations say "first pick"). */
  protected picks = 0;
  /** Availability code per index at the last pick (AVAIL). */
  protected code: Uint8Array = new Uint8Array(0);
  /** Active connections per index at the last pick. */
  protected act: Float64Array = new Float64Array(0);
  /** Inactive connections (handshake, closing, TIME_WAIT) per index at the last pick. */
  protected inact: Float64Array = new Float64Array(0);
  /** Weight per index at the last pick. */
  protected wt: Float64Array = new Float64Array(0);

  /** Picks a backend index (see Scheduler.pick). */
  pick(flow: FlowKey, backends: readonly Backend[]): number {
    this.capture(backends);
    this.picked = this.avail === 0 ? -1 : this.choose(flow, backends);
    this.picks++;
    return this.picked;
  }

  /** Describes the last pick (see Scheduler.explain). */
  explain(): SchedDecision {
    if (this.picks === 0) {
      return this.decision('no-pick', `${this.label()}: no connection has been scheduled yet`, {});
    }
    if (this.picked < 0) {
      const why = this.n === 0 ? 'the pool is empty' : `every server is unavailable (${this.listAll()})`;
      return this.decision('none-available', `${this.label()}: no server can take the connection: ${why}`, { available: 0 });
    }
    const d = this.describe();
    return this.decision(d.reason, `${this.label()}: ${d.text}`, d.numbers);
  }

  /** Forgets the scheduler's own state; subclasses add theirs. */
  reset(backends: readonly Backend[]): void {
    this.picked = -1;
    this.picks = 0;
    this.pool = backends;
  }

  /** Nothing to rebuild by default. */
  onBackendsChanged(backends: readonly Backend[]): void {
    this.pool = backends;
  }

  /** Chooses among the available servers (at least one is available when called). */
  protected abstract choose(flow: FlowKey, backends: readonly Backend[]): number;

  /** The reason code, the sentence after "<label>: " and its numbers, for the last (successful) pick. */
  protected abstract describe(): { reason: string; text: string; numbers: Record<string, number> };

  /** The words that open every sentence ("round robin"). */
  protected abstract label(): string;

  /** "3 active" or "3 active, 1 inactive": the numbers least-connection schedulers compare. */
  protected counts(i: number): string {
    return this.inact[i]! > 0 ? `${this.act[i]} active, ${this.inact[i]} inactive` : `${this.act[i]} active`;
  }

  /** IPVS's connection overhead of server i: active * 256 + inactive (ip_vs_dest_conn_overhead). */
  protected overhead(i: number): number {
    return this.act[i]! * 256 + this.inact[i]!;
  }

  /** Copies availability, active count and weight of every server; counts the available ones. */
  protected capture(backends: readonly Backend[]): void {
    const n = backends.length;
    if (n > this.code.length) this.grow(n);
    let avail = 0;
    for (let i = 0; i < n; i++) {
      const b = backends[i]!;
      const c = availability(b);
      this.code[i] = c;
      this.act[i] = b.active;
      this.inact[i] = b.inactive;
      this.wt[i] = b.weight;
      if (c === AVAIL.OK) avail++;
    }
    this.pool = backends;
    this.n = n;
    this.avail = avail;
  }

  /** Grows the typed arrays to hold `n` servers (rounded up, so growth is rare); subclasses grow theirs too. */
  protected grow(n: number): void {
    const cap = Math.max(8, 1 << Math.ceil(Math.log2(n)));
    this.code = resized(this.code, cap) as Uint8Array;
    this.act = resized(this.act, cap) as Float64Array;
    this.inact = resized(this.inact, cap) as Float64Array;
    this.wt = resized(this.wt, cap) as Float64Array;
  }

  /** The index of the k-th (0-based) available server in configured order, from the last capture. */
  protected nthAvailable(k: number): number {
    for (let i = 0; i < this.n; i++) {
      if (this.code[i] === AVAIL.OK) {
        if (k === 0) return i;
        k--;
      }
    }
    return -1;
  }

  /** The rank of server i among the available servers (0-based), from the last capture. */
  protected rankOf(i: number): number {
    let r = 0;
    for (let j = 0; j < i; j++) if (this.code[j] === AVAIL.OK) r++;
    return r;
  }

  /** A server's name, or "#i" when the pool no longer has it. */
  protected nameOf(i: number): string {
    return this.pool[i]?.name ?? `#${i}`;
  }

  /** "web2 down, web4 draining": the servers skipped at the last pick and why; "" when none. */
  protected listUnavailable(): string {
    const out: string[] = [];
    for (let i = 0; i < this.n; i++) {
      const c = this.code[i]!;
      if (c !== AVAIL.OK) out.push(`${this.nameOf(i)} ${AVAIL_WORDS[c]}`);
    }
    return out.join(', ');
  }

  /** Every server and its state at the last pick. */
  protected listAll(): string {
    const out: string[] = [];
    for (let i = 0; i < this.n; i++) out.push(`${this.nameOf(i)} ${AVAIL_WORDS[this.code[i]!]}`);
    return out.join(', ');
  }

  /** "; skipped: web2 down" or "" (appended to sentences). */
  protected skippedSuffix(): string {
    const u = this.listUnavailable();
    return u ? `; not eligible: ${u}` : '';
  }

  private decision(reason: string, sentence: string, numbers: Record<string, number>): SchedDecision {
    const index = this.picks === 0 ? -1 : this.picked;
    return {
      scheduler: this.name,
      index,
      server: index >= 0 ? this.nameOf(index) : null,
      reason,
      sentence,
      numbers,
    };
  }
}

/** A typed array of the same kind with at least `cap` elements, keeping the old contents. */
export function resized<T extends Uint8Array | Int32Array | Float64Array>(a: T, cap: number): T {
  if (a.length >= cap) return a;
  const Ctor = a.constructor as new (n: number) => T;
  const b = new Ctor(cap);
  b.set(a);
  return b;
}

/** Formats a 32-bit hash as 0x followed by eight hex digits. */
export function hex32(h: number): string {
  return `0x${(h >>> 0).toString(16).padStart(8, '0')}`;
}

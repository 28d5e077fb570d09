/**
 * The discrete-event core: an integer-nanosecond clock and a priority queue
 * of events ordered by (time, insertion sequence), so ties always break the
 * same way. Events are not closures: an event names a target object, a
 * numeric kind and two arguments, and fire-and-forget events are recycled
 * from a pool, so the hot path (frame deliveries) allocates nothing.
 *
 * Nothing here reads a wall clock. An event budget stops a runaway model
 * (an L2 loop, a retransmission storm) with a message that names what kept
 * firing.
 */
import { RngStreams, type Rng } from './rng.js';
import { fmtTime, type Nanos } from './time.js';

/** Something that receives events: every node, link and timer owner implements it. */
export interface EventTarget {
  /** A short name for messages ("link r1:eth0-sw1:p1", "host web1"). */
  readonly label: string;
  /** Handles one event. `kind` is the target's own event code. */
  onEvent(kind: number, a: unknown, b: unknown): void;
  /** Optional name of an event kind, for the budget message. */
  kindName?(kind: number): string;
}

/** A scheduled event. A handle returned by `timer()` can be cancelled; pooled events cannot. */
export class Timer {
  time: Nanos = 0;
  seq = 0;
  target: EventTarget | null = null;
  kind = 0;
  a: unknown = undefined;
  b: unknown = undefined;
  cancelled = false;
  /** True while the event sits in the queue. */
  pending = false;
  /** Pooled events return to the pool after firing; timers handed out to callers never do. */
  pooled = false;
}

/** Why a run stopped. */
export type StopReason = 'idle' | 'until' | 'budget' | 'memory' | 'stopped';

/** The outcome of `run()`. */
export interface RunResult {
  readonly reason: StopReason;
  /** Simulated time when the run stopped. */
  readonly now: Nanos;
  /** Events processed by this run. */
  readonly events: number;
  /** A sentence for people: why it stopped, and for a budget stop what kept firing. */
  readonly message: string;
}

/** Options of a simulation. */
export interface SimOptions {
  /** The seed from which every random stream derives. */
  readonly seed?: number;
  /** Maximum number of events a simulation may process in total before it is stopped. */
  readonly budget?: number;
}

const RECENT = 4096; // how many recent targets the budget message looks at

/** How often (in events, a power of two minus one as a mask) a run asks its guard. */
const GUARD_EVERY = 0xffff;

/**
 * A check the embedder installs to stop a run before it exhausts something
 * the simulation cannot see (the process's memory): asked every 65536
 * events, it returns null to go on or the sentence to stop with.
 */
export type RunGuard = (now: Nanos) => string | null;

/** A discrete-event simulation: clock, queue, random streams, budget. */
export class Sim {
  /** Current simulated time in nanoseconds. */
  now: Nanos = 0;
  /** Events processed so far (cancelled ones are not counted). */
  processed = 0;
  /** The event budget: `run` and `step` refuse to go beyond it. */
  budget: number;
  /** The random streams of this simulation. */
  readonly rng: RngStreams;
  /** Asked every 65536 events; a sentence stops the run with reason 'memory' (see RunGuard). */
  guard: RunGuard | null = null;

  private heap: Timer[] = [];
  private size = 0;
  private seq = 0;
  private pool: Timer[] = [];
  private stopRequested: string | null = null;
  private readonly recentTargets: (EventTarget | null)[] = new Array(RECENT).fill(null);
  private readonly recentKinds = new Int32Array(RECENT);

  /** Creates an empty simulation at time 0. */
  constructor(opts: SimOptions = {}) {
    this.rng = new RngStreams(opts.seed ?? 1);
    this.budget = opts.budget ?? 50_000_000;
  }

  /** The named random stream (see RngStreams). */
  stream(name: string): Rng {
    return this.rng.stream(name);
  }

  /** Number of events waiting, cancelled ones included until they surface. */
  get pendingCount(): number {
    return this.size;
  }

  /** Schedules a fire-and-forget event `delay` ns from now (pooled; cannot be cancelled). */
  post(delay: Nanos, target: EventTarget, kind: number, a?: unknown, b?: unknown): void {
    const ev = this.pool.pop() ?? new Timer();
    ev.pooled = true;
    ev.cancelled = false;
    this.insert(ev, this.now + delay, target, kind, a, b);
  }

  /** Schedules a cancellable event `delay` ns from now and returns its handle. */
  timer(delay: Nanos, target: EventTarget, kind: number, a?: unknown, b?: unknown): Timer {
    const ev = new Timer();
    this.insert(ev, this.now + delay, target, kind, a, b);
    return ev;
  }

  /** Schedules a cancellable event at an absolute time (not before now). */
  at(time: Nanos, target: EventTarget, kind: number, a?: unknown, b?: unknown): Timer {
    const ev = new Timer();
    this.insert(ev, time < this.now ? this.now : time, target, kind, a, b);
    return ev;
  }

  /** Cancels a pending timer; cancelling a fired or cancelled one does nothing. */
  cancel(t: Timer | null | undefined): void {
    if (t && t.pending) t.cancelled = true;
  }

  /**
   * Cancels every pending event whose target passes `owned`, pooled ones
   * included: what a power cut does to the timers of everything a host runs.
   * A scan of the queue, for rare events only. Returns how many it cancelled.
   */
  cancelWhere(owned: (target: EventTarget) => boolean): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      const ev = this.heap[i]!;
      if (!ev.cancelled && ev.target !== null && owned(ev.target)) {
        ev.cancelled = true;
        n++;
      }
    }
    return n;
  }

  /** Asks a running `run()` to stop after the current event. */
  stop(why: string): void {
    this.stopRequested = why;
  }

  private insert(ev: Timer, time: Nanos, target: EventTarget, kind: number, a: unknown, b: unknown): void {
    if (!Number.isSafeInteger(time)) throw new RangeError(`event time must be an integer count of nanoseconds, got ${time}`);
    ev.time = time;
    ev.seq = this.seq++;
    ev.target = target;
    ev.kind = kind;
    ev.a = a;
    ev.b = b;
    ev.pending = true;
    // sift up
    const heap = this.heap;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = heap[p]!;
      if (q.time < time || (q.time === time && q.seq < ev.seq)) break;
      heap[i] = q;
      i = p;
    }
    heap[i] = ev;
  }

  private popMin(): Timer {
    const heap = this.heap;
    const top = heap[0]!;
    const n = --this.size;
    if (n > 0) {
      const last = heap[n]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let cv = heap[l]!;
        if (r < n) {
          const rv = heap[r]!;
          if (rv.time < cv.time || (rv.time === cv.time && rv.seq < cv.seq)) {
            c = r;
            cv = rv;
          }
        }
        if (last.time < cv.time || (last.time === cv.time && last.seq < cv.seq)) break;
        heap[i] = cv;
        i = c;
      }
      heap[i] = last;
    }
    heap[n] = undefined as unknown as Timer;
    return top;
  }

  /** The time of the next live event, or null when none is left. */
  peekTime(): Nanos | null {
    while (this.size > 0 && this.heap[0]!.cancelled) this.release(this.popMin());
    return this.size > 0 ? this.heap[0]!.time : null;
  }

  private release(ev: Timer): void {
    ev.pending = false;
    ev.target = null;
    ev.a = ev.b = undefined;
    if (ev.pooled) this.pool.push(ev);
  }

  /** Processes exactly one live event. Returns false when nothing is left or the budget is spent. */
  step(): boolean {
    if (this.processed >= this.budget) return false;
    for (;;) {
      if (this.size === 0) return false;
      const ev = this.popMin();
      if (ev.cancelled) {
        this.release(ev);
        continue;
      }
      this.fire(ev);
      return true;
    }
  }

  private fire(ev: Timer): void {
    this.now = ev.time;
    const target = ev.target!;
    const slot = this.processed & (RECENT - 1);
    this.recentTargets[slot] = target;
    this.recentKinds[slot] = ev.kind;
    this.processed++;
    const { kind, a, b } = ev;
    ev.pending = false;
    if (ev.pooled) {
      ev.target = null;
      ev.a = ev.b = undefined;
      this.pool.push(ev);
    }
    target.onEvent(kind, a, b);
  }

  /**
   * Runs until no event is left, simulated time would pass `until`, the
   * budget is spent, or `stop()` is called. Events at exactly `until` run.
   */
  run(until: Nanos = Number.MAX_SAFE_INTEGER): RunResult {
    const start = this.processed;
    this.stopRequested = null;
    for (;;) {
      if (this.stopRequested !== null) {
        return this.result('stopped', start, `stopped at ${fmtTime(this.now)}: ${this.stopRequested}`);
      }
      if (this.size === 0) {
        return this.result('idle', start, `finished at ${fmtTime(this.now)}: no events left`);
      }
      const ev = this.heap[0]!;
      if (ev.cancelled) {
        this.release(this.popMin());
        continue;
      }
      if (ev.time > until) {
        this.now = until;
        return this.result('until', start, `stopped at ${fmtTime(until)} as asked; ${this.size} events still pending`);
      }
      if (this.processed >= this.budget) {
        return this.result('budget', start, this.budgetMessage());
      }
      if (this.guard !== null && (this.processed & GUARD_EVERY) === 0 && this.processed > start) {
        const why = this.guard(this.now);
        if (why !== null) return this.result('memory', start, why);
      }
      this.fire(this.popMin());
    }
  }

  private result(reason: StopReason, start: number, message: string): RunResult {
    return { reason, now: this.now, events: this.processed - start, message };
  }

  /** Names the targets and event kinds that dominated the last few thousand events. */
  private budgetMessage(): string {
    const counts = new Map<string, number>();
    const n = Math.min(RECENT, this.processed);
    for (let i = 0; i < n; i++) {
      const t = this.recentTargets[i];
      if (!t) continue;
      const k = this.recentKinds[i]!;
      const name = `${t.label} (${t.kindName ? t.kindName(k) : `event ${k}`})`;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const top = [...counts.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, 3);
    const what = top.map(([name, c]) => `${name}: ${Math.round((100 * c) / n)}%`).join(', ');
    return (
      `stopped at ${fmtTime(this.now)}: the event budget of ${this.budget.toLocaleString('en-US')} events is spent ` +
      `(a loop or a storm?). Of the last ${n} events, most came from ${what}`
    );
  }
}

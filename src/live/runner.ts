/**
 * The real-time mode of the event core: a runner that drives a Sim so that
 * simulated time keeps pace with a monotonic wall clock. It runs every
 * event that is due, then sleeps until the next one (or until a real frame
 * arrives, whichever comes first). A frame captured on a real device is
 * scheduled at the simulated time of its capture, and the runner records
 * the lag between the capture and the moment the simulation processes it.
 *
 * The Sim itself stays clock-free and deterministic; all wall-clock reading
 * and sleeping goes through the Pacer. Simulated time never runs ahead of
 * the wall clock, so a real frame is never scheduled in the simulation's
 * past: a late frame shows up as lag, not as reordered history.
 */
import type { EventTarget, RunResult, Sim, StopReason } from '../sim/sim.js';
import { fmtTime, type Nanos } from '../sim/time.js';
import { LagStats } from './lag.js';
import type { Pacer } from './pacer.js';

/** Options of a real-time run. */
export interface RealTimeOptions {
  /** Stop when simulated time reaches this (default: run until stopped). */
  readonly until?: Nanos;
  /** Called after every batch of due events (flush output, redraw a status line). */
  readonly onBatch?: () => void;
}

/** A real frame (or any outside event) waiting in the queue, with its capture time. */
interface Arrival {
  readonly target: EventTarget;
  readonly kind: number;
  readonly a: unknown;
  readonly b: unknown;
  /** Wall-clock time of the capture (pacer ns). */
  readonly captured: Nanos;
}

const EV_ARRIVAL = 1;

/** Drives a Sim in real time and schedules outside events at their wall-clock time. */
export class RealTimeRunner implements EventTarget {
  /** The event target's label. */
  readonly label = 'live bridge';
  /** Capture-to-processing lag of every outside event. */
  readonly lag = new LagStats();
  /** Outside events scheduled so far. */
  arrivals = 0;
  private readonly until: Nanos;
  /** Wall-clock time (pacer ns) that corresponds to simulated time `simBase`. */
  private wallBase = 0;
  private simBase = 0;
  private cancelWake: (() => void) | null = null;
  private stopWhy: string | null = null;
  private finish: ((r: RunResult) => void) | null = null;
  private startEvents = 0;
  private running = false;

  /** Creates a runner for `sim`; nothing runs until `run()`. */
  constructor(
    readonly sim: Sim,
    readonly pacer: Pacer,
    private readonly opts: RealTimeOptions = {},
  ) {
    this.until = opts.until ?? Number.MAX_SAFE_INTEGER;
  }

  /** The simulated time that corresponds to the wall clock now. */
  simNow(): Nanos {
    return this.simBase + (this.pacer.now() - this.wallBase);
  }

  /**
   * Runs until `until`, `stop()`, or a spent event budget. Resolves with the
   * outcome; the run never ends on its own for lack of events, since a real
   * frame may still arrive.
   */
  run(): Promise<RunResult> {
    if (this.running) throw new Error('the real-time runner is already running');
    this.running = true;
    this.wallBase = this.pacer.now();
    this.simBase = this.sim.now;
    this.startEvents = this.sim.processed;
    return new Promise((resolve) => {
      this.finish = resolve;
      this.schedule(0);
    });
  }

  /** Asks the run to end after the events being processed (Ctrl-C). */
  stop(why: string): void {
    this.stopWhy = why;
    if (this.running) this.schedule(0);
  }

  /**
   * Schedules an outside event (a captured frame) at the simulated time of
   * its capture, which is now. Called from I/O callbacks between batches.
   */
  arrive(target: EventTarget, kind: number, a: unknown, b: unknown): void {
    const captured = this.pacer.now();
    const arrival: Arrival = { target, kind, a, b, captured };
    this.arrivals++;
    this.sim.at(this.simBase + (captured - this.wallBase), this, EV_ARRIVAL, arrival);
    if (this.running) this.schedule(0);
  }

  /** Fires an outside event: records its lag and hands it to its target. */
  onEvent(kind: number, a: unknown): void {
    if (kind !== EV_ARRIVAL) return;
    const ev = a as Arrival;
    this.lag.add(this.pacer.now() - ev.captured);
    ev.target.onEvent(ev.kind, ev.a, ev.b);
  }

  /** Names the event kind for the budget message. */
  kindName(kind: number): string {
    return kind === EV_ARRIVAL ? 'real frame arrival' : `event ${kind}`;
  }

  private schedule(delay: Nanos): void {
    if (this.cancelWake) this.cancelWake();
    this.cancelWake = this.pacer.wake(delay, () => {
      this.cancelWake = null;
      this.batch();
    });
  }

  /** Runs every event that is due, then sleeps until the next one. */
  private batch(): void {
    const sim = this.sim;
    if (this.stopWhy !== null) return this.end('stopped', `stopped at ${fmtTime(sim.now)}: ${this.stopWhy}`);
    const target = Math.min(this.simNow(), this.until);
    const r = sim.run(target);
    // An idle simulation does not move its own clock; keep it in step with the wall clock.
    if (r.reason === 'idle' && sim.now < target) sim.now = target;
    this.opts.onBatch?.();
    if (r.reason === 'budget' || r.reason === 'stopped') return this.end(r.reason, r.message);
    if (target >= this.until) return this.end('until', `stopped at ${fmtTime(this.until)} as asked`);
    const next = sim.peekTime();
    const due = next === null ? this.until : Math.min(next, this.until);
    if (due === Number.MAX_SAFE_INTEGER) return; // nothing to do until a frame arrives or stop()
    this.schedule(Math.max(0, due - this.simNow()));
  }

  private end(reason: StopReason, message: string): void {
    if (this.cancelWake) this.cancelWake();
    this.cancelWake = null;
    this.running = false;
    const done = this.finish;
    this.finish = null;
    done?.({ reason, now: this.sim.now, events: this.sim.processed - this.startEvents, message });
  }
}

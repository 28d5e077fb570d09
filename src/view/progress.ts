/**
 * A progress line for long runs: simulated time reached, events processed
 * and events per second, on one line of a terminal that is rewritten in
 * place and erased at the end. It stays silent unless the sink is a
 * terminal and the run has already taken a moment (half a second by
 * default), and it redraws at most every 100 ms of wall time, so a short
 * run prints nothing and a long one pays for a handful of writes. It is
 * driven from outside (the CLI runs the simulation in slices and calls
 * `update` between them) and writes to a sink, never to the process.
 */
/** Simulated time (ns) in seconds to the millisecond: enough for a line that changes ten times a second. */
function secs(t: number): string {
  return `${(t / 1e9).toFixed(3)}s`;
}

/** Where the progress line goes: a write function and whether it is a terminal. */
export interface ProgressSink {
  write(s: string): void;
  readonly isTTY: boolean;
}

/** Options of a progress line. */
export interface ProgressOptions {
  /** Wall-clock milliseconds, monotonic (default `performance.now`); injectable for tests. */
  readonly now?: () => number;
  /** Stay silent until the run has taken this long (ms, default 500). */
  readonly delay?: number;
  /** Redraw at most this often (ms, default 100). */
  readonly interval?: number;
  /** The simulated time the run stops at (ns), to show "of ..."; null when open-ended. */
  readonly until?: number | null;
}

/** Where a run has got to, as the CLI reads it between slices. */
export interface ProgressSample {
  /** Simulated time reached (ns). */
  readonly simNow: number;
  /** Events processed so far. */
  readonly events: number;
}

/** A throttled, self-erasing progress line on a terminal. */
export class Progress {
  private readonly now: () => number;
  private readonly delay: number;
  private readonly interval: number;
  private readonly until: number | null;
  private readonly started: number;
  private lastDraw = -Infinity;
  private shown = false;
  /** How many times the line was drawn (for tests and the slicing heuristics). */
  draws = 0;

  /** Starts timing now; nothing is written until `update` decides to. */
  constructor(
    private readonly sink: ProgressSink,
    opts: ProgressOptions = {},
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.delay = opts.delay ?? 500;
    this.interval = opts.interval ?? 100;
    this.until = opts.until ?? null;
    this.started = this.now();
  }

  /** True when this indicator can ever print (its sink is a terminal); when false the caller need not slice the run. */
  get enabled(): boolean {
    return this.sink.isTTY;
  }

  /** Reports progress; draws the line only when the sink is a terminal, the delay has passed and the last draw is old enough. */
  update(s: ProgressSample): void {
    if (!this.sink.isTTY) return;
    const t = this.now();
    const elapsed = t - this.started;
    if (elapsed < this.delay || t - this.lastDraw < this.interval) return;
    this.lastDraw = t;
    this.shown = true;
    this.draws++;
    // \r and erase-to-end-of-line (ECMA-48 EL): the line is rewritten in place.
    this.sink.write(`\r\x1b[K${this.text(s, elapsed)}`);
  }

  /** The line's text for a sample, after `elapsedMs` of wall time. */
  text(s: ProgressSample, elapsedMs: number): string {
    const rate = elapsedMs > 0 ? Math.round((s.events * 1000) / elapsedMs) : 0;
    const of = this.until !== null ? ` of ${secs(this.until)}` : '';
    return `lblab: simulated ${secs(s.simNow)}${of}, ${s.events.toLocaleString('en-US')} events, ${rate.toLocaleString('en-US')} events/s`;
  }

  /** Erases the line if it was ever drawn, leaving the terminal as it was. */
  done(): void {
    if (this.shown) this.sink.write('\r\x1b[K');
    this.shown = false;
  }
}

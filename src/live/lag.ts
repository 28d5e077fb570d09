/**
 * Lag statistics of the live bridge: for every real frame, the wall-clock
 * time between its capture and the moment the simulation processes it.
 * Samples go into a growable typed array (8 bytes a frame, no allocation
 * per frame once it has grown); the median and the tail are computed when
 * a person asks (the status line, the final summary), and again only when
 * new samples came in.
 */
import type { Nanos } from '../sim/time.js';

/** A summary of the lags recorded so far, in nanoseconds. */
export interface LagSummary {
  /** Number of samples. */
  readonly count: number;
  readonly median: Nanos;
  readonly p99: Nanos;
  readonly max: Nanos;
}

/** Records lag samples and summarises them. */
export class LagStats {
  private samples = new Float64Array(1024);
  private n = 0;
  private maxSeen = 0;
  /** The last summary and the sample count it was made at: a status line asks several times a second. */
  private cached: LagSummary = { count: 0, median: 0, p99: 0, max: 0 };

  /** Records one sample (ns); negative samples (a clock that went backwards) count as 0. */
  add(lag: Nanos): void {
    if (this.n === this.samples.length) {
      const next = new Float64Array(this.samples.length * 2);
      next.set(this.samples);
      this.samples = next;
    }
    const v = lag > 0 ? lag : 0;
    this.samples[this.n++] = v;
    if (v > this.maxSeen) this.maxSeen = v;
  }

  /** Number of samples so far. */
  get count(): number {
    return this.n;
  }

  /** The median, 99th percentile (nearest rank) and maximum of the samples; zeros when there are none. */
  summary(): LagSummary {
    const n = this.n;
    if (n === this.cached.count) return this.cached;
    const s = this.samples.slice(0, n).sort();
    // The median of an even count is the mean of the two middle samples.
    const median = n % 2 === 1 ? s[(n - 1) >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
    const p99 = s[Math.min(n - 1, Math.ceil(0.99 * n) - 1)]!;
    this.cached = { count: n, median, p99, max: this.maxSeen };
    return this.cached;
  }
}

/** Formats a lag for people: "0.21 ms", "12 µs". */
export function fmtLag(ns: Nanos): string {
  if (ns < 1_000_000) return `${Math.round(ns / 1000)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}

/**
 * The quantities a scenario writes as text: durations, bandwidths, rates
 * and percentages. Each has one regular expression (also published in the
 * JSON Schema, so an editor flags a bad unit while typing) and one parser.
 * A duration must carry its unit: `5` could mean seconds or milliseconds,
 * and a lesson that silently waits a thousand times too long teaches nothing.
 */
import { parseDuration as parseDurationText } from '../sim/time.js';

/** A duration with its unit: ns, us (or µs), ms, s, m (minutes). */
export const DURATION_RE = /^\s*\d+(\.\d+)?\s*(ns|us|µs|ms|s|m)\s*$/;
/** The hint shown when a duration is written without a unit or with an unknown one. */
export const DURATION_HINT = 'write a duration with a unit, for example 10us, 1.5ms or 2s';

/** A bandwidth: bits per second with an optional k, M, G or T prefix ("1Gbps", "100Mbps", "10kbps"). */
export const BANDWIDTH_RE = /^\s*\d+(\.\d+)?\s*[kKMGT]?(bps|bit\/s)\s*$/;
/** The hint shown for a malformed bandwidth. */
export const BANDWIDTH_HINT = 'write a bandwidth such as 1Gbps, 100Mbps or 10kbps, or a plain number of bits per second (0 means infinitely fast)';

/** A rate of events: "100/s", optionally "poisson 100/s" for exponential gaps. */
export const RATE_RE = /^\s*(poisson\s+)?\d+(\.\d+)?\s*\/\s*s\s*$/;
/** The hint shown for a malformed rate. */
export const RATE_HINT = 'write a rate such as 100/s, or poisson 100/s for random (exponential) gaps';

/** A percentage: "10%", "2.5%". */
export const PERCENT_RE = /^\s*\d+(\.\d+)?\s*%\s*$/;
/** The hint shown for a malformed percentage. */
export const PERCENT_HINT = 'write a percentage such as 10% or 2.5%';

/** Parses a duration with a unit into integer nanoseconds (the number 0 is accepted too); null when it is not one. */
export function parseDuration(v: string | number): number | null {
  if (typeof v === 'number') return v === 0 ? 0 : null;
  if (!DURATION_RE.test(v)) return null;
  return parseDurationText(v);
}

const SI: Readonly<Record<string, number>> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** Parses a bandwidth into bits per second (a plain non-negative number is bits per second); null when it is not one. */
export function parseBandwidth(v: string | number): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (!BANDWIDTH_RE.test(v)) return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKMGT]?)/.exec(v)!;
  return Math.round(Number(m[1]) * SI[m[2]!]!);
}

/** A rate: events per second, and whether the gaps are exponential (a Poisson process) instead of fixed. */
export interface Rate {
  readonly perSec: number;
  readonly poisson: boolean;
}

/** Parses a rate ("100/s", "poisson 100/s"); null when it is not one. */
export function parseRate(v: string): Rate | null {
  if (!RATE_RE.test(v)) return null;
  const m = /^\s*(poisson\s+)?(\d+(?:\.\d+)?)/.exec(v)!;
  const perSec = Number(m[2]);
  if (perSec <= 0) return null;
  return { perSec, poisson: m[1] !== undefined };
}

/** Parses a percentage into a fraction ("10%" -> 0.1); null when it is not one. */
export function parsePercent(v: string): number | null {
  if (!PERCENT_RE.test(v)) return null;
  return Number(/\d+(?:\.\d+)?/.exec(v)![0]) / 100;
}

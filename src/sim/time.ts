/**
 * Simulated time is an integer count of nanoseconds held in a plain number
 * (exact up to 2^53 ns, about 104 days). These constants and the formatter
 * are the only place units are spelled out.
 */

/** Nanoseconds, the unit of simulated time. */
export type Nanos = number;

/** One nanosecond. */
export const NS = 1;
/** One microsecond in nanoseconds. */
export const US = 1_000;
/** One millisecond in nanoseconds. */
export const MS = 1_000_000;
/** One second in nanoseconds. */
export const SEC = 1_000_000_000;

/** One day in nanoseconds. */
export const DAY = 86_400 * SEC;

/**
 * The longest time a scenario or a replayed capture may name: 30 days. Times
 * are exact integers only up to 2^53 ns (about 104 days), and a run adds a
 * few of them (a start, a delay, an interval), so each stays well below.
 */
export const HORIZON = 30 * DAY;

/** Formats a time as seconds with microsecond precision ("1.000250s"); nanoseconds appear when present. */
export function fmtTime(t: Nanos): string {
  const s = Math.floor(t / SEC);
  const rest = t - s * SEC;
  if (rest % US === 0) return `${s}.${String(rest / US).padStart(6, '0')}s`;
  return `${s}.${String(rest).padStart(9, '0')}s`;
}

/** Formats a time as seconds with all nine decimals ("0.000010512s"), so columns of times line up. */
export function fmtTimeFixed(t: Nanos): string {
  const s = Math.floor(t / SEC);
  return `${s}.${String(t - s * SEC).padStart(9, '0')}s`;
}

/** Formats a duration in the largest unit that keeps it readable ("1.5ms", "300us", "2s"). */
export function fmtDuration(d: Nanos): string {
  if (d >= SEC) return `${+(d / SEC).toFixed(6)}s`;
  if (d >= MS) return `${+(d / MS).toFixed(3)}ms`;
  if (d >= US) return `${+(d / US).toFixed(3)}us`;
  return `${d}ns`;
}

/**
 * Parses a duration written with a unit ("10us", "1.5ms", "2s", "250ns");
 * a bare number is taken as seconds. Returns null when the text is not a duration.
 */
export function parseDuration(text: string): Nanos | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m)?\s*$/.exec(text);
  if (!m) return null;
  const v = Number(m[1]);
  const unit = m[2] ?? 's';
  const mult = unit === 'ns' ? NS : unit === 'us' || unit === 'µs' ? US : unit === 'ms' ? MS : unit === 'm' ? 60 * SEC : SEC;
  return Math.round(v * mult);
}

/**
 * Moving through a recorded trace: which events the list shows, and where
 * each key jumps (the next drop, the next rewrite, the next event about the
 * same packet, the first event at a time). Positions are indices into the
 * list of shown events; every function is pure and reads the immutable
 * trace, so going back always shows exactly what was shown before.
 */
import type { TraceEvent } from '../trace/events.js';
import { framesOf } from '../trace/events.js';

/** The indices (into `events`) of the events the list shows: all of them when verbose, else without receptions and ignored flooded frames. */
export function shownEvents(events: readonly TraceEvent[], verbose: boolean): Int32Array {
  if (verbose) return Int32Array.from({ length: events.length }, (_, i) => i);
  const out = new Int32Array(events.length);
  let n = 0;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    if (ev.kind === 'rx') continue;
    if (ev.kind === 'drop' && ev.code === 'not-for-me') continue; // flooded frames other hosts ignore, as hop lines hide them
    out[n++] = i;
  }
  return out.slice(0, n);
}

/** The position of the first shown event at or after trace index `index` (the last position when none). */
export function positionOf(shown: Int32Array, index: number): number {
  let lo = 0;
  let hi = shown.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (shown[mid]! < index) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(lo, Math.max(0, shown.length - 1));
}

/** The next (dir 1) or previous (dir -1) position after `from` whose event matches, or null. */
export function findFrom(events: readonly TraceEvent[], shown: Int32Array, from: number, dir: 1 | -1, match: (ev: TraceEvent) => boolean): number | null {
  for (let p = from + dir; p >= 0 && p < shown.length; p += dir) if (match(events[shown[p]!]!)) return p;
  return null;
}

/** The position of the first shown event at or after simulated time `t` (ns), or null when the trace ends before it. */
export function positionAtTime(events: readonly TraceEvent[], shown: Int32Array, t: number): number | null {
  let lo = 0;
  let hi = shown.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[shown[mid]!]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo < shown.length ? lo : null;
}

/**
 * Follows a packet: the position of the next shown event about a frame in
 * the lineage of the current event's frames (the frames themselves and every
 * frame made from them, through forwards, rewrites and encapsulations).
 * Null when the current event has no frame or the packet goes no further.
 */
export function followPacket(events: readonly TraceEvent[], shown: Int32Array, from: number): number | null {
  const cur = events[shown[from]!];
  if (!cur) return null;
  const lineage = new Set<number>(framesOf(cur).map((f) => f.id));
  if (lineage.size === 0) return null;
  const target = shown[from]!;
  let p = from + 1;
  // Walk the whole trace after the current event, so frames made at hidden events still join the lineage.
  for (let i = target + 1; i < events.length; i++) {
    const ev = events[i]!;
    let about = false;
    for (const f of framesOf(ev)) {
      if (lineage.has(f.id) || lineage.has(f.parent)) {
        about = true;
        lineage.add(f.id);
      }
    }
    while (p < shown.length && shown[p]! < i) p++;
    if (about && p < shown.length && shown[p] === i) return p;
  }
  return null;
}

/**
 * The wall clock of the live bridge's real-time mode, kept out of the
 * simulation core: the sim never reads a clock (it only has simulated
 * time); the real-time runner asks a Pacer what time it is and to be woken
 * later. `systemPacer` is the real one (the monotonic clock and Node's
 * timers); tests pass a manual one.
 */
import type { Nanos } from '../sim/time.js';

/** A monotonic clock and a way to be called back later. */
export interface Pacer {
  /** Monotonic wall-clock time in ns since the pacer was made. */
  now(): Nanos;
  /** Calls `fn` after about `delay` ns (0: as soon as pending I/O has been handled); returns a function that cancels it. */
  wake(delay: Nanos, fn: () => void): () => void;
}

/** Node's timers fire a millisecond late or so: sleep with setTimeout until about this close to the deadline, then yield with setImmediate. */
const SPIN_WINDOW = 2_000_000;

/** The real pacer: process.hrtime (CLOCK_MONOTONIC, immune to clock changes) and Node's timers. */
export function systemPacer(): Pacer {
  const origin = process.hrtime.bigint();
  return {
    now: () => Number(process.hrtime.bigint() - origin),
    wake(delay, fn) {
      if (delay > SPIN_WINDOW) {
        const t = setTimeout(fn, Math.floor((delay - SPIN_WINDOW / 2) / 1_000_000));
        return () => clearTimeout(t);
      }
      // setImmediate runs after the poll phase, so captured frames are read in between.
      const t = setImmediate(fn);
      return () => clearImmediate(t);
    },
  };
}

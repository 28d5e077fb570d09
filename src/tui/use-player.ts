/**
 * Playing a trace: while `playing`, calls `tick` at `perSecond` ticks a
 * second of wall time (the state decides what a tick does and when playing stops).
 */
import { useEffect, useRef } from 'react';

/** The speeds playing cycles through, in events a second. */
export const SPEEDS: readonly number[] = [1, 2, 5, 10, 25, 50, 100];

/** Runs `tick` on a timer while playing. */
export function usePlayer(playing: boolean, perSecond: number, tick: () => void): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => latest.current(), Math.max(10, Math.round(1000 / perSecond)));
    return () => clearInterval(timer);
  }, [playing, perSecond]);
}

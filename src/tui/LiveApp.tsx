/**
 * The TUI of a live run (lblab live --tui): the App on a trace that keeps
 * growing while real frames arrive. It takes a snapshot of the recorded
 * events and of the run's status a few times a second (only when something
 * changed), so the App's caches are rebuilt at that pace and not per event.
 */
import { useEffect, useState } from 'react';
import type { TraceEvent } from '../trace/events.js';
import { App, type AppProps } from './App.js';

/** Where a live run's trace and status are read from. */
export interface LiveSource {
  /** The events recorded so far (the recorder's array; it only grows). */
  events(): readonly TraceEvent[];
  /** One line: time, frames in and out, lag. */
  status(): string;
}

/** Props of LiveApp: those of App, with the trace and status read from `source`. */
export interface LiveAppProps extends Omit<AppProps, 'events' | 'live'> {
  readonly source: LiveSource;
  /** Milliseconds between snapshots (default 250). */
  readonly interval?: number;
}

/** The App, redrawn as a live run's trace grows. */
export function LiveApp({ source, interval = 250, ...rest }: LiveAppProps) {
  const [snap, setSnap] = useState(() => ({ events: source.events().slice(), status: source.status() }));
  useEffect(() => {
    const t = setInterval(() => {
      const n = source.events().length;
      const status = source.status();
      setSnap((s) => (s.events.length === n && s.status === status ? s : { events: source.events().slice(), status }));
    }, interval);
    return () => clearInterval(t);
  }, [source, interval]);
  return <App {...rest} events={snap.events} live={snap.status} />;
}

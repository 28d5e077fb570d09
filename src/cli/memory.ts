/**
 * The memory budget of a run, like the event budget: the process's
 * resident memory is looked at every 65536 events, and a run that goes over
 * the budget stops with a sentence that names the knobs (keep less, stop
 * earlier, send less) instead of growing until V8 aborts with "heap out of
 * memory". The default is well under the machine's memory and under V8's
 * own heap limit, which is what kills a process first.
 */
import os from 'node:os';
import v8 from 'node:v8';
import type { Network } from '../net/network.js';
import { fmtTime } from '../sim/time.js';

/** The default budget: half the machine's memory, and at most 90% of V8's heap limit. */
export function defaultMemoryBudget(): number {
  return Math.min(os.totalmem() / 2, v8.getHeapStatistics().heap_size_limit * 0.9);
}

/** Bytes as people read them: 1.5 GiB, 300 MiB. */
export function fmtBytes(n: number): string {
  return n >= 2 ** 30 ? `${+(n / 2 ** 30).toFixed(2)} GiB` : `${Math.round(n / 2 ** 20)} MiB`;
}

/** What a user can change when a run of a command keeps too much, said in the stop message. */
export const MEMORY_ADVICE = {
  /** Commands that keep nothing per event (run, pcap, check --record stream). */
  stream: 'What is left is the network itself (connections, sockets, timers): stop earlier with --until, or make fewer requests or clients.',
  /** check --record full. */
  checkFull: 'Grade with --record stream (the default), which keeps only what the expectations need, stop earlier with --until, or make fewer requests.',
  /** tui and explain, which keep the whole trace. */
  trace: 'This command keeps the whole trace: stop earlier with --until, or make fewer requests; lblab check and lblab pcap keep no trace.',
} as const;

/** Installs the memory budget on a network's run: over `limit` bytes of resident memory, the run stops with `advice`. */
export function guardMemory(net: Network, limit: number | undefined, advice: string): void {
  const budget = limit ?? defaultMemoryBudget();
  net.sim.guard = (now) => {
    const rss = process.memoryUsage.rss();
    if (rss <= budget) return null;
    return `stopped at ${fmtTime(now)}: the process uses ${fmtBytes(rss)}, over the memory budget of ${fmtBytes(budget)} (--memory). ${advice}`;
  };
}

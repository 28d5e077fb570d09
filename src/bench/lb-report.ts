/**
 * The LB rows of the benchmark: which sizes a `--sizes` item names (`lb`,
 * `lb-quick`, or `lb:MODE:CONNECTIONS`), one run's measurements, and the
 * markdown table with each row's events/s next to the UDP-echo row's of
 * the same benchmark run (the LB path's cost per event against the plain
 * data path's).
 */
import { LB_BENCH_MODES, type LbBenchMode, type LbBenchSpec } from './lb-scenario.js';

/** The connection counts of the `lb` set, per mode: 10 k to 1 M, for memory flat in connections. */
const LB_SIZES = [10_000, 100_000, 1_000_000];

/** Named sets of LB rows. */
export const LB_SETS: Readonly<Record<string, readonly LbBenchSpec[]>> = {
  lb: LB_BENCH_MODES.flatMap((mode) => LB_SIZES.map((connections) => ({ mode, connections }))),
  'lb-quick': LB_BENCH_MODES.map((mode) => ({ mode, connections: 10_000 })),
};

/** The LB rows an item of `--sizes` names, or null when it names none (a UDP size or set). Throws on a malformed lb:... item. */
export function parseLbItem(item: string): LbBenchSpec[] | null {
  const set = LB_SETS[item];
  if (set) return [...set];
  if (!item.startsWith('lb:')) return null;
  const m = /^lb:([a-z0-9]+):(\d+)$/.exec(item);
  if (!m || !(LB_BENCH_MODES as readonly string[]).includes(m[1]!) || Number(m[2]) < 100) {
    throw new Error(`cannot read LB size "${item}": write lb:MODE:CONNECTIONS with a mode of ${LB_BENCH_MODES.join(', ')} and at least 100 connections, e.g. lb:snat:100000`);
  }
  return [{ mode: m[1] as LbBenchMode, connections: Number(m[2]) }];
}

/** One LB run, as the child process reports it plus its wall time and peak RSS. */
export interface LbSample {
  readonly spec: LbBenchSpec;
  readonly wallS: number;
  readonly setupS: number;
  readonly runS: number;
  readonly connections: number;
  readonly completed: number;
  readonly passed: number;
  readonly expectations: number;
  readonly events: number;
  readonly hops: number;
  readonly stopped: string;
  readonly rssKb: number;
}

/** The one-line name of an LB row. */
export function lbName(s: LbBenchSpec): string {
  return `lb ${s.mode} ${s.connections.toLocaleString('en-US')} conns`;
}

function k(v: number): string {
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0);
}

/**
 * The LB table. `udpEventsPerS` is the UDP-echo reference row's events per
 * second of simulation run time in the same benchmark run (null when none
 * ran); LB rows are compared on run time too, so start-up and the build do
 * not count against either.
 */
export function renderLbTable(rows: readonly LbSample[], udpEventsPerS: number | null, udpName: string | null): string {
  const head = ['run', 'completed / made', 'expectations passed', 'wall s', 'run s', 'connections/s (run)', 'events', 'events/s (run)', `**vs UDP echo events/s**${udpName ? ` (${udpName})` : ''}`, 'frame-hops/s (run)', 'peak RSS MiB', 'ended'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const eps = r.events / r.runS;
    const ratio = udpEventsPerS ? `**${((100 * eps) / udpEventsPerS).toFixed(0)}%**` : '-';
    lines.push(
      `| ${lbName(r.spec)} | ${r.completed.toLocaleString('en-US')} / ${r.connections.toLocaleString('en-US')} | ${r.passed} / ${r.expectations} | ${r.wallS.toFixed(2)} | ${r.runS.toFixed(2)} | ${k(r.connections / r.runS)} | ${r.events.toLocaleString('en-US')} | ${k(eps)} | ${ratio} | ${k(r.hops / r.runS)} | ${(r.rssKb / 1024).toFixed(0)} | ${r.stopped} |`,
    );
  }
  return lines.join('\n');
}

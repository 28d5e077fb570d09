/**
 * The benchmark's results as values and as a markdown table: one row per
 * size, lblab and ns-3 side by side, medians over repetitions. Rates use
 * whole-process wall time, as for the ns-3 program, and each simulator's
 * own counts (frame-hops, events); the ratio is of frame-hops per second.
 */
import { lblabHops, ns3Hops, specName, type BenchSpec } from './workload.js';

/** One timed run of one simulator on one size. */
export interface Sample {
  /** Wall time of the whole process (start to exit), seconds. */
  readonly wallS: number;
  /** Wall time of building the network, seconds (inside the process). */
  readonly setupS: number;
  /** Wall time of the simulation run, seconds. */
  readonly runS: number;
  /** Events the simulator processed (each simulator's own notion of an event). */
  readonly events: number;
  /** Frame-hops (frames put on a link). */
  readonly hops: number;
  /** Datagrams sent and echoed. */
  readonly sent: number;
  readonly echoed: number;
  /** Peak resident set size, KiB. */
  readonly rssKb: number;
}

/** All runs of one size. */
export interface BenchRow {
  readonly spec: BenchSpec;
  readonly lblab: readonly Sample[];
  /** ns-3's runs, or null when ns-3 was not run. */
  readonly ns3: readonly Sample[] | null;
}

/** The median of numbers (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The sample with the median wall time (its counts travel with it). */
export function medianSample(xs: readonly Sample[]): Sample {
  const s = [...xs].sort((a, b) => a.wallS - b.wallS);
  return s[(s.length - 1) >> 1]!;
}

function si(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(0);
}

function int(v: number): string {
  return v.toLocaleString('en-US');
}

function mib(kb: number): string {
  return kb > 0 ? (kb / 1024).toFixed(0) : '-';
}

/** The median wall time of samples with the min-max range when there are several ("0.83 (0.48-1.10)"). */
function wall(xs: readonly Sample[]): string {
  const m = medianSample(xs).wallS.toFixed(2);
  if (xs.length < 2) return m;
  const w = xs.map((x) => x.wallS);
  return `${m} (${Math.min(...w).toFixed(2)}-${Math.max(...w).toFixed(2)})`;
}

/** Frame-hops per second of a sample (whole-process wall time). */
export function hopsPerSec(s: Sample): number {
  return s.hops / s.wallS;
}

/** Renders the comparison table (markdown). */
export function renderTable(rows: readonly BenchRow[]): string {
  const withNs3 = rows.some((r) => r.ns3 !== null && r.ns3.length > 0);
  const head = withNs3
    ? [
        'run (topo C S P)',
        'hosts',
        'echoed',
        'frame-hops lblab (ARP/flood)',
        'frame-hops ns-3 (ARP/flood)',
        'wall s lblab / ns-3 (min-max)',
        'frame-hops/s lblab',
        'frame-hops/s ns-3',
        '**ratio**',
        'datagrams/s lblab / ns-3',
        'events/s lblab / ns-3 (own events)',
        'peak RSS MiB lblab / ns-3',
      ]
    : ['run (topo C S P)', 'hosts', 'echoed', 'frame-hops (ARP/flood)', 'events', 'wall s', 'run s', 'frame-hops/s', 'datagrams/s', 'events/s', 'peak RSS MiB'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const s = r.spec;
    const hosts = s.clients + s.servers + (s.topo === 'router' ? 1 : 0);
    const l = medianSample(r.lblab);
    const lHops = lblabHops(s);
    const lCtrl = l.hops - lHops.data;
    const name = specName(s);
    if (!withNs3) {
      lines.push(
        `| ${name} | ${hosts} | ${int(l.echoed)} | ${int(l.hops)} (${int(lCtrl)}) | ${int(l.events)} | ${wall(r.lblab)} | ${l.runS.toFixed(2)} | ${si(hopsPerSec(l))} | ${si(l.echoed / l.wallS)} | ${si(l.events / l.wallS)} | ${mib(l.rssKb)} |`,
      );
      continue;
    }
    const n = r.ns3 && r.ns3.length > 0 ? medianSample(r.ns3) : null;
    const nh = ns3Hops(s);
    const ratio = n ? hopsPerSec(l) / hopsPerSec(n) : NaN;
    lines.push(
      [
        '',
        ` ${name} `,
        ` ${hosts} `,
        ` ${int(l.echoed)}${n && n.echoed !== l.echoed ? ` (ns-3 ${int(n.echoed)})` : ''} `,
        ` ${int(l.hops)} (${int(lCtrl)}) `,
        n ? ` ${int(n.hops)} (${int(nh.ctrl)}) ` : ' - ',
        ` ${wall(r.lblab)} / ${n ? wall(r.ns3!) : '-'} `,
        ` ${si(hopsPerSec(l))} `,
        ` ${n ? si(hopsPerSec(n)) : '-'} `,
        ` **${Number.isFinite(ratio) ? ratio.toFixed(2) : '-'}x** `,
        ` ${si(l.echoed / l.wallS)} / ${n ? si(n.echoed / n.wallS) : '-'} `,
        ` ${si(l.events / l.wallS)} / ${n ? si(n.events / n.wallS) : '-'} `,
        ` ${mib(l.rssKb)} / ${n ? mib(n.rssKb) : '-'} `,
        '',
      ].join('|'),
    );
  }
  return lines.join('\n');
}

/** The ratio of lblab's frame-hops/s to ns-3's for a row, or null without ns-3. */
export function rowRatio(r: BenchRow): number | null {
  if (!r.ns3 || r.ns3.length === 0) return null;
  return hopsPerSec(medianSample(r.lblab)) / hopsPerSec(medianSample(r.ns3));
}

/**
 * The sizes the benchmark runs: the "Required sizes" of docs/performance.md and its
 * static-ARP data-plane rows, a quick set for smoke runs, a memory set that
 * varies packets and hosts separately, and a parser for sizes named on the
 * command line.
 */
import { specProblem, type BenchSpec } from './workload.js';

function row(topo: 'lan' | 'router', clients: number, servers: number, packets: number, arp: 'dynamic' | 'static' = 'dynamic'): BenchSpec {
  return { topo, clients, servers, packets, arp };
}

const REQUIRED_CSP: readonly (readonly [number, number, number])[] = [
  [10, 2, 10000],
  [100, 4, 1000],
  [1000, 10, 100],
  [100, 4, 10000],
];

const STATIC_CSP: readonly (readonly [number, number, number])[] = [
  [100, 10, 1000],
  [1000, 10, 100],
  [10000, 10, 10],
];

/** Named sets of sizes. */
export const SIZE_SETS: Readonly<Record<string, readonly BenchSpec[]>> = {
  /** The "Required sizes": both topologies, normal ARP. */
  required: (['lan', 'router'] as const).flatMap((t) => REQUIRED_CSP.map(([c, s, p]) => row(t, c, s, p))),
  /** The data-plane rows: pre-filled neighbour tables, 100k datagrams each, 110 to 10010 hosts. */
  static: (['lan', 'router'] as const).flatMap((t) => STATIC_CSP.map(([c, s, p]) => row(t, c, s, p, 'static'))),
  /** The "Larger sizes". */
  large: [row('lan', 1000, 10, 1000), row('lan', 100, 4, 50000), row('router', 1000, 10, 1000), row('router', 100, 4, 25000)],
  /** Memory scaling: packets x1 / x10 / x50 at 104 hosts, then hosts x10 / x100 at 100k datagrams (static ARP). */
  memory: [
    row('lan', 100, 4, 1000, 'static'),
    row('lan', 100, 4, 10000, 'static'),
    row('lan', 100, 4, 50000, 'static'),
    row('lan', 1000, 10, 100, 'static'),
    row('lan', 10000, 10, 10, 'static'),
  ],
  /** Small sizes for a smoke run (a few seconds in all). */
  quick: [row('lan', 10, 2, 1000), row('router', 10, 2, 1000), row('lan', 100, 4, 100), row('lan', 100, 10, 100, 'static'), row('router', 100, 10, 100, 'static')],
};

/** The default sizes: required plus static rows. */
export const DEFAULT_SETS = ['required', 'static'] as const;

/**
 * Parses a comma-separated list of set names (`required`, `static`, `large`,
 * `memory`, `quick`) and sizes written `topo:C:S:P[:static]`
 * (e.g. `lan:100:4:1000,router:1000:10:100:static`). Throws with a sentence
 * naming the bad item.
 */
export function parseSizes(text: string): BenchSpec[] {
  const out: BenchSpec[] = [];
  for (const item of text.split(',').map((x) => x.trim()).filter((x) => x.length > 0)) {
    const set = SIZE_SETS[item];
    if (set) {
      out.push(...set);
      continue;
    }
    const m = /^(lan|router):(\d+):(\d+):(\d+)(?::(static|dynamic))?$/.exec(item);
    if (!m) throw new Error(`cannot read size "${item}": write a set (${Object.keys(SIZE_SETS).join(', ')}) or topo:C:S:P[:static], e.g. lan:100:4:1000`);
    const spec = row(m[1] as 'lan' | 'router', Number(m[2]), Number(m[3]), Number(m[4]), (m[5] ?? 'dynamic') as 'dynamic' | 'static');
    const problem = specProblem(spec);
    if (problem) throw new Error(`size "${item}": ${problem}`);
    out.push(spec);
  }
  return out;
}

/** Reads a size back from its name as specName writes it ("lan C=100 S=4 P=1000 arp=static"); null when it is not one. */
export function parseSpecName(name: string): BenchSpec | null {
  const m = /^(lan|router) C=(\d+) S=(\d+) P=(\d+)( arp=static)?$/.exec(name);
  return m ? row(m[1] as 'lan' | 'router', Number(m[2]), Number(m[3]), Number(m[4]), m[5] ? 'static' : 'dynamic') : null;
}

/** The ns-3 program's options for a size (qdisc off: the like-for-like anchor). */
export function ns3Args(s: BenchSpec): string[] {
  return [`--topo=${s.topo}`, `--clients=${s.clients}`, `--servers=${s.servers}`, `--packets=${s.packets}`, `--arp=${s.arp}`, '--qdisc=0'];
}

/**
 * The comparison of the two sides, capture point by capture point: within
 * each stream (a direction, sent or received, and an IP/port pair or ARP:
 * frames.ts streamOf) the frames must be the same lines (frames.ts) in the
 * same order; when every stream matches but the order across streams does
 * not, the point is "interleaving only" and the report gives the pair that
 * crossed and the time gap that decided it on the real side.
 */
import type { Verdict } from './case.js';
import { normaliser, streamOf, type CapturedFrame } from './frames.js';

/** The verdict of one capture point. */
export interface PointResult {
  readonly point: string;
  readonly verdict: Verdict;
  /** Empty for exact; otherwise the first difference. */
  readonly detail: string;
}

/** The verdict of a case. */
export interface CaseResult {
  readonly verdict: Verdict;
  readonly points: readonly PointResult[];
  /** Frames compared per side. */
  readonly frames: { readonly lblab: number; readonly kernel: number };
  /** Both sides' lines per point, for KERNEL_KEEP debugging: "point dir line". */
  readonly listing: { readonly lblab: string; readonly kernel: string };
}

interface Line {
  readonly text: string;
  /** Direction and stream (frames.ts streamOf): "out 10.0.0.10>10.0.1.100". */
  readonly stream: string;
  readonly dir: 'in' | 'out';
  readonly t: number;
}

const RANK: Readonly<Record<Verdict, number>> = { exact: 0, interleaving: 1, differs: 2 };

function windowed(frames: readonly CapturedFrame[], window: number): CapturedFrame[] {
  if (frames.length === 0) return [];
  const t0 = Math.min(...frames.map((f) => f.t));
  return frames.filter((f) => f.t - t0 < window);
}

function byPoint(frames: readonly CapturedFrame[], macNames: ReadonlyMap<number, string>): Map<string, Line[]> {
  // Time order (stable), so ISNs and clocks are numbered alike on both sides.
  const sorted = frames.map((f, i) => ({ f, i })).sort((a, b) => a.f.t - b.f.t || a.i - b.i).map((x) => x.f);
  const norm = normaliser(sorted, macNames);
  const out = new Map<string, Line[]>();
  for (const f of sorted) {
    let l = out.get(f.point);
    if (!l) out.set(f.point, (l = []));
    l.push({ text: norm.line(f.data), stream: `${f.dir} ${streamOf(f.data)}`, dir: f.dir, t: f.t });
  }
  return out;
}

function us(ns: number): string {
  return `${(ns / 1000).toFixed(ns < 10_000 ? 1 : 0)} µs`;
}

function comparePoint(point: string, sim: readonly Line[], real: readonly Line[]): PointResult {
  const streams = [...new Set([...sim, ...real].map((l) => l.stream))].sort();
  for (const st of streams) {
    const a = sim.filter((l) => l.stream === st);
    const b = real.filter((l) => l.stream === st);
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (a[i]?.text === b[i]?.text) continue;
      const [dir, flow] = st.split(' ') as [string, string];
      return {
        point,
        verdict: 'differs',
        detail: `frame ${i + 1} ${dir === 'out' ? 'sent' : 'received'} of ${flow} (${a.length} in lblab, ${b.length} on Linux):\n    lblab: ${a[i]?.text ?? '(none)'}\n    linux: ${b[i]?.text ?? '(none)'}`,
      };
    }
  }
  for (let i = 0; i < sim.length; i++) {
    if (sim[i]!.text === real[i]!.text && sim[i]!.stream === real[i]!.stream) continue;
    // real[i] came earlier on Linux than in lblab; the gap is to the frame lblab has here.
    const j = real.findIndex((l, k) => k > i && l.stream === sim[i]!.stream && l.text === sim[i]!.text);
    const gap = j > i ? real[j]!.t - real[i]!.t : 0;
    return {
      point,
      verdict: 'interleaving',
      detail: `Linux ${real[i]!.dir === 'out' ? 'sent' : 'received'} "${real[i]!.text}" ${us(gap)} before ${sim[i]!.dir === 'out' ? 'sending' : 'receiving'} "${sim[i]!.text}"; lblab has them the other way round`,
    };
  }
  return { point, verdict: 'exact', detail: '' };
}

/** Compares lblab's frames with the kernel's over the first `window` ns of each side. */
export function compareCaptures(lblab: readonly CapturedFrame[], kernel: readonly CapturedFrame[], window: number, macNames: ReadonlyMap<number, string>): CaseResult {
  const a = windowed(lblab, window);
  const b = windowed(kernel, window);
  const sim = byPoint(a, macNames);
  const real = byPoint(b, macNames);
  const points = [...new Set([...sim.keys(), ...real.keys()])].sort();
  const results = points.map((p) => comparePoint(p, sim.get(p) ?? [], real.get(p) ?? []));
  const verdict = results.reduce<Verdict>((v, r) => (RANK[r.verdict] > RANK[v] ? r.verdict : v), 'exact');
  const list = (m: Map<string, Line[]>, t0: number): string => [...m].flatMap(([p, ls]) => ls.map((l) => `${p} ${l.dir} ${((l.t - t0) / 1000).toFixed(1)}us ${l.text}`)).join('\n') + '\n';
  const first = (fs: readonly CapturedFrame[]): number => (fs.length ? Math.min(...fs.map((f) => f.t)) : 0);
  return { verdict, points: results, frames: { lblab: a.length, kernel: b.length }, listing: { lblab: list(sim, first(a)), kernel: list(real, first(b)) } };
}

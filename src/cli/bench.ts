/**
 * `lblab bench`: runs the benchmark workload (docs/performance.md) in
 * lblab, one fresh child process per size and repetition, and, when the
 * project's ns-3 program (src/bench/ns3) is given or built, runs ns-3 on the same
 * size right after it in the same invocation (qdisc off, the like-for-like
 * anchor), so both are measured on the same machine under the same load.
 * Wall time is measured around each child process (whole process, as the
 * the ns-3 figures of docs/performance.md were); peak RSS comes from `/usr/bin/time -v` when installed,
 * else from each process's own report.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SETS, ns3Args, parseSizes, parseSpecName, SIZE_SETS } from '../bench/matrix.js';
import { medianSample, renderTable, rowRatio, type BenchRow, type Sample } from '../bench/report.js';
import { specName, type BenchSpec } from '../bench/workload.js';
import { lbName, parseLbItem, renderLbTable, type LbSample } from '../bench/lb-report.js';
import type { LbBenchSpec } from '../bench/lb-scenario.js';
import { writeFileAtomic } from './files.js';

/** Options of `lblab bench`, as the CLI parses them. */
export interface BenchOptions {
  /** Run the small smoke sizes only. */
  readonly quick?: boolean;
  /** Sizes: set names and/or topo:C:S:P[:static], comma-separated (see parseSizes). */
  readonly sizes?: string;
  /** Path of the ns-3 program `lblab_ns3`, or `build` to build it from src/bench/ns3 into a temporary directory. */
  readonly ns3?: string;
  /** Repetitions per size and simulator (median reported; default 1). */
  readonly reps?: number | string;
  /** Write the markdown report here. */
  readonly out?: string;
  /** Write every sample as JSON lines here. */
  readonly raw?: string;
  /** Run nothing: re-render the report from JSON lines an earlier `--raw` wrote. */
  readonly fromRaw?: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(HERE, 'bench-child.js');
const LB_CHILD = path.join(HERE, 'bench-lb-child.js');
/** The UDP-echo row LB rows are compared with when the run names no UDP size: 100 k datagrams through a router, static ARP. */
const LB_REFERENCE = 'router:100:10:1000:static';
/** The project's ns-3 program, relative to the built CLI (dist/cli -> the repository). */
const NS3_SRC = path.resolve(HERE, '../../src/bench/ns3/lblab_ns3.cc');
/** The ns-3 modules the program links (pkg-config names). */
export const NS3_MODULES = ['ns3-core', 'ns3-network', 'ns3-internet', 'ns3-csma', 'ns3-bridge', 'ns3-applications', 'ns3-traffic-control'];
/** The packages that build it on Debian 12 (libgsl-dev: ns-3's libraries link GSL). */
const NS3_APT = 'apt-get install -y libns3-dev libgsl-dev g++ pkg-config';
const TIME = '/usr/bin/time';

interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallS: number;
}

function runChild(cmd: string, args: readonly string[], useTime: boolean): Promise<ChildRun> {
  const [c, a] = useTime ? [TIME, ['-v', cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (code) => {
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), wallS: (performance.now() - t0) / 1e3 });
    });
  });
}

function timeRssKb(stderr: string): number | null {
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return m ? Number(m[1]) : null;
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

async function runLblab(spec: BenchSpec, useTime: boolean): Promise<Sample> {
  const r = await runChild(process.execPath, [CHILD, JSON.stringify(spec)], useTime);
  if (r.code !== 0) throw new Error(`lblab child failed on ${specName(spec)} (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  const j = lastJson(r.stdout);
  return {
    wallS: r.wallS,
    setupS: j.setupS as number,
    runS: j.runS as number,
    events: j.events as number,
    hops: j.hops as number,
    sent: j.sent as number,
    echoed: j.echoed as number,
    rssKb: timeRssKb(r.stderr) ?? (j.rssKb as number),
  };
}

async function runLb(spec: LbBenchSpec, useTime: boolean): Promise<LbSample> {
  const r = await runChild(process.execPath, [LB_CHILD, JSON.stringify(spec)], useTime);
  if (r.code !== 0) throw new Error(`lblab child failed on ${lbName(spec)} (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  const j = lastJson(r.stdout) as unknown as Omit<LbSample, 'spec' | 'wallS'>;
  return { ...j, spec, wallS: r.wallS, rssKb: timeRssKb(r.stderr) ?? j.rssKb };
}

async function runNs3(bin: string, spec: BenchSpec, useTime: boolean): Promise<Sample> {
  const r = await runChild(bin, ns3Args(spec), useTime);
  if (r.code !== 0) throw new Error(`ns-3 failed on ${specName(spec)} (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  const j = lastJson(r.stdout);
  return {
    wallS: r.wallS,
    setupS: j.setup_s as number,
    runS: j.run_s as number,
    events: j.events as number,
    hops: j.hops_total as number,
    sent: j.sent as number,
    echoed: j.echoed as number,
    rssKb: timeRssKb(r.stderr) ?? (j.peak_rss_kb as number),
  };
}

/**
 * The g++ command line that builds the ns-3 program. Debian's 3.37
 * `pkg-config --cflags ns3-*` emits a broken `-I/usr\;` token, so only
 * `--libs` is taken from pkg-config; -DNS3_LOG_ENABLE matches how Debian
 * built the libraries (it turns no logging on).
 */
export function ns3BuildArgs(src: string, out: string, libs: readonly string[]): string[] {
  return ['-O2', '-std=c++17', '-DNS3_LOG_ENABLE', '-I/usr/include', '-o', out, src, ...libs];
}

/** Finds or builds the ns-3 program: its path, or the sentence that says why there is none. */
export function resolveNs3(opt: string, log: (s: string) => void, src: string = NS3_SRC): { bin: string } | { error: string } {
  if (opt !== 'build') {
    if (!existsSync(opt)) return { error: `ns-3: ${opt} does not exist; pass --ns3 build to build the program from ${src}` };
    return { bin: path.resolve(opt) };
  }
  if (!existsSync(src)) return { error: `ns-3: the program's source ${src} is missing (a partial install?)` };
  const pc = spawnSync('pkg-config', ['--libs', ...NS3_MODULES], { encoding: 'utf8' });
  if (pc.error || pc.status !== 0) {
    const why = pc.error ? 'pkg-config is not installed' : 'the ns-3 libraries are not installed';
    return { error: `ns-3: ${why}; install them with: ${NS3_APT}` };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lblab-ns3-'));
  const bin = path.join(dir, 'lblab_ns3');
  log(`ns-3: building ${bin} from ${src} (about a minute) ...`);
  const b = spawnSync('g++', ns3BuildArgs(src, bin, pc.stdout.trim().split(/\s+/)), { encoding: 'utf8' });
  if (b.error) return { error: `ns-3: g++ could not be run (${b.error.message}); install it with: ${NS3_APT}` };
  if (b.status !== 0 || !existsSync(bin)) return { error: `ns-3: the build failed (g++ exit ${b.status}):\n${(b.stderr ?? '').slice(-2000)}` };
  return { bin };
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, node ${process.version}`;
}

/** The table and the per-row verdicts against the 2x target, under a header. */
function report(header: readonly string[], rows: readonly BenchRow[]): string {
  const verdicts = rows
    .map((r) => ({ r, x: rowRatio(r) }))
    .filter((v) => v.x !== null)
    .map((v) => `- ${specName(v.r.spec)}: ${v.x!.toFixed(2)}x ns-3's frame-hops/s (${v.x! >= 2 ? 'meets' : 'misses'} the 2x target)`);
  return [...header, '', renderTable(rows), ...(verdicts.length ? ['', ...verdicts] : []), ''].join('\n');
}

/** Rebuilds the rows from the JSON lines `--raw` wrote (one sample per line, in run order). */
function rowsFromRaw(text: string): BenchRow[] {
  const rows = new Map<string, { spec: BenchSpec; lblab: Sample[]; ns3: Sample[] }>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const j = JSON.parse(line) as Sample & { sim: string; run: string };
    if (j.sim === 'lblab-lb') continue; // LB rows are not re-rendered (yet): they have no ns-3 counterpart
    const spec = parseSpecName(j.run);
    if (!spec) throw new Error(`cannot read the size "${j.run}"`);
    let r = rows.get(j.run);
    if (!r) rows.set(j.run, (r = { spec, lblab: [], ns3: [] }));
    (j.sim === 'ns-3' ? r.ns3 : r.lblab).push(j);
  }
  return [...rows.values()].filter((r) => r.lblab.length > 0).map((r) => ({ spec: r.spec, lblab: r.lblab, ns3: r.ns3.length > 0 ? r.ns3 : null }));
}

/** Runs the benchmark and prints (and optionally writes) the table; resolves to the process exit code. */
export async function benchCommand(opts: BenchOptions = {}): Promise<number> {
  const log = (s: string): void => {
    process.stderr.write(s + '\n');
  };
  if (opts.fromRaw) {
    let rows: BenchRow[];
    try {
      rows = rowsFromRaw(readFileSync(opts.fromRaw, 'utf8'));
    } catch (e) {
      log(`lblab bench: ${opts.fromRaw}: ${(e as Error).message}`);
      return 2;
    }
    const text = report([`Re-rendered from ${opts.fromRaw}; median by wall time; whole-process wall time; counters-only recorder.`], rows);
    process.stdout.write(text);
    if (opts.out) writeFileAtomic(opts.out, text);
    return 0;
  }
  let specs: BenchSpec[];
  const lbSpecs: LbBenchSpec[] = [];
  try {
    const udp: string[] = [];
    for (const item of (opts.sizes ?? (opts.quick ? 'quick' : DEFAULT_SETS.join(','))).split(',').map((x) => x.trim())) {
      const lb = item ? parseLbItem(item) : null;
      if (lb) lbSpecs.push(...lb);
      else udp.push(item);
    }
    specs = parseSizes(udp.join(','));
    // LB rows are reported against a UDP-echo row of the same run.
    if (lbSpecs.length > 0 && specs.length === 0) specs = parseSizes(LB_REFERENCE);
  } catch (e) {
    log(`lblab bench: ${(e as Error).message}`);
    return 2;
  }
  const reps = Math.max(1, Math.floor(Number(opts.reps ?? 1)) || 1);
  const useTime = existsSync(TIME);
  let ns3: string | null = null;
  if (opts.ns3) {
    // Asked for ns-3 and cannot have it: say why and stop, rather than report lblab alone.
    const r = resolveNs3(opts.ns3, log);
    if ('error' in r) {
      log(`lblab bench: ${r.error}`);
      return 2;
    }
    ns3 = r.bin;
  } else {
    log(`lblab bench: reporting lblab alone. To compare with ns-3 on this machine, pass --ns3 build (needs: ${NS3_APT}).`);
  }
  log(`lblab bench: ${specs.length} sizes x ${reps} rep(s)${ns3 ? `, ns-3 ${ns3} (--qdisc=0)` : ''}; sets: ${Object.keys(SIZE_SETS).join(', ')}`);
  const loadBefore = os.loadavg()[0]!;
  const rows: BenchRow[] = [];
  const rawLines: string[] = [];
  let failed = false;
  for (const spec of specs) {
    const lblab: Sample[] = [];
    const ns: Sample[] = [];
    for (let i = 0; i < reps; i++) {
      try {
        const l = await runLblab(spec, useTime);
        lblab.push(l);
        rawLines.push(JSON.stringify({ sim: 'lblab', run: specName(spec), rep: i, ...l }));
        if (l.echoed !== l.sent) {
          log(`lblab: ${specName(spec)}: only ${l.echoed} of ${l.sent} datagrams were echoed`);
          failed = true;
        }
        let line = `${specName(spec)}: lblab ${l.wallS.toFixed(2)} s, ${(l.hops / l.wallS / 1e3).toFixed(0)} k frame-hops/s, ${(l.rssKb / 1024).toFixed(0)} MiB`;
        if (ns3) {
          const n = await runNs3(ns3, spec, useTime);
          ns.push(n);
          rawLines.push(JSON.stringify({ sim: 'ns-3', run: specName(spec), rep: i, ...n }));
          line += `; ns-3 ${n.wallS.toFixed(2)} s, ${(n.hops / n.wallS / 1e3).toFixed(0)} k frame-hops/s, ${(n.rssKb / 1024).toFixed(0)} MiB`;
        }
        log(line);
      } catch (e) {
        log((e as Error).message);
        failed = true;
      }
    }
    if (lblab.length > 0) rows.push({ spec, lblab, ns3: ns3 ? ns : null });
  }
  const lbRows: LbSample[] = [];
  for (const spec of lbSpecs) {
    try {
      const l = await runLb(spec, useTime);
      lbRows.push(l);
      rawLines.push(JSON.stringify({ sim: 'lblab-lb', run: lbName(spec), ...l }));
      if (l.completed !== l.connections || l.passed !== l.expectations) {
        log(`lblab: ${lbName(spec)}: ${l.completed} of ${l.connections} connections completed, ${l.passed} of ${l.expectations} expectations passed`);
        failed = true;
      }
      log(`${lbName(spec)}: ${l.wallS.toFixed(2)} s (run ${l.runS.toFixed(2)} s), ${(l.connections / l.runS / 1e3).toFixed(1)} k connections/s, ${(l.events / l.runS / 1e3).toFixed(0)} k events/s, ${(l.rssKb / 1024).toFixed(0)} MiB`);
    } catch (e) {
      log((e as Error).message);
      failed = true;
    }
  }
  const text = report(
    [
      `Measured ${new Date().toISOString()} on ${machine()}; ${reps} rep(s), median by wall time; whole-process wall time; counters-only recorder.`,
      // Other work on the machine slows both simulators; say how busy it was.
      `Load average (1 min) at start ${loadBefore.toFixed(2)}, at end ${os.loadavg()[0]!.toFixed(2)}, on ${os.cpus().length} CPUs.`,
    ],
    rows,
  );
  const ref = rows[0] ? medianSample(rows[0].lblab) : null;
  const all = lbRows.length
    ? `${text}\nLB rows: TCP request/response through the LB (100 clients, 10 http-servers, concurrency 10, a flow expectation per client, graded as \`lblab check\` streams); rates over the run (build excluded).\n\n${renderLbTable(lbRows, ref ? ref.events / ref.runS : null, rows[0] ? specName(rows[0].spec) : null)}\n`
    : text;
  process.stdout.write(all);
  if (opts.out) writeFileAtomic(opts.out, all);
  if (opts.raw) writeFileAtomic(opts.raw, rawLines.join('\n') + '\n');
  return failed ? 1 : 0;
}

/**
 * `lblab check`: runs scenarios quietly (no hop lines; a full recorder
 * keeps the trace), grades their expectations with src/grade and prints
 * the verdicts as text, JSON, JUnit XML or TAP. This is the one place that
 * knows both the built network (apps, LB counters, MACs) and the grader's
 * plain GradeInput, and fills one from the other.
 *
 * Exit status: 0 when every expectation passed, 1 when one failed or a
 * scenario could not be loaded or built, 2 for usage mistakes (an unknown
 * scenario, option or reporter).
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { checkInWorkers, type CheckedFile } from './check-jobs.js';
import type { Command } from 'commander';
import { declareCheck } from './commands.js';
import { guardMemory, MEMORY_ADVICE } from './memory.js';
import { buildScenario } from '../assemble/scenario.js';
import { BuildError, type BuiltScenario } from '../assemble/built.js';
import { formatErrors } from '../scenario/index.js';
import type { Scenario } from '../scenario/types.js';
import { FullRecorder } from '../trace/trace.js';
import type { TraceEvent } from '../trace/events.js';
import { LoadBalancer } from '../lb/node.js';
import { grade, GradeStream } from '../grade/grade.js';
import { report, totals, type ReporterName, type ScenarioReport } from '../grade/reporters.js';
import { diagnoser, FINDING_IDS } from '../diagnose/index.js';
import { serverStats, type ServerStats } from '../assemble/server-stats.js';
import type { ClientRecord, GradeInput, ServiceCounts } from '../grade/types.js';
import type { ReplayFlow } from '../pcap/replay.js';
import { builtinNames, loadFromDisk, locate, DISK_IO } from './scenarios.js';

/** Options of `lblab check`. */
export interface CheckOptions {
  readonly reporter?: ReporterName;
  readonly seed?: number;
  readonly until?: number;
  /**
   * What the run keeps: `stream` (the default) hands each event to the
   * expectations that read its kind and keeps only what they need; `full`
   * records the whole trace first and grades it after (the same verdicts).
   */
  readonly record?: 'full' | 'stream';
  /** The memory budget in bytes (--memory). */
  readonly memory?: number;
  /** How many files to check at once, in worker processes (--jobs; default: the number of CPUs). */
  readonly jobs?: number;
  /** False with --no-color. */
  readonly color?: boolean;
}

/** Where `check` writes: standard output and standard error (the process's, or a test's buffers). */
export interface CheckIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** True when the output is a terminal (colour and ✓ / ✗ marks are used only then). */
  readonly tty: boolean;
  /** The environment (NO_COLOR turns colour off). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The weight a server was written with: in the service's list, else in the `add_server` that brought it. */
function writtenWeight(sc: Scenario, lb: string, service: string, server: string): number | null {
  for (const n of sc.nodes) {
    if (n.kind !== 'lb' || n.name !== lb) continue;
    const s = n.services.find((x) => x.name === service)?.servers.find((x) => x.name === server);
    if (s) return s.weight;
  }
  for (const ev of sc.timeline) {
    const a = ev.action;
    if (a.kind === 'add-server' && a.service.lb === lb && a.service.service === service && a.server.name === server) return a.server.weight;
  }
  return null;
}

/** The MAC of every interface of a built network, keyed "node:iface". */
export function macsOf(built: BuiltScenario): Record<string, number> {
  const macs: Record<string, number> = {};
  for (const node of built.net.nodes.values()) for (const i of node.ifaces) macs[`${node.name}:${i.name}`] = i.mac;
  return macs;
}

/** Fills the grader's input from a built scenario after its run and the events a full recorder kept. */
export function gradeInputOf(built: BuiltScenario, events: readonly TraceEvent[]): GradeInput {
  const clients: ClientRecord[] = [];
  for (const { spec, app } of built.apps.httpClients) {
    if (spec.kind !== 'http-client') continue;
    clients.push({
      app: 'http-client',
      node: spec.on,
      id: spec.id,
      dst: app.dst,
      ...(spec.to.kind === 'name' ? { name: spec.to.text } : {}),
      port: spec.port,
      attempts: app.results.map((r) => ({ index: r.index, outcome: r.outcome, error: r.error, startedAt: r.startedAt, doneAt: r.doneAt, server: r.server })),
    });
  }
  for (const { spec, app } of built.apps.connects) {
    clients.push({
      app: 'tcp-connect',
      node: spec.on,
      id: spec.id,
      dst: app.dst,
      port: app.port,
      attempts: [{ index: 0, outcome: app.outcome, error: app.error, startedAt: app.startedAt, doneAt: app.doneAt, server: null }],
    });
  }
  // Replayed TCP flows are connections like an app's: one record per (host, destination), a flow per attempt.
  for (const [i, { plan }] of built.apps.replays.entries()) {
    const groups = new Map<string, ReplayFlow[]>();
    for (const f of plan.flows) {
      if (f.proto !== 'tcp') continue;
      const k = `${f.host} ${f.dst} ${f.dport}`;
      const g = groups.get(k);
      if (g) g.push(f);
      else groups.set(k, [f]);
    }
    for (const g of groups.values()) {
      const f0 = g[0]!;
      clients.push({
        app: 'replay',
        node: f0.host,
        id: String(i),
        dst: f0.dst,
        port: f0.dport,
        attempts: g.map((f, k) => ({ index: k, outcome: f.outcome, error: f.error, startedAt: f.startedAt, doneAt: f.doneAt, server: null })),
      });
    }
  }
  const services: ServiceCounts[] = [];
  const stats = serverStats(built);
  for (const node of built.net.nodes.values()) {
    if (!(node instanceof LoadBalancer)) continue;
    for (const svc of node.services) {
      services.push({
        lb: node.name,
        name: svc.cfg.name,
        servers: svc.servers.map((s, k) => ({
          name: s.name,
          weight: writtenWeight(built.scenario, node.name, svc.cfg.name, s.name) ?? svc.backends[k]!.weight,
          served: svc.served[k]!,
          ...reportNumbers(stats, node.name, svc.cfg.name, s.name),
        })),
      });
    }
  }
  const requests = built.apps.httpServers.map(({ app }) => ({ node: app.host.name, port: app.port, requests: app.stats.requests }));
  return { events, clients, services, requests, macs: macsOf(built) };
}

/** The report's numbers of one server, for `server_stat` expectations. */
function reportNumbers(stats: readonly ServerStats[], lb: string, service: string, server: string) {
  const x = stats.find((v) => v.lb === lb && v.service === service && v.server === server);
  return x ? { requests: x.requests, bytes: x.bytes, meanNs: x.meanNs, p99Ns: x.p99Ns, transitions: x.transitions.length } : {};
}

/** Loads, builds, runs and grades one scenario file; load and build errors become the report's `error`, warnings go to `warn`. */
export function checkFile(file: string, opts: CheckOptions, warn: (text: string) => void = () => {}): ScenarioReport {
  const loaded = loadFromDisk(file);
  if (!loaded.ok) return { file, title: null, seed: null, stopped: null, error: formatErrors([...loaded.errors, ...loaded.warnings]), verdicts: [] };
  if (loaded.warnings.length) warn(formatErrors(loaded.warnings));
  const sc = opts.seed !== undefined ? { ...loaded.scenario, seed: opts.seed } : loaded.scenario;
  let built: BuiltScenario;
  try {
    built = buildScenario(sc, DISK_IO);
  } catch (e) {
    if (e instanceof BuildError) return { file, title: sc.title, seed: sc.seed, stopped: null, error: e.where(), verdicts: [] };
    throw e;
  }
  const until = opts.until ?? sc.run.until ?? undefined;
  let verdicts;
  let res;
  guardMemory(built.net, opts.memory, opts.record === 'full' ? MEMORY_ADVICE.checkFull : MEMORY_ADVICE.stream);
  // The detectors listen only when an expectation asks for their findings.
  const diag = sc.expect.some((e) => e.check.kind === 'diagnose') ? diagnoser(sc) : null;
  if (diag) built.net.trace.listen(diag.onEvent);
  const withDiagnosis = <T extends object>(input: T): T => (diag ? { ...input, diagnosis: { ids: FINDING_IDS, findings: diag.finish() } } : input);
  if (opts.record === 'full') {
    const rec = new FullRecorder(built.net.trace);
    res = built.net.run(until);
    verdicts = grade(withDiagnosis(gradeInputOf(built, rec.events)), sc.expect);
  } else {
    // Only the kinds some expectation reads are built at all; a run whose checks read only outcomes builds none.
    const stream = new GradeStream(sc.expect, macsOf(built));
    if (stream.kinds.length) built.net.trace.listen((ev) => stream.add(ev), stream.kinds);
    res = built.net.run(until);
    verdicts = stream.verdicts(withDiagnosis(gradeInputOf(built, [])));
  }
  // A run cut short by the memory budget has no verdicts worth reading: it is an error, said as such.
  if (res.reason === 'memory') return { file, title: sc.title, seed: sc.seed, stopped: `${res.message}.`, error: `${file}: ${res.message}`, verdicts: [] };
  return { file, title: sc.title, seed: sc.seed, stopped: `${res.message}.`, error: null, verdicts };
}

/** Checks one file, writing its warnings (text reporter only) and its load or build error to `err`. */
export function checkOne(file: string, opts: CheckOptions, err: (text: string) => void): ScenarioReport {
  // Warnings matter to a teacher writing a lesson, not to an autograder reading stdout.
  const r = checkFile(file, opts, (opts.reporter ?? 'text') === 'text' ? (w) => err(w + '\n') : undefined);
  // The text report prints load and build errors itself; beside a machine report they go to stderr, as `run` prints them.
  if (r.error !== null && (opts.reporter ?? 'text') !== 'text') err(r.error + '\n');
  return r;
}

/** Checks one file, keeping the standard error text it would print (for parallel runs, which print it in input order). */
export function checkCollected(file: string, opts: CheckOptions): CheckedFile {
  let err = '';
  const report = checkOne(file, opts, (t) => void (err += t));
  return { report, err };
}

/**
 * Runs `lblab check` on scenario arguments (files or built-in names) and
 * resolves to the exit status. With more than one file and `jobs` above 1
 * (default: the number of CPUs) the files are checked in that many worker
 * processes; the reports and the standard error text come out in input
 * order, the same as a serial run's.
 */
export async function runCheck(args: readonly string[], opts: CheckOptions, io: CheckIo): Promise<number> {
  const files: string[] = [];
  for (const arg of args) {
    const found = locate(arg);
    if (!found) {
      io.err(`lblab: no scenario file "${arg}", and no built-in scenario of that name. Built-in: ${builtinNames().join(', ')}\n`);
      return 2;
    }
    // Built-ins resolve to absolute paths; reports (and the positions in them) read better relative to where the user is.
    const rel = relative(process.cwd(), found);
    files.push(rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : found);
  }
  const reporter = opts.reporter ?? 'text';
  const jobs = Math.min(opts.jobs ?? availableParallelism(), files.length);
  let reports: ScenarioReport[];
  if (jobs > 1) {
    const done = await checkInWorkers(files, opts, jobs, (f, o) => {
      let err = '';
      const report = checkOne(f, o, (t) => void (err += t));
      return { report, err };
    });
    for (const d of done) if (d.err) io.err(d.err);
    reports = done.map((d) => d.report);
  } else reports = files.map((f) => checkOne(f, opts, io.err));
  const color = opts.color !== false && !io.env['NO_COLOR'] && io.tty;
  io.out(report(reporter, reports, { color }));
  const t = totals(reports);
  return t.failed > 0 || t.errors > 0 ? 1 : 0;
}

/** Adds `lblab check <scenario...>` to the program. */
export function registerCheck(program: Command): void {
  declareCheck(program, checkAction);
}

/** What `lblab check` does with its parsed arguments: checks them against the process's streams. */
export async function checkAction(scenarios: string[], opts: CheckOptions): Promise<void> {
  process.exitCode = await runCheck(scenarios, opts, {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    tty: process.stdout.isTTY === true,
    env: process.env,
  });
}

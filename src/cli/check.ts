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
import { isAbsolute, relative } from 'node:path';
import { Command, Option } from 'commander';
import { buildScenario } from '../assemble/scenario.js';
import { BuildError, type BuiltScenario } from '../assemble/built.js';
import { formatErrors } from '../scenario/index.js';
import type { Scenario } from '../scenario/types.js';
import { FullRecorder } from '../trace/trace.js';
import type { TraceEvent } from '../trace/events.js';
import { LoadBalancer } from '../lb/node.js';
import { grade } from '../grade/grade.js';
import { diagnoser, FINDING_IDS } from '../diagnose/index.js';
import { report, REPORTERS, totals, type ReporterName, type ScenarioReport } from '../grade/reporters.js';
import { serverStats, type ServerStats } from '../assemble/server-stats.js';
import type { ClientRecord, GradeInput, ServiceCounts } from '../grade/types.js';
import { builtinNames, loadFromDisk, locate, DISK_IO } from './scenarios.js';
import { parseSeed, parseUntil } from './options.js';

/** Options of `lblab check`. */
export interface CheckOptions {
  readonly reporter?: ReporterName;
  readonly seed?: number;
  readonly until?: number;
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
  const services: ServiceCounts[] = [];
  const stats = serverStats(built);
  const macs: Record<string, number> = {};
  for (const node of built.net.nodes.values()) {
    for (const i of node.ifaces) macs[`${node.name}:${i.name}`] = i.mac;
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
  return { events, clients, services, requests, macs };
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
  const rec = new FullRecorder(built.net.trace);
  // The detectors listen only when an expectation asks for their findings.
  const diag = sc.expect.some((e) => e.check.kind === 'diagnose') ? diagnoser(sc) : null;
  if (diag) built.net.trace.listen(diag.onEvent);
  const res = built.net.run(opts.until ?? sc.run.until ?? undefined);
  const input = gradeInputOf(built, rec.events);
  const verdicts = grade(diag ? { ...input, diagnosis: { ids: FINDING_IDS, findings: diag.finish() } } : input, sc.expect);
  return { file, title: sc.title, seed: sc.seed, stopped: `${res.message}.`, error: null, verdicts };
}

/** Runs `lblab check` on scenario arguments (files or built-in names) and returns the exit status. */
export function runCheck(args: readonly string[], opts: CheckOptions, io: CheckIo): number {
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
  const reports: ScenarioReport[] = [];
  for (const f of files) {
    // Warnings matter to a teacher writing a lesson, not to an autograder reading stdout.
    const r = checkFile(f, opts, reporter === 'text' ? (w) => io.err(w + '\n') : undefined);
    // Load and build errors go to stderr as `run` prints them, whatever the reporter; the report carries them too.
    if (r.error !== null) io.err(r.error + '\n');
    reports.push(r);
  }
  const color = opts.color !== false && !io.env['NO_COLOR'] && io.tty;
  io.out(report(reporter, reports, { color }));
  const t = totals(reports);
  return t.failed > 0 || t.errors > 0 ? 1 : 0;
}



/** Adds `lblab check <scenario...>` to the program. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .argument('<scenarios...>', 'scenario files, or names of built-in scenarios (lblab list)')
    .description("run scenarios and grade their `expect:` sections: each expectation passes or fails, with the frames that decided it")
    .addOption(new Option('--reporter <format>', 'output format: text for people; json, junit or tap for autograders').choices([...REPORTERS]).default('text'))
    .addOption(new Option('--seed <n>', "random seed (overrides the scenario's)").argParser(parseSeed))
    .option('--until <duration>', 'stop at this simulated time (500ms, 2s, 10us)', parseUntil)
    .option('--no-color', 'do not colour the output; print PASS / FAIL (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      '\nExit status: 0 when every expectation passes, 1 when one fails or a scenario cannot be run, 2 for usage errors.\n' +
        'The text report ends with a line "N passed, M failed".\n\nExamples:\n  lblab check one-arm-bug\n  lblab check lessons/*.yaml --reporter junit > results.xml\n  lblab check my-lesson.yaml --reporter tap',
    )
    .action((scenarios: string[], opts: CheckOptions) => {
      process.exitCode = runCheck(scenarios, opts, {
        out: (s) => process.stdout.write(s),
        err: (s) => process.stderr.write(s),
        tty: process.stdout.isTTY === true,
        env: process.env,
      });
    });
}

/**
 * `lblab explain`: runs a scenario with the full recorder, cuts the trace
 * into flows and prints either the list of flows or one of them as a ladder
 * diagram. Also home of `runWithProgress`, the sliced run that feeds the
 * stderr progress line and gives exactly the result of a single `net.run`.
 */
import type { Command } from 'commander';
import { declareExplain } from './commands.js';
import { guardMemory, MEMORY_ADVICE } from './memory.js';
import { taskText } from './task.js';
import { buildScenario } from '../assemble/scenario.js';
import { BuildError, type BuiltScenario } from '../assemble/built.js';
import type { Scenario } from '../scenario/index.js';
import { printable } from '../scenario/index.js';
import type { Network } from '../net/network.js';
import type { RunResult } from '../sim/sim.js';
import { fmtTime } from '../sim/time.js';
import { FullRecorder } from '../trace/trace.js';
import { findFlows, type Flow } from '../view/flows.js';
import { renderLadder } from '../view/ladder.js';
import { Progress, type ProgressSink } from '../view/progress.js';
import { DISK_IO, openScenario } from './scenarios.js';

/** Options of `lblab explain`, as commander parses them. */
export interface ExplainOptions {
  readonly flow?: number;
  readonly switches?: boolean;
  readonly ascii?: boolean;
  readonly width?: number;
  readonly seed?: number;
  readonly until?: number;
  /** The memory budget in bytes (--memory). */
  readonly memory?: number;
  /** False with --no-color. */
  readonly color?: boolean;
}

/** What `explain` writes to and reads from, so tests can run it without a process. */
export interface ExplainIo {
  out(s: string): void;
  err(s: string): void;
  /** Whether standard output is a terminal (colour) and NO_COLOR is unset. */
  readonly colorOk: boolean;
  /** Where the progress line goes (standard error). */
  readonly progress: ProgressSink;
}

const SLICE_TARGET_MS = 50;

/**
 * Runs the network to `until` like `net.run(until)`, but in slices of
 * events so that `progress` can be updated between them. The trace and the
 * result (reason, time, event count, message) are identical to one
 * `net.run(until)`: a slice is a temporarily lowered event budget, and the
 * simulation stops for it exactly where it would have carried on. Without
 * a progress line that can print (stderr not a terminal) it is `net.run`.
 * Slices adapt to about 50 ms of wall time each; `opts.slice` fixes their
 * size in events instead (for tests).
 */
export function runWithProgress(net: Network, until: number | undefined, progress: Progress | null, opts: { readonly slice?: number } = {}): RunResult {
  if (!progress || !progress.enabled) return net.run(until);
  const sim = net.sim;
  const budget = sim.budget;
  const fixed = opts.slice !== undefined;
  let events = 0;
  let slice = opts.slice ?? 20_000;
  try {
    for (;;) {
      const t0 = performance.now();
      sim.budget = Math.min(budget, sim.processed + slice);
      const r = sim.run(until);
      sim.budget = budget;
      events += r.events;
      // Stopped by the slice and not by the real budget: carry on where it stopped.
      if (!(r.reason === 'budget' && sim.processed < budget)) return { ...r, events };
      progress.update({ simNow: sim.now, events: sim.processed });
      if (fixed) continue;
      const took = performance.now() - t0;
      slice = Math.max(1_000, Math.min(5_000_000, Math.round(took > 0 ? (slice * SLICE_TARGET_MS) / took : slice * 2)));
    }
  } finally {
    sim.budget = budget;
    progress.done();
  }
}

/** "node:iface" -> "node:iface" at the other end of its link, for the ladder's arrows. */
export function peersOf(net: Network): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of net.links.values()) {
    m.set(l.a.label, l.b.label);
    m.set(l.b.label, l.a.label);
  }
  return m;
}

/** The names of a scenario's L2 switches. */
export function switchesOf(sc: Scenario): Set<string> {
  return new Set(sc.nodes.filter((n) => n.kind === 'switch').map((n) => n.name));
}

/** A scenario run for explaining: the built network, its recorded trace and its flows. */
export interface Explained {
  readonly built: BuiltScenario;
  readonly result: RunResult;
  readonly flows: Flow[];
}

/** Builds and runs a checked scenario with the full recorder and finds its flows. */
export function explainRun(sc: Scenario, until: number | undefined, progress: Progress | null, memory?: number): Explained {
  const built = buildScenario(sc, DISK_IO);
  guardMemory(built.net, memory, MEMORY_ADVICE.trace);
  const rec = new FullRecorder(built.net.trace);
  const result = runWithProgress(built.net, until, progress);
  return { built, result, flows: findFlows(rec.events) };
}

/** Runs `lblab explain` and returns the exit code. */
export function explain(arg: string, opts: ExplainOptions, io: ExplainIo): number {
  const opened = openScenario(arg, opts.seed, io.err);
  if (typeof opened === 'number') return opened;
  const { file, scenario: sc } = opened;
  const until = opts.until ?? sc.run.until ?? undefined;
  let ex: Explained;
  try {
    ex = explainRun(sc, until, new Progress(io.progress, { until: until ?? null }), opts.memory);
  } catch (e) {
    if (e instanceof BuildError) {
      io.err(`${e.where()}\n`);
      return 1;
    }
    throw e;
  }
  if (ex.result.reason === 'memory') {
    io.err(`lblab: ${ex.result.message}\n`);
    return 1;
  }
  const flows = ex.flows;
  const plural = (n: number): string => `${n} flow${n === 1 ? '' : 's'}`;
  if (opts.flow === undefined) {
    io.out(`lblab: ${printable(sc.title)} (${printable(file)}, seed ${sc.seed}): ${plural(flows.length)}\n\n${taskText(sc)}`);
    const w = String(flows.length).length;
    for (const f of flows) io.out(`  ${String(f.n).padStart(w)}  ${f.description}  [${fmtTime(f.first)} to ${fmtTime(f.last)}]\n`);
    if (flows.length) io.out(`\nShow one as a ladder: lblab explain ${arg} --flow ${flows[0]!.n}\n`);
    return 0;
  }
  const flow = flows[opts.flow - 1];
  if (!flow) {
    const have =
      flows.length === 0
        ? 'the run has no flows (no host sent an IP packet)'
        : flows.length === 1
          ? 'the run has only flow 1'
          : `the run has ${plural(flows.length)}, numbered 1 to ${flows.length}`;
    io.err(`lblab: no flow ${opts.flow}: ${have}. \`lblab explain ${arg}\` lists them.\n`);
    return 2;
  }
  io.out(
    renderLadder(flow, {
      width: opts.width ?? 100,
      ascii: opts.ascii === true,
      color: opts.color !== false && io.colorOk,
      switches: opts.switches === true,
      switchNodes: switchesOf(sc),
      peers: peersOf(ex.built.net),
    }),
  );
  return 0;
}

/** Adds `lblab explain <file|name> [--flow N] [--switches] [--ascii] [--width N] [--seed N] [--until D]` to a program. */
export function registerExplain(program: Command): void {
  declareExplain(program, explainAction);
}

/** What `lblab explain` does with its parsed arguments, on the process's streams. */
export function explainAction(scenario: string, opts: ExplainOptions): void {
  process.exitCode = explain(scenario, opts, {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    colorOk: !process.env['NO_COLOR'] && process.stdout.isTTY === true,
    progress: { write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true },
  });
}

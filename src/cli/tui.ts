/**
 * `lblab tui`: runs a scenario with the full recorder and opens the
 * terminal UI on its trace (src/tui). When standard output is not a
 * terminal (a pipe, a file, CI) it prints the run's hop lines instead, as
 * `lblab run` does, so the command is always useful.
 */
import type { Command } from 'commander';
import { declareTui } from './commands.js';
import { guardMemory, MEMORY_ADVICE } from './memory.js';
import type { TraceEvent } from '../trace/events.js';
import { FullRecorder } from '../trace/trace.js';
import { HopLines } from '../view/hop-lines.js';
import { Progress, type ProgressSink } from '../view/progress.js';
import { peersOf, runWithProgress } from './explain.js';
import type { InitialRecord } from '../view/state.js';
import type { LiveSource } from '../tui/LiveApp.js';
import type { Topology } from '../view/topology.js';
import { initialStateOf, topologyOf } from './network-snapshot.js';
import { buildOrReport, openScenario } from './scenarios.js';
import { taskText } from './task.js';
import { printable } from '../scenario/index.js';
import { langOf, type Lang } from '../trace/lang.js';

/** Options of `lblab tui`, as commander parses them. */
export interface TuiOptions {
  readonly seed?: number;
  readonly until?: number;
  /** The memory budget in bytes (--memory). */
  readonly memory?: number;
  /** False with --no-color. */
  readonly color?: boolean;
  /** --lang; else the locale decides (LC_ALL, LC_MESSAGES, LANG), else English. */
  readonly lang?: Lang;
}

/** What `tui` writes to and draws on, so tests can run it without a process. */
export interface TuiIo {
  out(s: string): void;
  err(s: string): void;
  /** Whether standard output (and input) is an interactive terminal: the UI, else hop lines. */
  readonly interactive: boolean;
  /** Whether colour is allowed (NO_COLOR unset). */
  readonly colorOk: boolean;
  /** Where the progress line of a long run goes (standard error). */
  readonly progress: ProgressSink;
  /** The environment's locale variables (LC_ALL, LC_MESSAGES, LANG), for the language without --lang. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A scenario run for the TUI: its title, recorded trace and links. */
export interface TuiRun {
  readonly title: string;
  /** The task (description and goals) as `run` prints it under the header; empty when the scenario has none. */
  readonly task: string;
  readonly file: string;
  readonly seed: number;
  readonly events: readonly TraceEvent[];
  readonly peers: ReadonlyMap<string, string>;
  /** The network's nodes and links. */
  readonly topology: Topology;
  /** Its configuration before the first event (addresses, routes, services), which the trace does not record. */
  readonly initial: readonly InitialRecord[];
  readonly message: string;
}

/** Loads, builds and runs a scenario with the full recorder; an exit code when it cannot. */
export function recordScenario(arg: string, opts: TuiOptions, io: Pick<TuiIo, 'err' | 'progress'>): TuiRun | number {
  const opened = openScenario(arg, opts.seed, io.err);
  if (typeof opened === 'number') return opened;
  const { file, scenario: sc } = opened;
  const built = buildOrReport(sc, io.err);
  if (!built) return 1;
  const initial = initialStateOf(built.net);
  const rec = new FullRecorder(built.net.trace);
  guardMemory(built.net, opts.memory, MEMORY_ADVICE.trace);
  const until = opts.until ?? sc.run.until ?? undefined;
  const res = runWithProgress(built.net, until, new Progress(io.progress, { until: until ?? null }));
  if (res.reason === 'memory') {
    io.err(`lblab: ${res.message}\n`);
    return 1;
  }
  return { title: sc.title, task: taskText(sc), file, seed: sc.seed, events: rec.events, peers: peersOf(built.net), topology: topologyOf(built.net), initial, message: res.message };
}

/** The run's hop lines, as `lblab run` prints them: the fallback when standard output is not a terminal. */
export function printHopLines(run: TuiRun, color: boolean, out: (s: string) => void): void {
  const view = new HopLines({ color, peers: run.peers });
  const lines: string[] = [`lblab: ${printable(run.title)} (${printable(run.file)}, seed ${run.seed})`, ''];
  if (run.task) lines.push(...run.task.replace(/\n$/, '').split('\n'));
  for (const ev of run.events) {
    const l = view.line(ev);
    if (l !== null) lines.push(l);
    if (lines.length >= 256) {
      out(lines.join('\n') + '\n');
      lines.length = 0;
    }
  }
  lines.push('', `${run.message}.`);
  out(lines.join('\n') + '\n');
}

/** Runs `lblab tui` and resolves to the exit code: the UI until the user quits, or hop lines when not interactive. */
export async function tui(arg: string, opts: TuiOptions, io: TuiIo): Promise<number> {
  const run = recordScenario(arg, opts, io);
  if (typeof run === 'number') return run;
  const color = opts.color !== false && io.colorOk;
  if (!io.interactive) {
    printHopLines(run, false, io.out);
    return 0;
  }
  const { createElement, render, ui } = await loadInk();
  const app = render(createElement(ui.App, { events: run.events, title: run.title, color, peers: run.peers, topology: run.topology, initial: run.initial, lang: langOf(opts.lang, io.env ?? {}) }), { exitOnCtrlC: true });
  await app.waitUntilExit();
  return 0;
}

/** Loads React, Ink and the UI, only when a UI really starts (so every other command starts fast). */
async function loadInk() {
  // Ink draws nothing but the last frame when it believes it runs under CI (is-in-ci reads CI and
  // CONTINUOUS_INTEGRATION when Ink is first imported). Here a person asked for the UI in a real
  // terminal, so the UI is drawn whatever those variables say.
  for (const k of ['CI', 'CONTINUOUS_INTEGRATION']) if (k in process.env) process.env[k] = 'false';
  const [{ createElement }, { render }, ui] = await Promise.all([import('react'), import('ink'), import('../tui/index.js')]);
  return { createElement, render, ui };
}

/** What the TUI of a live run shows besides its trace. */
export interface LiveTuiProps {
  readonly title: string;
  readonly color: boolean;
  readonly peers: ReadonlyMap<string, string>;
  readonly topology: Topology;
  readonly initial: readonly InitialRecord[];
}

/** A started UI: resolves `closed` when the user quits (q or Ctrl-C). */
export interface LiveTui {
  readonly closed: Promise<void>;
}

/** Prepares the TUI of a live run (lblab live --tui); `open` draws it on a trace that grows, read from `source`. */
export async function liveTui(): Promise<(props: LiveTuiProps, source: LiveSource) => LiveTui> {
  const { createElement, render, ui } = await loadInk();
  return (props, source) => {
    const app = render(createElement(ui.LiveApp, { ...props, source }), { exitOnCtrlC: true });
    return { closed: app.waitUntilExit().then(() => undefined) };
  };
}

/** Adds `lblab tui [scenario]` to a program. */
export function registerTui(program: Command): void {
  declareTui(program, tuiAction);
}

/** What `lblab tui` does with its parsed arguments, on the process's terminal. */
export async function tuiAction(scenario: string, opts: TuiOptions): Promise<void> {
  process.exitCode = await tui(scenario, opts, {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    interactive: process.stdout.isTTY === true && process.stdin.isTTY === true,
    colorOk: !process.env['NO_COLOR'],
    progress: { write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true },
    env: process.env,
  });
}

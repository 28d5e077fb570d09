#!/usr/bin/env node
/**
 * The lblab command line. Only this folder touches the process: arguments,
 * standard streams, exit codes. Everything it prints comes from the trace
 * through src/view.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { buildScenario } from '../assemble/scenario.js';
import { BuildError } from '../assemble/built.js';
import { appReport } from '../assemble/report.js';
import { formatErrors, scenarioJsonSchemaText } from '../scenario/index.js';
import { buildOrReport, builtinNames, DEFAULT_SCENARIO, DISK_IO, loadFromDisk, locate, openScenario, titleOf } from './scenarios.js';
import { langOption, parseBudget, parseSeed, parseUntil } from './options.js';
import { parseFilter, FILTER_HELP, type EventFilter } from '../view/filter.js';
import type { TraceEvent } from '../trace/events.js';
import { fmtTime } from '../sim/time.js';
import { HopLines } from '../view/hop-lines.js';
import { langOf, reasonMeanings, type Lang } from '../trace/lang.js';
import { benchCommand, type BenchOptions } from './bench.js';
import { registerCheck } from './check.js';
import { registerDiagnose } from './diagnose.js';
import { registerExplain, runWithProgress } from './explain.js';
import { registerPcap } from './pcap.js';
import { registerTui } from './tui.js';
import { Progress } from '../view/progress.js';
import { eventJson } from '../view/json.js';
import type { Network } from '../net/network.js';

/** The version printed by --version. */
const VERSION = '0.1.0';




/** "node:iface" -> label of the interface at the other end, for hop lines. */
function peersOf(net: Network): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of net.links.values()) {
    m.set(l.a.label, l.b.label);
    m.set(l.b.label, l.a.label);
  }
  return m;
}

interface RunOptions {
  seed?: number;
  until?: number;
  budget?: number;
  json?: boolean;
  verbose?: boolean;
  macs?: boolean;
  filter?: EventFilter;
  color: boolean;
}

function parseFilterOpt(v: string): EventFilter {
  const f = parseFilter(v);
  if (typeof f === 'string') throw new InvalidArgumentError(f);
  return f;
}

/** Loads, builds and runs a scenario, printing hop lines (or JSON lines) and a summary. Returns the exit code. */
function runScenario(arg: string, opts: RunOptions): number {
  const err = (t: string): void => void process.stderr.write(t);
  const opened = openScenario(arg, opts.seed, err, !opts.json);
  if (typeof opened === 'number') return opened;
  const { file, scenario: sc } = opened;
  const built = buildOrReport(sc, err);
  if (!built) return 1;
  const net = built.net;
  if (opts.budget) net.sim.budget = opts.budget;
  const color = opts.color && !process.env['NO_COLOR'] && process.stdout.isTTY === true;
  const view = new HopLines({ color, verbose: opts.verbose, macs: opts.macs, peers: peersOf(net) });
  const out: string[] = [];
  const flush = (): void => {
    if (out.length) process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  };
  const filter = opts.filter;
  net.trace.listen((ev: TraceEvent) => {
    if (filter && !filter(ev)) return;
    const line = opts.json ? JSON.stringify(eventJson(ev)) : view.line(ev);
    if (line !== null) out.push(line);
    if (out.length >= 256) flush();
  });
  if (!opts.json) process.stdout.write(`lblab: ${sc.title} (${file}, seed ${sc.seed})\n\n`);
  // A progress line on stderr only when the trace is not drawn on the same terminal.
  const until = opts.until ?? sc.run.until ?? Number.MAX_SAFE_INTEGER;
  const showProgress = process.stderr.isTTY === true && process.stdout.isTTY !== true;
  const res = showProgress
    ? runWithProgress(net, until, new Progress({ write: (t: string) => process.stderr.write(t), isTTY: true }, { until: until === Number.MAX_SAFE_INTEGER ? null : until }))
    : net.run(until);
  flush();
  if (opts.json) return res.reason === 'budget' ? 1 : 0;
  const c = net.trace.counters;
  const lines = [
    '',
    `${res.message}.`,
    `${c.tx} frame-hops, ${c.deliver} deliveries, ${c.drop} drops${c.drops.size ? ` (${[...c.drops.entries()].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}, ${net.sim.processed} events, simulated ${fmtTime(net.sim.now)}.`,
    ...appReport(built),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return res.reason === 'budget' ? 1 : 0;
}

/** Checks scenario files without running them. */
function validate(files: string[]): number {
  let bad = 0;
  for (const arg of files) {
    const file = locate(arg);
    if (!file) {
      process.stderr.write(`lblab: no scenario file "${arg}"\n`);
      bad++;
      continue;
    }
    const r = loadFromDisk(file);
    const problems = r.ok ? r.warnings : [...r.errors, ...r.warnings];
    if (problems.length) process.stderr.write(formatErrors(problems) + '\n');
    if (r.ok) {
      try {
        buildScenario(r.scenario, DISK_IO);
        process.stdout.write(`${file}: ok${r.warnings.length ? ` (${r.warnings.length} warning${r.warnings.length > 1 ? 's' : ''})` : ''}\n`);
      } catch (e) {
        if (!(e instanceof BuildError)) throw e;
        process.stderr.write(`${e.where()}\n`);
        bad++;
      }
    } else bad++;
  }
  return bad ? 1 : 0;
}

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('lblab')
    .description('A packet-level load-balancer simulator and teaching lab: real frames, Linux-faithful hosts, every rewrite and drop explained.')
    .version(VERSION)
    .exitOverride() // before the subcommands, so they inherit it: main() maps usage errors to exit 2
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) });

  const builtins = builtinNames();
  program
    .command('run', { isDefault: true })
    .argument('[scenario]', 'a scenario file, or the name of a built-in scenario (lblab list)', DEFAULT_SCENARIO)
    .description('run a scenario and print every hop, rewrite and drop with its reason')
    .addOption(new Option('--seed <n>', "random seed (overrides the scenario's; same seed, same trace)").argParser(parseSeed))
    .option('--until <duration>', 'stop at this simulated time (500ms, 2s, 10us)', parseUntil)
    .option('--budget <events>', 'stop after this many events', parseBudget)
    .option('--filter <terms>', `show only matching events: ${FILTER_HELP}`, parseFilterOpt)
    .option('--json', 'print the trace as JSON lines instead of hop lines')
    .option('-v, --verbose', 'also show receptions, forwards and frames that hosts ignore')
    .option('--macs', 'also show the Ethernet addresses of IP frames (what DSR and routed hops change)')
    .option('--no-color', 'do not colour the output (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      `\nExamples:\n  lblab                                   the default scenario (${DEFAULT_SCENARIO})\n  lblab run one-arm-bug --filter proto=tcp\n  lblab run my-lesson.yaml --until 2s -v\n  lblab run nat-gateway --json > trace.jsonl\n\nBuilt-in scenarios:\n${builtins.map((n) => `  ${n}`).join('\n')}`,
    )
    .action((scenario: string, opts: RunOptions) => {
      process.exitCode = runScenario(scenario, opts);
    });

  program
    .command('validate')
    .argument('<files...>', 'scenario files to check')
    .description('check scenario files (schema, names, addresses, links) without running them')
    .addHelpText('after', '\nExit status: 0 when every file is valid, 1 otherwise.\n\nExample:\n  lblab validate lessons/*.yaml')
    .action((files: string[]) => {
      process.exitCode = validate(files);
    });

  program
    .command('schema')
    .description('print the JSON Schema of scenario files (for editors; also in docs/scenario.schema.json)')
    .addHelpText('after', '\nExamples:\n  lblab schema > scenario.schema.json\n  # then, first line of a scenario file, for editors using yaml-language-server:\n  # yaml-language-server: $schema=./scenario.schema.json')
    .action(() => {
      process.stdout.write(scenarioJsonSchemaText());
    });

  program
    .command('list')
    .description('list the built-in scenarios')
    .addHelpText('after', '\nExamples:\n  lblab list\n  lblab run $(lblab list | head -1 | cut -d" " -f1)   # run the first one\n\nEach has a lesson page in docs/lessons/.')
    .action(() => {
      const names = builtinNames();
      const w = Math.max(...names.map((n) => n.length)) + 2;
      for (const n of names) process.stdout.write(`${n.padEnd(w)}${titleOf(n)}\n`);
    });

  registerCheck(program);
  registerDiagnose(program);
  registerExplain(program);
  registerPcap(program);
  registerTui(program);

  program
    .command('bench')
    .description('measure lblab on the ns-3 reference workload, optionally next to ns-3 itself (docs/performance.md)')
    .option('--quick', 'small sizes only: a smoke run of a few seconds')
    .option('--sizes <list>', 'size sets (required, static, large, memory, quick) and/or topo:C:S:P[:static], comma-separated')
    .option('--ns3 <path|build>', "run ns-3's program too: its path, or `build` to build it from ../shared/bench/ns3 (needs libns3-dev)")
    .option('--reps <n>', 'repetitions per size and simulator; the median is reported', '1')
    .option('--out <file>', 'write the markdown report to this file')
    .option('--raw <file>', 'write every run as JSON lines')
    .option('--from-raw <file>', 'run nothing; rebuild the report from an earlier --raw file')
    .addHelpText('after', '\nExamples:\n  npm run bench -- --quick\n  npm run bench -- --ns3 build --reps 3 --out perf.md\n  npm run bench -- --sizes lan:100:4:1000,router:1000:10:100:static')
    .action(async (o: BenchOptions) => {
      process.exitCode = await benchCommand(o);
    });

  program
    .command('reasons')
    .description('list every drop and rewrite reason code with its meaning')
    .option('--markdown', 'print as the Markdown page docs/reason-codes.md is made from')
    .addOption(langOption())
    .addHelpText(
      'after',
      '\nExamples:\n  lblab reasons\n  lblab reasons --markdown > docs/reason-codes.md\n  lblab reasons --lang ko --markdown > docs/ko/reason-codes.md\n' +
        '  lblab run one-arm-bug --filter kind=drop   # the codes in a run',
    )
    .action((opts: { markdown?: boolean; lang?: Lang }) => {
      const lang = langOf(opts.lang, process.env);
      process.stdout.write(opts.markdown ? reasonsMarkdown(lang) : reasonsText(lang));
    });

  return program;
}

/** `lblab reasons`: every code with its meaning, one per line. */
export function reasonsText(lang: Lang): string {
  const { drops, rewrites } = reasonMeanings(lang);
  const w = Math.max(...[...Object.keys(drops), ...Object.keys(rewrites)].map((k) => k.length));
  const rows = (o: Readonly<Record<string, string>>): string => Object.entries(o).map(([k, v]) => `  ${k.padEnd(w)}  ${v}\n`).join('');
  return lang === 'ko' ? `폐기(drop):\n${rows(drops)}\n변환(rewrite):\n${rows(rewrites)}` : `Drops:\n${rows(drops)}\nRewrites:\n${rows(rewrites)}`;
}

/** `lblab reasons --markdown`: the page docs/reason-codes.md (and, in Korean, docs/ko/reason-codes.md) is. */
export function reasonsMarkdown(lang: Lang): string {
  const { drops, rewrites } = reasonMeanings(lang);
  const rows = (o: Readonly<Record<string, string>>): string => Object.entries(o).map(([k, v]) => `| \`${k}\` | ${v} |\n`).join('');
  if (lang === 'ko')
    return (
      '# 이유 코드(reason code)\n\n트레이스의 모든 폐기와 변환에는 이 바뀌지 않는 코드 가운데 하나(채점, 필터, pcap 주석에 쓰임)와 ' +
      '사람을 위한 설명 문장이 붙습니다. 코드는 이름이 바뀌지 않고 새 코드만 더해집니다. 코드와 트레이스 문장은 영어 그대로이며, ' +
      '이 페이지는 그 뜻을 한국어로 옮긴 것입니다(영어판: [reason-codes.md](../reason-codes.md)). ' +
      '`lblab reasons --lang ko --markdown`이 만듭니다.\n\n## 폐기(drop)\n\n| 코드 | 뜻 |\n|---|---|\n' +
      rows(drops) +
      '\n## 변환(rewrite)\n\n| 코드 | 뜻 |\n|---|---|\n' +
      rows(rewrites)
    );
  return (
    '# Reason codes\n\nEvery drop and rewrite in the trace carries one of these stable codes (for grading, filters and pcap comments) ' +
    'and a sentence written for people. Codes are never renamed; new ones are added. This page is generated by ' +
    '`lblab reasons --markdown`.\n\n## Drops\n\n| code | meaning |\n|---|---|\n' +
    rows(drops) +
    '\n## Rewrites\n\n| code | meaning |\n|---|---|\n' +
    rows(rewrites)
  );
}

/** Runs the CLI with the given arguments (without node and script). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      process.exitCode = 0;
      return;
    }
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      process.exitCode = 2; // a usage mistake; commander already said what was wrong
      return;
    }
    throw e;
  }
}

/** True when this file is the program being run (directly, or through the npm bin link). */
function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  // A reader that stops early (`lblab | head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`lblab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\nPlease report this with the command you ran.\n`);
    process.exitCode = 70;
  });
}

#!/usr/bin/env node
/**
 * The lblab command line. Only this folder touches the process: arguments,
 * standard streams, exit codes. Everything it prints comes from the trace
 * through src/view. This file declares every command and loads the module
 * that does a command's work only when it runs (a lazy `import()`), so
 * `lblab --version`, `lblab list` and `--help` load neither the simulator
 * nor the scenario schema nor the UI.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { builtinNames, DEFAULT_SCENARIO, titleOf } from './builtins.js';
import { langOption, parseBudget, parseSeed, parseUntil } from './options.js';
import { parseFilter, FILTER_HELP, type EventFilter } from '../view/filter.js';
import type { BenchOptions } from './bench.js';
import type { RunOptions } from './run.js';
import type { CheckOptions } from './check.js';
import type { ExplainOptions } from './explain.js';
import type { PcapOptions } from './pcap.js';
import type { TuiOptions } from './tui.js';
import type { LiveCliOptions } from './live.js';
import type { Lang } from '../trace/lang.js';
import type { DiagnoseOptions } from './diagnose.js';
import { declareCheck, declareDiagnose, declareExplain, declareLive, declarePcap, declareTui, memoryOption } from './commands.js';

/** The version printed by --version. */
const VERSION = '0.1.0';

function parseFilterOpt(v: string): EventFilter {
  const f = parseFilter(v);
  if (typeof f === 'string') throw new InvalidArgumentError(f);
  return f;
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
    .addOption(memoryOption())
    .option('--filter <terms>', `show only matching events: ${FILTER_HELP}`, parseFilterOpt)
    .addOption(new Option('--record <level>', 'stream: print every event as it happens (nothing is kept); counters: print only the summary (fastest)').choices(['stream', 'counters']).default('stream'))
    .option('--json', 'print the trace as JSON lines instead of hop lines')
    .option('-v, --verbose', 'also show receptions, forwards and frames that hosts ignore')
    .option('--macs', 'also show the Ethernet addresses of IP frames (what DSR and routed hops change)')
    .option('--no-color', 'do not colour the output (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      `\nExamples:\n  lblab                                   the default scenario (${DEFAULT_SCENARIO})\n  lblab run one-arm-bug --filter proto=tcp\n  lblab run my-lesson.yaml --until 2s -v\n  lblab run nat-gateway --json > trace.jsonl\n\nBuilt-in scenarios:\n${builtins.map((n) => `  ${n}`).join('\n')}`,
    )
    .action(async (scenario: string, opts: RunOptions) => {
      process.exitCode = (await import('./run.js')).runScenario(scenario, opts);
    });

  program
    .command('validate')
    .argument('<files...>', 'scenario files to check')
    .description('check scenario files (schema, names, addresses, links) without running them')
    .option('--ports', 'also list every switch port with what is plugged into it (ports links took are numbered p1, p2, ... in link order)')
    .addHelpText('after', '\nExit status: 0 when every file is valid, 1 otherwise.\n\nExamples:\n  lblab validate lessons/*.yaml\n  lblab validate --ports two-subnets')
    .action(async (files: string[], o: { ports?: boolean }) => {
      process.exitCode = (await import('./run.js')).validate(files, o);
    });

  program
    .command('schema')
    .description('print the JSON Schema of scenario files (for editors; also in docs/scenario.schema.json)')
    .addHelpText('after', '\nExamples:\n  lblab schema > scenario.schema.json\n  # then, first line of a scenario file, for editors using yaml-language-server:\n  # yaml-language-server: $schema=./scenario.schema.json')
    .action(async () => {
      process.stdout.write((await import('../scenario/json-schema.js')).scenarioJsonSchemaText());
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

  declareCheck(program, async (scenarios: string[], opts: CheckOptions) => (await import('./check.js')).checkAction(scenarios, opts));
  declareDiagnose(program, async (scenario: string, opts: DiagnoseOptions) => (await import('./diagnose.js')).diagnoseAction(scenario, opts));
  declareExplain(program, async (scenario: string, opts: ExplainOptions) => (await import('./explain.js')).explainAction(scenario, opts));
  declarePcap(program, async (scenario: string, opts: PcapOptions) => (await import('./pcap.js')).pcapAction(scenario, opts));
  declareLive(program, async (scenario: string, opts: LiveCliOptions) => (await import('./live.js')).liveAction(scenario, opts));
  declareTui(program, async (scenario: string, opts: TuiOptions) => (await import('./tui.js')).tuiAction(scenario, opts));

  program
    .command('bench')
    .description('measure lblab on the ns-3 reference workload, optionally next to ns-3 itself (docs/performance.md)')
    .option('--quick', 'small sizes only: a smoke run of a few seconds')
    .option('--sizes <list>', 'size sets (required, static, large, memory, quick; lb, lb-quick: TCP through the LB) and/or topo:C:S:P[:static], lb:MODE:CONNECTIONS, comma-separated')
    .option('--ns3 <path|build>', "run ns-3's program too: its path, or `build` to build src/bench/ns3 first (needs libns3-dev libgsl-dev g++ pkg-config)")
    .option('--reps <n>', 'repetitions per size and simulator; the median is reported', '1')
    .option('--out <file>', 'write the markdown report to this file')
    .option('--raw <file>', 'write every run as JSON lines')
    .option('--from-raw <file>', 'run nothing; rebuild the report from an earlier --raw file')
    .addHelpText('after', '\nExamples:\n  npm run bench -- --quick\n  npm run bench -- --ns3 build --reps 3 --out perf.md\n  npm run bench -- --sizes lan:100:4:1000,router:1000:10:100:static\n  npm run bench -- --sizes lb-quick             snat, nat, dsr, tunnel, l7 at 10k connections\n  npm run bench -- --sizes lb:snat:100000,lb:nat:100000')
    .action(async (o: BenchOptions) => {
      process.exitCode = await (await import('./bench.js')).benchCommand(o);
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
    .action(async (opts: { markdown?: boolean; lang?: Lang }) => {
      const [r, { langOf }] = await Promise.all([import('./run.js'), import('../trace/lang.js')]);
      const lang = langOf(opts.lang, process.env);
      process.stdout.write(opts.markdown ? r.reasonsMarkdown(lang) : r.reasonsText(lang));
    });

  return program;
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

/**
 * The declarations of the scenario commands (`check`, `explain`, `pcap`,
 * `tui`, `live`): arguments, options, help. They import nothing heavy, so that
 * main.ts can list every command (and `lblab --version` can answer) without
 * loading the simulator, the scenario schema or the UI; the action that
 * does the work is passed in, and main.ts loads its module only when the
 * command runs (a lazy `import()`). Each command's own file registers the
 * same declaration with its action directly, for tests and embedders.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { langOption, parseBudget, parseMemory, parseSeed, parseUntil } from './options.js';
import { DEFAULT_SCENARIO } from './builtins.js';
import { REPORTERS } from '../grade/reporters.js';

/** The --memory option every command that runs a scenario has (src/cli/memory.ts applies it). */
export function memoryOption(): Option {
  return new Option('--memory <size>', "stop the run when the process uses more memory than this (512MiB, 2GiB; default: half the machine, under V8's heap limit)").argParser(parseMemory);
}

/** What a command does once commander has parsed its arguments. */
export type Action<A, O> = (arg: A, opts: O) => void | Promise<void>;

function parsePositive(what: string, min = 1): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`${what} is a whole number${min > 1 ? ` of at least ${min}` : ' from 1'}`);
    return Number(v);
  };
}

/** Adds `lblab check <scenario...>` to the program, doing `action`. */
export function declareCheck<O>(program: Command, action: Action<string[], O>): void {
  program
    .command('check')
    .argument('<scenarios...>', 'scenario files, or names of built-in scenarios (lblab list)')
    .description("run scenarios and grade their `expect:` sections: each expectation passes or fails, with the frames that decided it")
    .addOption(new Option('--reporter <format>', 'output format: text for people; json, junit or tap for autograders').choices([...REPORTERS]).default('text'))
    .addOption(new Option('--seed <n>', "random seed (overrides the scenario's)").argParser(parseSeed))
    .option('--until <duration>', 'stop at this simulated time (500ms, 2s, 10us)', parseUntil)
    .addOption(new Option('--jobs <n>', 'check this many files at once, in worker processes (default: the number of CPUs); the output is the same as one at a time').argParser(parsePositive('the number of jobs')))
    .addOption(memoryOption())
    .addOption(new Option('--record <level>', 'stream: each expectation keeps only what decides it (memory flat in run length); full: keep the whole trace, then grade').choices(['stream', 'full']).default('stream'))
    .option('--no-color', 'do not colour the output; print PASS / FAIL (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      '\nExit status: 0 when every expectation passes, 1 when one fails or a scenario cannot be run, 2 for usage errors.\n' +
        'The text report ends with a line "N passed, M failed".\n\nExamples:\n  lblab check one-arm-bug\n  lblab check lessons/*.yaml --reporter junit > results.xml\n  lblab check my-lesson.yaml --reporter tap',
    )
    .action(action);
}

/** Adds `lblab explain <file|name> [--flow N] [--switches] [--ascii] [--width N] [--seed N] [--until D]` to a program, doing `action`. */
export function declareExplain<O>(program: Command, action: Action<string, O>): void {
  program
    .command('explain')
    .argument('<scenario>', 'a scenario file, or the name of a built-in scenario (lblab list)')
    .description('list the flows of a run, or draw one flow end to end as a ladder diagram (docs/explain.md)')
    .addOption(new Option('--flow <n>', 'draw this flow (its number in the list)').argParser(parsePositive('the flow')))
    .option('--switches', 'show L2 switches as columns (hidden by default: arrows skip them)')
    .option('--ascii', 'draw with ASCII characters only')
    .addOption(new Option('--width <columns>', 'fit the diagram to this many columns').default(100).argParser(parsePositive('the width', 40)))
    .addOption(new Option('--seed <n>', "random seed (overrides the scenario's)").argParser(parseSeed))
    .option('--until <duration>', 'stop at this simulated time (500ms, 2s, 10us)', parseUntil)
    .addOption(memoryOption())
    .option('--no-color', 'do not colour the output (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lblab explain one-arm-bug                  list the flows, numbered\n' +
        "  lblab explain one-arm-bug --flow 1         the client's connection as a ladder\n" +
        '  lblab explain nat-gateway --flow 2 --switches --width 140\n' +
        '  lblab explain my-lesson.yaml --flow 3 --ascii > flow3.txt\n\n' +
        'Arrows go from the node that sent a frame to the node that received it; a rewrite is\n' +
        'written on the arrow leaving the node that made it, a drop is a \u2717 at its node.\n',
    )
    .action(action);
}

function parsePoint(v: string, prev: string[] | undefined): string[] {
  if (!/^[^:\s]+:[^:\s]+$/.test(v)) throw new InvalidArgumentError('write a capture point as node:iface, for example lb1:eth0');
  return [...(prev ?? []), v];
}

/** Adds the `pcap` command to a program, doing `action`. */
export function declarePcap<O>(program: Command, action: Action<string, O>): void {
  program
    .command('pcap')
    .argument('<scenario>', 'a scenario file, or the name of a built-in scenario (lblab list)')
    .description('run a scenario and write what each interface saw as pcapng (for Wireshark) or classic pcap')
    .requiredOption('-o, --output <file>', 'the file to write (for --format pcap, the stem of one file per capture point)')
    .option('--capture <node:iface>', 'capture only here (repeatable); default: every interface that carries traffic', parsePoint)
    .addOption(new Option('--format <format>', 'pcapng: one file, interfaces named node:iface, explanations as comments; pcap: classic nanosecond libpcap, one file per capture point').choices(['pcapng', 'pcap']).default('pcapng'))
    .addOption(new Option('--seed <n>', "random seed (overrides the scenario's; same seed, byte-identical file)").argParser(parseSeed))
    .option('--until <duration>', 'stop at this simulated time (500ms, 2s, 10us)', parseUntil)
    .addOption(memoryOption())
    .addHelpText(
      'after',
      `
Examples:
  lblab pcap same-subnet-vip -o vip.pcapng && wireshark vip.pcapng
  lblab pcap one-arm-bug -o bug.pcapng --capture lb1:eth0 --capture client:eth0
  lblab pcap nat-gateway -o nat.pcap --format pcap      (nat-gw-lan0.pcap, nat-laptop-eth0.pcap, ...)
  tshark -r vip.pcapng -T fields -e frame.interface_name -e frame.comment

In Wireshark: Statistics > Capture File Properties lists the interfaces;
the column "frame.comment" (or the filter frame.comment) shows why a
packet was rewritten or dropped.`,
    )
    .action(action);
}

/** Adds `lblab tui [scenario]` to a program, doing `action`. */
export function declareTui<O>(program: Command, action: Action<string, O>): void {
  program
    .command('tui')
    .argument('[scenario]', 'a scenario file, or the name of a built-in scenario (lblab list)', DEFAULT_SCENARIO)
    .description('step through every packet of a run in the terminal: what changed, and why (docs/tui.md)')
    .addOption(new Option('--seed <n>', "random seed (overrides the scenario's)").argParser(parseSeed))
    .option('--until <duration>', 'stop the run at this simulated time (500ms, 2s, 10us)', parseUntil)
    .addOption(memoryOption())
    .option('--no-color', 'no colour or reverse video (NO_COLOR is honoured too)')
    .addOption(langOption())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        `  lblab tui                        the default scenario (${DEFAULT_SCENARIO}); npm start does the same\n` +
        '  lblab tui one-arm-bug            step through the one-arm return path; n jumps to the next drop\n' +
        '  lblab tui nat-gateway            r jumps to each rewrite, with its fields before -> after\n' +
        '  lblab tui my-lesson.yaml --until 2s\n' +
        '  lblab tui one-arm-bug | less     not a terminal: prints the hop lines instead\n' +
        '  lblab tui --lang ko same-subnet-vip   Korean labels, key help and reason meanings (or LANG=ko_KR.UTF-8)\n\n' +
        'Press ? in the UI for every key.\n',
    )
    .action(action);
}

/** Adds `lblab live <scenario>` to the program, doing `action`; --attach values are collected as written (the live module parses them). */
export function declareLive<O>(program: Command, action: Action<string, O>): void {
  program
    .command('live')
    .argument('<scenario>', 'a scenario file, a live lab (scenarios/live: live-one-arm, live-real-servers, ...), or a built-in scenario')
    .description('run a scenario in real time with simulated interfaces bound to real network devices (libpcap, via the optional package cap)')
    .option('--attach <node:iface=device>', "bind a simulated interface (or a new port of a simulated switch) to a real device; repeatable; adds to the scenario's live section", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--allow-uplink', 'allow attaching a device that carries the default route (frames of the simulation go out on that network)')
    .option('--until <duration>', 'stop at this simulated (= wall-clock) time; default: the scenario\'s run.until, else Ctrl-C', parseUntil)
    .addOption(new Option('--seed <n>', "random seed (overrides the scenario's)").argParser(parseSeed))
    .option('--budget <events>', 'stop after this many events', parseBudget)
    .option('-o, --output <file>', 'write what every capture point saw as pcapng when the run ends')
    .option('--json', 'print the trace as JSON lines instead of hop lines')
    .option('-q, --quiet', 'print no hop lines, only the plan, the status and the summary')
    .option('-v, --verbose', 'also show receptions, forwards and frames that hosts ignore')
    .option('--macs', 'also show the Ethernet addresses of IP frames')
    .option('--tui', 'show the run in the terminal UI as frames arrive (it follows the newest event unless you step back); q quits')
    .addHelpText(
      'after',
      `
Examples:
  sudo scenarios/live/live-one-arm.sh up     # a client namespace with curl, wired to lbl-c0
  sudo lblab live live-one-arm -o one-arm.pcapng     # its live section binds r1:eth0 to lbl-c0
  sudo ip netns exec lbl-client curl -m 8 http://10.0.1.100/
  sudo lblab live live-real-servers --until 20s
  sudo lblab live my-lab.yaml --attach sw1:real0=veth1 --tui

Without the package cap it says how to install it (apt-get install
libpcap-dev, npm install cap); it needs root or CAP_NET_RAW. See docs/live.md.`,
    )
    .action(action);
}

/** The output formats of `lblab diagnose`. */
export const DIAGNOSE_FORMATS = ['text', 'json', 'markdown'] as const;

/** Adds `lblab diagnose <scenario>` to the program, doing `action`. */
export function declareDiagnose<O>(program: Command, action: Action<string, O>): void {
  program
    .command('diagnose')
    .argument('<scenario>', 'a scenario file, or the name of a built-in scenario (lblab list)')
    .description('run a scenario and name the classic load-balancing mistakes in it, with their evidence and the one change that fixes each (docs/diagnose.md)')
    .addOption(new Option('--format <format>', 'output format').choices([...DIAGNOSE_FORMATS]).default('text'))
    .option('--fix-preview', "apply each finding's fix to a copy of the file, run it again, and show that the finding is gone")
    .addHelpText(
      'after',
      '\nExit status: 0 when no known bug is found, 1 when one is (or the scenario cannot be run), 2 for usage errors.\n\n' +
        'Examples:\n  lblab diagnose one-arm-bug\n  lblab diagnose my-lesson.yaml --fix-preview\n  lblab diagnose dsr-arp-race --format json',
    )
    .action(action);
}

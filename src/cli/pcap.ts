/**
 * `lblab pcap`: runs a scenario and writes what every capture point saw, as
 * pcapng for Wireshark (one interface per `node:iface`, the explanation of
 * each rewrite and drop as the packet's comment) or as classic pcap, one
 * file per capture point. The writers stream while the simulation runs; this
 * file gives them file sinks that write under a temporary name and rename at
 * the end, so an interrupted run never leaves a truncated file behind that
 * looks complete.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { declarePcap } from './commands.js';
import { guardMemory, MEMORY_ADVICE } from './memory.js';
import { buildOrReport, openScenario } from './scenarios.js';
import { peersOf } from './explain.js';
import { AtomicFile } from './files.js';
import type { Network } from '../net/network.js';
import { TraceCapture, type CaptureOutput } from '../pcap/capture.js';
import { PcapngWriter, PcapPerPointWriter } from '../pcap/writers.js';
import type { ByteSink } from '../pcap/sink.js';

/** A sink writing to a file under a random temporary name in the same folder (src/cli/files.ts), renamed to the real name on close(). */
export class FileSink extends AtomicFile implements ByteSink {
  /** Closes the file and gives it its real name. */
  close(): void {
    this.commit(); // atomic within a file system: readers see the whole file or none
  }
}

/** The package version, for the pcapng shb_userappl option ("lblab 0.1.0"). */
export function lblabVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Options of the pcap command. */
export interface PcapOptions {
  readonly output: string;
  readonly capture?: readonly string[];
  readonly format?: 'pcapng' | 'pcap';
  readonly seed?: number;
  readonly until?: number;
  /** The memory budget in bytes (--memory). */
  readonly memory?: number;
}

/** Where the command writes its messages (the process's streams, or a test's buffers). */
export interface PcapIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: PcapIo = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) };

/** Every capture point of a network, "node:iface", in node and interface order (loopback excluded). */
export function capturePoints(net: Network): string[] {
  const out: string[] = [];
  for (const n of net.nodes.values()) for (const i of n.ifaces) if (i.name !== 'lo') out.push(i.label);
  return out;
}

/** The file a classic pcap of one capture point goes to: `<out-stem>-<node>-<iface>.pcap`. */
export function perPointPath(output: string, point: string): string {
  const ext = extname(output);
  const stem = ext ? output.slice(0, -ext.length) : output;
  return `${stem}-${point.replace(':', '-')}.pcap`;
}

function kb(n: number): string {
  return n < 10_000 ? `${n} bytes` : `${(n / 1024).toFixed(1)} KiB`;
}

/** Runs the pcap command: loads, builds and runs the scenario while writing the capture. Returns the exit code. */
export function runPcap(arg: string, opts: PcapOptions, io: PcapIo = processIo): number {
  const opened = openScenario(arg, opts.seed, io.err);
  if (typeof opened === 'number') return opened;
  const { file, scenario: sc } = opened;
  const built = buildOrReport(sc, io.err);
  if (!built) return 1;
  const net = built.net;
  const valid = capturePoints(net);
  const wanted = opts.capture && opts.capture.length ? [...new Set(opts.capture)] : null;
  if (wanted) {
    const bad = wanted.filter((p) => !valid.includes(p));
    if (bad.length) {
      io.err(`lblab: ${bad.map((b) => `"${b}"`).join(', ')} ${bad.length > 1 ? 'are not capture points' : 'is not a capture point'} of ${file}. Valid capture points:\n${valid.map((v) => `  ${v}`).join('\n')}\n`);
      return 2;
    }
  }
  const peers = peersOf(net);
  const format = opts.format ?? 'pcapng';
  const sinks: FileSink[] = [];
  const open = (path: string): FileSink => {
    const s = new FileSink(path);
    sinks.push(s);
    return s;
  };
  let output: CaptureOutput;
  let describe: () => string;
  try {
    if (format === 'pcapng') {
      const w = new PcapngWriter(open(opts.output), {
        application: `lblab ${lblabVersion()}`,
        describe: (p) => (peers.has(p) ? `${p}, linked to ${peers.get(p)}` : null),
      });
      output = w;
      describe = () => `${opts.output} (${kb(w.size)})`;
    } else {
      const w = new PcapPerPointWriter((p) => open(perPointPath(opts.output, p)));
      output = w;
      describe = () => {
        const sizes = w.sizes();
        return `${sizes.size} file${sizes.size === 1 ? '' : 's'}: ${[...sizes].map(([p, n]) => `${perPointPath(opts.output, p)} (${kb(n)})`).join(', ')}`;
      };
    }
  } catch (e) {
    for (const s of sinks) s.abort();
    io.err(`lblab: cannot write ${opts.output}: ${(e as Error).message}\n`);
    return 1;
  }
  const cap = new TraceCapture(output, { points: wanted }).attach(net.trace);
  guardMemory(net, opts.memory, MEMORY_ADVICE.stream);
  let stats;
  let res;
  try {
    res = net.run(opts.until ?? sc.run.until ?? undefined);
    stats = cap.finish();
  } catch (e) {
    for (const s of sinks) s.abort();
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code === 'string') {
      io.err(`lblab: cannot write ${opts.output}: ${err.message}\n`);
      return 1;
    }
    throw e;
  }
  const points = stats.perPoint.size;
  io.out(
    `lblab: ${sc.title} (${file}, seed ${sc.seed}): ${res.message}.\n` +
      `wrote ${describe()}: ${stats.packets} packets on ${points} capture point${points === 1 ? '' : 's'}, ${stats.comments} comment${stats.comments === 1 ? '' : 's'}` +
      (format === 'pcap' && stats.comments ? ' (classic pcap has no comments: use pcapng to see them)' : '') +
      '.\n' +
      (stats.commentsLost ? `note: ${stats.commentsLost} explanation${stats.commentsLost === 1 ? '' : 's'} had no captured packet to go on.\n` : ''),
  );
  return res.reason === 'budget' || res.reason === 'memory' ? 1 : 0;
}

/** Adds the `pcap` command to a program. */
export function registerPcap(program: Command): void {
  declarePcap(program, pcapAction);
}

/** What `lblab pcap` does with its parsed arguments. */
export function pcapAction(scenario: string, opts: PcapOptions): void {
  process.exitCode = runPcap(scenario, opts);
}

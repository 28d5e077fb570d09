/**
 * `lblab live`: runs a scenario in real time with simulated interfaces
 * bound to real network devices (src/live), so real Linux hosts (network
 * namespaces, a lab machine) talk through the simulated network and load
 * balancer. It prints hop lines as frames arrive and a status line with the
 * capture-to-simulation lag, and at the end writes the pcapng and the
 * report as `run` and `pcap` do. Before it opens anything it checks every
 * attachment (named devices only, never the one carrying the default route
 * unless --allow-uplink) and says what it will inject.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { declareLive } from './commands.js';
import { appReport } from '../assemble/report.js';
import { fmtTime } from '../sim/time.js';
import type { TraceEvent } from '../trace/events.js';
import { HopLines } from '../view/hop-lines.js';
import { eventJson } from '../view/json.js';
import { TraceCapture } from '../pcap/capture.js';
import { PcapngWriter } from '../pcap/writers.js';
import { describeAttach, liveFilter, parseAttach, planAttach, type AttachPlan, type AttachSpec } from '../live/attach.js';
import { CapUnavailable, loadCap, openCapDevice } from '../live/cap-device.js';
import type { LiveDevice } from '../live/device.js';
import { fmtLag } from '../live/lag.js';
import { systemPacer } from '../live/pacer.js';
import { LivePort } from '../live/port.js';
import { RealTimeRunner } from '../live/runner.js';
import { BUILTIN_DIR, buildOrReport, openScenario } from './scenarios.js';
import { FileSink, lblabVersion } from './pcap.js';
import { FullRecorder } from '../trace/trace.js';
import { initialStateOf, topologyOf } from './network-snapshot.js';
import { liveTui, type LiveTui } from './tui.js';
import { peersOf } from './explain.js';

/** The folder of the live labs' scenarios (not part of `lblab list`: they need real hosts). */
export const LIVE_DIR = join(BUILTIN_DIR, 'live');

/** Options of the live command. */
export interface LiveOptions {
  /** Attachments given on the command line (added to the scenario's live section). */
  readonly attach?: readonly AttachSpec[];
  readonly allowUplink?: boolean;
  readonly until?: number;
  readonly seed?: number;
  readonly budget?: number;
  readonly output?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  readonly macs?: boolean;
  /** Show the run in the terminal UI instead of hop lines (falls back to hop lines when not a terminal). */
  readonly tui?: boolean;
}

/** What the command needs from the machine: its streams, its devices, its routes (tests may stand in). */
export interface LiveHost {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (the status line redraws in place). */
  readonly statusTty: boolean;
  /** True when stdin and stdout are a terminal (the TUI can be drawn). */
  readonly interactive?: boolean;
  /** Names of the machine's network devices. */
  devices(): string[];
  /** Devices that carry a default route (IPv4 or IPv6). */
  uplinks(): string[];
  /** Checks that devices can be opened at all (cap loads); throws CapUnavailable saying how to enable it. */
  prepare?(): void;
  /** Opens a device for capture and injection. */
  open(name: string, filter: string): LiveDevice;
  /** Calls `fn` on Ctrl-C or SIGTERM; returns a function that stops listening. */
  onInterrupt(fn: () => void): () => void;
}

/** The devices carrying a default route, from /proc/net/route and /proc/net/ipv6_route. */
export function defaultRouteDevices(route4: string, route6: string): string[] {
  const out = new Set<string>();
  for (const line of route4.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // Iface Destination Gateway Flags RefCnt Use Metric Mask ...: a default route has destination and mask 0.
    if (f.length >= 8 && f[1] === '00000000' && f[7] === '00000000') out.add(f[0]!);
  }
  for (const line of route6.split('\n')) {
    const f = line.trim().split(/\s+/);
    // dest prefixlen src srcprefixlen nexthop metric refcnt use flags iface
    if (f.length >= 10 && /^0{32}$/.test(f[0]!) && f[1] === '00' && f[9] !== 'lo') out.add(f[9]!);
  }
  return [...out];
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Where a live run writes its messages. */
export interface LiveIo {
  out(text: string): void;
  err(text: string): void;
}

/** The machine's own devices, routes and capture, with output going to `io` (the process's streams by default). */
export function machineLiveHost(io: LiveIo = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) }, statusTty = process.stderr.isTTY === true): LiveHost {
  return {
    out: io.out,
    err: io.err,
    statusTty,
    interactive: process.stdout.isTTY === true && process.stdin.isTTY === true,
    devices: () => readOr('/proc/net/dev').split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean),
    uplinks: () => defaultRouteDevices(readOr('/proc/net/route'), readOr('/proc/net/ipv6_route')),
    prepare: () => void loadCap(),
    open: openCapDevice,
    onInterrupt(fn) {
      const h = (): void => fn();
      process.on('SIGINT', h);
      process.on('SIGTERM', h);
      return () => {
        process.off('SIGINT', h);
        process.off('SIGTERM', h);
      };
    },
  };
}

/** A scenario argument: a path, a live lab's name (scenarios/live/NAME.yaml), or a built-in name. */
function liveScenarioPath(arg: string): string {
  if (!existsSync(arg) && /^[a-z0-9][a-z0-9-]*$/.test(arg)) {
    const f = join(LIVE_DIR, `${arg}.yaml`);
    if (existsSync(f)) return f;
  }
  return arg;
}

/** Checks the attachments against the machine: devices that exist, no uplink unless allowed. */
function checkDevices(plans: readonly AttachPlan[], host: LiveHost, allowUplink: boolean): string[] {
  const problems: string[] = [];
  const have = new Set(host.devices());
  const uplinks = new Set(host.uplinks());
  for (const p of plans) {
    if (!have.has(p.device)) problems.push(`there is no device ${p.device} on this machine (see ip -br link); the lab's setup script creates it`);
    else if (p.device === 'lo') problems.push('lo is the loopback device: the bridge needs a device with an Ethernet wire (a veth end, a NIC)');
    else if (uplinks.has(p.device) && !allowUplink)
      problems.push(`${p.device} carries this machine's default route: frames of the simulation would go out on a real network. Use a veth pair in a namespace (see docs/live.md), or --allow-uplink if you mean it`);
  }
  return problems;
}

/** Runs the live command; resolves with the exit code. */
export async function runLive(arg: string, opts: LiveOptions, host: LiveHost = machineLiveHost()): Promise<number> {
  const cli = opts.attach ?? [];
  // An interface left unlinked for the bridge is what a live scenario is meant to have: no warning for it.
  const attached = new Set(cli.map((a) => `interface ${a.node}:${a.iface} is not linked to anything`));
  const opened = openScenario(liveScenarioPath(arg), opts.seed, host.err, opts.json ? false : (w) => !(w.code === 'unlinked' && attached.has(w.message)));
  if (typeof opened === 'number') return opened;
  const { file, scenario: sc } = opened;
  // The scenario's live section, with --attach adding to it and replacing an attachment of the same interface.
  const points = new Set(cli.map((a) => `${a.node}:${a.iface}`));
  const specs = [...sc.live.filter((a) => !points.has(`${a.node}:${a.iface}`)), ...cli];
  if (specs.length === 0) {
    host.err(`lblab live: nothing to attach: ${file} has no live section; give --attach NODE:IFACE=DEVICE (see lblab live --help and docs/live.md)\n`);
    return 2;
  }
  const built = buildOrReport(sc, host.err);
  if (!built) return 1;
  const net = built.net;
  if (opts.budget) net.sim.budget = opts.budget;
  const planned = planAttach(net, specs);
  const problems = typeof planned[0] === 'string' ? (planned as string[]) : checkDevices(planned as AttachPlan[], host, opts.allowUplink === true);
  if (problems.length) {
    host.err(problems.map((p) => `lblab live: ${p}\n`).join(''));
    return 2;
  }
  const plans = planned as AttachPlan[];
  try {
    host.prepare?.();
  } catch (e) {
    if (!(e instanceof CapUnavailable)) throw e;
    host.err(`lblab live: ${e.message}\n`);
    return 3;
  }
  const filter = liveFilter(net);
  const until = opts.until ?? sc.run.until ?? undefined;
  const say = opts.json ? host.err : host.out;
  say(
    `lblab live: ${sc.title} (${file}, seed ${sc.seed}), in real time ${until !== undefined ? `for ${fmtTime(until)}` : 'until Ctrl-C'}\n` +
      plans.map((p) => `  ${describeAttach(p)}\n`).join('') +
      `  capture filter: ${filter || '(none: more simulated MACs than a BPF filter holds)'}\n\n`,
  );

  if (opts.tui && !host.interactive) host.err('lblab live: --tui needs a terminal; printing hop lines instead\n');
  // The UI's modules load before the devices open, so the run starts right after they do.
  const openTui = opts.tui && host.interactive ? await liveTui() : null;

  const runner = new RealTimeRunner(net.sim, systemPacer(), { until, onBatch: () => flush() });
  let realName = 'real';
  for (let i = 2; net.node(realName); i++) realName = `real${i}`;
  const real = new LivePort(net, realName, runner);
  const devices: LiveDevice[] = [];
  try {
    for (const p of plans) {
      const d = host.open(p.device, filter);
      devices.push(d);
      real.attach(p.peer, d);
    }
  } catch (e) {
    for (const d of devices) d.close();
    if (!(e instanceof CapUnavailable)) throw e;
    host.err(`lblab live: ${e.message}\n`);
    return 3;
  }

  const peers = peersOf(net);
  const view = new HopLines({ color: false, verbose: opts.verbose, macs: opts.macs, peers });
  const lines: string[] = [];
  function flush(): void {
    if (lines.length) {
      clearStatus();
      host.out(lines.join('\n') + '\n');
      lines.length = 0;
    }
  }
  let ended = false;
  let ui: LiveTui | null = null;
  if (openTui) {
    const rec = new FullRecorder(net.trace);
    const brief = (): string => {
      const l = runner.lag.summary();
      const n = real.all().reduce((a, x) => [a[0]! + x.counters.inFrames, a[1]! + x.counters.outFrames], [0, 0]);
      return `${ended ? 'ended' : 'live'} ${fmtTime(net.sim.now)} · ${n[0]} in ${n[1]} out · lag ${fmtLag(l.median)} median, ${fmtLag(l.max)} max`;
    };
    const source = { events: () => rec.events, status: brief };
    ui = openTui({ title: sc.title, color: !process.env['NO_COLOR'], peers, topology: topologyOf(net), initial: initialStateOf(net) }, source);
    void ui.closed.then(() => runner.stop('the TUI was closed'));
  } else if (!opts.quiet) {
    net.trace.listen((ev: TraceEvent) => {
      const line = opts.json ? JSON.stringify(eventJson(ev)) : view.line(ev);
      if (line !== null) lines.push(line);
    });
  }
  let sink: FileSink | null = null;
  let capture: TraceCapture | null = null;
  if (opts.output) {
    try {
      sink = new FileSink(opts.output);
    } catch (e) {
      for (const d of devices) d.close();
      host.err(`lblab live: cannot write ${opts.output}: ${(e as Error).message}\n`);
      return 1;
    }
    const w = new PcapngWriter(sink, { application: `lblab ${lblabVersion()}`, describe: (p) => (peers.has(p) ? `${p}, linked to ${peers.get(p)}` : null) });
    capture = new TraceCapture(w, {}).attach(net.trace);
  }

  function status(): string {
    const l = runner.lag.summary();
    const b = real.all().map((x) => `${x.device.name} in ${x.counters.inFrames} out ${x.counters.outFrames}`).join(', ');
    return `live ${fmtTime(net.sim.now)}: ${b}; lag median ${fmtLag(l.median)}, p99 ${fmtLag(l.p99)}, max ${fmtLag(l.max)} (${l.count} frames)`;
  }
  let statusShown = false;
  function clearStatus(): void {
    if (statusShown) host.err('\r\x1b[K');
    statusShown = false;
  }
  const ticker = host.statusTty && !ui
    ? setInterval(() => {
        host.err(`\r\x1b[K${status()}`);
        statusShown = true;
      }, 250)
    : null;
  const stopListening = host.onInterrupt(() => runner.stop('interrupted (Ctrl-C)'));
  let res;
  try {
    res = await runner.run();
  } finally {
    stopListening();
    if (ticker) clearInterval(ticker);
    real.close();
  }
  if (ui) {
    ended = true;
    await ui.closed; // the trace stays open for stepping through until the user quits
  }
  flush();
  clearStatus();
  let wrote = '';
  if (capture && sink) {
    const st = capture.finish();
    wrote = `wrote ${opts.output}: ${st.packets} packets on ${st.perPoint.size} capture points, ${st.comments} comments.\n`;
  }
  const c = net.trace.counters;
  const l = runner.lag.summary();
  say(
    `\n${res.message}.\n` +
      `${c.tx} frame-hops, ${c.deliver} deliveries, ${c.drop} drops, ${net.sim.processed} events, simulated ${fmtTime(net.sim.now)}.\n` +
      real
        .all()
        .map((x) => `${x.device.name}: ${x.counters.inFrames} frames captured into ${x.peer.label}, ${x.counters.outFrames} injected${x.counters.undecodable ? `, ${x.counters.undecodable} undecodable` : ''}${x.counters.sendErrors ? `, ${x.counters.sendErrors} refused by the device` : ''}.\n`)
        .join('') +
      `lag from capture to simulation: median ${fmtLag(l.median)}, p99 ${fmtLag(l.p99)}, max ${fmtLag(l.max)} over ${l.count} frames.\n` +
      wrote +
      appReport(built).map((x) => `${x}\n`).join(''),
  );
  return res.reason === 'budget' ? 1 : 0;
}

/** Options of `lblab live` as commander parses them: --attach values as written. */
export type LiveCliOptions = Omit<LiveOptions, 'attach'> & { readonly attach?: readonly string[] };

/** Adds the `live` command to a program. */
export function registerLive(program: Command): void {
  declareLive(program, liveAction);
}

/** What `lblab live` does with its parsed arguments: checks each --attach, then runs. */
export async function liveAction(scenario: string, opts: LiveCliOptions): Promise<void> {
  const attach: AttachSpec[] = [];
  for (const v of opts.attach ?? []) {
    const r = parseAttach(v);
    if (typeof r === 'string') {
      process.stderr.write(`lblab: error: option '--attach <node:iface=device>' argument '${v}' is invalid. ${r}\n`);
      process.exitCode = 2;
      return;
    }
    attach.push(r);
  }
  process.exitCode = await runLive(scenario, { ...opts, attach });
}

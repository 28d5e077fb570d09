/**
 * The simulated side of a case: builds the scenario with buildScenario,
 * runs it while the pcapng writer streams every capture point into memory
 * (exactly what `lblab pcap` writes), and reads that pcapng back with
 * readCapture, so the comparison sees lblab's file and not its internals.
 */
import { buildScenario } from '../../../src/assemble/scenario.js';
import type { BuiltScenario } from '../../../src/assemble/built.js';
import { MemorySink, PcapngWriter, readCapture, TraceCapture } from '../../../src/pcap/index.js';
import type { Scenario } from '../../../src/scenario/index.js';
import type { CapturedFrame } from './frames.js';

/** What the simulated run gave: the built network (for addresses and MACs) and the frames per capture point. */
export interface LblabRun {
  readonly built: BuiltScenario;
  readonly frames: readonly CapturedFrame[];
  /** The simulator's one-line end message. */
  readonly message: string;
}

/** Runs the scenario for `until` ns and returns lblab's own pcapng, decoded per point. */
export function runLblab(sc: Scenario, until: number): LblabRun {
  const built = buildScenario(sc);
  const sink = new MemorySink();
  const writer = new PcapngWriter(sink, { application: 'lblab kernel-diff' });
  const cap = new TraceCapture(writer).attach(built.net.trace);
  const res = built.net.run(until);
  cap.finish();
  const read = readCapture(sink.bytes(), 'lblab.pcapng');
  if (!read.ok) throw new Error(read.error.message);
  const file = read.value;
  const frames: CapturedFrame[] = [];
  for (const p of file.packets) {
    const point = file.interfaces[p.iface]?.name ?? `if${p.iface}`;
    if (p.direction === null) throw new Error(`lblab's pcapng packet ${p.index} has no direction flag`);
    frames.push({ point, dir: p.direction, t: p.t, data: p.data });
  }
  return { built, frames, message: res.message };
}

/**
 * Shared helpers of the pcap tests: exporting a scenario to pcapng in
 * memory (keeping what was written, packet by packet, to compare with what
 * tshark reads back), and a strict pcapng walker written independently of
 * src/pcap/read.ts, so the block encoding is checked by a second reader.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import type { BuiltScenario } from '../../src/assemble/built.js';
import { FullRecorder } from '../../src/trace/trace.js';
import { TraceCapture, type CaptureOutput, type CapturedPacket, type CaptureStats } from '../../src/pcap/capture.js';
import { PcapngWriter } from '../../src/pcap/writers.js';
import { MemorySink } from '../../src/pcap/sink.js';
import type { TraceEvent } from '../../src/trace/events.js';

/** Loads and builds a scenario file, or returns the reason it does not load. */
export function build(file: string, seed?: number): BuiltScenario | string {
  const loaded = loadScenario(file, (p) => readFileSync(p, 'utf8'));
  if (!loaded.ok) return loaded.errors.map((e) => e.message).join('; ');
  return buildScenario(seed === undefined ? loaded.scenario : { ...loaded.scenario, seed }, { readBinary: (p) => readFileSync(p) });
}

/** A scenario exported to pcapng in memory, with the trace and the packets as written. */
export interface Export {
  readonly bytes: Uint8Array;
  readonly packets: CapturedPacket[];
  readonly events: TraceEvent[];
  readonly stats: CaptureStats;
}

/** Runs a built scenario with a pcapng capture (and a full recorder) attached. */
export function exportBuilt(built: BuiltScenario, points: string[] | null = null): Export {
  const sink = new MemorySink();
  const writer = new PcapngWriter(sink, { application: 'lblab test' });
  const packets: CapturedPacket[] = [];
  const tee: CaptureOutput = {
    declare: (p) => writer.declare(p),
    packet: (p) => {
      packets.push(p);
      writer.packet(p);
    },
    close: () => writer.close(),
  };
  const rec = new FullRecorder(built.net.trace);
  const cap = new TraceCapture(tee, { points }).attach(built.net.trace);
  built.net.run(built.scenario.run.until ?? undefined);
  const stats = cap.finish();
  return { bytes: sink.bytes(), packets, events: rec.events, stats };
}

/** The built-in scenario files. */
export function scenarioFiles(): string[] {
  return readdirSync('scenarios')
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join('scenarios', f));
}

/** One block as the strict walker saw it. */
export interface WalkedBlock {
  readonly type: number;
  readonly offset: number;
  readonly total: number;
  /** The body (between the first length and the trailing length). */
  readonly body: Uint8Array;
}

/** One option as the strict walker saw it. */
export interface WalkedOption {
  readonly code: number;
  readonly value: Uint8Array;
}

/**
 * Walks a little-endian pcapng file block by block and throws on any
 * breach of the layout rules: lengths at least 12 and multiples of 4, the
 * trailing length equal to the leading one, no bytes left over.
 */
export function walkBlocks(b: Uint8Array): WalkedBlock[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: WalkedBlock[] = [];
  let o = 0;
  while (o < b.length) {
    if (b.length - o < 12) throw new Error(`block at ${o}: only ${b.length - o} bytes left`);
    const type = dv.getUint32(o, true);
    const total = dv.getUint32(o + 4, true);
    if (total < 12 || total % 4 !== 0) throw new Error(`block at ${o}: total length ${total} is not a multiple of 4 of at least 12`);
    if (o + total > b.length) throw new Error(`block at ${o}: runs past the end`);
    if (dv.getUint32(o + total - 4, true) !== total) throw new Error(`block at ${o}: trailing length differs`);
    out.push({ type, offset: o, total, body: b.subarray(o + 8, o + total - 4) });
    o += total;
  }
  return out;
}

/** Parses an option list strictly: every value zero-padded to 4, the list ended by opt_endofopt with length 0, nothing after it. */
export function walkOptions(body: Uint8Array, at: number): WalkedOption[] {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out: WalkedOption[] = [];
  let o = at;
  if (o === body.length) return out; // no options at all
  for (;;) {
    if (body.length - o < 4) throw new Error(`option at ${o}: header cut`);
    const code = dv.getUint16(o, true);
    const len = dv.getUint16(o + 2, true);
    if (code === 0) {
      if (len !== 0) throw new Error('opt_endofopt with a non-zero length');
      if (o + 4 !== body.length) throw new Error(`${body.length - o - 4} bytes after opt_endofopt`);
      return out;
    }
    const padded = (len + 3) & ~3;
    if (o + 4 + padded > body.length) throw new Error(`option ${code} runs past its block`);
    for (let i = o + 4 + len; i < o + 4 + padded; i++) if (body[i] !== 0) throw new Error(`option ${code}: padding byte ${i} is not zero`);
    out.push({ code, value: body.subarray(o + 4, o + 4 + len) });
    o += 4 + padded;
  }
}

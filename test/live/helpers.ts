/**
 * Stand-ins for the live bridge's outside world: a pacer whose clock moves
 * only when the test says so, and a device that records what is injected
 * and lets the test "capture" frames. With them the bridge and the
 * real-time runner are checked without root, libpcap or a wall clock.
 */
import { readFileSync } from 'node:fs';
import type { LiveDevice } from '../../src/live/device.js';
import type { Pacer } from '../../src/live/pacer.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import type { BuiltScenario } from '../../src/assemble/built.js';
import { loadScenario } from '../../src/scenario/index.js';

interface Wake {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A pacer driven by the test: `advance(ns)` moves its clock and fires the wake-ups that fall due, in order. */
export class ManualPacer implements Pacer {
  t = 0;
  /** How late every wake-up fires (a busy event loop). */
  latency = 0;
  private wakes: Wake[] = [];
  private seq = 0;

  now(): number {
    return this.t;
  }

  wake(delay: number, fn: () => void): () => void {
    const w: Wake = { at: this.t + delay + this.latency, seq: this.seq++, fn, cancelled: false };
    this.wakes.push(w);
    return () => {
      w.cancelled = true;
    };
  }

  /** Moves the clock forward by `ns`, firing every wake-up due on the way (at its own time). */
  advance(ns: number): void {
    const end = this.t + ns;
    for (;;) {
      const due = this.wakes.filter((w) => !w.cancelled && w.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.cancelled = true;
      if (due.at > this.t) this.t = due.at;
      due.fn();
    }
    this.wakes = this.wakes.filter((w) => !w.cancelled);
    this.t = end;
  }

  /** Wake-ups still pending. */
  get pending(): number {
    return this.wakes.filter((w) => !w.cancelled).length;
  }
}

/** A device in memory: `sent` holds what the bridge injected, `capture()` plays a frame arriving on the wire. */
export class MemoryDevice implements LiveDevice {
  readonly sent: Uint8Array[] = [];
  closed = false;
  private fn: ((b: Uint8Array) => void) | null = null;

  constructor(readonly name: string) {}

  send(bytes: Uint8Array): void {
    if (this.closed) throw new Error('the device is closed');
    this.sent.push(bytes.slice());
  }

  onFrame(fn: (bytes: Uint8Array) => void): void {
    this.fn = fn;
  }

  close(): void {
    this.closed = true;
  }

  /** Hands the bridge a captured frame (through a reused buffer, as cap does). */
  capture(bytes: Uint8Array): void {
    const reused = new Uint8Array(2048);
    reused.set(bytes);
    this.fn?.(reused.subarray(0, bytes.length));
    reused.fill(0xee); // the bridge must have copied or decoded what it needs
  }
}

/** Loads and builds a scenario file of the repository. */
export function builtFrom(file: string): BuiltScenario {
  const r = loadScenario(file, (p) => readFileSync(p, 'utf8'));
  if (!r.ok) throw new Error(`${file} does not load: ${r.errors.map((e) => e.message).join('; ')}`);
  return buildScenario(r.scenario, { readBinary: (p) => readFileSync(p) });
}

/** Bytes as lowercase hex, for readable byte-exact assertions. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

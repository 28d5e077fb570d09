/**
 * Streaming capture: a trace listener that turns tx and rx events into
 * packets seen at capture points (`node:iface`, as tcpdump on that
 * interface would see them: the sender's copy at the tx time, the
 * receiver's at the rx time) and hands them, in trace order, to an output
 * (the pcapng writer, or one classic pcap per point).
 *
 * Explanations become packet comments, which forces a little look-ahead
 * and look-behind, both bounded:
 * - A rewrite comes before the rewritten frame is sent (and the frame that
 *   leaves is often a child of the rewrite's `after`, with new MACs), so the
 *   sentence waits in a small table keyed by frame id until that frame, or
 *   its child, is first captured. When the rewritten frame is consumed on
 *   the node instead (a tunnel unwrapped and delivered), the sentence goes on
 *   the last capture of the frame before the rewrite. The table is capped;
 *   the oldest entries go.
 * - A drop comes after the frame's rx, so packets are held back for a while
 *   before being written, and a drop attaches its sentence to the held
 *   packet it concerns. Packets leave the hold when they are older than
 *   `holdNs` (default 3.5 s: Linux gives up ARP resolution after 3 s, and
 *   the packets that waited are dropped then) or when more than `maxHeld`
 *   are held, whichever comes first; a sentence whose packet has already
 *   left is counted in `commentsLost`.
 */
import type { Frame, TraceEvent } from '../trace/events.js';
import type { Trace } from '../trace/trace.js';

/** A packet seen at a capture point, handed to an output in trace order. */
export interface CapturedPacket {
  /** The capture point, "node:iface". */
  readonly point: string;
  /** Simulated time in nanoseconds. */
  readonly t: number;
  /** 'tx' when the point sent it, 'rx' when it received it. */
  readonly dir: 'tx' | 'rx';
  readonly frame: Frame;
  /** The explanations attached to this copy (rewrites, drops), each "node: sentence". */
  readonly comments: readonly string[];
}

/** What receives the captured packets: a file format writer. */
export interface CaptureOutput {
  /** Declares a capture point before any packet (so it exists even if it carries nothing). */
  declare(point: string): void;
  /** One packet, in trace order. */
  packet(p: CapturedPacket): void;
  /** No more packets: flush and close. */
  close(): void;
}

/** Options of a capture. */
export interface CaptureOptions {
  /** The capture points to keep ("node:iface"); all interfaces that carry traffic when absent. */
  readonly points?: readonly string[] | null;
  /** How long (simulated ns) a packet is held back waiting for a drop to explain it; default 3.5 s. */
  readonly holdNs?: number;
  /** At most this many packets are held back; default 4096. */
  readonly maxHeld?: number;
  /** At most this many rewrite sentences wait for their frame; default 1024. */
  readonly maxPending?: number;
}

/** Counters of a capture, for the CLI's summary and the tests. */
export interface CaptureStats {
  /** Packets written. */
  packets: number;
  /** Packets per capture point, in order of first appearance (or declaration). */
  readonly perPoint: Map<string, number>;
  /** Comments attached to packets. */
  comments: number;
  /** Sentences that found no packet (their frame was never captured, or had left the hold). */
  commentsLost: number;
  /** The most packets held back at once. */
  maxHeld: number;
}

interface Held {
  readonly point: string;
  readonly t: number;
  readonly dir: 'tx' | 'rx';
  readonly frame: Frame;
  comments: string[] | null;
}

const DEFAULT_HOLD_NS = 3_500_000_000;

/** The text of an explanation: the node, then the sentence (without the node's name when the sentence starts with it). */
function explain(node: string, text: string): string {
  return `${node}: ${text.startsWith(`${node} `) ? text.slice(node.length + 1) : text}`;
}

/** The streaming capture: attach it to a trace, run the simulation, then finish(). */
export class TraceCapture {
  /** Counters so far. */
  readonly stats: CaptureStats = { packets: 0, perPoint: new Map(), comments: 0, commentsLost: 0, maxHeld: 0 };
  private readonly only: Set<string> | null;
  private readonly holdNs: number;
  private readonly maxHeld: number;
  private readonly maxPending: number;
  /** Held packets in trace order: `held[head..]` are live. */
  private held: Held[] = [];
  private head = 0;
  /** Held packets by frame id (each list in trace order). */
  private readonly byFrame = new Map<number, Held[]>();
  /** Rewrite sentences waiting for their frame's first capture, by frame id (insertion order = age), with the id of the frame before. */
  private readonly pending = new Map<number, { readonly text: string; readonly before: number }>();
  private finished = false;
  private detach: (() => void) | null = null;

  /** Creates a capture writing to `out`; declared points (options.points) are declared to it at once. */
  constructor(
    private readonly out: CaptureOutput,
    opts: CaptureOptions = {},
  ) {
    this.only = opts.points ? new Set(opts.points) : null;
    this.holdNs = opts.holdNs ?? DEFAULT_HOLD_NS;
    this.maxHeld = Math.max(1, opts.maxHeld ?? 4096);
    this.maxPending = Math.max(1, opts.maxPending ?? 1024);
    for (const p of opts.points ?? []) {
      if (!this.stats.perPoint.has(p)) {
        this.stats.perPoint.set(p, 0);
        out.declare(p);
      }
    }
  }

  /** Subscribes to a trace; returns this capture. */
  attach(trace: Trace): this {
    // Forwards and state changes explain no packet: they are not even built for a capture.
    this.detach = trace.listen((ev) => this.event(ev), ['tx', 'rx', 'rewrite', 'drop', 'deliver']);
    return this;
  }

  /** Handles one trace event (the listener). */
  event(ev: TraceEvent): void {
    switch (ev.kind) {
      case 'tx':
      case 'rx':
        this.capture(ev.kind, ev.node, ev.iface, ev.t, ev.frame);
        return;
      case 'rewrite':
        this.rewrite(ev.node, ev.before, ev.after, ev.text);
        return;
      case 'drop':
        // A drop without a frame (a connection given up) explains no packet.
        if (ev.frame) this.drop(ev.node, ev.iface, ev.frame, `${ev.code}: ${ev.text}`);
        return;
      case 'deliver':
        this.consumed(ev.frame);
        return;
      case 'forward':
      case 'state':
        return;
    }
  }

  /** Writes every held packet and closes the output; later events are ignored. */
  finish(): CaptureStats {
    if (this.finished) return this.stats;
    this.finished = true;
    this.detach?.();
    while (this.head < this.held.length) this.release();
    this.stats.commentsLost += this.pending.size;
    this.pending.clear();
    this.out.close();
    return this.stats;
  }

  private capture(dir: 'tx' | 'rx', node: string, iface: string, t: number, frame: Frame): void {
    if (this.finished) return;
    const point = `${node}:${iface}`;
    if (this.only && !this.only.has(point)) return;
    // Time moved on: packets older than the hold can no longer be explained by a drop worth waiting for.
    while (this.head < this.held.length && this.held[this.head]!.t + this.holdNs < t) this.release();
    let comments: string[] | null = null;
    // A rewrite's sentence goes on the first capture of its `after` frame, or of the child that left with new MACs.
    const key = this.pending.has(frame.id) ? frame.id : frame.parent !== 0 && this.pending.has(frame.parent) ? frame.parent : -1;
    if (key >= 0) {
      comments = [this.pending.get(key)!.text];
      this.pending.delete(key);
    }
    const h: Held = { point, t, dir, frame, comments };
    this.held.push(h);
    const list = this.byFrame.get(frame.id);
    if (list) list.push(h);
    else this.byFrame.set(frame.id, [h]);
    while (this.held.length - this.head > this.maxHeld) this.release();
    const n = this.held.length - this.head;
    if (n > this.stats.maxHeld) this.stats.maxHeld = n;
  }

  private rewrite(node: string, before: Frame, after: Frame, text: string): void {
    let s = explain(node, text);
    // A second rewrite of a frame that was never sent (DNAT then SNAT on one node): keep both sentences.
    const earlier = this.pending.get(before.id);
    let first = before.id;
    if (earlier !== undefined) {
      this.pending.delete(before.id);
      s = `${earlier.text}; ${s}`;
      first = earlier.before;
    }
    this.pending.set(after.id, { text: s, before: first });
    if (this.pending.size > this.maxPending) {
      const oldest = this.pending.keys().next().value as number;
      this.pending.delete(oldest);
      this.stats.commentsLost++;
    }
  }

  /** A frame reached a socket on its node: a rewrite sentence still waiting for it goes on the frame it was made from. */
  private consumed(frame: Frame): void {
    const key = this.pending.has(frame.id) ? frame.id : frame.parent !== 0 && this.pending.has(frame.parent) ? frame.parent : -1;
    if (key < 0) return;
    const p = this.pending.get(key)!;
    this.pending.delete(key);
    const h = this.pick(this.byFrame.get(p.before), null);
    if (h) (h.comments ??= []).push(p.text);
    else this.stats.commentsLost++;
  }

  private drop(node: string, iface: string | null, frame: Frame, text: string): void {
    const where = iface === null ? null : `${node}:${iface}`;
    // The copy captured where it was dropped; else the frame's last capture; else its parent's (a frame made and dropped inside the node).
    const h = this.pick(this.byFrame.get(frame.id), where) ?? (frame.parent !== 0 ? this.pick(this.byFrame.get(frame.parent), where) : null);
    if (!h) {
      this.stats.commentsLost++;
      return;
    }
    (h.comments ??= []).push(explain(node, text));
  }

  private pick(list: Held[] | undefined, where: string | null): Held | null {
    if (!list || list.length === 0) return null;
    if (where !== null) for (let i = list.length - 1; i >= 0; i--) if (list[i]!.point === where) return list[i]!;
    return list[list.length - 1]!;
  }

  /** Writes the oldest held packet. */
  private release(): void {
    const h = this.held[this.head]!;
    this.held[this.head] = undefined as unknown as Held;
    this.head++;
    // Compact now and then so the array does not grow with the run.
    if (this.head >= 1024 && this.head * 2 >= this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
    const list = this.byFrame.get(h.frame.id)!;
    list.shift();
    if (list.length === 0) this.byFrame.delete(h.frame.id);
    const st = this.stats;
    st.packets++;
    st.perPoint.set(h.point, (st.perPoint.get(h.point) ?? 0) + 1);
    if (h.comments) st.comments += h.comments.length;
    this.out.packet({ point: h.point, t: h.t, dir: h.dir, frame: h.frame, comments: h.comments ?? NONE });
  }
}

const NONE: readonly string[] = [];

/**
 * The trace bus. Nodes report what happens through its methods; it always
 * keeps counters (cheap enough for a million flows) and, when a recorder or
 * a listener is attached, builds the typed event objects and hands them on.
 * Sentences are passed as thunks and only evaluated when events are kept,
 * so a counters-only run formats nothing.
 */
import { ethernetLength } from '../wire/checksum.js';
import type { Ethernet } from '../wire/types.js';
import type { Frame, StateChange, TraceEvent } from './events.js';
import type { DropReason, RewriteReason } from './reasons.js';

/** A sentence, or a function that makes it only when someone will read it. */
export type Text = string | (() => string);

function text(t: Text): string {
  return typeof t === 'string' ? t : t();
}

/** Something that receives every trace event as it happens. */
export interface TraceListener {
  (ev: TraceEvent): void;
}

/** Counters kept in every mode. */
export class TraceCounters {
  /** Frames put on a link (= frame-hops). */
  tx = 0;
  /** Bytes put on links (without FCS). */
  txBytes = 0;
  rx = 0;
  forward = 0;
  rewrite = 0;
  deliver = 0;
  drop = 0;
  state = 0;
  /** Drops per reason code. */
  readonly drops = new Map<string, number>();
}

/** The source of simulated time the trace stamps events with. */
export interface Clock {
  readonly now: number;
}

/** The kinds of trace event, as a listener names the ones it wants. */
export type EventKind = TraceEvent['kind'];

/** One bit per event kind, so a trace knows cheaply whether anyone wants events of a kind. */
const KIND_BIT: Readonly<Record<EventKind, number>> = { tx: 1, rx: 2, forward: 4, rewrite: 8, deliver: 16, drop: 32, state: 64 };

/** Every kind. */
const ALL_KINDS = 127;

/** The bit mask of a list of kinds (all kinds when none is given). */
function maskOf(kinds: readonly EventKind[] | undefined): number {
  if (!kinds) return ALL_KINDS;
  let m = 0;
  for (const k of kinds) m |= KIND_BIT[k];
  return m;
}

/** The trace of one simulation. */
export class Trace {
  /** Counters, kept in every mode. */
  readonly counters = new TraceCounters();
  /**
   * True when a listener is attached: events are numbered (seq) then, whether
   * or not anyone wants their kind, so a listener of some kinds sees the
   * same seq a full recorder would.
   */
  detailed = false;
  private listeners: { readonly fn: TraceListener; readonly mask: number }[] = [];
  /** The kinds some listener wants (bits of KIND_BIT). */
  private wants = 0;
  private nextId = 1;
  private seq = 0;

  /** Creates a trace stamped by `clock` (the simulation). */
  constructor(private readonly clock: Clock) {}

  /**
   * Attaches a listener; from now on the events of the kinds it names (all
   * when none is named) are built and passed to it. Returns the detacher.
   */
  listen(l: TraceListener, kinds?: readonly EventKind[]): () => void {
    const entry = { fn: l, mask: maskOf(kinds) };
    this.listeners.push(entry);
    this.update();
    return () => {
      this.listeners = this.listeners.filter((x) => x !== entry);
      this.update();
    };
  }

  /** True when some listener wants events of `kind` (so its sentence is worth formatting). */
  wantsKind(kind: EventKind): boolean {
    return (this.wants & KIND_BIT[kind]) !== 0;
  }

  private update(): void {
    let m = 0;
    for (const x of this.listeners) m |= x.mask;
    this.wants = m;
    this.detailed = this.listeners.length > 0;
  }

  /** Wraps an Ethernet value as a new frame with a fresh id; `parent` records lineage. */
  frame(eth: Ethernet, parent: Frame | null = null): Frame {
    return { id: this.nextId++, parent: parent ? parent.id : 0, eth, len: ethernetLength(eth) };
  }

  private emit(bit: number, ev: TraceEvent): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) if (ls[i]!.mask & bit) ls[i]!.fn(ev);
  }

  /** A frame starts transmission on `link` from `node:iface`. */
  tx(node: string, iface: string, link: string, frame: Frame): void {
    const c = this.counters;
    c.tx++;
    c.txBytes += frame.len;
    if (!this.detailed) return;
    const seq = this.seq++;
    if (this.wants & 1) this.emit(1, { kind: 'tx', t: this.clock.now, seq, node, iface, link, frame });
  }

  /** A frame arrives on `node:iface`. */
  rx(node: string, iface: string, frame: Frame): void {
    this.counters.rx++;
    if (!this.detailed) return;
    const seq = this.seq++;
    if (this.wants & 2) this.emit(2, { kind: 'rx', t: this.clock.now, seq, node, iface, frame });
  }

  /** A node forwards a frame from one interface to another. */
  forward(node: string, inIface: string, outIface: string, frame: Frame, how: 'switch' | 'flood' | 'route'): void {
    this.counters.forward++;
    if (!this.detailed) return;
    const seq = this.seq++;
    if (this.wants & 4) this.emit(4, { kind: 'forward', t: this.clock.now, seq, node, inIface, outIface, frame, how });
  }

  /** A node rewrites a frame's headers. */
  rewrite(node: string, before: Frame, after: Frame, code: RewriteReason, why: Text): void {
    this.counters.rewrite++;
    if (!this.detailed) return;
    const seq = this.seq++;
    if (this.wants & 8) this.emit(8, { kind: 'rewrite', t: this.clock.now, seq, node, before, after, code, text: text(why) });
  }

  /** A packet reaches a socket or protocol handler. */
  deliver(node: string, to: Text, frame: Frame): void {
    this.counters.deliver++;
    if (!this.detailed) return;
    const seq = this.seq++;
    if (this.wants & 16) this.emit(16, { kind: 'deliver', t: this.clock.now, seq, node, to: text(to), frame });
  }

  /** Something is dropped, with its stable reason code and a sentence. */
  drop(node: string, iface: string | null, frame: Frame | null, code: DropReason | (string & {}), why: Text): void {
    const c = this.counters;
    c.drop++;
    c.drops.set(code, (c.drops.get(code) ?? 0) + 1);
    if (!this.detailed) return;
    const seq = this.seq++;
    if (this.wants & 32) this.emit(32, { kind: 'drop', t: this.clock.now, seq, node, iface, frame, code, text: text(why) });
  }

  /** A piece of state changes. */
  state(node: string, change: StateChange | (() => StateChange), why: Text): void {
    this.counters.state++;
    if (!this.detailed) return;
    const seq = this.seq++;
    if (this.wants & 64)
      this.emit(64, {
        kind: 'state',
        t: this.clock.now,
        seq,
        node,
        change: typeof change === 'function' ? change() : change,
        text: text(why),
      });
  }
}

/** The full recorder: keeps every event, for stepping, pcap and grading. */
export class FullRecorder {
  /** Every event so far, in order. */
  readonly events: TraceEvent[] = [];

  /** Attaches this recorder to a trace. */
  constructor(trace: Trace) {
    trace.listen((ev) => this.events.push(ev));
  }
}

/**
 * The counters-only recorder: keeps nothing but the trace's counters, so
 * memory stays flat however long the run. It exists so that the choice of
 * recorder reads the same in code; it attaches no listener.
 */
export class CountersRecorder {
  /** Reads the counters of a trace. */
  constructor(readonly trace: Trace) {}

  /** The counters so far. */
  get counters(): TraceCounters {
    return this.trace.counters;
  }
}

/**
 * A full-duplex point-to-point link between two interfaces (a cable, or a
 * port-to-port connection through a patch panel). Each direction has its own
 * transmitter: frames are serialised one after another at the link's
 * bandwidth, wait in a bounded FIFO while the transmitter is busy (tail
 * drop when it is full), lose with a seeded probability, and arrive after
 * the propagation delay. One event per frame-hop: the arrival.
 *
 * Serialisation counts the frame plus its 4-byte FCS, padded to Ethernet's
 * 64-byte minimum; preamble and inter-frame gap are not modelled.
 */
import type { Rng } from '../sim/rng.js';
import type { Nanos } from '../sim/time.js';
import type { Frame } from '../trace/events.js';
import { EV_ARRIVE, type Iface, type IfaceEnd, type NetContext } from './iface.js';

/** The parameters of a link. */
export interface LinkOptions {
  /** Propagation delay in ns (default 10 us). */
  readonly delay?: Nanos;
  /** Bandwidth in bits per second; 0 means infinitely fast (default 1 Gb/s). */
  readonly bandwidth?: number;
  /** Probability that a frame is lost, per direction (default 0). */
  readonly loss?: number;
  /** Frames a direction may hold waiting to be sent (default 1000, Linux txqueuelen). */
  readonly queue?: number;
}

/** One direction of a link: the transmitter at `from`, delivering to `to`. */
export class LinkEnd implements IfaceEnd {
  /** Time until which the transmitter is busy serialising. */
  busyUntil: Nanos = 0;
  /**
   * Start times of frames accepted but not yet started (a ring buffer). It
   * starts small and doubles up to the link's queue limit when frames do
   * queue, so an idle or uncongested link costs a few bytes, not 8 KB per
   * direction (10k hosts would otherwise hold 160 MB of empty queues).
   */
  private starts: Float64Array;
  private head = 0;
  private count = 0;
  /** The most frames that may wait (the link's queue option, at least 1). */
  private readonly limit: number;
  private readonly rng: Rng | null;

  constructor(
    readonly link: Link,
    readonly from: Iface,
    readonly to: Iface,
  ) {
    this.limit = Math.max(1, link.queue);
    this.starts = new Float64Array(Math.min(4, this.limit));
    this.rng = link.loss > 0 ? link.net.sim.stream(`link:${link.name}:${from.label}`) : null;
  }

  /** Puts a frame on the wire (or in the queue); schedules its arrival at the far end. */
  transmit(from: Iface, frame: Frame): void {
    const link = this.link;
    const net = link.net;
    const now = net.sim.now;
    const trace = net.trace;
    if (!link.up) {
      from.counters.txDrops++;
      trace.drop(from.node.name, from.name, frame, 'link-down', () => `link ${link.name} is down; the frame is lost`);
      return;
    }
    // Frames whose serialisation has started no longer occupy the queue.
    while (this.count > 0 && this.starts[this.head]! <= now) {
      this.head = (this.head + 1) % this.starts.length;
      this.count--;
    }
    const start = this.busyUntil > now ? this.busyUntil : now;
    if (start > now) {
      const cap = this.limit;
      if (this.count >= cap) {
        from.counters.txDrops++;
        trace.drop(from.node.name, from.name, frame, 'queue-full', () => `the transmit queue of ${from.label} holds ${cap} frames already; tail drop`);
        return;
      }
      if (this.count === this.starts.length) this.grow();
      this.starts[(this.head + this.count) % this.starts.length] = start;
      this.count++;
    }
    const bytes = frame.len + 4 < 64 ? 64 : frame.len + 4;
    const ser = link.bandwidth > 0 ? Math.round((bytes * 8e9) / link.bandwidth) : 0;
    this.busyUntil = start + ser;
    trace.tx(from.node.name, from.name, link.name, frame);
    if (this.rng !== null && this.rng.chance(link.loss)) {
      trace.drop(from.node.name, from.name, frame, 'link-loss', () => `link ${link.name} lost the frame (loss ${link.loss})`);
      return;
    }
    net.sim.post(this.busyUntil + link.delay - now, this.to, EV_ARRIVE, frame, link.epoch);
  }

  /** Doubles the ring (up to the limit), keeping the waiting frames in order from index 0. */
  private grow(): void {
    const old = this.starts;
    const next = new Float64Array(Math.min(this.limit, old.length * 2));
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) % old.length]!;
    this.starts = next;
    this.head = 0;
  }

  /** Frames waiting behind the one being serialised. */
  queued(now: Nanos): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.starts[(this.head + i) % this.starts.length]! > now) n++;
    return n;
  }
}

/** A full-duplex link between two interfaces. */
export class Link {
  /** Carrier state; a down link loses everything on it and everything sent into it. */
  up = true;
  /** Incremented each time the link goes down, so frames in flight can tell they were lost. */
  epoch = 0;
  readonly delay: Nanos;
  readonly bandwidth: number;
  readonly loss: number;
  readonly queue: number;
  /** The direction a -> b. */
  readonly ab: LinkEnd;
  /** The direction b -> a. */
  readonly ba: LinkEnd;

  /** Connects two unplugged interfaces. */
  constructor(
    readonly net: NetContext,
    readonly name: string,
    readonly a: Iface,
    readonly b: Iface,
    opts: LinkOptions = {},
  ) {
    if (a.end || b.end) throw new Error(`cannot connect ${a.label} and ${b.label}: an interface is already connected`);
    this.delay = opts.delay ?? 10_000;
    this.bandwidth = opts.bandwidth ?? 1e9;
    this.loss = opts.loss ?? 0;
    this.queue = opts.queue ?? 1000;
    this.ab = new LinkEnd(this, a, b);
    this.ba = new LinkEnd(this, b, a);
    a.end = this.ab;
    b.end = this.ba;
  }

  /** Takes the link down or up; frames in flight when it goes down are lost. */
  setUp(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    if (!up) this.epoch++;
    this.ab.busyUntil = this.ba.busyUntil = 0;
    this.net.trace.state(this.a.node.name, { what: 'link', link: this.name, up }, () => `link ${this.name} is ${up ? 'up' : 'down'}`);
    this.a.node.linkChanged(this.a, up);
    this.b.node.linkChanged(this.b, up);
  }

  /** The other end of the link from `i`. */
  peer(i: Iface): Iface {
    return i === this.a ? this.b : this.a;
  }
}

/**
 * The real side of the live bridge: a node named `real` whose interfaces
 * stand for real network devices. Each of its interfaces is linked (no
 * delay, no bandwidth limit: the real wire has its own) to the simulated
 * interface it is attached to. A frame the simulation sends to it is
 * encoded to bytes and injected on the device; a frame captured on the
 * device is decoded and sent into the simulation at the simulated time of
 * its capture, through the real-time runner.
 */
import type { EventTarget } from '../sim/sim.js';
import type { Frame } from '../trace/events.js';
import { Iface } from '../net/iface.js';
import type { Network } from '../net/network.js';
import type { NetNode } from '../net/node.js';
import { decode } from '../wire/decode.js';
import { encode } from '../wire/encode.js';
import type { Ethernet } from '../wire/types.js';
import type { LiveDevice } from './device.js';

/** Something that schedules outside events at their wall-clock time (the real-time runner). */
export interface ArrivalSink {
  /** Schedules `target.onEvent(kind, a, b)` at the simulated time that corresponds to now. */
  arrive(target: EventTarget, kind: number, a: unknown, b: unknown): void;
}

/** Counters of one bridged device. */
export class BridgeCounters {
  /** Frames captured on the device and sent into the simulation. */
  inFrames = 0;
  /** Frames the simulation sent that were injected on the device. */
  outFrames = 0;
  /** Captured frames that did not decode (too short, a broken header). */
  undecodable = 0;
  /** Injections the device refused. */
  sendErrors = 0;
}

/** One simulated interface bound to one device. */
export interface Bridge {
  /** The real side's interface, named after the device. */
  readonly iface: Iface;
  /** The device. */
  readonly device: LiveDevice;
  /** The simulated interface it is linked to. */
  readonly peer: Iface;
  /** Its counters. */
  readonly counters: BridgeCounters;
}

const EV_CAPTURED = 1;

/** The node standing for the real machines behind the bridged devices. */
export class LivePort implements NetNode {
  /** As far as the simulation can tell, what is behind a device is a host (or a LAN of them). */
  readonly kind = 'host' as const;
  readonly ifaces: Iface[] = [];
  readonly label: string;
  private readonly bridges = new Map<Iface, Bridge>();

  /** Creates the real side, named `name` (normally "real"). */
  constructor(
    readonly net: Network,
    readonly name: string,
    private readonly sink: ArrivalSink,
  ) {
    this.label = `real side ${name}`;
  }

  /** Binds `device` to the simulated interface `peer` (which must have no link yet). */
  attach(peer: Iface, device: LiveDevice): Bridge {
    const iface = new Iface(this, device.name, 0);
    this.ifaces.push(iface);
    this.net.connect(peer, iface, { delay: 0, bandwidth: 0 });
    const bridge: Bridge = { iface, device, peer, counters: new BridgeCounters() };
    this.bridges.set(iface, bridge);
    device.onFrame((bytes) => this.captured(bridge, bytes));
    return bridge;
  }

  /** Every bridge, in attach order. */
  all(): Bridge[] {
    return [...this.bridges.values()];
  }

  /** A frame captured on a device: decode it now (the bytes are reused), schedule it at its capture time. */
  private captured(bridge: Bridge, bytes: Uint8Array): void {
    const r = decode(bytes);
    if (!r.ok) {
      bridge.counters.undecodable++;
      const e = r.error;
      this.net.trace.drop(this.name, bridge.iface.name, null, 'live-undecodable', () => `a ${bytes.length}-byte frame captured on ${bridge.device.name} does not decode (${e.layer}: ${e.reason}); it does not enter the simulation`);
      return;
    }
    bridge.counters.inFrames++;
    this.sink.arrive(this, EV_CAPTURED, bridge, r.value);
  }

  /** A captured frame's turn has come: it leaves the real side towards the simulated interface. */
  onEvent(kind: number, a: unknown, b: unknown): void {
    if (kind !== EV_CAPTURED) return;
    const bridge = a as Bridge;
    bridge.iface.send(this.net.trace.frame(b as Ethernet));
  }

  /** Names the event kind for the budget message. */
  kindName(kind: number): string {
    return kind === EV_CAPTURED ? 'captured frame' : `event ${kind}`;
  }

  /** A frame the simulation sent towards a device: inject its bytes. */
  receive(iface: Iface, frame: Frame): void {
    const bridge = this.bridges.get(iface);
    if (!bridge) return;
    try {
      bridge.device.send(encode(frame.eth));
      bridge.counters.outFrames++;
    } catch (e) {
      bridge.counters.sendErrors++;
      this.net.trace.drop(this.name, iface.name, frame, 'live-send-failed', () => `${bridge.device.name} refused the frame: ${(e as Error).message}`);
    }
  }

  /** Link changes on the real side need no action: the device's own carrier is the real one. */
  linkChanged(): void {}

  /** Closes every device. */
  close(): void {
    for (const b of this.bridges.values()) b.device.close();
  }
}

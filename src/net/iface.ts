/**
 * A network interface: a port of a node with a MAC address, an up/down
 * state, counters, and (on hosts and routers) IPv4 addresses. Frames leave
 * through its link end and arrive through its event handler, which hands
 * them to the owning node in the same event: a node's receive path runs to
 * completion without further events, as in a real kernel's softirq.
 */
import type { EventTarget, Sim } from '../sim/sim.js';
import type { Frame } from '../trace/events.js';
import type { Trace } from '../trace/trace.js';
import type { Ipv4Addr, MacAddr } from '../wire/types.js';

// This module is the floor of the topology: the node interface lives here
// beside the interface class because each names the other, and what an
// interface needs of its link and a node of its network are declared here
// as small interfaces, so link.ts, node.ts and network.ts import this
// module and nothing imports them back.

/** What a node and a link see of the network they belong to (Network implements it). */
export interface NetContext {
  /** The event core. */
  readonly sim: Sim;
  /** The trace every node reports to. */
  readonly trace: Trace;
  /** The next automatically assigned MAC address. */
  allocMac(): number;
}

/** The kinds of node the simulator has. */
export type NodeKind = 'host' | 'switch' | 'router' | 'gateway' | 'lb' | 'dns';

/** A device on the simulated network (re-exported by node.ts, where it is documented for users). */
export interface NetNode extends EventTarget {
  /** The node's unique name ("web1", "sw1"). */
  readonly name: string;
  /** What kind of device this is. */
  readonly kind: NodeKind;
  /** The network it belongs to (simulation, trace, naming). */
  readonly net: NetContext;
  /** Its interfaces, in creation order. */
  readonly ifaces: Iface[];
  /** Handles a frame that arrived on one of its interfaces. */
  receive(iface: Iface, frame: Frame): void;
  /** Told when the link of one of its interfaces goes up or down. */
  linkChanged(iface: Iface, up: boolean): void;
}

/** What an interface needs of the link end it transmits into (LinkEnd implements it). */
export interface IfaceEnd {
  /** The link: its carrier state and its down-count, which tells frames in flight they were lost. */
  readonly link: { readonly up: boolean; readonly epoch: number };
  /** The interface at the far end. */
  readonly to: Iface;
  /** Puts a frame on the wire (or in the queue). */
  transmit(from: Iface, frame: Frame): void;
  /** Frames waiting behind the one being serialised. */
  queued(now: number): number;
}

/** An IPv4 address configured on an interface. */
export interface IfAddr {
  readonly addr: Ipv4Addr;
  readonly len: number;
}

/** How a switch port treats VLAN tags (hosts and routers use 'access' with vlan 0 = untagged). */
export interface VlanMode {
  readonly mode: 'access' | 'trunk';
  /** Access VLAN, or the native (untagged) VLAN of a trunk; 1 by default, 0 for none. */
  readonly vlan: number;
  /** VLANs a trunk carries tagged (empty = all). */
  readonly allowed: readonly number[];
}

/** Per-interface counters, as `ip -s link` shows them. */
export class IfCounters {
  txFrames = 0;
  txBytes = 0;
  rxFrames = 0;
  rxBytes = 0;
  txDrops = 0;
  rxDrops = 0;
}

/** Event kind: a frame arrives from the link (a = Frame, b = link epoch). */
export const EV_ARRIVE = 1;

/** A port of a node. */
export class Iface implements EventTarget {
  /** Administrative and carrier state: false means frames are neither sent nor received. */
  up = true;
  /** The link end this interface transmits into, or null when unplugged. */
  end: IfaceEnd | null = null;
  /** IPv4 addresses, primary first. */
  addrs: IfAddr[] = [];
  /** VLAN treatment (switch ports). */
  vlan: VlanMode = { mode: 'access', vlan: 1, allowed: [] };
  /** Counters. */
  readonly counters = new IfCounters();
  /** "node:iface", for messages and capture point names. */
  readonly label: string;

  /** Creates an interface named `name` on `node` with the given MAC. */
  constructor(
    readonly node: NetNode,
    readonly name: string,
    readonly mac: MacAddr,
  ) {
    this.label = `${node.name}:${name}`;
  }

  /** Sends a frame into the attached link; dropped with a reason when down or unplugged. */
  send(frame: Frame): void {
    const end = this.end;
    const trace = this.node.net.trace;
    if (!this.up || !end) {
      this.counters.txDrops++;
      trace.drop(this.node.name, this.name, frame, 'link-down', () => `${this.label} is ${this.up ? 'not connected' : 'down'}; the frame is not sent`);
      return;
    }
    this.counters.txFrames++;
    this.counters.txBytes += frame.len;
    end.transmit(this, frame);
  }

  /** Receives a frame delivered by the link. */
  onEvent(kind: number, a: unknown, b: unknown): void {
    if (kind !== EV_ARRIVE) return;
    const frame = a as Frame;
    const end = this.end;
    if (!end || (b as number) !== end.link.epoch) {
      this.node.net.trace.drop(this.node.name, this.name, frame, 'link-down', () => `the link to ${this.label} went down while the frame was on it`);
      return;
    }
    this.node.net.trace.rx(this.node.name, this.name, frame);
    if (!this.up) {
      this.counters.rxDrops++;
      this.node.net.trace.drop(this.node.name, this.name, frame, 'link-down', () => `${this.label} is down; the frame is discarded`);
      return;
    }
    this.counters.rxFrames++;
    this.counters.rxBytes += frame.len;
    this.node.receive(this, frame);
  }

  /** Names the event kind for the budget message. */
  kindName(kind: number): string {
    return kind === EV_ARRIVE ? 'frame arrival' : `event ${kind}`;
  }

  /** True when `a` is one of this interface's addresses. */
  hasAddr(a: Ipv4Addr): boolean {
    const xs = this.addrs;
    for (let i = 0; i < xs.length; i++) if (xs[i]!.addr === a) return true;
    return false;
  }
}

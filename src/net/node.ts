/**
 * The node interface: what every device on the network implements, from a
 * switch to a host to the load balancer. A node owns interfaces, receives
 * frames from them, and is told when a link changes state. It is also an
 * event target for its own timers.
 */
import type { EventTarget } from '../sim/sim.js';
import type { Frame } from '../trace/events.js';
import type { Iface } from './iface.js';
import type { Network } from './network.js';

/** The kinds of node the simulator has. */
export type NodeKind = 'host' | 'switch' | 'router' | 'gateway' | 'lb' | 'dns';

/** A device on the simulated network. */
export interface NetNode extends EventTarget {
  /** The node's unique name ("web1", "sw1"). */
  readonly name: string;
  /** What kind of device this is. */
  readonly kind: NodeKind;
  /** The network it belongs to (simulation, trace, naming). */
  readonly net: Network;
  /** Its interfaces, in creation order. */
  readonly ifaces: Iface[];
  /** Handles a frame that arrived on one of its interfaces. */
  receive(iface: Iface, frame: Frame): void;
  /** Told when the link of one of its interfaces goes up or down. */
  linkChanged(iface: Iface, up: boolean): void;
}

/** Finds an interface of a node by name, or null. */
export function ifaceOf(node: NetNode, name: string): Iface | null {
  for (const i of node.ifaces) if (i.name === name) return i;
  return null;
}

/**
 * The node interface: what every device on the network implements, from a
 * switch to a host to the load balancer. A node owns interfaces, receives
 * frames from them, and is told when a link changes state. It is also an
 * event target for its own timers.
 */
import type { Iface, NetNode } from './iface.js';

// The interface itself is declared in iface.ts, beside the Iface class it
// names and which names it, so the two need no import circle.
export type { NetContext, NetNode, NodeKind } from './iface.js';

/** Finds an interface of a node by name, or null. */
export function ifaceOf(node: NetNode, name: string): Iface | null {
  for (const i of node.ifaces) if (i.name === name) return i;
  return null;
}

/**
 * Broadcast-storm detection for switches. Ethernet has no TTL, so a frame
 * flooded into a loop of switches circulates for ever and multiplies: the
 * storm is real and lblab shows it, but it ends the run after a few rounds
 * with a finding that names the loop and the cure, instead of filling the
 * event budget and gigabytes of output. A switch keys the frames it floods
 * by their payload object (shared by every copy and every VLAN re-tag of one
 * frame, new for every frame a host sends), and counts how often the same
 * one comes back to be flooded again within a window.
 */
import type { Frame } from '../trace/events.js';
import type { Iface } from './iface.js';
import type { NetNode } from './node.js';

/** How often the same frame may come back to one switch within WINDOW before the run is stopped. */
export const STORM_RETURNS = 32;
/** The window of STORM_RETURNS, in ns (no legitimate sender floods one frame that often). */
export const STORM_WINDOW = 1_000_000_000;

interface Seen {
  count: number;
  first: number;
}

/** Simulations a storm already stopped (one finding per run). */
const stopped = new WeakSet<object>();

/** The flood history of one switch. */
export class StormWatch {
  private readonly seen = new WeakMap<object, Seen>();

  /** Watches the floods of `sw`. */
  constructor(private readonly sw: NetNode) {}

  /**
   * Notes that `frame` is being flooded from `inPort`; returns true (after
   * stopping the run with the finding) when it is a storm.
   */
  flooding(inPort: Iface, frame: Frame): boolean {
    const key = frame.eth.payload as object;
    const now = this.sw.net.sim.now;
    const s = this.seen.get(key);
    if (s === undefined || now - s.first > STORM_WINDOW) {
      this.seen.set(key, { count: 0, first: now });
      return false;
    }
    if (++s.count < STORM_RETURNS) return false;
    const sim = this.sw.net.sim;
    if (!stopped.has(sim)) {
      stopped.add(sim);
      sim.stop(stormMessage(this.sw, inPort, s.count));
    }
    return true;
  }
}

/** The finding: which frame, which switches form the loop through which links, and how to fix it. */
export function stormMessage(sw: NetNode, inPort: Iface, returns: number): string {
  const loop = findLoop(sw, inPort);
  const where = loop
    ? `the links ${loop.join(', ')} form a loop`
    : `something behind ${inPort.label} sends it back (a loop through a bridge)`;
  return (
    `broadcast storm: the same flooded frame came back to ${sw.name} ${returns} times (on ${inPort.name}); ${where}, and Ethernet frames have no TTL to end it. ` +
    `Real switches run STP (IEEE 802.1D) to block one port of every loop; remove one of these links, or bundle parallel links with \`aggregate:\``
  );
}

/** The links of a loop of switches through `inPort` back to `sw` (as "a:p1-b:p2"), shortest first; null when the way back is not through switches. */
function findLoop(sw: NetNode, inPort: Iface): string[] | null {
  const first = inPort.end?.to;
  if (!first) return null;
  const linkName = (a: Iface, b: Iface): string => `${a.label}-${b.label}`;
  // Breadth-first from the neighbour over switches only, never back across the link the frame came in by.
  const prev = new Map<NetNode, { node: NetNode; out: Iface; in: Iface }>();
  const queue: NetNode[] = [first.node];
  prev.set(first.node, { node: sw, out: inPort, in: first });
  while (queue.length > 0) {
    const n = queue.shift()!;
    for (const out of n.ifaces) {
      const peer = out.end?.to;
      if (!peer || out === prev.get(n)!.in) continue;
      if (peer.node === sw) {
        if (peer === inPort) continue;
        const hops = [linkName(out, peer)];
        for (let x: NetNode = n; x !== sw; ) {
          const p = prev.get(x)!;
          hops.push(linkName(p.out, p.in));
          x = p.node;
        }
        return hops.reverse();
      }
      if (peer.node.kind !== 'switch' || prev.has(peer.node)) continue;
      prev.set(peer.node, { node: n, out, in: peer });
      queue.push(peer.node);
    }
  }
  return null;
}

/**
 * The path a packet has taken up to an event: every transmission of the
 * current frame and of the frames it was made from (a routed hop makes a
 * new frame with new MACs, a NAT or load balancer rewrite another, an
 * encapsulation another; each names its parent), in order, up to and
 * including the event. The trace is indexed once (frame -> parent, frame ->
 * its events), so a path costs the length of its lineage, not of the trace.
 */
import { framesOf, type TraceEvent } from '../trace/events.js';

/** One step of a path: a node the packet was at, and how it left or ended there. */
export interface PathHop {
  readonly node: string;
  /** The interface it left by (a transmission), or null (a rewrite, a delivery, a drop). */
  readonly iface: string | null;
  /** The link it left on, or null. */
  readonly link: string | null;
  readonly kind: TraceEvent['kind'];
  /** The trace index of the event. */
  readonly index: number;
}

/** Frame lineage and the events of each frame of a recorded trace. */
export class PacketPaths {
  private parent: Map<number, number> | null = null;
  private eventsOf: Map<number, number[]> | null = null;

  /** Indexes a recorded trace (lazily, on the first query). */
  constructor(private readonly events: readonly TraceEvent[]) {}

  private build(): void {
    const parent = new Map<number, number>();
    const eventsOf = new Map<number, number[]>();
    const evs = this.events;
    for (let i = 0; i < evs.length; i++) {
      const ev = evs[i]!;
      for (const f of framesOf(ev)) {
        if (f.parent && !parent.has(f.id)) parent.set(f.id, f.parent);
        let l = eventsOf.get(f.id);
        if (!l) eventsOf.set(f.id, (l = []));
        if (l[l.length - 1] !== i) l.push(i);
      }
      // A rewrite's result is made from what it rewrote, whatever its own parent field says.
      if (ev.kind === 'rewrite' && ev.after.id !== ev.before.id) parent.set(ev.after.id, ev.before.id);
    }
    this.parent = parent;
    this.eventsOf = eventsOf;
  }

  /** The node of a frame's first event (the host that made it, or the node that rewrote or routed it into being), or null. */
  originOf(id: number): string | null {
    if (!this.eventsOf) this.build();
    const first = this.eventsOf!.get(id)?.[0];
    return first === undefined ? null : this.events[first]!.node;
  }

  /** The frame ids of a frame's lineage: itself, then its parent, grandparent, ... */
  lineage(id: number): number[] {
    if (!this.parent) this.build();
    const out: number[] = [];
    const seen = new Set<number>();
    for (let f = id; f && !seen.has(f); f = this.parent!.get(f) ?? 0) {
      seen.add(f);
      out.push(f);
    }
    return out;
  }

  /** The hops of the packet at trace index `index` (empty for an event without a frame). */
  pathAt(index: number): PathHop[] {
    const ev = this.events[index];
    if (!ev) return [];
    const fs = framesOf(ev);
    if (fs.length === 0) return [];
    if (!this.eventsOf) this.build();
    const ids = new Set<number>();
    for (const f of fs) for (const id of this.lineage(f.id)) ids.add(id);
    const at: number[] = [];
    for (const id of ids) for (const i of this.eventsOf!.get(id) ?? []) if (i <= index) at.push(i);
    at.sort((a, b) => a - b);
    const hops: PathHop[] = [];
    let last = -1;
    for (const i of at) {
      if (i === last) continue;
      last = i;
      const e = this.events[i]!;
      if (e.kind === 'tx') hops.push({ node: e.node, iface: e.iface, link: e.link, kind: 'tx', index: i });
      else if (e.kind === 'rewrite') hops.push({ node: e.node, iface: null, link: null, kind: e.kind, index: i });
      // Deliveries and drops end a branch: only the current event's is on the path (a flooded copy another host ignored is not).
      else if (i === index) hops.push({ node: e.node, iface: null, link: null, kind: e.kind, index: i });
    }
    return hops;
  }
}

/** The nodes of a path in order, a node repeated only when the packet left and came back. */
export function pathNodes(hops: readonly PathHop[]): string[] {
  const out: string[] = [];
  for (const h of hops) if (out[out.length - 1] !== h.node) out.push(h.node);
  return out;
}

/**
 * The topology pane: the network drawn as a tree (src/view/topology.ts)
 * with the current event marked on it: the node where it happens
 * (`◆ here`), the link a transmitted frame is on (`═>═` or `═<═`, the way
 * it travels), the links and nodes the packet crossed so far (`═══`, and
 * each node's hop numbers), the node the state pane shows (`[state]`), and
 * links that are down (`─x─`). Above the tree, the path as one line.
 */
import type { TraceEvent } from '../trace/events.js';
import { pathNodes, type PacketPaths, type PathHop } from '../view/packet-path.js';
import type { TopoDrawing } from '../view/topology.js';
import { fit, seg, wrapWords, type Line, type Segment } from './segments.js';

/** What the pane marks besides the event. */
export interface TopologyMarks {
  /** The node whose state the state pane shows. */
  readonly selected: string | null;
  /** Names of links that are down at this instant. */
  readonly down: ReadonlySet<string>;
  readonly color: boolean;
}

/** The path of the packet at an event, with the hops indexed by node and by link. */
interface PathInfo {
  readonly hops: readonly PathHop[];
  readonly nodes: readonly string[];
  /** node -> its positions (1-based) in `nodes`. */
  readonly steps: ReadonlyMap<string, number[]>;
  readonly links: ReadonlySet<string>;
}

function pathInfo(hops: readonly PathHop[]): PathInfo {
  const nodes = pathNodes(hops);
  const steps = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    const l = steps.get(n);
    if (l) l.push(i + 1);
    else steps.set(n, [i + 1]);
  });
  const links = new Set<string>();
  for (const h of hops) if (h.link) links.add(h.link);
  return { hops, nodes, steps, links };
}

/** The pane's lines for the event at trace index `index`. */
export function topologyPaneLines(drawing: TopoDrawing, paths: PacketPaths, ev: TraceEvent, index: number, width: number, marks: TopologyMarks, height = Infinity): Line[] {
  const info = pathInfo(paths.pathAt(index));
  const rewrote = new Set(info.hops.filter((h) => h.kind === 'rewrite').map((h) => h.node));
  const onLink = ev.kind === 'tx' ? { link: ev.link, from: ev.node } : null;
  const out: Line[] = [[seg('Topology', { bold: true }), seg('  ◆ event  ═══ path, hops  ═>═ frame now  [state]', { dim: true })]];
  if (info.nodes.length > 0) {
    const words = info.nodes.map((n) => (rewrote.has(n) ? `${n} (rewrites)` : n)).join(' → ');
    for (const l of wrapWords(`path: ${words}`, width - 2, 6)) out.push([seg(`  ${l}`, { color: 'cyan' })]);
  } else out.push([seg('  path: no packet at this event', { dim: true })]);

  const connector = (link: string, fromNode: string): Segment => {
    if (marks.down.has(link)) return seg('─x─', { color: 'red', bold: true });
    if (onLink && onLink.link === link) return seg(onLink.from === fromNode ? '═>═' : '═<═', { color: 'yellow', bold: true, inverse: marks.color });
    if (info.links.has(link)) return seg('═══', { color: 'cyan', bold: true });
    return seg('───', { dim: true });
  };
  const nodeSegs = (name: string, kind: string): Segment[] => {
    const here = ev.node === name;
    const segs: Segment[] = [seg(name, here ? { bold: true, color: 'yellow', inverse: marks.color } : info.steps.has(name) ? { bold: true, color: 'cyan' } : { bold: true }), seg(` [${kind}]`, { dim: true })];
    const st = info.steps.get(name);
    if (st) segs.push(seg(` ${st.join(',')}`, { color: 'cyan' }));
    if (here) segs.push(seg(' ◆ here', { color: 'yellow', bold: true }));
    if (marks.selected === name) segs.push(seg(' [state]', { color: 'magenta' }));
    return segs;
  };
  const tree: Line[] = [];
  let here = -1;
  for (const r of drawing.rows) {
    if (r.node.name === ev.node) here = tree.length;
    if (!r.link) {
      tree.push(nodeSegs(r.node.name, r.node.kind));
      continue;
    }
    tree.push([seg(r.prefix, { dim: true }), seg(`${r.link.from.iface} `), connector(r.link.name, r.link.from.node), seg(` ${r.link.to.iface}  `), ...nodeSegs(r.node.name, r.node.kind)]);
  }
  for (const l of drawing.extra) tree.push([seg('also: ', { dim: true }), seg(`${l.a.node}:${l.a.iface} `), connector(l.name, l.a.node), seg(` ${l.b.node}:${l.b.iface}`)]);
  // A network taller than the pane: a window of the tree that keeps the event's node in view, with what is above and below counted.
  const room = height - out.length;
  if (tree.length > room && room >= 3) {
    const rows = room - 2;
    const start = Math.max(0, Math.min((here < 0 ? 0 : here) - Math.floor(rows / 2), tree.length - rows));
    out.push([seg(start > 0 ? `  ↑ ${start} more rows` : '', { dim: true })], ...tree.slice(start, start + rows), [seg(start + rows < tree.length ? `  ↓ ${tree.length - start - rows} more rows` : '', { dim: true })]);
  } else out.push(...tree);
  return out.map((l) => fit(l, width));
}

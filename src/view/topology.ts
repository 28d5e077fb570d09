/**
 * A network's topology drawn in text: nodes and the links between their
 * interfaces, as a tree grown from the first host (so it reads from the
 * client side outward), each row one link `parentIface ─── childIface
 * child [kind]`. Links that would close a loop (a second path, a LAG
 * member) are listed after the tree, so every link appears exactly once.
 * The rows are data, so a reader can mark a node or a link on them.
 */

/** A node of a topology. */
export interface TopoNode {
  readonly name: string;
  /** 'host', 'switch', 'router', 'gateway', 'lb', ... */
  readonly kind: string;
}

/** One end of a link. */
export interface TopoEnd {
  readonly node: string;
  readonly iface: string;
}

/** A link between two interfaces. */
export interface TopoLink {
  readonly name: string;
  readonly a: TopoEnd;
  readonly b: TopoEnd;
}

/** Nodes and links, in creation order. */
export interface Topology {
  readonly nodes: readonly TopoNode[];
  readonly links: readonly TopoLink[];
}

/** One row of the drawing. */
export interface TopoRow {
  /** The tree's indentation and branch ("", "└─ ", "│  ├─ "). */
  readonly prefix: string;
  /** The node this row draws. */
  readonly node: TopoNode;
  /** The link from the parent (null for a tree's root), with the parent's end first. */
  readonly link: { readonly name: string; readonly from: TopoEnd; readonly to: TopoEnd } | null;
}

/** The drawing: tree rows, then the links outside the tree. */
export interface TopoDrawing {
  readonly rows: readonly TopoRow[];
  readonly extra: readonly TopoLink[];
}

/** Lays a topology out as trees rooted at the first host of each connected part. */
export function drawTopology(topo: Topology): TopoDrawing {
  const byName = new Map(topo.nodes.map((n) => [n.name, n]));
  const adj = new Map<string, { link: TopoLink; from: TopoEnd; to: TopoEnd }[]>();
  for (const n of topo.nodes) adj.set(n.name, []);
  for (const l of topo.links) {
    adj.get(l.a.node)?.push({ link: l, from: l.a, to: l.b });
    adj.get(l.b.node)?.push({ link: l, from: l.b, to: l.a });
  }
  const seen = new Set<string>();
  const used = new Set<string>();
  const rows: TopoRow[] = [];
  const grow = (name: string, indent: string, branch: string, link: TopoRow['link']): void => {
    seen.add(name);
    rows.push({ prefix: indent + branch, node: byName.get(name)!, link });
    // Claim every child first, so a node reachable two ways hangs under the nearer one and the other link is an extra.
    const mine: { link: TopoLink; from: TopoEnd; to: TopoEnd }[] = [];
    for (const e of adj.get(name) ?? []) {
      if (seen.has(e.to.node)) continue;
      seen.add(e.to.node);
      used.add(e.link.name);
      mine.push(e);
    }
    const childIndent = indent + (branch === '' ? '' : branch.startsWith('└') ? '   ' : '│  ');
    mine.forEach((e, i) => {
      grow(e.to.node, childIndent, i === mine.length - 1 ? '└─ ' : '├─ ', { name: e.link.name, from: e.from, to: e.to });
    });
  };
  const roots = [...topo.nodes.filter((n) => n.kind === 'host'), ...topo.nodes];
  for (const r of roots) if (!seen.has(r.name)) grow(r.name, '', '', null);
  return { rows, extra: topo.links.filter((l) => !used.has(l.name)) };
}

/** The text of one row: "└─ eth1 ─── p1  sw2 [switch]". */
export function fmtTopoRow(r: TopoRow): string {
  return r.link ? `${r.prefix}${r.link.from.iface} ─── ${r.link.to.iface}  ${r.node.name} [${r.node.kind}]` : `${r.node.name} [${r.node.kind}]`;
}

/** The whole drawing as text lines. */
export function renderTopology(topo: Topology): string[] {
  const d = drawTopology(topo);
  const out = d.rows.map(fmtTopoRow);
  for (const l of d.extra) out.push(`also: ${l.a.node}:${l.a.iface} ─── ${l.b.node}:${l.b.iface}`);
  return out;
}

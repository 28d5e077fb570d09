/**
 * The links section: each endpoint resolved and claimed (an interface takes
 * one link), switch ports allocated for links that name only the switch,
 * and the link defaults of src/net/link.ts filled in. Runs before the node
 * specs, which list the ports allocated here.
 */
import type { Endpoint, LinkSpec, PortSpec } from '../types.js';
import { pathText, type PathSeg } from '../yaml-source.js';
import type { Ctx, NodeIdx } from './context.js';
import type { Names } from './names.js';

/** Link defaults (src/net/link.ts): 10 us, 1 Gb/s, no loss, 1000 frames. */
const LINK_DEFAULTS = { delay: 10_000, bandwidth: 1e9, loss: 0, queue: 1000 } as const;

/** Resolves the links, claiming interfaces and allocating switch ports. */
export function resolveLinks(c: Ctx, nm: Names): LinkSpec[] {
  const { raw, at, where, error, didYouMean, nodes, linked, explicitPorts } = c;
  const { unknownNode } = nm;
  const links: LinkSpec[] = [];
  /** Per switch: the names of its automatic ports, how far nextPort has looked, and its aggregated ports (so allocating N ports costs O(N), not O(N^3)). */
  const alloc = new Map<NodeIdx, { auto: Set<string>; declared: [string, PortSpec][]; d: number; k: number; grouped: Set<string> }>();
  const rawLinks = raw.links ?? [];
  const pairOf = (l: (typeof rawLinks)[number]): { pair: readonly [string, string]; base: PathSeg[]; opts: { delay?: number; bandwidth?: number; loss?: number; queue?: number } } =>
    Array.isArray(l) ? { pair: l as [string, string], base: [], opts: {} } : { pair: l.between, base: ['between'], opts: l };
  // Explicitly named switch ports are claimed first, so an earlier `[x, sw1]` never takes a port a later link names.
  for (const l of rawLinks) {
    for (const ep of pairOf(l).pair) {
      const [nn, ifn] = ep.split(':');
      if (ifn !== undefined && nodes.get(nn!)?.kind === 'switch') {
        if (!explicitPorts.has(nn!)) explicitPorts.set(nn!, new Set());
        explicitPorts.get(nn!)!.add(ifn);
      }
    }
  }
  rawLinks.forEach((l, li) => {
    const { pair, base, opts } = pairOf(l);
    const ends: (Endpoint | null)[] = pair.map((ep, k) => endpoint(ep, ['links', li, ...base, k], true));
    if (ends[0] && ends[1] && ends[0].node === ends[1].node && ends[0].iface === ends[1].iface) return;
    if (!ends[0] || !ends[1]) return;
    const a = ends[0];
    const b = ends[1];
    links.push({
      a,
      b,
      delay: opts.delay ?? LINK_DEFAULTS.delay,
      bandwidth: opts.bandwidth ?? LINK_DEFAULTS.bandwidth,
      loss: opts.loss ?? LINK_DEFAULTS.loss,
      queue: opts.queue ?? LINK_DEFAULTS.queue,
      name: `${a.node}:${a.iface}-${b.node}:${b.iface}`,
      pos: at(['links', li]),
    });
  });

  /** Resolves a link endpoint; `take` claims the interface (links), otherwise it only has to exist (timeline, expectations). */
  function endpoint(text: string, path: PathSeg[], take: boolean): Endpoint | null {
    const [nn, ifn] = text.split(':') as [string, string | undefined];
    const n = nodes.get(nn);
    if (!n) {
      unknownNode(path, nn);
      return null;
    }
    let iface: string;
    if (n.kind === 'switch') {
      if (ifn === undefined) {
        if (!take) {
          error(path, 'missing-port', `name the port of switch ${nn}: write ${nn}:<port>`, { found: text });
          return null;
        }
        iface = nextPort(n);
      } else {
        iface = ifn;
        if (!n.ports?.has(ifn) && !hasAutoPort(n, ifn)) {
          if (n.ports !== null || !take) {
            const known = [...(n.ports?.keys() ?? []), ...n.autoPorts.map((p) => p.name)];
            error(path, 'unknown-name', `switch ${nn} has no port \`${ifn}\`${didYouMean(ifn, known)}`, { found: text, ...(n.ports !== null ? { expected: `a port listed in ${nn}.ports` } : {}) });
            return null;
          }
          addAutoPort(n, { name: ifn, mode: 'access', vlan: 1, allowed: [], auto: true, pos: at(path) });
        }
      }
    } else {
      if (ifn === undefined) {
        const names = [...n.ifaces.keys()];
        error(path, 'missing-interface', `${nn} is a ${n.kind}, not a switch; name its interface: ${names.length > 0 ? names.map((x) => `\`${nn}:${x}\``).join(' or ') : `${nn}:eth0 (and declare it under interfaces)`}`, { found: text });
        return null;
      }
      if (!n.ifaces.has(ifn)) {
        error(path, 'unknown-name', `${nn} has no interface \`${ifn}\`${didYouMean(ifn, n.ifaces.keys())}`, { found: text });
        return null;
      }
      iface = ifn;
    }
    if (take) {
      const key = `${nn}:${iface}`;
      const prev = linked.get(key);
      if (prev) {
        error(path, 'linked-twice', `${key} is already linked (${pathText(prev.slice(0, 2))}, ${where(prev)}); an interface takes one link; use a switch to join more`, { found: text });
        return null;
      }
      linked.set(key, path);
    }
    return { node: nn, iface };
  }

  function allocOf(n: NodeIdx) {
    let a = alloc.get(n);
    if (a === undefined) {
      const raw0 = Object.hasOwn(raw.nodes, n.name) ? raw.nodes[n.name] : undefined;
      a = { auto: new Set(n.autoPorts.map((p) => p.name)), declared: [...(n.ports ?? [])], d: 0, k: 1, grouped: new Set(raw0?.kind === 'switch' ? (raw0.aggregate ?? []).flat() : []) };
      alloc.set(n, a);
    }
    return a;
  }
  function hasAutoPort(n: NodeIdx, name: string): boolean {
    return allocOf(n).auto.has(name);
  }
  function addAutoPort(n: NodeIdx, spec: PortSpec): void {
    n.autoPorts.push(spec);
    allocOf(n).auto.add(spec.name);
  }

  /** The next free port of a switch: the first listed access port no link took or names and no aggregation group holds, else a new p<N>. */
  function nextPort(n: NodeIdx): string {
    const taken = (p: string) => linked.has(`${n.name}:${p}`) || explicitPorts.get(n.name)?.has(p) === true;
    const a = allocOf(n);
    // A port once taken stays taken, so both searches resume where the last one stopped.
    // Trunks and aggregated ports are uplinks: a link takes them only by name.
    for (; a.d < a.declared.length; a.d++) {
      const [p, spec] = a.declared[a.d]!;
      if (!taken(p) && spec.mode !== 'trunk' && !a.grouped.has(p)) return p;
    }
    const exists = (p: string) => n.ports?.has(p) === true || a.auto.has(p);
    while (exists(`p${a.k}`) || taken(`p${a.k}`)) a.k++;
    const name = `p${a.k}`;
    addAutoPort(n, { name, mode: 'access', vlan: 1, allowed: [], auto: true, pos: at(n.path, true) });
    return name;
  }
  return links;
}

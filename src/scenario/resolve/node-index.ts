/**
 * The node index every other section resolves names against: each node's
 * interfaces and addresses, a switch's declared ports, a transparent LB's
 * bridge address, and the DNS names the dns nodes serve.
 */
import type { PortSpec, Prefix } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import { dnsKey, type Ctx, type IfaceIdx } from './context.js';

/** Fills the node index and the DNS names of `c`, reporting duplicate ports and a declared `lo`. */
export function indexNodes(c: Ctx): void {
  const { raw, at, where, error, nodes, dnsNames } = c;
  const rawNodes = Object.entries(raw.nodes);
  for (const [name, n] of rawNodes) {
    const path: PathSeg[] = ['nodes', name];
    const ifaces = new Map<string, IfaceIdx>();
    let ports: Map<string, PortSpec> | null = null;
    if (n.kind === 'switch') {
      if (n.ports !== undefined) {
        ports = new Map();
        if (Array.isArray(n.ports)) {
          const list: string[] = n.ports;
          list.forEach((p, i) => {
            if (ports!.has(p)) {
              error([...path, 'ports', i], 'duplicate-port', `port \`${p}\` is listed twice in switch ${name} (first at ${where([...path, 'ports', list.indexOf(p)])})`, { found: p });
              return;
            }
            ports!.set(p, { name: p, mode: 'access', vlan: 1, allowed: [], auto: false, pos: at([...path, 'ports', i]) });
          });
        } else {
          for (const [p, cfg] of Object.entries(n.ports)) {
            const mode = cfg?.mode ?? (cfg?.allowed !== undefined ? 'trunk' : 'access');
            if (mode === 'access' && cfg?.allowed !== undefined) {
              error([...path, 'ports', p, 'allowed'], 'bad-port', `\`allowed\` VLANs belong to a trunk port; port ${p} is an access port`, { suggestion: 'add mode: trunk' });
            }
            ports.set(p, { name: p, mode, vlan: cfg?.vlan ?? 1, allowed: cfg?.allowed ?? [], auto: false, pos: at([...path, 'ports', p], true) });
          }
        }
      }
    } else {
      for (const [ifn, v] of Object.entries(n.interfaces ?? {})) {
        const ipath = [...path, 'interfaces', ifn];
        let addrs: Prefix[] = [];
        let mac: number | null = null;
        if (v !== null && 'addr' in v) addrs = [v];
        else if (v !== null) {
          if (v.address !== undefined) addrs = Array.isArray(v.address) ? v.address : [v.address];
          mac = v.mac ?? null;
        }
        if (ifn === 'lo') {
          error(ipath, 'bad-interface', '`lo` is the loopback interface every node has; put its addresses under `loopback:`', { onKey: true });
          continue;
        }
        ifaces.set(ifn, { name: ifn, addrs, mac, path: ipath });
      }
    }
    nodes.set(name, {
      name,
      kind: n.kind,
      path,
      ifaces,
      loopback: n.kind === 'switch' ? [] : (n.loopback ?? []),
      ports,
      autoPorts: [],
      bridge: n.kind === 'lb' && n.bridge ? (n.bridge.address as Prefix) : null,
    });
  }

  // DNS names the dns nodes serve, for names written where an address is wanted.
  for (const [name, n] of Object.entries(raw.nodes)) {
    if (n.kind !== 'dns') continue;
    for (const zn of Object.keys(n.zones ?? {})) {
      const k = dnsKey(zn);
      dnsNames.set(k, [...(dnsNames.get(k) ?? []), name]);
    }
  }
}

/**
 * Per-node address checks (network or broadcast addresses, duplicate
 * addresses and MACs, overlapping subnets on one node) and the subnet
 * helpers that routes, gateways and DSR services ask.
 */
import { broadcastOf, fmtCidr, fmtIp, inPrefix, networkOf } from '../../wire/addr.js';
import type { PathSeg } from '../yaml-source.js';
import type { Ctx, IfaceIdx, NodeIdx } from './context.js';

/** Checks every interface address and MAC of the node index. */
export function checkAddresses(c: Ctx): void {
  const { raw, where, error, nodes } = c;
  const addrOwner = new Map<number, PathSeg[]>();
  const macOwner = new Map<number, PathSeg[]>();
  for (const n of nodes.values()) {
    const list = [...n.ifaces.values()];
    for (const i of list) {
      i.addrs.forEach((p, k) => {
        const apath = addrPath(i, k);
        if (p.len < 31 && (p.addr === networkOf(p.addr, p.len) || p.addr === broadcastOf(p.addr, p.len))) {
          const which = p.addr === networkOf(p.addr, p.len) ? 'network' : 'broadcast';
          error(apath, 'bad-address', `${fmtCidr(p.addr, p.len)} is the ${which} address of its subnet; a host needs an address inside it`, { found: fmtCidr(p.addr, p.len) });
        }
        const prev = addrOwner.get(p.addr);
        if (prev) {
          error(apath, 'duplicate-address', `address ${fmtIp(p.addr)} is already used by ${ifaceLabel(prev)} (${where(prev)})`, { found: fmtIp(p.addr) });
        } else addrOwner.set(p.addr, apath);
      });
      if (i.mac !== null) {
        const mpath = [...i.path, 'mac'];
        const prev = macOwner.get(i.mac);
        if (prev) error(mpath, 'duplicate-mac', `MAC ${macText(i.mac)} is already used by ${ifaceLabel(prev)} (${where(prev)})`, { found: macText(i.mac) });
        else macOwner.set(i.mac, mpath);
      }
    }
    // Two interfaces of one node on overlapping subnets: Linux would pick one by longest prefix and ARP on it.
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        for (const [k, b] of list[y]!.addrs.entries()) {
          for (const a of list[x]!.addrs) {
            const len = Math.min(a.len, b.len);
            if (inPrefix(a.addr, b.addr, len)) {
              error(addrPath(list[y]!, k), 'overlapping-subnets', `${n.name}:${list[y]!.name} has ${fmtCidr(b.addr, b.len)}, whose subnet overlaps ${fmtCidr(a.addr, a.len)} on ${n.name}:${list[x]!.name}; give each interface its own subnet`, {
                found: fmtCidr(b.addr, b.len),
              });
            }
          }
        }
      }
    }
  }

  function addrPath(i: IfaceIdx, k: number): PathSeg[] {
    const v = valueAtNode(i.path);
    // The schema has already turned `eth0: 10.0.0.10/24` into { addr, len }: that shorthand has no `address` key.
    if (v === null || v === undefined || typeof v !== 'object' || 'addr' in v) return i.path;
    const address = (v as { address?: unknown }).address;
    return Array.isArray(address) ? [...i.path, 'address', k] : [...i.path, 'address'];
  }
  function valueAtNode(path: readonly PathSeg[]): unknown {
    let v: unknown = raw;
    for (const s of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[s as string] : undefined;
    return v;
  }
  function ifaceLabel(path: readonly PathSeg[]): string {
    return `${String(path[1])}:${String(path[3])}`;
  }
  function macText(mac: number): string {
    return mac.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
  }
}

/** The interface of node `n` whose subnet holds `a` (for `dev`: only that interface); null when none. */
export function connected(n: NodeIdx, a: number, dev?: string): string | null {
  for (const i of n.ifaces.values()) {
    if (dev !== undefined && i.name !== dev) continue;
    for (const p of i.addrs) if (p.len < 32 && inPrefix(a, p.addr, p.len)) return i.name;
  }
  // A bridging LB's subnet is on br0, which holds the bridge address.
  const b = n.bridge;
  if (b && (dev === undefined || dev === 'br0') && b.len < 32 && inPrefix(a, b.addr, b.len)) return 'br0';
  return null;
}

/** "web1 has 10.0.1.0/24 on eth0, ..." for messages about an address off every subnet of a node. */
export function subnetsText(n: NodeIdx): string {
  const s = [...n.ifaces.values()].flatMap((i) => i.addrs.map((p) => `${fmtCidr(networkOf(p.addr, p.len), p.len)} on ${i.name}`));
  return s.length === 0 ? `${n.name} has no interface addresses` : `${n.name} has ${s.join(', ')}`;
}

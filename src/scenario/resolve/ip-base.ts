/**
 * What every IP node has (host, router, gateway, lb, dns): interfaces, the
 * default gateway and routes (on-link checks as Linux makes them), sysctls,
 * and a warning for each interface no link reaches.
 */
import { fmtCidr, fmtIp, networkOf } from '../../wire/addr.js';
import type { IfaceSpec, IpNodeBase, NeighborSpec, NexthopSpec, RouteSpec } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import { connected, subnetsText } from './addresses.js';
import type { Ctx, NodeIdx, RawIpNode } from './context.js';
import type { Names } from './names.js';

/** The common part of an IP node's spec. */
export function ipBase(c: Ctx, nm: Names, name: string, n: RawIpNode, idx: NodeIdx, path: PathSeg[]): IpNodeBase {
  const { at, error, warn, didYouMean, linked } = c;
  const { target } = nm;
  return base(name, n, idx, path);

  function base(name: string, n: RawIpNode, idx: NodeIdx, path: PathSeg[]): IpNodeBase {
    const interfaces: IfaceSpec[] = [...idx.ifaces.values()].map((i) => ({ name: i.name, addrs: i.addrs, mac: i.mac, pos: at(i.path, true) }));
    let gateway: IpNodeBase['gateway'] = null;
    if (n.gateway !== undefined) {
      const gpath = [...path, 'gateway'];
      const t = target(n.gateway, gpath);
      if (t) {
        const dev = onLink(idx, t.addr, gpath, 'gateway');
        if (dev !== null) gateway = { via: t.addr, dev, pos: at(gpath) };
      }
    }
    const routes: RouteSpec[] = [];
    (n.routes ?? []).forEach((r, k) => {
      const rpath = [...path, 'routes', k];
      if (networkOf(r.to.addr, r.to.len) !== r.to.addr) {
        const fixed = fmtCidr(networkOf(r.to.addr, r.to.len), r.to.len);
        error([...rpath, 'to'], 'bad-prefix', `${fmtCidr(r.to.addr, r.to.len)} has host bits set after /${r.to.len}; Linux refuses it ("Invalid prefix for given prefix length"); did you mean ${fixed}?`, {
          found: fmtCidr(r.to.addr, r.to.len),
          suggestion: `did you mean ${fixed}?`,
        });
        return;
      }
      if (r.dev !== undefined && !idx.ifaces.has(r.dev)) {
        error([...rpath, 'dev'], 'unknown-name', `${name} has no interface \`${r.dev}\`${didYouMean(r.dev, idx.ifaces.keys())}`, { found: r.dev });
        return;
      }
      if (r.via === undefined && r.nexthops === undefined && r.dev === undefined) {
        error(rpath, 'bad-route', 'a route needs `via` (a gateway), `nexthops` (ECMP) or `dev` (a directly connected destination)', { expected: 'via, nexthops or dev' });
        return;
      }
      let via: number | null = null;
      let dev = r.dev ?? '';
      let nexthops: NexthopSpec[] | null = null;
      if (r.via !== undefined) {
        const t = target(r.via, [...rpath, 'via']);
        if (!t) return;
        const d = onLink(idx, t.addr, [...rpath, 'via'], 'route via', r.dev);
        if (d === null) return;
        via = t.addr;
        dev = d;
      } else if (r.nexthops !== undefined) {
        const hops: NexthopSpec[] = [];
        r.nexthops.forEach((h, hk) => {
          const hpath = [...rpath, 'nexthops', hk];
          if (h.dev !== undefined && !idx.ifaces.has(h.dev)) {
            error([...hpath, 'dev'], 'unknown-name', `${name} has no interface \`${h.dev}\`${didYouMean(h.dev, idx.ifaces.keys())}`, { found: h.dev });
            return;
          }
          const t = target(h.via, [...hpath, 'via']);
          if (!t) return;
          const d = onLink(idx, t.addr, [...hpath, 'via'], 'next hop', h.dev);
          if (d !== null) hops.push({ via: t.addr, dev: d, weight: h.weight ?? 1 });
        });
        if (hops.length !== r.nexthops.length) return;
        nexthops = hops;
        dev = hops[0]!.dev;
      }
      routes.push({ to: r.to, via, dev, nexthops, metric: r.metric ?? 0, pos: at(rpath) });
    });
    const sysctls = Object.entries(n.sysctls ?? {}).map(([k, v]) => {
      const m = /^net\.ipv4\.conf\.([^.]+)\./.exec(k);
      if (m && !['all', 'default', 'lo'].includes(m[1]!) && !idx.ifaces.has(m[1]!) && m[1] !== 'tunl0' && m[1] !== 'br0') {
        error([...path, 'sysctls', k], 'unknown-name', `${name} has no interface \`${m[1]}\` for ${k}${didYouMean(m[1]!, [...idx.ifaces.keys(), 'all', 'default'])}`, { onKey: true, found: k });
      }
      return { name: k, value: typeof v === 'boolean' ? (v ? 1 : 0) : v };
    });
    const neighbors: NeighborSpec[] = [];
    (n.neighbors ?? []).forEach((e, k) => {
      const npath = [...path, 'neighbors', k];
      const bridged = n.kind === 'lb' && n.bridge !== undefined;
      if (e.dev !== undefined && !idx.ifaces.has(e.dev) && !(bridged && e.dev === 'br0')) {
        error([...npath, 'dev'], 'unknown-name', `${name} has no interface \`${e.dev}\`${didYouMean(e.dev, idx.ifaces.keys())}`, { found: e.dev });
        return;
      }
      const t = target(e.address, [...npath, 'address']);
      if (!t) return;
      // Linux takes any address with `dev`; without it, the entry goes on the interface of the connected subnet.
      const dev = e.dev ?? connected(idx, t.addr);
      if (dev === null) {
        error([...npath, 'address'], 'off-subnet', `${fmtIp(t.addr)} is not on a connected subnet of ${name} (${subnetsText(idx)}); name the interface with \`dev\``, { found: fmtIp(t.addr), expected: 'an address on a connected subnet, or a dev' });
        return;
      }
      neighbors.push({ addr: t.addr, mac: e.mac, dev, pos: at(npath) });
    });
    for (const i of idx.ifaces.values()) {
      if (!linked.has(`${name}:${i.name}`)) {
        warn(i.path, 'unlinked', `interface ${name}:${i.name} is not linked to anything`, { onKey: true, suggestion: `add a link such as [${name}:${i.name}, sw1]` });
      }
    }
    return { name, description: n.description ?? '', interfaces, gateway, routes, loopback: n.loopback ?? [], sysctls, ipip: n.ipip ?? false, neighbors, pos: at(path, true) };
  }

  /** The interface through which `a` is on-link for node `n` (a gateway or next hop must be); reports and returns null when none. */
  function onLink(n: NodeIdx, a: number, path: PathSeg[], what: string, dev?: string): string | null {
    const d = connected(n, a, dev);
    if (d !== null) {
      if ([...n.ifaces.values()].some((i) => i.addrs.some((p) => p.addr === a))) {
        error(path, 'off-subnet', `${what} ${fmtIp(a)} is ${n.name}'s own address; it must be another node on a connected subnet`, { found: fmtIp(a) });
        return null;
      }
      return d;
    }
    error(path, 'off-subnet', `${what} ${fmtIp(a)} is not on a connected subnet of ${n.name}${dev !== undefined ? ` through ${dev}` : ''} (${subnetsText(n)}); Linux answers "Nexthop has invalid gateway"`, {
      found: fmtIp(a),
      expected: 'an address on a connected subnet',
    });
    return null;
  }
}

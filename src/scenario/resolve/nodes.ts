/**
 * The node specs: each node by its kind (switch ports and aggregation
 * groups, the IP base of the others, a gateway's NAT, a dns node's zones,
 * an lb's services, proxies, bridge and VRRP), after the links have
 * allocated switch ports.
 */
import type { NodeSpec, Prefix, ServiceSpec, SourcePos } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import { assertNever, SEC, type Ctx } from './context.js';
import { ipBase } from './ip-base.js';
import type { Names } from './names.js';
import { proxySpec } from './proxies.js';
import type { Servers } from './servers.js';
import { checkService } from './services.js';
import { vrrpSpec } from './vrrp.js';

/** Resolves every node into its spec. */
export function resolveNodes(c: Ctx, nm: Names, sv: Servers): NodeSpec[] {
  const { raw, at, error, warn, didYouMean, nodes, services } = c;
  const { target } = nm;
  const { serverSpec } = sv;
  const rawNodes = Object.entries(raw.nodes);
  const specs: NodeSpec[] = [];
  for (const [name, n] of rawNodes) {
    const idx = nodes.get(name)!;
    const path: PathSeg[] = ['nodes', name];
    if (n.kind === 'switch') {
      const ports = [...(idx.ports?.values() ?? []), ...idx.autoPorts];
      const portNames = new Set(ports.map((p) => p.name));
      const grouped = new Map<string, number>();
      (n.aggregate ?? []).forEach((g, gi) => {
        g.forEach((p, pi) => {
          const ppath = [...path, 'aggregate', gi, pi];
          if (!portNames.has(p)) error(ppath, 'unknown-name', `switch ${name} has no port \`${p}\` to aggregate${didYouMean(p, portNames)}`, { found: p });
          else if (grouped.has(p)) error(ppath, 'duplicate-port', `port \`${p}\` is already in aggregation group ${grouped.get(p)! + 1}; a port belongs to one group`, { found: p });
          else grouped.set(p, gi);
        });
      });
      specs.push({ kind: 'switch', name, description: n.description ?? '', ports, aggregate: n.aggregate ?? [], aging: n.aging ?? 300 * SEC, pos: at(path, true) });
      continue;
    }
    const base = ipBase(c, nm, name, n, idx, path);
    switch (n.kind) {
      case 'host':
        if (base.gateway === null && base.routes.length === 0 && base.interfaces.some((i) => i.addrs.length > 0)) {
          warn(path, 'no-route-out', `host ${name} has no gateway and no routes; it reaches only its own subnets`, { onKey: true, suggestion: 'add gateway: <router address>' });
        }
        specs.push({ kind: 'host', ...base });
        break;
      case 'router':
        specs.push({ kind: 'router', ...base });
        break;
      case 'dns':
        specs.push({
          kind: 'dns',
          ...base,
          zones: Object.entries(n.zones ?? {}).map(([zn, z]) => ({
            name: zn,
            a: z.a.map((t, k) => target(t, [...path, 'zones', zn, 'a', k])?.addr ?? 0),
            ttl: z.ttl ?? 30 * SEC,
            pos: at([...path, 'zones', zn], true),
          })),
        });
        break;
      case 'gateway': {
        if (n.masquerade !== undefined && !idx.ifaces.has(n.masquerade)) {
          error([...path, 'masquerade'], 'unknown-name', `${name} has no interface \`${n.masquerade}\` to masquerade behind${didYouMean(n.masquerade, idx.ifaces.keys())}`, { found: n.masquerade });
        }
        const forwards = (n.forwards ?? []).flatMap((f, k) => {
          const t = target(f.to, [...path, 'forwards', k, 'to']);
          return t ? [{ proto: f.proto ?? 'tcp', port: f.port, to: t, toPort: f.to_port ?? f.port, pos: at([...path, 'forwards', k]) }] : [];
        });
        specs.push({ kind: 'gateway', ...base, masquerade: n.masquerade ?? null, forwards });
        break;
      }
      case 'lb': {
        let bridge: { ports: readonly string[]; addr: Prefix; mac: number | null; pos: SourcePos } | null = null;
        if (n.bridge) {
          n.bridge.ports.forEach((p, k) => {
            if (!idx.ifaces.has(p)) error([...path, 'bridge', 'ports', k], 'unknown-name', `${name} has no interface \`${p}\` to bridge${didYouMean(p, idx.ifaces.keys())}`, { found: p });
          });
          bridge = { ports: n.bridge.ports, addr: n.bridge.address, mac: n.bridge.mac ?? null, pos: at([...path, 'bridge'], true) };
        }
        const svcs: ServiceSpec[] = [];
        for (const [svcName, s] of Object.entries(n.services ?? {})) {
          const spath = [...path, 'services', svcName];
          const idxS = services.get(`${name}/${svcName}`)!;
          const servers = s.servers.flatMap((item, k) => {
            const sv = serverSpec(item, [...spath, 'servers', k], idxS.spec);
            if (!sv) return [];
            if (idxS.names.has(sv.name)) {
              error([...spath, 'servers', k], 'duplicate-server', `service ${svcName} already has a server named \`${sv.name}\`; give this one its own name with \`name:\``, { found: sv.name, suggestion: 'give it its own name with `name:`' });
              return [];
            }
            idxS.names.add(sv.name);
            return [sv];
          });
          const spec: ServiceSpec = { ...idxS.spec, servers };
          (idxS as { spec: ServiceSpec }).spec = spec;
          checkService(c, sv, spec, spath, idx, n.bridge !== undefined, s);
          svcs.push(spec);
        }
        const pxs = Object.entries(n.proxies ?? {}).flatMap(([pxName, p]) => {
          const r = proxySpec(c, sv, name, pxName, p, [...path, 'proxies', pxName]);
          return r ? [r] : [];
        });
        if (svcs.length === 0 && pxs.length === 0) warn(path, 'no-services', `load balancer ${name} has no services; it is only a host`, { onKey: true });
        const ha = vrrpSpec(c, name, n, idx, path);
        specs.push({ kind: 'lb', ...base, bridge, services: svcs, proxies: pxs, vrrp: ha.vrrp, sync: ha.sync });
        break;
      }
      default:
        assertNever(n);
    }
  }
  return specs;
}

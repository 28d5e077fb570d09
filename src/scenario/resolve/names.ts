/**
 * Name lookup for every section: what a name or address written in the
 * file stands for (a node, an interface, a service VIP, a server of a
 * service, an endpoint), with the "did you mean" and "that is a service /
 * a DNS name" hints when it stands for nothing.
 */
import { parseIpv4 } from '../../wire/addr.js';
import type { ServerRef, Target } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import { dnsKey, type Ctx, type NodeIdx, type RawIpNode, type SvcIdx } from './context.js';
import { portListText, switchPorts } from './ports.js';

/** The name lookups, bound to one resolution; see makeNames. */
export type Names = ReturnType<typeof makeNames>;

/** The name lookups of a resolution; call it once the node index is built. */
export function makeNames(c: Ctx) {
  const { raw, error, didYouMean, nodes, dnsNames, services, proxies } = c;
  const nodeNames = [...c.nodes.keys()];
  const unknownNode = (path: readonly PathSeg[], name: string, what = 'node'): void => {
    const svc = [...services.values()].some((s) => s.name === name);
    const dns = dnsNames.get(dnsKey(name));
    const hint = svc
      ? `; \`${name}\` is a service: write \`vip:${name}\` for its VIP`
      : dns
        ? `; \`${name}\` is a DNS name (served by ${dns.join(', ')}): an http-client looks it up with resolver: { server: ${dns[0]} }`
        : didYouMean(name, nodeNames);
    error(path, 'unknown-name', `there is no ${what} \`${name}\`${hint}`, { found: name, ...(hint ? { suggestion: hint.slice(2) } : {}) });
  };
  const ipNode = (path: readonly PathSeg[], name: string, role: string): NodeIdx | null => {
    const n = nodes.get(name);
    if (!n) {
      unknownNode(path, name);
      return null;
    }
    if (n.kind === 'switch') {
      error(path, 'wrong-kind', `${name} is a switch; ${role} needs a host, router, gateway, lb or dns node`, { found: name });
      return null;
    }
    return n;
  };
  const servicesByName = (name: string): SvcIdx[] => [...services.values()].filter((s) => s.name === name);
  const proxyRef = (ref: string) => (ref.includes('/') ? proxies.get(ref) : [...proxies.values()].find((p) => p.name === ref)) ?? null;

  // ---------------------------------------------------------------- names

  /** Resolves a name or address; reports and returns null when it does not resolve. */
  const target = (text: string, path: readonly PathSeg[]): Target | null => {
    const a = parseIpv4(text);
    if (a !== null) return { text, addr: a, kind: 'address', node: null, detail: null };
    if (/^\d+(\.\d+)*$/.test(text)) {
      error(path, 'bad-value', `\`${text}\` is not an IPv4 address; write a dotted quad such as 10.0.1.100`, { found: text });
      return null;
    }
    if (text.startsWith('vip:')) {
      const ref = text.slice(4);
      const px = proxyRef(ref);
      if (px) return { text, addr: px.vip, kind: 'vip', node: px.lb, detail: px.name };
      const s = service(ref, path);
      if (!s) return null;
      return { text, addr: s.spec.vip, kind: 'vip', node: s.lb, detail: s.name };
    }
    const [nodeName, ifn, extra] = text.split(':');
    if (extra !== undefined || !nodeName) {
      error(path, 'bad-value', `\`${text}\` is not a name; write a node (web1), an interface (web1:eth0), a service VIP (vip:shop) or an address`, { found: text });
      return null;
    }
    const n = nodes.get(nodeName);
    if (!n) {
      unknownNode(path, nodeName);
      return null;
    }
    if (n.kind === 'switch') {
      error(path, 'wrong-kind', `${nodeName} is a switch, which has no IP address`, { found: text });
      return null;
    }
    if (ifn !== undefined) {
      const i = n.ifaces.get(ifn);
      if (!i) {
        error(path, 'unknown-name', `${nodeName} has no interface \`${ifn}\`${didYouMean(ifn, n.ifaces.keys())}`, { found: text });
        return null;
      }
      if (i.addrs.length === 0) {
        error(path, 'no-address', `${nodeName}:${ifn} has no address`, { found: text });
        return null;
      }
      return { text, addr: i.addrs[0]!.addr, kind: 'iface', node: nodeName, detail: ifn };
    }
    for (const i of n.ifaces.values()) if (i.addrs.length > 0) return { text, addr: i.addrs[0]!.addr, kind: 'node', node: nodeName, detail: null };
    error(path, 'no-address', `${nodeName} has no interface address to stand for it`, { found: text });
    return null;
  };

  /** Resolves `shop` or `lb1/shop`. */
  function service(ref: string, path: readonly PathSeg[]): SvcIdx | null {
    if (ref.includes('/')) {
      const s = services.get(ref);
      if (s) return s;
      const [lb, name] = ref.split('/') as [string, string];
      const n = nodes.get(lb);
      if (!n || n.kind !== 'lb') {
        const lbs = [...nodes.values()].filter((x) => x.kind === 'lb').map((x) => x.name);
        error(path, 'unknown-name', `there is no load balancer \`${lb}\`${didYouMean(lb, lbs)}`, { found: ref });
        return null;
      }
      const mine = [...services.values()].filter((x) => x.lb === lb).map((x) => x.name);
      error(path, 'unknown-name', `${lb} has no service \`${name}\`${didYouMean(name, mine)}`, { found: ref });
      return null;
    }
    const found = servicesByName(ref);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      error(path, 'ambiguous-name', `service \`${ref}\` exists on ${found.map((s) => s.lb).join(' and ')}; write ${found.map((s) => `\`${s.lb}/${ref}\``).join(' or ')}`, { found: ref });
      return null;
    }
    const all = [...new Set([...services.values()].map((s) => s.name))];
    error(path, 'unknown-name', `there is no service \`${ref}\`${didYouMean(ref, all)}`, { found: ref, ...(all.length === 0 ? { suggestion: 'services are declared under an lb node' } : {}) });
    return null;
  }

  /** Resolves `lb1/shop/web1` or `shop/web1` against the servers a service has at that point. */
  function serverRef(ref: string, path: readonly PathSeg[]): ServerRef | null {
    const cut = ref.lastIndexOf('/');
    const px = proxyRef(ref.slice(0, cut));
    if (px) {
      const server = ref.slice(cut + 1);
      if (px.names.has(server)) return { lb: px.lb, service: px.name, server };
      error(path, 'unknown-name', `proxy ${px.lb}/${px.name} has no server \`${server}\`${didYouMean(server, px.names)}`, { found: ref });
      return null;
    }
    const s = service(ref.slice(0, cut), path);
    if (!s) return null;
    const server = ref.slice(cut + 1);
    if (!s.names.has(server)) {
      error(path, 'unknown-name', `service ${s.lb}/${s.name} has no server \`${server}\`${didYouMean(server, s.names)}`, { found: ref });
      return null;
    }
    return { lb: s.lb, service: s.name, server };
  }

  /** A DNS name as a target: looked up at run time, so its address is 0. */
  function dnsTarget(name: string): Target {
    return { text: name, addr: 0, kind: 'name', node: null, detail: null };
  }


  /** An lb with a `vrrp` block; reports and returns false otherwise. */
  function vrrpLb(name: string, path: PathSeg[]): boolean {
    if (!nodeExists(name, path)) return false;
    const n = raw.nodes[name]!;
    if (n.kind !== 'lb' || !n.vrrp) {
      error(path, 'wrong-kind', `${name} runs no VRRP; name an lb with a \`vrrp\` block`, { found: name });
      return false;
    }
    return true;
  }

  function nodeExists(name: string, path: PathSeg[]): boolean {
    if (nodes.has(name)) return true;
    unknownNode(path, name);
    return false;
  }

  /** An endpoint that must exist (timeline, expectations): node, or node:iface / switch:port. */
  function endpointRef(text: string, path: PathSeg[]): { node: string; iface: string | null } | null {
    const [nn, ifn] = text.split(':') as [string, string | undefined];
    const n = nodes.get(nn);
    if (!n) {
      unknownNode(path, nn);
      return null;
    }
    if (ifn === undefined) return { node: nn, iface: null };
    const names = n.kind === 'switch' ? [...(n.ports?.keys() ?? []), ...n.autoPorts.map((p) => p.name)] : [...n.ifaces.keys(), 'lo', ...(raw.nodes[nn]?.kind !== 'switch' && (raw.nodes[nn] as RawIpNode).ipip ? ['tunl0'] : [])];
    if (!names.includes(ifn) && n.kind === 'switch') {
      // Ports a link took by naming only the switch are numbered p1, p2, ... and written nowhere: list them with what they lead to.
      const list = portListText(switchPorts(c, n));
      error(path, 'unknown-name', `${nn} has no port \`${ifn}\`; its ports: ${list}`, { found: text, expected: `one of the ports of ${nn}`, suggestion: `its ports: ${list} (lblab validate --ports lists every switch)` });
      return null;
    }
    if (!names.includes(ifn)) {
      error(path, 'unknown-name', `${nn} has no interface \`${ifn}\`${didYouMean(ifn, names)}`, { found: text });
      return null;
    }
    return { node: nn, iface: ifn };
  }
  return { unknownNode, ipNode, target, service, serverRef, nodeExists, endpointRef, vrrpLb, dnsTarget, proxyRef };
}

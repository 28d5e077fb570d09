/**
 * From a schema-checked document to a Scenario: names resolved, defaults
 * filled in, and the checks that need the whole document (duplicate
 * addresses, gateways off their subnet, links to interfaces that do not
 * exist, services whose servers cannot be reached in their mode, ...).
 * Every problem is collected, none stops the others; warnings mark what is
 * legal but probably not what the writer meant.
 */
import { fmtCidr, fmtIp, inPrefix, networkOf, broadcastOf, parseIpv4, parseMac } from '../wire/addr.js';
import { resolveSchedulerName } from '../lb/sched/index.js';
import { healthCheck } from '../lb/health-config.js';
import { fmtDuration, MS } from '../sim/time.js';
import type { LbMode } from '../lb/modes.js';
import type { L7Balance, L7Match, L7PoolConfig, L7Rule } from '../lb/l7/config.js';
import { closest, type ScenarioError, type Severity } from './errors.js';
import { DNS_NAME_RE, type RawScenario } from './schema.js';
import type {
  AppSpec,
  CapacitySpec,
  Check,
  Endpoint,
  Expectation,
  FieldTest,
  FieldValue,
  HealthCheckSpec,
  IfaceSpec,
  IpNodeBase,
  LinkSpec,
  NexthopSpec,
  NodeKind,
  NodeSpec,
  PortSpec,
  ProxySpec,
  Prefix,
  ReplaySpec,
  ResolverSpec,
  RouteSpec,
  Scenario,
  ServerRef,
  ServerSpec,
  ServiceRef,
  ServiceSpec,
  ServiceTimeSpec,
  SourcePos,
  Target,
  TimelineAction,
  TimelineEvent,
  LbSpec,
  VrrpSpec,
} from './types.js';
import { infoAt } from './issues.js';
import { errorAt, lineCol, pathText, type PathSeg, type PosMap, type Span } from './yaml-source.js';

/** Link defaults (src/net/link.ts): 10 us, 1 Gb/s, no loss, 1000 frames. */
const LINK_DEFAULTS = { delay: 10_000, bandwidth: 1e9, loss: 0, queue: 1000 } as const;
const SEC = 1e9;

type RawNode = RawScenario['nodes'][string];
type RawIpNode = Exclude<RawNode, { kind: 'switch' }>;
type RawService = NonNullable<Extract<RawNode, { kind: 'lb' }>['services']>[string];
type RawServerItem = RawService['servers'][number];
type RawHealth = NonNullable<RawService['health']>;
type RawProxy = NonNullable<Extract<RawNode, { kind: 'lb' }>['proxies']>[string];
type RawApp = NonNullable<RawScenario['apps']>[number];
type RawServiceTime = NonNullable<Extract<RawApp, { kind: 'http-server' }>['service_time']>;
type RawResolver = NonNullable<Extract<RawApp, { kind: 'http-client' }>['resolver']>;

/** A DNS name's comparison key: lower case, no final dot (RFC 4343). */
function dnsKey(name: string): string {
  return (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
}

interface IfaceIdx {
  readonly name: string;
  readonly addrs: Prefix[];
  readonly mac: number | null;
  readonly path: PathSeg[];
}

interface NodeIdx {
  readonly name: string;
  readonly kind: NodeKind;
  readonly path: PathSeg[];
  readonly ifaces: Map<string, IfaceIdx>;
  readonly loopback: Prefix[];
  /** Switches: declared ports (null when the switch has no `ports` list). */
  readonly ports: Map<string, PortSpec> | null;
  readonly autoPorts: PortSpec[];
  /** A transparent LB's bridge address (its L3 interface br0), or null. */
  readonly bridge: Prefix | null;
}

interface SvcIdx {
  readonly lb: string;
  readonly name: string;
  readonly spec: ServiceSpec;
  /** Server names as the timeline changes them (add_server, remove_server), in time order. */
  readonly names: Set<string>;
}

/** The result of resolving: a Scenario when there were no errors, and every problem found. */
export interface Resolved {
  readonly scenario: Scenario | null;
  readonly problems: ScenarioError[];
}

/** Resolves a schema-checked document. `pos` locates every path of the raw document; `files` lists the files it came from. */
export function resolveScenario(raw: RawScenario, pos: PosMap, files: readonly string[], fallback: Span): Resolved {
  const problems: ScenarioError[] = [];
  let errorCount = 0;

  const spanOf = (path: readonly PathSeg[], onKey = false): Span => {
    const f = infoAt(pos, path);
    if (!f) return fallback;
    return onKey || !f.exact ? (f.info.key ?? f.info.value) : f.info.value;
  };
  const at = (path: readonly PathSeg[], onKey = false): SourcePos => {
    const s = spanOf(path, onKey);
    const lc = lineCol(s);
    return { file: s.src.file, line: lc.line, col: lc.col };
  };
  const where = (path: readonly PathSeg[]): string => {
    const p = at(path, true);
    return p.file === fallback.src.file ? `line ${p.line}` : `${p.file}:${p.line}`;
  };
  const report = (severity: Severity, path: readonly PathSeg[], code: string, message: string, extra: { expected?: string; found?: string; suggestion?: string; onKey?: boolean } = {}): void => {
    if (severity === 'error') errorCount++;
    const { onKey, ...rest } = extra;
    const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as { expected?: string; found?: string; suggestion?: string };
    problems.push(errorAt(spanOf(path, onKey === true), { severity, code, path: pathText(path), message, ...fields }));
  };
  const error = (path: readonly PathSeg[], code: string, message: string, extra: Parameters<typeof report>[4] = {}): void => report('error', path, code, message, extra);
  const warn = (path: readonly PathSeg[], code: string, message: string, extra: Parameters<typeof report>[4] = {}): void => report('warning', path, code, message, extra);
  /** Which never-ending traffic has had its missing `run.until` reported (once per kind is enough). */
  const untilAsked = new Set<string>();
  /** Something that sends for ever (VRRP advertisements, health probes) needs an end to the run, or the run never returns. */
  const needsUntil = (path: readonly PathSeg[], key: string, what: string): void => {
    if (raw.run?.until !== undefined || untilAsked.has(key)) return;
    untilAsked.add(key);
    error(path, 'needs-until', `${what}, so a scenario with \`${key}\` needs \`run: { until: ... }\``, { onKey: true, suggestion: 'add run: { until: 30s }' });
  };
  const didYouMean = (word: string, candidates: Iterable<string>): string => {
    const c = closest(word, candidates);
    return c ? `; did you mean \`${c}\`?` : '';
  };

  // ---------------------------------------------------------------- index of nodes

  const nodes = new Map<string, NodeIdx>();
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
  const nodeNames = [...nodes.keys()];

  // DNS names the dns nodes serve (lower case -> the dns nodes), for names written where an address is wanted.
  const dnsNames = new Map<string, string[]>();
  for (const [name, n] of Object.entries(raw.nodes)) {
    if (n.kind !== 'dns') continue;
    for (const zn of Object.keys(n.zones ?? {})) {
      const k = dnsKey(zn);
      dnsNames.set(k, [...(dnsNames.get(k) ?? []), name]);
    }
  }
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

  // ---------------------------------------------------------------- services (for vip: names)

  const services = new Map<string, SvcIdx>(); // key "lb/name"
  const vips = new Map<string, string>(); // "vip/port/proto" -> "lb/service"
  const servicesByName = (name: string): SvcIdx[] => [...services.values()].filter((s) => s.name === name);
  // L7 proxies answer vip: names and server references too (docs/l7-proxy.md).
  const proxies = new Map<string, { lb: string; name: string; vip: number; port: number; names: Set<string> }>(); // key "lb/name"
  const proxyServers: { node: string; port: number; path: PathSeg[]; text: string }[] = [];
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

  // ---------------------------------------------------------------- per-node checks: addresses and subnets

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

  /** The interface of node `n` whose subnet holds `a` (for `dev`: only that interface); null when none. */
  const connected = (n: NodeIdx, a: number, dev?: string): string | null => {
    for (const i of n.ifaces.values()) {
      if (dev !== undefined && i.name !== dev) continue;
      for (const p of i.addrs) if (p.len < 32 && inPrefix(a, p.addr, p.len)) return i.name;
    }
    // A bridging LB's subnet is on br0, which holds the bridge address.
    const b = n.bridge;
    if (b && (dev === undefined || dev === 'br0') && b.len < 32 && inPrefix(a, b.addr, b.len)) return 'br0';
    return null;
  };
  const subnetsText = (n: NodeIdx): string => {
    const s = [...n.ifaces.values()].flatMap((i) => i.addrs.map((p) => `${fmtCidr(networkOf(p.addr, p.len), p.len)} on ${i.name}`));
    return s.length === 0 ? `${n.name} has no interface addresses` : `${n.name} has ${s.join(', ')}`;
  };

  // ---------------------------------------------------------------- services, first pass (so vip: names resolve everywhere)

  for (const [lbName, n] of rawNodes) {
    if (n.kind !== 'lb') continue;
    for (const [svcName, s] of Object.entries(n.services ?? {})) {
      const spec: ServiceSpec = {
        name: svcName,
        lb: lbName,
        vip: s.vip,
        port: s.port,
        proto: s.protocol ?? 'tcp',
        mode: s.mode as LbMode,
        scheduler: resolveSchedulerName(s.scheduler ?? 'round-robin')!,
        persistence: s.persistence === undefined ? null : typeof s.persistence === 'number' ? { timeout: s.persistence, netmask: null } : { timeout: s.persistence.timeout, netmask: s.persistence.netmask ?? null },
        snatPool: s.snat_pool ?? [],
        keepSourceMac: s.keep_source_mac ?? false,
        health: healthSpec(s.health, ['nodes', lbName, 'services', svcName, 'health'], s.protocol ?? 'tcp') ?? null,
        onDown: s.on_down ?? 'keep',
        servers: [],
        pos: at(['nodes', lbName, 'services', svcName], true),
      };
      services.set(`${lbName}/${svcName}`, { lb: lbName, name: svcName, spec, names: new Set() });
    }
    for (const [pxName, p] of Object.entries(n.proxies ?? {})) {
      const names = new Set<string>();
      for (const pool of Object.values(p.pools)) for (const it of Array.isArray(pool) ? pool : pool.servers) names.add(typeof it === 'string' ? it : (it.name ?? it.node ?? fmtIp(it.address!)));
      proxies.set(`${lbName}/${pxName}`, { lb: lbName, name: pxName, vip: p.vip, port: p.port ?? 80, names });
    }
  }

  // ---------------------------------------------------------------- links (before node specs: switch ports get allocated here)

  const linked = new Map<string, PathSeg[]>(); // "node:iface" -> path of the endpoint that took it
  const explicitPorts = new Map<string, Set<string>>();
  const links: LinkSpec[] = [];
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
        if (!n.ports?.has(ifn) && !n.autoPorts.some((p) => p.name === ifn)) {
          if (n.ports !== null || !take) {
            const known = [...(n.ports?.keys() ?? []), ...n.autoPorts.map((p) => p.name)];
            error(path, 'unknown-name', `switch ${nn} has no port \`${ifn}\`${didYouMean(ifn, known)}`, { found: text, ...(n.ports !== null ? { expected: `a port listed in ${nn}.ports` } : {}) });
            return null;
          }
          n.autoPorts.push({ name: ifn, mode: 'access', vlan: 1, allowed: [], auto: true, pos: at(path) });
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

  /** The next free port of a switch: the first listed access port no link took or names and no aggregation group holds, else a new p<N>. */
  function nextPort(n: NodeIdx): string {
    const taken = (p: string) => linked.has(`${n.name}:${p}`) || explicitPorts.get(n.name)?.has(p) === true;
    // Trunks and aggregated ports are uplinks: a link takes them only by name.
    const raw0 = raw.nodes[n.name];
    const grouped = new Set(raw0?.kind === 'switch' ? (raw0.aggregate ?? []).flat() : []);
    for (const [p, spec] of n.ports ?? []) if (!taken(p) && spec.mode !== 'trunk' && !grouped.has(p)) return p;
    const exists = (p: string) => n.ports?.has(p) === true || n.autoPorts.some((x) => x.name === p);
    let k = 1;
    while (exists(`p${k}`) || taken(`p${k}`)) k++;
    const name = `p${k}`;
    n.autoPorts.push({ name, mode: 'access', vlan: 1, allowed: [], auto: true, pos: at(n.path, true) });
    return name;
  }

  // ---------------------------------------------------------------- node specs

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
    const base = ipBase(name, n, idx, path);
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
        let bridge: { ports: readonly string[]; addr: Prefix; pos: SourcePos } | null = null;
        if (n.bridge) {
          n.bridge.ports.forEach((p, k) => {
            if (!idx.ifaces.has(p)) error([...path, 'bridge', 'ports', k], 'unknown-name', `${name} has no interface \`${p}\` to bridge${didYouMean(p, idx.ifaces.keys())}`, { found: p });
          });
          bridge = { ports: n.bridge.ports, addr: n.bridge.address, pos: at([...path, 'bridge'], true) };
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
          checkService(spec, spath, idx, n.bridge !== undefined, s);
          svcs.push(spec);
        }
        const pxs = Object.entries(n.proxies ?? {}).flatMap(([pxName, p]) => {
          const r = proxySpec(name, pxName, p, [...path, 'proxies', pxName]);
          return r ? [r] : [];
        });
        if (svcs.length === 0 && pxs.length === 0) warn(path, 'no-services', `load balancer ${name} has no services; it is only a host`, { onKey: true });
        const ha = vrrpSpec(name, n, idx, path);
        specs.push({ kind: 'lb', ...base, bridge, services: svcs, proxies: pxs, vrrp: ha.vrrp, sync: ha.sync });
        break;
      }
      default:
        assertNever(n);
    }
  }

  /** The `vrrp:` and `sync:` blocks of an lb (src/lb/vrrp.ts, src/lb/conn-sync.ts). */
  function vrrpSpec(name: string, n: Extract<RawNode, { kind: 'lb' }>, idx: NodeIdx, path: PathSeg[]): { vrrp: VrrpSpec | null; sync: LbSpec['sync'] } {
    let vrrp: VrrpSpec | null = null;
    const v = n.vrrp;
    const vpath = [...path, 'vrrp'];
    const hasIface = (ifn: string, p: PathSeg[], needAddr: boolean): boolean => {
      const i = idx.ifaces.get(ifn);
      if (!i) {
        error(p, 'unknown-name', `${name} has no interface \`${ifn}\`${didYouMean(ifn, idx.ifaces.keys())}`, { found: ifn });
        return false;
      }
      if (needAddr && i.addrs.length === 0) {
        error(p, 'no-address', `${name}:${ifn} has no address; VRRP advertisements are sent from the interface's primary address`, { found: ifn });
        return false;
      }
      return true;
    };
    if (v !== undefined) {
      let ok = hasIface(v.interface, [...vpath, 'interface'], true);
      const addresses = v.addresses.map((a, k) => {
        const x = 'addr' in a ? { addr: a.addr, len: a.len, iface: v.interface } : { addr: a.address.addr, len: a.address.len, iface: a.dev };
        if (!('addr' in a) && !hasIface(a.dev, [...vpath, 'addresses', k, 'dev'], false)) ok = false;
        return x;
      });
      if (v.interval !== undefined && (v.interval % 10_000_000 !== 0 || v.interval < 10_000_000 || v.interval > 40_950_000_000)) {
        error([...vpath, 'interval'], 'bad-value', 'the advertisement interval travels in centiseconds (12 bits): write a multiple of 10ms from 10ms to 40.95s', { expected: 'a multiple of 10ms' });
        ok = false;
      }
      needsUntil(vpath, 'vrrp', 'VRRP advertisements never stop');
      if (ok) {
        vrrp = {
          vrid: v.vrid,
          priority: v.priority ?? 100,
          interval: v.interval ?? 1_000_000_000,
          preempt: v.preempt ?? true,
          vmac: v.vmac ?? false,
          iface: v.interface,
          addresses,
          garpRepeat: v.garp_repeat ?? 5,
          garpDelay: v.garp_delay ?? 5_000_000_000,
          pos: at(vpath, true),
        };
      }
    }
    let sync: LbSpec['sync'] = null;
    const s = n.sync;
    if (s !== undefined && s !== false) {
      const spath = [...path, 'sync'];
      if (v === undefined) {
        error(spath, 'needs-vrrp', `connection sync follows the VRRP state (master sends, backup receives), but ${name} has no \`vrrp\` block`, { onKey: true, suggestion: 'add a vrrp block or remove sync' });
      } else {
        const ifn = s === true ? v.interface : (s.interface ?? v.interface);
        if (s === true || s.interface === undefined || hasIface(ifn, [...spath, 'interface'], true)) sync = { iface: ifn, syncid: s === true ? 0 : (s.syncid ?? 0), pos: at(spath, true) };
      }
    }
    return { vrrp, sync };
  }

  /** True when `addr` is a VRRP virtual address of lb `lb` (services on it may exist on every LB of the pair). */
  function floatsOn(lb: string, addr: number): boolean {
    const n = raw.nodes[lb];
    if (!n || n.kind !== 'lb' || !n.vrrp) return false;
    return n.vrrp.addresses.some((a) => ('addr' in a ? a.addr : a.address.addr) === addr);
  }

  function ipBase(name: string, n: RawIpNode, idx: NodeIdx, path: PathSeg[]): IpNodeBase {
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
    for (const i of idx.ifaces.values()) {
      if (!linked.has(`${name}:${i.name}`)) {
        warn(i.path, 'unlinked', `interface ${name}:${i.name} is not linked to anything`, { onKey: true, suggestion: `add a link such as [${name}:${i.name}, sw1]` });
      }
    }
    return { name, description: n.description ?? '', interfaces, gateway, routes, loopback: n.loopback ?? [], sysctls, ipip: n.ipip ?? false, pos: at(path, true) };
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

  /** A server of a service, resolved (also for add_server). */
  function serverSpec(item: RawServerItem, path: PathSeg[], svc: ServiceSpec): ServerSpec | null {
    if (typeof item === 'string') {
      const t = target(item, path);
      if (!t) return null;
      return { name: t.kind === 'address' ? item : t.node !== null && t.kind === 'node' ? t.node : item, node: t.kind === 'node' || t.kind === 'iface' ? t.node : null, addr: t.addr, port: svc.port, weight: 1, state: 'enabled', pos: at(path) };
    }
    const health = healthSpec(item.health, [...path, 'health'], svc.proto);
    const common = { port: item.port ?? svc.port, weight: item.weight ?? 1, state: item.state ?? 'enabled', ...(health !== undefined ? { health } : {}), pos: at(path) } as const;
    if (item.node !== undefined) {
      const t = target(item.node, [...path, 'node']);
      if (!t) return null;
      if (t.kind === 'address' || t.kind === 'vip') {
        error([...path, 'node'], 'bad-value', `\`node:\` names a node; write \`address: ${item.node}\` for a raw address`, { found: item.node });
        return null;
      }
      return { name: item.name ?? (t.kind === 'node' ? t.node! : item.node), node: t.node, addr: t.addr, ...common };
    }
    return { name: item.name ?? fmtIp(item.address!), node: null, addr: item.address!, ...common };
  }

  /** A health check as written -> resolved (defaults of src/lb/health.ts); undefined when absent, null for `false`. */
  function healthSpec(h: RawHealth | undefined, path: PathSeg[], proto: 'tcp' | 'udp'): HealthCheckSpec | null | undefined {
    if (h === undefined) return undefined;
    if (h === false) return null;
    const m = typeof h === 'string' ? { kind: h } : h;
    if (proto === 'udp' && m.kind !== 'icmp') {
      error(typeof h === 'string' ? path : [...path, 'kind'], 'bad-value', `a ${m.kind} check needs a TCP service; this service is UDP, so only an icmp check applies`, { found: m.kind, suggestion: 'kind: icmp' });
      return null;
    }
    const spec = healthCheck(m.kind, {
      ...(typeof h === 'object' && h.interval !== undefined ? { interval: h.interval } : {}),
      ...(typeof h === 'object' && h.timeout !== undefined ? { timeout: h.timeout } : {}),
      ...(typeof h === 'object' && h.rise !== undefined ? { rise: h.rise } : {}),
      ...(typeof h === 'object' && h.fall !== undefined ? { fall: h.fall } : {}),
      ...(typeof h === 'object' && h.port !== undefined ? { port: h.port } : {}),
      ...(typeof h === 'object' && h.path !== undefined ? { path: h.path } : {}),
      ...(typeof h === 'object' && h.expect !== undefined ? { expectStatus: h.expect } : {}),
      ...(typeof h === 'object' && h.contains !== undefined ? { contains: h.contains } : {}),
      ...(typeof h === 'object' && h.host !== undefined ? { host: h.host } : {}),
    });
    if (spec.interval < MS) {
      error([...path, 'interval'], 'bad-value', `a health check interval must be at least 1ms, found ${fmtDuration(spec.interval)}`);
      return null;
    }
    if (spec.timeout <= 0 || spec.timeout > spec.interval) {
      const where = typeof h === 'object' && h.timeout !== undefined ? [...path, 'timeout'] : path;
      error(where, 'bad-value', `a health check's timeout (${fmtDuration(spec.timeout)}) must be above 0 and at most its interval (${fmtDuration(spec.interval)}): a probe ends before the next one starts`, { suggestion: `timeout: ${fmtDuration(Math.max(MS, Math.floor(spec.interval / 2)))}` });
      return null;
    }
    needsUntil(path, 'health', 'health checks probe for ever');
    return spec;
  }

  /** Resolves an L7 proxy: its pools' servers, rules, defaults (HAProxy's), and its VIP's uniqueness. */
  function proxySpec(lb: string, name: string, p: RawProxy, path: PathSeg[]): ProxySpec | null {
    let ok = true;
    const port = p.port ?? 80;
    const balanceOf = (b: string | undefined): L7Balance => {
      const v = b ?? p.balance ?? 'round-robin';
      if (v === 'uri-hash') return { kind: 'uri-hash' };
      const h = /^hdr\((.+)\)$/.exec(v);
      if (h) return { kind: 'header-hash', header: h[1]! };
      return { kind: 'scheduler', name: resolveSchedulerName(v)! };
    };
    const pseudo = { port, proto: 'tcp' } as ServiceSpec;
    const proxyHealth = healthSpec(p.health, [...path, 'health'], 'tcp') ?? null;
    const pools: L7PoolConfig[] = Object.entries(p.pools).map(([poolName, raw]) => {
      const items = Array.isArray(raw) ? raw : raw.servers;
      const ppath = Array.isArray(raw) ? [...path, 'pools', poolName] : [...path, 'pools', poolName, 'servers'];
      const servers = items.flatMap((it, k) => {
        const sv = serverSpec(it, [...ppath, k], pseudo);
        if (!sv) {
          ok = false;
          return [];
        }
        if (sv.node !== null) proxyServers.push({ node: sv.node, port: sv.port, path: [...ppath, k], text: `${sv.name} is a server of ${lb}/${name} pool ${poolName} on tcp port ${sv.port}` });
        return [{ name: sv.name, addr: sv.addr, port: sv.port, weight: sv.weight, state: sv.state, ...(sv.health !== undefined ? { health: sv.health } : {}) }];
      });
      if (items.length === 0) warn(ppath, 'no-servers', `pool ${poolName} has no servers; its requests get 503`, { onKey: true });
      const own = Array.isArray(raw) ? undefined : healthSpec(raw.health, [...path, 'pools', poolName, 'health'], 'tcp');
      return { name: poolName, balance: balanceOf(Array.isArray(raw) ? undefined : raw.balance), servers, health: own === undefined ? proxyHealth : own };
    });
    const poolNames = pools.map((x) => x.name);
    const rules: L7Rule[] = (p.rules ?? []).flatMap((r, k) => {
      const rpath = [...path, 'rules', k];
      if (!poolNames.includes(r.pool)) {
        error([...rpath, 'pool'], 'unknown-name', `proxy ${name} has no pool \`${r.pool}\`${didYouMean(r.pool, poolNames)}`, { found: r.pool });
        ok = false;
        return [];
      }
      let re: RegExp | null = null;
      if (r.path_regex !== undefined) {
        try {
          re = new RegExp(r.path_regex);
        } catch (e) {
          error([...rpath, 'path_regex'], 'bad-value', `\`${r.path_regex}\` is not a regular expression: ${(e as Error).message}`, { found: r.path_regex, suggestion: 'escape special characters with \\, e.g. \\.css$' });
          ok = false;
          return [];
        }
      }
      const nv = (x: string | { name: string; value?: string } | undefined) => (x === undefined ? null : typeof x === 'string' ? { name: x, value: null } : { name: x.name, value: x.value ?? null });
      const match: L7Match = { pathPrefix: r.path ?? null, pathRegex: re, host: r.host ?? null, header: nv(r.header), cookie: nv(r.cookie), method: r.method ?? null };
      const tests = Object.entries(r).filter(([key]) => key !== 'pool').map(([key, v]) => `${key} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
      if (tests.length === 0) warn(rpath, 'rule-matches-all', `this rule has no test, so every request goes to pool ${r.pool} and later rules never match`);
      return [{ match, pool: r.pool, text: tests.join(', ') }];
    });
    let defaultPool = p.default_pool ?? (poolNames.includes('default') ? 'default' : poolNames[poolNames.length - 1]!);
    if (p.default_pool !== undefined && !poolNames.includes(p.default_pool)) {
      error([...path, 'default_pool'], 'unknown-name', `proxy ${name} has no pool \`${p.default_pool}\`${didYouMean(p.default_pool, poolNames)}`, { found: p.default_pool });
      ok = false;
      defaultPool = poolNames[0]!;
    }
    if (poolNames.length === 0) {
      error([...path, 'pools'], 'no-pools', `proxy ${name} needs at least one pool`, { onKey: true, suggestion: 'write pools: { web: [web1, web2] }' });
      return null;
    }
    const vipKey = `${p.vip}/${port}/tcp`;
    const prev = vips.get(vipKey);
    if (prev && !(floatsOn(prev.split('/')[0]!, p.vip) && floatsOn(lb, p.vip))) {
      error([...path, 'vip'], 'duplicate-service', `${fmtIp(p.vip)} port ${port}/tcp is already the VIP of ${prev}`, { found: fmtIp(p.vip) });
      ok = false;
    } else vips.set(vipKey, `${lb}/${name}`);
    if (p.redispatch !== undefined && p.cookie === undefined) warn([...path, 'redispatch'], 'unused', '`redispatch` breaks cookie persistence; without `cookie` it only moves retries to another server', { onKey: true });
    if (!ok) return null;
    const cache = p.cache === undefined || p.cache === false ? null : p.cache === true ? { entries: 100, maxAge: 60 * SEC } : { entries: p.cache.entries ?? 100, maxAge: p.cache.max_age ?? 60 * SEC };
    const fw = p.forwarded ?? {};
    return {
      name,
      lb,
      vip: p.vip,
      port,
      pools,
      rules,
      defaultPool,
      cookie: p.cookie === undefined || p.cookie === false ? null : { name: p.cookie === true ? 'SERVERID' : p.cookie },
      redispatch: p.redispatch ?? false,
      retries: p.retries ?? 3,
      connectTimeout: p.timeout_connect ?? 5 * SEC,
      idleTimeout: p.idle_timeout ?? 5 * SEC,
      cache,
      rateLimit: p.rate_limit ? { requests: p.rate_limit.requests, period: p.rate_limit.per } : null,
      cpu: { perRequest: p.cpu?.per_request ?? 0, perConnection: p.cpu?.per_connection ?? 0, cores: p.cpu?.cores ?? 1 },
      forwarded: { xff: fw.xff ?? true, proto: fw.proto ?? true, port: fw.port ?? true, rfc7239: fw.rfc7239 ?? false },
      pos: at(path, true),
    };
  }

  function checkService(s: ServiceSpec, path: PathSeg[], lb: NodeIdx, hasBridge: boolean, rawSvc: RawService): void {
    if (s.mode === 'transparent' && !hasBridge) {
      error([...path, 'mode'], 'needs-bridge', `service ${s.name} is in transparent mode, but ${lb.name} has no \`bridge\`; transparent mode bridges the server segment`, { suggestion: 'add bridge: { ports: [eth0, eth1], address: ... } to the lb' });
    }
    if ((s.mode === 'dsr' || s.mode === 'tunnel') && s.servers.some((x) => x.port !== s.port)) {
      const k = s.servers.findIndex((x) => x.port !== s.port);
      error([...path, 'servers', k, 'port'], 'bad-port', `in ${s.mode} mode the packet reaches the server unchanged, so the server port must be the service port ${s.port}`);
    }
    if (s.mode === 'dsr') {
      s.servers.forEach((sv, k) => {
        if (connected(lb, sv.addr) === null) {
          warn([...path, 'servers', k], 'dsr-off-subnet', `${sv.name} (${fmtIp(sv.addr)}) is not on a subnet ${lb.name} is connected to; DSR only re-sends the frame to the server's MAC, so it cannot reach it; tunnel mode (IP-in-IP) is the fix`, { suggestion: 'use mode: tunnel' });
        }
      });
    }
    if (rawSvc.snat_pool !== undefined && s.mode !== 'snat') warn([...path, 'snat_pool'], 'unused', `\`snat_pool\` is used only in snat mode; service ${s.name} is in ${s.mode} mode`, { onKey: true });
    if (rawSvc.keep_source_mac !== undefined && s.mode !== 'dsr') warn([...path, 'keep_source_mac'], 'unused', `\`keep_source_mac\` is used only in dsr mode; service ${s.name} is in ${s.mode} mode`, { onKey: true });
    if (s.servers.length === 0 && rawSvc.servers.length === 0) warn([...path, 'servers'], 'no-servers', `service ${s.name} has no servers; every connection to its VIP is refused`, { onKey: true });
    const vipKey = `${s.vip}/${s.port}/${s.proto}`;
    const prev = vips.get(vipKey);
    if (prev && !(floatsOn(prev.split('/')[0]!, s.vip) && floatsOn(s.lb, s.vip))) error([...path, 'vip'], 'duplicate-service', `${fmtIp(s.vip)} port ${s.port}/${s.proto} is already the VIP of ${prev}`, { found: fmtIp(s.vip) });
    else vips.set(vipKey, `${s.lb}/${s.name}`);
  }

  // ---------------------------------------------------------------- apps

  const apps: AppSpec[] = [];
  const listeners = new Map<string, PathSeg[]>(); // "node/proto/port"
  const perKind = new Map<string, number>();
  (raw.apps ?? []).forEach((a, k) => {
    const path: PathSeg[] = ['apps', k];
    const n = ipNode([...path, 'on'], a.on, 'an app');
    if (!n) return;
    const kindKey = `${a.on}/${a.kind}`;
    const seq = perKind.get(kindKey) ?? 0;
    perKind.set(kindKey, seq + 1);
    const base = { on: a.on, id: a.id ?? String(seq), pos: at(path) };
    const listen = (proto: string, port: number): void => {
      const key = `${a.on}/${proto}/${port}`;
      const prev = listeners.get(key);
      if (prev) error([...path, 'port'], 'port-in-use', `${a.on} already has an app on ${proto} port ${port} (${pathText(prev)}, ${where(prev)})`);
      else listeners.set(key, path);
    };
    switch (a.kind) {
      case 'http-server': {
        const port = a.port ?? 80;
        listen('tcp', port);
        apps.push({ kind: 'http-server', ...base, ...capacity(a, [...path, 'service_time']), port, status: a.status ?? 200, body: a.body ?? null, cookie: a.cookie ?? false, idleTimeout: a.idle_timeout ?? null, headers: Object.entries(a.headers ?? {}).map(([name, value]) => ({ name, value })), sessionKey: a.session_key ?? 'ip' });
        return;
      }
      case 'tcp-echo-server': {
        const port = a.port ?? 7;
        listen('tcp', port);
        apps.push({ kind: 'tcp-echo-server', ...base, ...capacity(a, [...path, 'service_time']), port });
        return;
      }
      case 'udp-echo-server': {
        const port = a.port ?? 7;
        listen('udp', port);
        apps.push({ kind: 'udp-echo-server', ...base, port });
        return;
      }
      case 'http-client': {
        const rs = a.resolver ? resolverSpec(a.resolver, [...path, 'resolver'], a.to, [...path, 'to']) : null;
        const t = a.resolver ? (rs ? dnsTarget(a.to) : null) : target(a.to, [...path, 'to']);
        if (!t) return;
        apps.push({
          kind: 'http-client',
          ...base,
          to: t,
          port: a.port ?? (t.kind === 'vip' ? vipPort(t) : 80),
          path: a.path ?? a.paths?.[0] ?? '/',
          paths: a.paths ?? null,
          headers: Object.entries(a.headers ?? {}).map(([name, value]) => ({ name, value })),
          cookies: a.cookies ?? false,
          method: a.method ?? 'GET',
          host: a.host ?? null,
          requests: a.requests ?? 1,
          rate: a.rate ?? null,
          concurrency: a.concurrency ?? 1,
          thinkTime: a.think_time ?? 0,
          start: a.start ?? 0,
          keepalive: a.keepalive ?? false,
          timeout: a.timeout ?? null,
          resolver: rs,
        });
        return;
      }
      case 'ping': {
        const t = target(a.to, [...path, 'to']);
        if (!t) return;
        apps.push({ kind: 'ping', ...base, to: t, count: a.count ?? 3, interval: a.interval ?? SEC, size: a.size ?? 56, timeout: a.timeout ?? 10 * SEC, start: a.start ?? 0 });
        return;
      }
      case 'tcp-connect': {
        const t = target(a.to, [...path, 'to']);
        if (!t) return;
        apps.push({ kind: 'tcp-connect', ...base, to: t, port: a.port, start: a.start ?? 0 });
        return;
      }
      case 'dns-lookup': {
        const t = target(a.server, [...path, 'server']);
        if (!t) return;
        if (t.node !== null && nodes.get(t.node)?.kind !== 'dns' && t.kind !== 'vip') {
          warn([...path, 'server'], 'not-dns', `${t.node} is a ${nodes.get(t.node)!.kind}, not a dns node; nothing will answer the lookup`);
        }
        if (!DNS_NAME_RE.test(a.name)) {
          error([...path, 'name'], 'bad-value', `\`${a.name}\` is not a DNS name; write letters, digits and - in labels joined by dots, such as shop.example`, { found: a.name });
          return;
        }
        apps.push({ kind: 'dns-lookup', ...base, name: a.name, server: t, start: a.start ?? 0, cache: a.cache ?? 'ttl', repeat: a.repeat ?? 1, interval: a.interval ?? SEC });
        return;
      }
      default:
        assertNever(a);
    }
  });

  /** A DNS name as a target: looked up at run time, so its address is 0. */
  function dnsTarget(name: string): Target {
    return { text: name, addr: 0, kind: 'name', node: null, detail: null };
  }

  /** Checks a client's resolver and the name it will look up (`to`). */
  function resolverSpec(r: RawResolver, path: PathSeg[], name: string, namePath: PathSeg[]): ResolverSpec | null {
    const server = target(r.server, [...path, 'server']);
    if (parseIpv4(name) !== null || name.startsWith('vip:') || !DNS_NAME_RE.test(name)) {
      error(namePath, 'bad-value', `with a \`resolver\`, \`to\` is a DNS name to look up, such as shop.example; \`${name}\` is not one (drop \`resolver\` to call an address or a node directly)`, { found: name });
      return null;
    }
    if (!server) return null;
    const sn = server.node !== null ? raw.nodes[server.node] : undefined;
    if (server.node !== null && sn && sn.kind !== 'dns') {
      warn([...path, 'server'], 'not-dns', `${server.node} is a ${sn.kind}, not a dns node; nothing will answer the lookups`);
    } else if (sn && sn.kind === 'dns' && !Object.keys(sn.zones ?? {}).some((z) => dnsKey(z) === dnsKey(name))) {
      const known = Object.keys(sn.zones ?? {});
      warn(namePath, 'unknown-dns-name', `${server.node} has no record for ${name}, so every lookup fails${known.length ? `; it serves ${known.join(', ')}` : ''}`, { found: name, ...(known.length ? { suggestion: `write one of ${known.join(', ')}${closest(name, known) ? ` (did you mean ${closest(name, known)}?)` : ''}` } : {}) });
    }
    return { server, cache: r.cache ?? 'ttl', timeout: r.timeout ?? 5 * SEC, attempts: r.attempts ?? 2 };
  }

  function vipPort(t: Target): number {
    const px = proxies.get(`${t.node}/${t.detail}`);
    if (px) return px.port;
    return services.get(`${t.node}/${t.detail}`)?.spec.port ?? 80;
  }

  function capacity(a: { service_time?: RawServiceTime; workers?: number; queue?: number; max_connections?: number; backlog?: number }, path: PathSeg[]): CapacitySpec {
    return {
      serviceTime: a.service_time === undefined ? { dist: 'fixed', ns: 0 } : serviceTime(a.service_time, path),
      workers: a.workers ?? null,
      queue: a.queue ?? null,
      maxConnections: a.max_connections ?? null,
      backlog: a.backlog ?? null,
    };
  }

  function serviceTime(st: RawServiceTime, path: PathSeg[]): ServiceTimeSpec {
    if (typeof st === 'number') return { dist: 'fixed', ns: st };
    if (st.exp !== undefined) return { dist: 'exponential', mean: st.exp };
    if (st.uniform !== undefined) {
      const [min, max] = st.uniform;
      if (min > max) error([...path, 'uniform'], 'bad-value', 'a uniform service time is [min, max]; here min is larger than max', { suggestion: 'swap the two values' });
      return { dist: 'uniform', min, max };
    }
    const [mean, stddev] = st.normal!;
    return { dist: 'normal', mean, stddev };
  }

  // Servers of balanced services should have something listening on their port.
  for (const s of services.values()) {
    s.spec.servers.forEach((sv, k) => {
      if (sv.node === null) return;
      if (!listeners.has(`${sv.node}/${s.spec.proto}/${sv.port}`)) {
        const app = s.spec.proto === 'tcp' ? (sv.port === 80 || sv.port === 8080 ? 'http-server' : 'http-server or tcp-echo-server') : 'udp-echo-server';
        warn(['nodes', s.lb, 'services', s.name, 'servers', k], 'no-listener', `${sv.name} is a server of ${s.lb}/${s.name} on ${s.spec.proto} port ${sv.port}, but no app listens there; add an ${app} app on ${sv.node}`);
      }
    });
  }

  for (const x of proxyServers) {
    if (!listeners.has(`${x.node}/tcp/${x.port}`)) warn(x.path, 'no-listener', `${x.text}, but no app listens there; add an http-server app on ${x.node}`);
  }

  // ---------------------------------------------------------------- timeline

  const timeline: TimelineEvent[] = [];
  const rawTimeline = (raw.timeline ?? []).map((e, k) => ({ e, k })).sort((x, y) => x.e.at - y.e.at || x.k - y.k);
  for (const { e, k } of rawTimeline) {
    const path: PathSeg[] = ['timeline', k];
    const action = timelineAction(e, path);
    if (action) timeline.push({ at: e.at, action, pos: at(path) });
  }

  function serverAppOn(node: string, path: PathSeg[], port: number | undefined, kinds: readonly string[], what: string): boolean {
    const n = ipNode(path, node, what);
    if (!n) return false;
    const mine = apps.filter((a) => a.on === node && kinds.includes(a.kind) && (port === undefined || ('port' in a && a.port === port)));
    if (mine.length === 0) {
      error(path, 'no-app', `${node} has no ${kinds.join(' or ')} app${port !== undefined ? ` on port ${port}` : ''} to change`, { found: node });
      return false;
    }
    return true;
  }

  function timelineAction(e: NonNullable<RawScenario['timeline']>[number], path: PathSeg[]): TimelineAction | null {
    if (e.fail !== undefined) return nodeExists(e.fail, [...path, 'fail']) ? { kind: 'fail', node: e.fail } : null;
    if (e.restore !== undefined) return nodeExists(e.restore, [...path, 'restore']) ? { kind: 'restore', node: e.restore } : null;
    if (e.link_down !== undefined || e.link_up !== undefined) {
      const key = e.link_down !== undefined ? 'link_down' : 'link_up';
      const pair = (e.link_down ?? e.link_up)!;
      const ends = pair.map((p, i) => endpointRef(p, [...path, key, i]));
      if (!ends[0] || !ends[1]) return null;
      const match = (x: Endpoint, ref: { node: string; iface: string | null }) => x.node === ref.node && (ref.iface === null || x.iface === ref.iface);
      const li = links.findIndex((l) => (match(l.a, ends[0]!) && match(l.b, ends[1]!)) || (match(l.a, ends[1]!) && match(l.b, ends[0]!)));
      if (li < 0) {
        error([...path, key], 'unknown-link', `no link joins ${pair[0]} and ${pair[1]}`, { suggestion: 'name both ends as the link does, e.g. [r1:eth1, sw2:p1]' });
        return null;
      }
      const l = links[li]!;
      return { kind: key === 'link_down' ? 'link-down' : 'link-up', link: li, a: l.a, b: l.b };
    }
    for (const [key, state] of [
      ['drain', 'draining'],
      ['enable', 'enabled'],
      ['disable', 'disabled'],
    ] as const) {
      const ref = e[key];
      if (ref !== undefined) {
        const r = serverRef(ref, [...path, key]);
        return r ? { kind: 'server-state', server: r, state } : null;
      }
    }
    if (e.weight !== undefined) {
      const r = serverRef(e.weight.server, [...path, 'weight', 'server']);
      return r ? { kind: 'weight', server: r, value: e.weight.value } : null;
    }
    if (e.add_server !== undefined) {
      const s = service(e.add_server.service, [...path, 'add_server', 'service']);
      if (!s) return null;
      const sv = serverSpec(e.add_server.server, [...path, 'add_server', 'server'], s.spec);
      if (!sv) return null;
      if (s.names.has(sv.name)) {
        error([...path, 'add_server', 'server'], 'duplicate-server', `service ${s.lb}/${s.name} already has a server named \`${sv.name}\``, { found: sv.name });
        return null;
      }
      s.names.add(sv.name);
      return { kind: 'add-server', service: { lb: s.lb, service: s.name }, server: sv };
    }
    if (e.remove_server !== undefined) {
      const r = serverRef(e.remove_server, [...path, 'remove_server']);
      if (!r) return null;
      (services.get(`${r.lb}/${r.service}`) ?? proxies.get(`${r.lb}/${r.service}`))!.names.delete(r.server);
      return { kind: 'remove-server', server: r };
    }
    if (e.mode !== undefined) {
      const s = service(e.mode.service, [...path, 'mode', 'service']);
      if (!s) return null;
      const value = e.mode.value as LbMode;
      const lbRaw = raw.nodes[s.lb];
      if (value === 'transparent' && lbRaw?.kind === 'lb' && lbRaw.bridge === undefined) {
        error([...path, 'mode', 'value'], 'needs-bridge', `transparent mode needs ${s.lb} to have a \`bridge\``);
        return null;
      }
      return { kind: 'mode', service: { lb: s.lb, service: s.name }, value };
    }
    if (e.http_status !== undefined) {
      const x = e.http_status;
      return serverAppOn(x.on, [...path, 'http_status', 'on'], x.port, ['http-server'], 'http_status') ? { kind: 'http-status', on: x.on, port: x.port ?? null, value: x.value } : null;
    }
    if (e.http_body !== undefined) {
      const x = e.http_body;
      return serverAppOn(x.on, [...path, 'http_body', 'on'], x.port, ['http-server'], 'http_body') ? { kind: 'http-body', on: x.on, port: x.port ?? null, value: x.value } : null;
    }
    if (e.service_time !== undefined) {
      const x = e.service_time;
      if (!serverAppOn(x.on, [...path, 'service_time', 'on'], x.port, ['http-server', 'tcp-echo-server'], 'service_time')) return null;
      return { kind: 'service-time', on: x.on, port: x.port ?? null, value: serviceTime(x.value, [...path, 'service_time', 'value']) };
    }
    for (const key of ['vrrp_stop', 'vrrp_start'] as const) {
      const x = e[key];
      if (x === undefined) continue;
      if (!vrrpLb(x, [...path, key])) return null;
      return { kind: key === 'vrrp_stop' ? 'vrrp-stop' : 'vrrp-start', node: x };
    }
    for (const key of ['stop_server', 'start_server'] as const) {
      const x = e[key];
      if (x === undefined) continue;
      const on = typeof x === 'string' ? x : x.on;
      const port = typeof x === 'string' ? undefined : x.port;
      const p = typeof x === 'string' ? [...path, key] : [...path, key, 'on'];
      if (!serverAppOn(on, p, port, ['http-server', 'tcp-echo-server', 'udp-echo-server'], key)) return null;
      return { kind: key === 'stop_server' ? 'stop-server' : 'start-server', on, port: port ?? null };
    }
    for (const key of ['stop_accepting', 'start_accepting'] as const) {
      const x = e[key];
      if (x === undefined) continue;
      const on = typeof x === 'string' ? x : x.on;
      const port = typeof x === 'string' ? undefined : x.port;
      const p = typeof x === 'string' ? [...path, key] : [...path, key, 'on'];
      if (!serverAppOn(on, p, port, ['http-server', 'tcp-echo-server'], key)) return null;
      return { kind: 'accepting', on, port: port ?? null, value: key === 'start_accepting' };
    }
    return null;
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
    if (!names.includes(ifn)) {
      error(path, 'unknown-name', `${nn} has no ${n.kind === 'switch' ? 'port' : 'interface'} \`${ifn}\`${didYouMean(ifn, names)}`, { found: text });
      return null;
    }
    return { node: nn, iface: ifn };
  }

  // ---------------------------------------------------------------- expectations

  const expect: Expectation[] = [];
  const expectNames = new Map<string, PathSeg[]>();
  (raw.expect ?? []).forEach((x, k) => {
    const path: PathSeg[] = ['expect', k];
    const prev = expectNames.get(x.name);
    if (prev) error([...path, 'name'], 'duplicate-name', `an expectation named "${x.name}" already exists (${where(prev)}); the grader reports by name`);
    else expectNames.set(x.name, path);
    const check = expectation(x, path);
    if (check) expect.push({ name: x.name, check, pos: at(path) });
  });

  function expectation(x: NonNullable<RawScenario['expect']>[number], path: PathSeg[]): Check | null {
    if (x.flow !== undefined) {
      const from = ipNode([...path, 'flow', 'from'], x.flow.from, 'the `from` of a flow');
      // A DNS name that a dns node serves stands for the clients that look it up.
      const to = !nodes.has(x.flow.to) && dnsNames.has(dnsKey(x.flow.to)) ? dnsTarget(x.flow.to) : target(x.flow.to, [...path, 'flow', 'to']);
      if (!from || !to) return null;
      return { kind: 'flow', from: x.flow.from, to, port: x.flow.port ?? null, outcome: x.outcome! };
    }
    if (x.frame !== undefined) {
      const ep = endpointRef(x.frame.at, [...path, 'frame', 'at']);
      if (!ep) return null;
      if (ep.iface === null) {
        error([...path, 'frame', 'at'], 'missing-interface', `a frame is seen on an interface: write ${x.frame.at}:<interface>`, { found: x.frame.at });
        return null;
      }
      const match = fields(x.frame.match ?? {}, [...path, 'frame', 'match']);
      const has = fields(x.has ?? {}, [...path, 'has']);
      if (!match || !has) return null;
      return { kind: 'frame', at: { node: ep.node, iface: ep.iface }, match, has, seen: x.seen ?? true };
    }
    if (x.drop !== undefined) {
      let node: string | null = null;
      let iface: string | null = null;
      if (x.drop.at !== undefined) {
        const ep = endpointRef(x.drop.at, [...path, 'drop', 'at']);
        if (!ep) return null;
        node = ep.node;
        iface = ep.iface;
      }
      return { kind: 'drop', code: x.drop.code, node, iface, seen: x.seen ?? true };
    }
    if (x.rewrite !== undefined) {
      if (x.rewrite.at !== undefined && !nodeExists(x.rewrite.at, [...path, 'rewrite', 'at'])) return null;
      return { kind: 'rewrite', code: x.rewrite.code, node: x.rewrite.at ?? null, seen: x.seen ?? true };
    }
    if (x.distribution !== undefined) {
      const d = x.distribution;
      const s = service(d.service, [...path, 'distribution', 'service']);
      if (!s) return null;
      const all = new Set([...s.spec.servers.map((v) => v.name), ...s.names]);
      let ok = true;
      d.over.forEach((name, i) => {
        if (!all.has(name)) {
          ok = false;
          error([...path, 'distribution', 'over', i], 'unknown-name', `service ${s.lb}/${s.name} has no server \`${name}\`${didYouMean(name, all)}`, { found: name });
        }
      });
      const ref: ServiceRef = { lb: s.lb, service: s.name };
      return ok ? { kind: 'distribution', service: ref, over: d.over, tolerance: d.tolerance } : null;
    }
    if (x.failover_gap !== undefined) {
      const g = x.failover_gap;
      if (g.client !== undefined && !ipNode([...path, 'failover_gap', 'client'], g.client, 'the client')) return null;
      return { kind: 'failover-gap', lessThan: g.less_than, client: g.client ?? null };
    }
    if (x.http !== undefined) {
      const h = x.http;
      if (!nodeExists(h.at, [...path, 'http', 'at'])) return null;
      let client: Target | null = null;
      if (h.client !== undefined) {
        client = target(h.client, [...path, 'http', 'client']);
        if (!client) return null;
      }
      return {
        kind: 'http',
        node: h.at,
        path: h.path ?? null,
        method: h.method ?? null,
        client,
        pool: h.pool ?? null,
        server: h.server ?? null,
        verdict: h.verdict ?? null,
        status: h.status ?? null,
        how: h.how ?? null,
        cache: h.cache ?? null,
        headers: Object.entries(h.headers ?? {}).map(([name, value]) => ({ name, value })),
        atMost: h.at_most ?? null,
        atLeast: h.at_least ?? null,
        equals: h.equals ?? null,
      };
    }
    if (x.vrrp !== undefined) {
      const v = x.vrrp;
      if (v.node !== undefined && !vrrpLb(v.node, [...path, 'vrrp', 'node'])) return null;
      return { kind: 'vrrp', node: v.node ?? null, state: v.state ?? null, masters: v.masters ?? null, at: v.at ?? null };
    }
    if (x.health !== undefined) {
      const h = x.health;
      const r = serverRef(h.server, [...path, 'health', 'server']);
      if (!r) return null;
      if (h.after !== undefined && h.before !== undefined && h.before <= h.after) {
        error([...path, 'health', 'before'], 'bad-value', `\`before\` (${fmtDuration(h.before)}) must be later than \`after\` (${fmtDuration(h.after)})`);
        return null;
      }
      return { kind: 'health', server: r, goes: h.goes, check: h.check ?? null, after: h.after ?? null, before: h.before ?? null, seen: x.seen ?? true };
    }
    if (x.server_stat !== undefined) {
      const c = x.server_stat;
      const r = serverRef(c.server, [...path, 'server_stat', 'server']);
      if (!r) return null;
      return { kind: 'server-stat', server: r, stat: c.stat, atMost: c.at_most ?? null, atLeast: c.at_least ?? null, equals: c.equals ?? null, under: c.under ?? null, over: c.over ?? null };
    }
    if (x.counter !== undefined) {
      const c = x.counter;
      if (c.at !== undefined && !nodeExists(c.at, [...path, 'counter', 'at'])) return null;
      const first = c.first !== undefined ? target(c.first, [...path, 'counter', 'first']) : null;
      if (c.first !== undefined && !first) return null;
      return { kind: 'counter', name: c.name, node: c.at ?? null, first, port: c.port ?? null, atMost: c.at_most ?? null, atLeast: c.at_least ?? null, equals: c.equals ?? null };
    }
    return null;
  }

  function fields(m: Record<string, string | number>, path: PathSeg[]): FieldTest[] | null {
    const out: FieldTest[] = [];
    let ok = true;
    for (const [field, v] of Object.entries(m)) {
      const value = fieldValue(field, v, [...path, field]);
      if (value === null) ok = false;
      else out.push({ field, value, text: String(v) });
    }
    return ok ? out : null;
  }

  function fieldValue(field: string, v: string | number, path: PathSeg[]): FieldValue | null {
    const text = String(v);
    if (field === 'tcp.flags') {
      const letters = text.toUpperCase().replace(/[\s,|+]/g, '');
      if (!/^[FSRPAUEC]*$/.test(letters) || typeof v === 'number') {
        error(path, 'bad-value', `expected TCP flags as letters (S SYN, A ACK, F FIN, R RST, P PSH, U URG, E ECE, C CWR), found \`${text}\``, { found: text, suggestion: 'write SA for SYN-ACK' });
        return null;
      }
      // Canonical order, so "AS" and "SA" compare equal.
      return { kind: 'flags', value: [...'FSRPAUEC'].filter((c) => letters.includes(c)).join('') };
    }
    if (typeof v === 'number') return { kind: 'number', value: v };
    if (/^(ip\.(src|dst|inner\.src|inner\.dst)|arp\.(spa|tpa)|dns\.a)$/.test(field)) {
      const t = target(text, path);
      return t ? { kind: 'number', value: t.addr } : null;
    }
    if (/^(eth\.(src|dst)|arp\.(sha|tha))$/.test(field)) {
      const mac = parseMac(text);
      if (mac !== null) return { kind: 'number', value: mac };
      const ep = /^[a-z][a-z0-9-]*:[A-Za-z][A-Za-z0-9._-]*$/.test(text) ? endpointRef(text, path) : null;
      if (ep && ep.iface !== null) {
        const own = nodes.get(ep.node)!.ifaces.get(ep.iface)?.mac ?? null;
        return own !== null ? { kind: 'number', value: own } : { kind: 'mac-of', node: ep.node, iface: ep.iface };
      }
      if (!ep) error(path, 'bad-value', `expected a MAC address or an interface (web1:eth0), found \`${text}\``, { found: text });
      return null;
    }
    const named: Record<string, Record<string, number>> = {
      'ip.proto': { icmp: 1, tcp: 6, udp: 17, ipip: 4, vrrp: 112 },
      'eth.type': { ipv4: 0x0800, arp: 0x0806, vlan: 0x8100 },
      'arp.op': { request: 1, reply: 2 },
      'dns.rcode': { noerror: 0, formerr: 1, servfail: 2, nxdomain: 3, notimp: 4, refused: 5 },
    };
    const n = named[field]?.[text.toLowerCase()];
    if (n !== undefined) return { kind: 'number', value: n };
    error(path, 'bad-value', `expected a number for ${field}${named[field] ? ` (or ${Object.keys(named[field]!).join(', ')})` : ''}, found \`${text}\``, { found: text });
    return null;
  }

  // ---------------------------------------------------------------- replay
  const replay: ReplaySpec[] = [];
  (raw.replay ?? []).forEach((r, i) => {
    const path: PathSeg[] = ['replay', i];
    const pos = at(path);
    const clients: { addr: number; node: string }[] = [];
    for (const [k, node] of Object.entries(r.clients)) {
      const a = parseIpv4(k);
      if (a === null) {
        error([...path, 'clients', k], 'bad-value', `\`${k}\` is not an IPv4 address; write the captured client's address, such as 10.0.0.1`, { onKey: true, found: k });
        continue;
      }
      if (ipNode([...path, 'clients', k], node, 'a replayed client')) clients.push({ addr: a, node });
    }
    const servers: { captured: string; to: Target; port: number | null }[] = [];
    for (const [k, v] of Object.entries(r.servers ?? {})) {
      const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(k);
      if (!m || parseIpv4(m[1]!) === null || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
        error([...path, 'servers', k], 'bad-value', `\`${k}\` is not a captured server; write an address with an optional port, such as 10.0.0.2:8000`, { onKey: true, found: k });
        continue;
      }
      const text = typeof v === 'string' ? v : v.to;
      const t = target(text, [...path, 'servers', k]);
      if (t) servers.push({ captured: k, to: t, port: typeof v === 'string' ? null : (v.port ?? null) });
    }
    // The capture is named relative to the file that names it (a base file's replay stays its own).
    const dir = pos.file.includes('/') ? pos.file.slice(0, pos.file.lastIndexOf('/') + 1) : '';
    const file = r.file.startsWith('/') ? r.file : `${dir}${r.file}`;
    replay.push({ file, written: r.file, clients, servers, start: r.start ?? 0, keepPorts: r.keep_ports ?? true, pos });
  });

  if (errorCount > 0) return { scenario: null, problems };
  return {
    scenario: {
      version: 1,
      title: raw.title,
      description: raw.description ?? '',
      goals: raw.goals ?? [],
      seed: raw.seed ?? 1,
      files,
      nodes: specs,
      links,
      apps,
      timeline,
      expect,
      replay,
      run: { until: raw.run?.until ?? null, budget: raw.run?.budget ?? null },
    },
    problems,
  };
}


function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

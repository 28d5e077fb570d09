/**
 * The expect section: each named expectation's check resolved (nodes,
 * interfaces, services and servers it names, frame fields and their
 * values), names unique so the grader can report by name.
 */
import { own } from '../../sim/own.js';
import { parseMac } from '../../wire/addr.js';
import { fmtDuration } from '../../sim/time.js';
import type { RawScenario } from '../schema.js';
import type { Check, Expectation, FieldTest, FieldValue, ServiceRef, Target } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import { dnsKey, type Ctx } from './context.js';
import type { Names } from './names.js';

/** Resolves the expectations. */
export function resolveExpect(c: Ctx, nm: Names): Expectation[] {
  const { raw, at, where, error, didYouMean, nodes, dnsNames } = c;
  const { ipNode, target, service, serverRef, nodeExists, endpointRef, vrrpLb, dnsTarget } = nm;
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
    if (x.diagnose !== undefined) return { kind: 'diagnose', finding: x.diagnose === 'none' ? null : x.diagnose };
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
    const byName = own(named, field);
    const n = byName ? own(byName, text.toLowerCase()) : undefined;
    if (n !== undefined) return { kind: 'number', value: n };
    error(path, 'bad-value', `expected a number for ${field}${byName ? ` (or ${Object.keys(byName).join(', ')})` : ''}, found \`${text}\``, { found: text });
    return null;
  }
  return expect;
}

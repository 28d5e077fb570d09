/**
 * The DNS part of the report at the end of `lblab run`: what each DNS
 * server answered (queries, response codes, and how often each address came
 * first, the one clients connect to), what each client's resolver did
 * (lookups, cache hits, queries on the wire), and the requests each HTTP
 * server named in a zone answered, so that servers reached by name are
 * counted as the LB table counts servers reached through a VIP.
 */
import { fmtIp } from '../wire/addr.js';
import type { BuiltScenario } from './built.js';

/** Lines of the DNS report; none when the scenario has no DNS server and no resolver. */
export function dnsReport(built: BuiltScenario): string[] {
  const { dnsServers, resolvers } = built.apps;
  if (dnsServers.length === 0 && resolvers.length === 0) return [];
  // Address -> node name, for people.
  const names = new Map<number, string>();
  for (const n of built.scenario.nodes) {
    if (n.kind === 'switch') continue;
    for (const i of n.interfaces) for (const a of i.addrs) if (!names.has(a.addr)) names.set(a.addr, n.name);
  }
  const addr = (a: number) => (names.has(a) ? `${fmtIp(a)} (${names.get(a)})` : fmtIp(a));
  const out: string[] = [];
  for (const { node, app } of dnsServers) {
    const st = app.stats;
    const rcodes = [...st.byRcode.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
    const first = [...st.firstAnswer.entries()].sort((x, y) => x[0] - y[0]).map(([a, v]) => `${addr(a)} ${v}`).join(', ');
    out.push(`dns ${node}: ${st.queries} queries answered${rcodes ? ` (${rcodes})` : ''}${first ? `; first address: ${first}` : ''}${st.dropped ? `; ${st.dropped} messages dropped` : ''}`);
  }
  if (resolvers.length) {
    const rows = [['resolver', 'name', 'cache', 'lookups', 'hits', 'queries', 'failures', 'first address used']];
    for (const { owner, name, resolver } of resolvers) {
      const s = resolver.stats;
      const used = [...s.firstAddress.entries()].sort((x, y) => x[0] - y[0]).map(([a, v]) => `${addr(a)} ${v}`).join(', ');
      rows.push([owner, name, resolver.mode, String(s.lookups), String(s.cacheHits), String(s.queriesSent), String(s.failures), used || '-']);
    }
    out.push(...table(rows, 3));
  }
  // HTTP servers whose address some zone hands out: the per-server table for DNS round robin.
  const zoneAddrs = new Set<number>();
  for (const n of built.scenario.nodes) if (n.kind === 'dns') for (const z of n.zones) for (const a of z.a) zoneAddrs.add(a);
  // Only the ports that clients reach by name (a server may also sit behind a VIP on another port).
  const namePorts = new Set(built.apps.httpClients.flatMap(({ spec }) => (spec.kind === 'http-client' && spec.to.kind === 'name' ? [spec.port] : [])));
  const servers = built.apps.httpServers.filter(({ app }) => (namePorts.size === 0 || namePorts.has(app.port)) && app.host.ifaces.some((i) => [...zoneAddrs].some((a) => i.hasAddr(a))));
  if (servers.length) {
    out.push('servers reached by DNS name:');
    const rows = [['server', 'address', 'port', 'connections', 'requests']];
    for (const { app } of servers) {
      const a = [...zoneAddrs].find((x) => app.host.ifaces.some((i) => i.hasAddr(x)))!;
      rows.push([app.host.name, fmtIp(a), String(app.port), String(app.stats.connections), String(app.stats.requests)]);
    }
    out.push(...table(rows, 2));
  }
  return out;
}

/** Rows as aligned columns: the first `left` columns left-aligned, the rest right-aligned. */
function table(rows: readonly string[][], left: number): string[] {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => `  ${r.map((x, c) => (c < left || c === r.length - 1 ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join('  ')}`.trimEnd());
}

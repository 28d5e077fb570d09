/**
 * The report `lblab run` prints after a run: what each application saw
 * (requests and outcomes, connects, pings, replays), a table per
 * load-balanced service, and the L7, DNS and high-availability reports.
 */
import { fmtIp } from '../wire/addr.js';
import { fmtTime } from '../sim/time.js';
import { LoadBalancer } from '../lb/node.js';
import type { BuiltScenario } from './built.js';
import { serverStats } from './server-stats.js';
import { dnsReport } from './dns-report.js';
import { proxyReport } from './l7.js';
import { haReport } from './ha.js';

/**
 * A table per load-balanced service: for each server, its state, the
 * connections the LB scheduled to it and those still in its table, the
 * client requests it answered, the bytes its HTTP server sent, the
 * response times the clients measured for its requests, and its health
 * check's probes and verdict changes (src/assemble/server-stats.ts).
 */
export function serviceReport(built: BuiltScenario): string[] {
  const out: string[] = [];
  const ms = (ns: number): string => `${(ns / 1e6).toFixed(3)}ms`;
  const all = serverStats(built);
  for (const node of built.net.nodes.values()) {
    if (!(node instanceof LoadBalancer)) continue;
    for (const svc of node.services) {
      out.push(`${node.name}/${svc.cfg.name}: ${fmtIp(svc.cfg.vip)}:${svc.cfg.port}/${svc.cfg.proto}, mode ${svc.mode}, scheduler ${svc.sched.name}`);
      const stats = all.filter((x) => x.lb === node.name && x.service === svc.cfg.name);
      const checked = stats.some((x) => x.checks !== null);
      const rows = [['server', 'state', 'weight', 'conns', 'active', 'inactive', 'requests', 'bytes out', 'mean', 'p99', ...(checked ? ['checks ok/failed', 'health'] : [])]];
      for (const x of stats) {
        const health = x.transitions.map((t) => `${t.up ? 'up' : 'down'} ${fmtTime(t.at)}${t.up ? '' : ` (${t.reason.replace(/ \(.*$/, '')})`}`).join(', ');
        rows.push([
          x.server,
          x.state,
          String(x.weight),
          String(x.connections),
          String(x.active),
          String(x.inactive),
          String(x.requests),
          x.bytes !== null ? String(x.bytes) : '-',
          x.meanNs !== null ? ms(x.meanNs) : '-',
          x.p99Ns !== null ? ms(x.p99Ns) : '-',
          ...(checked ? [x.checks ? `${x.checks.kind} ${x.checks.passes}/${x.checks.failures}` : '-', health || (x.checks ? 'up throughout' : '-')] : []),
        ]);
      }
      const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      const left = (c: number): boolean => c < 2 || c >= 10;
      for (const r of rows) out.push(`  ${r.map((x, c) => (left(c) ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join('  ')}`.trimEnd());
    }
  }
  return out;
}

/** Lines describing what the applications saw, after a run. */
export function appReport(built: BuiltScenario): string[] {
  const out: string[] = [];
  for (const { app } of built.apps.httpClients) {
    const s = app.summary();
    const outcomes = Object.entries(s.byOutcome).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
    const servers = Object.entries(s.byServer).map(([k, n]) => `${k} ${n}`).join(', ');
    const rt = s.responseTime ? `; response time mean ${(s.responseTime.mean / 1e6).toFixed(3)}ms, p99 ${(s.responseTime.p99 / 1e6).toFixed(3)}ms` : '';
    out.push(`${app.host.name} -> ${app.target}: ${s.total} requests: ${outcomes}${servers ? `; served by ${servers}` : ''}${rt}`);
  }
  for (const { app } of built.apps.connects) out.push(`${app.host.name} connect ${fmtIp(app.dst)}:${app.port}: ${app.outcome}${app.error ? ` (${app.error})` : ''}`);
  for (const { app } of built.apps.pings) {
    for (const r of app.results) out.push(`${app.host.name}: ping ${fmtIp(app.dst)} seq=${r.seq} ${r.rtt !== null ? `time=${r.rtt / 1000}us` : (r.error ?? 'no reply')}`);
  }
  for (const { spec, plan } of built.apps.replays) {
    const by = new Map<string, number>();
    for (const f of plan.flows) by.set(f.outcome, (by.get(f.outcome) ?? 0) + 1);
    out.push(`replay of ${spec.written}: ${plan.flows.length} flows: ${[...by.entries()].map(([k, n]) => `${k} ${n}`).join(', ')}${plan.skipped.length ? `; ${plan.skipped.length} packets skipped` : ''}`);
  }
  return [...out, ...serviceReport(built), ...proxyReport(built.net), ...dnsReport(built), ...haReport(built.net, built.apps.httpClients.map((c) => c.app))];
}

/**
 * Per-server numbers of every load-balanced service after a run: what the
 * report table at the end of `lblab run` prints and what `server_stat`
 * expectations assert (through the grader's input). One place computes
 * them, so the table and the grade never disagree.
 */
import { LoadBalancer } from '../lb/node.js';
import { timeStats } from '../apps/http-client.js';
import type { HealthTransition } from '../lb/health.js';
import type { BuiltScenario } from './built.js';

/** The numbers of one real server of one service. */
export interface ServerStats {
  readonly lb: string;
  readonly service: string;
  readonly server: string;
  readonly state: string;
  readonly weight: number;
  /** Connections the LB scheduled to it, and those still in its table (active / inactive). */
  readonly connections: number;
  readonly active: number;
  readonly inactive: number;
  /** Client requests it answered (HTTP clients' completed requests naming it). */
  readonly requests: number;
  /** Bytes its HTTP server sent (health-check answers included), or null without one. */
  readonly bytes: number | null;
  /** Mean and 99th percentile of those requests' response times (ns), or null. */
  readonly meanNs: number | null;
  readonly p99Ns: number | null;
  /** Its health check's verdict changes (empty without a check), and its probes passed / failed. */
  readonly transitions: readonly HealthTransition[];
  readonly checks: { readonly kind: string; readonly passes: number; readonly failures: number } | null;
}

/** Every server of every service of every LB, in node, service and server order. */
export function serverStats(built: BuiltScenario): ServerStats[] {
  const times = new Map<string, number[]>();
  for (const { spec, app } of built.apps.httpClients) {
    const port = spec.kind === 'http-client' ? spec.port : 80;
    for (const r of app.results) {
      if (r.outcome !== 'completed' || r.server === null || r.responseTime === null) continue;
      // Keyed by where the client sent it (the VIP and port) and who answered, so two services sharing servers stay apart.
      const k = `${app.dst}:${port}/${r.server}`;
      const xs = times.get(k) ?? [];
      xs.push(r.responseTime);
      times.set(k, xs);
    }
  }
  const out: ServerStats[] = [];
  for (const node of built.net.nodes.values()) {
    if (!(node instanceof LoadBalancer)) continue;
    for (const svc of node.services) {
      svc.backends.forEach((b, i) => {
        const srv = svc.servers[i]!;
        const app = built.apps.httpServers.find((h) => h.app.port === srv.port && h.app.host.ifaces.some((f) => f.hasAddr(srv.addr)))?.app;
        const t = timeStats(times.get(`${svc.cfg.vip}:${svc.cfg.port}/${b.name}`) ?? []);
        const m = svc.monitors[i] ?? null;
        out.push({
          lb: node.name,
          service: svc.cfg.name,
          server: b.name,
          state: b.state,
          weight: b.weight,
          connections: svc.served[i]!,
          active: b.active,
          inactive: b.inactive,
          requests: t ? t.count : 0,
          bytes: app ? app.stats.bytesOut : null,
          meanNs: t ? t.mean : null,
          p99Ns: t ? t.p99 : null,
          transitions: m ? m.transitions : [],
          checks: m ? { kind: m.cfg.kind, passes: m.passes, failures: m.failures } : null,
        });
      });
    }
  }
  return out;
}

/**
 * The after-run report of the L7 proxies of a built scenario: per proxy, the
 * connections on each side, the requests by verdict, the CPU model's
 * utilisation and queueing, the cache, and per pool the requests each
 * server was sent.
 */
import { fmtIp } from '../wire/addr.js';
import { LoadBalancer } from '../lb/node.js';
import type { Network } from '../net/network.js';

/** Lines describing each L7 proxy after a run. */
export function proxyReport(net: Network): string[] {
  const out: string[] = [];
  for (const node of net.nodes.values()) {
    if (!(node instanceof LoadBalancer)) continue;
    for (const p of node.proxies.values()) {
      const s = p.stats;
      const verdicts = [...s.verdicts.entries()].map(([k, n]) => `${k} ${n}`).join(', ');
      out.push(`${p.service}: L7 proxy on ${fmtIp(p.cfg.vip)}:${p.cfg.port}: ${s.requests} requests (${verdicts || 'none answered'}); ${s.clientConnections} client connections, ${s.serverConnections} server connections`);
      const cpu = p.cpu;
      const waited = cpu.jobs > 0 ? cpu.waited / cpu.jobs / 1e6 : 0;
      if (cpu.spent > 0) {
        const span = (cpu.lastAt - cpu.firstAt) / 1e9;
        out.push(`  cpu: ${(cpu.utilisation() * 100).toFixed(1)}% of ${p.cfg.cpu.cores} core${p.cfg.cpu.cores === 1 ? '' : 's'} busy over the ${span.toFixed(3)}s with work (${(cpu.spent / 1e6).toFixed(3)}ms spent on ${cpu.jobs} jobs, mean wait for a core ${waited.toFixed(3)}ms)`);
      }
      if (s.connectFailures || s.redispatches) out.push(`  ${s.connectFailures} failed connection attempts, ${s.redispatches} redispatches`);
      if (p.cache) out.push(`  cache: ${p.cache.count} entries held`);
      for (const pool of p.pools) {
        out.push(`  pool ${pool.cfg.name}: ${pool.cfg.servers.map((sv, i) => `${sv.name} ${pool.served[i]}${pool.backends[i]!.state !== 'enabled' ? ` (${pool.backends[i]!.state})` : ''}`).join(', ')}`);
      }
    }
  }
  return out;
}

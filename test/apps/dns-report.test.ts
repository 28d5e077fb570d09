/**
 * The DNS part of the run report: what dns1 answered, each resolver's
 * lookups, hits and queries, and the requests of the servers reached by
 * name (only the ports clients use by name, not a port behind a VIP).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import { dnsReport } from '../../src/assemble/dns-report.js';

function report(name: string): string[] {
  const r = loadScenario(`scenarios/${name}.yaml`, (p) => readFileSync(p, 'utf8'));
  if (!r.ok) throw new Error(`${name} does not load`);
  const built = buildScenario(r.scenario);
  built.net.run(r.scenario.run.until ?? undefined);
  return dnsReport(built);
}

describe('the DNS report', () => {
  it('counts answers per first address, resolver work and requests per server', () => {
    expect(report('dns-round-robin')).toEqual([
      'dns dns1: 12 queries answered (NOERROR 12); first address: 10.0.1.11 (web1) 4, 10.0.1.12 (web2) 4, 10.0.1.13 (web3) 4',
      '  resolver               name          cache  lookups  hits  queries  failures  first address used',
      '  client1 http-client 0  shop.example  ttl         12     9        3         0  10.0.1.11 (web1) 5, 10.0.1.12 (web2) 5, 10.0.1.13 (web3) 2',
      '  client2 http-client 0  shop.example  ttl         12     9        3         0  10.0.1.11 (web1) 2, 10.0.1.12 (web2) 5, 10.0.1.13 (web3) 5',
      '  client3 http-client 0  shop.example  ttl         12     9        3         0  10.0.1.11 (web1) 5, 10.0.1.12 (web2) 2, 10.0.1.13 (web3) 5',
      '  client4 http-client 0  shop.example  ttl         12     9        3         0  10.0.1.11 (web1) 5, 10.0.1.12 (web2) 5, 10.0.1.13 (web3) 2',
      'servers reached by DNS name:',
      '  server  address    port  connections  requests',
      '  web1    10.0.1.11    80           17  17',
      '  web2    10.0.1.12    80           17  17',
      '  web3    10.0.1.13    80           14  14',
    ]);
  });

  it('leaves out the servers\' VIP port and scenarios without DNS', () => {
    const lines = report('dns-rr-caching');
    expect(lines.filter((l) => /^ {2}web\d/.test(l)).map((l) => l.split(/\s+/).slice(1, 5).join(' '))).toEqual(['web1 10.0.1.11 80 60', 'web2 10.0.1.12 80 15', 'web3 10.0.1.13 80 15']);
    expect(report('sched-round-robin')).toEqual([]);
  });
});

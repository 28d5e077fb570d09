/**
 * What `lblab run` prints about an active/standby pair (src/assemble/ha.ts):
 * each LB's final state, the state changes in time order, the split-brain
 * line, and for each takeover the clients' gap and the distinct client
 * frames lost in it, on the built-in scenarios.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildScenario } from '../../src/assemble/scenario.js';
import { appReport } from '../../src/assemble/report.js';
import { haReport, takeovers } from '../../src/assemble/ha.js';
import { loadFromDisk, locate } from '../../src/cli/scenarios.js';

function run(name: string) {
  const r = loadFromDisk(locate(name)!);
  if (!r.ok) throw new Error(`${name} does not load`);
  const built = buildScenario(r.scenario, { readBinary: (p) => readFileSync(p) });
  built.net.run(r.scenario.run.until ?? undefined);
  return built;
}

describe('the VRRP run report', () => {
  it('vrrp-master-dies: states, the takeover, its gap and the client frames lost', () => {
    const built = run('vrrp-master-dies');
    const lines = haReport(built.net, built.apps.httpClients.map((c) => c.app));
    expect(lines).toEqual([
      'VRRP:',
      '  lb1 vrid 51 priority 150: INIT at the end; master 1 time, 7 advertisements, 10 gratuitous ARPs',
      '  lb2 vrid 51 priority 100: MASTER at the end; master 1 time, 17 advertisements, 10 gratuitous ARPs',
      "      0.000000s  lb1 BACKUP: starts; it waits 3414.063ms (Master_Down_Interval) for a master's advertisement",
      "      0.000000s  lb2 BACKUP: starts; it waits 3609.375ms (Master_Down_Interval) for a master's advertisement",
      '   3.414062500s  lb1 MASTER: no advertisement for Master_Down_Interval 3414.063ms (3 x 1000ms + skew 414.063ms)',
      '     10.000000s  lb1 INIT: is down: no more advertisements',
      '  13.023458524s  lb2 MASTER: no advertisement for Master_Down_Interval 3609.375ms (3 x 1000ms + skew 609.375ms)',
      '  takeover at 13.023458524s by lb2: clients had no completed request for 3.400042s (9.800220400s to 13.200262448s), 34 client frames lost',
    ]);
    // appReport carries them after the service tables.
    expect(appReport(built).slice(-lines.length)).toEqual(lines);
  });

  it('vrrp-split-brain: both masters at the end are named', () => {
    const built = run('vrrp-split-brain');
    const lines = haReport(built.net, built.apps.httpClients.map((c) => c.app));
    expect(lines).toContain('  split brain: lb1 and lb2 are both master at 35.000000s, each holding 10.0.1.100');
  });

  it('vrrp-preemption: two takeovers, the planned one far shorter', () => {
    const built = run('vrrp-preemption');
    const ks = takeovers(built.net, built.apps.httpClients.map((c) => c.app));
    expect(ks.map((k) => [k.node, k.t, k.gap && k.gap.to - k.gap.from, k.lost])).toEqual([
      ['lb2', 13_023_458_524, 3_400_042_048, 34],
      // lb1 rebooted at 15 s with an empty ARP table: its first forwarded request waits one ARP round trip (42 us).
      ['lb1', 23_414_062_500, 200_042_048, 0],
    ]);
  });

  it('says nothing for a scenario without VRRP', () => {
    const built = run('mode-dsr');
    expect(haReport(built.net, [])).toEqual([]);
  });
});

describe('an L7 proxy pair behind one VRRP address', () => {
  it('the proxy VIP floats: only the master holds it, and the backup takes over with the same 3.4 s gap', async () => {
    const { loadScenario } = await import('../../src/scenario/index.js');
    const lb = (n: number, prio: number) => `
  lb${n}:
    kind: lb
    interfaces: { eth0: 10.0.1.${4 + n}/24 }
    gateway: 10.0.1.1
    vrrp: { vrid: 51, priority: ${prio}, interface: eth0, addresses: [10.0.1.200] }
    proxies: { web: { vip: 10.0.1.200, pools: { web: [web1, web2] } } }`;
    const yaml = `lblab: 1
title: proxies on a VRRP pair
nodes:
  client: { kind: host, interfaces: { eth0: 10.0.0.10/24 }, gateway: 10.0.0.1 }
  r1: { kind: router, interfaces: { eth0: 10.0.0.1/24, eth1: 10.0.1.1/24 } }
  sw1: { kind: switch }
  sw2: { kind: switch }${lb(1, 150)}${lb(2, 100)}
  web1: { kind: host, interfaces: { eth0: 10.0.1.11/24 }, gateway: 10.0.1.1 }
  web2: { kind: host, interfaces: { eth0: 10.0.1.12/24 }, gateway: 10.0.1.1 }
links: [[r1:eth0, sw1], [client:eth0, sw1], [r1:eth1, sw2], [lb1:eth0, sw2], [lb2:eth0, sw2], [web1:eth0, sw2], [web2:eth0, sw2]]
apps:
  - { kind: http-server, on: web1 }
  - { kind: http-server, on: web2 }
  - { kind: http-client, on: client, to: 10.0.1.200, requests: 90, rate: 5/s, start: 5s }
timeline: [{ at: 10s, fail: lb1 }]
run: { until: 30s }
`;
    const r = loadScenario('pair.yaml', () => yaml);
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
    const built = buildScenario(r.scenario);
    built.net.run(9 * 1e9);
    const [lb1, lb2] = [built.net.node('lb1')!, built.net.node('lb2')!] as unknown as { isLocal(a: number): boolean }[];
    expect([lb1!.isLocal(0x0a0001c8), lb2!.isLocal(0x0a0001c8)]).toEqual([true, false]);
    built.net.run(30 * 1e9);
    const client = built.apps.httpClients[0]!.app;
    expect(client.summary().byOutcome['completed']).toBe(90);
    const ks = takeovers(built.net, [client]);
    expect(ks.map((k) => [k.node, k.gap && k.gap.to - k.gap.from])).toEqual([['lb2', 3_400_084_096]]);
  });
});

/**
 * What `lblab run` prints about an active/standby pair (src/build/ha.ts):
 * each LB's final state, the state changes in time order, the split-brain
 * line, and for each takeover the clients' gap and the distinct client
 * frames lost in it, on the built-in scenarios.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appReport, buildScenario } from '../../src/build/scenario.js';
import { haReport, takeovers } from '../../src/build/ha.js';
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
      "     0.000000s  lb1 BACKUP: starts; it waits 3414.063ms (Master_Down_Interval) for a master's advertisement",
      "     0.000000s  lb2 BACKUP: starts; it waits 3609.375ms (Master_Down_Interval) for a master's advertisement",
      '  3.414062500s  lb1 MASTER: no advertisement for Master_Down_Interval 3414.063ms (3 x 1000ms + skew 414.063ms)',
      '    10.000000s  lb1 INIT: is down: no more advertisements',
      '  13.023458524s  lb2 MASTER: no advertisement for Master_Down_Interval 3609.375ms (3 x 1000ms + skew 609.375ms)',
      '  takeover at 13.023458524s by lb2: clients had no completed request for 3.400042s (9.800220496s to 13.200262544s), 34 client frames lost',
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
      ['lb1', 23_414_062_500, 200_000_000, 0],
    ]);
  });

  it('says nothing for a scenario without VRRP', () => {
    const built = run('mode-dsr');
    expect(haReport(built.net, [])).toEqual([]);
  });
});

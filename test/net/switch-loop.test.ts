/**
 * A loop of switches (issue 17 item 5): the broadcast storm happens, as
 * without STP, but the run stops after a few rounds with a finding that
 * names the links of the loop and the fix, instead of running to the event
 * budget with gigabytes of output.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/index.js';
import { loadScenario } from '../../src/scenario/index.js';

function run(text: string) {
  const r = loadScenario('loop.yaml', () => text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return simulate(r.scenario);
}

describe('a broadcast storm in a loop of switches', () => {
  it('three switches in a triangle and one ARP: stopped within a few hundred events, naming the loop and STP', () => {
    const s = run(readFileSync('fixtures/bad/switch-loop.yaml', 'utf8'));
    expect(s.result.reason).toBe('stopped');
    expect(s.result.events).toBeLessThan(1000);
    expect(s.result.message).toMatch(/^stopped at 0\.\d+s: broadcast storm: the same flooded frame came back to sw1 32 times \(on p3\); the links sw1:p3-sw3:p2, sw3:p1-sw2:p3, sw2:p2-sw1:p2 form a loop, and Ethernet frames have no TTL to end it\. Real switches run STP \(IEEE 802\.1D\)/);
    // The storm is shown, not hidden: the same ARP request is flooded round the loop again and again.
    const floods = s.events.filter((e) => e.kind === 'forward' && e.node === 'sw3').length;
    expect(floods).toBeGreaterThan(30);
    expect(s.events.filter((e) => e.kind === 'drop' && e.code === 'switch-loop')).toHaveLength(1);
  });

  it('four switches fully meshed (the storm multiplies): still stopped early', () => {
    const s = run(`lblab: 1
title: mesh
nodes:
  a: { kind: host, interfaces: { eth0: 10.0.0.1/24 } }
  sw1: { kind: switch }
  sw2: { kind: switch }
  sw3: { kind: switch }
  sw4: { kind: switch }
links: [[a:eth0, sw1], [sw1, sw2], [sw1, sw3], [sw1, sw4], [sw2, sw3], [sw2, sw4], [sw3, sw4]]
apps:
  - { kind: ping, on: a, to: 10.0.0.9, count: 1 }
`);
    expect(s.result.reason).toBe('stopped');
    expect(s.result.events).toBeLessThan(20_000);
    expect(s.result.message).toContain('form a loop');
  });

  it('two parallel links between two switches are a loop too; aggregated, they are not', () => {
    const text = (agg: string) => `lblab: 1
title: parallel
nodes:
  a: { kind: host, interfaces: { eth0: 10.0.0.1/24 } }
  b: { kind: host, interfaces: { eth0: 10.0.0.2/24 } }
  sw1: { kind: switch${agg ? ', ports: [p1, p2, p3], aggregate: [[p2, p3]]' : ''} }
  sw2: { kind: switch${agg ? ', ports: [p1, p2, p3], aggregate: [[p2, p3]]' : ''} }
links: [[a:eth0, sw1${agg ? ':p1' : ''}], [b:eth0, sw2${agg ? ':p1' : ''}], [sw1${agg ? ':p2' : ''}, sw2${agg ? ':p2' : ''}], [sw1${agg ? ':p3' : ''}, sw2${agg ? ':p3' : ''}]]
apps:
  - { kind: ping, on: a, to: 10.0.0.2, count: 2 }
`;
    const loop = run(text(''));
    expect(loop.result.message).toMatch(/the links sw[12]:p\d-sw[12]:p\d, sw[12]:p\d-sw[12]:p\d form a loop/);
    const lag = run(text('yes'));
    expect(lag.result.reason).toBe('idle');
    expect(lag.built.apps.pings[0]!.app.results.filter((r) => r.rtt !== null)).toHaveLength(2);
  });
});

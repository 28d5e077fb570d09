/**
 * The detection matrix: for each way a server can fail (injected from a
 * scenario timeline) and each kind of health check, does the check take the
 * server down, and after how much simulated time? One run per cell: c1
 * calls vip:shop (10/s) through lb1, whose only server is web1 with the
 * check under test (interval 1 s, timeout 500 ms, fall 3, rise 2).
 *
 * Bounds: probes run on a fixed grid, so the third failing probe starts at
 * most 3 intervals after the failure, and the verdict comes at most a
 * timeout later: (fall - 1) x interval < detection <= fall x interval + timeout.
 * docs/health-checks.md quotes the table this test prints.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import { LoadBalancer } from '../../src/lb/node.js';
import type { HealthCheckKind } from '../../src/lb/health.js';
import { MS, SEC } from '../../src/sim/time.js';

const FAIL_AT = 10_250 * MS;
const INTERVAL = 1 * SEC;
const TIMEOUT = 500 * MS;
const FALL = 3;

const FAILURES = {
  'host down': '{ at: 10250ms, fail: web1 }',
  'link down': '{ at: 10250ms, link_down: [web1:eth0, sw2] }',
  'port closed': '{ at: 10250ms, stop_server: web1 }',
  'HTTP 500': '{ at: 10250ms, http_status: { on: web1, value: 500 } }',
  'wrong content': '{ at: 10250ms, http_body: { on: web1, value: "maintenance\\n" } }',
  'too slow': '{ at: 10250ms, service_time: { on: web1, value: 3s } }',
  overloaded: '{ at: 10250ms, stop_accepting: web1 }',
} as const;
type Failure = keyof typeof FAILURES;

const CHECKS: readonly HealthCheckKind[] = ['icmp', 'tcp', 'tcp-half-open', 'http', 'http-content'];

function scenario(failure: Failure, check: HealthCheckKind): string {
  const contains = check === 'http-content' ? ', contains: "web1 ok"' : '';
  return `
lblab: 1
title: matrix
nodes:
  c1: { kind: host, interfaces: { eth0: 10.0.0.10/24 }, gateway: 10.0.0.1 }
  sw1: { kind: switch }
  lb1:
    kind: lb
    interfaces: { eth0: 10.0.0.1/24, eth1: 10.0.1.1/24 }
    services:
      shop:
        vip: 10.0.0.100
        port: 80
        mode: nat
        health: { kind: ${check}, interval: 1s, timeout: 500ms, rise: 2, fall: ${FALL}${contains} }
        servers: [web1]
  sw2: { kind: switch }
  web1: { kind: host, interfaces: { eth0: 10.0.1.11/24 }, gateway: 10.0.1.1 }
links:
  - [lb1:eth0, sw1]
  - [c1:eth0, sw1]
  - [lb1:eth1, sw2]
  - [web1:eth0, sw2]
apps:
  - { kind: http-server, on: web1, body: "web1 ok\\n", backlog: 4 }
  - { kind: http-client, on: c1, to: vip:shop, requests: 250, rate: 10/s, timeout: 2s }
timeline:
  - ${FAILURES[failure]}
run: { until: 25s }
`;
}

/** Runs one cell: the time from the failure to the down verdict, or null when the check never saw it. */
function detect(failure: Failure, check: HealthCheckKind): { ns: number | null; reason: string | null; before: number } {
  const r = parseScenario(scenario(failure, check), 'matrix.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  const built = buildScenario(r.scenario);
  built.net.sim.run(25 * SEC);
  const lb = built.net.node('lb1') as LoadBalancer;
  const m = lb.services[0]!.monitors[0]!;
  const before = m.transitions.filter((t) => t.at < FAIL_AT).length;
  const down = m.transitions.find((t) => !t.up && t.at >= FAIL_AT);
  return { ns: down ? down.at - FAIL_AT : null, reason: down ? down.reason : null, before };
}

/** Which checks see which failure (true = the server is taken down). */
const EXPECTED: Record<Failure, Record<HealthCheckKind, boolean>> = {
  'host down': { icmp: true, tcp: true, 'tcp-half-open': true, http: true, 'http-content': true },
  'link down': { icmp: true, tcp: true, 'tcp-half-open': true, http: true, 'http-content': true },
  'port closed': { icmp: false, tcp: true, 'tcp-half-open': true, http: true, 'http-content': true },
  'HTTP 500': { icmp: false, tcp: false, 'tcp-half-open': false, http: true, 'http-content': true },
  'wrong content': { icmp: false, tcp: false, 'tcp-half-open': false, http: false, 'http-content': true },
  'too slow': { icmp: false, tcp: false, 'tcp-half-open': false, http: true, 'http-content': true },
  overloaded: { icmp: false, tcp: true, 'tcp-half-open': true, http: true, 'http-content': true },
};

describe('health check detection matrix', () => {
  const rows: string[] = [];
  for (const failure of Object.keys(FAILURES) as Failure[]) {
    it(`${failure}: the checks that see it take web1 down within fall x interval + timeout`, () => {
      const cells: string[] = [];
      for (const check of CHECKS) {
        const d = detect(failure, check);
        expect(d.before, `${check} flaps before the failure`).toBe(0);
        expect(d.ns !== null, `${failure} / ${check}`).toBe(EXPECTED[failure][check]);
        if (d.ns !== null) {
          expect(d.ns, `${failure} / ${check}`).toBeGreaterThan((FALL - 1) * INTERVAL);
          expect(d.ns, `${failure} / ${check}`).toBeLessThanOrEqual(FALL * INTERVAL + TIMEOUT);
        }
        cells.push(d.ns === null ? 'not detected' : `${(d.ns / SEC).toFixed(3)} s (${d.reason!.replace(/ \(.*$/, '')})`);
      }
      rows.push(`| ${failure} | ${cells.join(' | ')} |`);
    });
  }
  it('prints the table (for docs/health-checks.md)', () => {
    if (process.env['LBLAB_PRINT_MATRIX']) console.log([`| failure | ${CHECKS.join(' | ')} |`, `|---|${CHECKS.map(() => '---').join('|')}|`, ...rows].join('\n'));
    expect(rows.length).toBe(Object.keys(FAILURES).length);
  });
});

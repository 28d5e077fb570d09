/**
 * A failed host is powered off (net/host.ts powerOff): it sends nothing,
 * its applications' and kernel's timers die with it; on restore it boots
 * with empty socket tables and starts its services again as new processes,
 * so a segment of a connection it had answers RST and a new connection
 * gets a fresh ISN.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import type { LoadBalancer } from '../../src/lb/node.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { TraceEvent, TxEvent } from '../../src/trace/events.js';
import { TCP_FLAG, type Ipv4, type Tcp } from '../../src/wire/types.js';
import { SEC } from '../../src/sim/time.js';

function run(apps: string, timeline: string, until: number, health = '') {
  const text = `
lblab: 1
title: t
nodes:
  c1: { kind: host, interfaces: { eth0: 10.0.0.10/24 }, gateway: 10.0.0.1 }
  sw1: { kind: switch }
  lb1:
    kind: lb
    interfaces: { eth0: 10.0.0.1/24, eth1: 10.0.1.1/24 }
    services:
      shop: { vip: 10.0.0.100, port: 80, mode: nat, servers: [web1]${health} }
  sw2: { kind: switch }
  web1: { kind: host, interfaces: { eth0: 10.0.1.11/24 }, gateway: 10.0.1.1 }
links:
  - [lb1:eth0, sw1]
  - [c1:eth0, sw1]
  - [lb1:eth1, sw2]
  - [web1:eth0, sw2]
apps:
  - { kind: http-server, on: web1 }
${apps}
timeline:
${timeline}
run: { until: ${until / 1e6}ms }
`;
  const r = parseScenario(text, 't.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  const built = buildScenario(r.scenario);
  const rec = new FullRecorder(built.net.trace);
  built.net.run(until);
  return { built, rec };
}

function txOf(events: readonly TraceEvent[], node: string): (TxEvent & { tcp: Tcp | null })[] {
  return events
    .filter((e): e is TxEvent => e.kind === 'tx' && e.node === node)
    .map((e) => {
      const p = e.frame.eth.payload;
      const l4 = p.kind === 'ipv4' ? (p as Ipv4).payload : null;
      return { ...e, tcp: l4 && l4.kind === 'tcp' ? l4 : null };
    });
}

describe('a failed host is powered off and boots again', () => {
  it('a server sends nothing while down; after the boot an old connection gets RST and a new one a fresh ISN', () => {
    const { built, rec } = run(
      '  - { kind: http-client, on: c1, to: 10.0.1.11, requests: 3, keepalive: true, think_time: 2s }',
      '  - { at: 1s, fail: web1 }\n  - { at: 3s, restore: web1 }',
      20 * SEC,
    );
    const tx = txOf(rec.events, 'web1');
    expect(tx.filter((e) => e.t > 1 * SEC && e.t < 3 * SEC)).toEqual([]);
    const notes = rec.events.filter((e) => e.kind === 'state' && e.node === 'web1' && e.change.what === 'note').map((e) => (e.kind === 'state' ? e.text : ''));
    expect(notes[0]).toMatch(/^web1 fails: power off, it stops sending and answering; 1 TCP connection, 1 listener and 0 UDP sockets vanish without a segment, and http-server web1:80 stops$/);
    expect(notes[1]).toBe('web1 is back up: it boots with empty socket and ARP tables and starts http-server web1:80 again as new processes');
    // The client's request 1 went out at 2 s on the kept-alive connection; its retransmission after the boot finds no socket.
    const rst = tx.find((e) => e.t > 3 * SEC && e.tcp && e.tcp.flags & TCP_FLAG.RST)!;
    expect(rst.tcp!.flags).toBe(TCP_FLAG.RST);
    const synacks = tx.filter((e) => e.tcp && e.tcp.flags === (TCP_FLAG.SYN | TCP_FLAG.ACK));
    expect(synacks.length).toBe(2);
    expect(synacks[0]!.t).toBeLessThan(1 * SEC);
    expect(synacks[1]!.t).toBeGreaterThan(rst.t);
    expect(synacks[1]!.tcp!.seq).not.toBe(synacks[0]!.tcp!.seq);
    const c = built.apps.httpClients[0]!.app;
    expect(c.results.map((x) => x.outcome)).toEqual(['completed', 'reset', 'completed']);
  });

  it('a client host stops retrying while down and is not run again after the boot', () => {
    const { built, rec } = run(
      '  - { kind: http-client, on: c1, to: 10.0.1.99, requests: 5, rate: 1/s }',
      '  - { at: 2500ms, fail: c1 }\n  - { at: 4s, restore: c1 }',
      30 * SEC,
    );
    const tx = txOf(rec.events, 'c1');
    expect(tx.length).toBeGreaterThan(0);
    // Without the cut the SYN retransmissions and the next two requests would go on past 2.5 s.
    expect(tx.filter((e) => e.t > 2.5 * SEC && e.t < 4 * SEC)).toEqual([]);
    // After the boot it only answers the LB's ARP probe (8 s, lb1's entry for it going stale): the client is not run again.
    expect(tx.filter((e) => e.t >= 4 * SEC).map((e) => e.frame.eth.payload.kind)).toEqual(['arp']);
    const c = built.apps.httpClients[0]!.app;
    expect(c.results.map((x) => x.outcome)).toEqual(['host-down', 'host-down', 'host-down']);
    expect(c.results.every((x) => x.doneAt === 2.5 * SEC)).toBe(true);
  });

  it('a load balancer stops probing while down and probes again after the boot; its connection table is empty', () => {
    const { built, rec } = run(
      '  - { kind: http-client, on: c1, to: 10.0.0.100, requests: 1, keepalive: true }',
      '  - { at: 2s, fail: lb1 }\n  - { at: 6s, restore: lb1 }',
      10 * SEC,
      ', health: { kind: tcp, interval: 1s, timeout: 500ms }',
    );
    const lb = built.net.node('lb1') as LoadBalancer;
    const syns = txOf(rec.events, 'lb1').filter((e) => e.iface === 'eth1' && e.tcp && e.tcp.flags === TCP_FLAG.SYN);
    const at = syns.map((e) => Math.round(e.t / 1e8) / 10);
    expect(at.filter((t) => t > 2 && t < 6)).toEqual([]);
    // 0 s twice: the client's SYN forwarded by NAT, and the first probe; the fail at 2 s comes before the probe due then.
    expect(at).toEqual([0, 0, 1, 6, 7, 8, 9, 10]); // probing starts again at the boot, its first probe at once
    const dels = rec.events.filter((e) => e.kind === 'state' && e.node === 'lb1' && e.change.what === 'lb-conn' && e.change.op === 'del');
    expect(dels.map((e) => (e.kind === 'state' ? e.text : ''))).toContain('lb1 forgets 10.0.0.10:' + String(built.apps.httpClients[0]!.app.results[0]!.localPort) + ' -> web1 (lb1 lost power)');
    expect(lb.connections()).toEqual([]);
  });
});

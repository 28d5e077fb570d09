/**
 * Health checks inside a virtual service, through the scenario layer:
 * probes are not balanced and leave the connection table alone; a down
 * server is skipped by the scheduler and restored after `rise` passes;
 * `on_down: reset` resets its open connections (RST to both ends) while
 * `keep` leaves them to time out; the state an operator set comes back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import { LoadBalancer } from '../../src/lb/node.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { TxEvent } from '../../src/trace/events.js';
import { ip } from '../../src/wire/addr.js';
import { TCP_FLAG, type Ipv4 } from '../../src/wire/types.js';
import { MS, SEC } from '../../src/sim/time.js';

function run(opts: { health: string; onDown?: string; apps?: string; timeline?: string; until: number; extra?: string }) {
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
      shop:
        vip: 10.0.0.100
        port: 80
        mode: nat
        health: ${opts.health}
        on_down: ${opts.onDown ?? 'keep'}
${opts.extra ?? ''}
        servers: [web1, web2]
  sw2: { kind: switch }
  web1: { kind: host, interfaces: { eth0: 10.0.1.11/24 }, gateway: 10.0.1.1 }
  web2: { kind: host, interfaces: { eth0: 10.0.1.12/24 }, gateway: 10.0.1.1 }
links:
  - [lb1:eth0, sw1]
  - [c1:eth0, sw1]
  - [lb1:eth1, sw2]
  - [web1:eth0, sw2]
  - [web2:eth0, sw2]
apps:
  - { kind: http-server, on: web1 }
  - { kind: http-server, on: web2 }
${opts.apps ?? ''}
timeline:
${opts.timeline ?? '  []'}
run: { until: ${opts.until / 1e6}ms }
`.replace('timeline:\n  []', 'timeline: []');
  const r = parseScenario(text, 't.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  const built = buildScenario(r.scenario);
  const rec = new FullRecorder(built.net.trace);
  built.net.run(opts.until);
  const lb = built.net.node('lb1') as LoadBalancer;
  return { built, rec, lb, svc: lb.services[0]! };
}

describe('health checks in a service', () => {
  it('probes are not balanced: no connection entry, no scheduling, counters untouched', () => {
    const { svc, lb, rec } = run({ health: '{ kind: http, interval: 1s, timeout: 500ms }', until: 10 * SEC });
    expect(svc.monitors.map((m) => m!.passes)).toEqual([10, 10]);
    expect(svc.stats.conns).toBe(0);
    expect(svc.served).toEqual([0, 0]);
    expect(lb.connections()).toEqual([]);
    expect(svc.backends.map((b) => [b.active, b.inactive])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(rec.events.some((e) => e.kind === 'state' && e.change.what === 'lb-conn')).toBe(false);
    expect(rec.events.some((e) => e.kind === 'rewrite')).toBe(false);
  });

  it('the first probes of a pool are spread over one interval; a per-server check overrides the service one', () => {
    const { svc } = run({ health: 'tcp', until: 100 * MS });
    expect(svc.monitors.map((m) => m!.cfg.kind)).toEqual(['tcp', 'tcp']);
    expect(svc.monitors[0]!.probes).toBe(1); // at 0
    expect(svc.monitors[1]!.probes).toBe(0); // at interval / 2 = 1 s
  });

  it('an operator enabling a server the check holds down does not bring it back early; the check does, to enabled', () => {
    const { svc, rec } = run({
      health: '{ kind: tcp, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }',
      timeline: '  - { at: 1s, drain: lb1/shop/web2 }\n  - { at: 2200ms, stop_server: web2 }\n  - { at: 4s, enable: lb1/shop/web2 }\n  - { at: 6s, start_server: web2 }',
      until: 12 * SEC,
    });
    const states = rec.events.filter((e) => e.kind === 'state' && e.change.what === 'lb-server').map((e) => (e.kind === 'state' && e.change.what === 'lb-server' ? `${e.t / MS}ms ${e.change.state}` : ''));
    expect(states).toEqual(['1000ms draining', expect.stringMatching(/^3500\.\d+ms down$/), '4000ms down', expect.stringMatching(/^7500\.\d+ms enabled$/)]);
    expect(svc.backends[1]!.state).toBe('enabled');
  });

  it('a down server is skipped; rise passes bring it back, to the state the operator had set', () => {
    const { svc, rec } = run({
      health: '{ kind: tcp, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }',
      apps: '  - { kind: http-client, on: c1, to: vip:shop, requests: 40, rate: 4/s, start: 5s }',
      timeline: '  - { at: 1s, drain: lb1/shop/web2 }\n  - { at: 2200ms, stop_server: web2 }\n  - { at: 6s, start_server: web2 }',
      until: 12 * SEC,
    });
    const web2 = svc.monitors[1]!;
    // web2 probes at 0.5, 1.5, 2.5, 3.5 ... s: 2.5 and 3.5 are refused -> down at 3.5 s; 6.5 and 7.5 pass -> up at 7.5 s.
    expect(web2.transitions.map((t) => [t.up, t.at])).toEqual([
      [false, expect.closeTo(3.5 * SEC, -6)],
      [true, expect.closeTo(7.5 * SEC, -6)],
    ]);
    expect(svc.backends[1]!.state).toBe('draining');
    expect(svc.served[0]).toBeGreaterThan(20);
    expect(svc.served[1]).toBe(0);
    const states = rec.events.filter((e) => e.kind === 'state' && e.change.what === 'lb-server').map((e) => (e.kind === 'state' && e.change.what === 'lb-server' ? e.change.state : ''));
    expect(states).toEqual(['draining', 'down', 'draining']);
  });

  it('a down verdict drops the persistence entries of that server at once (lb-persist del), and the client is bound afresh', () => {
    const { svc, rec } = run({
      health: '{ kind: tcp, interval: 500ms, timeout: 250ms, fall: 2 }',
      extra: '        persistence: 300s',
      apps: '  - { kind: http-client, on: c1, to: vip:shop, requests: 2 }\n  - { kind: http-client, on: c1, to: vip:shop, requests: 2, start: 3s }',
      timeline: '  - { at: 1s, fail: web1 }',
      until: 4 * SEC,
    });
    const persist = rec.events.filter((e) => e.kind === 'state' && e.change.what === 'lb-persist');
    expect(persist.map((e) => (e.kind === 'state' && e.change.what === 'lb-persist' ? `${e.t / MS}ms ${e.change.op} ${e.change.key} ${e.change.server}` : ''))).toEqual(['0.063296ms add 10.0.0.10 web1', '1750ms del 10.0.0.10 web1', '3000.021248ms add 10.0.0.10 web2']);
    expect(svc.persist!.get(0x0a00000a)!.backend).toBe(1);
    expect(svc.served).toEqual([2, 2]);
  });

  it('on_down: reset sends RST|ACK to the client (from the VIP, at its RCV.NXT) and to the server, and forgets the connection', () => {
    const apps = '  - { kind: http-client, on: c1, to: vip:shop, requests: 6, keepalive: true, think_time: 1s }';
    const reset = run({ health: '{ kind: tcp, interval: 500ms, timeout: 250ms, fall: 2 }', onDown: 'reset', apps, timeline: '  - { at: 2500ms, fail: web1 }', until: 8 * SEC });
    const client = reset.built.apps.httpClients[0]!.app;
    expect(client.results.map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed', 'reset', 'completed', 'completed']);
    const down = reset.svc.monitors[0]!.transitions[0]!.at;
    const rsts = reset.rec.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node === 'lb1' && e.t === down && (e.frame.eth.payload as Ipv4).payload.kind === 'tcp' && (((e.frame.eth.payload as Ipv4).payload as { flags: number }).flags & TCP_FLAG.RST) !== 0);
    expect(rsts.map((e) => `${e.iface} ${(e.frame.eth.payload as Ipv4).src}`)).toEqual([`eth0 ${ip('10.0.0.100')}`, `eth1 ${ip('10.0.0.10')}`]);
    for (const e of rsts) {
      const seg = (e.frame.eth.payload as Ipv4).payload;
      expect(seg.kind === 'tcp' && seg.flags).toBe(TCP_FLAG.RST | TCP_FLAG.ACK);
    }
    // The client accepted it: its connection died with ECONNRESET at that instant, not by a timeout.
    const toClient = (rsts[0]!.frame.eth.payload as Ipv4).payload;
    expect(reset.rec.events.some((e) => e.kind === 'drop' && e.node === 'c1' && e.frame !== null && (e.frame.eth.payload as Ipv4).payload === toClient)).toBe(false);
    expect(reset.rec.events.some((e) => e.kind === 'state' && e.change.what === 'lb-conn' && e.change.op === 'del' && /on_down: reset/.test(e.text))).toBe(true);

    const keep = run({ health: '{ kind: tcp, interval: 500ms, timeout: 250ms, fall: 2 }', onDown: 'keep', apps, timeline: '  - { at: 2500ms, fail: web1 }', until: 8 * SEC });
    const k = keep.built.apps.httpClients[0]!.app;
    expect(k.results.slice(0, 4).map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed', 'pending']);
    expect(keep.lb.connections().length).toBe(1);
  });

  it('on_down: reset leaves entries of finished connections (TIME_WAIT) alone', () => {
    const { lb, rec } = run({
      health: '{ kind: tcp, interval: 500ms, timeout: 250ms, fall: 2 }',
      onDown: 'reset',
      apps: '  - { kind: http-client, on: c1, to: vip:shop, requests: 4 }',
      timeline: '  - { at: 1s, fail: web1 }',
      until: 3 * SEC,
    });
    const rsts = rec.events.filter((e) => e.kind === 'tx' && e.node === 'lb1' && e.frame.eth.payload.kind === 'ipv4' && e.frame.eth.payload.payload.kind === 'tcp' && (e.frame.eth.payload.payload.flags & TCP_FLAG.RST) !== 0);
    expect(rsts).toEqual([]);
    expect(lb.connections().map((c) => `${c.backend.name} ${c.stateName()}`)).toEqual(['web1 TIME_WAIT', 'web2 TIME_WAIT', 'web1 TIME_WAIT', 'web2 TIME_WAIT']);
  });

  it('on_down: reset in DSR mode: only the client is reset, at the ACK number it last sent', () => {
    // scenarios/mode-dsr.yaml with a health check, a keep-alive client and web1 failing at 5.5 s.
    let text = readFileSync(join(import.meta.dirname, '../../scenarios/mode-dsr.yaml'), 'utf8');
    text = text
      .replace('mode: dsr, scheduler: rr, servers', 'mode: dsr, scheduler: rr, health: { kind: tcp, interval: 500ms, timeout: 250ms, fall: 2 }, on_down: reset, servers')
      .replace('{ kind: http-server, on: web1 }', '{ kind: http-server, on: web1, idle_timeout: 0 }')
      .replace('{ kind: http-client, on: client, to: vip:shop, requests: 3 }', '{ kind: http-client, on: client, to: vip:shop, requests: 9, keepalive: true, think_time: 1s, timeout: 5s }\ntimeline:\n  - { at: 5500ms, fail: web1 }');
    text = `${text.slice(0, text.indexOf('\nexpect:'))}\nrun: { until: 16s }\n`;
    const r = parseScenario(text, 'dsr.yaml');
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
    const built = buildScenario(r.scenario);
    const rec = new FullRecorder(built.net.trace);
    built.net.run(16 * SEC);
    const rsts = rec.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node === 'lb1' && e.frame.eth.payload.kind === 'ipv4' && (e.frame.eth.payload as Ipv4).payload.kind === 'tcp' && ((((e.frame.eth.payload as Ipv4).payload as { flags: number }).flags & TCP_FLAG.RST) !== 0));
    expect(rsts.length).toBe(1);
    const rst = (rsts[0]!.frame.eth.payload as Ipv4).payload as { seq: number; sport: number };
    expect((rsts[0]!.frame.eth.payload as Ipv4).src).toBe(ip('10.0.1.100'));
    // The client's last segment before the verdict carried ack = its RCV.NXT: the RST's seq.
    const lastFromClient = rec.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node === 'client' && e.t < rsts[0]!.t && e.frame.eth.payload.kind === 'ipv4' && (e.frame.eth.payload as Ipv4).payload.kind === 'tcp').pop()!;
    expect(rst.seq).toBe(((lastFromClient.frame.eth.payload as Ipv4).payload as { ack: number }).ack);
    expect(built.apps.httpClients[0]!.app.results.map((x) => x.outcome)).toContain('reset');
  });
});

/**
 * The health monitor on its own: lb1 (10.0.1.5) probes web1 (10.0.1.11,
 * an HTTP server on port 80) across one switch. Each check kind's frames
 * are asserted on web1's wire, and verdicts in simulated time.
 */
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/net/network.js';
import { Switch } from '../../src/net/switch.js';
import { LoadBalancer } from '../../src/lb/node.js';
import { HealthMonitor, healthCheck, type HealthCheckKind } from '../../src/lb/health.js';
import { HttpServer } from '../../src/apps/http-server.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { TraceEvent, TxEvent } from '../../src/trace/events.js';
import { ip } from '../../src/wire/addr.js';
import { tcpChecksum } from '../../src/wire/checksum.js';
import type { Ipv4, Tcp } from '../../src/wire/types.js';
import { TCP_FLAG } from '../../src/wire/types.js';
import { MS, SEC } from '../../src/sim/time.js';
import { attachHost, routerLeg } from '../helpers/build.js';

function topo() {
  const net = new Network({ seed: 7 });
  const sw = net.add(new Switch(net, 'sw1'));
  const lb = net.add(new LoadBalancer(net, 'lb1'));
  routerLeg(net, lb, sw, 'eth0', '10.0.1.5', 24);
  const web1 = attachHost(net, sw, 'web1', '10.0.1.11', 24, null);
  const app = new HttpServer(web1, { port: 80, body: 'web1 ok\n' });
  const rec = new FullRecorder(net.trace);
  return { net, lb, web1, app, rec };
}

function monitor(t: ReturnType<typeof topo>, kind: HealthCheckKind, over: Parameters<typeof healthCheck>[1] = {}) {
  const changes: string[] = [];
  const m = new HealthMonitor(t.lb, 'shop/web1', ip('10.0.1.11'), 80, healthCheck(kind, over), (up, reason) => changes.push(`${t.net.sim.now / MS}ms ${up ? 'up' : 'down'} ${reason}`));
  m.start();
  return { m, changes };
}

/** TCP segments put on the wire by lb1 or web1 (tx on their eth0), as "src>dst FLAGS". */
function tcpWire(events: readonly TraceEvent[]): { who: string; seg: Tcp; ip: Ipv4 }[] {
  const out: { who: string; seg: Tcp; ip: Ipv4 }[] = [];
  for (const e of events) {
    if (e.kind !== 'tx' || (e.node !== 'lb1' && e.node !== 'web1')) continue;
    const p = (e as TxEvent).frame.eth.payload;
    if (p.kind === 'ipv4' && p.payload.kind === 'tcp') out.push({ who: e.node, seg: p.payload, ip: p });
  }
  return out;
}

function flags(f: number): string {
  return [...'FSRPAUEC'].filter((_, i) => f & (1 << i)).join('');
}

describe('health monitor probes', () => {
  it('tcp: SYN, SYN-ACK, ACK, then the checker closes with FIN; the server is up', () => {
    const t = topo();
    const { m } = monitor(t, 'tcp');
    t.net.sim.run(1 * SEC);
    const segs = tcpWire(t.rec.events).map((x) => `${x.who} ${flags(x.seg.flags)}`);
    expect(segs.slice(0, 4)).toEqual(['lb1 S', 'web1 SA', 'lb1 A', 'lb1 FA']);
    const syn = tcpWire(t.rec.events)[0]!;
    expect(syn.ip.src).toBe(ip('10.0.1.5'));
    expect(syn.ip.dst).toBe(ip('10.0.1.11'));
    expect(syn.seg.dport).toBe(80);
    expect(syn.seg.checksum).toBe(tcpChecksum(syn.ip.src, syn.ip.dst, syn.seg));
    expect(m.up).toBe(true);
    expect(m.passes).toBe(1);
  });

  it('tcp-half-open: exactly SYN, SYN-ACK, RST; the LB kernel sends the RST and the server accepts nothing', () => {
    const t = topo();
    const { m } = monitor(t, 'tcp-half-open');
    t.net.sim.run(1500 * MS);
    const w = tcpWire(t.rec.events);
    expect(w.map((x) => `${x.who} ${flags(x.seg.flags)}`)).toEqual(['lb1 S', 'web1 SA', 'lb1 R']);
    const [syn, synAck, rst] = w as [(typeof w)[0], (typeof w)[0], (typeof w)[0]];
    expect(syn.seg.window).toBe(1024);
    expect(syn.seg.options).toEqual([{ kind: 'mss', mss: 1460 }]);
    expect(synAck.seg.ack).toBe((syn.seg.seq + 1) >>> 0);
    // Linux 6.18 (netns, a raw SYN with only MSS): the SYN-ACK offers 44 * 1460 and only an MSS option.
    expect(synAck.seg.window).toBe(64240);
    expect(synAck.seg.options).toEqual([{ kind: 'mss', mss: 1460 }]);
    // tcp_v4_send_reset for a segment with ACK: seq = SEG.ACK, no ACK bit, window 0.
    expect(rst.seg.seq).toBe(synAck.seg.ack);
    expect(rst.seg.flags).toBe(TCP_FLAG.RST);
    expect(rst.seg.sport).toBe(syn.seg.sport);
    expect(rst.ip.id).toBe(0);
    expect(t.rec.events.some((e) => e.kind === 'drop' && e.node === 'lb1' && e.code === 'tcp-no-socket')).toBe(true);
    expect(t.rec.events.some((e) => e.kind === 'deliver' && e.node === 'lb1' && e.to.startsWith('raw socket'))).toBe(true);
    expect(t.app.stats.connections).toBe(0);
    expect(t.lb.tcp.portInUse(syn.seg.sport)).toBe(false);
    expect(m.passes).toBe(1);
  });

  it('icmp: an echo request with a ping payload and its reply', () => {
    const t = topo();
    const { m } = monitor(t, 'icmp');
    t.net.sim.run(1 * SEC);
    const icmps = t.rec.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node !== 'sw1' && e.frame.eth.payload.kind === 'ipv4' && e.frame.eth.payload.payload.kind === 'icmp');
    expect(icmps.map((e) => `${e.node} ${(e.frame.eth.payload as Ipv4).payload.kind === 'icmp' ? ((e.frame.eth.payload as Ipv4).payload as { type: number }).type : ''}`)).toEqual(['lb1 8', 'web1 0']);
    expect(m.passes).toBe(1);
  });

  it('http: GET /health with Connection: close; status 500 takes the server down after fall probes, 200 brings it back after rise', () => {
    const t = topo();
    const { m, changes } = monitor(t, 'http', { path: '/health', interval: 1 * SEC, timeout: 500 * MS, fall: 3, rise: 2 });
    t.net.sim.at(1500 * MS, { label: 'x', onEvent: () => t.app.setStatus(500) }, 0);
    t.net.sim.at(6500 * MS, { label: 'x', onEvent: () => t.app.setStatus(200) }, 0);
    t.net.sim.run(10 * SEC);
    const gets = tcpWire(t.rec.events).filter((x) => x.who === 'lb1' && x.seg.payload.length > 0);
    expect(new TextDecoder().decode(gets[0]!.seg.payload)).toBe('GET /health HTTP/1.1\r\nHost: 10.0.1.11\r\nUser-Agent: lblab-health-check\r\nConnection: close\r\n\r\n');
    // Probes at 0, 1, 2, ... s: 2, 3, 4 s fail (500) -> down at 4 s; 7 s and 8 s pass -> up at 8 s.
    expect(changes).toEqual([expect.stringMatching(/^4000\.\d+ms down status 500/), expect.stringMatching(/^8000\.\d+ms up ok/)]);
    expect(m.transitions.map((x) => x.up)).toEqual([false, true]);
    const health = t.rec.events.filter((e) => e.kind === 'state' && e.change.what === 'lb-health');
    expect(health.map((e) => (e.kind === 'state' && e.change.what === 'lb-health' ? `${e.change.server} ${e.change.health} ${e.change.check}` : ''))).toEqual(['web1 down http', 'web1 up http']);
  });

  it('http-content: a body without the string fails', () => {
    const t = topo();
    const { m } = monitor(t, 'http-content', { contains: 'ok', interval: 1 * SEC, timeout: 500 * MS, fall: 2 });
    t.net.sim.at(500 * MS, { label: 'x', onEvent: () => t.app.setBody('maintenance\n') }, 0);
    t.net.sim.run(3 * SEC);
    expect(m.up).toBe(false);
    expect(m.last?.reason).toMatch(/content mismatch/);
  });

  it('a silent host: every kind times out and the server goes down at (fall - 1) x interval + timeout', () => {
    for (const kind of ['icmp', 'tcp', 'tcp-half-open', 'http'] as const) {
      const t = topo();
      const { m, changes } = monitor(t, kind, { interval: 1 * SEC, timeout: 500 * MS, fall: 3 });
      for (const i of t.web1.ifaces) i.up = false;
      t.net.sim.run(4 * SEC);
      expect(m.up, kind).toBe(false);
      expect(changes, kind).toEqual([expect.stringMatching(/^2500ms down timeout/)]);
    }
  });

  it('a closed port: tcp, half-open and http fail at once (refused), icmp still passes', () => {
    for (const kind of ['icmp', 'tcp', 'tcp-half-open', 'http'] as const) {
      const t = topo();
      t.app.stop();
      const { m } = monitor(t, kind, { interval: 1 * SEC, timeout: 500 * MS, fall: 1 });
      t.net.sim.run(500 * MS);
      if (kind === 'icmp') expect(m.up, kind).toBe(true);
      else {
        expect(m.up, kind).toBe(false);
        expect(m.last?.reason, kind).toBe('refused (RST)');
        expect(m.transitions[0]!.at, kind).toBeLessThan(1 * MS);
      }
    }
  });

  it('stop() ends probing: the probe in flight is abandoned and nothing more is sent', () => {
    const t = topo();
    const { m } = monitor(t, 'tcp-half-open', { interval: 1 * SEC, timeout: 500 * MS });
    t.net.sim.run(500 * MS); // the probe at 0 passes
    for (const i of t.web1.ifaces) i.up = false;
    t.net.sim.run(1200 * MS); // the probe at 1 s is in flight
    m.stop();
    const sent = tcpWire(t.rec.events);
    expect(sent.map((x) => `${x.who} ${flags(x.seg.flags)}`)).toEqual(['lb1 S', 'web1 SA', 'lb1 R', 'lb1 S']);
    t.net.sim.run(5 * SEC);
    expect(tcpWire(t.rec.events).length).toBe(sent.length);
    expect(m.probes).toBe(1);
    expect(t.lb.tcp.portInUse(sent[3]!.seg.sport)).toBe(false);
  });

  it('rejects a timeout longer than the interval', () => {
    const t = topo();
    expect(() => monitor(t, 'tcp', { interval: 1 * SEC, timeout: 2 * SEC })).toThrow(/timeout must be/);
  });
});

/**
 * Replaying a real capture (fixtures/replay/http-udp.pcap, made with tcpdump
 * between two network namespaces: three HTTP requests and two UDP
 * datagrams from 10.0.0.1 to 10.0.0.2) through a simulated network with a
 * load balancer: the captured client becomes the simulated client, the
 * captured server's ports become the LB's virtual services, and every flow
 * is repeated with its captured bytes and timing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCapture, type FilePacket } from '../../src/pcap/read.js';
import { parseReplayMap, replay, resolveReplayMap, ReplayMapError } from '../../src/pcap/replay.js';
import { oneArm, service } from '../lb/topo.js';
import { HttpServer } from '../../src/apps/http-server.js';
import { UdpEchoServer } from '../../src/apps/udp-echo.js';
import type { TxEvent } from '../../src/trace/events.js';
import { fmtIp, ip } from '../../src/wire/addr.js';
import type { Host } from '../../src/net/host.js';

const FILE = 'fixtures/replay/http-udp.pcap';

function packets(): readonly FilePacket[] {
  const r = readCapture(new Uint8Array(readFileSync(FILE)), FILE);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.packets;
}

/** The one-arm LB network with HTTP on 8000 and UDP echo on 9000 behind VIP 10.0.1.100. */
function network() {
  const t = oneArm({ serverGw: '10.0.1.5' });
  t.lb.addService(service('nat', { port: 8000 }));
  t.lb.addService(service('nat', { name: 'echo', proto: 'udp', port: 9000 }));
  const http = [new HttpServer(t.web1, { port: 8000 }), new HttpServer(t.web2, { port: 8000 })];
  new UdpEchoServer(t.web1, 9000);
  new UdpEchoServer(t.web2, 9000);
  return { ...t, http };
}

const text = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);

describe('replay of a real capture', () => {
  it('repeats the captured client flows through the LB, with the captured bytes and timing', () => {
    const t = network();
    const hosts = new Map<string, Host>([['client', t.client]]);
    const map = resolveReplayMap(parseReplayMap('10.0.0.1=client,10.0.0.2:8000=10.0.1.100:8000,10.0.0.2:9000=10.0.1.100'), (n) => hosts.get(n) ?? null);
    const pk = packets();
    const plan = replay(pk, map);
    expect(plan.skipped).toEqual([]);
    expect(plan.flows.map((f) => [f.proto, f.captured, f.capturedBytes, f.sends, f.capturedEnd])).toEqual([
      ['tcp', '10.0.0.1:40001 -> 10.0.0.2:8000', 58, 1, 'fin'],
      ['tcp', '10.0.0.1:40002 -> 10.0.0.2:8000', 68, 1, 'fin'],
      ['tcp', '10.0.0.1:40003 -> 10.0.0.2:8000', 65, 1, 'fin'],
      ['udp', '10.0.0.1:5000 -> 10.0.0.2:9000', 18, 2, 'none'],
    ]);
    expect(plan.flows.map((f) => `${fmtIp(f.dst)}:${f.dport}`)).toEqual(['10.0.1.100:8000', '10.0.1.100:8000', '10.0.1.100:8000', '10.0.1.100:9000']);
    // Start times are the captured ones, relative to the capture's first packet.
    expect(plan.flows[0]!.at).toBe(0);
    for (const f of plan.flows.slice(1)) expect(f.at).toBeGreaterThan(90e6);

    t.net.run(3e9);
    for (const f of plan.flows.slice(0, 3)) {
      expect(f.outcome, f.captured).toBe('completed');
      expect(f.bytesSent).toBe(f.capturedBytes);
      expect(f.localPort).toBe(Number(f.captured.split(':')[1]!.split(' ')[0])); // the captured client port, kept
      expect(text(f.received)).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    }
    // Round robin spread the three connections over both servers; each got the captured request line.
    expect(t.http.map((h) => h.stats.requests)).toEqual([2, 1]);
    const udp = plan.flows[3]!;
    expect([udp.outcome, udp.datagramsSent, udp.datagramsReceived, text(udp.received)]).toEqual(['sent', 2, 2, 'ping one\nping two\n']);

    // Timing: each flow's SYN leaves the client at its captured time (after ARP for the very first), and
    // each request no earlier than the captured request's offset.
    const txs = t.rec.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node === 'client');
    const tcpOut = (port: number) =>
      txs.filter((e) => {
        const p = e.frame.eth.payload;
        return p.kind === 'ipv4' && p.payload.kind === 'tcp' && p.payload.sport === port;
      });
    for (const [i, f] of plan.flows.slice(0, 3).entries()) {
      const segs = tcpOut(40001 + i);
      if (i > 0) expect(segs[0]!.t).toBe(f.at);
      const data = segs.find((e) => {
        const p = e.frame.eth.payload;
        return p.kind === 'ipv4' && p.payload.kind === 'tcp' && p.payload.payload.length > 0;
      })!;
      const captured = pk.find((p) => p.data.length > 66 + 4 && p.data[34] === 0x9c && p.data[35] === 0x41 + i)!; // sport 40001+i, with payload
      expect(data.t).toBeGreaterThanOrEqual(captured.t);
      const ipl = data.frame.eth.payload;
      if (ipl.kind !== 'ipv4' || ipl.payload.kind !== 'tcp') throw new Error();
      expect(text(ipl.payload.payload)).toMatch(/^GET \/(index\.html|missing)? HTTP\/1\.1\r\nHost: 10\.0\.0\.2:8000\r\n/);
    }
    // UDP datagrams leave at their captured times, 50 ms apart as in the capture.
    const dgrams = txs.filter((e) => e.frame.eth.payload.kind === 'ipv4' && e.frame.eth.payload.payload.kind === 'udp');
    expect(dgrams.map((e) => e.t - udp.at)).toEqual([0, pk[38]!.t - pk[36]!.t]);
  });

  it('starts later and uses ephemeral ports when asked', () => {
    const t = network();
    const plan = replay(packets(), { clients: new Map([[ip('10.0.0.1'), t.client]]), servers: new Map([['10.0.0.2', { addr: ip('10.0.1.100'), port: 0 }]]) }, { start: 1e9, keepPorts: false });
    expect(plan.flows.map((f) => f.dport)).toEqual([8000, 8000, 8000, 9000]); // port 0 keeps the captured port
    expect(plan.flows[0]!.at).toBe(1e9);
    t.net.run(4e9);
    expect(plan.flows.map((f) => f.outcome)).toEqual(['completed', 'completed', 'completed', 'sent']);
    expect(plan.flows.every((f) => f.localPort >= 32768)).toBe(true);
  });

  it('reports flows whose SYN is not in the capture, and a server that is not there', () => {
    const t = network();
    const pk = packets().slice(2); // the first connection's SYN and SYN-ACK are cut off
    const plan = replay(pk, { clients: new Map([[ip('10.0.0.1'), t.client]]), servers: new Map() });
    expect(plan.skipped[0]).toMatch(/^packet 3: TCP 10\.0\.0\.1:40001 -> 10\.0\.0\.2:8000 began before the capture \(no SYN captured\); not replayed$/);
    expect(plan.flows).toHaveLength(3);
    t.net.run(10e9);
    // 10.0.0.2 does not exist in the simulated network: the router cannot resolve it.
    expect(plan.flows[0]!.outcome).toMatch(/unreachable|timeout/);
  });

  it('parses and checks the written mapping', () => {
    expect(parseReplayMap('10.0.0.1=client1, 10.0.0.9=c2,10.0.0.2:8000=10.0.1.100:80,10.0.0.3=vip:shop')).toEqual({
      clients: { '10.0.0.1': 'client1', '10.0.0.9': 'c2' },
      servers: { '10.0.0.2:8000': '10.0.1.100:80', '10.0.0.3': 'vip:shop' },
    });
    expect(() => parseReplayMap('10.0.0.1')).toThrow(ReplayMapError);
    expect(() => resolveReplayMap({ clients: { '10.0.0.1': 'ghost' } }, () => null)).toThrow('client 10.0.0.1: there is no host named "ghost" to replay it');
    expect(() => resolveReplayMap({ clients: {}, servers: { '10.0.0.2': 'vip:shop' } }, () => null)).toThrow('server 10.0.0.2: "vip:shop" is not an IPv4 address with an optional :port');
    const m = resolveReplayMap({ clients: {}, servers: { '10.0.0.2': 'vip:shop' } }, () => null, (s) => (s === 'vip:shop' ? { addr: ip('10.0.1.100'), port: 80 } : null));
    expect(m.servers.get('10.0.0.2')).toEqual({ addr: ip('10.0.1.100'), port: 80 });
  });
});

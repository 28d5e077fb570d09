/**
 * The knobs a lab sets to match a real setup exactly (issue 14): static
 * neighbour entries, a bridge's own MAC, interface MACs; each checked on
 * the frames they make.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { TraceEvent, TxEvent } from '../../src/trace/events.js';
import { ip, mac } from '../../src/wire/addr.js';
import type { Arp, Ipv4, Tcp } from '../../src/wire/types.js';

/** Loads, builds and runs a scenario text; returns the trace. */
export function runText(text: string): { events: TraceEvent[]; built: ReturnType<typeof buildScenario> } {
  const r = parseScenario(text, 't.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  const built = buildScenario(r.scenario);
  const rec = new FullRecorder(built.net.trace);
  built.net.run();
  return { events: rec.events, built };
}

const txs = (evs: TraceEvent[], node: string): TxEvent[] => evs.filter((e): e is TxEvent => e.kind === 'tx' && e.node === node);
const isArp = (e: TxEvent) => e.frame.eth.payload.kind === 'arp';

describe('static neighbours and MACs', () => {
  const lan = (extra: string) => `lblab: 1
title: t
nodes:
  a: { kind: host, interfaces: { eth0: { address: 10.0.0.1/24, mac: 02:00:00:00:00:aa } }${extra} }
  b: { kind: host, interfaces: { eth0: { address: 10.0.0.2/24, mac: 02:00:00:00:00:bb } } }
  sw: { kind: switch }
links: [[a:eth0, sw], [b:eth0, sw]]
apps:
  - { kind: udp-echo-server, on: b }
  - { kind: ping, on: a, to: 10.0.0.2, count: 1 }
`;

  it('a permanent entry sends the first packet to its MAC without ARP', () => {
    const { events } = runText(lan(', neighbors: [ { address: 10.0.0.2, mac: 02:00:00:00:00:bb } ]'));
    const fromA = txs(events, 'a');
    // a asks nothing: its only ARP frame is the reply to b's request.
    expect(fromA.filter(isArp).map((e) => (e.frame.eth.payload as Arp).op)).toEqual([2]);
    expect(fromA[0]!.frame.eth.src).toBe(mac('02:00:00:00:00:aa'));
    expect(fromA[0]!.frame.eth.dst).toBe(mac('02:00:00:00:00:bb'));
    expect((fromA[0]!.frame.eth.payload as Ipv4).dst).toBe(ip('10.0.0.2'));
    // b has no entry for a: it asks, and a answers from its configured MAC.
    const bArp = txs(events, 'b').filter(isArp).map((e) => e.frame.eth.payload as Arp);
    expect(bArp[0]!.op).toBe(1);
    expect(bArp[0]!.tpa).toBe(ip('10.0.0.1'));
  });

  it('a permanent entry with a wrong MAC is used anyway: ARP never corrects it', () => {
    const { events } = runText(lan(', neighbors: [ { address: 10.0.0.2, mac: 02:00:00:00:00:cc, dev: eth0 } ]'));
    const fromA = txs(events, 'a');
    expect(fromA.filter(isArp)).toEqual([]);
    expect(fromA.length).toBe(1);
    expect(fromA[0]!.frame.eth.dst).toBe(mac('02:00:00:00:00:cc'));
    // The switch floods the unknown MAC; b drops a frame that is not for it, so it never answers.
    expect(txs(events, 'b')).toEqual([]);
    expect(events.some((e) => e.kind === 'drop' && e.node === 'b' && e.code === 'not-for-me')).toBe(true);
  });
});

describe("a bridge's own MAC", () => {
  it('br0 answers ARP for the VIP from the MAC given in `bridge: { mac }`', () => {
    const text = readFileSync(join(import.meta.dirname, '../../scenarios/mode-transparent.yaml'), 'utf8').replace(
      'bridge: { ports: [eth0, eth1], address: 10.0.1.5/24 }',
      'bridge: { ports: [eth0, eth1], address: 10.0.1.5/24, mac: 02:00:00:00:b0:00 }',
    );
    const { events, built } = runText(text);
    expect(built.net.node('lb1')!.ifaces.find((i) => i.name === 'br0')!.mac).toBe(mac('02:00:00:00:b0:00'));
    const replies = txs(events, 'lb1').filter((e) => isArp(e) && (e.frame.eth.payload as Arp).op === 2 && (e.frame.eth.payload as Arp).spa === ip('10.0.1.100'));
    expect(replies.length).toBeGreaterThan(0);
    for (const r of replies) {
      expect(r.frame.eth.src).toBe(mac('02:00:00:00:b0:00'));
      expect((r.frame.eth.payload as Arp).sha).toBe(mac('02:00:00:00:b0:00'));
    }
  });
});

/** The TCP payloads a node sent, as Latin-1 text, in order. */
function payloads(evs: TraceEvent[], node: string): string[] {
  return txs(evs, node)
    .map((e) => e.frame.eth.payload)
    .filter((p): p is Ipv4 => p.kind === 'ipv4' && p.payload.kind === 'tcp' && (p.payload as Tcp).payload.length > 0)
    .map((p) => Buffer.from((p.payload as Tcp).payload).toString('latin1'));
}

/** Client c (10.0.0.1) cabled to server s (10.0.0.2), running `apps` (YAML list lines). */
const twoHosts = (apps: string) => `lblab: 1
title: t
nodes:
  c: { kind: host, interfaces: { eth0: 10.0.0.1/24 } }
  s: { kind: host, interfaces: { eth0: 10.0.0.2/24 } }
links: [[c:eth0, s:eth0]]
apps:
${apps}`;

describe('exact HTTP payloads', () => {
  const two = (client: string, server: string) => twoHosts(`  - { kind: http-server, on: s${server} }
  - { kind: http-client, on: c, to: 10.0.0.2${client} }
`);

  it("the default request is curl's: Host as typed (no :80), then User-Agent, Accept, Connection: close", () => {
    const { events } = runText(two('', ''));
    expect(payloads(events, 'c')).toEqual(['GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nUser-Agent: lblab\r\nAccept: */*\r\nConnection: close\r\n\r\n']);
    expect(payloads(events, 's')).toEqual(['HTTP/1.1 200 OK\r\nServer: s\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\ns\n']);
  });

  it('delays.after_connect: the request is written that long after connect() returns', () => {
    const { events } = runText(two(', delays: { after_connect: 250us }', ''));
    const c = txs(events, 'c').filter((e) => e.frame.eth.payload.kind === 'ipv4').map((e) => ({ t: e.t, seg: (e.frame.eth.payload as Ipv4).payload as Tcp }));
    const ack3 = c.find((x) => x.seg.flags === 0x10)!;
    expect(c.find((x) => x.seg.payload.length > 0)!.t - ack3.t).toBe(250_000);
  });

  it('a port other than 80 is in the Host header', () => {
    const { events } = runText(two(', port: 8000', ', port: 8000'));
    expect(payloads(events, 'c')[0]).toMatch(/^GET \/ HTTP\/1\.1\r\nHost: 10\.0\.0\.2:8000\r\n/);
  });

  it('version 1.0 with the defaults is curl -0: no Connection field', () => {
    const { events } = runText(two(', version: "1.0"', ''));
    expect(payloads(events, 'c')).toEqual(['GET / HTTP/1.0\r\nHost: 10.0.0.2\r\nUser-Agent: lblab\r\nAccept: */*\r\n\r\n']);
  });

  it('`headers` is the whole list; method, path and body as given, no Content-Length added', () => {
    const { events } = runText(two(', method: POST, path: /x, body: "a=1", headers: { Host: shop, Content-Length: "3" }', ''));
    expect(payloads(events, 'c')).toEqual(['POST /x HTTP/1.1\r\nHost: shop\r\nContent-Length: 3\r\n\r\na=1']);
  });

  it('default_headers: true keeps the defaults and adds `headers` after them', () => {
    const { events } = runText(two(', headers: { X-A: b }, default_headers: true', ''));
    expect(payloads(events, 'c')).toEqual(['GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nUser-Agent: lblab\r\nAccept: */*\r\nX-A: b\r\nConnection: close\r\n\r\n']);
  });

  it("an HTTP/1.0 server answers exactly the status, headers and body given, and closes (python's http.server)", () => {
    const { events } = runText(two(', version: "1.0"', ', version: "1.0", status: 404, body: "no\\n", headers: { Server: SimpleHTTP/0.6, Content-Length: "3" }'));
    expect(payloads(events, 's')).toEqual(['HTTP/1.0 404 Not Found\r\nServer: SimpleHTTP/0.6\r\nContent-Length: 3\r\n\r\nno\n']);
    // The server closes first: its FIN follows the response.
    const fins = txs(events, 's').filter((e) => e.frame.eth.payload.kind === 'ipv4' && ((e.frame.eth.payload as Ipv4).payload as Tcp).flags & 1);
    expect(fins.length).toBe(1);
  });
});

describe('DSR forwarder kinds', () => {
  const text = readFileSync(join(import.meta.dirname, '../../scenarios/dsr-forwarder-kinds.yaml'), 'utf8');

  it('tc: the SYN leaves the LB with the TTL it came with, to the configured MAC, without ARP; ipvs: TTL - 1 after an ARP exchange', () => {
    const { events, built } = runText(text);
    const web1 = built.net.node('web1')!.ifaces[0]!.mac;
    const lbOut = txs(events, 'lb1');
    const syn = (port: number) => lbOut.find((e) => e.frame.eth.payload.kind === 'ipv4' && ((e.frame.eth.payload as Ipv4).payload as Tcp).dport === port && ((e.frame.eth.payload as Ipv4).payload as Tcp).flags === 2)!;
    const inSyn = (port: number) => events.find((e): e is TxEvent => e.kind === 'tx' && e.node === 'r1' && e.iface === 'eth1' && e.frame.eth.payload.kind === 'ipv4' && ((e.frame.eth.payload as Ipv4).payload as Tcp).dport === port)!;
    const tc = syn(8080);
    expect(tc.frame.eth.dst).toBe(web1);
    expect((tc.frame.eth.payload as Ipv4).ttl).toBe((inSyn(8080).frame.eth.payload as Ipv4).ttl);
    expect(lbOut.filter((e) => isArp(e) && (e.frame.eth.payload as Arp).op === 1 && e.t <= tc.t)).toEqual([]);
    const ipvs = syn(80);
    expect(ipvs.frame.eth.dst).toBe(web1);
    expect((ipvs.frame.eth.payload as Ipv4).ttl).toBe((inSyn(80).frame.eth.payload as Ipv4).ttl - 1);
    expect(lbOut.some((e) => isArp(e) && (e.frame.eth.payload as Arp).op === 1 && (e.frame.eth.payload as Arp).tpa === ip('10.0.1.11') && e.t < ipvs.t)).toBe(true);
  });
});

describe('raw TCP apps and their delays', () => {
  const raw = (client: string, server: string) => twoHosts(`  - { kind: tcp-server, on: s, port: 9000${server} }
  - { kind: tcp-client, on: c, to: 10.0.0.2, port: 9000${client} }
`);
  const segs = (evs: TraceEvent[], node: string) =>
    txs(evs, node)
      .filter((e) => e.frame.eth.payload.kind === 'ipv4')
      .map((e) => ({ t: e.t, seg: (e.frame.eth.payload as Ipv4).payload as Tcp }));

  it('sends the given bytes (text or hex), the server answers the first bytes and closes', () => {
    const { events } = runText(raw(', send: "hi\\n", close: false', ', send: { hex: "6f 6b 0a" }'));
    expect(payloads(events, 'c')).toEqual(['hi\n']);
    expect(payloads(events, 's')).toEqual(['ok\n']);
    // Zero delays: the reply and the server's FIN leave in the same instant.
    const s = segs(events, 's').filter((x) => x.seg.payload.length > 0 || x.seg.flags & 1);
    expect(s.map((x) => x.seg.flags & 1)).toEqual([0, 1]);
    expect(s[0]!.t).toBe(s[1]!.t);
  });

  it('constant delays put the think time on the wire: connect -> write, read -> reply, write -> close', () => {
    const { events } = runText(raw(', send: "hi", delays: { after_connect: 300us, before_close: 1ms }', ', send: "ok", close: false, delays: { before_response: 200us }'));
    const c = segs(events, 'c');
    const ack3 = c.find((x) => x.seg.flags === 0x10)!; // the handshake's last ACK: connect() returns
    const write = c.find((x) => x.seg.payload.length > 0)!;
    const fin = c.find((x) => x.seg.flags & 1)!;
    expect(write.t - ack3.t).toBe(300_000);
    expect(fin.t - write.t).toBe(1_000_000);
    const reply = segs(events, 's').find((x) => x.seg.payload.length > 0)!;
    const arrived = events.find((e) => e.kind === 'rx' && e.node === 's' && e.frame.eth.payload.kind === 'ipv4' && ((e.frame.eth.payload as Ipv4).payload as Tcp).payload.length > 0)!;
    expect(reply.t - arrived.t).toBe(200_000);
  });

  it("a distribution draws from the app's seeded stream: the same seed gives the same times", () => {
    const text = raw(', send: "hi", delays: { after_connect: { exp: 100us } }', ', send: "ok"');
    const t1 = payloadTimes(runText(text).events);
    expect(t1).toEqual(payloadTimes(runText(text).events));
    expect(t1[0]).not.toBe(t1[1]);
  });
});

function payloadTimes(evs: TraceEvent[]): number[] {
  return txs(evs, 'c').filter((e) => e.frame.eth.payload.kind === 'ipv4').map((e) => e.t).slice(0, 3);
}

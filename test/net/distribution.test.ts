import { describe, expect, it } from 'vitest';
import { Network } from '../../src/net/network.js';
import { Host } from '../../src/net/host.js';
import { Switch } from '../../src/net/switch.js';
import { attachHost, routerLeg } from '../helpers/build.js';
import { Ping } from '../../src/apps/ping.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { TraceEvent, TxEvent } from '../../src/trace/events.js';
import { hashL2, hashL3 } from '../../src/net/flow-hash.js';
import { ip } from '../../src/wire/addr.js';
import { icmp, ipv4 } from '../../src/wire/build.js';
import { ETHERTYPE, ICMP_TYPE, type Icmp, type Ipv4 } from '../../src/wire/types.js';

const txs = (evs: TraceEvent[]): TxEvent[] => evs.filter((e): e is TxEvent => e.kind === 'tx');
const ipOf = (e: TxEvent): Ipv4 => e.frame.eth.payload as Ipv4;
const isEcho = (e: TxEvent, type: number): boolean => e.frame.eth.payload.kind === 'ipv4' && ipOf(e).payload.kind === 'icmp' && (ipOf(e).payload as Icmp).type === type;

describe('flow hashes', () => {
  it('are the documented functions (pinned values)', () => {
    // FNV-1a 32 over 0a 00 00 01 0a 00 00 02.
    let h = 0x811c9dc5;
    for (const b of [10, 0, 0, 1, 10, 0, 0, 2]) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(hashL3(ip('10.0.0.1'), ip('10.0.0.2'))).toBe(h);
    // Linux bonding layer2: 0x02 ^ 0x05 ^ 0x0800 = 0x0807; folded: 0x0807 ^ 0x08 = 0x080f; >> 1 = 0x0407.
    expect(hashL2(0x020000000002, 0x020000000005, ETHERTYPE.IPV4)).toBe(0x0407);
  });
});

describe('router ECMP', () => {
  it('spreads flows over equal next hops by the L3 hash, each flow on one path', () => {
    const net = new Network({ seed: 2 });
    const sw1 = net.add(new Switch(net, 'sw1'));
    const swT = net.add(new Switch(net, 'swT'));
    const sw2 = net.add(new Switch(net, 'sw2'));
    const r1 = net.add(new Host(net, 'r1', 'router'));
    const r2 = net.add(new Host(net, 'r2', 'router'));
    const r3 = net.add(new Host(net, 'r3', 'router'));
    routerLeg(net, r1, sw1, 'eth0', '10.0.1.1', 24);
    const t1 = routerLeg(net, r1, swT, 'eth1', '10.0.12.1', 24);
    routerLeg(net, r2, swT, 'eth0', '10.0.12.2', 24);
    routerLeg(net, r3, swT, 'eth0', '10.0.12.3', 24);
    routerLeg(net, r2, sw2, 'eth1', '10.0.2.2', 24);
    routerLeg(net, r3, sw2, 'eth1', '10.0.2.3', 24);
    r2.addDefaultRoute(ip('10.0.12.1'));
    r3.addDefaultRoute(ip('10.0.12.1'));
    r1.addRoute({
      prefix: ip('10.0.2.0'), len: 24, via: null, iface: t1, metric: 0, src: null, proto: 'static',
      nexthops: [{ via: ip('10.0.12.2'), iface: t1 }, { via: ip('10.0.12.3'), iface: t1 }],
    });
    attachHost(net, sw2, 's1', '10.0.2.10', 24, '10.0.2.2');
    const clients = Array.from({ length: 12 }, (_, i) => attachHost(net, sw1, `c${i + 1}`, `10.0.1.${10 + i}`, 24, '10.0.1.1'));
    const rec = new FullRecorder(net.trace);
    const pings = clients.map((c, i) => new Ping(c, ip('10.0.2.10'), { count: 3, interval: 1_000_000 }, i * 10_000_000));
    net.run();
    expect(pings.every((p) => p.results.every((r) => r.rtt !== null))).toBe(true);
    const used = new Map<number, Set<string>>();
    for (const e of txs(rec.events)) {
      if ((e.node === 'r2' || e.node === 'r3') && e.iface === 'eth1' && isEcho(e, ICMP_TYPE.ECHO_REQUEST)) {
        const src = ipOf(e).src;
        used.set(src, (used.get(src) ?? new Set()).add(e.node));
      }
    }
    expect(used.size).toBe(12);
    let viaR2 = 0;
    for (const [src, routers] of used) {
      expect(routers.size).toBe(1); // a flow sticks to one path
      const expected = hashL3(src, ip('10.0.2.10')) >>> 1 <= 2 ** 30 - 1 ? 'r2' : 'r3';
      expect([...routers][0]).toBe(expected);
      if (expected === 'r2') viaR2++;
    }
    expect(viaR2).toBeGreaterThan(0);
    expect(viaR2).toBeLessThan(12);
  });
});

describe('switch link aggregation', () => {
  it('carries each flow on one member chosen by the MAC hash, and floods once per bundle (no loop)', () => {
    const net = new Network({ seed: 3, budget: 100_000 });
    const a = net.add(new Switch(net, 'swa'));
    const b = net.add(new Switch(net, 'swb'));
    const a1 = a.addPort('x1');
    const a2 = a.addPort('x2');
    const b1 = b.addPort('x1');
    const b2 = b.addPort('x2');
    net.connect(a1, b1);
    net.connect(a2, b2);
    a.aggregate([a1, a2]);
    b.aggregate([b1, b2]);
    const hs = Array.from({ length: 6 }, (_, i) => attachHost(net, a, `h${i}`, `10.0.0.${i + 1}`, 24, null));
    const gs = Array.from({ length: 6 }, (_, i) => attachHost(net, b, `g${i}`, `10.0.0.${i + 101}`, 24, null));
    const rec = new FullRecorder(net.trace);
    const pings = hs.map((h, i) => new Ping(h, ip(`10.0.0.${i + 101}`), { count: 1 }, i * 1_000_000));
    const res = net.run();
    expect(res.reason).toBe('idle');
    expect(pings.every((p) => p.results[0]!.rtt !== null)).toBe(true);
    const members = new Set<string>();
    for (const e of txs(rec.events)) {
      if (e.node !== 'swa' || !e.iface.startsWith('x')) continue;
      const eth = e.frame.eth;
      // The member is the hash of the frame's MACs and EtherType over the two members.
      expect(e.iface).toBe(hashL2(eth.src, eth.dst, eth.type) % 2 === 0 ? 'x1' : 'x2');
      members.add(e.iface);
    }
    expect(members.size).toBe(2); // both members carry traffic
    // Each ARP broadcast crosses the bundle exactly once.
    const bcasts = txs(rec.events).filter((e) => e.node === 'swa' && e.iface.startsWith('x') && e.frame.eth.payload.kind === 'arp' && e.frame.eth.dst === 0xffffffffffff);
    expect(bcasts.length).toBe(6);
    void gs;
  });
});

describe('IP-in-IP', () => {
  it('a host with ipip loaded unwraps the packet on tunl0 and answers from the inner destination (a VIP on lo)', () => {
    const net = new Network({ seed: 4 });
    const sw = net.add(new Switch(net, 'sw'));
    const lb = attachHost(net, sw, 'lb', '10.0.1.5', 24, null);
    const srv = attachHost(net, sw, 'web1', '10.0.1.11', 24, null);
    const client = attachHost(net, sw, 'client', '10.0.1.50', 24, null);
    srv.addLoopbackAddress(ip('10.0.1.100'));
    srv.enableIpip();
    const rec = new FullRecorder(net.trace);
    const inner = ipv4({ src: ip('10.0.1.50'), dst: ip('10.0.1.100'), id: 7 }, icmp(ICMP_TYPE.ECHO_REQUEST, 0, (0x1234 << 16) | 1, new Uint8Array(8)));
    lb.sendIp(ipv4({ src: ip('10.0.1.5'), dst: ip('10.0.1.11') }, inner));
    net.run();
    const decap = rec.events.find((e) => e.kind === 'rewrite' && e.code === 'ipip-decap');
    expect(decap).toBeDefined();
    const reply = txs(rec.events).find((e) => e.node === 'web1' && isEcho(e, ICMP_TYPE.ECHO_REPLY))!;
    expect(ipOf(reply).src).toBe(ip('10.0.1.100'));
    expect(ipOf(reply).dst).toBe(ip('10.0.1.50'));
    expect(reply.frame.eth.dst).toBe(client.ifaces[0]!.mac);
  });

  it('without ipip loaded, an IPIP packet gets ICMP protocol unreachable', () => {
    const net = new Network({ seed: 4 });
    const sw = net.add(new Switch(net, 'sw'));
    const lb = attachHost(net, sw, 'lb', '10.0.1.5', 24, null);
    attachHost(net, sw, 'web1', '10.0.1.11', 24, null);
    const rec = new FullRecorder(net.trace);
    const inner = ipv4({ src: ip('10.0.1.50'), dst: ip('10.0.1.100') }, icmp(ICMP_TYPE.ECHO_REQUEST, 0, 1, new Uint8Array(8)));
    lb.sendIp(ipv4({ src: ip('10.0.1.5'), dst: ip('10.0.1.11') }, inner));
    net.run();
    expect(rec.events.some((e) => e.kind === 'drop' && e.node === 'web1' && e.code === 'ip-proto-unreachable')).toBe(true);
    const err = txs(rec.events).find((e) => e.node === 'web1' && e.frame.eth.payload.kind === 'ipv4')!;
    expect((ipOf(err).payload as Icmp).type).toBe(ICMP_TYPE.DEST_UNREACH);
    expect((ipOf(err).payload as Icmp).code).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { Network } from '../../src/net/network.js';
import { Host } from '../../src/net/host.js';
import { Switch } from '../../src/net/switch.js';
import { attachHost, routerLeg } from '../helpers/build.js';
import { drops, switchLan, txs } from './helpers.js';
import { Ping } from '../../src/apps/ping.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { ForwardEvent, TxEvent } from '../../src/trace/events.js';
import { ip, mac } from '../../src/wire/addr.js';
import { ipv4Checksum } from '../../src/wire/checksum.js';
import { ICMP_TYPE, type Icmp, type Ipv4 } from '../../src/wire/types.js';
import { MS, SEC, US } from '../../src/sim/time.js';

const ipOf = (e: TxEvent): Ipv4 => e.frame.eth.payload as Ipv4;

describe('routing', () => {
  function routed() {
    const net = new Network({ seed: 3 });
    const sw1 = net.add(new Switch(net, 'sw1'));
    const sw2 = net.add(new Switch(net, 'sw2'));
    const r1 = net.add(new Host(net, 'r1', 'router'));
    routerLeg(net, r1, sw1, 'eth0', '10.0.1.1', 24);
    routerLeg(net, r1, sw2, 'eth1', '10.0.2.1', 24);
    const c = attachHost(net, sw1, 'c1', '10.0.1.10', 24, '10.0.1.1');
    const s = attachHost(net, sw2, 's1', '10.0.2.10', 24, '10.0.2.1');
    const rec = new FullRecorder(net.trace);
    return { net, r1, c, s, rec };
  }

  it('decrements the TTL and rewrites both MACs at a routed hop, checksum updated', () => {
    const { net, r1, c, s, rec } = routed();
    const p = new Ping(c, ip('10.0.2.10'), { count: 2, interval: 100 * MS });
    net.run();
    expect(p.results.every((r) => r.rtt !== null)).toBe(true);
    const echo = txs(rec.events).filter((e) => e.frame.eth.payload.kind === 'ipv4' && (ipOf(e).payload as Icmp).type === ICMP_TYPE.ECHO_REQUEST);
    const fromClient = echo.find((e) => e.node === 'c1')!;
    const fromRouter = echo.find((e) => e.node === 'r1')!;
    expect(fromClient.frame.eth.dst).toBe(r1.iface('eth0')!.mac);
    expect(fromRouter.frame.eth.src).toBe(r1.iface('eth1')!.mac);
    expect(fromRouter.frame.eth.dst).toBe(s.ifaces[0]!.mac);
    expect(ipOf(fromClient).ttl).toBe(64);
    expect(ipOf(fromRouter).ttl).toBe(63);
    expect(ipOf(fromRouter).checksum).toBe(ipv4Checksum(ipOf(fromRouter)));
    expect(fromRouter.frame.parent).toBe(fromClient.frame.id); // lineage
    // Second ping: every cache warm, 8 hops of 816 ns + 10 us.
    expect(p.results[1]!.rtt).toBe(8 * (816 + 10 * US));
  });

  it('answers an unroutable destination with ICMP network unreachable', () => {
    const net = new Network({ seed: 1 });
    const sw1 = net.add(new Switch(net, 'sw1'));
    const r1 = net.add(new Host(net, 'r1', 'router'));
    routerLeg(net, r1, sw1, 'eth0', '10.0.1.1', 24);
    const c = attachHost(net, sw1, 'c1', '10.0.1.10', 24, '10.0.1.1');
    const rec = new FullRecorder(net.trace);
    const p = new Ping(c, ip('192.0.2.1'), { count: 1 });
    net.run();
    expect(drops(rec.events).map((d) => d.code)).toContain('no-route');
    expect(p.results[0]!.error).toBe('Destination Net Unreachable from 10.0.1.1');
  });

  it('a routing loop ends in ICMP time exceeded and a finished simulation', () => {
    const net = new Network({ seed: 1 });
    const sw1 = net.add(new Switch(net, 'sw1'));
    const sw2 = net.add(new Switch(net, 'sw2'));
    const r1 = net.add(new Host(net, 'r1', 'router'));
    const r2 = net.add(new Host(net, 'r2', 'router'));
    routerLeg(net, r1, sw1, 'eth0', '10.0.1.1', 24);
    routerLeg(net, r1, sw2, 'eth1', '10.0.12.1', 24);
    routerLeg(net, r2, sw2, 'eth0', '10.0.12.2', 24);
    r1.addDefaultRoute(ip('10.0.12.2'));
    r2.addDefaultRoute(ip('10.0.12.1'));
    const c = attachHost(net, sw1, 'c1', '10.0.1.10', 24, '10.0.1.1');
    const rec = new FullRecorder(net.trace);
    const p = new Ping(c, ip('198.51.100.7'), { count: 1 });
    const res = net.run();
    expect(res.reason).toBe('idle');
    const ttlDrop = drops(rec.events).filter((d) => d.code === 'ttl-exceeded');
    expect(ttlDrop.length).toBe(1);
    // TTL 64 leaves c1; r1 and r2 alternate; the hop that would send it with TTL 0 drops it.
    const hops = txs(rec.events).filter((e) => e.frame.eth.payload.kind === 'ipv4' && ipOf(e).dst === ip('198.51.100.7') && e.node !== 'sw1' && e.node !== 'sw2');
    expect(hops.map((e) => ipOf(e).ttl)).toEqual(Array.from({ length: 64 }, (_, i) => 64 - i));
    expect(p.results[0]!.error).toMatch(/^Time to live exceeded from 10\.0\.1[2]?\.[12]$/);
  });

  it('sends an ICMP redirect when forwarding back out of the ingress interface; the host ARPs for the new gateway first, and uses the next one', () => {
    // c1 and r2 share a subnet with r1; c1's default gateway is r1, but 10.9.0.0/16 lives behind r2.
    const net = new Network({ seed: 1 });
    const sw = net.add(new Switch(net, 'sw'));
    const sw9 = net.add(new Switch(net, 'sw9'));
    const r1 = net.add(new Host(net, 'r1', 'router'));
    const r2 = net.add(new Host(net, 'r2', 'router'));
    routerLeg(net, r1, sw, 'eth0', '10.0.0.1', 24);
    routerLeg(net, r2, sw, 'eth0', '10.0.0.2', 24);
    routerLeg(net, r2, sw9, 'eth1', '10.9.0.1', 16);
    r1.addRoute({ prefix: ip('10.9.0.0'), len: 16, via: ip('10.0.0.2'), iface: r1.iface('eth0')!, metric: 0, src: null, proto: 'static' });
    const c = attachHost(net, sw, 'c1', '10.0.0.10', 24, '10.0.0.1');
    attachHost(net, sw9, 'far', '10.9.0.9', 16, '10.9.0.1');
    const rec = new FullRecorder(net.trace);
    const p = new Ping(c, ip('10.9.0.9'), { count: 3, interval: 100 * MS });
    net.run();
    expect(p.results.every((r) => r.rtt !== null)).toBe(true);
    const redirects = txs(rec.events).filter((e) => e.node === 'r1' && e.frame.eth.payload.kind === 'ipv4' && ipOf(e).payload.kind === 'icmp' && (ipOf(e).payload as Icmp).type === ICMP_TYPE.REDIRECT);
    expect(redirects.length).toBe(2);
    expect((ipOf(redirects[0]!).payload as Icmp).rest).toBe(ip('10.0.0.2'));
    // Linux __ip_do_redirect: c1 has no neighbour entry for r2, so the first redirect only starts ARP for it.
    const ignored = drops(rec.events).filter((d) => d.node === 'c1' && d.code === 'icmp-ignored');
    expect(ignored.length).toBe(1);
    expect(ignored[0]!.text).toBe("c1 does not know 10.0.0.2's MAC yet: the redirect for 10.9.0.9 only starts ARP for it (__ip_do_redirect: neigh_event_send)");
    const arp = txs(rec.events).find((e) => e.node === 'c1' && e.frame.eth.payload.kind === 'arp' && e.frame.eth.payload.tpa === ip('10.0.0.2'))!;
    expect(arp.t).toBe(ignored[0]!.t);
    expect(c.redirects.get(ip('10.9.0.9'))).toBe(ip('10.0.0.2'));
    // The second echo request still goes to r1 (and earns the redirect that is applied); the third goes straight to r2.
    const echoes = txs(rec.events).filter((e) => e.node === 'c1' && e.frame.eth.payload.kind === 'ipv4' && (ipOf(e).payload as Icmp).type === ICMP_TYPE.ECHO_REQUEST);
    expect(echoes.map((e) => e.frame.eth.dst)).toEqual([r1.iface('eth0')!.mac, r1.iface('eth0')!.mac, r2.iface('eth0')!.mac]);
  });

  it('a host with forwarding off drops packets for other hosts silently (no ICMP)', () => {
    // A misconfigured client uses a plain host as its gateway.
    const net = new Network({ seed: 1 });
    const sw = net.add(new Switch(net, 'sw'));
    attachHost(net, sw, 'notrouter', '10.0.0.1', 24, null);
    const c = attachHost(net, sw, 'c1', '10.0.0.10', 24, '10.0.0.1');
    const rec = new FullRecorder(net.trace);
    const p = new Ping(c, ip('192.0.2.1'), { count: 1 });
    net.run();
    const d = drops(rec.events).filter((x) => x.node === 'notrouter' && x.code !== 'arp-ignored');
    expect(d.map((x) => x.code)).toEqual(['ip-forward-off']);
    expect(txs(rec.events).filter((e) => e.node === 'notrouter' && e.frame.eth.payload.kind === 'ipv4')).toEqual([]);
    expect(p.results[0]!.rtt).toBeNull();
    expect(p.results[0]!.error).toBeNull();
  });
});

describe('L2 switch', () => {
  it('keeps VLANs apart and tags frames on trunks', () => {
    const net = new Network({ seed: 1 });
    const a = net.add(new Switch(net, 'swa'));
    const b = net.add(new Switch(net, 'swb'));
    const h10 = net.add(new Host(net, 'h10'));
    const h20 = net.add(new Host(net, 'h20'));
    const g10 = net.add(new Host(net, 'g10'));
    for (const [h, sw, vlan, addr] of [
      [h10, a, 10, '10.0.10.1'],
      [h20, a, 20, '10.0.10.2'],
      [g10, b, 10, '10.0.10.3'],
    ] as const) {
      const e = h.addIface('eth0');
      h.addAddress(e, ip(addr), 24);
      net.connect(e, sw.addPort(`p${sw.ifaces.length + 1}`, { mode: 'access', vlan }));
    }
    net.connect(a.addPort('trunk', { mode: 'trunk', vlan: 1, allowed: [10, 20] }), b.addPort('trunk', { mode: 'trunk', vlan: 1, allowed: [10, 20] }));
    const rec = new FullRecorder(net.trace);
    const p = new Ping(h10, ip('10.0.10.3'), { count: 1 });
    const q = new Ping(h10, ip('10.0.10.2'), { count: 1 }, 10 * MS);
    net.run();
    expect(p.results[0]!.rtt).not.toBeNull(); // same VLAN across the trunk
    expect(q.results[0]!.error).toMatch(/Host Unreachable/); // other VLAN: never hears the ARP
    const onTrunk = txs(rec.events).filter((e) => e.node === 'swa' && e.iface === 'trunk');
    expect(onTrunk.length).toBeGreaterThan(0);
    expect(onTrunk.every((e) => e.frame.eth.vlan?.vid === 10)).toBe(true);
    expect(h20.ifaces[0]!.counters.rxFrames).toBe(0);
    expect(txs(rec.events).filter((e) => e.node === 'swb' && e.iface === 'p1').every((e) => e.frame.eth.vlan === null)).toBe(true);
  });

  it('an L2 loop is stopped by the storm detector within a few rounds, with a message naming the loop and its cure', () => {
    const net = new Network({ seed: 1, budget: 20_000 });
    const a = net.add(new Switch(net, 'swa'));
    const b = net.add(new Switch(net, 'swb'));
    net.connect(a.addPort('x1'), b.addPort('x1'));
    net.connect(a.addPort('x2'), b.addPort('x2'));
    const h = attachHost(net, a, 'h1', '10.0.0.1', 24, null);
    new Ping(h, ip('10.0.0.2'), { count: 1 });
    const res = net.run();
    // The storm is real (the ARP broadcast multiplies over the two links), but it ends long before the budget.
    expect(res.reason).toBe('stopped');
    expect(net.sim.processed).toBeLessThan(1000);
    expect(res.message).toMatch(/broadcast storm: the same flooded frame came back to sw[ab] 32 times/);
    expect(res.message).toMatch(/the links swa:x[12]-swb:x[12], swb:x[12]-swa:x[12] form a loop/);
    expect(res.message).toMatch(/STP/);
  });

  it('floods newest port first, as a Linux bridge walks br->port_list (br_add_if adds at the head)', () => {
    // Checked on Linux 6.18: ports joined p0, p2, p3, p1; a broadcast from p0 leaves p1, p3, p2.
    const net = new Network({ seed: 1 });
    const sw = net.add(new Switch(net, 'sw'));
    const hosts = ['h0', 'h2', 'h3', 'h1'].map((n) => attachHost(net, sw, n, `10.0.0.1${n[1]}`, 24, null));
    const rec = new FullRecorder(net.trace);
    hosts[0]!.udp.bind(1000, { message: () => undefined }).send(ip('10.0.0.99'), 9, new Uint8Array(1));
    net.run();
    const floods = rec.events.filter((e): e is ForwardEvent => e.kind === 'forward' && e.node === 'sw' && e.how === 'flood');
    // attachHost names the ports p1..p4 in join order: h0 p1, h2 p2, h3 p3, h1 p4.
    expect(floods.slice(0, 3).map((e) => [e.inIface, e.outIface])).toEqual([['p1', 'p4'], ['p1', 'p3'], ['p1', 'p2']]);
    expect(hosts.map((h) => h.name)).toEqual(['h0', 'h2', 'h3', 'h1']);
  });

  it('ages MAC entries out after 300 s and floods again', () => {
    const { net, h1, sw } = switchLan();
    new Ping(h1, ip('10.0.0.2'), { count: 2, interval: 400 * SEC });
    net.run();
    // h2 last sent at about 5 s (its ARP probe); 400 s later its entry has aged out, so the
    // second echo request (unicast to h2's MAC) is flooded and reaches h3 too.
    expect(net.node('h3')!.ifaces[0]!.counters.rxFrames).toBeGreaterThanOrEqual(2);
    void sw;
  });
});

describe('links', () => {
  it('serialises back-to-back frames and tail-drops when the queue is full', () => {
    const net = new Network({ seed: 1 });
    const a = net.add(new Host(net, 'a'));
    const b = net.add(new Host(net, 'b'));
    const ea = a.addIface('eth0', mac('02:00:00:00:00:01'));
    const eb = b.addIface('eth0', mac('02:00:00:00:00:02'));
    a.addAddress(ea, ip('10.0.0.1'), 24);
    b.addAddress(eb, ip('10.0.0.2'), 24);
    net.connect(ea, eb, { bandwidth: 1e6, delay: 0, queue: 2 });
    const rec = new FullRecorder(net.trace);
    const s = a.udp.bind(1000, { message: () => undefined });
    // Resolve first, then send 5 datagrams at once into a 2-frame queue.
    s.send(ip('10.0.0.2'), 9, new Uint8Array(100));
    net.run();
    for (let i = 0; i < 5; i++) s.send(ip('10.0.0.2'), 9, new Uint8Array(100));
    net.run();
    const full = drops(rec.events).filter((d) => d.code === 'queue-full');
    expect(full.length).toBe(2); // 1 on the wire, 2 queued, 2 dropped
    const arrivals = rec.events.filter((e) => e.kind === 'rx' && e.node === 'b' && e.frame.len === 142).map((e) => e.t);
    // 146 bytes at 1 Mb/s = 1168 us each, back to back.
    expect(arrivals.slice(-3).map((t, i, xs) => (i ? t - xs[i - 1]! : 0))).toEqual([0, 1168 * US, 1168 * US]);
  });

  it('loses frames in flight when the link goes down', () => {
    const { net, h1, rec } = switchLan();
    const link = [...net.links.values()][0]!;
    new Ping(h1, ip('10.0.0.2'), { count: 1 });
    net.sim.at(5 * US, { label: 'cut', onEvent: () => link.setUp(false) }, 0);
    net.run();
    expect(drops(rec.events).some((d) => d.code === 'link-down')).toBe(true);
  });
});

describe('determinism', () => {
  it('the same seed gives the identical trace; another seed may not', () => {
    const run = (seed: number): string => {
      const net = new Network({ seed });
      const sw = net.add(new Switch(net, 'sw'));
      const h1 = attachHost(net, sw, 'h1', '10.0.0.1', 24, null);
      attachHost(net, sw, 'h2', '10.0.0.2', 24, null);
      const rec = new FullRecorder(net.trace);
      new Ping(h1, ip('10.0.0.2'), { count: 3 });
      const s = h1.udp.bind(0, { message: () => undefined });
      s.send(ip('10.0.0.2'), 7, new Uint8Array(3));
      net.run();
      return JSON.stringify(rec.events, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v));
    };
    expect(run(5)).toBe(run(5));
    expect(run(5)).not.toBe(run(6)); // ping id and UDP port are drawn from the seed
  });
});

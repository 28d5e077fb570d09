// The ARP neighbour table of a host (src/net/host-neigh.ts): resolution, failure, arp_ignore / arp_announce, gratuitous ARP. Moved from l2l3.test.ts when host.ts was split.
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/net/network.js';
import { Host } from '../../src/net/host.js';
import { Switch } from '../../src/net/switch.js';
import { attachHost, routerLeg } from '../helpers/build.js';
import { drops, switchLan, txs } from './helpers.js';
import { Ping } from '../../src/apps/ping.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { StateEvent, TxEvent } from '../../src/trace/events.js';
import { ip } from '../../src/wire/addr.js';
import { ipv4Checksum, icmpChecksum } from '../../src/wire/checksum.js';
import { ARP_OP, ICMP_TYPE, IP_FLAG, MAC_BROADCAST, type Arp, type Icmp, type Ipv4 } from '../../src/wire/types.js';
import { MS, SEC, US } from '../../src/sim/time.js';

const ipOf = (e: TxEvent): Ipv4 => e.frame.eth.payload as Ipv4;
const arpOf = (e: TxEvent): Arp => e.frame.eth.payload as Arp;

describe('ARP then ping across a switch', () => {
  it('resolves, floods the request, answers unicast, and pings with exact frames and timing', () => {
    const { net, h1, h2, h3, rec } = switchLan();
    const p = new Ping(h1, ip('10.0.0.2'), { count: 1 });
    expect(net.run().reason).toBe('idle');
    const t = txs(rec.events);
    const m1 = h1.ifaces[0]!.mac;
    const m2 = h2.ifaces[0]!.mac;
    // 1. h1 broadcasts the ARP request; the switch floods it to h3 and h2 (newest port first, as a Linux bridge).
    expect(t[0]!.node).toBe('h1');
    expect(t[0]!.frame.eth.dst).toBe(MAC_BROADCAST);
    expect(arpOf(t[0]!)).toEqual({ kind: 'arp', op: ARP_OP.REQUEST, sha: m1, spa: ip('10.0.0.1'), tha: 0, tpa: ip('10.0.0.2') });
    expect(t[0]!.frame.len).toBe(60); // padded to the Ethernet minimum
    expect(t[1]!.node).toBe('sw1');
    expect(t[1]!.iface).toBe('p3');
    expect(t[2]!.node).toBe('sw1');
    expect(t[2]!.iface).toBe('p2');
    expect(t[1]!.frame).toBe(t[0]!.frame); // a switch forwards the same frame
    // h3 ignores the request: not its address.
    expect(drops(rec.events).some((d) => d.node === 'h3' && d.code === 'arp-ignored')).toBe(true);
    // 2. h2 answers unicast; the switch knows h1 now and does not flood.
    expect(t[3]!.node).toBe('h2');
    expect(t[3]!.frame.eth.dst).toBe(m1);
    expect(arpOf(t[3]!)).toEqual({ kind: 'arp', op: ARP_OP.REPLY, sha: m2, spa: ip('10.0.0.2'), tha: m1, tpa: ip('10.0.0.1') });
    expect(t[4]!.node).toBe('sw1');
    expect(t[4]!.iface).toBe('p1');
    // 3. echo request, then the reply: h2 learned h1 from the request (Linux), so no second ARP.
    const req = ipOf(t[5]!);
    expect(t[5]!.node).toBe('h1');
    expect(req.src).toBe(ip('10.0.0.1'));
    expect(req.dst).toBe(ip('10.0.0.2'));
    expect(req.ttl).toBe(64);
    expect(req.frag).toBe(IP_FLAG.DF);
    expect(req.checksum).toBe(ipv4Checksum(req));
    const icmp = req.payload as Icmp;
    expect(icmp.type).toBe(ICMP_TYPE.ECHO_REQUEST);
    expect(icmp.checksum).toBe(icmpChecksum(icmp));
    expect(icmp.body.length).toBe(56);
    const rep = ipOf(t[7]!);
    expect(t[7]!.node).toBe('h2');
    expect(rep.src).toBe(ip('10.0.0.2'));
    expect(rep.frag & IP_FLAG.DF).toBe(0); // Linux icmp_reply does not set DF
    expect((rep.payload as Icmp).type).toBe(ICMP_TYPE.ECHO_REPLY);
    expect((rep.payload as Icmp).rest).toBe(icmp.rest);
    // 4. Linux: h2 learned h1 from the request as STALE, used it for the reply (DELAY), and
    //    nothing confirmed it within delay_first_probe_time, so 5 s later it probes h1 by unicast.
    expect(t.length).toBe(13);
    const probe = t[9]!;
    expect(probe.node).toBe('h2');
    expect(probe.frame.eth.dst).toBe(m1);
    expect(arpOf(probe)).toMatchObject({ op: ARP_OP.REQUEST, tpa: ip('10.0.0.1') });
    expect(probe.t).toBe(t[7]!.t + 5 * SEC);
    expect(arpOf(t[11]!)).toMatchObject({ op: ARP_OP.REPLY, spa: ip('10.0.0.1') });
    expect(h2.neighbour(h2.ifaces[0]!, ip('10.0.0.1'))!.state).toBe('reachable');
    expect(h3.ifaces[0]!.counters.rxFrames).toBe(1); // only the flooded request reached h3
    // Timing: ARP 64 B on the wire = 512 ns per hop, echo 102 B = 816 ns, 10 us per link.
    const arpRtt = 4 * (512 + 10 * US);
    expect(t[5]!.t).toBe(arpRtt);
    expect(p.results[0]!.rtt).toBe(arpRtt + 4 * (816 + 10 * US));
  });

  it('learns MACs in the switch and traces it', () => {
    const { net, h1, sw, rec } = switchLan();
    new Ping(h1, ip('10.0.0.2'), { count: 1 });
    net.run();
    const learned = rec.events.filter((e): e is StateEvent => e.kind === 'state' && e.node === 'sw1');
    expect(learned.map((e) => e.change)).toEqual([
      { what: 'mac', mac: h1.ifaces[0]!.mac, vlan: 1, port: 'p1' },
      { what: 'mac', mac: net.node('h2')!.ifaces[0]!.mac, vlan: 1, port: 'p2' },
    ]);
    expect(sw.entries().length).toBe(2);
  });

  it('an unanswered next hop fails after 3 ARP requests 1 s apart with ICMP host unreachable', () => {
    const { net, h1, rec } = switchLan();
    const p = new Ping(h1, ip('10.0.0.77'), { count: 1 });
    net.run();
    const reqs = txs(rec.events).filter((e) => e.node === 'h1');
    expect(reqs.map((e) => e.t)).toEqual([0, 1 * SEC, 2 * SEC]);
    expect(reqs.every((e) => arpOf(e).tpa === ip('10.0.0.77'))).toBe(true);
    expect(drops(rec.events).find((d) => d.code === 'arp-failed')!.t).toBe(3 * SEC);
    // The error about a locally generated packet is delivered to the host itself.
    expect(p.results[0]!.error).toBe('Destination Host Unreachable from 10.0.0.1');
  });
});

describe('Linux ARP behaviour', () => {
  function vipPool(arpIgnore: number) {
    const net = new Network({ seed: 1 });
    const sw = net.add(new Switch(net, 'sw'));
    const r1 = net.add(new Host(net, 'r1', 'router'));
    routerLeg(net, r1, sw, 'eth0', '10.0.1.1', 24);
    const lb = attachHost(net, sw, 'lb', '10.0.1.5', 24, '10.0.1.1');
    lb.addLoopbackAddress(ip('10.0.1.100'));
    const servers = ['10.0.1.11', '10.0.1.12'].map((a, i) => {
      const s = attachHost(net, sw, `web${i + 1}`, a, 24, '10.0.1.1');
      s.addLoopbackAddress(ip('10.0.1.100'));
      s.sysctl.set('net.ipv4.conf.all.arp_ignore', arpIgnore);
      s.sysctl.set('net.ipv4.conf.all.arp_announce', arpIgnore ? 2 : 0);
      return s;
    });
    // The real VIP owner: the LB has it on eth0 as well.
    lb.addAddress(lb.ifaces[0]!, ip('10.0.1.100'), 24);
    const rec = new FullRecorder(net.trace);
    return { net, r1, lb, servers, rec };
  }

  it('arp_ignore=0: servers with the VIP on lo answer ARP for it, and the first answer wins', () => {
    const { net, r1, servers, rec } = vipPool(0);
    // The router resolves the VIP.
    new Ping(r1, ip('10.0.1.100'), { count: 1 });
    net.run();
    const replies = txs(rec.events).filter((e) => e.frame.eth.payload.kind === 'arp' && arpOf(e).op === ARP_OP.REPLY && arpOf(e).spa === ip('10.0.1.100') && e.node !== 'sw');
    expect(replies.map((e) => e.node).sort()).toEqual(['lb', 'web1', 'web2']);
    // Ports joined r1 p1, lb p2, web1 p3, web2 p4; the switch floods newest first (as a Linux bridge) -> web2 answers first.
    const entry = r1.neighbour(r1.iface('eth0')!, ip('10.0.1.100'))!;
    expect(entry.mac).toBe(servers[1]!.ifaces[0]!.mac);
    expect(drops(rec.events).filter((d) => d.node === 'r1' && d.code === 'arp-ignored').length).toBe(2); // locktime
  });

  it('arp_ignore=1: only the LB answers', () => {
    const { net, r1, rec } = vipPool(1);
    new Ping(r1, ip('10.0.1.100'), { count: 1 });
    net.run();
    const replies = txs(rec.events).filter((e) => e.frame.eth.payload.kind === 'arp' && arpOf(e).op === ARP_OP.REPLY && arpOf(e).spa === ip('10.0.1.100') && e.node !== 'sw');
    expect(replies.map((e) => e.node)).toEqual(['lb']);
    expect(drops(rec.events).filter((d) => d.code === 'arp-ignored' && d.text.includes('arp_ignore=1')).map((d) => d.node).sort()).toEqual(['web1', 'web2']);
  });

  it('arp_announce: 0 uses the packet source (a VIP on lo) as ARP sender, 2 the interface address', () => {
    for (const [announce, expected] of [
      [0, '10.0.1.100'],
      [2, '10.0.1.11'],
    ] as const) {
      const net = new Network({ seed: 1 });
      const sw = net.add(new Switch(net, 'sw'));
      const s = attachHost(net, sw, 'web1', '10.0.1.11', 24, null);
      attachHost(net, sw, 'peer', '10.0.1.20', 24, null);
      s.addLoopbackAddress(ip('10.0.1.100'));
      s.sysctl.set('net.ipv4.conf.all.arp_announce', announce);
      const rec = new FullRecorder(net.trace);
      const sock = s.udp.bind(9, { message: () => undefined }, ip('10.0.1.100'));
      sock.send(ip('10.0.1.20'), 9, new Uint8Array(4));
      net.run();
      expect(arpOf(txs(rec.events)[0]!).spa).toBe(ip(expected));
    }
  });
});

describe('gratuitous ARP', () => {
  it('moves a neighbour entry to the announcer at once (it overrides locktime), and the switch relearns the MAC', () => {
    const net = new Network({ seed: 1 });
    const sw = net.add(new Switch(net, 'sw'));
    const r = attachHost(net, sw, 'r1', '10.0.0.1', 24, null);
    const a = attachHost(net, sw, 'lbA', '10.0.0.2', 24, null);
    const b = attachHost(net, sw, 'lbB', '10.0.0.3', 24, null);
    a.addLoopbackAddress(ip('10.0.0.100'));
    const rec = new FullRecorder(net.trace);
    new Ping(r, ip('10.0.0.100'), { count: 1 }); // r1 learns the VIP at lbA's MAC
    net.run(100 * MS);
    const e = r.neighbour(r.ifaces[0]!, ip('10.0.0.100'))!;
    expect(e.mac).toBe(a.ifaces[0]!.mac);
    // 50 ms later (well within locktime) lbB takes the VIP over and announces it.
    b.addLoopbackAddress(ip('10.0.0.100'));
    b.gratuitousArp(b.ifaces[0]!, ip('10.0.0.100'));
    net.run(200 * MS);
    const garp = txs(rec.events).find((x) => x.node === 'lbB' && x.frame.eth.payload.kind === 'arp')!;
    expect(garp.frame.eth.dst).toBe(MAC_BROADCAST);
    expect(arpOf(garp)).toEqual({ kind: 'arp', op: ARP_OP.REQUEST, sha: b.ifaces[0]!.mac, spa: ip('10.0.0.100'), tha: 0, tpa: ip('10.0.0.100') });
    expect(e.mac).toBe(b.ifaces[0]!.mac);
    expect(e.state).toBe('stale'); // a broadcast request does not prove reachability
    expect(sw.entries().find((m) => m.mac === b.ifaces[0]!.mac)!.port).toBe('p3');
  });
});

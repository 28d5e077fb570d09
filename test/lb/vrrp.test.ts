/**
 * The VRRP router of src/lb/vrrp.ts on a hand-built pair: election and
 * takeover times in simulated nanoseconds (RFC 5798 6.1 timers), the exact
 * advertisement and gratuitous ARP frames, the receive checks of 7.1,
 * preemption, equal priorities, graceful shutdown, the virtual MAC, and the
 * host's multicast filter.
 */
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/net/network.js';
import { Host } from '../../src/net/host.js';
import { Switch } from '../../src/net/switch.js';
import { LoadBalancer } from '../../src/lb/node.js';
import { VrrpInstance, type VrrpConfig } from '../../src/lb/vrrp.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { DropEvent, StateEvent, TxEvent } from '../../src/trace/events.js';
import { ip } from '../../src/wire/addr.js';
import { icmp as mkIcmp, ipv4 as mkIp } from '../../src/wire/build.js';
import { verify } from '../../src/wire/decode.js';
import { VRRP, vrrp as mkVrrp, vrrpMac } from '../../src/wire/vrrp.js';
import { MAC_BROADCAST, type Vrrp } from '../../src/wire/types.js';
import { SEC, MS } from '../../src/sim/time.js';
import { routerLeg } from '../helpers/build.js';

const VIP = ip('10.0.1.100');

/** r1 (10.0.1.1), lb1 (10.0.1.5), lb2 (10.0.1.6) and a plain host on one switch; VRRP 51 on both LBs. */
function pair(p1: Partial<VrrpConfig> = {}, p2: Partial<VrrpConfig> = {}) {
  const net = new Network({ seed: 1 });
  const sw = net.add(new Switch(net, 'sw'));
  const r1 = net.add(new Host(net, 'r1', 'router'));
  routerLeg(net, r1, sw, 'eth1', '10.0.1.1', 24);
  const lb1 = net.add(new LoadBalancer(net, 'lb1'));
  routerLeg(net, lb1, sw, 'eth0', '10.0.1.5', 24);
  const lb2 = net.add(new LoadBalancer(net, 'lb2'));
  routerLeg(net, lb2, sw, 'eth0', '10.0.1.6', 24);
  const other = net.add(new Host(net, 'other'));
  routerLeg(net, other, sw, 'eth0', '10.0.1.50', 24);
  const base: VrrpConfig = { vrid: 51, iface: 'eth0', addresses: [{ addr: VIP, len: 32 }], interval: SEC };
  const v1 = new VrrpInstance(lb1, { ...base, priority: 150, ...p1 });
  const v2 = new VrrpInstance(lb2, { ...base, priority: 100, ...p2 });
  const rec = new FullRecorder(net.trace);
  v1.start();
  v2.start();
  return { net, sw, r1, lb1, lb2, other, v1, v2, rec };
}

const states = (rec: FullRecorder, node: string) =>
  rec.events.filter((e): e is StateEvent => e.kind === 'state' && e.node === node && e.change.what === 'vrrp').map((e) => ({ t: e.t, state: (e.change as { state: string }).state }));

const sent = (rec: FullRecorder, node: string) => rec.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node === node);

describe('VRRP election and takeover (RFC 5798 6.4)', () => {
  it('both start as backup; the higher priority wins after its Master_Down_Interval (3 x 1 s + 106/256 s)', () => {
    const { net, rec, v1, v2 } = pair();
    net.run(20 * SEC);
    expect(v1.skewTime()).toBe(414_062_500);
    expect(v2.masterDownInterval()).toBe(3 * SEC + 609_375_000);
    expect(states(rec, 'lb1')).toEqual([
      { t: 0, state: 'backup' },
      { t: 3_414_062_500, state: 'master' },
    ]);
    expect(states(rec, 'lb2')).toEqual([{ t: 0, state: 'backup' }]);
    expect(v1.state).toBe('master');
    expect(v2.state).toBe('backup');
    expect(v1.stats.adverts).toBe(17); // at 3.414 s, then every second up to 19.414 s
  });

  it('sends the advertisement RFC 5798 describes: 224.0.0.18, its multicast MAC, TTL 255, protocol 112, good checksums', () => {
    const { net, rec, lb1 } = pair();
    net.run(4 * SEC);
    const adv = sent(rec, 'lb1').find((e) => e.frame.eth.payload.kind === 'ipv4')!;
    expect(adv.t).toBe(3_414_062_500);
    const eth = adv.frame.eth;
    expect(eth.dst).toBe(0x01005e000012);
    expect(eth.src).toBe(lb1.iface('eth0')!.mac);
    const p = eth.payload;
    if (p.kind !== 'ipv4') throw new Error('not IPv4');
    expect({ src: p.src, dst: p.dst, ttl: p.ttl, proto: p.proto, tos: p.tos, frag: p.frag }).toEqual({ src: ip('10.0.1.5'), dst: VRRP.GROUP, ttl: 255, proto: 112, tos: 0xc0, frag: 0 });
    const v = p.payload as Vrrp;
    expect({ version: v.version, type: v.type, vrid: v.vrid, priority: v.priority, maxAdvertInt: v.maxAdvertInt, addrs: v.addrs }).toEqual({ version: 3, type: 1, vrid: 51, priority: 150, maxAdvertInt: 100, addrs: [VIP] });
    expect(verify(eth)).toEqual({ ok: true, checked: 2, bad: [] });
  });

  it('a new master sends its advertisement, then 5 gratuitous ARPs, and 5 more 5 s later (keepalived defaults)', () => {
    const { net, rec, lb1 } = pair();
    net.run(10 * SEC);
    const garps = sent(rec, 'lb1').filter((e) => e.frame.eth.payload.kind === 'arp');
    expect(garps.map((e) => e.t)).toEqual([...Array(5).fill(3_414_062_500), ...Array(5).fill(8_414_062_500)]);
    const mac = lb1.iface('eth0')!.mac;
    for (const g of garps) expect(g.frame.eth).toEqual({ kind: 'eth', dst: MAC_BROADCAST, src: mac, vlan: null, type: 0x0806, payload: { kind: 'arp', op: 1, sha: mac, spa: VIP, tha: MAC_BROADCAST, tpa: VIP } });
    const first = sent(rec, 'lb1').filter((e) => e.t === 3_414_062_500);
    expect(first[0]!.frame.eth.payload.kind).toBe('ipv4'); // RFC 5798 6.4.2: the advertisement goes first
  });

  it('the master holds the VIP (traced add) and answers ARP for it; the backup does not', () => {
    const { net, rec, lb1, lb2 } = pair();
    net.run(5 * SEC);
    expect(lb1.isLocal(VIP)).toBe(true);
    expect(lb2.isLocal(VIP)).toBe(false);
    const adds = rec.events.filter((e): e is StateEvent => e.kind === 'state' && e.change.what === 'addr');
    expect(adds.map((e) => [e.node, e.t, e.change])).toEqual([['lb1', 3_414_062_500, { what: 'addr', op: 'add', iface: 'eth0', addr: VIP, len: 32 }]]);
  });

  it('when the master dies the backup takes over Master_Down_Interval after the last advertisement, and the router relearns the VIP', () => {
    const { net, rec, r1, lb1, lb2, v1, v2 } = pair();
    // arp_accept=0: a gratuitous ARP only updates an existing entry, so the router first talks to the VIP.
    r1.defer(5 * SEC, { run: () => void r1.sendPayload(ip('10.0.1.1'), VIP, mkIcmp(8, 0, 0x00010001)) });
    net.run(5.5 * SEC);
    expect(r1.neighbour(r1.iface('eth1')!, VIP)?.mac).toBe(lb1.iface('eth0')!.mac);
    lb1.ifaces.forEach((i) => (i.up = false));
    v1.power(false);
    net.run(30 * SEC);
    // lb1's last advertisement left at 5.414 s; lb2 waits 3.609375 s from its arrival (plus the wire).
    const took = states(rec, 'lb2').find((s) => s.state === 'master')!;
    const lastAdv = rec.events.filter((e) => e.kind === 'rx' && e.node === 'lb2' && e.frame.eth.payload.kind === 'ipv4' && e.t < 6 * SEC).pop()!;
    expect(took.t - lastAdv.t).toBe(3_609_375_000);
    expect(v2.state).toBe('master');
    expect(lb2.isLocal(VIP)).toBe(true);
    expect(r1.neighbour(r1.iface('eth1')!, VIP)?.mac).toBe(lb2.iface('eth0')!.mac);
  });

  it('a graceful stop sends priority 0 and the backup takes over after Skew_Time only', () => {
    const { net, rec, v1, v2 } = pair();
    net.run(5 * SEC);
    v1.stop();
    net.run(10 * SEC);
    const zero = sent(rec, 'lb1').find((e) => e.t === 5 * SEC)!;
    expect((zero.frame.eth.payload as { payload: Vrrp }).payload.priority).toBe(0);
    const took = states(rec, 'lb2').find((s) => s.state === 'master')!;
    const arrived = rec.events.find((e) => e.kind === 'rx' && e.node === 'lb2' && e.t >= 5 * SEC)!;
    expect(took.t - arrived.t).toBe(609_375_000);
    expect(v2.state).toBe('master');
    // The stopped instance left 224.0.0.18: lb2's advertisements now stop at lb1's multicast filter.
    const late = rec.events.filter((e): e is DropEvent => e.kind === 'drop' && e.node === 'lb1' && e.t > 6 * SEC);
    expect(late.length).toBeGreaterThan(0);
    expect(new Set(late.map((d) => d.code))).toEqual(new Set(['not-for-me']));
  });

  it('with preemption, a returning higher-priority router discards the backup-now-master adverts and takes over; without, it stays backup', () => {
    for (const preempt of [true, false]) {
      const { net, rec, lb1, v1, v2 } = pair({ preempt });
      net.run(5 * SEC);
      lb1.ifaces.forEach((i) => (i.up = false));
      v1.power(false);
      net.run(15 * SEC);
      expect(v2.state).toBe('master');
      lb1.ifaces.forEach((i) => (i.up = true));
      v1.power(true);
      net.run(25 * SEC);
      const ignored = rec.events.filter((e): e is DropEvent => e.kind === 'drop' && e.node === 'lb1' && e.code === 'vrrp-ignored');
      if (preempt) {
        expect(v1.state).toBe('master');
        expect(v2.state).toBe('backup');
        expect(states(rec, 'lb1').at(-1)!.t - 15 * SEC).toBe(3_414_062_500);
        expect(ignored.length).toBe(4); // lb2's adverts at 15.02, 16.02, 17.02 and 18.02 s
      } else {
        expect(v1.state).toBe('backup');
        expect(v2.state).toBe('master');
        expect(ignored.length).toBe(0);
      }
    }
  });

  it('on equal priority the higher primary address wins (RFC 5798 6.4.3)', () => {
    const { net, v1, v2 } = pair({ priority: 100 }, { priority: 100 });
    net.run(10 * SEC);
    expect(v1.state).toBe('backup');
    expect(v2.state).toBe('master');
  });

  it('discards an advertisement whose TTL is not 255, and one for another VRID', () => {
    const { net, rec, other, v2 } = pair();
    net.run(1 * SEC);
    const send = (ttl: number, vrid: number) => {
      const src = ip('10.0.1.50');
      other.sendMulticast(other.iface('eth0')!, mkIp({ src, dst: VRRP.GROUP, ttl }, mkVrrp(src, VRRP.GROUP, { vrid, priority: 200, maxAdvertInt: 100, addrs: [VIP] })));
    };
    send(254, 51);
    send(255, 52);
    net.run(2 * SEC);
    const drops = rec.events.filter((e): e is DropEvent => e.kind === 'drop' && e.node === 'lb2' && e.code.startsWith('vrrp'));
    expect(drops.map((d) => d.code)).toEqual(['vrrp-invalid', 'vrrp-other-vrid']);
    expect(v2.state).toBe('backup');
  });

  it('a host that has not joined 224.0.0.18 drops advertisements at its MAC filter', () => {
    const { net, rec } = pair();
    net.run(4 * SEC);
    const d = rec.events.filter((e): e is DropEvent => e.kind === 'drop' && e.node === 'other');
    expect(d.length).toBeGreaterThan(0);
    expect(new Set(d.filter((x) => x.frame!.eth.dst === 0x01005e000012).map((x) => x.code))).toEqual(new Set(['not-for-me']));
  });

  it('with the virtual MAC the adverts, gratuitous ARPs and ARP replies carry 00:00:5e:00:01:33, and the switch moves it on takeover', () => {
    const { net, rec, sw, r1, lb1, v1 } = pair({ vmac: true }, { vmac: true });
    net.run(5 * SEC);
    const vmac = vrrpMac(51);
    expect(vmac).toBe(0x00005e000133);
    const first = sent(rec, 'lb1').filter((e) => e.t === 3_414_062_500);
    expect(first.every((e) => e.frame.eth.src === vmac)).toBe(true);
    const garp = first.find((e) => e.frame.eth.payload.kind === 'arp')!.frame.eth.payload;
    expect(garp).toMatchObject({ sha: vmac, spa: VIP, tpa: VIP });
    expect(sw.entries().find((e) => e.mac === vmac)?.port).toBe('p2');
    r1.defer(0, { run: () => void r1.sendPayload(ip('10.0.1.1'), VIP, mkIcmp(8, 0, 0x00010001)) });
    net.run(6 * SEC);
    expect(r1.neighbour(r1.iface('eth1')!, VIP)?.mac).toBe(vmac);
    lb1.ifaces.forEach((i) => (i.up = false));
    v1.power(false);
    net.run(20 * SEC);
    expect(sw.entries().find((e) => e.mac === vmac)?.port).toBe('p3');
    // The router's entry never had to change: the VIP kept its MAC.
    expect(r1.neighbour(r1.iface('eth1')!, VIP)?.mac).toBe(vmac);
  });

  it('refuses configurations a real router refuses', () => {
    const net = new Network({ seed: 1 });
    const h = net.add(new LoadBalancer(net, 'lb'));
    h.addAddress(h.addIface('eth0'), ip('10.0.1.5'), 24);
    expect(() => new VrrpInstance(h, { vrid: 0, iface: 'eth0', addresses: [{ addr: VIP, len: 32 }] })).toThrow(/vrid 0/);
    expect(() => new VrrpInstance(h, { vrid: 1, iface: 'eth0', addresses: [{ addr: VIP, len: 32 }], interval: 15 * MS })).toThrow(/centiseconds/);
    expect(() => new VrrpInstance(h, { vrid: 1, iface: 'eth9', addresses: [{ addr: VIP, len: 32 }] })).toThrow(/no interface eth9/);
  });
});

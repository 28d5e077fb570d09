import { describe, expect, it } from 'vitest';
import { Network } from '../../src/net/network.js';
import { Switch } from '../../src/net/switch.js';
import { NatGateway } from '../../src/net/nat.js';
import { attachHost, routerLeg } from '../helpers/build.js';
import { Ping } from '../../src/apps/ping.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { RewriteEvent, TraceEvent, TxEvent } from '../../src/trace/events.js';
import { ip } from '../../src/wire/addr.js';
import { ipv4Checksum, transportChecksumOk } from '../../src/wire/checksum.js';
import { ICMP_TYPE, ICMP_UNREACH, type Icmp, type Ipv4, type Udp } from '../../src/wire/types.js';
import { MS } from '../../src/sim/time.js';

const txs = (evs: TraceEvent[]): TxEvent[] => evs.filter((e): e is TxEvent => e.kind === 'tx');
const ipOf = (e: TxEvent): Ipv4 => e.frame.eth.payload as Ipv4;

function home() {
  const net = new Network({ seed: 11 });
  const lan = net.add(new Switch(net, 'lan'));
  const wan = net.add(new Switch(net, 'wan'));
  const gw = net.add(new NatGateway(net, 'gw'));
  routerLeg(net, gw, lan, 'lan0', '192.168.1.1', 24);
  const w = routerLeg(net, gw, wan, 'wan0', '203.0.113.1', 24);
  gw.masquerade(w);
  const a = attachHost(net, lan, 'laptop', '192.168.1.10', 24, '192.168.1.1');
  const b = attachHost(net, lan, 'phone', '192.168.1.11', 24, '192.168.1.1');
  const srv = attachHost(net, wan, 'server', '203.0.113.80', 24, null);
  const rec = new FullRecorder(net.trace);
  return { net, gw, a, b, srv, rec };
}

describe('NAT gateway (masquerade)', () => {
  it('masquerades pings from two private hosts and translates the replies back', () => {
    const { net, a, b, rec } = home();
    const pa = new Ping(a, ip('203.0.113.80'), { count: 1 });
    const pb = new Ping(b, ip('203.0.113.80'), { count: 1 }, 10 * MS);
    net.run();
    expect(pa.results[0]!.rtt).not.toBeNull();
    expect(pb.results[0]!.rtt).not.toBeNull();
    const onWan = txs(rec.events).filter((e) => e.node === 'gw' && e.iface === 'wan0' && e.frame.eth.payload.kind === 'ipv4');
    expect(onWan.length).toBe(2);
    for (const e of onWan) {
      const p = ipOf(e);
      expect(p.src).toBe(ip('203.0.113.1'));
      expect(p.ttl).toBe(63);
      expect(p.checksum).toBe(ipv4Checksum(p));
      expect(transportChecksumOk(p)).toBe(true);
    }
    const rw = rec.events.filter((e): e is RewriteEvent => e.kind === 'rewrite');
    expect(rw.map((e) => e.code)).toEqual(['snat-masquerade', 'un-masquerade', 'snat-masquerade', 'un-masquerade']);
    // Lineage: received frame -> rewritten -> sent on the WAN.
    const first = rw[0]!;
    expect(first.after.parent).toBe(first.before.id);
    expect(onWan[0]!.frame.parent).toBe(first.after.id);
    const back = txs(rec.events).filter((e) => e.node === 'gw' && e.iface === 'lan0' && e.frame.eth.payload.kind === 'ipv4');
    expect(back.map((e) => ipOf(e).dst)).toEqual([ip('192.168.1.10'), ip('192.168.1.11')]);
    for (const e of back) expect(transportChecksumOk(ipOf(e))).toBe(true);
  });

  it('keeps the source port when it can and picks another when two flows would collide', () => {
    const { net, a, b, srv, rec } = home();
    const got: string[] = [];
    srv.udp.bind(53, {
      message: (s, data, from, sport) => {
        got.push(`${from}:${sport}`);
        s.send(from, sport, data);
      },
    });
    const heard: string[] = [];
    const sa = a.udp.bind(40000, { message: (_s, d) => heard.push(`laptop ${new TextDecoder().decode(d)}`) });
    const sb = b.udp.bind(40000, { message: (_s, d) => heard.push(`phone ${new TextDecoder().decode(d)}`) });
    sa.send(ip('203.0.113.80'), 53, new TextEncoder().encode('A'));
    b.defer(5 * MS, { run: () => void sb.send(ip('203.0.113.80'), 53, new TextEncoder().encode('B')) });
    net.run();
    const ports = got.map((g) => Number(g.split(':')[1]));
    expect(ports[0]).toBe(40000);
    expect(ports[1]).not.toBe(40000);
    expect(ports[1]).toBeGreaterThanOrEqual(1024);
    expect(heard.sort()).toEqual(['laptop A', 'phone B']);
    void rec;
  });

  it('translates an ICMP error about a masqueraded flow, quoted packet included', () => {
    const { net, a, rec } = home();
    const errors: string[] = [];
    const s = a.udp.bind(41000, {
      message: () => undefined,
      error: (_s, icmp, to, dport) => errors.push(`${icmp.type}/${icmp.code} ${to}:${dport}`),
    });
    s.send(ip('203.0.113.80'), 9999, new Uint8Array(8));
    net.run();
    expect(errors).toEqual([`${ICMP_TYPE.DEST_UNREACH}/${ICMP_UNREACH.PORT} ${ip('203.0.113.80')}:9999`]);
    const toLaptop = txs(rec.events).find((e) => e.node === 'gw' && e.iface === 'lan0' && e.frame.eth.payload.kind === 'ipv4' && ipOf(e).payload.kind === 'icmp')!;
    const m = ipOf(toLaptop).payload as Icmp;
    expect(ipOf(toLaptop).dst).toBe(ip('192.168.1.10'));
    expect(transportChecksumOk(ipOf(toLaptop))).toBe(true);
    // The quoted header now names the laptop as source, with a valid header checksum.
    const q = m.body;
    expect([q[12], q[13], q[14], q[15]]).toEqual([192, 168, 1, 10]);
    expect((q[20]! << 8) | q[21]!).toBe(41000);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (q[i]! << 8) | q[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
  });

  it('forwards a public port to a private server and answers from the public address', () => {
    const { net, gw, a, srv, rec } = home();
    gw.addPortForward({ proto: 'udp', port: 8053, to: ip('192.168.1.10'), toPort: 53 });
    a.udp.bind(53, { message: (s, d, from, sport) => void s.send(from, sport, d) });
    const replies: string[] = [];
    const c = srv.udp.bind(5000, { message: (_s, _d, from, sport) => replies.push(`${from}:${sport}`) });
    c.send(ip('203.0.113.1'), 8053, new Uint8Array(4));
    net.run();
    expect(replies).toEqual([`${ip('203.0.113.1')}:8053`]);
    const toPrivate = txs(rec.events).find((e) => e.node === 'gw' && e.iface === 'lan0' && e.frame.eth.payload.kind === 'ipv4')!;
    expect(ipOf(toPrivate).dst).toBe(ip('192.168.1.10'));
    expect((ipOf(toPrivate).payload as Udp).dport).toBe(53);
    expect(transportChecksumOk(ipOf(toPrivate))).toBe(true);
  });

  it("traffic to the gateway's own public address that matches no flow is answered by its own stack", () => {
    const { net, srv, rec } = home();
    const errs: number[] = [];
    const c = srv.udp.bind(5001, { message: () => undefined, error: (_s, icmp) => errs.push(icmp.code) });
    c.send(ip('203.0.113.1'), 7777, new Uint8Array(1));
    net.run();
    expect(errs).toEqual([ICMP_UNREACH.PORT]);
    expect(rec.events.some((e) => e.kind === 'drop' && e.node === 'gw' && e.code === 'udp-port-unreachable')).toBe(true);
  });
});

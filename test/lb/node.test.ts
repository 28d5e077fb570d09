import { describe, expect, it } from 'vitest';
import { ip } from '../../src/wire/addr.js';
import { ipv4Checksum, transportChecksumOk } from '../../src/wire/checksum.js';
import { TCP_FLAG, ICMP_TYPE, type Icmp, type Ipv4, type Tcp } from '../../src/wire/types.js';
import { SEC } from '../../src/sim/time.js';
import type { DropEvent, RewriteEvent, RxEvent, StateEvent } from '../../src/trace/events.js';
import { UdpEchoServer } from '../../src/apps/udp-echo.js';
import { bridged, hostOn, inline, ipOf, oneArm, request, serve, service, tcpOf, tcpTx, txs } from './topo.js';

const S = TCP_FLAG.SYN;
const SA = TCP_FLAG.SYN | TCP_FLAG.ACK;
const R = TCP_FLAG.RST;

function rewrites(evs: readonly { kind: string }[], code?: string): RewriteEvent[] {
  return evs.filter((e): e is RewriteEvent => e.kind === 'rewrite' && (code === undefined || (e as RewriteEvent).code === code));
}
function dropsOf(evs: readonly { kind: string }[], code: string): DropEvent[] {
  return evs.filter((e): e is DropEvent => e.kind === 'drop' && (e as DropEvent).code === code);
}
function checksumsOk(p: Ipv4): void {
  expect(p.checksum).toBe(ipv4Checksum(p));
  expect(transportChecksumOk(p)).toBe(true);
}

describe('nat mode, one-arm, servers route through the router: the return-path bug', () => {
  it('the client RSTs the SYN-ACK that comes from web1, retries, and times out after 131 s', () => {
    const { net, lb, client, rec } = oneArm();
    lb.addService(service('nat'));
    const o = request(client, '10.0.1.100');
    net.run();
    // The request reaches web1 with only the destination changed (and the routed hop's TTL).
    const toWeb1 = tcpTx(rec.events, 'lb1').find((e) => tcpOf(e)!.flags === S)!;
    expect(ipOf(toWeb1).src).toBe(ip('10.0.0.10'));
    expect(ipOf(toWeb1).dst).toBe(ip('10.0.1.11'));
    expect(ipOf(toWeb1).ttl).toBe(62); // r1 and lb1 both route it
    checksumsOk(ipOf(toWeb1));
    // web1 answers straight to the router, from its own address.
    const synAck = tcpTx(rec.events, 'web1').find((e) => tcpOf(e)!.flags === SA)!;
    expect(ipOf(synAck).src).toBe(ip('10.0.1.11'));
    expect(synAck.frame.eth.dst).toBe(net.node('r1')!.ifaces[1]!.mac); // to the router, not the LB
    // The client answers it with a bare RST whose seq is the SYN-ACK's ack.
    const rst = tcpTx(rec.events, 'client').find((e) => tcpOf(e)!.flags === R)!;
    expect(tcpOf(rst)!.seq).toBe(tcpOf(synAck)!.ack);
    expect(ipOf(rst).dst).toBe(ip('10.0.1.11'));
    const noSock = dropsOf(rec.events, 'tcp-no-socket').find((d) => d.node === 'client')!;
    expect(noSock.text).toContain('10.0.1.11:80');
    expect(noSock.text).toContain('10.0.1.100:80');
    // The LB forwards back out of the interface it came in on, but the client is not on-link,
    // so Linux sends no redirect (inet_addr_onlink); nothing but the SYN leaves the LB.
    expect(dropsOf(rec.events, 'redirect-suppressed').length).toBe(0);
    expect(txs(rec.events).some((e) => e.node === 'lb1' && e.frame.eth.payload.kind === 'ipv4' && ipOf(e).payload.kind === 'icmp')).toBe(false);
    // connect() to the VIP keeps retrying and times out: the application sees a timeout, not "refused".
    const syns = tcpTx(rec.events, 'client').filter((e) => tcpOf(e)!.flags === S);
    // connect() at 0 queues the SYN while the client ARPs for its gateway (42.048 us); the
    // retransmission timer runs from connect(), so the retries leave at whole seconds.
    expect(syns[0]!.t).toBe(42_048);
    expect(syns.slice(1).map((e) => e.t / SEC)).toEqual([1, 2, 3, 4, 5, 7, 11, 19, 35, 67]);
    expect(o.result).toBe('ETIMEDOUT');
    expect(o.t).toBe(131 * SEC);
  });
});

describe('the three fixes of the one-arm return path', () => {
  it('(a) the LB is the servers\' gateway: the reply crosses it and is un-NATed', () => {
    const { net, lb, client, rec } = oneArm({ serverGw: '10.0.1.5' });
    lb.addService(service('nat'));
    const o = request(client, '10.0.1.100');
    net.run();
    expect(o.result).toBe('completed');
    expect(o.body).toBe('web1\n');
    const un = rewrites(rec.events, 'lb-unnat');
    expect(un.length).toBeGreaterThan(0);
    const before = un[0]!.before.eth.payload as Ipv4;
    const after = un[0]!.after.eth.payload as Ipv4;
    expect(before.src).toBe(ip('10.0.1.11'));
    expect(after.src).toBe(ip('10.0.1.100'));
    expect((after.payload as Tcp).sport).toBe(80);
    checksumsOk(after);
    // What the client receives always comes from the VIP.
    const atClient = rec.events.filter((e) => e.kind === 'rx' && e.node === 'client' && (e as { frame: { eth: { payload: { kind: string } } } }).frame.eth.payload.kind === 'ipv4');
    expect(atClient.every((e) => ((e as unknown as { frame: { eth: { payload: Ipv4 } } }).frame.eth.payload.src === ip('10.0.1.100')))).toBe(true);
  });

  it('(b) SNAT: the server sees the LB as its peer and replies to it', () => {
    const { net, lb, client, rec } = oneArm();
    lb.addService(service('snat'));
    const o = request(client, '10.0.1.100', 80, 0, { sport: 40000 });
    net.run();
    expect(o.result).toBe('completed');
    const syn = tcpTx(rec.events, 'lb1').find((e) => tcpOf(e)!.flags === S)!;
    expect(ipOf(syn).src).toBe(ip('10.0.1.5')); // the LB's own address
    expect(ipOf(syn).dst).toBe(ip('10.0.1.11'));
    expect(tcpOf(syn)!.sport).toBe(40000); // port kept: the reply tuple is unique
    const synAck = tcpTx(rec.events, 'web1').find((e) => tcpOf(e)!.flags === SA)!;
    expect(ipOf(synAck).dst).toBe(ip('10.0.1.5'));
    expect(synAck.frame.eth.dst).toBe(lb.ifaces[0]!.mac);
    const back = rewrites(rec.events, 'lb-unsnat')[0]!;
    expect((back.after.eth.payload as Ipv4).src).toBe(ip('10.0.1.100'));
    expect((back.after.eth.payload as Ipv4).dst).toBe(ip('10.0.0.10'));
    checksumsOk(back.after.eth.payload as Ipv4);
  });

  it('(c) DSR: the addresses stay, the frame goes to the server\'s MAC; the server answers from the VIP straight to the router', () => {
    const { net, lb, client, web1, web2, rec } = oneArm();
    for (const w of [web1, web2]) {
      w.addLoopbackAddress(ip('10.0.1.100'));
      w.sysctl.set('net.ipv4.conf.all.arp_ignore', 1);
      w.sysctl.set('net.ipv4.conf.all.arp_announce', 2);
    }
    lb.addService(service('dsr'));
    const o = request(client, '10.0.1.100');
    net.run();
    expect(o.result).toBe('completed');
    const inSyn = txs(rec.events).find((e) => e.node === 'r1' && tcpOf(e)?.flags === S)!;
    const outSyn = tcpTx(rec.events, 'lb1').find((e) => tcpOf(e)!.flags === S)!;
    // The addresses and the TCP segment are untouched; Linux IPVS (4.9+) decrements the TTL in DR mode too.
    expect(ipOf(outSyn).src).toBe(ipOf(inSyn).src);
    expect(ipOf(outSyn).dst).toBe(ip('10.0.1.100'));
    expect(ipOf(outSyn).payload).toBe(ipOf(inSyn).payload);
    expect(ipOf(outSyn).ttl).toBe(ipOf(inSyn).ttl - 1);
    checksumsOk(ipOf(outSyn));
    expect(outSyn.frame.eth.src).toBe(lb.ifaces[0]!.mac);
    expect(outSyn.frame.eth.dst).toBe(web1.ifaces[0]!.mac);
    const synAck = tcpTx(rec.events, 'web1').find((e) => tcpOf(e)!.flags === SA)!;
    expect(ipOf(synAck).src).toBe(ip('10.0.1.100'));
    expect(synAck.frame.eth.dst).toBe(net.node('r1')!.ifaces[1]!.mac);
    // Replies never touch the LB.
    expect(txs(rec.events).filter((e) => e.node === 'lb1' && tcpOf(e) && ipOf(e).src === ip('10.0.1.100')).length).toBe(0);
    expect(rewrites(rec.events, 'lb-dsr').length).toBeGreaterThan(0);
    // IPVS tracks DSR flows from the input side only.
    const states = rec.events.filter((e): e is StateEvent => e.kind === 'state' && e.change.what === 'lb-conn').map((e) => (e.change as { state: string }).state);
    expect(states).toContain('ESTABLISHED');
  });
});

describe('DSR without arp_ignore', () => {
  it('a server holding the VIP on lo answers ARP for it, and the router can learn the server as the VIP', () => {
    // The LB joins swS first, then web1, then web2; a Linux bridge floods newest port first, so web2's ARP reply arrives first and wins.
    const { net, r1, lb, client, web1, web2, rec } = oneArm();
    for (const w of [web1, web2]) w.addLoopbackAddress(ip('10.0.1.100'));
    lb.addService(service('dsr'));
    const o = request(client, '10.0.1.100');
    net.run();
    const answers = txs(rec.events).filter((e) => e.frame.eth.payload.kind === 'arp' && (e.frame.eth.payload as { op: number; spa: number }).op === 2 && (e.frame.eth.payload as { spa: number }).spa === ip('10.0.1.100') && e.node !== 'swS');
    expect(answers.map((e) => e.node).sort()).toEqual(['lb1', 'web1', 'web2']);
    const entry = r1.neighbour(r1.iface('eth1')!, ip('10.0.1.100'))!;
    expect(entry.mac).toBe(web2.ifaces[0]!.mac); // the VIP now "is" web2
    // The connection still completes, but the LB never sees it.
    expect(o.result).toBe('completed');
    expect(rewrites(rec.events, 'lb-dsr').length).toBe(0);
  });
});

describe('nat mode inline (router mode)', () => {
  it('rewrites both ways with routed hops: MACs change, TTL decrements, checksums updated', () => {
    const { net, lb, client, rec } = inline();
    lb.addService(service('nat', { vip: ip('10.0.9.100') }));
    const o = request(client, '10.0.9.100');
    net.run();
    expect(o.result).toBe('completed');
    const d = rewrites(rec.events, 'lb-dnat')[0]!;
    expect((d.before.eth.payload as Ipv4).dst).toBe(ip('10.0.9.100'));
    expect((d.after.eth.payload as Ipv4).dst).toBe(ip('10.0.1.11'));
    const out = tcpTx(rec.events, 'lb1', 'eth1').find((e) => tcpOf(e)!.flags === S)!;
    expect(out.frame.eth.src).toBe(lb.iface('eth1')!.mac);
    expect(ipOf(out).ttl).toBe(62);
    checksumsOk(ipOf(out));
    expect(out.frame.parent).toBe(d.after.id);
    const back = tcpTx(rec.events, 'lb1', 'eth0').find((e) => tcpOf(e)!.flags === SA)!;
    expect(ipOf(back).src).toBe(ip('10.0.9.100'));
    expect(ipOf(back).ttl).toBe(63);
    checksumsOk(ipOf(back));
  });

  it('round robin alternates servers and the connection table follows IPVS states to expiry', () => {
    const { net, lb, client, rec } = inline();
    const svc = lb.addService(service('nat', { vip: ip('10.0.9.100') }));
    const os = [0, 1, 2, 3].map((i) => request(client, '10.0.9.100', 80, i * 100_000_000));
    net.run(2 * SEC);
    expect(os.map((o) => o.body)).toEqual(['web1\n', 'web2\n', 'web1\n', 'web2\n']);
    expect(svc.served).toEqual([2, 2]);
    // Closed connections linger (TIME_WAIT after the server's FIN) as inactive.
    expect(svc.backends.map((b) => [b.active, b.inactive])).toEqual([[0, 2], [0, 2]]);
    const states = rec.events.filter((e): e is StateEvent => e.kind === 'state' && e.change.what === 'lb-conn' && e.t < 100_000_000).map((e) => (e.change as { op: string; state: string }).op + ' ' + (e.change as { state: string }).state);
    expect(states[0]).toBe('add NONE');
    expect(states).toContain('state SYN_RECV');
    expect(states).toContain('state ESTABLISHED');
    net.run();
    expect(lb.connections().length).toBe(0);
    expect(svc.backends.map((b) => [b.active, b.inactive])).toEqual([[0, 0], [0, 0]]);
  });
});

describe('transparent mode (the LB bridges the server segment)', () => {
  it('changes only the destination IP and MAC on requests and only the source IP on replies', () => {
    const { net, r1, lb, client, web1, rec } = bridged();
    lb.addService(service('transparent'));
    const o = request(client, '10.0.1.100');
    net.run();
    expect(o.result).toBe('completed');
    const routerMac = r1.iface('eth1')!.mac;
    const syn = txs(rec.events).find((e) => e.node === 'lb1' && e.iface === 'eth1' && tcpOf(e)?.flags === S)!;
    expect(syn.frame.eth.src).toBe(routerMac); // bridged: the router's MAC stays
    expect(syn.frame.eth.dst).toBe(web1.ifaces[0]!.mac);
    expect(ipOf(syn).dst).toBe(ip('10.0.1.11'));
    expect(ipOf(syn).ttl).toBe(63); // only the router decremented it
    checksumsOk(ipOf(syn));
    const synAck = txs(rec.events).find((e) => e.node === 'lb1' && e.iface === 'eth0' && tcpOf(e)?.flags === SA)!;
    expect(synAck.frame.eth.src).toBe(web1.ifaces[0]!.mac);
    expect(synAck.frame.eth.dst).toBe(routerMac);
    expect(ipOf(synAck).src).toBe(ip('10.0.1.100'));
    expect(ipOf(synAck).ttl).toBe(64);
    checksumsOk(ipOf(synAck));
  });

  it('with IP forwarding off, the rewritten packets are dropped silently', () => {
    const { net, lb, client, rec } = bridged();
    lb.sysctl.set('net.ipv4.ip_forward', 0);
    lb.addService(service('transparent'));
    const o = request(client, '10.0.1.100');
    net.run(3 * SEC);
    expect(dropsOf(rec.events, 'ip-forward-off').length).toBeGreaterThan(0);
    expect(o.result).toBe('pending');
  });
});

describe('tunnel mode (L3 DSR)', () => {
  it('wraps requests in IP-in-IP to servers on another subnet; they answer from the VIP', () => {
    const { net, r1, lb, client, rec } = oneArm();
    const sw = net.add(new (net.node('swS')!.constructor as typeof import('../../src/net/switch.js').Switch)(net, 'swR'));
    const e = r1.addIface('eth2');
    r1.addAddress(e, ip('10.0.2.1'), 24);
    net.connect(e, sw.addPort('p1'));
    const web3 = hostOn(net, sw, 'web3', '10.0.2.13', '10.0.2.1');
    serve(web3);
    web3.addLoopbackAddress(ip('10.0.1.100'));
    web3.sysctl.set('net.ipv4.conf.all.arp_ignore', 1);
    web3.sysctl.set('net.ipv4.conf.all.arp_announce', 2);
    web3.enableIpip();
    lb.addService(service('tunnel', {}, [['web3', '10.0.2.13']]));
    const o = request(client, '10.0.1.100');
    net.run();
    expect(o.result).toBe('completed');
    expect(o.body).toBe('web3\n');
    const wrapped = txs(rec.events).find((e) => e.node === 'lb1' && e.frame.eth.payload.kind === 'ipv4' && ipOf(e).proto === 4)!;
    const outer = ipOf(wrapped);
    expect(outer.src).toBe(ip('10.0.1.5'));
    expect(outer.dst).toBe(ip('10.0.2.13'));
    const inner = outer.payload as Ipv4;
    expect(inner.dst).toBe(ip('10.0.1.100')); // untouched inside
    expect(inner.src).toBe(ip('10.0.0.10'));
    checksumsOk(outer);
    checksumsOk(inner);
    const synAck = tcpTx(rec.events, 'web3').find((x) => tcpOf(x)!.flags === SA)!;
    expect(ipOf(synAck).src).toBe(ip('10.0.1.100'));
  });
});

describe('the same-subnet VIP call (hairpin)', () => {
  it('nat: web2 calls the VIP, web1 answers web2 directly, web2 resets it', () => {
    const { net, lb, web2, rec } = oneArm({ serverGw: '10.0.1.5' });
    lb.addService(service('nat', { servers: [{ name: 'web1', addr: ip('10.0.1.11') }] }));
    const o = request(web2, '10.0.1.100');
    net.run(10 * SEC);
    const synAck = tcpTx(rec.events, 'web1').find((e) => tcpOf(e)!.flags === SA)!;
    expect(ipOf(synAck).dst).toBe(ip('10.0.1.12'));
    expect(synAck.frame.eth.dst).toBe(web2.ifaces[0]!.mac); // on its own subnet: straight to web2
    const rst = tcpTx(rec.events, 'web2').find((e) => tcpOf(e)!.flags === R)!;
    expect(ipOf(rst).dst).toBe(ip('10.0.1.11'));
    expect(o.result).toBe('pending'); // still retrying its SYN
    // The LB sends the request back out of eth0 to an on-link source, but it transmits it itself, as
    // IPVS does (not through ip_forward), so no ICMP redirect is generated at all.
    expect(txs(rec.events).some((e) => e.node === 'lb1' && e.frame.eth.payload.kind === 'ipv4' && ipOf(e).payload.kind === 'icmp')).toBe(false);
  });

  it('snat fixes it: web1 answers the LB', () => {
    const { net, lb, web2 } = oneArm({ serverGw: '10.0.1.5' });
    lb.addService(service('snat', { servers: [{ name: 'web1', addr: ip('10.0.1.11') }] }));
    const o = request(web2, '10.0.1.100');
    net.run();
    expect(o.result).toBe('completed');
    expect(o.body).toBe('web1\n');
  });
});

describe('failures and explanations', () => {
  it('a dead server the LB cannot ARP: its host unreachable comes from the VIP quoting the client\'s SYN to the VIP, and connect() fails at once (IPVS ip_vs_out_icmp on LOCAL_OUT)', () => {
    // web9 (10.0.1.99) does not exist: the LB's ARP for it fails after 3 probes.
    const { net, lb, client, rec } = oneArm({ serverGw: '10.0.1.5' });
    lb.addService(service('nat', {}, [['web9', '10.0.1.99']]));
    const o = request(client, '10.0.1.100');
    net.run();
    const errs = txs(rec.events).filter((e) => e.node === 'lb1' && e.frame.eth.payload.kind === 'ipv4' && ipOf(e).payload.kind === 'icmp');
    expect(errs.length).toBeGreaterThan(0);
    for (const e of errs) {
      const outer = ipOf(e);
      const m = outer.payload as Icmp;
      expect([m.type, m.code]).toEqual([ICMP_TYPE.DEST_UNREACH, 1]);
      expect(outer.src).toBe(ip('10.0.1.100')); // from the VIP, not from the LB's own address
      expect(outer.dst).toBe(ip('10.0.0.10'));
      checksumsOk(outer);
      // The quote is the client's SYN as the client sent it (to the VIP), with the TTL it had when it waited.
      const q = m.body;
      expect([...q.subarray(12, 16)].join('.')).toBe('10.0.0.10');
      expect([...q.subarray(16, 20)].join('.')).toBe('10.0.1.100');
      expect((q[22]! << 8) | q[23]!).toBe(80);
      expect(q[8]).toBe(62); // r1 and lb1 both routed it before it waited for ARP
    }
    // The client's socket finds the error (its own SYN is quoted) and connect() fails with EHOSTUNREACH (tcp_v4_err in SYN_SENT).
    expect(o.result).toBe('EHOSTUNREACH');
    // The first error ends the socket; the errors about the queued retries that follow find none.
    expect(dropsOf(rec.events, 'icmp-ignored').filter((d) => d.node === 'client').length).toBe(errs.length - 1);
  });

  it('no available server: the SYN is dropped with ICMP port unreachable, and connect() is refused', () => {
    const { net, lb, client, rec } = oneArm({ serverGw: '10.0.1.5' });
    lb.addService(service('nat'));
    lb.setServer('shop', 'web1', { state: 'down' });
    lb.setServer('shop', 'web2', { state: 'disabled' });
    const o = request(client, '10.0.1.100');
    net.run();
    expect(o.result).toBe('ECONNREFUSED');
    const d = dropsOf(rec.events, 'lb-no-server')[0]!;
    expect(d.text).toContain('no server of shop');
    const icmp = txs(rec.events).find((e) => e.node === 'lb1' && e.frame.eth.payload.kind === 'ipv4' && ipOf(e).payload.kind === 'icmp')!;
    expect((ipOf(icmp).payload as Icmp).type).toBe(ICMP_TYPE.DEST_UNREACH);
    expect((ipOf(icmp).payload as Icmp).code).toBe(3);
  });

  it('explains each scheduling decision and rewrite in the trace', () => {
    const { net, lb, client, rec } = oneArm({ serverGw: '10.0.1.5' });
    lb.addService(service('nat', { scheduler: 'wrr', servers: [{ name: 'web1', addr: ip('10.0.1.11'), weight: 2 }, { name: 'web2', addr: ip('10.0.1.12'), weight: 1 }] }));
    request(client, '10.0.1.100');
    net.run();
    const add = rec.events.find((e): e is StateEvent => e.kind === 'state' && e.change.what === 'lb-conn')!;
    expect(add.text).toMatch(/lb1 schedules 10\.0\.0\.10:\d+ -> shop to web1 \(.*web1.*\)/);
    const dnat = rewrites(rec.events, 'lb-dnat')[0]!;
    expect(dnat.text).toMatch(/DNAT 10\.0\.1\.100:80 -> 10\.0\.1\.11:80 \(web1\)/);
  });

  it('persistence keeps a client on its server, and moves it when that server goes down', () => {
    const { net, lb, client } = oneArm({ serverGw: '10.0.1.5' });
    lb.addService(service('nat', { persistence: { timeoutNs: 300 * SEC } }));
    const a = [0, 1, 2].map((i) => request(client, '10.0.1.100', 80, i * 100_000_000));
    net.run(1 * SEC);
    expect(a.map((o) => o.body)).toEqual(['web1\n', 'web1\n', 'web1\n']);
    lb.setServer('shop', 'web1', { state: 'down' });
    const b = request(client, '10.0.1.100', 80, 0);
    net.run(2 * SEC);
    expect(b.body).toBe('web2\n');
  });

  it('UDP through the LB: an ICMP port unreachable from the server is translated back to the VIP', () => {
    const { net, lb, client, rec } = oneArm({ serverGw: '10.0.1.5' });
    lb.addService({ ...service('nat'), proto: 'udp', port: 53 });
    const errs: string[] = [];
    const s = client.udp.bind(5353, { message: () => undefined, error: (_s, icmp, to, dport) => errs.push(`${icmp.code} ${to} ${dport}`) });
    s.send(ip('10.0.1.100'), 53, new Uint8Array(12));
    net.run();
    expect(errs).toEqual([`3 ${ip('10.0.1.100')} 53`]);
    const t = rewrites(rec.events, 'lb-icmp')[0]!;
    const after = t.after.eth.payload as Ipv4;
    expect(after.src).toBe(ip('10.0.1.100'));
    checksumsOk(after);
    const q = (after.payload as Icmp).body;
    expect([q[16], q[17], q[18], q[19]]).toEqual([10, 0, 1, 100]); // the quoted destination is the VIP again
  });
});

describe('ICMP errors from the client side (IPVS ip_vs_in_icmp)', () => {
  /** The client sends one datagram to VIP:7 and closes its socket, so the echoed reply earns an ICMP port unreachable. */
  function closedClient(mode: 'nat' | 'snat' | 'dsr', serverGw?: string) {
    const t = oneArm(serverGw ? { serverGw } : {});
    for (const h of [t.web1, t.web2]) {
      if (mode !== 'dsr') {
        new UdpEchoServer(h, 7);
        continue;
      }
      h.addLoopbackAddress(ip('10.0.1.100'));
      h.sysctl.set('net.ipv4.conf.all.arp_ignore', 1);
      h.sysctl.set('net.ipv4.conf.all.arp_announce', 2);
      // A DSR UDP service answers from the VIP: bound to it (an unbound socket would answer from eth0's address, as Linux does).
      h.udp.bind(7, { message: (sock, data, from, sport) => void sock.send(from, sport, data) }, ip('10.0.1.100'));
    }
    t.lb.addService({ ...service(mode), proto: 'udp', port: 7 });
    const s = t.client.udp.bind(5353, { message: () => undefined });
    s.send(ip('10.0.1.100'), 7, new Uint8Array(8));
    s.close();
    t.net.run();
    const err = txs(t.rec.events).find((e) => e.node === 'client' && e.frame.eth.payload.kind === 'ipv4' && ipOf(e).payload.kind === 'icmp')!;
    const atWeb1 = t.rec.events.filter((e): e is RxEvent => e.kind === 'rx' && e.node === 'web1' && e.frame.eth.payload.kind === 'ipv4' && e.frame.eth.payload.payload.kind === 'icmp');
    return { ...t, err, atWeb1 };
  }
  const quoted = (icmp: Icmp) => {
    const q = icmp.body;
    const ihl = (q[0]! & 15) * 4;
    const a = (i: number) => `${q[i]}.${q[i + 1]}.${q[i + 2]}.${q[i + 3]}`;
    return `${a(12)}:${(q[ihl]! << 8) | q[ihl + 1]!} > ${a(16)}:${(q[ihl + 2]! << 8) | q[ihl + 3]!}`;
  };

  it('nat: the error about the un-NATed reply goes to the server, its quote made the server\'s own reply again', () => {
    const { err, atWeb1, rec } = closedClient('nat', '10.0.1.5');
    const e = ipOf(err);
    expect([e.src, e.dst]).toEqual([ip('10.0.0.10'), ip('10.0.1.100')]);
    expect(quoted(e.payload as Icmp)).toBe('10.0.1.100:7 > 10.0.0.10:5353');
    const t = rewrites(rec.events, 'lb-icmp')[0]!;
    expect(t.node).toBe('lb1');
    expect(atWeb1).toHaveLength(1);
    const got = atWeb1[0]!.frame.eth.payload as Ipv4;
    expect([got.src, got.dst, got.ttl]).toEqual([ip('10.0.0.10'), ip('10.0.1.11'), 62]);
    const icmp = got.payload as Icmp;
    expect([icmp.type, icmp.code]).toEqual([ICMP_TYPE.DEST_UNREACH, 3]);
    expect(quoted(icmp)).toBe('10.0.1.11:7 > 10.0.0.10:5353');
    checksumsOk(got);
  });

  it('snat: the error reaches the server from the LB\'s SNAT address, quoting the reply the server sent to it', () => {
    const { err, atWeb1, rec } = closedClient('snat');
    expect(quoted(ipOf(err).payload as Icmp)).toBe('10.0.1.100:7 > 10.0.0.10:5353');
    expect(rewrites(rec.events, 'lb-icmp')).toHaveLength(1);
    expect(atWeb1).toHaveLength(1);
    const got = atWeb1[0]!.frame.eth.payload as Ipv4;
    expect([got.src, got.dst]).toEqual([ip('10.0.1.5'), ip('10.0.1.11')]);
    const q = quoted(got.payload as Icmp);
    expect(q).toMatch(/^10\.0\.1\.11:7 > 10\.0\.1\.5:\d+$/);
    checksumsOk(got);
  });

  it('dsr: the error goes to the server unchanged, like a request: its MAC, the TTL one lower, the quote still from the VIP', () => {
    const { err, atWeb1, rec, web1 } = closedClient('dsr');
    const e = ipOf(err);
    expect(quoted(e.payload as Icmp)).toBe('10.0.1.100:7 > 10.0.0.10:5353');
    expect(rewrites(rec.events, 'lb-icmp')).toHaveLength(0);
    expect(rewrites(rec.events, 'lb-dsr').some((r) => (r.after.eth.payload as Ipv4).payload.kind === 'icmp')).toBe(true);
    expect(atWeb1).toHaveLength(1);
    const f = atWeb1[0]!.frame;
    expect(f.eth.dst).toBe(web1.ifaces[0]!.mac);
    const got = f.eth.payload as Ipv4;
    expect([got.src, got.dst, got.ttl]).toEqual([ip('10.0.0.10'), ip('10.0.1.100'), e.ttl - 2]);
    expect(got.payload).toBe(e.payload);
    checksumsOk(got);
  });
});

describe('more modes and topologies', () => {
  it('transparent one-arm (one bridge port): the reply bypasses the LB, exactly like NAT one-arm', () => {
    const { net, lb, client, rec } = oneArm();
    lb.bridge([lb.iface('eth0')!], ip('10.0.1.6'), 24);
    lb.addService(service('transparent', { vipIface: 'br0' }));
    const o = request(client, '10.0.1.100');
    net.run(3 * SEC);
    const synAck = tcpTx(rec.events, 'web1').find((e) => tcpOf(e)!.flags === SA)!;
    expect(ipOf(synAck).src).toBe(ip('10.0.1.11'));
    expect(synAck.frame.eth.dst).toBe(net.node('r1')!.ifaces[1]!.mac);
    expect(dropsOf(rec.events, 'tcp-no-socket').some((d) => d.node === 'client')).toBe(true);
    expect(o.result).toBe('pending');
  });

  it('snat inline: the servers see the LB\'s server-side address', () => {
    const { net, lb, client, rec } = inline();
    lb.addService(service('snat', { vip: ip('10.0.9.100') }));
    const o = request(client, '10.0.9.100');
    net.run();
    expect(o.result).toBe('completed');
    const syn = tcpTx(rec.events, 'lb1', 'eth1').find((e) => tcpOf(e)!.flags === S)!;
    expect(ipOf(syn).src).toBe(ip('10.0.1.1')); // the LB's address toward the servers
    checksumsOk(ipOf(syn));
  });

  it('snat with a pool: sources come from the pool, and two clients with the same port never collide', () => {
    const { net, lb, client, rec } = inline();
    lb.addService(service('snat', { vip: ip('10.0.9.100'), snatPool: [ip('10.0.1.50')], servers: [{ name: 'web1', addr: ip('10.0.1.11') }] }));
    expect(lb.iface('eth1')!.hasAddr(ip('10.0.1.50'))).toBe(true); // the LB owns its pool addresses, toward the servers
    const a = request(client, '10.0.9.100', 80, 0, { sport: 40000 });
    const other = hostOn(net, net.node('swC') as never, 'client2', '10.0.0.11', '10.0.0.1');
    const b = request(other, '10.0.9.100', 80, 50_000_000, { sport: 40000 });
    net.run();
    expect(a.result).toBe('completed');
    expect(b.result).toBe('completed');
    const syns = tcpTx(rec.events, 'lb1', 'eth1').filter((e) => tcpOf(e)!.flags === S);
    expect(syns.map((e) => ipOf(e).src)).toEqual([ip('10.0.1.50'), ip('10.0.1.50')]);
    const ports = syns.map((e) => tcpOf(e)!.sport);
    expect(ports[0]).toBe(40000);
    expect(ports[1]).not.toBe(40000); // the same reply tuple would collide: another port is drawn
  });

  it('DSR answers the hairpin call: a server calling the VIP holds it on lo and serves itself', () => {
    const { net, lb, web2, rec } = oneArm();
    for (const w of [net.node('web1') as typeof web2, web2]) {
      w.addLoopbackAddress(ip('10.0.1.100'));
      w.sysctl.set('net.ipv4.conf.all.arp_ignore', 1);
      w.sysctl.set('net.ipv4.conf.all.arp_announce', 2);
    }
    lb.addService(service('dsr'));
    const o = request(web2, '10.0.1.100');
    net.run();
    expect(o.result).toBe('completed');
    expect(o.body).toBe('web2\n');
    expect(txs(rec.events).filter((e) => tcpOf(e) !== null).length).toBe(0); // never on a wire: loopback
  });
});

describe('persistence and the server-side session', () => {
  it('a sticky client keeps its session on web1; when web1 dies it moves to web2 and its session starts over', async () => {
    const { HttpServer } = await import('../../src/apps/http-server.js');
    const { HttpClient } = await import('../../src/apps/http-client.js');
    const { net, lb, client, web1, web2 } = inline();
    const s1 = new HttpServer(web1, { port: 8080 });
    const s2 = new HttpServer(web2, { port: 8080 });
    lb.addService(service('nat', { vip: ip('10.0.9.100'), port: 8080, persistence: { timeoutNs: 300 * SEC } }));
    const c1 = new HttpClient(client, ip('10.0.9.100'), { port: 8080, count: 3, thinkTime: 100_000_000 });
    net.run(2 * SEC);
    expect(c1.results.map((r) => r.server)).toEqual(['web1', 'web1', 'web1']);
    expect(s1.session(ip('10.0.0.10'))).toBe(3);
    lb.setServer('shop', 'web1', { state: 'down' });
    s1.kill();
    const c2 = new HttpClient(client, ip('10.0.9.100'), { port: 8080, count: 2, id: '2', startAt: 0 });
    net.run(4 * SEC);
    expect(c2.results.map((r) => r.server)).toEqual(['web2', 'web2']);
    expect(s2.session(ip('10.0.0.10'))).toBe(2); // the session web1 held is gone
  });
});

describe('connection reuse (IPVS conn_reuse_mode)', () => {
  it('a new SYN on a TIME_WAIT entry is scheduled afresh: the same client port reaches the next server', () => {
    const { net, lb, client, rec } = inline();
    lb.addService(service('nat', { vip: ip('10.0.9.100') }));
    const a = request(client, '10.0.9.100', 80, 0, { sport: 40000 });
    // The servers close first here, so the client's port is free again at once while the LB's entry lingers in TIME_WAIT.
    const b = request(client, '10.0.9.100', 80, 100_000_000, { sport: 40000 });
    net.run(2 * SEC);
    expect(a.body).toBe('web1\n');
    expect(b.body).toBe('web2\n'); // round robin moved on: the old entry was not reused
    const del = rec.events.filter((e): e is StateEvent => e.kind === 'state' && e.change.what === 'lb-conn' && (e.change as { op: string }).op === 'del');
    expect(del.map((e) => e.text)).toContain('lb1 forgets 10.0.0.10:40000 -> web1 (a new SYN reuses its ports)');
  });
});

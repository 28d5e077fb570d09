/**
 * Built-in demonstration networks, assembled in code until scenario files
 * exist. Each builds a network, starts its traffic, and after the run
 * reports what the applications saw. The default, `two-subnets`, is a
 * client and two servers on two subnets joined by a router: ARP for the
 * gateway, a routed ping (TTL 64 -> 63, MACs rewritten per hop), a UDP
 * datagram to a closed port answered by ICMP port unreachable, and a ping
 * to an address nobody has, which ends in ICMP host unreachable after the
 * router's three unanswered ARP requests.
 */
import { ip, fmtIp } from '../wire/addr.js';
import { fmtDuration, MS, SEC } from '../sim/time.js';
import { Network } from '../net/network.js';
import { Host } from '../net/host.js';
import { Switch } from '../net/switch.js';
import { NatGateway } from '../net/nat.js';
import type { Iface } from '../net/iface.js';
import { Ping } from '../apps/ping.js';
import { HttpServer } from '../apps/http-server.js';
import { HttpClient } from '../apps/http-client.js';
import { LoadBalancer, type LbMode } from '../lb/node.js';

/** A built demo, ready to run. */
export interface BuiltDemo {
  readonly net: Network;
  /** Lines describing what the applications saw, after the run. */
  report(): string[];
}

/** A built-in demo. */
export interface Demo {
  readonly name: string;
  readonly title: string;
  /** Builds the network with the given seed. */
  build(seed: number): BuiltDemo;
}

/** Adds a host with one interface, an address and a default gateway, plugged into a switch port. */
export function attachHost(net: Network, sw: Switch, name: string, addr: string, len: number, gw: string | null, kind: 'host' = 'host'): Host {
  const h = net.add(new Host(net, name, kind));
  const e = h.addIface('eth0');
  h.addAddress(e, ip(addr), len);
  net.connect(e, sw.addPort(`p${sw.ifaces.length + 1}`));
  if (gw) h.addDefaultRoute(ip(gw));
  return h;
}

/** Adds an interface with an address to a router and plugs it into a switch. */
export function routerLeg(net: Network, r: Host, sw: Switch, name: string, addr: string, len: number): Iface {
  const i = r.addIface(name);
  r.addAddress(i, ip(addr), len);
  net.connect(i, sw.addPort(`p${sw.ifaces.length + 1}`));
  return i;
}

function pingReport(p: Ping): string[] {
  return p.results.map((r) =>
    r.rtt !== null
      ? `${p.host.name}: ping ${fmtIp(p.dst)} seq=${r.seq} time=${fmtDuration(r.rtt)}`
      : `${p.host.name}: ping ${fmtIp(p.dst)} seq=${r.seq} ${r.error ?? 'no reply'}`,
  );
}

const twoSubnets: Demo = {
  name: 'two-subnets',
  title: 'A client and two servers on two subnets joined by a router',
  build(seed) {
    const net = new Network({ seed });
    const sw1 = net.add(new Switch(net, 'sw1'));
    const sw2 = net.add(new Switch(net, 'sw2'));
    const r1 = net.add(new Host(net, 'r1', 'router'));
    routerLeg(net, r1, sw1, 'eth0', '10.0.1.1', 24);
    routerLeg(net, r1, sw2, 'eth1', '10.0.2.1', 24);
    const c1 = attachHost(net, sw1, 'client1', '10.0.1.10', 24, '10.0.1.1');
    attachHost(net, sw2, 'web1', '10.0.2.11', 24, '10.0.2.1');
    attachHost(net, sw2, 'web2', '10.0.2.12', 24, '10.0.2.1');
    const p1 = new Ping(c1, ip('10.0.2.11'), { count: 2, interval: SEC });
    const sock = c1.udp.bind(0, { message: () => undefined, error: () => undefined });
    c1.defer(300 * MS, { run: () => void sock.send(ip('10.0.2.12'), 7, new TextEncoder().encode('hello')) });
    const p2 = new Ping(c1, ip('10.0.2.99'), { count: 1 }, 500 * MS);
    return { net, report: () => [...pingReport(p1), ...pingReport(p2)] };
  },
};

const nat: Demo = {
  name: 'nat-gateway',
  title: 'Private clients masqueraded behind a NAT gateway',
  build(seed) {
    const net = new Network({ seed });
    const lan = net.add(new Switch(net, 'lan'));
    const wan = net.add(new Switch(net, 'wan'));
    const gw = net.add(new NatGateway(net, 'gw'));
    routerLeg(net, gw, lan, 'lan0', '192.168.1.1', 24);
    const w = routerLeg(net, gw, wan, 'wan0', '203.0.113.1', 24);
    gw.masquerade(w);
    const a = attachHost(net, lan, 'laptop', '192.168.1.10', 24, '192.168.1.1');
    const b = attachHost(net, lan, 'phone', '192.168.1.11', 24, '192.168.1.1');
    attachHost(net, wan, 'server', '203.0.113.80', 24, null);
    const pa = new Ping(a, ip('203.0.113.80'), { count: 1 });
    const pb = new Ping(b, ip('203.0.113.80'), { count: 1 }, 100 * MS);
    return { net, report: () => [...pingReport(pa), ...pingReport(pb)] };
  },
};

const routingLoop: Demo = {
  name: 'routing-loop',
  title: 'Two routers pointing at each other: the TTL runs out',
  build(seed) {
    const net = new Network({ seed });
    const sw1 = net.add(new Switch(net, 'sw1'));
    const sw2 = net.add(new Switch(net, 'sw2'));
    const r1 = net.add(new Host(net, 'r1', 'router'));
    const r2 = net.add(new Host(net, 'r2', 'router'));
    routerLeg(net, r1, sw1, 'eth0', '10.0.1.1', 24);
    routerLeg(net, r1, sw2, 'eth1', '10.0.12.1', 24);
    routerLeg(net, r2, sw2, 'eth0', '10.0.12.2', 24);
    r1.addDefaultRoute(ip('10.0.12.2'));
    r2.addDefaultRoute(ip('10.0.12.1'));
    const c1 = attachHost(net, sw1, 'client1', '10.0.1.10', 24, '10.0.1.1');
    const p = new Ping(c1, ip('198.51.100.7'), { count: 1 });
    return { net, report: () => pingReport(p) };
  },
};

function httpReport(c: HttpClient, what: string): string[] {
  return c.results.map((r) => `${c.host.name} -> ${what}: ${r.outcome}${r.outcome === 'completed' ? ` by ${r.server} in ${fmtDuration(r.responseTime ?? 0)}` : r.error ? ` (${r.error})` : ''}`);
}

/**
 * A one-arm load balancer on the server subnet: client -- r1 -- swS with
 * lb1 (VIP 10.0.1.100, service shop on port 80), web1 and web2. `serverGw`
 * is the servers' default gateway: the router (the one-arm bug) or the LB.
 */
function oneArmLb(seed: number, mode: LbMode, serverGw: string) {
  const net = new Network({ seed });
  const swC = net.add(new Switch(net, 'swC'));
  const swS = net.add(new Switch(net, 'swS'));
  const r1 = net.add(new Host(net, 'r1', 'router'));
  routerLeg(net, r1, swC, 'eth0', '10.0.0.1', 24);
  routerLeg(net, r1, swS, 'eth1', '10.0.1.1', 24);
  const client = attachHost(net, swC, 'client', '10.0.0.10', 24, '10.0.0.1');
  const lb = net.add(new LoadBalancer(net, 'lb1'));
  routerLeg(net, lb, swS, 'eth0', '10.0.1.5', 24);
  lb.addDefaultRoute(ip('10.0.1.1'));
  const web1 = attachHost(net, swS, 'web1', '10.0.1.11', 24, serverGw);
  const web2 = attachHost(net, swS, 'web2', '10.0.1.12', 24, serverGw);
  new HttpServer(web1, { serviceTime: 2 * MS });
  new HttpServer(web2, { serviceTime: 2 * MS });
  lb.addService({ name: 'shop', vip: ip('10.0.1.100'), proto: 'tcp', port: 80, mode, scheduler: 'rr', servers: [{ name: 'web1', addr: ip('10.0.1.11') }] });
  return { net, client, web1, web2, lb };
}

const sameSubnetVip: Demo = {
  name: 'same-subnet-vip',
  title: 'The same-subnet VIP call: a server calls its own VIP and resets the answer',
  build(seed) {
    const { net, client, web2 } = oneArmLb(seed, 'nat', '10.0.1.5');
    // From outside the call works: the LB is the servers' gateway, so replies cross it.
    const outside = new HttpClient(client, ip('10.0.1.100'), { count: 1 });
    // web2 calls the VIP: the LB sends it to web1, which answers web2 directly, and web2 resets it.
    const inside = new HttpClient(web2, ip('10.0.1.100'), { count: 1, startAt: 100 * MS, maxTime: 5 * SEC });
    return { net, report: () => [...httpReport(outside, 'VIP'), ...httpReport(inside, 'VIP')] };
  },
};

const oneArmBug: Demo = {
  name: 'one-arm-bug',
  title: "The one-arm return path: NAT without being the servers' gateway",
  build(seed) {
    const { net, client } = oneArmLb(seed, 'nat', '10.0.1.1');
    const c = new HttpClient(client, ip('10.0.1.100'), { count: 1 });
    return { net, report: () => httpReport(c, 'VIP') };
  },
};

/** The built-in demos by name; the first is the default. */
export const DEMOS: readonly Demo[] = [sameSubnetVip, oneArmBug, twoSubnets, nat, routingLoop];

/** The demo with this name, or null. */
export function findDemo(name: string): Demo | null {
  return DEMOS.find((d) => d.name === name) ?? null;
}

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

/** The built-in demos by name; the first is the default. */
export const DEMOS: readonly Demo[] = [twoSubnets, nat, routingLoop];

/** The demo with this name, or null. */
export function findDemo(name: string): Demo | null {
  return DEMOS.find((d) => d.name === name) ?? null;
}

/**
 * Load-balancer topologies for the LB node tests, built with the classes:
 *
 *   one-arm:   client 10.0.0.10 -- swC -- r1 (10.0.0.1 | 10.0.1.1) -- swS -- lb1 10.0.1.5, web1 .11, web2 .12
 *   inline:    client -- swC -- r1 (10.0.0.1 | 10.0.9.1) -- lb1 (10.0.9.2 | 10.0.1.1) -- swS -- web1, web2
 *   bridge:    client -- swC -- r1 (10.0.0.1 | 10.0.1.1) -- lb1 [eth0 | eth1 bridged, br0 10.0.1.5] -- swS -- web1, web2
 *   tunnel:    as one-arm, plus r1 (10.0.2.1) -- swR -- web3 10.0.2.13, web4 10.0.2.14
 *
 * Servers run a tiny TCP service: on a request they answer with their own
 * name and close. The client records each connection's outcome.
 */
import { Network } from '../../src/net/network.js';
import { Host } from '../../src/net/host.js';
import { Switch } from '../../src/net/switch.js';
import { LoadBalancer, type ServiceConfig } from '../../src/lb/node.js';
import { FullRecorder } from '../../src/trace/trace.js';
import { attachHost, routerLeg } from '../helpers/build.js';
import type { TraceEvent, TxEvent } from '../../src/trace/events.js';
import { ip } from '../../src/wire/addr.js';
import type { Ipv4, Tcp } from '../../src/wire/types.js';
import type { TcpConnection } from '../../src/net/tcp.js';

/** Adds a host with a /24 address on a new port of `sw` (test/helpers/build.ts attachHost). */
export function hostOn(net: Network, sw: Switch, name: string, addr: string, gw: string | null): Host {
  return attachHost(net, sw, name, addr, 24, gw);
}

/** Makes a host answer TCP requests on `port` with its name, then close. */
export function serve(h: Host, port = 80): void {
  h.tcp.listen(port, {}, () => ({
    data: (c: TcpConnection) => {
      c.send(new TextEncoder().encode(`${h.name}\n`));
      c.close();
    },
    peerClosed: (c: TcpConnection) => c.close(),
  }));
}

/** What one client connection ended with. */
export interface Outcome {
  at: number;
  result: string;
  body: string;
  t: number;
}

/** Opens a connection from `client` to `dst:port` after `delay`, sends a request, records the outcome. */
export function request(client: Host, dst: string, port = 80, delay = 0, opts: { sport?: number } = {}): Outcome {
  const o: Outcome = { at: delay, result: 'pending', body: '', t: 0 };
  client.defer(delay, {
    run: () => {
      client.tcp.connect(
        ip(dst),
        port,
        {
          connected: (c) => void c.send(new TextEncoder().encode('GET\n')),
          data: (_c, b) => void (o.body += new TextDecoder().decode(b)),
          peerClosed: (c) => c.close(),
          error: (_c, code) => {
            o.result = code;
            o.t = client.net.sim.now;
          },
          closed: (_c, reason) => {
            if (o.result === 'pending') o.result = reason === 'normal' ? 'completed' : reason;
            o.t = client.net.sim.now;
          },
        },
        opts.sport !== undefined ? { sport: opts.sport } : {},
      );
    },
  });
  return o;
}

/** The standard service on VIP 10.0.1.100:80 over web1 and web2 (and more when given). */
export function service(mode: ServiceConfig['mode'], extra: Partial<ServiceConfig> = {}, servers = [['web1', '10.0.1.11'], ['web2', '10.0.1.12']]): ServiceConfig {
  return {
    name: 'shop',
    vip: ip('10.0.1.100'),
    proto: 'tcp',
    port: 80,
    mode,
    scheduler: 'rr',
    servers: servers.map(([name, addr]) => ({ name: name!, addr: ip(addr!) })),
    ...extra,
  };
}

/** The one-arm topology; `serverGw` is the servers' default gateway (the router, or the LB: fix a). */
export function oneArm(opts: { serverGw?: string; seed?: number; lbFirst?: boolean } = {}) {
  const net = new Network({ seed: opts.seed ?? 1 });
  const swC = net.add(new Switch(net, 'swC'));
  const swS = net.add(new Switch(net, 'swS'));
  const r1 = net.add(new Host(net, 'r1', 'router'));
  routerLeg(net, r1, swC, 'eth0', '10.0.0.1', 24);
  const client = hostOn(net, swC, 'client', '10.0.0.10', '10.0.0.1');
  routerLeg(net, r1, swS, 'eth1', '10.0.1.1', 24);
  const lb = net.add(new LoadBalancer(net, 'lb1'));
  const mkLb = (): void => {
    routerLeg(net, lb, swS, 'eth0', '10.0.1.5', 24);
    lb.addDefaultRoute(ip('10.0.1.1'));
  };
  if (opts.lbFirst !== false) mkLb();
  const gw = opts.serverGw ?? '10.0.1.1';
  const web1 = hostOn(net, swS, 'web1', '10.0.1.11', gw);
  const web2 = hostOn(net, swS, 'web2', '10.0.1.12', gw);
  if (opts.lbFirst === false) mkLb();
  serve(web1);
  serve(web2);
  const rec = new FullRecorder(net.trace);
  return { net, r1, lb, client, web1, web2, rec };
}

/** The inline (router mode) topology: the LB routes between a transit subnet and the servers, and is their gateway. */
export function inline(seed = 1) {
  const net = new Network({ seed });
  const swC = net.add(new Switch(net, 'swC'));
  const swT = net.add(new Switch(net, 'swT'));
  const swS = net.add(new Switch(net, 'swS'));
  const r1 = net.add(new Host(net, 'r1', 'router'));
  routerLeg(net, r1, swC, 'eth0', '10.0.0.1', 24);
  const t0 = routerLeg(net, r1, swT, 'eth1', '10.0.9.1', 24);
  const client = hostOn(net, swC, 'client', '10.0.0.10', '10.0.0.1');
  const lb = net.add(new LoadBalancer(net, 'lb1'));
  routerLeg(net, lb, swT, 'eth0', '10.0.9.2', 24);
  routerLeg(net, lb, swS, 'eth1', '10.0.1.1', 24);
  lb.addDefaultRoute(ip('10.0.9.1'));
  r1.addRoute({ prefix: ip('10.0.1.0'), len: 24, via: ip('10.0.9.2'), iface: t0, metric: 0, src: null, proto: 'static' });
  const web1 = hostOn(net, swS, 'web1', '10.0.1.11', '10.0.1.1');
  const web2 = hostOn(net, swS, 'web2', '10.0.1.12', '10.0.1.1');
  serve(web1);
  serve(web2);
  const rec = new FullRecorder(net.trace);
  return { net, r1, lb, client, web1, web2, rec };
}

/** The transparent topology: the LB bridges between the router and the server switch. */
export function bridged(seed = 1) {
  const net = new Network({ seed });
  const swC = net.add(new Switch(net, 'swC'));
  const swS = net.add(new Switch(net, 'swS'));
  const r1 = net.add(new Host(net, 'r1', 'router'));
  routerLeg(net, r1, swC, 'eth0', '10.0.0.1', 24);
  const client = hostOn(net, swC, 'client', '10.0.0.10', '10.0.0.1');
  const s0 = r1.addIface('eth1');
  r1.addAddress(s0, ip('10.0.1.1'), 24);
  const lb = net.add(new LoadBalancer(net, 'lb1'));
  const up = lb.addIface('eth0');
  const down = lb.addIface('eth1');
  net.connect(s0, up);
  net.connect(down, swS.addPort('p1'));
  lb.bridge([up, down], ip('10.0.1.5'), 24);
  lb.addDefaultRoute(ip('10.0.1.1'));
  const web1 = hostOn(net, swS, 'web1', '10.0.1.11', '10.0.1.1');
  const web2 = hostOn(net, swS, 'web2', '10.0.1.12', '10.0.1.1');
  serve(web1);
  serve(web2);
  const rec = new FullRecorder(net.trace);
  return { net, r1, lb, client, web1, web2, rec };
}

/** Transmissions in the trace. */
export const txs = (evs: TraceEvent[]): TxEvent[] => evs.filter((e): e is TxEvent => e.kind === 'tx');
/** The IPv4 packet of a transmission. */
export const ipOf = (e: TxEvent): Ipv4 => e.frame.eth.payload as Ipv4;
/** The TCP segment of a transmission, or null. */
export const tcpOf = (e: TxEvent): Tcp | null => (e.frame.eth.payload.kind === 'ipv4' && ipOf(e).payload.kind === 'tcp' ? (ipOf(e).payload as Tcp) : null);
/** TCP transmissions by `node` on `iface` (any iface when omitted). */
export const tcpTx = (evs: TraceEvent[], node: string, iface?: string): TxEvent[] => txs(evs).filter((e) => e.node === node && (iface === undefined || e.iface === iface) && tcpOf(e) !== null);

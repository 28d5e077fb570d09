/**
 * The L7 test topology, built with the classes over ideal links (no
 * serialisation delay, 10 us propagation, so times are whole hops):
 *
 *   clients 10.0.0.10, .11, ... -- swC -- lb1 eth0 10.0.0.1 (VIP 10.0.0.100) | eth1 10.0.1.1 -- swS -- servers 10.0.1.11, .12, ...
 *
 * The servers are HttpServer apps named after their hosts.
 */
import { Network } from '../../../src/net/network.js';
import { Host } from '../../../src/net/host.js';
import { Switch } from '../../../src/net/switch.js';
import { LoadBalancer } from '../../../src/lb/node.js';
import { FullRecorder } from '../../../src/trace/trace.js';
import { HttpServer, type HttpServerOptions } from '../../../src/apps/http-server.js';
import { ip } from '../../../src/wire/addr.js';
import type { L7PoolConfig, L7ProxyConfig } from '../../../src/lb/l7/config.js';
import type { StateEvent, TraceEvent } from '../../../src/trace/events.js';

/** The VIP of the test proxy. */
export const VIP = ip('10.0.0.100');

function ideal(net: Network, sw: Switch, name: string, addr: string, gw: string): Host {
  const h = net.add(new Host(net, name));
  const e = h.addIface('eth0');
  h.addAddress(e, ip(addr), 24);
  net.connect(e, sw.addPort(`p${sw.ifaces.length + 1}`), { bandwidth: 0 });
  h.addDefaultRoute(ip(gw));
  return h;
}

/** A proxy configuration with defaults (no cookie, cache, rate limit or CPU cost; XFF, proto and port headers on). */
export function proxyConfig(pools: L7PoolConfig[], more: Partial<L7ProxyConfig> = {}): L7ProxyConfig {
  return {
    name: 'shop',
    vip: VIP,
    port: 80,
    pools,
    rules: [],
    defaultPool: pools[pools.length - 1]!.name,
    cookie: null,
    redispatch: false,
    retries: 3,
    connectTimeout: 5e9,
    idleTimeout: 5e9,
    cache: null,
    rateLimit: null,
    cpu: { perRequest: 0, perConnection: 0, cores: 1 },
    forwarded: { xff: true, proto: true, port: true, rfc7239: false },
    ...more,
  };
}

/** A pool over servers named in `names`, at 10.0.1.(11 + their index in `all`). */
export function pool(name: string, names: string[], all: string[], balance: L7PoolConfig['balance'] = { kind: 'scheduler', name: 'round-robin' }): L7PoolConfig {
  return { name, balance, health: null, servers: names.map((n) => ({ name: n, addr: ip(`10.0.1.${11 + all.indexOf(n)}`), port: 80, weight: 1, state: 'enabled' as const })) };
}

/** Builds the topology: `clients` clients, servers by name (each with an HttpServer), and the proxy made by `cfg`. */
export function l7Net(clients: number, servers: string[], cfg: (all: string[]) => L7ProxyConfig, serverOpts: HttpServerOptions = {}, seed = 1) {
  const net = new Network({ seed });
  const swC = net.add(new Switch(net, 'swC'));
  const swS = net.add(new Switch(net, 'swS'));
  const lb = net.add(new LoadBalancer(net, 'lb1'));
  const e0 = lb.addIface('eth0');
  lb.addAddress(e0, ip('10.0.0.1'), 24);
  net.connect(e0, swC.addPort('p1'), { bandwidth: 0 });
  const e1 = lb.addIface('eth1');
  lb.addAddress(e1, ip('10.0.1.1'), 24);
  net.connect(e1, swS.addPort('p1'), { bandwidth: 0 });
  const cl = Array.from({ length: clients }, (_, i) => ideal(net, swC, `c${i + 1}`, `10.0.0.${10 + i}`, '10.0.0.1'));
  const hosts = servers.map((n, i) => ideal(net, swS, n, `10.0.1.${11 + i}`, '10.0.1.1'));
  const apps = hosts.map((h) => new HttpServer(h, serverOpts));
  const proxy = lb.addProxy(cfg(servers));
  const rec = new FullRecorder(net.trace);
  return { net, lb, proxy, clients: cl, servers: hosts, apps, rec };
}

/** The http trace events (state `http`) at a node, as their changes. */
export function httpEvents(evs: readonly TraceEvent[], node: string) {
  return evs.filter((e): e is StateEvent => e.kind === 'state' && e.node === node && e.change.what === 'http').map((e) => e.change as Extract<StateEvent['change'], { what: 'http' }>);
}

/**
 * Positive tests of the scenario loader: a full scenario resolves to the
 * exact value the builder gets (addresses as numbers, switch ports taken
 * automatically, defaults filled in, positions kept), `extends` merges as
 * documented, and the printed form of errors is a compiler's.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ip, mac } from '../../src/wire/addr.js';
import { MS, SEC, US } from '../../src/sim/time.js';
import { formatErrors, loadScenario, parseScenario } from '../../src/scenario/index.js';
import type { Scenario, SourcePos } from '../../src/scenario/index.js';

const VALID = join(import.meta.dirname, 'valid');

/** Loads a file of test/scenario/valid with names relative to that folder. */
function loadValid(file: string) {
  return loadScenario(file, (p) => readFileSync(join(VALID, p), 'utf8'), { realPath: (p) => realpathSync(join(VALID, p)) });
}

function ok(r: ReturnType<typeof loadValid>): Scenario {
  if (!r.ok) throw new Error(formatErrors(r.errors));
  return r.scenario;
}

const at = (line: number, col: number, file = 'full.yaml'): SourcePos => ({ file, line, col });

describe('a full scenario', () => {
  const r = loadValid('full.yaml');
  const s = ok(r);

  test('has no warnings', () => {
    expect(r.warnings).toEqual([]);
  });

  test('header and run settings', () => {
    expect(s.version).toBe(1);
    expect(s.title).toBe('One-arm NAT, return path');
    expect(s.description).toBe('A client on another subnet calls the VIP; the LB hangs off the server switch.\n');
    expect(s.goals).toEqual(['See the SYN-ACK bypass the LB', 'Fix it with SNAT']);
    expect(s.seed).toBe(7);
    expect(s.files).toEqual(['full.yaml']);
    expect(s.run).toEqual({ until: 60 * SEC, budget: 1_000_000 });
  });

  test('nodes: addresses as numbers, names resolved, defaults filled in', () => {
    const none = { description: '', routes: [], loopback: [], sysctls: [], ipip: false, neighbors: [] };
    expect(s.nodes).toEqual([
      {
        kind: 'host',
        name: 'client1',
        ...none,
        interfaces: [{ name: 'eth0', addrs: [{ addr: ip('10.0.0.10'), len: 24 }], mac: mac('02:00:00:00:00:10'), pos: at(13, 7) }],
        gateway: { via: ip('10.0.0.1'), dev: 'eth0', pos: at(14, 14) },
        pos: at(10, 3),
      },
      {
        kind: 'router',
        name: 'r1',
        ...none,
        interfaces: [
          { name: 'eth0', addrs: [{ addr: ip('10.0.0.1'), len: 24 }], mac: null, pos: at(18, 7) },
          { name: 'eth1', addrs: [{ addr: ip('10.0.1.1'), len: 24 }], mac: null, pos: at(19, 7) },
        ],
        gateway: null,
        routes: [
          {
            to: { addr: ip('10.8.0.0'), len: 16 },
            via: null,
            dev: 'eth1',
            nexthops: [
              { via: ip('10.0.1.11'), dev: 'eth1', weight: 1 },
              { via: ip('10.0.1.12'), dev: 'eth1', weight: 2 },
            ],
            metric: 0,
            pos: at(21, 9),
          },
        ],
        pos: at(15, 3),
      },
      {
        kind: 'switch',
        name: 'sw1',
        description: '',
        ports: ['p1', 'p2', 'p3', 'p4'].map((name, i) => ({ name, mode: 'access', vlan: 1, allowed: [], auto: false, pos: at(24, 13 + 4 * i) })),
        aggregate: [],
        aging: 300 * SEC,
        pos: at(22, 3),
      },
      {
        kind: 'lb',
        name: 'lb1',
        ...none,
        interfaces: [{ name: 'eth0', addrs: [{ addr: ip('10.0.1.5'), len: 24 }], mac: null, pos: at(27, 19) }],
        // `gateway: r1:eth1` is r1's address on eth1.
        gateway: { via: ip('10.0.1.1'), dev: 'eth0', pos: at(28, 14) },
        bridge: null,
        vrrp: null,
        sync: null,
        services: [
          {
            name: 'shop',
            lb: 'lb1',
            vip: ip('10.0.1.100'),
            port: 80,
            proto: 'tcp',
            mode: 'nat',
            scheduler: 'round-robin',
            persistence: { timeout: 300 * SEC, netmask: null },
            snatPool: [],
            keepSourceMac: false, forwarder: 'ipvs',
            health: null,
            onDown: 'keep',
            servers: [
              { name: 'web1', node: 'web1', addr: ip('10.0.1.11'), port: 80, weight: 1, state: 'enabled', pos: at(37, 13) },
              { name: 'web2', node: 'web2', addr: ip('10.0.1.12'), port: 80, weight: 2, state: 'draining', pos: at(38, 13) },
              { name: 'far1', node: null, addr: ip('10.0.2.13'), port: 80, weight: 1, state: 'enabled', pos: at(39, 13) },
            ],
            pos: at(30, 7),
          },
        ],
        proxies: [],
        pos: at(25, 3),
      },
      {
        kind: 'host',
        name: 'web1',
        ...none,
        interfaces: [{ name: 'eth0', addrs: [{ addr: ip('10.0.1.11'), len: 24 }], mac: null, pos: at(42, 19) }],
        gateway: { via: ip('10.0.1.1'), dev: 'eth0', pos: at(43, 14) },
        loopback: [{ addr: ip('10.0.1.100'), len: 32 }],
        sysctls: [
          { name: 'net.ipv4.conf.all.arp_ignore', value: 1 },
          { name: 'net.ipv4.conf.eth0.arp_announce', value: 2 },
        ],
        ipip: true,
        pos: at(40, 3),
      },
      {
        kind: 'host',
        name: 'web2',
        ...none,
        interfaces: [{ name: 'eth0', addrs: [{ addr: ip('10.0.1.12'), len: 24 }], mac: null, pos: at(49, 19) }],
        gateway: { via: ip('10.0.1.1'), dev: 'eth0', pos: at(50, 14) },
        pos: at(47, 3),
      },
    ]);
  });

  test('links: endpoints resolved, free switch ports taken in order, options with units', () => {
    const dflt = { delay: 10 * US, bandwidth: 1e9, loss: 0, queue: 1000 };
    expect(s.links).toEqual([
      { a: { node: 'client1', iface: 'eth0' }, b: { node: 'r1', iface: 'eth0' }, ...dflt, name: 'client1:eth0-r1:eth0', pos: at(53, 5) },
      { a: { node: 'r1', iface: 'eth1' }, b: { node: 'sw1', iface: 'p1' }, delay: 50 * US, bandwidth: 100e6, loss: 0.01, queue: 100, name: 'r1:eth1-sw1:p1', pos: at(54, 5) },
      // `[lb1:eth0, sw1]`: p1 is taken, so p2; p4 is named by a later link, so web1 gets p3.
      { a: { node: 'lb1', iface: 'eth0' }, b: { node: 'sw1', iface: 'p2' }, ...dflt, name: 'lb1:eth0-sw1:p2', pos: at(55, 5) },
      { a: { node: 'web1', iface: 'eth0' }, b: { node: 'sw1', iface: 'p3' }, ...dflt, name: 'web1:eth0-sw1:p3', pos: at(56, 5) },
      { a: { node: 'web2', iface: 'eth0' }, b: { node: 'sw1', iface: 'p4' }, ...dflt, name: 'web2:eth0-sw1:p4', pos: at(57, 5) },
    ]);
  });

  test('apps: targets as addresses with the name they were written as, defaults filled in', () => {
    const vipShop = { text: 'vip:shop', addr: ip('10.0.1.100'), kind: 'vip', node: 'lb1', detail: 'shop' };
    const noCap = { workers: null, queue: null, maxConnections: null, backlog: null };
    expect(s.apps).toEqual([
      { kind: 'http-server', on: 'web1', id: '0', pos: at(60, 5), ...noCap, serviceTime: { dist: 'fixed', ns: 5 * MS }, workers: 4, port: 80, status: 200, body: null, cookie: false, idleTimeout: null, headers: [], defaultHeaders: true, version: '1.1', sessionKey: 'ip' },
      { kind: 'http-server', on: 'web2', id: '0', pos: at(61, 5), ...noCap, serviceTime: { dist: 'uniform', min: 1 * MS, max: 9 * MS }, port: 80, status: 200, body: 'web2\n', cookie: false, idleTimeout: null, headers: [], defaultHeaders: true, version: '1.1', sessionKey: 'ip' },
      {
        kind: 'http-client',
        on: 'client1',
        id: '0',
        pos: at(62, 5),
        to: vipShop,
        port: 80,
        path: '/',
        paths: null,
        headers: [],
        defaultHeaders: true,
        version: '1.1',
        body: null,
        afterConnect: null,
        cookies: false,
        method: 'GET',
        host: null,
        requests: 10,
        rate: { perSec: 100, poisson: true },
        concurrency: 1,
        thinkTime: 0,
        start: 0,
        keepalive: false,
        timeout: 5 * SEC,
        resolver: null,
      },
      { kind: 'ping', on: 'client1', id: '0', pos: at(63, 5), to: { text: 'web1:eth0', addr: ip('10.0.1.11'), kind: 'iface', node: 'web1', detail: 'eth0' }, count: 3, interval: SEC, size: 56, timeout: 10 * SEC, start: 0 },
      { kind: 'tcp-connect', on: 'client1', id: '0', pos: at(64, 5), to: { ...vipShop, text: 'vip:lb1/shop' }, port: 80, start: 1500 * MS },
    ]);
  });

  test('timeline: sorted by time, file order kept at equal times, references resolved', () => {
    const shop = { lb: 'lb1', service: 'shop' };
    expect(s.timeline).toEqual([
      { at: 2 * SEC, action: { kind: 'fail', node: 'web1' }, pos: at(68, 5) },
      { at: 3 * SEC, action: { kind: 'link-down', link: 1, a: { node: 'r1', iface: 'eth1' }, b: { node: 'sw1', iface: 'p1' } }, pos: at(69, 5) },
      { at: 4 * SEC, action: { kind: 'server-state', server: { ...shop, server: 'web1' }, state: 'draining' }, pos: at(70, 5) },
      { at: 5 * SEC, action: { kind: 'restore', node: 'web1' }, pos: at(67, 5) },
      {
        at: 6 * SEC,
        action: { kind: 'add-server', service: shop, server: { name: 'web2b', node: 'web2', addr: ip('10.0.1.12'), port: 80, weight: 1, state: 'enabled', pos: at(71, 52) } },
        pos: at(71, 5),
      },
      // web2b exists from 6 s on, so the weight change at 7 s may name it.
      { at: 7 * SEC, action: { kind: 'weight', server: { ...shop, server: 'web2b' }, value: 3 }, pos: at(72, 5) },
      { at: 8 * SEC, action: { kind: 'mode', service: shop, value: 'snat' }, pos: at(73, 5) },
      { at: 9 * SEC, action: { kind: 'http-status', on: 'web1', port: null, value: 500 }, pos: at(74, 5) },
    ]);
  });

  test('expectations', () => {
    expect(s.expect).toEqual([
      {
        name: 'connect times out',
        check: { kind: 'flow', from: 'client1', to: { text: 'vip:shop', addr: ip('10.0.1.100'), kind: 'vip', node: 'lb1', detail: 'shop' }, port: null, outcome: 'timeout' },
        pos: at(77, 5),
      },
      {
        name: 'SYN-ACK source',
        check: {
          kind: 'frame',
          at: { node: 'r1', iface: 'eth1' },
          // Flags are kept in canonical order, so `AS` and `SA` match alike.
          match: [{ field: 'tcp.flags', value: { kind: 'flags', value: 'SA' }, text: 'AS' }],
          has: [
            { field: 'ip.src', value: { kind: 'number', value: ip('10.0.1.11') }, text: 'web1' },
            { field: 'eth.dst', value: { kind: 'number', value: mac('02:00:00:00:00:10') }, text: 'client1:eth0' },
          ],
          seen: true,
        },
        pos: at(78, 5),
      },
      { name: 'client resets', check: { kind: 'drop', code: 'tcp-no-socket', node: 'client1', iface: null, seen: true }, pos: at(79, 5) },
      { name: 'LB rewrites', check: { kind: 'rewrite', code: 'lb-dnat', node: 'lb1', seen: true }, pos: at(80, 5) },
      { name: 'even spread', check: { kind: 'distribution', service: { lb: 'lb1', service: 'shop' }, over: ['web1', 'web2'], tolerance: 0.1 }, pos: at(81, 5) },
      { name: 'failover fast', check: { kind: 'failover-gap', lessThan: 4 * SEC, client: null }, pos: at(82, 5) },
      { name: 'few drops', check: { kind: 'counter', name: 'drops', node: 'lb1', first: null, port: null, atMost: 0, atLeast: null, equals: null }, pos: at(83, 5) },
    ]);
  });
});

describe('every kind of node', () => {
  const r = loadValid('kinds.yaml');
  const s = ok(r);
  const node = <K extends Scenario['nodes'][number]['kind']>(name: string, kind: K) => {
    const n = s.nodes.find((x) => x.name === name);
    if (!n || n.kind !== kind) throw new Error(`${name} is not a ${kind}`);
    return n as Extract<Scenario['nodes'][number], { kind: K }>;
  };

  test('warns only about what is suspicious: a tunnel server with no app on the port', () => {
    expect(r.warnings.map((w) => `${w.line}:${w.col} ${w.message}`)).toEqual(['41:90 web2 is a server of lb1/far on tcp port 80, but no app listens there; add an http-server app on web2']);
  });

  test('switch: VLAN ports, trunks and aggregated ports are never taken automatically', () => {
    const sw = node('sw1', 'switch');
    expect(sw.ports.map((p) => [p.name, p.mode, p.vlan, p.allowed, p.auto])).toEqual([
      ['p1', 'access', 10, [], false],
      ['up', 'trunk', 1, [10, 20], false],
      ['p5', 'access', 1, [], false],
      ['p6', 'access', 1, [], false],
      ['p2', 'access', 1, [], true],
      ['p3', 'access', 1, [], true],
    ]);
    expect(sw.aggregate).toEqual([['p5', 'p6']]);
    expect(sw.aging).toBe(300 * SEC);
    expect(s.links.map((l) => l.name)).toContain('pc1:eth0-sw1:p2');
  });

  test('gateway, dns, transparent and tunnel LBs, routes by name and by dev', () => {
    const gw = node('gw1', 'gateway');
    expect(gw.masquerade).toBe('wan0');
    expect(gw.forwards.map((f) => [f.proto, f.port, f.to.addr, f.toPort])).toEqual([
      ['tcp', 8080, ip('10.0.1.11'), 80],
      ['udp', 53, ip('192.168.1.53'), 53],
    ]);
    const isp = node('isp', 'router');
    expect(isp.interfaces[2]!.addrs).toEqual([
      { addr: ip('10.0.2.1'), len: 24 },
      { addr: ip('10.0.3.1'), len: 24 },
    ]);
    expect(isp.routes.map((x) => [x.to, x.via, x.dev, x.metric])).toEqual([
      [{ addr: ip('192.168.1.0'), len: 24 }, ip('203.0.113.2'), 'eth0', 0],
      [{ addr: ip('198.51.100.0'), len: 24 }, null, 'eth0', 5],
    ]);
    const lbt = node('lbt', 'lb');
    expect(lbt.bridge).toMatchObject({ ports: ['eth1', 'eth2'], addr: { addr: ip('10.0.1.7'), len: 24 } });
    expect(lbt.sysctls).toEqual([{ name: 'net.ipv4.ip_forward', value: 1 }]);
    expect(lbt.services[0]).toMatchObject({ mode: 'transparent', scheduler: 'weighted-least-conn', persistence: { timeout: 600 * SEC, netmask: ip('255.255.255.0') } });
    const lb1 = node('lb1', 'lb');
    expect(lb1.services.map((x) => [x.name, x.mode, x.proto, x.scheduler, x.snatPool])).toEqual([
      ['far', 'tunnel', 'tcp', 'maglev', []],
      ['echo', 'snat', 'udp', 'round-robin', [ip('10.0.2.50'), ip('10.0.2.51')]],
    ]);
    expect(node('dns1', 'dns').zones).toEqual([{ name: 'shop.example', a: [ip('10.0.1.11'), ip('10.0.1.12')], ttl: 60 * SEC, pos: at(55, 7, 'kinds.yaml') }]);
  });

  test('YAML anchors and merge keys work; top-level x- keys hold them', () => {
    const web1 = node('web1', 'host');
    expect([web1.gateway?.via, web1.ipip, web1.loopback]).toEqual([ip('10.0.1.1'), true, [{ addr: ip('10.0.9.100'), len: 32 }]]);
  });

  test('apps and timeline in their less common forms', () => {
    expect(s.apps.map((a) => a.kind)).toEqual(['http-server', 'udp-echo-server', 'tcp-echo-server', 'dns-lookup', 'http-client']);
    expect(s.apps[2]).toMatchObject({ port: 7, serviceTime: { dist: 'normal', mean: 2 * MS, stddev: 500 * US } });
    expect(s.apps[3]).toMatchObject({ name: 'shop.example', server: { kind: 'node', node: 'dns1' }, cache: 'none', repeat: 3, interval: 2 * SEC });
    expect(s.apps[4]).toMatchObject({ to: { kind: 'vip', addr: ip('10.0.1.200') }, requests: 5, concurrency: 2, keepalive: true, path: '/cart', method: 'POST', host: 'shop.example' });
    expect(s.timeline.map((t) => t.action)).toEqual([
      { kind: 'stop-server', on: 'web1', port: null },
      { kind: 'start-server', on: 'web2', port: 7 },
      { kind: 'service-time', on: 'web2', port: null, value: { dist: 'exponential', mean: 1 * MS } },
      { kind: 'remove-server', server: { lb: 'lb1', service: 'far', server: 'web2' } },
      { kind: 'server-state', server: { lb: 'lb1', service: 'far', server: 'web1' }, state: 'enabled' },
      { kind: 'link-up', link: 8, a: { node: 'web2', iface: 'eth0' }, b: { node: 'sw1', iface: 'p6' } },
    ]);
  });
});

describe('extends', () => {
  const s = ok(loadValid('extends/lesson.yaml'));
  const base = 'extends/base/two-tier.yaml';

  test('maps merge by key, lists replace, `~` removes, the extending file wins', () => {
    expect(s.files).toEqual(['extends/lesson.yaml', base]);
    expect(s.title).toBe('Two tiers, one server gone, a faster client link');
    expect(s.seed).toBe(3);
    expect(s.nodes.map((n) => n.name)).toEqual(['client1', 'r1', 'sw1', 'web1']);
    const client1 = s.nodes[0]!;
    if (client1.kind !== 'host') throw new Error('client1 is a host');
    expect(client1.sysctls).toEqual([{ name: 'net.ipv4.tcp_syn_retries', value: 2 }]);
    expect(client1.interfaces[0]!.addrs).toEqual([{ addr: ip('10.0.0.10'), len: 24 }]);
    expect(s.links.map((l) => l.name)).toEqual(['client1:eth0-r1:eth0', 'r1:eth1-sw1:p1', 'web1:eth0-sw1:p2']);
    expect(s.links[0]!.delay).toBe(1 * MS);
    expect(s.apps.map((a) => a.kind)).toEqual(['http-server', 'ping']);
  });

  test('positions point into the file each value came from', () => {
    const client1 = s.nodes[0]!;
    if (client1.kind !== 'host') throw new Error('client1 is a host');
    expect(client1.pos).toEqual(at(5, 3, 'extends/lesson.yaml'));
    expect(client1.interfaces[0]!.pos).toEqual(at(7, 19, base));
    expect(client1.gateway!.pos).toEqual(at(6, 14, 'extends/lesson.yaml'));
    expect(s.nodes[1]!.pos).toEqual(at(9, 3, base));
  });

  test('text alone cannot extend: loadScenario reads the base', () => {
    const r = parseScenario('lblab: 1\ntitle: t\nextends: base.yaml\nnodes: {}\n', 'inline.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`)).toEqual(['3:10 `extends` is resolved only when the scenario is loaded from a file (loadScenario)']);
  });
});

describe('errors', () => {
  test('print like a compiler: file:line:col, the source line, a caret under the place, the path', () => {
    const r = parseScenario('lblab: 1\ntitle: t\nnodes:\n  c1:\n    kind: host\n    gatway: 10.0.0.1\n', 'lesson.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatErrors(r.errors)).toBe(
      [
        'lesson.yaml:6:5: error: unknown key `gatway` in a host; did you mean `gateway`?',
        ' 6 |     gatway: 10.0.0.1',
        '   |     ^^^^^^',
        '   in nodes.c1.gatway',
        '1 error, 0 warnings',
      ].join('\n'),
    );
    expect(r.errors[0]).toMatchObject({ code: 'unknown-key', path: 'nodes.c1.gatway', found: 'gatway', suggestion: 'did you mean `gateway`?', expected: 'a key of a host' });
  });

  test('a file that cannot be read is reported, not thrown', () => {
    const r = loadScenario('nowhere.yaml', () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.code} ${e.message}`)).toEqual(['nowhere.yaml:1:1 cannot-read cannot read the scenario: no such file']);
  });

  test('a bug inside lblab is reported as an internal error with its stack, not as the user\'s mistake', () => {
    const r = loadScenario('x.yaml', () => 42 as unknown as string);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.code).toBe('internal');
    expect(r.errors[0]!.message).toMatch(/^internal error in lblab's scenario loader \(this is a bug of lblab, not of the file; please report it\)/);
    expect(r.errors[0]!.detail).toMatch(/\n\s+at /);
  });

  test('many errors at once, sorted by position', () => {
    const r = parseScenario('lblab: 1\ntitle: t\nseed: x\nnodes:\n  a: { kind: hots }\n  b: { kind: host, ipip: 3 }\n', 'm.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => `${e.line}:${e.col}`)).toEqual(['3:7', '5:14', '6:26']);
  });
});

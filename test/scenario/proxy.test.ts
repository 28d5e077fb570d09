/**
 * L7 proxies in a scenario file: what the loader resolves (pools and their
 * servers, rules, defaults as HAProxy's, health per proxy, pool and server),
 * and the names that refer to a proxy (vip:, lb/proxy/server, http
 * expectations, client and server keys).
 */
import { describe, expect, it } from 'vitest';
import { formatErrors, loadScenario } from '../../src/scenario/index.js';
import type { ProxySpec, Scenario } from '../../src/scenario/types.js';
import { ip } from '../../src/wire/addr.js';

const BASE = `lblab: 1
title: proxies
nodes:
  c1: { kind: host, interfaces: { eth0: 10.0.0.10/24 }, gateway: 10.0.0.1 }
  lb1:
    kind: lb
    interfaces: { eth0: 10.0.0.1/24, eth1: 10.0.1.1/24 }
    proxies:
      shop:
        vip: 10.0.0.100
        pools:
          img: [web1]
          web: { servers: [web1, { node: web2, weight: 3, health: false }], balance: hdr(X-User), health: { kind: http, path: /health, interval: 1s, timeout: 500ms } }
        rules:
          - { path: /images/, pool: img }
          - { path_regex: '\\.css$', host: Shop.Example, header: X-Beta, cookie: { name: tier, value: gold }, method: GET, pool: web }
        default_pool: web
        cookie: true
        cache: true
        rate_limit: { requests: 5, per: 2s }
        cpu: { per_request: 50us }
        forwarded: { rfc7239: true }
  sw1: { kind: switch }
  sw2: { kind: switch }
  web1: { kind: host, interfaces: { eth0: 10.0.1.11/24 }, gateway: 10.0.1.1 }
  web2: { kind: host, interfaces: { eth0: 10.0.1.12/24 }, gateway: 10.0.1.1 }
links: [[lb1:eth0, sw1], [c1:eth0, sw1], [lb1:eth1, sw2], [web1:eth0, sw2], [web2:eth0, sw2]]
apps:
  - { kind: http-server, on: web1, headers: { Cache-Control: max-age=5 }, default_headers: true, session_key: x-forwarded-for }
  - { kind: http-server, on: web2 }
  - { kind: http-client, on: c1, to: vip:shop, paths: [/a, /b], headers: { X-User: ann }, default_headers: true, cookies: true }
timeline:
  - { at: 1s, disable: lb1/shop/web2 }
run: { until: 5s }
expect:
  - { name: "e", http: { at: lb1, client: c1, pool: web, verdict: cache-hit, headers: { X-User: ann }, at_most: 3 } }
`;

/** The first proxy of lb1. */
function proxyOf(sc: Scenario): ProxySpec {
  const lb = sc.nodes.find((n) => n.name === 'lb1')!;
  if (lb.kind !== 'lb') throw new Error('lb1 is not an lb');
  return lb.proxies[0]!;
}

function load(text: string): Scenario {
  const r = loadScenario('p.yaml', () => text);
  if (!r.ok) throw new Error(formatErrors(r.errors));
  expect(formatErrors(r.warnings)).toBe('');
  return r.scenario;
}

describe('proxies in a scenario', () => {
  const sc = load(BASE);
  const px = proxyOf(sc);

  it('resolves pools, servers, balancing and health (a server\'s own wins, false = unchecked)', () => {
    expect(px.pools.map((p) => [p.name, p.balance, p.servers.map((s) => [s.name, s.addr, s.port, s.weight, s.health === undefined ? 'pool' : s.health])])).toEqual([
      ['img', { kind: 'scheduler', name: 'round-robin' }, [['web1', ip('10.0.1.11'), 80, 1, 'pool']]],
      ['web', { kind: 'header-hash', header: 'X-User' }, [['web1', ip('10.0.1.11'), 80, 1, 'pool'], ['web2', ip('10.0.1.12'), 80, 3, null]]],
    ]);
    expect(px.pools[0]!.health).toBe(null);
    expect(px.pools[1]!.health).toMatchObject({ kind: 'http', path: '/health', interval: 1e9, timeout: 5e8 });
  });

  it('resolves rules in order and fills HAProxy-like defaults', () => {
    expect(px.rules.map((r) => [r.pool, r.match.pathPrefix, r.match.pathRegex?.source ?? null, r.match.host, r.match.header, r.match.cookie, r.match.method])).toEqual([
      ['img', '/images/', null, null, null, null, null],
      ['web', null, '\\.css$', 'Shop.Example', { name: 'X-Beta', value: null }, { name: 'tier', value: 'gold' }, 'GET'],
    ]);
    expect([px.vip, px.port, px.defaultPool, px.cookie, px.redispatch, px.retries, px.connectTimeout, px.idleTimeout]).toEqual([ip('10.0.0.100'), 80, 'web', { name: 'SERVERID' }, false, 3, 5e9, 5e9]);
    expect([px.cache, px.rateLimit, px.cpu, px.forwarded]).toEqual([
      { entries: 100, maxAge: 60e9 },
      { requests: 5, period: 2e9 },
      { perRequest: 50_000, perConnection: 0, cores: 1 },
      { xff: true, proto: true, port: true, rfc7239: true },
    ]);
  });

  it('vip:, lb/proxy/server, client and server keys and the http expectation resolve', () => {
    const client = sc.apps.find((a) => a.kind === 'http-client')!;
    expect(client.kind === 'http-client' && [client.to.addr, client.to.kind, client.port, client.paths, client.headers, client.cookies]).toEqual([ip('10.0.0.100'), 'vip', 80, ['/a', '/b'], [{ name: 'X-User', value: 'ann' }], true]);
    const web1 = sc.apps.find((a) => a.kind === 'http-server' && a.on === 'web1')!;
    expect(web1.kind === 'http-server' && [web1.headers, web1.sessionKey]).toEqual([[{ name: 'Cache-Control', value: 'max-age=5' }], 'x-forwarded-for']);
    expect(sc.timeline[0]!.action).toEqual({ kind: 'server-state', server: { lb: 'lb1', service: 'shop', server: 'web2' }, state: 'disabled' });
    expect(sc.expect[0]!.check).toMatchObject({ kind: 'http', node: 'lb1', pool: 'web', verdict: 'cache-hit', headers: [{ name: 'X-User', value: 'ann' }], atMost: 3, atLeast: null, equals: null });
  });

  it('the default pool is the one named default, else the last', () => {
    const noDefault = BASE.replace('        default_pool: web\n', '');
    expect(proxyOf(load(noDefault)).defaultPool).toBe('web');
    const named = noDefault.replace('          img: [web1]', '          default: [web1]').replace('pool: img }', 'pool: default }');
    expect(proxyOf(load(named)).defaultPool).toBe('default');
  });
});

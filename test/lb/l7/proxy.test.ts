/**
 * The L7 proxy end to end over the class-built topology (topo.ts): the two
 * TCP connections of a proxied request frame by frame, the headers the
 * servers receive, rules, balancing, persistence and redispatch, the cache,
 * rate limiting, the CPU model, and hostile client bytes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HttpClient } from '../../../src/apps/http-client.js';
import { fmtIp, ip } from '../../../src/wire/addr.js';
import { ipv4Checksum, transportChecksumOk } from '../../../src/wire/checksum.js';
import { latin1Bytes, latin1Text } from '../../../src/wire/http.js';
import type { TcpConnection } from '../../../src/net/tcp.js';
import type { L7Match } from '../../../src/lb/l7/config.js';
import type { StateEvent } from '../../../src/trace/events.js';
import { tcpTx } from '../../net/helpers.js';
import { flagText } from '../../apps/helpers.js';
import { httpEvents, l7Net, pool, proxyConfig } from './topo.js';
import { healthCheck } from '../../../src/lb/health-config.js';

const NO_MATCH: L7Match = { pathPrefix: null, pathRegex: null, host: null, header: null, cookie: null, method: null };
const rule = (m: Partial<L7Match>, p: string) => ({ match: { ...NO_MATCH, ...m }, pool: p, text: '' });

/** The three-pool proxy of the path-routing lesson. */
function threePools() {
  return l7Net(1, ['img1', 'static1', 'checkout1'], (all) =>
    proxyConfig([pool('images', ['img1'], all), pool('static', ['static1'], all), pool('checkout', ['checkout1'], all)], {
      rules: [rule({ pathPrefix: '/images/' }, 'images'), rule({ pathPrefix: '/static/' }, 'static')],
      defaultPool: 'checkout',
    }),
  );
}

describe('one client connection, three requests, three pools', () => {
  const t = threePools();
  const cl = new HttpClient(t.clients[0]!, ip('10.0.0.100'), { count: 3, keepAlive: true, paths: ['/images/a.png', '/static/s.css', '/checkout/cart'] });
  t.net.run();
  const segs = tcpTx(t.rec.events).filter((x) => !x.ev.node.startsWith('sw'));
  const line = (x: (typeof segs)[number]) => `${x.t / 1000}us ${x.ev.node} ${fmtIp(x.ip.src)}:${x.seg.sport} > ${fmtIp(x.ip.dst)}:${x.seg.dport} ${flagText(x.seg.flags)} ${x.seg.payload.length}`;

  it('every request completes, each answered by its pool', () => {
    expect(cl.results.map((r) => [r.path, r.outcome, r.status, r.server])).toEqual([
      ['/images/a.png', 'completed', 200, 'img1'],
      ['/static/s.css', 'completed', 200, 'static1'],
      ['/checkout/cart', 'completed', 200, 'checkout1'],
    ]);
    expect(httpEvents(t.rec.events, 'lb1').map((h) => [h.target, h.verdict, h.pool, h.server, h.how])).toEqual([
      ['/images/a.png', 'forwarded', 'images', 'img1', 'balance'],
      ['/static/s.css', 'forwarded', 'static', 'static1', 'balance'],
      ['/checkout/cart', 'forwarded', 'checkout', 'checkout1', 'balance'],
    ]);
  });

  it('the client has one connection to the VIP; the LB opens one of its own to each server, from 10.0.1.1', () => {
    const cport = cl.results[0]!.localPort;
    // The two sides by subnet: the clients' 10.0.0.0/24 and the servers' 10.0.1.0/24.
    const front = segs.filter((x) => x.ip.dst >>> 8 === ip('10.0.0.0') >>> 8 || x.ip.src >>> 8 === ip('10.0.0.0') >>> 8).map(line);
    const back = segs.filter((x) => x.ip.src >>> 8 === ip('10.0.1.0') >>> 8).map(line);
    const C = `10.0.0.10:${cport}`;
    const V = '10.0.0.100:80';
    // The front connection: handshake, three requests and three responses, then the proxy's keep-alive timeout (5 s) closes it.
    expect(front.slice(0, 13)).toEqual([
      `40us c1 ${C} > ${V} S 0`,
      `60us lb1 ${V} > ${C} S. 0`,
      `80us c1 ${C} > ${V} . 0`,
      `80us c1 ${C} > ${V} P. 80`,
      `100us lb1 ${V} > ${C} . 0`, // quick ACK of the request: the proxy has not answered yet
      `220us lb1 ${V} > ${C} P. 83`,
      `240us c1 ${C} > ${V} . 0`,
      `240us c1 ${C} > ${V} P. 80`,
      `380us lb1 ${V} > ${C} P. 89`,
      `400us c1 ${C} > ${V} P. 81`,
      `540us lb1 ${V} > ${C} P. 94`,
      `40560us c1 ${C} > ${V} . 0`, // the client's delayed ACK of the last response
      `5000540us lb1 ${V} > ${C} F. 0`, // timeout http-keep-alive
    ]);
    expect(front.filter((l) => / S 0$/.test(l))).toHaveLength(1);
    // The back side: a new connection per server, the previous one closed by the LB when the next request goes elsewhere.
    const ports = [...new Set(segs.filter((x) => x.ev.node === 'lb1' && x.ev.iface === 'eth1').map((x) => x.seg.sport))];
    expect(ports).toHaveLength(3);
    const [p1, p2, p3] = ports as [number, number, number];
    expect(back.slice(0, 24)).toEqual([
      `140us lb1 10.0.1.1:${p1} > 10.0.1.11:80 S 0`, // 40 us after the request: lb1 first resolves img1 by ARP
      `160us img1 10.0.1.11:80 > 10.0.1.1:${p1} S. 0`,
      `180us lb1 10.0.1.1:${p1} > 10.0.1.11:80 . 0`,
      `180us lb1 10.0.1.1:${p1} > 10.0.1.11:80 P. 155`, // the request grew by the X-Forwarded-* headers: 80 -> 155 bytes
      `200us img1 10.0.1.11:80 > 10.0.1.1:${p1} . 0`,
      `200us img1 10.0.1.11:80 > 10.0.1.1:${p1} P. 107`,
      `220us lb1 10.0.1.1:${p1} > 10.0.1.11:80 . 0`,
      `260us lb1 10.0.1.1:${p1} > 10.0.1.11:80 F. 0`, // the next request goes to static1: this connection is closed
      `280us img1 10.0.1.11:80 > 10.0.1.1:${p1} F. 0`,
      `300us lb1 10.0.1.1:${p1} > 10.0.1.11:80 . 0`,
      `300us lb1 10.0.1.1:${p2} > 10.0.1.12:80 S 0`,
      `320us static1 10.0.1.12:80 > 10.0.1.1:${p2} S. 0`,
      `340us lb1 10.0.1.1:${p2} > 10.0.1.12:80 . 0`,
      `340us lb1 10.0.1.1:${p2} > 10.0.1.12:80 P. 155`,
      `360us static1 10.0.1.12:80 > 10.0.1.1:${p2} . 0`,
      `360us static1 10.0.1.12:80 > 10.0.1.1:${p2} P. 113`,
      `380us lb1 10.0.1.1:${p2} > 10.0.1.12:80 . 0`,
      `420us lb1 10.0.1.1:${p2} > 10.0.1.12:80 F. 0`,
      `440us static1 10.0.1.12:80 > 10.0.1.1:${p2} F. 0`,
      `460us lb1 10.0.1.1:${p2} > 10.0.1.12:80 . 0`,
      `460us lb1 10.0.1.1:${p3} > 10.0.1.13:80 S 0`,
      `480us checkout1 10.0.1.13:80 > 10.0.1.1:${p3} S. 0`,
      `500us lb1 10.0.1.1:${p3} > 10.0.1.13:80 . 0`,
      `500us lb1 10.0.1.1:${p3} > 10.0.1.13:80 P. 156`,
    ]);
  });

  it('each connection has its own sequence numbers; nothing is rewritten or NATed', () => {
    const syn = (node: string, dport: number) => segs.find((x) => x.ev.node === node && x.seg.flags === 2 && x.seg.dport === dport)!;
    const clientIsn = syn('c1', 80).seg.seq;
    const lbIsns = segs.filter((x) => x.ev.node === 'lb1' && x.seg.flags === 2).map((x) => x.seg.seq);
    expect(lbIsns).toHaveLength(3);
    for (const isn of lbIsns) expect(isn).not.toBe(clientIsn);
    const synAck = segs.find((x) => x.ev.node === 'lb1' && x.seg.flags === 0x12)!;
    expect(synAck.seg.ack).toBe((clientIsn + 1) >>> 0);
    expect(t.rec.events.some((e) => e.kind === 'rewrite')).toBe(false);
  });

  it('frames carry the right MACs on each side and correct checksums', () => {
    const macOf = (node: string, iface: string) => t.net.node(node)!.ifaces.find((i) => i.name === iface)!.mac;
    const req = segs.find((x) => x.ev.node === 'c1' && x.seg.payload.length > 0)!;
    expect([req.ev.frame.eth.src, req.ev.frame.eth.dst]).toEqual([macOf('c1', 'eth0'), macOf('lb1', 'eth0')]);
    const up = segs.find((x) => x.ev.node === 'lb1' && x.ev.iface === 'eth1' && x.seg.payload.length > 0)!;
    expect([up.ev.frame.eth.src, up.ev.frame.eth.dst]).toEqual([macOf('lb1', 'eth1'), macOf('img1', 'eth0')]);
    expect(up.ip.ttl).toBe(64); // a new packet of the LB's own, not a forwarded one
    for (const x of segs) {
      expect(x.ip.checksum).toBe(ipv4Checksum(x.ip));
      expect(transportChecksumOk(x.ip)).toBe(true);
    }
  });

  it('the servers receive the client headers plus X-Forwarded-For, -Proto and -Port; the client sees no server connection header', () => {
    expect(httpEvents(t.rec.events, 'img1').map((h) => [h.client, h.headers])).toEqual([
      [
        '10.0.1.1',
        [
          { name: 'Host', value: '10.0.0.100' },
          { name: 'User-Agent', value: 'lblab' },
          { name: 'Accept', value: '*/*' },
          { name: 'X-Forwarded-For', value: '10.0.0.10' },
          { name: 'X-Forwarded-Proto', value: 'http' },
          { name: 'X-Forwarded-Port', value: '80' },
        ],
      ],
    ]);
    const up = segs.find((x) => x.ev.node === 'lb1' && x.ev.iface === 'eth1' && x.seg.payload.length > 0)!;
    expect(latin1Text(up.seg.payload)).toBe('GET /images/a.png HTTP/1.1\r\nHost: 10.0.0.100\r\nUser-Agent: lblab\r\nAccept: */*\r\nX-Forwarded-For: 10.0.0.10\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: 80\r\n\r\n');
    const down = segs.find((x) => x.ev.node === 'lb1' && x.ev.iface === 'eth0' && x.seg.payload.length > 0)!;
    expect(latin1Text(down.seg.payload)).toBe('HTTP/1.1 200 OK\r\nServer: img1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nimg1\n'.replace('img1\n', '\r\nimg1\n'));
  });
});

describe('forwarded headers', () => {
  it('a client-supplied X-Forwarded-For keeps its place; the address the proxy saw is appended last; RFC 7239 Forwarded on request', () => {
    const t = l7Net(1, ['web1'], (all) => proxyConfig([pool('web', ['web1'], all)], { forwarded: { xff: true, proto: false, port: false, rfc7239: true } }));
    new HttpClient(t.clients[0]!, ip('10.0.0.100'), { headers: [{ name: 'X-Forwarded-For', value: '6.6.6.6' }] });
    t.net.run();
    const h = httpEvents(t.rec.events, 'web1')[0]!.headers;
    expect(h.filter((x) => /^(x-forwarded|forwarded)/i.test(x.name))).toEqual([
      { name: 'X-Forwarded-For', value: '6.6.6.6, 10.0.0.10' },
      { name: 'Forwarded', value: 'for=10.0.0.10;proto=http;by=10.0.0.100' },
    ]);
    // Connection: close from the client is hop-by-hop: the server does not get it.
    expect(h.some((x) => x.name === 'Connection')).toBe(false);
  });
});

describe('routing rules and balancing', () => {
  it('host, header, cookie and method rules, in order, with a default pool', () => {
    const t = l7Net(1, ['a1', 'b1', 'c1s', 'd1', 'e1'], (all) =>
      proxyConfig([pool('a', ['a1'], all), pool('b', ['b1'], all), pool('c', ['c1s'], all), pool('d', ['d1'], all), pool('e', ['e1'], all)], {
        rules: [rule({ host: 'img.example' }, 'a'), rule({ header: { name: 'X-Beta', value: '1' } }, 'b'), rule({ cookie: { name: 'tier', value: 'gold' } }, 'c'), rule({ method: 'POST' }, 'd')],
        defaultPool: 'e',
      }),
    );
    const c = t.clients[0]!;
    const V = ip('10.0.0.100');
    new HttpClient(c, V, { hostHeader: 'IMG.example:80', id: 'a' });
    new HttpClient(c, V, { headers: [{ name: 'x-beta', value: '1' }], id: 'b', startAt: 1e6 });
    new HttpClient(c, V, { headers: [{ name: 'Cookie', value: 'a=1; tier=gold' }], id: 'c', startAt: 2e6 });
    new HttpClient(c, V, { method: 'POST', body: 'x', id: 'd', startAt: 3e6 });
    new HttpClient(c, V, { headers: [{ name: 'X-Beta', value: '2' }], id: 'e', startAt: 4e6 });
    t.net.run();
    expect(httpEvents(t.rec.events, 'lb1').map((h) => h.pool)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('uri-hash sends one path to one server whatever the client; round robin goes per request, not per connection', () => {
    const t = l7Net(2, ['w1', 'w2', 'w3'], (all) =>
      proxyConfig([pool('hashed', ['w1', 'w2', 'w3'], all, { kind: 'uri-hash' }), pool('rr', ['w1', 'w2', 'w3'], all)], { rules: [rule({ pathPrefix: '/h/' }, 'hashed')], defaultPool: 'rr' }),
    );
    const V = ip('10.0.0.100');
    new HttpClient(t.clients[0]!, V, { count: 4, keepAlive: true, paths: ['/h/x?1', '/h/y', '/h/x?2', '/h/y'] });
    new HttpClient(t.clients[1]!, V, { count: 3, keepAlive: true, paths: ['/h/x', '/r', '/r'], startAt: 5e6, id: '1' });
    new HttpClient(t.clients[1]!, V, { count: 3, keepAlive: true, path: '/r', startAt: 10e6, id: '2' });
    t.net.run();
    const ev = httpEvents(t.rec.events, 'lb1');
    const by = (p: string) => [...new Set(ev.filter((h) => h.target.startsWith(p)).map((h) => h.server))];
    expect(by('/h/x')).toHaveLength(1); // the query string is not part of the hash (HAProxy balance uri)
    expect(by('/h/y')).toHaveLength(1);
    expect(ev.filter((h) => h.target === '/r').map((h) => h.server)).toEqual(['w1', 'w2', 'w3', 'w1', 'w2']);
  });

  it('hdr() hashes a header: one user id, one server; without the header, requests are taken in turn', () => {
    const t = l7Net(1, ['w1', 'w2', 'w3'], (all) => proxyConfig([pool('p', ['w1', 'w2', 'w3'], all, { kind: 'header-hash', header: 'X-User' })]));
    const V = ip('10.0.0.100');
    for (const [k, u] of ['alice', 'bob', 'alice', 'carol', 'bob', 'alice'].entries()) new HttpClient(t.clients[0]!, V, { headers: [{ name: 'X-User', value: u }], startAt: k * 1e6, id: `u${k}` });
    t.net.run();
    const ev = httpEvents(t.rec.events, 'lb1');
    const by = new Map<string, Set<string | null>>();
    for (const h of ev) {
      const u = h.headers.find((x) => x.name === 'X-User')!.value;
      by.set(u, (by.get(u) ?? new Set()).add(h.server));
    }
    expect([...by.values()].map((x) => x.size)).toEqual([1, 1, 1]);
  });

  it('a pool with every server disabled answers 503 itself, with Connection: close', () => {
    const t = l7Net(1, ['web1'], (all) => proxyConfig([pool('web', ['web1'], all)]));
    t.proxy.setServer('web1', { state: 'disabled' });
    const cl = new HttpClient(t.clients[0]!, ip('10.0.0.100'), { keepAlive: true });
    t.net.run();
    expect(cl.results[0]!.status).toBe(503);
    expect(cl.results[0]!.response!.headers).toContainEqual({ name: 'Connection', value: 'close' });
    expect(httpEvents(t.rec.events, 'lb1').map((h) => [h.verdict, h.status])).toEqual([['no-server', 503]]);
    expect(httpEvents(t.rec.events, 'web1')).toEqual([]);
  });
});

describe('cookie persistence (insert) and redispatch', () => {
  const net = (redispatch: boolean, retries = 1) => {
    const t = l7Net(2, ['web1', 'web2'], (all) => proxyConfig([pool('web', ['web1', 'web2'], all)], { cookie: { name: 'SERVERID' }, redispatch, retries }));
    const V = ip('10.0.0.100');
    const c1 = new HttpClient(t.clients[0]!, V, { count: 5, thinkTime: 1e9, cookies: true });
    new HttpClient(t.clients[1]!, V, { count: 5, thinkTime: 1e9, cookies: true, startAt: 1e6 });
    t.net.sim.at(1.5e9, { label: 'stop', onEvent: () => t.apps[0]!.stop(), kindName: () => 'stop' }, 1);
    t.net.run();
    return { t, c1 };
  };

  it('the proxy sets SERVERID once; the client sends it back and sticks; after the refusal it is redispatched and re-pinned', () => {
    const { t, c1 } = net(true);
    expect(c1.results.map((r) => `${r.status} ${r.server}`)).toEqual(['200 web1', '200 web1', '200 web2', '200 web2', '200 web2']);
    const sets = c1.results.map((r) => r.response!.headers.filter((h) => h.name === 'Set-Cookie').map((h) => h.value));
    expect(sets).toEqual([['SERVERID=web1; path=/'], [], ['SERVERID=web2; path=/'], [], []]);
    const ev = httpEvents(t.rec.events, 'lb1').filter((h) => h.client === '10.0.0.10');
    expect(ev.map((h) => `${h.how} ${h.server}`)).toEqual(['balance web1', 'cookie web1', 'redispatch web2', 'cookie web2', 'cookie web2']);
    // The failed attempt, the 1 s turn-around, then the redispatched one.
    const third = c1.results[2]!;
    expect(third.responseTime).toBeGreaterThan(1e9);
    expect(t.proxy.stats.connectFailures).toBe(1);
  });

  it('without redispatch the retries stay on the dead server and the client gets 503', () => {
    const { t, c1 } = net(false, 2);
    expect(c1.results.map((r) => r.status)).toEqual([200, 200, 503, 503, 503]);
    expect(httpEvents(t.rec.events, 'lb1').filter((h) => h.verdict === 'connect-failed')).toHaveLength(3);
  });

  it('a cookie naming a disabled server is ignored and the request balanced (redispatch), as HAProxy does for a down server', () => {
    const t = l7Net(1, ['web1', 'web2'], (all) => proxyConfig([pool('web', ['web1', 'web2'], all)], { cookie: { name: 'SERVERID' } }));
    t.proxy.setServer('web1', { state: 'down' });
    const cl = new HttpClient(t.clients[0]!, ip('10.0.0.100'), { headers: [{ name: 'Cookie', value: 'SERVERID=web1' }] });
    t.net.run();
    expect(cl.results[0]!.server).toBe('web2');
    expect(httpEvents(t.rec.events, 'lb1')[0]!.how).toBe('redispatch');
  });

  it('a server that does not answer SYNs costs timeout connect per attempt', () => {
    const t = l7Net(1, ['web1'], (all) => proxyConfig([pool('web', ['web1'], all)], { connectTimeout: 2e9, retries: 1 }));
    for (const i of t.servers[0]!.ifaces) i.up = false;
    const cl = new HttpClient(t.clients[0]!, ip('10.0.0.100'));
    t.net.run();
    const notes = t.rec.events.filter((e) => e.kind === 'state' && e.node === 'lb1' && e.change.what === 'note' && 'error' in e.change.detail);
    // Attempt 1 ends by timeout connect at 2 s; after the 1 s turn-around, attempt 2 finds web1's ARP entry failed (EHOSTUNREACH).
    expect(notes.map((e) => [Math.floor(e.t / 1e9), e.kind === 'state' && e.change.what === 'note' && e.change.detail['error']])).toEqual([
      [2, 'timeout connect'],
      [3, 'EHOSTUNREACH'],
    ]);
    expect(cl.results[0]!.status).toBe(503);
  });
});

describe('health checks of L7 pools', () => {
  it('an HTTP check takes a server answering 500 out of its pool after `fall` probes, cookies to it are redispatched, and `rise` passes bring it back', () => {
    const hc = healthCheck('http', { interval: 1e9, timeout: 5e8, rise: 2, fall: 2, path: '/health' });
    const t = l7Net(1, ['web1', 'web2'], (all) => proxyConfig([{ ...pool('web', ['web1', 'web2'], all), health: hc }], { cookie: { name: 'SERVERID' } }));
    const cl = new HttpClient(t.clients[0]!, ip('10.0.0.100'), { count: 6, thinkTime: 1e9, cookies: true, path: '/app' });
    const at = (time: number, f: () => void) => t.net.sim.at(time, { label: 'switch', onEvent: f, kindName: () => 'switch' }, 1);
    at(0.5e9, () => t.apps[0]!.setStatus(500));
    at(4.5e9, () => t.apps[0]!.setStatus(200));
    t.net.run(9e9);
    const health = t.rec.events.filter((e) => e.kind === 'state' && e.change.what === 'lb-health');
    const verdicts = health.map((e) => e.kind === 'state' && e.change.what === 'lb-health' && [Math.floor(e.t / 1e9), e.change.service, e.change.server, e.change.health]);
    // Probes at 0, 1, 2, ... s (web2's half an interval later): web1 fails at 1 s and 2 s -> down at 2 s; passes at 5 s and 6 s -> up at 6 s.
    expect(verdicts).toEqual([
      [2, 'shop/web', 'web1', 'down'],
      [6, 'shop/web', 'web1', 'up'],
    ]);
    const ev = httpEvents(t.rec.events, 'lb1').filter((h) => h.target === '/app');
    // The client's first request (0 s) and second (1 s, web1 already answers 500 but is still up) stick to web1; from 2 s on, web1 is down: redispatched once, then pinned to web2.
    expect(ev.map((h) => `${h.status} ${h.server} ${h.how}`)).toEqual(['200 web1 balance', '500 web1 cookie', '200 web2 redispatch', '200 web2 cookie', '200 web2 cookie', '200 web2 cookie']);
    expect(cl.results.every((r) => r.outcome === 'completed')).toBe(true);
    // The probes are real requests from the LB: web1 received GET /health from 10.0.1.1.
    expect(httpEvents(t.rec.events, 'web1').filter((h) => h.target === '/health').length).toBeGreaterThanOrEqual(6);
  });
});

describe('operator state and check verdict in an L7 pool', () => {
  it('enabling a server the check holds down waits for the check; a server disabled while down stays disabled when it passes again', () => {
    const hc = healthCheck('http', { interval: 1e9, timeout: 5e8, rise: 2, fall: 2, path: '/health' });
    const t = l7Net(1, ['web1', 'web2'], (all) => proxyConfig([{ ...pool('web', ['web1', 'web2'], all), health: hc }]));
    const at = (time: number, f: () => void) => t.net.sim.at(time, { label: 'switch', onEvent: f, kindName: () => 'switch' }, 1);
    const web = () => t.proxy.pool('web')!;
    const states: string[] = [];
    at(0.5e9, () => {
      t.apps[0]!.setStatus(500);
      t.apps[1]!.setStatus(500);
    });
    // Both are down by 2.5 s; the operator enables web1 and disables web2 while their checks still fail.
    at(3.2e9, () => {
      t.lb.setServer('shop', 'web1', { state: 'enabled' });
      t.lb.setServer('shop', 'web2', { state: 'disabled' });
      states.push(web().backends.map((b) => b.state).join(' '));
    });
    at(4.2e9, () => {
      t.apps[0]!.setStatus(200);
      t.apps[1]!.setStatus(200);
    });
    t.net.run(9e9);
    states.push(web().backends.map((b) => b.state).join(' '));
    expect(states).toEqual(['down down', 'enabled disabled']);
  });
});

describe('the cache', () => {
  it('max-age responses are stored and served by the LB until they expire; no-store ones never', () => {
    const t = l7Net(1, ['web1'], (all) => proxyConfig([pool('web', ['web1'], all)], { cache: { entries: 10, maxAge: 60e9 } }), { headers: [{ name: 'Cache-Control', value: 'max-age=2' }] });
    const V = ip('10.0.0.100');
    const a = new HttpClient(t.clients[0]!, V, { count: 4, keepAlive: true, thinkTime: 1e9, path: '/x' });
    t.net.run();
    // An entry is fresh while its age is below max-age (RFC 9111 4.2): at 2 s it is stale and fetched again.
    expect(a.results.map((r) => r.response!.headers.find((h) => h.name === 'X-Cache')?.value ?? 'MISS')).toEqual(['MISS', 'HIT', 'MISS', 'HIT']);
    expect(a.results[1]!.response!.headers).toContainEqual({ name: 'Age', value: '1' });
    expect(httpEvents(t.rec.events, 'lb1').map((h) => `${h.verdict} ${h.cache}`)).toEqual(['forwarded stored', 'cache-hit hit', 'forwarded stored', 'cache-hit hit']);
    expect(t.apps[0]!.stats.requests).toBe(2);
  });
});

describe('rate limiting', () => {
  it('requests above the rate get 429 with Retry-After from the LB; other sources pass', () => {
    const t = l7Net(2, ['web1'], (all) => proxyConfig([pool('web', ['web1'], all)], { rateLimit: { requests: 3, period: 1e9 } }));
    const V = ip('10.0.0.100');
    const bad = new HttpClient(t.clients[0]!, V, { count: 6, rate: 10 });
    const good = new HttpClient(t.clients[1]!, V, { count: 3, rate: 2 });
    t.net.run();
    expect(bad.results.map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 429]);
    expect(bad.results[3]!.response!.headers).toContainEqual({ name: 'Retry-After', value: '1' });
    expect(good.results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(t.apps[0]!.stats.requests).toBe(6);
  });
});

describe('the CPU model', () => {
  it('requests wait for the single core: the second of two near-simultaneous requests waits for the first one\'s CPU time', () => {
    const t = l7Net(2, ['web1'], (all) => proxyConfig([pool('web', ['web1'], all)], { cpu: { perRequest: 1e6, perConnection: 0, cores: 1 } }));
    const V = ip('10.0.0.100');
    const a = new HttpClient(t.clients[0]!, V);
    const b = new HttpClient(t.clients[1]!, V);
    t.net.run();
    // Both requests reach the proxy at the same instant; b's waits the whole of a's 1 ms. b's response is 40 us
    // less than 1 ms behind a's: a's server connection paid lb1's ARP for web1, b's found the entry.
    expect(t.proxy.cpu.waited).toBe(1e6);
    expect(b.results[0]!.responseTime! - a.results[0]!.responseTime!).toBe(1e6 - 40_000);
    expect(t.proxy.cpu.spent).toBe(2e6);
  });
});

describe('hostile clients', () => {
  const raw = (bytes: Uint8Array[]) => {
    const t = l7Net(1, ['web1'], (all) => proxyConfig([pool('web', ['web1'], all)]));
    let got = '';
    t.clients[0]!.tcp.connect(ip('10.0.0.100'), 80, {
      connected: (c: TcpConnection) => {
        for (const b of bytes) c.send(b);
      },
      data: (_c, b) => void (got += latin1Text(b)),
      peerClosed: (c) => c.close(),
    });
    t.net.run();
    return { t, got };
  };

  it('a malformed request gets the parser status from the proxy, the reason in the trace, and the connection closed', () => {
    const { t, got } = raw([latin1Bytes('GET / HTTP/1.1\r\nHost : x\r\n\r\n')]);
    expect(got.startsWith('HTTP/1.1 400 Bad Request\r\n')).toBe(true);
    expect(got).toContain('Connection: close');
    const ev = t.rec.events.find((e): e is StateEvent => e.kind === 'state' && e.change.what === 'http' && e.node === 'lb1')!;
    expect(ev.kind === 'state' && ev.change.what === 'http' && [ev.change.verdict, ev.change.status]).toEqual(['bad-request', 400]);
    expect(ev.text).toContain('whitespace between a field name and its colon');
    expect(httpEvents(t.rec.events, 'web1')).toEqual([]);
  });

  it('a good request before a bad one is answered first, then the error', () => {
    const { got } = raw([latin1Bytes('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/9.9\r\n\r\n')]);
    expect(got.match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 505']);
  });

  it('a chunked request body reaches the server byte for byte; an HTTP/1.0 request gets an HTTP/1.1 answer that closes', () => {
    const body = '4;ext=1\r\nabcd\r\n0\r\nX-T: 1\r\n\r\n';
    const { t, got } = raw([latin1Bytes(`POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}GET /old HTTP/1.0\r\n\r\n`)]);
    expect(got.match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    const up = tcpTx(t.rec.events).find((x) => x.ev.node === 'lb1' && x.ev.iface === 'eth1' && latin1Text(x.seg.payload).startsWith('POST'))!;
    expect(latin1Text(up.seg.payload)).toBe(`POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Forwarded-For: 10.0.0.10\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: 80\r\n\r\n${body}`);
    // The HTTP/1.0 request without keep-alive: the proxy answers and closes (RFC 9112 9.3).
    expect(got.slice(got.lastIndexOf('HTTP/1.1'))).toContain('Connection: close');
  });

  it('pipelined requests in any chunking are answered in order, and the servers get their targets and bodies intact', () => {
    const req = fc.record({
      path: fc.stringMatching(/^\/[a-z0-9/]{0,12}$/),
      body: fc.option(fc.string({ maxLength: 40 }).map((x) => x.replace(/[^\x20-\x7e]/g, 'x')), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(req, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 8 }), (reqs, cuts) => {
        const text = reqs.map((r) => (r.body === null ? `GET ${r.path} HTTP/1.1\r\nHost: x\r\n\r\n` : `POST ${r.path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${r.body.length}\r\n\r\n${r.body}`)).join('');
        const bytes = latin1Bytes(text);
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (const c of cuts) {
          if (at >= bytes.length) break;
          chunks.push(bytes.subarray(at, Math.min(bytes.length, at + c)));
          at += c;
        }
        if (at < bytes.length) chunks.push(bytes.subarray(at));
        const { t, got } = raw(chunks);
        expect(got.match(/^HTTP\/1\.1 \d+/gm)).toEqual(reqs.map(() => 'HTTP/1.1 200'));
        const served = httpEvents(t.rec.events, 'web1');
        expect(served.map((h) => h.target)).toEqual(reqs.map((r) => r.path));
        const ups = tcpTx(t.rec.events).filter((x) => x.ev.node === 'lb1' && x.ev.iface === 'eth1' && x.seg.payload.length > 0).map((x) => latin1Text(x.seg.payload));
        expect(ups.map((u) => u.slice(u.indexOf('\r\n\r\n') + 4))).toEqual(reqs.map((r) => r.body ?? ''));
      }),
      { numRuns: 30 },
    );
  });

  it('random bytes never crash the proxy: every connection ends', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 3 }), (chunks) => {
        const { t } = raw(chunks);
        expect(t.proxy.stats.clientConnections).toBe(1);
      }),
      { numRuns: 40 },
    );
  });
});

describe('determinism', () => {
  it('the same network and seed give the same trace, event for event', () => {
    const run = () => {
      const t = l7Net(2, ['w1', 'w2'], (all) => proxyConfig([pool('p', ['w1', 'w2'], all, { kind: 'scheduler', name: 'power-of-two' })], { cookie: { name: 'S' }, cpu: { perRequest: 2e5, perConnection: 0, cores: 1 } }));
      new HttpClient(t.clients[0]!, ip('10.0.0.100'), { count: 20, rate: 200, poisson: true, cookies: true });
      new HttpClient(t.clients[1]!, ip('10.0.0.100'), { count: 20, rate: 200, poisson: true, keepAlive: true });
      t.net.run();
      return JSON.stringify(t.rec.events.map((e) => [e.t, e.kind, e.node, 'text' in e ? e.text : '', 'frame' in e && e.frame ? e.frame.id : 0]));
    };
    expect(run()).toBe(run());
  });
});

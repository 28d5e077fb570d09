/**
 * The HTTP server app through simulated networks: the exact frames of a
 * request and its response, keep-alive, the capacity model (service time,
 * workers, the accept queue), the failure switches and the per-client
 * session counter.
 */
import { describe, expect, it } from 'vitest';
import { HttpServer } from '../../src/apps/http-server.js';
import { HttpClient } from '../../src/apps/http-client.js';
import { drawServiceTime } from '../../src/apps/capacity.js';
import { Rng, RngStreams } from '../../src/sim/rng.js';
import { MS, SEC } from '../../src/sim/time.js';
import { ip } from '../../src/wire/addr.js';
import { latin1Text } from '../../src/wire/http.js';
import { TCP_FLAG } from '../../src/wire/types.js';
import { drops, lan, routed, tcpStates, tcpTx, bytes, text } from '../net/helpers.js';
import { farm, HOP, payloads, segLines } from './helpers.js';

const WEB1_200 = 'HTTP/1.1 200 OK\r\nServer: web1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nweb1\n';
const GET_CLOSE = 'GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nUser-Agent: lblab\r\nAccept: */*\r\nConnection: close\r\n\r\n';

describe('one request and its response, frame by frame', () => {
  it('handshake, request PSH|ACK, bare ACK, response after the service time, the server FIN separately, client FIN|ACK', () => {
    const { net, servers, clients, rec } = farm(1);
    const srv = new HttpServer(servers[0]!, { serviceTime: 50 * MS });
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'));
    expect(net.run().reason).toBe('idle');
    // ARP takes the first two hops each way (40 us); every later segment one hop each way (20 us).
    expect(segLines(rec.events)).toEqual([
      '40000 c1 S 0',
      '60000 web1 S. 0',
      '80000 c1 . 0',
      '80000 c1 P. 85', // the request right after the third ACK
      '100000 web1 . 0', // quick ACK of the request: the service time has not passed
      '50100000 web1 P. 102', // the response, exactly 50 ms after the request arrived
      '50100000 web1 F. 0', // Connection: close: the server closes first, its FIN a separate segment
      '50120000 c1 . 0', // the client acknowledges the response
      '50120000 c1 F. 0', // and closes on the server's FIN: its FIN|ACK carries the ACK of that FIN
      '50140000 web1 . 0', // the server's last ACK; it keeps TIME_WAIT
    ]);
    expect(payloads(rec.events)).toEqual([`c1: ${GET_CLOSE}`, `web1: ${WEB1_200}`]);
    expect(tcpStates(rec.events).filter((s) => s.startsWith('web1'))).toEqual([
      'web1 LISTEN->SYN_RECEIVED',
      'web1 SYN_RECEIVED->ESTABLISHED',
      'web1 ESTABLISHED->FIN_WAIT_1',
      'web1 FIN_WAIT_1->FIN_WAIT_2',
      'web1 FIN_WAIT_2->TIME_WAIT',
      'web1 TIME_WAIT->CLOSED',
    ]);
    const r = cl.results[0]!;
    expect(r.outcome).toBe('completed');
    expect(r.status).toBe(200);
    expect(r.server).toBe('web1');
    expect(r.body).toBe('web1\n');
    expect(r.startedAt).toBe(0);
    expect(r.connectedAt).toBe(80_000);
    expect(r.responseTime).toBe(50 * MS + 120_000); // connect start -> last byte
    const syn = tcpTx(rec.events, 'c1')[0]!;
    expect(r.localPort).toBe(syn.seg.sport);
    expect(srv.stats).toEqual({ connections: 1, open: 0, requests: 1, responses: 1, badRequests: 0, bytesIn: 85, bytesOut: 102, byStatus: new Map([[200, 1]]) });
  });

  it('across a router: the same exchange, and the server counts the client by its own address', () => {
    const { net, client, server, rec } = routed();
    const srv = new HttpServer(server, { name: 'web1', serviceTime: 10 * MS });
    const cl = new HttpClient(client, ip('10.0.1.10'));
    net.run();
    const lines = segLines(rec.events).map((l) => l.split(' ').slice(1).join(' '));
    expect(lines).toEqual(['client S 0', 'server S. 0', 'client . 0', 'client P. 86', 'server . 0', 'server P. 102', 'server F. 0', 'client . 0', 'client F. 0', 'server . 0']);
    // The router forwards every one of them with TTL 63.
    const fwd = tcpTx(rec.events, 'r1');
    expect(fwd.length).toBe(10);
    expect(fwd.every((x) => x.ip.ttl === 63)).toBe(true);
    expect(cl.results[0]!.outcome).toBe('completed');
    expect([...srv.sessions]).toEqual([['10.0.0.10', 1]]);
  });
});

describe('keep-alive', () => {
  it('several requests on one connection; the client closes first at the end', () => {
    const { net, servers, clients, rec } = farm(1);
    const srv = new HttpServer(servers[0]!, { serviceTime: 10 * MS });
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 3, keepAlive: true });
    cl.onDone = (c) => c.closeIdle();
    net.run();
    const rs = cl.results;
    expect(rs.map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed']);
    expect(rs.map((r) => r.reused)).toEqual([false, true, true]);
    expect(new Set(rs.map((r) => r.localPort)).size).toBe(1);
    // First: handshake + request + service + response; then one round trip (40 us) + service each.
    expect(rs.map((r) => r.responseTime)).toEqual([10 * MS + 120_000, 10 * MS + 40_000, 10 * MS + 40_000]);
    expect(tcpTx(rec.events, 'c1').filter((x) => x.seg.flags & TCP_FLAG.SYN).length).toBe(1);
    expect(payloads(rec.events).filter((p) => p.startsWith('web1')).every((p) => p.includes('Connection: keep-alive\r\n'))).toBe(true);
    expect(payloads(rec.events)[0]).not.toContain('Connection:');
    // The client closes first this time: its FIN, the server's FIN|ACK, the client's last ACK (client TIME_WAIT).
    expect(segLines(rec.events).slice(-3).map((l) => l.split(' ').slice(1).join(' '))).toEqual(['c1 F. 0', 'web1 F. 0', 'c1 . 0']);
    expect(tcpStates(rec.events)).toContain('c1 FIN_WAIT_2->TIME_WAIT');
    expect(srv.stats.connections).toBe(1);
    expect(srv.stats.requests).toBe(3);
    expect(srv.session('10.0.0.11')).toBe(3);
  });

  it('an idle keep-alive connection is closed by the server after idleTimeout', () => {
    const { net, servers, clients, rec } = farm(1);
    new HttpServer(servers[0]!, { idleTimeout: 2 * SEC });
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { keepAlive: true });
    net.run();
    expect(cl.results[0]!.outcome).toBe('completed');
    const resp = tcpTx(rec.events, 'web1').find((x) => x.seg.payload.length > 0)!;
    const fin = tcpTx(rec.events, 'web1').find((x) => x.seg.flags & TCP_FLAG.FIN)!;
    expect(fin.t - resp.t).toBe(2 * SEC);
  });

  it('an HTTP/1.0 request without keep-alive gets Connection: close', () => {
    const { net, servers, clients } = farm(1);
    new HttpServer(servers[0]!);
    const got: string[] = [];
    clients[0]!.tcp.connect(ip('10.0.0.2'), 80, {
      connected: (c) => c.send(bytes('GET /x HTTP/1.0\r\n\r\n')),
      data: (_c, b) => got.push(text(b)),
      peerClosed: (c) => c.close(),
    });
    net.run();
    expect(got.join('')).toBe(WEB1_200);
  });
});

describe('requests on one connection', () => {
  it('pipelined requests are answered in order, one at a time; HEAD gets no body', () => {
    const { net, servers, clients, rec } = farm(1);
    new HttpServer(servers[0]!, { serviceTime: 10 * MS });
    const got: string[] = [];
    clients[0]!.tcp.connect(ip('10.0.0.2'), 80, {
      connected: (c) => c.send(bytes('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')),
      data: (_c, b) => got.push(text(b)),
      peerClosed: (c) => c.close(),
    });
    net.run();
    const resp = tcpTx(rec.events, 'web1').filter((x) => x.seg.payload.length > 0);
    expect(resp.map((x) => x.t)).toEqual([10 * MS + 100_000, 20 * MS + 100_000]);
    expect(got).toEqual([
      'HTTP/1.1 200 OK\r\nServer: web1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nweb1\n',
      'HTTP/1.1 200 OK\r\nServer: web1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\n',
    ]);
  });

  it('without Connection: close the client closes first after the response', () => {
    const { net, servers, clients, rec } = farm(1);
    new HttpServer(servers[0]!);
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { connectionClose: false });
    net.run();
    expect(cl.results[0]!.outcome).toBe('completed');
    // The client's quick ACK of the response, then its FIN; the server's FIN|ACK; the client's last ACK (client TIME_WAIT).
    expect(segLines(rec.events).slice(-5).map((l) => l.split(' ').slice(1).join(' '))).toEqual(['web1 P. 107', 'c1 . 0', 'c1 F. 0', 'web1 F. 0', 'c1 . 0']);
  });

  it('each response is an http event in the trace, with the request it answered and its session count in the sentence', () => {
    const { net, servers, clients, rec } = farm(1);
    new HttpServer(servers[0]!);
    new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 2 });
    net.run();
    const evs = rec.events.filter((e) => e.kind === 'state' && e.change.what === 'http');
    const headers = [
      { name: 'Host', value: '10.0.0.2' },
      { name: 'User-Agent', value: 'lblab' },
      { name: 'Accept', value: '*/*' },
      { name: 'Connection', value: 'close' },
    ];
    const change = { what: 'http', role: 'server', service: 'web1', client: '10.0.0.11', method: 'GET', target: '/', headers, status: 200, verdict: 'served', pool: null, server: 'web1', how: null, cache: null };
    expect(evs.map((e) => e.kind === 'state' && [e.node, e.change, e.text])).toEqual([
      ['web1', change, 'web1 answers GET / from 10.0.0.11 with 200 (request 1 from this client)'],
      ['web1', change, 'web1 answers GET / from 10.0.0.11 with 200 (request 2 from this client)'],
    ]);
  });
});

describe('the capacity model', () => {
  it('the service time shows in the response time exactly', () => {
    const rt = (service: number) => {
      const { net, servers, clients } = farm(1);
      new HttpServer(servers[0]!, { serviceTime: service });
      const cl = new HttpClient(clients[0]!, ip('10.0.0.2'));
      net.run();
      return cl.results[0]!.responseTime!;
    };
    expect(rt(0)).toBe(12 * HOP); // ARP request and reply, SYN, SYN-ACK, request, response: 6 crossings of 2 hops
    expect(rt(250 * MS) - rt(0)).toBe(250 * MS);
    expect(rt(1 * MS) - rt(0)).toBe(1 * MS);
  });

  it('2 workers, 4 concurrent requests of 100 ms: completions at 100, 100, 200, 200 ms plus network time', () => {
    const { net, servers, clients } = farm(4);
    const srv = new HttpServer(servers[0]!, { serviceTime: 100 * MS, workers: 2 });
    const cls = clients.map((h) => new HttpClient(h, ip('10.0.0.2')));
    let maxWaiting = 0;
    net.run();
    maxWaiting = srv.capacity.maxWaiting;
    // 120 us of network each (ARP, handshake, request, response); c3 and c4 wait for a worker.
    expect(cls.map((c) => c.results[0]!.responseTime)).toEqual([100 * MS + 120_000, 100 * MS + 120_000, 200 * MS + 120_000, 200 * MS + 120_000]);
    expect(maxWaiting).toBe(2);
    expect(srv.capacity.waitTotal).toBe(2 * 100 * MS);
    expect(srv.capacity.served).toBe(4);
  });

  it('one client with 4 parallel loops sees the same queueing', () => {
    const { net, servers, clients } = farm(1);
    new HttpServer(servers[0]!, { serviceTime: 100 * MS, workers: 2 });
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 4, concurrency: 4 });
    net.run();
    expect(cl.results.map((r) => r.responseTime)).toEqual([100 * MS + 120_000, 100 * MS + 120_000, 200 * MS + 120_000, 200 * MS + 120_000]);
    expect(new Set(cl.results.map((r) => r.localPort)).size).toBe(4);
  });

  it('overload: the accept queue fills, SYNs are dropped (tcp-listen-overflow), clients get in on their SYN retry', () => {
    const { net, servers, clients, rec } = farm(5);
    // One connection at a time (a worker per connection), backlog 1: the accept queue holds 2.
    const srv = new HttpServer(servers[0]!, { serviceTime: 100 * MS, workers: 1, maxConnections: 1, backlog: 1 });
    const cls = clients.map((h, i) => new HttpClient(h, ip('10.0.0.2'), { startAt: i * MS }));
    net.run();
    const d = drops(rec.events).filter((e) => e.code === 'tcp-listen-overflow');
    expect(d.map((e) => [e.t, e.node])).toEqual([
      [3 * MS + 60_000, 'web1'], // c4's SYN: c1 is being served, c2 and c3 wait in the accept queue
      [4 * MS + 60_000, 'web1'], // c5's SYN
    ]);
    expect(d[0]!.text).toMatch(/^the accept queue of web1:80 is full \(2 waiting, backlog 1\); the SYN from 10\.0\.0\.14:\d+ is dropped$/);
    expect(srv.listener!.overflows).toBe(2);
    // c4 and c5 retransmit their SYN 1 s later (Linux initial RTO) and are served then.
    const synAt = (h: string) => tcpTx(rec.events, h).filter((x) => x.seg.flags & TCP_FLAG.SYN).map((x) => x.t);
    expect(synAt('c4')).toEqual([3 * MS + 40_000, 1003 * MS]);
    expect(cls.map((c) => c.results[0]!.outcome)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);
    // c2 waits for c1's connection to close on the server (its FIN exchange ends at 100.14 ms), and so on.
    expect(cls.map((c) => c.results[0]!.responseTime)).toEqual([100_120_000, 199_160_000, 298_200_000, 1_100_080_000, 1_199_120_000]);
    expect(srv.stats.connections).toBe(5);
  });

  it('a queue limit makes the server stop accepting while requests wait', () => {
    const { net, servers, clients } = farm(3);
    const srv = new HttpServer(servers[0]!, { serviceTime: 100 * MS, workers: 1, queue: 0 });
    clients.map((h, i) => new HttpClient(h, ip('10.0.0.2'), { startAt: i * 10 * MS }));
    net.run(50 * MS);
    // c1 is in service; c2, accepted while nothing waited, waits for the worker; so c3 stays in the accept queue.
    expect(srv.capacity.busy).toBe(1);
    expect(srv.capacity.waiting).toBe(1);
    expect(srv.stats.connections).toBe(2);
    expect(srv.listener!.queue.length).toBe(1);
    net.run();
    expect(srv.stats.requests).toBe(3);
  });

  it('seeded service times are deterministic: same seed, same times; the draws come from app:<host>:<port>', () => {
    const run = (seed: number) => {
      const { net, servers, clients } = farm(1, ['web1'], seed);
      new HttpServer(servers[0]!, { serviceTime: { dist: 'exponential', mean: 20 * MS } });
      const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 5, keepAlive: true });
      net.run();
      return cl.results.map((r) => r.responseTime!);
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    const rng = new RngStreams(7).stream('app:web1:80');
    const draws = Array.from({ length: 5 }, () => drawServiceTime({ dist: 'exponential', mean: 20 * MS }, rng));
    expect(a.map((t, i) => t - (i === 0 ? 120_000 : 40_000))).toEqual(draws);
  });

  it('normal service times are redrawn until positive; uniform stays in its range', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 500; i++) {
      expect(drawServiceTime({ dist: 'normal', mean: 1 * MS, stddev: 5 * MS }, rng)).toBeGreaterThan(0);
      const u = drawServiceTime({ dist: 'uniform', min: 2 * MS, max: 3 * MS }, rng);
      expect(u).toBeGreaterThanOrEqual(2 * MS);
      expect(u).toBeLessThanOrEqual(3 * MS);
    }
    expect(() => new HttpServer(lan().server, { serviceTime: -1 })).toThrow(/invalid service time/);
  });
});

describe('failure switches', () => {
  it('setStatus(500) and setBody change later responses', () => {
    const { net, servers, clients } = farm(1);
    const srv = new HttpServer(servers[0]!);
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 3, thinkTime: 1 * SEC });
    net.run(500 * MS);
    srv.setStatus(500);
    net.run(1500 * MS);
    srv.setBody('maintenance\n');
    net.run();
    expect(cl.results.map((r) => [r.outcome, r.status])).toEqual([['completed', 200], ['completed', 500], ['completed', 500]]);
    expect(cl.results[2]!.body).toBe('maintenance\n');
    expect(cl.results[2]!.server).toBe('web1'); // from the Server header
    expect(srv.stats.byStatus).toEqual(new Map([[200, 1], [500, 2]]));
  });

  it('stop(): the port is closed, the SYN gets RST|ACK, the client sees refused; start() opens it again', () => {
    const { net, servers, clients, rec } = farm(1);
    const srv = new HttpServer(servers[0]!);
    srv.stop();
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 2, thinkTime: 1 * SEC });
    net.run(500 * MS);
    expect(cl.results[0]!.outcome).toBe('refused');
    expect(cl.results[0]!.error).toBe('ECONNREFUSED');
    expect(segLines(rec.events).slice(0, 2)).toEqual(['40000 c1 S 0', '60000 web1 R. 0']);
    srv.start();
    net.run();
    expect(cl.results[1]!.outcome).toBe('completed');
  });

  it('stop() lets a request in service finish with Connection: close; kill() resets connections', () => {
    const { net, servers, clients } = farm(2);
    const srv = new HttpServer(servers[0]!, { serviceTime: 100 * MS });
    const a = new HttpClient(clients[0]!, ip('10.0.0.2'), { keepAlive: true });
    net.run(50 * MS);
    srv.stop();
    net.run();
    expect(a.results[0]!.outcome).toBe('completed');
    expect(a.results[0]!.response!.headers).toContainEqual({ name: 'Connection', value: 'close' });

    srv.start();
    const b = new HttpClient(clients[1]!, ip('10.0.0.2'));
    net.run(net.sim.now + 50 * MS);
    srv.kill();
    net.run();
    expect(b.results[0]!.outcome).toBe('reset');
    expect(b.results[0]!.error).toBe('ECONNRESET');
  });

  it('a malformed request gets 400 with the reason, then the server closes', () => {
    const { net, servers, clients } = farm(1);
    const srv = new HttpServer(servers[0]!);
    const got: string[] = [];
    clients[0]!.tcp.connect(ip('10.0.0.2'), 80, {
      connected: (c) => c.send(bytes('GET / HTTP/1.1\r\nHost : x\r\n\r\n')),
      data: (_c, b) => got.push(text(b)),
      peerClosed: (c) => c.close(),
    });
    net.run();
    const body = 'whitespace between a field name and its colon (RFC 9112 5.1)\n';
    expect(got.join('')).toBe(`HTTP/1.1 400 Bad Request\r\nServer: web1\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    expect(srv.stats.badRequests).toBe(1);
    expect(srv.stats.byStatus.get(400)).toBe(1);
  });
});

describe('the per-client session counter', () => {
  it('counts requests per client; a client moved to another server starts from 1 there (cookie shows it)', () => {
    const { net, servers, clients } = farm(2, ['web1', 'web2']);
    const web1 = new HttpServer(servers[0]!, { cookie: true });
    const web2 = new HttpServer(servers[1]!, { cookie: true });
    const a = new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 3 });
    const b = new HttpClient(clients[1]!, ip('10.0.0.2'), { count: 1 });
    net.run();
    // web1 "fails"; the client is sent to web2 (as a load balancer would do).
    const moved = new HttpClient(clients[0]!, ip('10.0.0.3'), { count: 2, id: 'after-failover' });
    net.run();
    expect([...web1.sessions]).toEqual([['10.0.0.11', 3], ['10.0.0.12', 1]]);
    expect([...web2.sessions]).toEqual([['10.0.0.11', 2]]);
    const cookie = (r: { response: { headers: readonly { name: string; value: string }[] } | null }) => r.response!.headers.find((h) => h.name === 'Set-Cookie')!.value;
    expect(a.results.map(cookie)).toEqual(['session=web1-1', 'session=web1-2', 'session=web1-3']);
    expect(b.results.map(cookie)).toEqual(['session=web1-1']);
    expect(moved.results.map(cookie)).toEqual(['session=web2-1', 'session=web2-2']);
    expect(web2.session(ip('10.0.0.11'))).toBe(2);
    expect(web2.session('10.0.0.12')).toBe(0);
  });

  it('behind a proxy, sessionKey x-forwarded-for counts the client the proxy saw: the last entry, not a forgeable earlier one', () => {
    const { net, servers, clients } = farm(1);
    const srv = new HttpServer(servers[0]!, { sessionKey: 'x-forwarded-for' });
    new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 2, headers: [{ name: 'X-Forwarded-For', value: '192.0.2.7, 10.0.0.11' }] });
    net.run();
    expect([...srv.sessions]).toEqual([['10.0.0.11', 2]]);
  });

  it('a handler can answer per path (for L7 routing lessons)', () => {
    const { net, servers, clients } = farm(1);
    new HttpServer(servers[0]!, { handler: (req) => (req.target.startsWith('/images') ? { status: 200, body: 'image\n' } : { status: 404, body: 'no\n' }) });
    const a = new HttpClient(clients[0]!, ip('10.0.0.2'), { path: '/images/a.png' });
    const b = new HttpClient(clients[0]!, ip('10.0.0.2'), { path: '/x', id: 'b' });
    net.run();
    expect([a.results[0]!.status, a.results[0]!.body, b.results[0]!.status]).toEqual([200, 'image\n', 404]);
    expect(latin1Text(new Uint8Array())).toBe('');
  });
});

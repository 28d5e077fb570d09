/**
 * The HTTP client app: its outcome codes through real failures (closed port,
 * silent host, a firewall that drops, a server that resets or closes), its
 * schedules (sequential, fixed rate, seeded Poisson), the max-time limit and
 * the summary.
 */
import { describe, expect, it } from 'vitest';
import { HttpClient, summarize, timeStats, type HttpRequestRecord } from '../../src/apps/http-client.js';
import { HttpServer } from '../../src/apps/http-server.js';
import { MS, SEC } from '../../src/sim/time.js';
import { ip } from '../../src/wire/addr.js';
import { TCP_FLAG } from '../../src/wire/types.js';
import { bytes, hostOn, lan, tcpTx } from '../net/helpers.js';
import { natRewrite } from '../../src/wire/rewrite.js';
import { farm, segLines } from './helpers.js';

describe('outcome codes', () => {
  it('refused: nothing listens on the port (RST|ACK)', () => {
    const { net, clients } = farm(1);
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'));
    net.run();
    expect(cl.results[0]).toMatchObject({ outcome: 'refused', error: 'ECONNREFUSED', status: null, responseTime: null, doneAt: 80_000 });
  });

  it('unreachable: no host answers ARP for the address (EHOSTUNREACH after 3 s)', () => {
    const { net, clients } = farm(1);
    const cl = new HttpClient(clients[0]!, ip('10.0.0.99'));
    net.run();
    expect(cl.results[0]!.outcome).toBe('unreachable');
    expect(cl.results[0]!.error).toBe('EHOSTUNREACH');
    expect(cl.results[0]!.doneAt).toBe(3 * SEC);
  });

  it('timeout: SYNs dropped by a firewall, connect() gives up with ETIMEDOUT at 131 s', () => {
    const { net, servers, clients } = farm(1);
    new HttpServer(servers[0]!);
    servers[0]!.hooks.input.push((p) => (p.payload.kind === 'tcp' ? null : p));
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'));
    net.run();
    // The SYN timer starts at connect() (the first SYN waits 40 us for ARP): ETIMEDOUT at 131 s exactly.
    expect(cl.results[0]).toMatchObject({ outcome: 'timeout', error: 'ETIMEDOUT', doneAt: 131 * SEC });
  });

  it('timeout: the one-arm return-path bug (DOMAIN.md 3) ends in ETIMEDOUT, not a refusal; max-time cuts it short', () => {
    const { net, sw, client, server } = lan();
    const lb = hostOn(net, sw, 'lb', '10.0.0.3');
    lb.sysctl.set('net.ipv4.ip_forward', 1);
    const vip = ip('10.0.0.100');
    lb.addAddress(lb.ifaces[0]!, vip, 32);
    // A one-arm NAT "LB": DNAT to the server, whose SYN-ACK goes straight back to the client from its own address.
    lb.hooks.prerouting.push((p) => (p.dst === vip && p.payload.kind === 'tcp' ? natRewrite(p, p.src, ip('10.0.0.2'), p.payload.sport, p.payload.dport) : p));
    const srv = new HttpServer(server, { name: 'web1' });
    const a = new HttpClient(client, vip);
    const b = new HttpClient(client, vip, { id: 'curl-m5', maxTime: 5 * SEC });
    net.run();
    expect(a.results[0]).toMatchObject({ outcome: 'timeout', error: 'ETIMEDOUT', doneAt: 131 * SEC });
    expect(b.results[0]).toMatchObject({ outcome: 'timeout', error: 'max-time', doneAt: 5 * SEC });
    expect(srv.stats.connections).toBe(0);
  });

  it('timeout by max-time: the request is abandoned and its connection closed (silently while connecting)', () => {
    const { net, servers, clients, rec } = farm(1);
    servers[0]!.hooks.input.push((p) => (p.payload.kind === 'tcp' ? null : p));
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { maxTime: 2500 * MS });
    net.run();
    expect(cl.results[0]).toMatchObject({ outcome: 'timeout', error: 'max-time', doneAt: 2500 * MS });
    expect(tcpTx(rec.events, 'c1').map((x) => x.t)).toEqual([40_000, 1 * SEC, 2 * SEC]);
    expect(clients[0]!.tcp.count).toBe(0);
  });

  it('max-time on a slow server: the client closes with a FIN, the late response and FIN are answered with RSTs', () => {
    const { net, servers, clients, rec } = farm(1);
    new HttpServer(servers[0]!, { serviceTime: 3 * SEC });
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { maxTime: 1 * SEC });
    net.run();
    expect(cl.results[0]).toMatchObject({ outcome: 'timeout', error: 'max-time' });
    const lines = segLines(rec.events).map((l) => l.split(' ').slice(1).join(' '));
    // The server answers anyway (it saw the FIN only as end of input) and closes; data after close gets RST,
    // and the FIN that follows finds no socket any more.
    expect(lines.slice(5)).toEqual(['c1 F. 0', 'web1 . 0', 'web1 P. 102', 'web1 F. 0', 'c1 R 0', 'c1 R 0']);
  });

  it('reset: the server resets the connection before answering', () => {
    const { net, servers, clients } = farm(1);
    servers[0]!.tcp.listen(80, {}, () => ({ data: (c) => c.abort() }));
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'));
    net.run();
    expect(cl.results[0]).toMatchObject({ outcome: 'reset', error: 'ECONNRESET' });
  });

  it('closed: the server closes without a response (curl: empty reply from server)', () => {
    const { net, servers, clients } = farm(1);
    servers[0]!.tcp.listen(80, {}, () => ({ data: (c) => c.close() }));
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'));
    net.run();
    expect(cl.results[0]).toMatchObject({ outcome: 'closed', error: null });
  });

  it('bad-response: the server answers something that is not HTTP', () => {
    const { net, servers, clients } = farm(1);
    servers[0]!.tcp.listen(80, {}, () => ({ data: (c) => c.send(bytes('SSH-2.0-OpenSSH_9.6\r\n')) }));
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'));
    net.run();
    expect(cl.results[0]!.outcome).toBe('bad-response');
  });

  it('completed: a response without Content-Length is read until the server closes', () => {
    const { net, servers, clients } = farm(1);
    servers[0]!.tcp.listen(80, {}, () => ({
      data: (c) => {
        c.send(bytes('HTTP/1.0 200 OK\r\nServer: old\r\n\r\nhello'));
        c.close();
      },
    }));
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'));
    net.run();
    expect(cl.results[0]).toMatchObject({ outcome: 'completed', status: 200, server: 'old', body: 'hello' });
  });
});

describe('schedules', () => {
  it('a fixed rate starts requests every 1/rate seconds whatever the previous ones do', () => {
    const { net, servers, clients } = farm(1);
    new HttpServer(servers[0]!, { serviceTime: 250 * MS });
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 4, rate: 10, startAt: 1 * SEC });
    net.run();
    expect(cl.results.map((r) => r.startedAt)).toEqual([1000 * MS, 1100 * MS, 1200 * MS, 1300 * MS]);
    expect(cl.results.every((r) => r.outcome === 'completed')).toBe(true);
    expect(new Set(cl.results.map((r) => r.localPort)).size).toBe(4);
  });

  it('Poisson arrivals come from the seeded stream http-client:<host>:<id>: same seed, same times', () => {
    const starts = (seed: number) => {
      const { net, servers, clients } = farm(1, ['web1'], seed);
      new HttpServer(servers[0]!);
      const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 20, rate: 100, poisson: true });
      net.run();
      expect(cl.summary().byOutcome.completed).toBe(20);
      return cl.results.map((r) => r.startedAt);
    };
    const a = starts(5);
    expect(starts(5)).toEqual(a);
    expect(starts(6)).not.toEqual(a);
    const gaps = a.slice(1).map((t, i) => t - a[i]!);
    expect(new Set(gaps).size).toBeGreaterThan(10);
    const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
    expect(mean).toBeGreaterThan(3 * MS);
    expect(mean).toBeLessThan(30 * MS);
  });

  it('keep-alive at a rate reuses idle connections and opens more when all are busy', () => {
    const { net, servers, clients, rec } = farm(1);
    new HttpServer(servers[0]!, { serviceTime: 150 * MS });
    const cl = new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 6, rate: 10, keepAlive: true });
    cl.onDone = (c) => c.closeIdle();
    net.run();
    // Requests start at 0, 100, ... 500 ms and take 150 ms: two connections suffice.
    expect(tcpTx(rec.events, 'c1').filter((x) => x.seg.flags & TCP_FLAG.SYN).length).toBe(2);
    expect(cl.results.map((r) => r.reused)).toEqual([false, false, true, true, true, true]);
  });
});

describe('summary', () => {
  it('counts by outcome, server and status; mean, p50 and p99 of response times', () => {
    const { net, servers, clients } = farm(1, ['web1', 'web2']);
    new HttpServer(servers[0]!, { serviceTime: 10 * MS });
    new HttpServer(servers[1]!, { serviceTime: 30 * MS, status: 503 });
    const a = new HttpClient(clients[0]!, ip('10.0.0.2'), { count: 3, keepAlive: true });
    const b = new HttpClient(clients[0]!, ip('10.0.0.3'), { count: 1, id: 'b' });
    const c = new HttpClient(clients[0]!, ip('10.0.0.4'), { count: 1, id: 'c', maxTime: 1 * SEC });
    net.run();
    const s = summarize([...a.results, ...b.results, ...c.results]);
    expect(s.total).toBe(5);
    expect(s.byOutcome).toMatchObject({ completed: 4, unreachable: 0, timeout: 1 });
    expect(s.byServer).toEqual({ web1: 3, web2: 1 });
    expect(s.byStatus).toEqual({ '200': 3, '503': 1 });
    expect(s.responseTime).toEqual(timeStats([10 * MS + 120_000, 10 * MS + 40_000, 10 * MS + 40_000, 30 * MS + 120_000]));
    expect(s.responseTime!.p50).toBe(10 * MS + 40_000);
    expect(a.summary().responseTime!.count).toBe(3);
  });

  it('timeStats uses nearest-rank percentiles', () => {
    const t = Array.from({ length: 100 }, (_, i) => (i + 1) * MS);
    expect(timeStats(t)).toEqual({ count: 100, mean: 50.5 * MS, p50: 50 * MS, p99: 99 * MS, min: 1 * MS, max: 100 * MS });
    expect(timeStats([])).toBeNull();
    expect(summarize([] as HttpRequestRecord[]).responseTime).toBeNull();
  });
});

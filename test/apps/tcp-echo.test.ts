/**
 * TCP echo: the server sends back what it gets, through the capacity model;
 * the client checks the bytes.
 */
import { describe, expect, it } from 'vitest';
import { TcpEchoClient, TcpEchoServer, echoPattern } from '../../src/apps/tcp-echo.js';
import { MS, SEC } from '../../src/sim/time.js';
import { ip } from '../../src/wire/addr.js';
import { farm, segLines } from './helpers.js';

describe('TCP echo', () => {
  it('echoes a small message: request, bare ACK, echo after the service time; the client closes first', () => {
    const { net, servers, clients, rec } = farm(1, ['echo1']);
    const srv = new TcpEchoServer(servers[0]!, { serviceTime: 5 * MS });
    const cl = new TcpEchoClient(clients[0]!, ip('10.0.0.2'), { bytes: 64 });
    net.run();
    expect(cl.outcome).toBe('completed');
    expect(cl.received).toBe(64);
    expect(cl.time).toBe(5 * MS + 120_000);
    expect(segLines(rec.events)).toEqual([
      '40000 c1 S 0',
      '60000 echo1 S. 0',
      '80000 c1 . 0',
      '80000 c1 P. 64',
      '100000 echo1 . 0',
      '5100000 echo1 P. 64',
      '5120000 c1 . 0', // quick ACK of the echo
      '5120000 c1 F. 0', // the client has its bytes and closes
      '5140000 echo1 F. 0', // the server's FIN carries the ACK of the client's (pingpong after FIN)
      '5160000 c1 . 0',
    ]);
    expect(srv.echoed).toBe(64);
    expect(srv.connections).toBe(1);
  });

  it('echoes 10000 bytes over several segments, in order', () => {
    const { net, servers, clients } = farm(1);
    const srv = new TcpEchoServer(servers[0]!);
    const cl = new TcpEchoClient(clients[0]!, ip('10.0.0.2'), { bytes: 10_000 });
    net.run();
    expect(cl.outcome).toBe('completed');
    expect(cl.received).toBe(10_000);
    expect(srv.echoed).toBe(10_000);
  });

  it('shares the workers: 1 worker, 3 clients, 100 ms each', () => {
    const { net, servers, clients } = farm(3);
    new TcpEchoServer(servers[0]!, { serviceTime: 100 * MS, workers: 1 });
    const cls = clients.map((h) => new TcpEchoClient(h, ip('10.0.0.2'), { bytes: 100 }));
    net.run();
    expect(cls.map((c) => c.time)).toEqual([100 * MS + 120_000, 200 * MS + 120_000, 300 * MS + 120_000]);
  });

  it('reports a mismatch when other bytes come back', () => {
    const { net, servers, clients } = farm(1);
    servers[0]!.tcp.listen(7, {}, () => ({ data: (c, b) => c.send(b.map((x, i) => (i === 3 ? x ^ 1 : x))) }));
    const cl = new TcpEchoClient(clients[0]!, ip('10.0.0.2'), { bytes: 16 });
    net.run();
    expect(cl.outcome).toBe('mismatch');
    expect(cl.mismatchAt).toBe(3);
    expect(echoPattern(3)).toBe(21);
  });

  it('a stopped server refuses; max-time gives up on a silent one', () => {
    const { net, servers, clients } = farm(2);
    const srv = new TcpEchoServer(servers[0]!);
    srv.stop();
    const a = new TcpEchoClient(clients[0]!, ip('10.0.0.2'));
    const b = new TcpEchoClient(clients[1]!, ip('10.0.0.77'), { maxTime: 1 * SEC });
    net.run();
    expect([a.outcome, a.failure]).toEqual(['refused', 'ECONNREFUSED']);
    expect([b.outcome, b.failure, b.doneAt]).toEqual(['timeout', 'max-time', 1 * SEC]);
  });
});

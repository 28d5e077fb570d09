/**
 * Schedulers at work inside the LB, against HTTP servers with a capacity
 * model: one fast server and one slow one, the same seeded Poisson load.
 * Round robin splits evenly whatever the servers do; least connections
 * and least response time react to the slow server.
 */
import { describe, expect, it } from 'vitest';
import { HttpServer } from '../../src/apps/http-server.js';
import { HttpClient } from '../../src/apps/http-client.js';
import { MS, SEC } from '../../src/sim/time.js';
import { inline, service } from './topo.js';
import { ip } from '../../src/wire/addr.js';

function run(scheduler: string) {
  const { net, lb, client, web1, web2 } = inline(7);
  new HttpServer(web1, { port: 8080, serviceTime: 5 * MS });
  new HttpServer(web2, { port: 8080, serviceTime: 200 * MS });
  const svc = lb.addService(service('nat', { vip: ip('10.0.9.100'), port: 8080, scheduler }));
  const http = new HttpClient(client, ip('10.0.9.100'), { port: 8080, count: 200, rate: 50, poisson: true, keepResponses: false });
  net.run(30 * SEC);
  const s = http.summary();
  return { served: svc.served, s, svc };
}

describe('schedulers inside the LB, fast web1 (5 ms) and slow web2 (200 ms)', () => {
  it('round robin splits evenly regardless of speed', () => {
    const { served, s } = run('rr');
    expect(s.byOutcome['completed']).toBe(200);
    expect(served).toEqual([100, 100]);
  });

  it('least connections sends most new connections to the fast server', () => {
    const { served, s } = run('lc');
    expect(s.byOutcome['completed']).toBe(200);
    expect(served[0]! + served[1]!).toBe(200);
    expect(served[0]!).toBeGreaterThan(130); // the slow server holds its connections 40x longer
    expect(served[1]!).toBeLessThan(70);
  });

  it('least response time learns web2 is slow and sends it even fewer, with a better mean response time', () => {
    const lc = run('lc');
    const lrt = run('lrt');
    expect(lrt.s.byOutcome['completed']).toBe(200);
    // The LB measured both servers (first data to first answer byte, as it sees them).
    const [b1, b2] = lrt.svc.backends;
    expect(b1!.rtSamples).toBeGreaterThan(0);
    expect(b2!.rtSamples).toBeGreaterThan(0);
    expect(b2!.rtEwmaNs).toBeGreaterThan(180 * MS);
    expect(b1!.rtEwmaNs).toBeLessThan(20 * MS);
    expect(lrt.served[1]!).toBeLessThan(lc.served[1]!);
    expect(lrt.s.responseTime!.mean).toBeLessThan(lc.s.responseTime!.mean);
  });
});

// TCP timers of src/net/tcp-output.ts: SYN and SYN-ACK retransmission with Linux's back-off. Moved from tcp.test.ts when tcp-conn.ts was split.
import { describe, expect, it } from 'vitest';
import { MS, SEC } from '../../src/sim/time.js';
import { ip } from '../../src/wire/addr.js';
import { tcp as mkTcp } from '../../src/wire/build.js';
import { TCP_FLAG } from '../../src/wire/types.js';
import { lan, recorder, tcpTx } from './helpers.js';

const { SYN, ACK } = TCP_FLAG;

describe('SYN retransmission (tcp_retransmit_timer with tcp_syn_linear_timeouts)', () => {
  function blackholed(linear?: number) {
    const t = lan();
    t.server.hooks.input.push((p) => (p.payload.kind === 'tcp' ? null : p));
    if (linear !== undefined) t.client.sysctl.set('net.ipv4.tcp_syn_linear_timeouts', linear);
    const app = recorder();
    const start = t.net.sim.now;
    t.client.tcp.connect(ip('10.0.0.2'), 80, app.h);
    t.net.run();
    const syns = tcpTx(t.rec.events, 'client').filter((x) => x.seg.flags === SYN);
    return { ...t, app, start, syns };
  }

  it('Linux 6.18 defaults: SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s, ETIMEDOUT at 131 s', () => {
    const { app, syns } = blackholed();
    // The first SYN waits for ARP (tens of microseconds); the retransmissions run on the timer exactly.
    expect(syns[0]!.t).toBeLessThan(1 * MS);
    expect(syns.slice(1).map((x) => x.t / SEC)).toEqual([1, 2, 3, 4, 5, 7, 11, 19, 35, 67]);
    expect(new Set(syns.map((x) => x.seg.seq)).size).toBe(1); // the same ISN every time
    const ids = syns.map((x) => x.ip.id);
    expect(ids.every((id, i) => id === ((ids[0]! + i) & 0xffff))).toBe(true);
    expect(app.err).toBe('ETIMEDOUT');
    expect(app.errAt).toBe(131 * SEC);
    expect(app.log).toEqual(['error:ETIMEDOUT', 'closed:error']);
  });

  it('tcp_syn_linear_timeouts=0 (kernels before 6.7): 0, 1, 3, 7, 15, 31, 63 s, ETIMEDOUT at 127 s', () => {
    const { app, syns } = blackholed(0);
    expect(syns.slice(1).map((x) => x.t / SEC)).toEqual([1, 3, 7, 15, 31, 63]);
    expect(app.errAt).toBe(127 * SEC);
  });

  it('the listener retransmits its SYN-ACK at 1, 3, 7, 15, 31 s and drops the request at 63 s', () => {
    const { net, client, server, rec } = lan();
    client.hooks.input.push((p) => (p.payload.kind === 'tcp' ? null : p)); // the client never hears back
    server.tcp.listen(80, {}, () => ({}));
    const cA = ip('10.0.0.1');
    const sA = ip('10.0.0.2');
    client.sendPayload(cA, sA, mkTcp(cA, sA, { sport: 40000, dport: 80, seq: 7, ack: 0, flags: SYN, window: 64240 }));
    net.run();
    const sa = tcpTx(rec.events, 'server');
    expect(sa.every((x) => x.seg.flags === (SYN | ACK) && x.ip.id === 0)).toBe(true);
    const t0 = sa[0]!.t;
    expect(sa.slice(1).map((x) => (x.t - t0) / SEC)).toEqual([1, 3, 7, 15, 31]);
    const closed = rec.events.find((e) => e.kind === 'state' && e.node === 'server' && (e.change as { to?: string }).to === 'CLOSED')!;
    expect(closed.t - t0).toBe(63 * SEC);
    expect(server.tcp.count).toBe(0);
  });
});

/**
 * The two queues of a Linux listener, as measured on 6.18 in network
 * namespaces (a python3 server that listens and never accepts; the client's
 * ACKs held back with nftables so handshakes overlap):
 * - accept queue full when the handshake-completing ACK arrives:
 *   tcp_abort_on_overflow=0 drops it and the SYN-ACK is resent at 1, 3, 7,
 *   15, 31 s, each answered by the client with an ACK; =1 answers RST
 *   (flags R, seq = the ACK's ack);
 * - SYN queue: backlog + 1 half-open requests fit; then tcp_syncookies=1
 *   answers with a SYN cookie (never resent), tcp_syncookies=0 drops the SYN;
 *   without cookies the last quarter of tcp_max_syn_backlog is kept
 *   (max_syn_backlog 8: 7 requests fit).
 */
import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/net/host.js';
import type { EventTarget } from '../../src/sim/sim.js';
import { MS, SEC } from '../../src/sim/time.js';
import { ip } from '../../src/wire/addr.js';
import { TCP_FLAG } from '../../src/wire/types.js';
import { drops, hostOn, lan, recorder, tcpTx } from './helpers.js';

const { SYN, ACK, RST } = TCP_FLAG;

function later(h: Host, delay: number, f: () => void): void {
  const t: EventTarget = { label: 'test', onEvent: f };
  h.net.sim.timer(delay, t, 1);
}

/** A server listening with backlog 1 that never accepts; c1 connects at 0, c2 and c3 together at 1 s. */
function overflow(abort: number) {
  const { net, sw, server, rec } = lan();
  server.sysctl.set('net.ipv4.tcp_abort_on_overflow', abort);
  const clients = ['10.0.0.11', '10.0.0.12', '10.0.0.13'].map((a, i) => hostOn(net, sw, `c${i + 1}`, a));
  const l = server.tcp.listen(80, { backlog: 1, manual: true }, () => ({}));
  const apps = clients.map((h, i) => {
    const app = recorder();
    later(h, i === 0 ? 0 : 1 * SEC, () => h.tcp.connect(ip('10.0.0.2'), 80, app.h));
    return app;
  });
  net.run(80 * SEC);
  return { rec, l, apps };
}

describe('accept queue overflow at the final ACK', () => {
  it('tcp_abort_on_overflow=0: the ACK is dropped, the SYN-ACK resent at 1, 3, 7, 15, 31 s and each answered by an ACK; the request dies at 63 s', () => {
    const { rec, l, apps } = overflow(0);
    expect(l.queue.length).toBe(2);
    expect(apps.map((a) => a.log)).toEqual([['connected'], ['connected'], ['connected']]); // the client believes it is connected
    const toC3 = tcpTx(rec.events, 'server').filter((x) => x.ip.dst === ip('10.0.0.13'));
    const synacks = toC3.filter((x) => x.seg.flags === (SYN | ACK));
    const t0 = synacks[0]!.t;
    expect(synacks.map((x) => Math.round((x.t - t0) / MS))).toEqual([0, 1000, 3000, 7000, 15000, 31000]);
    expect(new Set(synacks.map((x) => x.seg.seq)).size).toBe(1);
    const acks = tcpTx(rec.events, 'c3').filter((x) => x.seg.flags === ACK);
    expect(acks.length).toBe(6); // the third ACK, then one per resent SYN-ACK
    const d = drops(rec.events).filter((e) => e.code === 'tcp-listen-overflow');
    expect(d.length).toBe(6);
    expect(d[0]!.text).toMatch(/^the accept queue of server:80 is full \(backlog 1\); the ACK that completes 10\.0\.0\.2:80->10\.0\.0\.13:\d+ is dropped$/);
    expect(l.ackOverflows).toBe(6);
    expect(toC3.some((x) => x.seg.flags & RST)).toBe(false);
    expect(l.synQueue).toBe(0); // dropped after the 6th SYN-ACK's timeout, 63 s after the first
  });

  it('tcp_abort_on_overflow=1: the ACK is answered with RST (flags R, seq = its ack) and the client is reset', () => {
    const { rec, apps } = overflow(1);
    const c3ack = tcpTx(rec.events, 'c3').find((x) => x.seg.flags === ACK)!;
    const rst = tcpTx(rec.events, 'server').filter((x) => x.seg.flags & RST);
    expect(rst.length).toBe(1);
    expect(rst[0]!.seg.flags).toBe(RST);
    expect(rst[0]!.seg.seq).toBe(c3ack.seg.ack);
    expect(rst[0]!.seg.window).toBe(0);
    expect(rst[0]!.ip.dst).toBe(ip('10.0.0.13'));
    expect(drops(rec.events).filter((e) => e.code === 'tcp-accept-overflow-reset').length).toBe(1);
    expect(apps[2]!.log).toEqual(['connected', 'error:ECONNRESET', 'closed:error']);
  });
});

/** `n` clients SYN a server at the same instant; the server's handshakes complete only after they all arrived. */
function burst(n: number, sysctls: Record<string, number>, backlog: number) {
  const { net, sw, server, rec } = lan();
  for (const [k, v] of Object.entries(sysctls)) server.sysctl.set(k, v);
  const clients = Array.from({ length: n }, (_, i) => hostOn(net, sw, `c${i + 1}`, `10.0.0.${11 + i}`));
  const l = server.tcp.listen(80, { backlog, manual: true }, () => ({}));
  for (const h of clients) h.tcp.connect(ip('10.0.0.2'), 80, recorder().h);
  net.run(100 * MS);
  return { rec, l, server };
}

describe('the SYN queue and SYN cookies', () => {
  it('tcp_syncookies=1: backlog + 1 requests get state, the next SYNs a cookie whose timestamp carries wscale 7 and SACK', () => {
    const { rec, l } = burst(5, {}, 1);
    const synacks = tcpTx(rec.events, 'server').filter((x) => x.seg.flags === (SYN | ACK));
    expect(synacks.length).toBe(5);
    expect(l.cookiesSent).toBe(3);
    const ts = synacks.map((x) => x.seg.options.find((o) => o.kind === 'timestamps'));
    for (const t of ts.slice(2)) expect(t && t.kind === 'timestamps' ? t.tsval & 0x3f : -1).toBe(0x17);
    // The cookies' handshakes complete too, while the accept queue has room: 2 wait, the rest's ACKs are dropped.
    expect(l.queue.length).toBe(2);
  });

  it('a cookie SYN-ACK is never resent: only the two requests with state retransmit', () => {
    const { net, sw, server, rec } = lan();
    const clients = Array.from({ length: 4 }, (_, i) => hostOn(net, sw, `c${i + 1}`, `10.0.0.${11 + i}`));
    // The clients' ACKs never arrive (as with the nftables rule): every handshake stays half-open.
    server.hooks.input.push((p) => (p.payload.kind === 'tcp' && p.payload.flags === ACK ? null : p));
    server.tcp.listen(80, { backlog: 1, manual: true }, () => ({}));
    for (const h of clients) h.tcp.connect(ip('10.0.0.2'), 80, recorder().h);
    net.run(4 * SEC);
    const byDst = new Map<number, number>();
    for (const x of tcpTx(rec.events, 'server').filter((y) => y.seg.flags === (SYN | ACK))) byDst.set(x.ip.dst, (byDst.get(x.ip.dst) ?? 0) + 1);
    expect([...byDst.values()]).toEqual([3, 3, 1, 1]); // 0, 1, 3 s for the two requests; one cookie each for the others
  });

  it('tcp_syncookies=0: the SYN beyond backlog + 1 half-open requests is dropped', () => {
    const { rec, l } = burst(5, { 'net.ipv4.tcp_syncookies': 0 }, 1);
    expect(tcpTx(rec.events, 'server').filter((x) => x.seg.flags === (SYN | ACK)).length).toBe(2);
    const d = drops(rec.events).filter((e) => e.code === 'tcp-syn-queue-full');
    expect(d.length).toBe(3);
    expect(d[0]!.text).toMatch(/^the SYN queue of server:80 is full \(2 half-open, backlog 1\) and tcp_syncookies=0; the SYN from 10\.0\.0\.13:\d+ is dropped$/);
    expect(l.cookiesSent).toBe(0);
  });

  it('tcp_syncookies=0, tcp_max_syn_backlog 8: the last quarter is kept for proven peers, so 7 of 8 SYNs get a SYN-ACK', () => {
    const { rec } = burst(8, { 'net.ipv4.tcp_syncookies': 0, 'net.ipv4.tcp_max_syn_backlog': 8 }, 100);
    expect(tcpTx(rec.events, 'server').filter((x) => x.seg.flags === (SYN | ACK)).length).toBe(7);
    const d = drops(rec.events).filter((e) => e.code === 'tcp-syn-queue-full');
    expect(d.map((e) => e.text)).toEqual([expect.stringMatching(/^server:80 holds 7 half-open requests, within the last quarter of tcp_max_syn_backlog \(8\) kept for proven peers; the SYN from 10\.0\.0\.18:\d+ is dropped$/)]);
  });
});

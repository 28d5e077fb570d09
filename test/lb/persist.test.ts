import { describe, expect, it } from 'vitest';
import { PersistenceTable } from '../../src/lb/persist.js';
import { createBackends, createScheduler } from '../../src/lb/sched/index.js';
import { ip } from '../../src/wire/addr.js';
import { SEC } from '../../src/sim/time.js';
import { flow } from './helpers.js';

const C = ip('10.0.0.5');

describe('source-IP persistence', () => {
  it('holds within the timeout after the last connection and expires at exactly timeout', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const t = new PersistenceTable({ timeoutNs: 300 * SEC });
    expect(t.lookup(C, 0, pool)).toBe(-1);
    expect(t.explain().sentence).toBe('persistence: no entry for client 10.0.0.5: it is scheduled normally');
    t.connectionOpened(C, 1, 0);
    t.connectionClosed(C, 1, 2 * SEC);
    expect(t.lookup(C, 302 * SEC - 1, pool)).toBe(1);
    expect(t.explain()).toMatchObject({
      outcome: 'hit',
      index: 1,
      server: 'web2',
      sentence: 'persistence: client 10.0.0.5 sticks to web2 (idle since 2.000000s, expires at 302.000000s)',
    });
    expect(t.lookup(C, 302 * SEC, pool)).toBe(-1);
    expect(t.explain().outcome).toBe('expired');
    expect(t.explain().sentence).toBe(
      "persistence: client 10.0.0.5's entry for web2 expired at 302.000000s (300s after its last connection ended at 2.000000s): it is scheduled normally",
    );
    expect(t.size).toBe(0);
  });

  it('never expires while a connection is open; the timeout runs from the end of the last one', () => {
    const pool = createBackends(['web1', 'web2']);
    const t = new PersistenceTable({ timeoutNs: 10 * SEC });
    t.connectionOpened(C, 0, 0);
    t.connectionOpened(C, 0, 5 * SEC);
    expect(t.lookup(C, 1000 * SEC, pool)).toBe(0);
    expect(t.explain().sentence).toBe('persistence: client 10.0.0.5 sticks to web1 (2 connections open)');
    t.connectionClosed(C, 0, 1001 * SEC);
    expect(t.lookup(C, 1020 * SEC, pool)).toBe(0); // one still open
    t.connectionClosed(C, 0, 1030 * SEC);
    expect(t.expiresAt(t.get(C)!)).toBe(1040 * SEC);
    expect(t.lookup(C, 1039 * SEC, pool)).toBe(0);
    expect(t.lookup(C, 1040 * SEC, pool)).toBe(-1);
  });

  it('shares one entry across a persistent netmask (IPVS -M)', () => {
    const pool = createBackends(['web1', 'web2']);
    const t = new PersistenceTable({ timeoutNs: 60 * SEC, netmask: ip('255.255.255.0') });
    t.connectionOpened(ip('10.0.0.5'), 1, 0);
    expect(t.lookup(ip('10.0.0.77'), SEC, pool)).toBe(1);
    expect(t.explain().sentence).toBe('persistence: client 10.0.0.77 (as 10.0.0.0/24) sticks to web2 (1 connection open)');
    expect(t.lookup(ip('10.0.1.5'), SEC, pool)).toBe(-1);
  });

  it('drops the entry when the server is down: the client is rescheduled and its session is gone', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const t = new PersistenceTable({ timeoutNs: 300 * SEC });
    t.connectionOpened(C, 1, 0);
    pool[1]!.state = 'down';
    expect(t.lookup(C, SEC, pool)).toBe(-1);
    expect(t.explain()).toMatchObject({
      outcome: 'server-unavailable',
      index: -1,
      server: 'web2',
      sentence: 'web2 is down: client 10.0.0.5 is rescheduled; its server-side session is gone',
    });
    expect(t.get(C)).toBeUndefined();
    // the closing of the dead server's connection does not disturb the new entry
    t.connectionOpened(C, 2, 2 * SEC);
    t.connectionClosed(C, 1, 3 * SEC);
    expect(t.get(C)).toMatchObject({ backend: 2, conns: 1 });
    // web2 comes back: the client stays on web3, where its new session lives
    pool[1]!.state = 'enabled';
    expect(t.lookup(C, 4 * SEC, pool)).toBe(2);
  });

  it('keeps clients on a draining or weight-0 server (IPVS quiescent), unless expireQuiescent', () => {
    const pool = createBackends(['web1', 'web2']);
    const keep = new PersistenceTable({ timeoutNs: 60 * SEC });
    const drop = new PersistenceTable({ timeoutNs: 60 * SEC, expireQuiescent: true });
    for (const t of [keep, drop]) t.connectionOpened(C, 0, 0);
    pool[0]!.state = 'draining';
    expect(keep.lookup(C, SEC, pool)).toBe(0);
    expect(keep.explain().sentence).toBe(
      'persistence: web1 is draining but client 10.0.0.5 still sticks to it (1 connection open; IPVS expire_quiescent_template=0)',
    );
    expect(drop.lookup(C, SEC, pool)).toBe(-1);
    expect(drop.explain().sentence).toBe('web1 is draining: client 10.0.0.5 is rescheduled; its server-side session is gone');
    pool[0]!.state = 'enabled';
    pool[0]!.weight = 0;
    expect(keep.lookup(C, SEC, pool)).toBe(0);
    expect(keep.explain().outcome).toBe('hit-quiescent');
    pool[0]!.state = 'disabled';
    expect(keep.lookup(C, SEC, pool)).toBe(-1);
  });

  it('sweep removes only expired entries', () => {
    const t = new PersistenceTable({ timeoutNs: 10 * SEC });
    t.bind(ip('10.0.0.1'), 0, 0);
    t.bind(ip('10.0.0.2'), 0, 5 * SEC);
    t.connectionOpened(ip('10.0.0.3'), 0, 0);
    expect(t.sweep(10 * SEC)).toBe(1);
    expect([...t.entries()].map((e) => e.client)).toEqual([ip('10.0.0.2'), ip('10.0.0.3')]);
  });

  it('with a scheduler: sticky while alive, moved once when the server dies, then sticky again', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const rr = createScheduler('round-robin');
    const t = new PersistenceTable({ timeoutNs: 300 * SEC });
    const connect = (client: number, now: number): number => {
      let i = t.lookup(client, now, pool);
      if (i < 0) i = rr.pick(flow(client), pool);
      t.connectionOpened(client, i, now);
      t.connectionClosed(client, i, now + SEC);
      return i;
    };
    const a = ip('10.0.0.5');
    const b = ip('10.0.0.6');
    expect(connect(a, 0)).toBe(0);
    expect(connect(b, 0)).toBe(1);
    for (let k = 1; k <= 5; k++) {
      expect(connect(a, k * 10 * SEC)).toBe(0);
      expect(connect(b, k * 10 * SEC)).toBe(1);
    }
    pool[0]!.state = 'down';
    expect(connect(a, 100 * SEC)).toBe(2);
    expect(connect(a, 110 * SEC)).toBe(2);
    expect(connect(b, 110 * SEC)).toBe(1);
  });
});

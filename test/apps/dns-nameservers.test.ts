/**
 * Several nameservers, as glibc's res_send asks them (measured on Linux
 * 6.18 with getent ahostsv4, three nameservers that drop every query and
 * `options timeout:2 attempts:2`): every server in order, each from its own
 * port, one id for the lookup; server i waits (timeout << i) / n seconds for
 * i > 0, at least 1: queries at 0, 2, 3, 5, 7, 8 s and the failure at 10 s.
 */
import { describe, expect, it } from 'vitest';
import { DnsServer } from '../../src/apps/dns-server.js';
import { DnsResolver, type DnsLookupResult } from '../../src/apps/dns-resolver.js';
import { SEC } from '../../src/sim/time.js';
import { ip } from '../../src/wire/addr.js';
import { decodeDns } from '../../src/wire/dns.js';
import type { TraceEvent, TxEvent } from '../../src/trace/events.js';
import { farm } from './helpers.js';

function queries(evs: readonly TraceEvent[], node: string) {
  return evs
    .filter((e): e is TxEvent => e.kind === 'tx' && e.node === node && e.frame.eth.payload.kind === 'ipv4' && e.frame.eth.payload.payload.kind === 'udp')
    .map((e) => {
      const p = e.frame.eth.payload as Extract<typeof e.frame.eth.payload, { kind: 'ipv4' }>;
      const u = p.payload as Extract<typeof p.payload, { kind: 'udp' }>;
      const m = decodeDns(u.payload);
      if (!m.ok) throw new Error(m.error.reason);
      return { t: e.t, dst: p.dst, sport: u.sport, id: m.value.id };
    });
}

/** Nameservers that drop every datagram to port 53 (an nftables drop rule): nothing answers, nothing says so. */
function silent(n: number) {
  const names = Array.from({ length: n }, (_, i) => `dns${i + 1}`);
  const f = farm(1, names);
  for (const h of f.servers) h.hooks.input.push((p) => (p.payload.kind === 'udp' && p.payload.dport === 53 ? null : p));
  return f;
}

function lookupAt(r: DnsResolver, times: number[]): (DnsLookupResult | null)[] {
  const out: (DnsLookupResult | null)[] = times.map(() => null);
  times.forEach((t, i) => r.host.net.sim.at(t, { label: 'test', onEvent: () => r.lookup('shop.example', (x) => (out[i] = x)) }, 1));
  return out;
}

describe('several nameservers (resolv.conf)', () => {
  it('three silent servers, timeout:2 attempts:2: queries at 0, 2, 3, 5, 7, 8 s, one port per server, one id; EAI_AGAIN at 10 s', () => {
    const f = silent(3);
    const ns = ['10.0.0.2', '10.0.0.3', '10.0.0.4'].map(ip);
    const r = new DnsResolver(f.clients[0]!, ns, { timeout: 2 * SEC, cache: 'none' });
    let failedAt = -1;
    r.host.net.sim.at(0, { label: 'test', onEvent: () => r.lookup('shop.example', () => (failedAt = r.host.net.sim.now)) }, 1);
    f.net.run();
    const q = queries(f.rec.events, f.clients[0]!.name);
    expect(q.map((x) => Math.round(x.t / 1e6) / 1000)).toEqual([0, 2, 3, 5, 7, 8]);
    expect(q.map((x) => x.dst)).toEqual([...ns, ...ns]);
    expect(q[3]!.sport).toBe(q[0]!.sport);
    expect(new Set(q.slice(0, 3).map((x) => x.sport)).size).toBe(3);
    expect(new Set(q.map((x) => x.id)).size).toBe(1);
    expect(Math.round(failedAt / 1e6)).toBe(10_000);
    expect([0, 1, 2].map((i) => r.waitFor(i) / SEC)).toEqual([2, 1, 2]);
  });

  it('a dead first nameserver costs every lookup the full timeout; rotate starts each lookup at the next server', () => {
    for (const rotate of [false, true]) {
      const f = farm(1, ['dns1', 'dns2']);
      f.servers[0]!.hooks.input.push((p) => (p.payload.kind === 'udp' && p.payload.dport === 53 ? null : p));
      new DnsServer(f.servers[1]!, [{ name: 'shop.example', addrs: [ip('10.0.0.9')], ttl: 30 * SEC }]);
      const r = new DnsResolver(f.clients[0]!, [ip('10.0.0.2'), ip('10.0.0.3')], { cache: 'none', rotate });
      const times = [0, 20 * SEC, 40 * SEC, 60 * SEC];
      const res = lookupAt(r, times);
      const doneAt: number[] = [];
      f.rec.events.length = 0;
      f.net.run();
      expect(res.every((x) => x !== null && x.ok)).toBe(true);
      const q = queries(f.rec.events, f.clients[0]!.name);
      for (const t of times) doneAt.push(q.filter((x) => x.t >= t && x.t < t + 10 * SEC).length);
      // Without rotate each lookup asks dns1, waits 5 s, then dns2; with rotate every other lookup starts at dns2.
      expect(doneAt).toEqual(rotate ? [2, 1, 2, 1] : [2, 2, 2, 2]);
      // Each query that goes to dns2 after dns1 leaves exactly the 5 s timeout after the lookup began.
      const late = q.filter((x) => x.dst === ip('10.0.0.3')).map((x) => Math.round((x.t - Math.max(...times.filter((t) => t <= x.t))) / 1e6));
      expect(late).toEqual(rotate ? [5000, 0, 5000, 0] : [5000, 5000, 5000, 5000]);
    }
  });
});

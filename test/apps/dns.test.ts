/**
 * The DNS server and the stub resolver: the exact datagrams of a lookup,
 * BIND's cyclic rotation, the response codes, glibc's retry timing (5 s,
 * twice, the same id and port), the three cache modes, and an HTTP client
 * that targets a name.
 */
import { describe, expect, it } from 'vitest';
import { DnsServer } from '../../src/apps/dns-server.js';
import { DnsLookupApp, DnsResolver, type DnsCacheMode, type DnsLookupResult } from '../../src/apps/dns-resolver.js';
import { HttpClient } from '../../src/apps/http-client.js';
import { HttpServer } from '../../src/apps/http-server.js';
import { SEC } from '../../src/sim/time.js';
import { fmtIp, ip } from '../../src/wire/addr.js';
import { aAddresses, decodeDns, DNS_FLAG, DNS_RCODE, DNS_TYPE, dnsQuery, dnsRcode, encodeDns, type DnsMessage } from '../../src/wire/dns.js';
import type { DropEvent, StateEvent, TraceEvent, TxEvent } from '../../src/trace/events.js';
import { udpChecksum } from '../../src/wire/checksum.js';
import { farm } from './helpers.js';

const WEB = ['10.0.0.3', '10.0.0.4', '10.0.0.5'].map(ip);

/** dns1 at 10.0.0.2 serving shop.example (web1..3 at .3-.5, TTL 30 s), clients c1... at 10.0.0.11... */
function dnsFarm(clients = 1, ttl = 30 * SEC) {
  const f = farm(clients, ['dns1', 'web1', 'web2', 'web3']);
  const server = new DnsServer(f.servers[0]!, [{ name: 'shop.example', addrs: WEB, ttl }]);
  return { ...f, server, dns: ip('10.0.0.2') };
}

/** DNS datagrams hosts sent (not the switch), decoded, with time, node and ports. */
function dnsSent(evs: readonly TraceEvent[]) {
  return evs
    .filter((e): e is TxEvent => e.kind === 'tx' && e.node !== 'sw1' && e.frame.eth.payload.kind === 'ipv4' && e.frame.eth.payload.payload.kind === 'udp')
    .map((e) => {
      const ip4 = e.frame.eth.payload as Extract<typeof e.frame.eth.payload, { kind: 'ipv4' }>;
      const u = ip4.payload as Extract<typeof ip4.payload, { kind: 'udp' }>;
      const m = decodeDns(u.payload);
      if (!m.ok) throw new Error(m.error.reason);
      return { t: e.t, node: e.node, src: ip4.src, dst: ip4.dst, sport: u.sport, dport: u.dport, udp: u, ip: ip4, bytes: u.payload, m: m.value };
    });
}

function lookups(r: DnsResolver, name: string, times: number[]): (DnsLookupResult | null)[] {
  const out: (DnsLookupResult | null)[] = times.map(() => null);
  times.forEach((t, i) => r.host.net.sim.at(t, { label: 'test', onEvent: () => r.lookup(name, (x) => (out[i] = x)), kindName: () => 'lookup' }, 1));
  return out;
}

describe('a lookup on the wire', () => {
  it('is one query from a random port and one authoritative answer with c0 0c pointers, RD echoed, RA clear', () => {
    const { net, clients, rec, dns } = dnsFarm();
    const r = new DnsResolver(clients[0]!, dns, { cache: 'none' });
    const res = lookups(r, 'shop.example', [0]);
    net.run();
    const [q, a] = dnsSent(rec.events);
    expect(dnsSent(rec.events)).toHaveLength(2);
    expect(q).toMatchObject({ node: 'c1', src: ip('10.0.0.11'), dst: dns, dport: 53 });
    expect(q!.sport).toBeGreaterThanOrEqual(32768);
    expect(q!.m).toEqual(dnsQuery(q!.m.id, 'shop.example'));
    expect(q!.udp.checksum).toBe(udpChecksum(q!.ip.src, q!.ip.dst, q!.udp));
    expect(a).toMatchObject({ node: 'dns1', src: dns, dst: ip('10.0.0.11'), sport: 53, dport: q!.sport });
    expect(a!.m.id).toBe(q!.m.id);
    expect(a!.m.flags).toBe(DNS_FLAG.QR | DNS_FLAG.AA | DNS_FLAG.RD);
    expect(a!.m.answers.map((x) => [x.name, x.ttl])).toEqual([['shop.example', 30], ['shop.example', 30], ['shop.example', 30]]);
    // The answers' owner names are pointers to the question at offset 12.
    const hex = Buffer.from(a!.bytes).toString('hex');
    expect(hex.slice(60, 64)).toBe('c00c');
    expect(hex.match(/c00c00010001/g)).toHaveLength(3);
    expect(res[0]).toEqual({ ok: true, addrs: WEB, cached: false });
    // Query at the first hop after ARP; the answer two hops later.
    expect(a!.t - q!.t).toBe(20_000);
  });

  it('rotates the records by one per query (BIND cyclic order), whoever asks', () => {
    const { net, clients, rec, dns, server } = dnsFarm(2);
    const r1 = new DnsResolver(clients[0]!, dns, { cache: 'none' });
    const r2 = new DnsResolver(clients[1]!, dns, { cache: 'none' });
    lookups(r1, 'shop.example', [0, 2 * SEC, 4 * SEC]);
    lookups(r2, 'SHOP.example', [1 * SEC, 3 * SEC]);
    net.run();
    const firsts = dnsSent(rec.events).filter((x) => x.node === 'dns1').map((x) => aAddresses(x.m).map(fmtIp).join(','));
    expect(firsts).toEqual([
      '10.0.0.3,10.0.0.4,10.0.0.5',
      '10.0.0.4,10.0.0.5,10.0.0.3',
      '10.0.0.5,10.0.0.3,10.0.0.4',
      '10.0.0.3,10.0.0.4,10.0.0.5',
      '10.0.0.4,10.0.0.5,10.0.0.3',
    ]);
    expect([...server.stats.firstAnswer.entries()]).toEqual([[WEB[0], 2], [WEB[1], 2], [WEB[2], 1]]);
    expect(server.stats.queries).toBe(5);
  });
});

describe('response codes', () => {
  /** Sends raw bytes to dns1:53 from c1 and returns what came back. */
  function ask(payload: Uint8Array) {
    const { net, clients, rec, dns, server } = dnsFarm();
    const got: Uint8Array[] = [];
    const sock = clients[0]!.udp.bind(40000, { message: (_s, d) => got.push(d) });
    sock.send(dns, 53, payload);
    net.run();
    return { got: got.map((g) => decodeDns(g)).map((d) => (d.ok ? d.value : null)), rec, server };
  }
  const q = (name: string, type: number = DNS_TYPE.A, cls = 1): Uint8Array => encodeDns({ ...dnsQuery(7, name, type), questions: [{ name, type, class: cls }] });

  it('NXDOMAIN (authoritative) for an unknown name in its domain, REFUSED outside it or in another class', () => {
    expect(dnsRcode(ask(q('nope.example')).got[0]!)).toBe(DNS_RCODE.NXDOMAIN);
    expect(ask(q('nope.example')).got[0]!.flags & DNS_FLAG.AA).toBe(DNS_FLAG.AA);
    const other = ask(q('www.other.test')).got[0]!;
    expect(dnsRcode(other)).toBe(DNS_RCODE.REFUSED);
    expect(other.flags & (DNS_FLAG.AA | DNS_FLAG.RA)).toBe(0);
    expect(dnsRcode(ask(q('shop.example', DNS_TYPE.A, 3)).got[0]!)).toBe(DNS_RCODE.REFUSED);
  });

  it('NODATA for another type of a known name, NOTIMP for another opcode, FORMERR for two questions or unreadable bytes', () => {
    const aaaa = ask(q('shop.example', DNS_TYPE.AAAA)).got[0]!;
    expect([dnsRcode(aaaa), aaaa.answers.length]).toEqual([DNS_RCODE.NOERROR, 0]);
    const notify: DnsMessage = { ...dnsQuery(9, 'shop.example'), flags: 4 << 11 };
    expect(dnsRcode(ask(encodeDns(notify)).got[0]!)).toBe(DNS_RCODE.NOTIMP);
    const two: DnsMessage = { ...dnsQuery(9, 'shop.example'), questions: [dnsQuery(0, 'a.example').questions[0]!, dnsQuery(0, 'b.example').questions[0]!] };
    expect(dnsRcode(ask(encodeDns(two)).got[0]!)).toBe(DNS_RCODE.FORMERR);
    // A readable header with a question cut short: FORMERR echoing the id, no sections.
    const cut = ask(q('shop.example').slice(0, 20)).got[0]!;
    expect(cut).toEqual({ id: 7, flags: DNS_FLAG.QR | DNS_FLAG.RD | DNS_RCODE.FORMERR, questions: [], answers: [], authority: [], additional: [] });
  });

  it('drops what has no header, and responses, with reason codes', () => {
    const short = ask(Uint8Array.of(1, 2, 3));
    expect(short.got).toEqual([]);
    expect(short.rec.events.filter((e): e is DropEvent => e.kind === 'drop' && e.node === 'dns1').map((e) => e.code)).toEqual(['dns-malformed']);
    const resp = ask(encodeDns({ ...dnsQuery(3, 'shop.example'), flags: DNS_FLAG.QR }));
    expect(resp.got).toEqual([]);
    expect(resp.rec.events.filter((e): e is DropEvent => e.kind === 'drop' && e.node === 'dns1').map((e) => e.code)).toEqual(['dns-unexpected-reply']);
    expect(resp.server.stats.dropped).toBe(1);
  });
});

describe('the stub resolver', () => {
  it('retransmits the same datagram after 5 s and gives up with EAI_AGAIN at 10 s (glibc timeout:5 attempts:2)', () => {
    const { net, clients, servers, rec, dns } = dnsFarm();
    servers[0]!.hooks.input.push((p) => (p.payload.kind === 'udp' ? null : p)); // a firewall drops DNS
    const r = new DnsResolver(clients[0]!, dns);
    const res = lookups(r, 'shop.example', [0]);
    net.run();
    const qs = dnsSent(rec.events);
    // The first query waits 40 us for ARP; the timer runs from sendto(), so the retry leaves at 5 s sharp.
    expect(qs.map((x) => x.t)).toEqual([40_000, 5 * SEC]);
    expect(qs[1]!.sport).toBe(qs[0]!.sport);
    expect(qs[1]!.m.id).toBe(qs[0]!.m.id);
    expect(res[0]).toEqual({ ok: false, error: 'EAI_AGAIN' });
    expect(r.stats).toMatchObject({ lookups: 1, queriesSent: 2, failures: 1, cacheHits: 0 });
  });

  it('retries at once when the server port is closed (ICMP port unreachable), then fails', () => {
    const f = farm(1, ['dns1']);
    const r = new DnsResolver(f.clients[0]!, ip('10.0.0.2'));
    const res = lookups(r, 'shop.example', [0]);
    f.net.run();
    const qs = dnsSent(f.rec.events);
    expect(qs).toHaveLength(2);
    // Two hops there, two back: the retry leaves as the ICMP error arrives.
    expect(qs[1]!.t - qs[0]!.t).toBe(40_000);
    expect(res[0]).toEqual({ ok: false, error: 'EAI_AGAIN' });
  });

  it('maps NXDOMAIN to EAI_NONAME and caches nothing', () => {
    const { net, clients, rec, dns } = dnsFarm();
    const r = new DnsResolver(clients[0]!, dns);
    const res = lookups(r, 'nope.example', [0]);
    net.run();
    expect(res[0]).toEqual({ ok: false, error: 'EAI_NONAME' });
    expect(rec.events.some((e) => e.kind === 'state' && e.change.what === 'dns-cache')).toBe(false);
  });

  it('discards an answer from another address, even with the right id and port, and keeps waiting', () => {
    const { net, clients, servers, rec, dns } = dnsFarm(2);
    let first = true;
    servers[0]!.hooks.input.push((p) => (p.payload.kind === 'udp' && first ? ((first = false), null) : p)); // the first query is lost
    const r = new DnsResolver(clients[0]!, dns);
    const res = lookups(r, 'shop.example', [0]);
    const forger = clients[1]!.udp.bind(53, { message: () => {} });
    net.sim.at(1 * SEC, { label: 'forger', onEvent: () => {
      const q = dnsSent(rec.events)[0]!;
      forger.send(ip('10.0.0.11'), q.sport, encodeDns({ ...q.m, flags: DNS_FLAG.QR | DNS_FLAG.AA, answers: [] }));
    }, kindName: () => 'forge' }, 1);
    net.run();
    const drops = rec.events.filter((e): e is DropEvent => e.kind === 'drop' && e.node === 'c1');
    expect(drops.map((d) => d.code)).toEqual(['dns-unexpected-reply']);
    expect(drops[0]!.text).toMatch(/from 10\.0\.0\.12:53/);
    expect(res[0]).toEqual({ ok: true, addrs: WEB, cached: false });
    expect(r.stats.queriesSent).toBe(2);
  });

  const modes: [DnsCacheMode, number, number][] = [
    ['ttl', 2, 3],
    ['forever', 1, 4],
    ['none', 5, 0],
  ];
  it.each(modes)('cache %s: lookups at 0, 10, 20, 30, 40 s with a 30 s TTL send %i queries and hit %i times', (mode, queries, hits) => {
    const { net, clients, rec, dns } = dnsFarm();
    const r = new DnsResolver(clients[0]!, dns, { cache: mode });
    const res = lookups(r, 'shop.example', [0, 10, 20, 30, 40].map((s) => s * SEC));
    net.run();
    expect(dnsSent(rec.events).filter((x) => x.node === 'c1')).toHaveLength(queries);
    expect(r.stats).toMatchObject({ lookups: 5, queriesSent: queries, cacheHits: hits, failures: 0 });
    const cache = rec.events.filter((e): e is StateEvent => e.kind === 'state' && e.change.what === 'dns-cache');
    const ops = cache.map((e) => (e.change as { op: string }).op);
    if (mode === 'ttl') {
      expect(ops).toEqual(['add', 'hit', 'hit', 'hit', 'del', 'add', 'del']);
      // The entry dies exactly one TTL after the answer arrived.
      expect(cache[4]!.t - cache[0]!.t).toBe(30 * SEC);
      expect(res[4]).toMatchObject({ ok: true, cached: false, addrs: [WEB[1], WEB[2], WEB[0]] });
    }
    if (mode === 'forever') {
      expect(ops).toEqual(['add', 'hit', 'hit', 'hit', 'hit']);
      expect((cache[0]!.change as { ttl: number }).ttl).toBe(-1);
      expect(res.every((x) => x?.ok && x.addrs[0] === WEB[0])).toBe(true);
    }
    if (mode === 'none') expect(ops).toEqual([]);
  });

  it('a TTL of 0 is never cached; lookups of a name already being asked share one query', () => {
    const { net, clients, rec, dns } = dnsFarm(1, 0);
    const r = new DnsResolver(clients[0]!, dns);
    const res = lookups(r, 'shop.example', [0, 0, 1 * SEC]);
    net.run();
    expect(dnsSent(rec.events).filter((x) => x.node === 'c1')).toHaveLength(2);
    expect(res.map((x) => x?.ok)).toEqual([true, true, true]);
    expect(r.stats.cacheHits).toBe(0);
  });

  it('the dns-lookup app repeats its lookups at the interval', () => {
    const { net, clients, dns } = dnsFarm();
    const app = new DnsLookupApp(new DnsResolver(clients[0]!, dns), 'shop.example', 3, 2 * SEC, 1 * SEC);
    net.run();
    expect(app.results.map((x) => [x.at, x.result?.ok, x.result?.ok && x.result.cached])).toEqual([
      [1 * SEC, true, false],
      [3 * SEC, true, true],
      [5 * SEC, true, true],
    ]);
  });
});

describe('an HTTP client that targets a name', () => {
  it('looks the name up before each new connection and connects to the first address', () => {
    const { net, clients, servers, dns } = dnsFarm();
    for (const s of servers.slice(1)) new HttpServer(s);
    const r = new DnsResolver(clients[0]!, dns, { cache: 'none' });
    const cl = new HttpClient(clients[0]!, 0, { name: 'shop.example', resolver: r, count: 4 });
    net.run();
    expect(cl.results.map((x) => [x.outcome, x.server, fmtIp(x.dst)])).toEqual([
      ['completed', 'web1', '10.0.0.3'],
      ['completed', 'web2', '10.0.0.4'],
      ['completed', 'web3', '10.0.0.5'],
      ['completed', 'web1', '10.0.0.3'],
    ]);
    expect(cl.target).toBe('shop.example');
    // The lookup is part of the response time (curl's time_total includes time_namelookup).
    expect(cl.results[0]!.connectedAt - cl.results[0]!.startedAt).toBeGreaterThan(40_000);
  });

  it('ends a request as unresolved with the getaddrinfo error when the name does not resolve', () => {
    const { net, clients, dns } = dnsFarm();
    const cl = new HttpClient(clients[0]!, 0, { name: 'nope.example', resolver: new DnsResolver(clients[0]!, dns), count: 2 });
    net.run();
    expect(cl.results.map((x) => [x.outcome, x.error])).toEqual([
      ['unresolved', 'EAI_NONAME'],
      ['unresolved', 'EAI_NONAME'],
    ]);
    expect(cl.summary().byOutcome.unresolved).toBe(2);
  });
});

/**
 * Each check kind judged on hand-made inputs: passing and failing cases,
 * with the exact sentence and the evidence that decided them.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../src/grade/grade.js';
import type { Check } from '../../src/scenario/types.js';
import type { GradeInput } from '../../src/grade/types.js';
import { mac } from '../../src/wire/addr.js';
import { ACK, POS, RST, SYN, TraceBuilder, arpReply, attempt, client, expectation, flags, input, macTest, num, pingEth, target, tcpEth } from './helpers.js';

const MS = 1_000_000;
const SEC = 1_000_000_000;

function judge(inp: GradeInput, check: Check) {
  const [v] = grade(inp, [expectation('the check', check)]);
  return v!;
}

describe('grade', () => {
  it('returns one verdict per expectation, in order, with name, kind and position', () => {
    const vs = grade(input(), [
      expectation('a', { kind: 'drop', code: 'ttl-exceeded', node: null, iface: null, seen: false }),
      expectation('b', { kind: 'counter', name: 'drops', node: null, first: null, port: null, atMost: 0, atLeast: null, equals: null }),
    ]);
    expect(vs.map((v) => [v.name, v.kind, v.passed])).toEqual([
      ['a', 'drop', true],
      ['b', 'counter', true],
    ]);
    expect(vs[0]!.pos).toEqual(POS);
  });
});

describe('flow', () => {
  const vip = target('vip:shop', '10.0.1.100', 'vip');
  const flow = (outcome: 'completed' | 'timeout' | 'reset' | 'refused' | 'unreachable', port: number | null = null): Check => ({ kind: 'flow', from: 'client', to: vip, port, outcome });

  it('passes when every request of the matching apps has the outcome', () => {
    const inp = input({ clients: [client('client', '10.0.1.100', 80, [attempt(0, 'completed', 0, 2 * MS, { server: 'web1' }), attempt(1, 'completed', 2 * MS, 4 * MS, { server: 'web2' })])] });
    const v = judge(inp, flow('completed'));
    expect(v.passed).toBe(true);
    expect(v.message).toBe('expected every request from client to vip:shop (10.0.1.100) to end as completed; found completed 2 (of 2)');
    expect(v.evidence.map((e) => e.text)).toEqual([
      'request 0 started at 0.000000s, ended at 0.002000s: completed (web1)',
      'request 1 started at 0.002000s, ended at 0.004000s: completed (web2)',
    ]);
    expect(v.evidence[0]!.place).toBe('client http-client 0');
  });

  it('fails when one request ends otherwise, and shows the ones that did', () => {
    const inp = input({
      clients: [client('client', '10.0.1.100', 80, [attempt(0, 'completed', 0, MS), attempt(1, 'reset', MS, 3 * MS, { error: 'ECONNRESET' }), attempt(2, 'timeout', 3 * MS, 5 * SEC, { error: 'max-time' })])],
    });
    const v = judge(inp, flow('completed'));
    expect(v.passed).toBe(false);
    expect(v.message).toBe('expected every request from client to vip:shop (10.0.1.100) to end as completed; found completed 1, reset 1, timeout 1 (of 3)');
    expect(v.evidence.map((e) => e.text)).toEqual([
      'request 1 started at 0.001000s, ended at 0.003000s: reset (ECONNRESET)',
      'request 2 started at 0.003000s, ended at 5.000000s: timeout (max-time)',
    ]);
    expect(v.evidence[1]!.t).toBe(5 * SEC);
  });

  it('reads tcp-connect attempts, filters by port, and merges several apps', () => {
    const inp = input({
      clients: [
        client('client', '10.0.1.100', 80, [attempt(0, 'timeout', 0, 131 * SEC, { error: 'ETIMEDOUT' })], 'tcp-connect'),
        client('client', '10.0.1.100', 443, [attempt(0, 'refused', 0, MS, { error: 'ECONNREFUSED' })], 'tcp-connect', '1'),
      ],
    });
    expect(judge(inp, flow('timeout', 80)).message).toBe('expected every connection attempt from client to vip:shop (10.0.1.100) port 80 to end as timeout; found timeout 1 (of 1)');
    expect(judge(inp, flow('timeout', 80)).passed).toBe(true);
    const both = judge(inp, flow('timeout'));
    expect(both.passed).toBe(false);
    expect(both.message).toBe('expected every connection attempt from client to vip:shop (10.0.1.100) to end as timeout; found timeout 1, refused 1 (of 2)');
    expect(both.evidence.map((e) => `${e.place} | ${e.text}`)).toEqual(['client tcp-connect 1 | connection attempt 0 started at 0.000000s, ended at 0.001000s: refused (ECONNREFUSED)']);
  });

  it('counts an attempt that never ended as pending', () => {
    const inp = input({ clients: [client('client', '10.0.1.100', 80, [attempt(0, 'pending', 10 * SEC, -1)], 'tcp-connect')] });
    const v = judge(inp, flow('timeout'));
    expect(v.message).toBe('expected every connection attempt from client to vip:shop (10.0.1.100) to end as timeout; found pending 1 (of 1)');
    expect(v.evidence[0]!.text).toBe('connection attempt 0 started at 10.000000s: pending');
  });

  it('fails clearly when no app matches, naming where the apps on that node send', () => {
    const inp = input({ clients: [client('client', '10.0.2.11', 8080, [attempt(0, 'completed', 0, MS)])] });
    const v = judge(inp, flow('completed'));
    expect(v.passed).toBe(false);
    expect(v.message).toBe('expected every request from client to vip:shop (10.0.1.100) to end as completed; found no http-client, tcp-connect or replayed flow on client that sends there (its apps send to 10.0.2.11:8080)');
    expect(judge(input(), flow('completed')).message).toBe('expected every request from client to vip:shop (10.0.1.100) to end as completed; found no http-client, tcp-connect or replayed flow on client that sends there');
  });

  it('fails when the matching app made no request', () => {
    const v = judge(input({ clients: [client('client', '10.0.1.100', 80, [])] }), flow('completed'));
    expect(v.passed).toBe(false);
    expect(v.message).toBe('expected every request from client to vip:shop (10.0.1.100) to end as completed; found no request made');
  });

  it('writes a raw address once', () => {
    const v = judge(input({ clients: [client('client', '10.0.2.12', 80, [attempt(0, 'refused', 0, MS)], 'tcp-connect')] }), { kind: 'flow', from: 'client', to: target('10.0.2.12', '10.0.2.12', 'address'), port: 80, outcome: 'refused' });
    expect(v.message).toBe('expected every connection attempt from client to 10.0.2.12 port 80 to end as refused; found refused 1 (of 1)');
  });
});

describe('frame', () => {
  const at = { node: 'web2', iface: 'eth0' };
  function trace() {
    const tb = new TraceBuilder();
    tb.tx(1000, 'web2', 'eth0', tcpEth('10.0.1.12', '10.0.1.100', SYN, { sport: 40000 }));
    tb.rx(2000, 'web2', 'eth0', tcpEth('10.0.1.11', '10.0.1.12', SYN | ACK, { sport: 80, dport: 40000 }));
    tb.tx(2500, 'web2', 'eth0', tcpEth('10.0.1.12', '10.0.1.11', RST, { sport: 40000, dport: 80 }));
    tb.rx(3000, 'web2', 'eth0', tcpEth('10.0.1.11', '10.0.1.12', SYN | ACK, { sport: 80, dport: 40000 }));
    tb.rx(3000, 'web1', 'eth0', tcpEth('10.0.1.100', '10.0.1.11', SYN | ACK));
    return tb;
  }

  it('passes when the first matching frame has the fields, and shows it', () => {
    const v = judge(input({ events: trace().events }), { kind: 'frame', at, match: [flags('SA')], has: [num('ip.src', '10.0.1.11', 'web1')], seen: true });
    expect(v.passed).toBe(true);
    expect(v.message).toBe('expected the first frame matching tcp.flags=SA at web2:eth0 to have ip.src=web1 (10.0.1.11); found it does (at 0.000002s, the first of 2)');
    expect(v.evidence).toEqual([{ t: 2000, place: 'web2:eth0', text: 'received: 10.0.1.11:80 > 10.0.1.12:40000 TCP [S.] seq=1000 ack=2000 win=64240 len=0', seq: 1, frame: expect.any(Number) }]);
  });

  it('fails when the first matching frame lacks a field, saying what it has', () => {
    const v = judge(input({ events: trace().events }), { kind: 'frame', at, match: [flags('SA')], has: [num('ip.src', '10.0.1.100', 'vip:shop'), num('ip.ttl', 64)], seen: true });
    expect(v.passed).toBe(false);
    expect(v.message).toBe('expected the first frame matching tcp.flags=SA at web2:eth0 to have ip.src=vip:shop (10.0.1.100), ip.ttl=64; found ip.src=10.0.1.11 (at 0.000002s, the first of 2)');
    expect(v.evidence.map((e) => e.seq)).toEqual([1]);
  });

  it('matches flags exactly: S is not SA, R is not RA', () => {
    const tb = trace();
    const syn = judge(input({ events: tb.events }), { kind: 'frame', at, match: [flags('S')], has: [], seen: true });
    expect(syn.message).toBe('expected a frame matching tcp.flags=S at web2:eth0; found 1, the first at 0.000001s');
    expect(syn.evidence[0]!.text).toMatch(/^sent: 10\.0\.1\.12:40000 > 10\.0\.1\.100:80 TCP \[S\]/);
    const ra = judge(input({ events: tb.events }), { kind: 'frame', at, match: [flags('RA')], has: [], seen: true });
    expect(ra.passed).toBe(false);
    expect(ra.message).toBe('expected a frame matching tcp.flags=RA at web2:eth0; found none (of 4 frames seen there)');
  });

  it('counts frames sent from the interface and received on it, nowhere else', () => {
    const v = judge(input({ events: trace().events }), { kind: 'frame', at, match: [], has: [], seen: true });
    expect(v.message).toBe('expected a frame at web2:eth0; found 4, the first at 0.000001s');
  });

  it('lists the near misses when no frame matches', () => {
    const v = judge(input({ events: trace().events }), { kind: 'frame', at, match: [flags('SA'), num('ip.src', '10.0.1.100')], has: [num('ip.ttl', 63)], seen: true });
    expect(v.passed).toBe(false);
    expect(v.message).toBe('expected a frame matching tcp.flags=SA, ip.src=10.0.1.100 at web2:eth0 with ip.ttl=63; found none (of 4 frames seen there)');
    // The two SYN-ACKs match one test of two and come first; then the rest in trace order.
    expect(v.evidence.map((e) => e.seq)).toEqual([0, 1, 2, 3]);
  });

  it('with seen: false, passes when no frame matches `match` and `has` together', () => {
    const tb = trace();
    const none = judge(input({ events: tb.events }), { kind: 'frame', at: { node: 'client', iface: 'eth0' }, match: [flags('R')], has: [], seen: false });
    expect(none.passed).toBe(true);
    expect(none.message).toBe('expected no frame matching tcp.flags=R at client:eth0; found none (of 0 frames seen there)');
    const some = judge(input({ events: tb.events }), { kind: 'frame', at, match: [flags('R')], has: [num('tcp.dport', 80)], seen: false });
    expect(some.passed).toBe(false);
    expect(some.message).toBe('expected no frame matching tcp.flags=R, tcp.dport=80 at web2:eth0; found 1, the first at 0.000002500s');
    expect(some.evidence[0]!.text).toMatch(/^sent: .* TCP \[R\]/);
    const other = judge(input({ events: tb.events }), { kind: 'frame', at, match: [flags('R')], has: [num('tcp.dport', 443)], seen: false });
    expect(other.passed).toBe(true);
  });

  it('resolves mac-of values through the network MACs and shows MACs in the evidence', () => {
    const tb = new TraceBuilder();
    tb.rx(5, 'web1', 'eth0', tcpEth('10.0.0.10', '10.0.1.100', SYN, { smac: '00:00:00:00:00:03', dmac: '00:00:00:00:00:0c' }));
    const macs = { 'r1:eth1': mac('00:00:00:00:00:03') };
    const ok = judge(input({ events: tb.events, macs }), { kind: 'frame', at: { node: 'web1', iface: 'eth0' }, match: [flags('S')], has: [{ field: 'eth.src', value: { kind: 'mac-of', node: 'r1', iface: 'eth1' }, text: 'r1:eth1' }], seen: true });
    expect(ok.passed).toBe(true);
    expect(ok.message).toBe('expected the first frame matching tcp.flags=S at web1:eth0 to have eth.src=r1:eth1 (00:00:00:00:00:03); found it does (at 0.000000005s, the first of 1)');
    expect(ok.evidence[0]!.text).toBe('received: 00:00:00:00:00:03 > 00:00:00:00:00:0c 10.0.0.10:40000 > 10.0.1.100:80 TCP [S] seq=1000 win=64240 len=0');
    const bad = judge(input({ events: tb.events, macs }), { kind: 'frame', at: { node: 'web1', iface: 'eth0' }, match: [flags('S')], has: [macTest('eth.dst', '00:00:00:00:00:0b')], seen: true });
    expect(bad.message).toBe('expected the first frame matching tcp.flags=S at web1:eth0 to have eth.dst=00:00:00:00:00:0b; found eth.dst=00:00:00:00:00:0c (at 0.000000005s, the first of 1)');
  });

  it('tests ARP and ICMP fields, and a field the frame does not have is absent', () => {
    const tb = new TraceBuilder();
    tb.tx(10, 'web1', 'eth0', arpReply('00:00:00:00:00:0b', '10.0.1.100', '00:00:00:00:00:03', '10.0.1.1'));
    tb.rx(20, 'web1', 'eth0', pingEth('10.0.1.10', '10.0.1.11', 63));
    const arpOk = judge(input({ events: tb.events }), { kind: 'frame', at: { node: 'web1', iface: 'eth0' }, match: [num('arp.op', 2, 'reply'), num('arp.spa', '10.0.1.100')], has: [macTest('arp.sha', '00:00:00:00:00:0b')], seen: true });
    expect(arpOk.passed).toBe(true);
    expect(arpOk.evidence[0]!.text).toBe('sent: 00:00:00:00:00:0b > 00:00:00:00:00:03 ARP 10.0.1.100 is-at 00:00:00:00:00:0b');
    const ttl = judge(input({ events: tb.events }), { kind: 'frame', at: { node: 'web1', iface: 'eth0' }, match: [num('icmp.type', 8)], has: [num('ip.ttl', 63), num('ip.proto', 1, 'icmp')], seen: true });
    expect(ttl.message).toBe('expected the first frame matching icmp.type=8 at web1:eth0 to have ip.ttl=63, ip.proto=icmp (1); found it does (at 0.000000020s, the first of 1)');
    const absent = judge(input({ events: tb.events }), { kind: 'frame', at: { node: 'web1', iface: 'eth0' }, match: [num('arp.op', 2)], has: [num('tcp.sport', 80)], seen: true });
    expect(absent.message).toBe('expected the first frame matching arp.op=2 at web1:eth0 to have tcp.sport=80; found tcp.sport=absent (at 0.000000010s, the first of 1)');
  });
});

describe('drop', () => {
  function trace() {
    const tb = new TraceBuilder();
    tb.drop(1 * MS, 'client', 'eth0', 'tcp-no-socket', 'client has no connection from 10.0.1.11:80; it answers RST', tcpEth('10.0.1.11', '10.0.0.10', SYN | ACK, { sport: 80, dport: 40000 }));
    tb.drop(2 * MS, 'client', 'eth0', 'tcp-no-socket', 'again');
    tb.drop(3 * MS, 'r1', null, 'arp-failed', 'r1 gets no answer for 10.0.2.99');
    return tb;
  }

  it('passes when a drop with the code happens at the node, with the drops as evidence', () => {
    const v = judge(input({ events: trace().events }), { kind: 'drop', code: 'tcp-no-socket', node: 'client', iface: null, seen: true });
    expect(v.passed).toBe(true);
    expect(v.message).toBe('expected a drop with code tcp-no-socket at client; found 2, the first at 0.001000s');
    expect(v.evidence.map((e) => `${e.place} ${e.text}`)).toEqual([
      'client:eth0 tcp-no-socket: client has no connection from 10.0.1.11:80; it answers RST [10.0.1.11:80 > 10.0.0.10:40000 TCP [S.] seq=1000 ack=2000 win=64240 len=0]',
      'client:eth0 tcp-no-socket: again',
    ]);
  });

  it('fails when the drop is elsewhere or on another interface, naming the drops that did happen there', () => {
    const tb = trace();
    const v = judge(input({ events: tb.events }), { kind: 'drop', code: 'tcp-no-socket', node: 'r1', iface: null, seen: true });
    expect(v.passed).toBe(false);
    expect(v.message).toBe('expected a drop with code tcp-no-socket at r1; found none; drops at r1: arp-failed 1');
    expect(v.evidence.map((e) => e.text)).toEqual(['arp-failed: r1 gets no answer for 10.0.2.99']);
    const iface = judge(input({ events: tb.events }), { kind: 'drop', code: 'tcp-no-socket', node: 'client', iface: 'eth1', seen: true });
    expect(iface.message).toBe('expected a drop with code tcp-no-socket at client:eth1; found none; there was no drop at client:eth1 at all');
  });

  it('matches anywhere without a place', () => {
    const v = judge(input({ events: trace().events }), { kind: 'drop', code: 'arp-failed', node: null, iface: null, seen: true });
    expect(v.message).toBe('expected a drop with code arp-failed; found 1, the first at 0.003000s');
    expect(v.evidence[0]!.place).toBe('r1');
  });

  it('with seen: false, passes on none and fails on any', () => {
    const tb = trace();
    const none = judge(input({ events: tb.events }), { kind: 'drop', code: 'ttl-exceeded', node: null, iface: null, seen: false });
    expect([none.passed, none.message]).toEqual([true, 'expected no drop with code ttl-exceeded; found none']);
    const some = judge(input({ events: tb.events }), { kind: 'drop', code: 'tcp-no-socket', node: 'client', iface: 'eth0', seen: false });
    expect([some.passed, some.message]).toEqual([false, 'expected no drop with code tcp-no-socket at client:eth0; found 2, the first at 0.001000s']);
    expect(some.evidence).toHaveLength(2);
  });
});

describe('rewrite', () => {
  function trace() {
    const tb = new TraceBuilder();
    tb.rewrite(5 * MS, 'lb1', 'lb-dnat', 'lb1 DNAT 10.0.1.100:80 -> 10.0.1.11:80 (web1)', tcpEth('10.0.0.10', '10.0.1.100', SYN), tcpEth('10.0.0.10', '10.0.1.11', SYN));
    return tb;
  }

  it('passes when a rewrite with the code happens there, showing before and after', () => {
    const v = judge(input({ events: trace().events }), { kind: 'rewrite', code: 'lb-dnat', node: 'lb1', seen: true });
    expect(v.passed).toBe(true);
    expect(v.message).toBe('expected a rewrite with code lb-dnat at lb1; found 1, the first at 0.005000s');
    expect(v.evidence[0]!.text).toBe(
      'lb-dnat: lb1 DNAT 10.0.1.100:80 -> 10.0.1.11:80 (web1) [10.0.0.10:40000 > 10.0.1.100:80 TCP [S] seq=1000 win=64240 len=0 => 10.0.0.10:40000 > 10.0.1.11:80 TCP [S] seq=1000 win=64240 len=0]',
    );
  });

  it('fails on another code or node, and inverts with seen: false', () => {
    const tb = trace();
    const other = judge(input({ events: tb.events }), { kind: 'rewrite', code: 'lb-snat', node: 'lb1', seen: true });
    expect([other.passed, other.message]).toEqual([false, 'expected a rewrite with code lb-snat at lb1; found none; rewrites at lb1: lb-dnat 1']);
    const nowhere = judge(input({ events: tb.events }), { kind: 'rewrite', code: 'lb-dnat', node: 'gw', seen: true });
    expect(nowhere.message).toBe('expected a rewrite with code lb-dnat at gw; found none; there was no rewrite at gw at all');
    const never = judge(input({ events: tb.events }), { kind: 'rewrite', code: 'lb-dnat', node: null, seen: false });
    expect([never.passed, never.message]).toEqual([false, 'expected no rewrite with code lb-dnat; found 1, the first at 0.005000s']);
    expect(judge(input({ events: tb.events }), { kind: 'rewrite', code: 'lb-unnat', node: 'lb1', seen: false }).passed).toBe(true);
  });
});

describe('distribution', () => {
  const dist = (over: string[], tolerance: number): Check => ({ kind: 'distribution', service: { lb: 'lb1', service: 'shop' }, over, tolerance });
  const svc = (counts: [string, number, number][]): GradeInput => input({ services: [{ lb: 'lb1', name: 'shop', servers: counts.map(([name, weight, served]) => ({ name, weight, served })) }] });

  it('passes within the tolerance of the weight-proportional share, with the counts as evidence', () => {
    const v = judge(svc([['web1', 1, 6], ['web2', 1, 4]]), dist(['web1', 'web2'], 0.1));
    expect(v.passed).toBe(true);
    expect(v.message).toBe("expected lb1/shop's new connections spread over web1, web2 by weight (50%, 50%) within 10%; found web1 6 (60%), web2 4 (40%) of 10");
    expect(v.evidence).toEqual([
      { t: null, place: 'lb1/shop/web1', text: 'web1: 6 connections (60%), weight 1 (expected 50%)', seq: null, frame: null },
      { t: null, place: 'lb1/shop/web2', text: 'web2: 4 connections (40%), weight 1 (expected 50%)', seq: null, frame: null },
    ]);
  });

  it('fails beyond the tolerance, naming the server furthest off', () => {
    const v = judge(svc([['web1', 1, 7], ['web2', 1, 3]]), dist(['web1', 'web2'], 0.1));
    expect(v.passed).toBe(false);
    expect(v.message).toBe("expected lb1/shop's new connections spread over web1, web2 by weight (50%, 50%) within 10%; found web1 7 (70%), web2 3 (30%) of 10, web1 is 20% off");
  });

  it('weighs the shares and only counts the listed servers', () => {
    const v = judge(svc([['web1', 3, 30], ['web2', 1, 10], ['web3', 1, 99]]), dist(['web1', 'web2'], 0));
    expect(v.passed).toBe(true);
    expect(v.message).toBe("expected lb1/shop's new connections spread over web1, web2 by weight (75%, 25%) within 0%; found web1 30 (75%), web2 10 (25%) of 40");
  });

  it('fails when nothing was scheduled, or the service is missing', () => {
    expect(judge(svc([['web1', 1, 0], ['web2', 1, 0]]), dist(['web1', 'web2'], 0.1)).message).toBe(
      "expected lb1/shop's new connections spread over web1, web2 by weight (50%, 50%) within 10%; found no connection scheduled to any of them",
    );
    const missing = judge(input(), dist(['web1'], 0.05));
    expect([missing.passed, missing.message]).toEqual([false, "expected lb1/shop's new connections spread over web1 by weight within 5%; found no service lb1/shop in the run"]);
  });
});

describe('failover-gap', () => {
  const gap = (lessThan: number, clientNode: string | null = null): Check => ({ kind: 'failover-gap', lessThan, client: clientNode });

  it('measures the longest time between consecutive completions over all http clients', () => {
    const inp = input({
      clients: [
        client('c1', '10.0.1.100', 80, [attempt(0, 'completed', 0, 1 * SEC), attempt(1, 'timeout', 1 * SEC, 3 * SEC), attempt(2, 'completed', 3 * SEC, 3.5 * SEC)]),
        client('c2', '10.0.1.100', 80, [attempt(0, 'completed', 0, 2 * SEC)]),
      ],
    });
    const v = judge(inp, gap(2 * SEC));
    expect(v.passed).toBe(true);
    expect(v.message).toBe("expected the longest time without a completed request to be less than 2s; found 1.5s, between c2's request 0 (completed at 2.000000s) and c1's request 2 (completed at 3.500000s)");
    expect(v.evidence.map((e) => e.place)).toEqual(['c2 http-client 0', 'c1 http-client 0']);
    const only1 = judge(inp, gap(2 * SEC, 'c1'));
    expect(only1.passed).toBe(false);
    expect(only1.message).toBe("expected the longest time without a completed request of c1 to be less than 2s; found 2.5s, between c1's request 0 (completed at 1.000000s) and c1's request 2 (completed at 3.500000s)");
  });

  it('counts an outage that never ends, so a failover that never happens fails', () => {
    const inp = input({ clients: [client('c1', '10.0.1.100', 80, [attempt(0, 'completed', 0, SEC), attempt(1, 'timeout', SEC, 6 * SEC, { error: 'max-time' })])] });
    const v = judge(inp, gap(4 * SEC));
    expect(v.passed).toBe(false);
    expect(v.message).toBe("expected the longest time without a completed request to be less than 4s; found 5s, from c1's request 0 (completed at 1.000000s) to the end of c1's request 1 (timeout at 6.000000s), with no completed request after it");
  });

  it('counts an outage at the start', () => {
    const inp = input({ clients: [client('c1', '10.0.1.100', 80, [attempt(0, 'refused', 0, MS), attempt(1, 'completed', 3 * SEC, 3 * SEC + MS)])] });
    const v = judge(inp, gap(2 * SEC));
    expect(v.passed).toBe(false);
    expect(v.message).toBe("expected the longest time without a completed request to be less than 2s; found 3.001s, from the start of c1's request 0 (refused, started at 0.000000s) to the first completion, c1's request 1 at 3.001000s");
  });

  it('fails without completions or clients; one completion alone passes', () => {
    const none = judge(input({ clients: [client('c1', '10.0.1.100', 80, [attempt(0, 'reset', 0, MS)])] }), gap(SEC));
    expect([none.passed, none.message]).toEqual([false, 'expected the longest time without a completed request to be less than 1s; found no completed request (of 1)']);
    expect(judge(input(), gap(SEC, 'c9')).message).toBe('expected the longest time without a completed request of c9 to be less than 1s; found no http-client on c9');
    const one = judge(input({ clients: [client('c1', '10.0.1.100', 80, [attempt(0, 'completed', 0, MS)])] }), gap(SEC));
    expect([one.passed, one.message]).toEqual([true, 'expected the longest time without a completed request to be less than 1s; found a single completed request and no failure around it']);
  });

  it('ignores tcp-connect apps', () => {
    const v = judge(input({ clients: [client('c1', '10.0.1.100', 80, [attempt(0, 'completed', 0, MS)], 'tcp-connect')] }), gap(SEC));
    expect(v.message).toBe('expected the longest time without a completed request to be less than 1s; found no http-client');
  });
});

describe('counter', () => {
  function trace() {
    const tb = new TraceBuilder();
    tb.tx(1, 'client', 'eth0', pingEth('10.0.1.10', '198.51.100.7'));
    tb.forward(2, 'r1', pingEth('10.0.1.10', '198.51.100.7', 63));
    tb.tx(3, 'r1', 'eth1', pingEth('10.0.1.10', '198.51.100.7', 63));
    tb.drop(4, 'r2', 'eth0', 'ttl-exceeded', 'the TTL runs out at r2');
    tb.deliver(5, 'client', pingEth('10.0.12.2', '10.0.1.10'));
    return tb;
  }
  const counter = (name: 'frames' | 'drops' | 'rewrites' | 'forwards' | 'delivers', node: string | null, b: { atMost?: number; atLeast?: number; equals?: number }): Check => ({
    kind: 'counter',
    name,
    node,
    first: null,
    port: null,
    atMost: b.atMost ?? null,
    atLeast: b.atLeast ?? null,
    equals: b.equals ?? null,
  });

  it('counts events of its kind at a node or overall', () => {
    const ev = trace().events;
    const drops = judge(input({ events: ev }), counter('drops', 'r2', { equals: 1 }));
    expect([drops.passed, drops.message]).toEqual([true, 'expected the drops at r2 to equal 1; found 1']);
    expect(drops.evidence.map((e) => e.text)).toEqual(['drops at r2: 1', 'ttl-exceeded: the TTL runs out at r2']);
    const frames = judge(input({ events: ev }), counter('frames', null, { atLeast: 3 }));
    expect([frames.passed, frames.message]).toEqual([false, 'expected the frames sent in the whole network to be at least 3; found 2']);
    expect(judge(input({ events: ev }), counter('forwards', 'r1', { atMost: 1, atLeast: 1 })).message).toBe('expected the forwards at r1 to be at least 1 and at most 1; found 1');
    expect(judge(input({ events: ev }), counter('delivers', 'client', { equals: 1 })).passed).toBe(true);
    const none = judge(input({ events: ev }), counter('rewrites', 'lb1', { atMost: 0 }));
    expect([none.passed, none.message]).toEqual([true, 'expected the rewrites at lb1 to be at most 0; found 0']);
  });
});

/**
 * Flow identification on the built-in scenarios: lineage through rewrites,
 * answers attached by their tuple, retries kept in their flow, and every
 * IP frame in exactly one flow.
 */
import { describe, expect, it } from 'vitest';
import type { RewriteEvent, TxEvent } from '../../src/trace/events.js';
import { flowDrops, flowRewrites, fmtTuple, type Flow } from '../../src/view/flows.js';
import { fmtIp } from '../../src/wire/addr.js';
import { TCP_FLAG } from '../../src/wire/types.js';
import { findFlows } from '../../src/view/flows.js';
import { refusedLan, runBuiltin, tcpFlagsOf } from './helpers.js';

const S = TCP_FLAG.SYN;
const SA = TCP_FLAG.SYN | TCP_FLAG.ACK;

/** The flow's own transmissions at `node` (its first hop, not switches passing it on). */
function sent(f: Flow, node: string): TxEvent[] {
  return f.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node === node);
}

function addrs(e: TxEvent): string {
  const p = e.frame.eth.payload;
  if (p.kind !== 'ipv4') return '';
  return `${fmtIp(p.src)} > ${fmtIp(p.dst)}`;
}

describe('flows', () => {
  it('one-arm-bug: flow 1 is the client connection with its DNATed SYN, the SYN-ACK around the LB, the RST and the retries', () => {
    const { flows } = runBuiltin('one-arm-bug');
    expect(flows).toHaveLength(1);
    const f = flows[0]!;
    expect(f.n).toBe(1);
    expect(f.client).toBe('client');
    expect(fmtTuple(f.tuple)).toBe(`10.0.0.10:${f.tuple.sport} -> 10.0.1.100:80 TCP`);
    const mine = sent(f, 'client');
    const syns = mine.filter((e) => tcpFlagsOf(e) === S);
    expect(syns).toHaveLength(11); // the first SYN and 10 retries, all to the VIP
    expect(syns.every((e) => addrs(e) === '10.0.0.10 > 10.0.1.100')).toBe(true);
    const rewrites = flowRewrites(f);
    expect(rewrites.filter((r) => r.code === 'lb-dnat')).toHaveLength(11);
    expect(rewrites.every((r) => f.frames.has(r.after.id))).toBe(true);
    const synacks = sent(f, 'web1').filter((e) => tcpFlagsOf(e) === SA);
    expect(synacks).toHaveLength(11);
    expect(addrs(synacks[0]!)).toBe('10.0.1.11 > 10.0.0.10');
    const rsts = mine.filter((e) => tcpFlagsOf(e) === TCP_FLAG.RST);
    expect(rsts).toHaveLength(11);
    expect(addrs(rsts[0]!)).toBe('10.0.0.10 > 10.0.1.11');
    expect(rsts[0]!.frame.parent).toBe(0); // attached by its tuple, not by lineage
    expect(flowDrops(f).filter((d) => d.code === 'tcp-no-socket' && d.node === 'client')).toHaveLength(11);
    expect(f.description).toBe(
      'client 10.0.0.10:38586 -> 10.0.1.100:80 TCP: lb-dnat at lb1 to 10.0.1.11:80; reset by client (11 times); SYN retried 10 times; connect() timed out',
    );
  });

  it('attaches the TCP state changes and the ARP resolutions the packets waited for', () => {
    const f = runBuiltin('one-arm-bug').flows[0]!;
    const states = f.events.filter((e) => e.kind === 'state').map((e) => `${e.node} ${e.kind === 'state' ? e.change.what : ''}`);
    expect(states[0]).toBe('client tcp'); // CLOSED -> SYN_SENT comes before the first frame
    expect(states).toContain('web1 tcp');
    expect(states).toContain('lb1 lb-conn');
    expect(f.arp.map((a) => `${a.node} ${fmtIp(a.ip)}`)).toEqual(['client 10.0.0.1', 'r1 10.0.1.100', 'lb1 10.0.1.11', 'web1 10.0.1.1']);
    expect(f.arp.every((a) => a.mac !== null && a.requests === 1 && a.frames.length === 2)).toBe(true);
    expect(f.first).toBe(0);
    expect(f.last).toBe(131e9);
  });

  it("same-subnet-vip: web2's call is its own flow, with web1's direct SYN-ACK and web2's RST", () => {
    const { flows } = runBuiltin('same-subnet-vip');
    expect(flows.map((f) => f.client)).toEqual(['client', 'web2']);
    const [outside, call] = flows as [Flow, Flow];
    expect(outside.description).toMatch(/^client 10\.0\.0\.10:\d+ -> 10\.0\.1\.100:80 TCP: lb-dnat at lb1 to 10\.0\.1\.11:80; .*connected, then closed$/);
    expect(fmtTuple(call.tuple)).toMatch(/^10\.0\.1\.12:\d+ -> 10\.0\.1\.100:80 TCP$/);
    const synack = sent(call, 'web1').filter((e) => tcpFlagsOf(e) === SA);
    expect(synack.length).toBeGreaterThan(0);
    expect(addrs(synack[0]!)).toBe('10.0.1.11 > 10.0.1.12'); // straight back, not through the LB
    const rst = sent(call, 'web2').filter((e) => tcpFlagsOf(e) === TCP_FLAG.RST);
    expect(rst.length).toBe(synack.length);
    expect(addrs(rst[0]!)).toBe('10.0.1.12 > 10.0.1.11');
    expect(flowDrops(call).some((d) => d.code === 'tcp-no-socket' && d.node === 'web2')).toBe(true);
    for (const id of call.frames) expect(outside.frames.has(id)).toBe(false);
    expect(call.description).toContain('reset by web2');
  });

  it('nat-gateway: masqueraded flows keep their identity across the rewrite, both ways', () => {
    const { flows } = runBuiltin('nat-gateway');
    expect(flows.map((f) => f.client)).toEqual(['laptop', 'phone']);
    for (const f of flows) {
      const rw = flowRewrites(f);
      const codes = new Set(rw.map((r: RewriteEvent) => r.code));
      expect(codes).toEqual(new Set(['snat-masquerade', 'un-masquerade']));
      // The server sees the public address, and its answers are in the same flow.
      const fromServer = sent(f, 'server');
      expect(fromServer.length).toBeGreaterThan(0);
      expect(fromServer.every((e) => addrs(e) === '203.0.113.80 > 203.0.113.1')).toBe(true);
      expect(f.description).toMatch(/snat-masquerade at gw from 203\.0\.113\.1:\d+; connected, then closed$/);
    }
    const [a, b] = flows as [Flow, Flow];
    for (const id of a.frames) expect(b.frames.has(id)).toBe(false);
  });

  it('puts every IPv4 frame of every built-in scenario in exactly one flow, numbered in order of first frames', () => {
    for (const name of ['one-arm-bug', 'same-subnet-vip', 'nat-gateway', 'two-subnets', 'routing-loop']) {
      const { events, flows } = runBuiltin(name);
      const owner = new Map<number, number>();
      for (const f of flows) {
        for (const id of f.frames) {
          expect(owner.has(id), `${name}: frame ${id} in flows ${owner.get(id)} and ${f.n}`).toBe(false);
          owner.set(id, f.n);
        }
      }
      for (const e of events) {
        if (e.kind === 'tx' && e.frame.eth.payload.kind === 'ipv4') expect(owner.has(e.frame.id), `${name}: frame ${e.frame.id}`).toBe(true);
        if (e.kind === 'tx' && e.frame.eth.payload.kind === 'arp') expect(owner.has(e.frame.id)).toBe(false);
      }
      const firsts = flows.map((f) => f.events.find((e) => e.kind !== 'state')!.seq);
      expect([...firsts].sort((x, y) => x - y)).toEqual(firsts);
      expect(flows.map((f) => f.n)).toEqual(flows.map((_, i) => i + 1));
    }
  });

  it('attaches ICMP errors to the flow of the packet they quote', () => {
    const { flows } = runBuiltin('two-subnets');
    const unreachable = flows.find((f) => f.description.includes('ICMP unreachable from r1'));
    expect(unreachable).toBeDefined();
    expect(unreachable!.description).toMatch(/^client1 10\.0\.1\.10 -> 10\.0\.2\.99 ICMP echo id=\d+: ICMP unreachable from r1; dropped: arp-failed at r1; 1 sent, 0 answered$/);
    expect(unreachable!.arp.some((a) => a.mac === null && a.requests === 3)).toBe(true);
    const loop = runBuiltin('routing-loop').flows[0]!;
    expect(loop.description).toContain('ICMP time exceeded from r2');
  });

  it('starts a new flow when a new connection reuses the tuple (another initial sequence number)', () => {
    const flows = findFlows(refusedLan([1e9, 2e9]).events);
    expect(flows.map((f) => fmtTuple(f.tuple))).toEqual(Array(3).fill('10.0.0.1:38660 -> 10.0.0.2:80 TCP'));
    expect(flows.map((f) => f.description)).toEqual(Array(3).fill('client 10.0.0.1:38660 -> 10.0.0.2:80 TCP: reset by server; connection refused'));
    expect(flows.map((f) => f.frames.size)).toEqual([2, 2, 2]);
    expect(flows[1]!.first).toBe(1e9);
  });
});

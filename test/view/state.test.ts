/**
 * The state of the network at an event, rebuilt from the trace: the
 * configuration before the first event, every kind of state change
 * (including those of health checks, persistence, moving addresses, VRRP
 * and resolver caches, from hand-made traces), exactness when stepping back
 * or jumping in any order, and the work a query does in a 100k-event trace.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StateChange, StateEvent, TraceEvent } from '../../src/trace/events.js';
import { applyChange, emptyNodeState, StateTimeline, type InitialRecord, type NodeState } from '../../src/view/state.js';
import { ip } from '../../src/wire/addr.js';
import { recorded } from '../tui/helpers.js';

let seq = 0;
function st(node: string, change: StateChange, t = seq * 1000): StateEvent {
  return { kind: 'state', t, seq: seq++, node, change, text: `${node} ${change.what}` };
}

/** A state as plain sorted data, for comparing. */
function plain(s: NodeState): Record<string, [string, unknown][]> {
  const out: Record<string, [string, unknown][]> = {};
  for (const [k, m] of Object.entries(s) as [string, Map<string, unknown>][]) out[k] = [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return out;
}

/** The reference: fold every state event of `node` up to `index` from scratch, no snapshots. */
function naive(events: readonly TraceEvent[], initial: readonly InitialRecord[], node: string, index: number): NodeState {
  const s = emptyNodeState();
  for (const r of initial) if (r.node === node) applyChange(s, r.change, -1);
  for (let i = 0; i <= index && i < events.length; i++) {
    const ev = events[i]!;
    if (ev.kind === 'state' && ev.node === node) applyChange(s, ev.change, ev.t);
  }
  return s;
}

describe('state at an event (one-arm-bug)', () => {
  const r = recorded('one-arm-bug');

  it('starts from the configuration the build made: addresses, connected and default routes, the services', () => {
    const tl = new StateTimeline(r.events, r.initial);
    const lb = tl.nodeAt('lb1', -1).state;
    expect([...lb.addrs.values()].map((a) => `${a.iface} ${a.addr}/${a.len}`).sort()).toEqual([`eth0 ${ip('10.0.1.100')}/24`, `eth0 ${ip('10.0.1.5')}/24`, `lo ${ip('127.0.0.1')}/8`].sort());
    expect([...lb.routes.values()]).toEqual(
      expect.arrayContaining([
        { prefix: ip('10.0.1.0'), len: 24, via: null, iface: 'eth0' },
        { prefix: 0, len: 0, via: ip('10.0.1.1'), iface: 'eth0' },
      ]),
    );
    expect([...lb.servers.values()].map((s) => `${s.service}/${s.server} ${s.state} ${s.weight} ${s.health}`)).toEqual(['shop/web1 enabled 1 null', 'shop/web2 enabled 1 null']);
    expect(lb.arp.size).toBe(0);
    expect(lb.conns.size).toBe(0);
    // A switch has no configuration state, and learns nothing before the first frame.
    expect(plain(tl.nodeAt('sw1', -1).state).macs).toEqual([]);
  });

  it('the LB connection is added at the DNAT, and gone again when stepping back before it', () => {
    const tl = new StateTimeline(r.events, r.initial);
    const dnat = r.events.findIndex((e) => e.kind === 'rewrite' && e.code === 'lb-dnat');
    const conns = (i: number): string[] => [...tl.nodeAt('lb1', i).state.conns.values()].map((c) => `${c.client} -> ${c.server} ${c.state}`);
    expect(conns(dnat)).toEqual([expect.stringMatching(/^10\.0\.0\.10:\d+ -> web1 SYN_RECV$/)]);
    const add = r.events.findIndex((e) => e.kind === 'state' && e.node === 'lb1' && e.change.what === 'lb-conn');
    expect(conns(add - 1)).toEqual([]);
    expect(conns(add)).toEqual([expect.stringMatching(/ -> web1 NONE$/)]);
    expect(conns(dnat)).toEqual([expect.stringMatching(/ -> web1 SYN_RECV$/)]);
  });

  it('a switch learns the client MAC on its port, and the client resolves its gateway', () => {
    const tl = new StateTimeline(r.events, r.initial);
    const learn = r.events.findIndex((e) => e.kind === 'state' && e.node === 'sw1' && e.change.what === 'mac');
    expect([...tl.nodeAt('sw1', learn).state.macs.values()]).toEqual([{ mac: 1, vlan: 1, port: 'p2' }]);
    const arp = (i: number): string[] => [...tl.nodeAt('client', i).state.arp.values()].map((a) => `${a.ip} ${a.mac} ${a.state}`);
    expect(arp(1)).toEqual([`${ip('10.0.0.1')} null incomplete`]);
    const resolved = r.events.findIndex((e) => e.kind === 'state' && e.node === 'client' && e.change.what === 'arp' && e.change.state === 'reachable');
    expect(arp(resolved)).toEqual([`${ip('10.0.0.1')} 2 reachable`]);
  });

  it('matches a fold from scratch at every event for every node, in any order of queries', () => {
    const tl = new StateTimeline(r.events, r.initial, 4);
    const nodes = tl.nodeNames();
    expect(nodes).toEqual(expect.arrayContaining(['client', 'sw1', 'r1', 'sw2', 'lb1', 'web1', 'web2']));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...nodes), fc.integer({ min: -1, max: r.events.length - 1 })), { minLength: 1, maxLength: 30 }), (qs) => {
        for (const [node, i] of qs) expect(plain(tl.nodeAt(node, i).state)).toEqual(plain(naive(r.events, r.initial, node, i)));
      }),
      { numRuns: 40 },
    );
  });

  it('stepping back and forth gives the same states (no query changes a snapshot)', () => {
    const tl = new StateTimeline(r.events, r.initial, 8);
    const forward = r.events.map((_, i) => plain(tl.nodeAt('lb1', i).state));
    const backward = r.events.map((_, i) => i).reverse().map((i) => plain(tl.nodeAt('lb1', i).state)).reverse();
    expect(backward).toEqual(forward);
    // And a result the caller mutates does not leak into the next query.
    const got = tl.nodeAt('lb1', r.events.length - 1).state;
    got.routes.clear();
    expect(tl.nodeAt('lb1', r.events.length - 1).state.routes.size).toBeGreaterThan(0);
  });
});

describe('state kinds of health checks, persistence, VRRP, moving addresses and resolvers (hand-made traces)', () => {
  const vip = ip('10.0.1.100');
  const events: TraceEvent[] = [
    st('lb1', { what: 'lb-server', service: 'shop', server: 'web1', state: 'enabled', weight: 2 }),
    st('lb1', { what: 'lb-health', service: 'shop', server: 'web1', health: 'down', check: 'http GET /health', reason: 'status 500' }),
    st('lb1', { what: 'lb-persist', op: 'add', service: 'shop', key: '10.0.0.10', server: 'web2' }),
    st('lb1', { what: 'vrrp', vrid: 7, iface: 'eth0', state: 'backup', priority: 100 }),
    st('lb1', { what: 'vrrp', vrid: 7, iface: 'eth0', state: 'master', priority: 100 }),
    st('lb1', { what: 'addr', op: 'add', iface: 'eth0', addr: vip, len: 24 }),
    st('client', { what: 'dns-cache', op: 'add', name: 'shop.example', addrs: [vip, ip('10.0.1.101')], ttl: 30e9 }),
    st('lb1', { what: 'lb-health', service: 'shop', server: 'web1', health: 'up', check: 'http GET /health', reason: 'status 200' }),
    st('lb1', { what: 'lb-persist', op: 'del', service: 'shop', key: '10.0.0.10', server: 'web2' }),
    st('lb1', { what: 'addr', op: 'del', iface: 'eth0', addr: vip, len: 24 }),
    st('lb1', { what: 'vrrp', vrid: 7, iface: 'eth0', state: 'backup', priority: 100 }),
    st('client', { what: 'dns-cache', op: 'del', name: 'shop.example', addrs: [], ttl: 0 }),
    st('lb1', { what: 'link', link: 'lb1:eth0-sw2:p2', up: false }),
  ];
  const tl = new StateTimeline(events, [], 2);

  it("health verdicts keep the server's state and weight; persistence entries come and go", () => {
    expect([...tl.nodeAt('lb1', 1).state.servers.values()]).toEqual([{ service: 'shop', server: 'web1', state: 'enabled', weight: 2, health: 'down', check: 'http GET /health', reason: 'status 500' }]);
    expect([...tl.nodeAt('lb1', 2).state.persist.values()]).toEqual([{ service: 'shop', key: '10.0.0.10', server: 'web2' }]);
    expect(tl.nodeAt('lb1', 7).state.servers.get('shop/web1')!.health).toBe('up');
    expect(tl.nodeAt('lb1', 8).state.persist.size).toBe(0);
  });

  it('VRRP state and the VIP address follow each change, back and forth', () => {
    const at = (i: number): string => {
      const s = tl.nodeAt('lb1', i).state;
      return `${[...s.vrrp.values()].map((v) => v.state).join()} ${s.addrs.size}`;
    };
    expect([3, 4, 5, 9, 10, 5, 4, 3].map(at)).toEqual(['backup 0', 'master 0', 'master 1', 'master 0', 'backup 0', 'master 1', 'master 0', 'backup 0']);
  });

  it('a resolver cache entry records when it was cached, and is dropped', () => {
    expect([...tl.nodeAt('client', 6).state.dns.values()]).toEqual([{ name: 'shop.example', addrs: [vip, ip('10.0.1.101')], ttl: 30e9, since: events[6]!.t }]);
    expect(tl.nodeAt('client', 11).state.dns.size).toBe(0);
  });

  it('links down, from the trace and from the configuration', () => {
    expect([...tl.linksDownAt(11)]).toEqual([]);
    expect([...tl.linksDownAt(12)]).toEqual(['lb1:eth0-sw2:p2']);
    const cut = new StateTimeline([], [{ node: 'r1', change: { what: 'link', link: 'r1:eth1-sw2:p1', up: false } }]);
    expect([...cut.linksDownAt(-1)]).toEqual(['r1:eth1-sw2:p1']);
  });
});

describe('a 100k-event trace', () => {
  // 100k ARP updates on one router, cycling over 500 neighbours, and 1000 state events of another node.
  const N = 100_000;
  const events: TraceEvent[] = [];
  for (let i = 0; i < N; i++) {
    const node = i % 100 === 0 ? 'other' : 'r1';
    events.push({ kind: 'state', t: i, seq: i, node, change: { what: 'arp', ip: 0x0a000000 + (i % 500), mac: i, state: i % 3 ? 'reachable' : 'stale', iface: 'eth0' }, text: '' });
  }

  it('a jump folds at most one snapshot interval once the snapshots before it exist', () => {
    const tl = new StateTimeline(events, [], 256);
    const first = tl.nodeAt('r1', N - 1);
    expect(first.state.arp.size).toBe(495); // every 100th event, neighbours 0, 100, ... 400, belongs to the other node
    expect(first.work).toBe(99_000); // the first query to the end makes the snapshots on its way
    for (const i of [N - 1, 12_345, 77_777, 3, 50_000, 99_998]) {
      const q = tl.nodeAt('r1', i);
      expect(q.work).toBeLessThan(256);
      expect(plain(q.state)).toEqual(plain(naive(events, [], 'r1', i)));
    }
    // A node with few events never pays for the busy one.
    expect(tl.nodeAt('other', N - 1).work).toBe(1000);
  });
});

describe('health checks and persistence from a real run', () => {
  it('checked servers start UP; web2 goes DOWN after its failed checks; persistence entries follow the scheduler', () => {
    const r = recorded('test/tui/fixtures/health.yaml');
    const tl = new StateTimeline(r.events, r.initial);
    const servers = (i: number): string[] => [...tl.nodeAt('lb1', i).state.servers.values()].map((s) => `${s.server} ${s.state} ${s.health} ${s.check}`);
    expect(servers(-1)).toEqual(['web1 enabled up http', 'web2 enabled up http']);
    const down = r.events.findIndex((e) => e.kind === 'state' && e.change.what === 'lb-health' && e.change.health === 'down');
    expect(down).toBeGreaterThan(0);
    expect(r.events[down]!.t).toBeGreaterThan(2e9);
    expect(servers(down)).toEqual(['web1 enabled up http', 'web2 enabled down http']);
    expect(tl.nodeAt('lb1', down).state.servers.get('shop/web2')!.reason).toBe('timeout');
    expect(servers(down + 1)).toEqual(['web1 enabled up http', 'web2 down down http']);
    expect(servers(down - 1)).toEqual(['web1 enabled up http', 'web2 enabled up http']);
    const persist = [...tl.nodeAt('lb1', r.events.length - 1).state.persist.values()];
    expect(persist).toEqual([{ service: 'shop', key: '10.0.0.10', server: 'web1' }]);
    expect(tl.nodeAt('lb1', 0).state.persist.size).toBe(0);
  });

  it('persistence: an entry dropped when its server is disabled, and the client bound afresh', () => {
    const r = recorded('persistence');
    const tl = new StateTimeline(r.events, r.initial);
    const drop = r.events.findIndex((e) => e.kind === 'state' && e.change.what === 'lb-persist' && e.change.op === 'del');
    expect(drop).toBeGreaterThan(0);
    const at = (i: number): string[] => [...tl.nodeAt('lb1', i).state.persist.values()].map((p) => `${p.key} -> ${p.server}`).sort();
    expect(at(drop - 1)).toEqual(['10.0.0.10 -> web1', '10.0.0.11 -> web2']);
    expect(at(drop)).toEqual(['10.0.0.11 -> web2']);
    expect(at(drop + 1)).toEqual(['10.0.0.10 -> web2', '10.0.0.11 -> web2']);
  });
});

describe('an L7 proxy', () => {
  it("starts with its pools' servers, named <proxy>/<pool> as their events name them", () => {
    const r = recorded('l7-path-routing');
    const tl = new StateTimeline(r.events, r.initial);
    expect([...tl.nodeAt('lb1', -1).state.servers.values()].map((s) => `${s.service} ${s.server} ${s.state}`).sort()).toEqual([
      'shop/checkout checkout1 enabled',
      'shop/default web1 enabled',
      'shop/images img1 enabled',
      'shop/static static1 enabled',
    ]);
    // Every lb-server event of the run names a server the configuration has.
    const known = new Set([...tl.nodeAt('lb1', -1).state.servers.keys()]);
    for (const e of r.events) if (e.kind === 'state' && e.change.what === 'lb-server') expect(known.has(`${e.change.service}/${e.change.server}`)).toBe(true);
  });
});

describe('a caching resolver (dns-rr-caching)', () => {
  it('the cache entry appears when the answer is cached, and a hit leaves it as it was', () => {
    const r = recorded('dns-rr-caching');
    const tl = new StateTimeline(r.events, r.initial);
    const isDns = (op: string) => (e: TraceEvent): boolean => e.kind === 'state' && e.node === 'office1' && e.change.what === 'dns-cache' && e.change.op === op;
    const add = r.events.findIndex(isDns('add'));
    const hit = r.events.findIndex(isDns('hit'));
    expect(add).toBeGreaterThan(0);
    expect(hit).toBeGreaterThan(add);
    expect(tl.nodeAt('office1', add - 1).state.dns.size).toBe(0);
    const cached = tl.nodeAt('office1', add).state.dns.get('shop.example')!;
    expect(cached).toMatchObject({ name: 'shop.example', ttl: 300e9, since: r.events[add]!.t });
    expect(cached.addrs).toHaveLength(3);
    expect(tl.nodeAt('office1', hit).state.dns.get('shop.example')).toEqual(cached);
  });
});

describe('a VRRP pair (vrrp-master-dies)', () => {
  it('the VIP is on the master only while it is master, and the instance states follow', () => {
    const r = recorded('vrrp-master-dies');
    const tl = new StateTimeline(r.events, r.initial);
    const vip = ip('10.0.1.100');
    const at = (node: string, i: number): string => {
      const s = tl.nodeAt(node, i).state;
      const hasVip = [...s.addrs.values()].some((a) => a.addr === vip);
      return `${[...s.vrrp.values()].map((v) => v.state).join()}${hasVip ? ' +vip' : ''}`;
    };
    const idx = (node: string, what: string, pred: (c: StateChange) => boolean): number => r.events.findIndex((e) => e.kind === 'state' && e.node === node && e.change.what === what && pred(e.change));
    const master1 = idx('lb1', 'vrrp', (c) => c.what === 'vrrp' && c.state === 'master');
    const add1 = idx('lb1', 'addr', (c) => c.what === 'addr' && c.op === 'add');
    const del1 = idx('lb1', 'addr', (c) => c.what === 'addr' && c.op === 'del');
    const master2 = idx('lb2', 'vrrp', (c) => c.what === 'vrrp' && c.state === 'master');
    expect([master1, add1, del1, master2].every((i) => i > 0)).toBe(true);
    expect(at('lb1', -1)).toBe('');
    expect(at('lb1', master1 - 1)).toBe('backup');
    expect(at('lb1', add1)).toBe('master +vip');
    expect(at('lb1', del1)).toBe('master');
    expect(at('lb1', r.events.length - 1)).toBe('init');
    expect(at('lb2', master2 - 1)).toBe('backup');
    expect(at('lb2', r.events.length - 1)).toBe('master +vip');
  });
});

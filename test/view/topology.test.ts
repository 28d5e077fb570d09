/**
 * The topology drawn in text and the path a packet took: built-in
 * scenarios' networks as trees (with the links that close a loop listed
 * after), and packets followed back through routed hops and rewrites.
 */
import { describe, expect, it } from 'vitest';
import type { DeliverEvent, TraceEvent } from '../../src/trace/events.js';
import { PacketPaths, pathNodes } from '../../src/view/packet-path.js';
import { drawTopology, renderTopology, type Topology } from '../../src/view/topology.js';
import { recorded } from '../tui/helpers.js';

const isIpDeliver = (node: string) => (e: TraceEvent): e is DeliverEvent => e.kind === 'deliver' && e.node === node && e.frame.eth.payload.kind === 'ipv4';

describe('the topology as a tree', () => {
  it('one-arm-bug: from the client out, each row a link between two interfaces', () => {
    expect(renderTopology(recorded('one-arm-bug').topology)).toEqual([
      'client [host]',
      '└─ eth0 ─── p2  sw1 [switch]',
      '   └─ p1 ─── eth0  r1 [router]',
      '      └─ eth1 ─── p1  sw2 [switch]',
      '         ├─ p2 ─── eth0  lb1 [lb]',
      '         ├─ p3 ─── eth0  web1 [host]',
      '         └─ p4 ─── eth0  web2 [host]',
    ]);
  });

  it('a second path (ECMP) hangs under the nearer router, the other link is listed after the tree, every link exactly once', () => {
    const topo = recorded('l3-ecmp').topology;
    const lines = renderTopology(topo);
    expect(lines).toContain('also: r3:eth1 ─── sw1:p2');
    expect(lines.join('\n')).toMatch(/│  └─ eth1 ─── p1  sw12 \[switch\]/);
    const d = drawTopology(topo);
    const drawn = [...d.rows.flatMap((r) => (r.link ? [r.link.name] : [])), ...d.extra.map((l) => l.name)].sort();
    expect(drawn).toEqual(topo.links.map((l) => l.name).sort());
    expect(d.rows.map((r) => r.node.name).sort()).toEqual(topo.nodes.map((n) => n.name).sort());
  });

  it('parts that are not connected each get a tree; a network with no host starts at its first node', () => {
    const topo: Topology = {
      nodes: [
        { name: 'swA', kind: 'switch' },
        { name: 'swB', kind: 'switch' },
        { name: 'rX', kind: 'router' },
      ],
      links: [{ name: 'l1', a: { node: 'swA', iface: 'p1' }, b: { node: 'rX', iface: 'eth0' } }],
    };
    expect(renderTopology(topo)).toEqual(['swA [switch]', '└─ p1 ─── eth0  rX [router]', 'swB [switch]']);
    expect(renderTopology({ nodes: [], links: [] })).toEqual([]);
  });
});

describe('the path of a packet', () => {
  it("one-arm-bug: the client's SYN to web1 went through the LB's DNAT and back through sw2", () => {
    const r = recorded('one-arm-bug');
    const i = r.events.findIndex(isIpDeliver('web1'));
    const hops = new PacketPaths(r.events).pathAt(i);
    expect(pathNodes(hops)).toEqual(['client', 'sw1', 'r1', 'sw2', 'lb1', 'sw2', 'web1']);
    expect(hops.filter((h) => h.kind === 'rewrite').map((h) => h.node)).toEqual(['lb1']);
    expect(hops.filter((h) => h.kind === 'tx').map((h) => `${h.node}:${h.iface}`)).toEqual(['client:eth0', 'sw1:p1', 'r1:eth1', 'sw2:p2', 'lb1:eth0', 'sw2:p3']);
    expect(hops[hops.length - 1]).toMatchObject({ node: 'web1', kind: 'deliver', index: i });
    // Every hop is at or before the event: the path so far, never the future.
    expect(hops.every((h) => h.index <= i)).toBe(true);
  });

  it('l3-ecmp: the path follows the hash to r3, across the link outside the tree', () => {
    const r = recorded('l3-ecmp');
    const i = r.events.findIndex(isIpDeliver('web1'));
    const hops = new PacketPaths(r.events).pathAt(i);
    expect(pathNodes(hops)).toEqual(['c1', 'sw0', 'r1', 'sw12', 'r3', 'sw1', 'web1']);
    expect(hops.some((h) => h.link === r.topology.links.find((l) => l.a.node === 'r3' && l.a.iface === 'eth1')!.name)).toBe(true);
  });

  it('an event without a frame has no path; a host-originated frame starts at its host', () => {
    const r = recorded('one-arm-bug');
    const p = new PacketPaths(r.events);
    expect(p.pathAt(0)).toEqual([]);
    const tx = r.events.findIndex((e) => e.kind === 'tx');
    expect(pathNodes(p.pathAt(tx))).toEqual(['client']);
    expect(p.pathAt(r.events.length + 5)).toEqual([]);
  });
});

/**
 * The knobs a lab sets to match a real setup exactly (issue 14): static
 * neighbour entries, a bridge's own MAC, interface MACs; each checked on
 * the frames they make.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { TraceEvent, TxEvent } from '../../src/trace/events.js';
import { ip, mac } from '../../src/wire/addr.js';
import type { Arp, Ipv4 } from '../../src/wire/types.js';

/** Loads, builds and runs a scenario text; returns the trace. */
export function runText(text: string): { events: TraceEvent[]; built: ReturnType<typeof buildScenario> } {
  const r = parseScenario(text, 't.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  const built = buildScenario(r.scenario);
  const rec = new FullRecorder(built.net.trace);
  built.net.run();
  return { events: rec.events, built };
}

const txs = (evs: TraceEvent[], node: string): TxEvent[] => evs.filter((e): e is TxEvent => e.kind === 'tx' && e.node === node);
const isArp = (e: TxEvent) => e.frame.eth.payload.kind === 'arp';

describe('static neighbours and MACs', () => {
  const lan = (extra: string) => `lblab: 1
title: t
nodes:
  a: { kind: host, interfaces: { eth0: { address: 10.0.0.1/24, mac: 02:00:00:00:00:aa } }${extra} }
  b: { kind: host, interfaces: { eth0: { address: 10.0.0.2/24, mac: 02:00:00:00:00:bb } } }
  sw: { kind: switch }
links: [[a:eth0, sw], [b:eth0, sw]]
apps:
  - { kind: udp-echo-server, on: b }
  - { kind: ping, on: a, to: 10.0.0.2, count: 1 }
`;

  it('a permanent entry sends the first packet to its MAC without ARP', () => {
    const { events } = runText(lan(', neighbors: [ { address: 10.0.0.2, mac: 02:00:00:00:00:bb } ]'));
    const fromA = txs(events, 'a');
    // a asks nothing: its only ARP frame is the reply to b's request.
    expect(fromA.filter(isArp).map((e) => (e.frame.eth.payload as Arp).op)).toEqual([2]);
    expect(fromA[0]!.frame.eth.src).toBe(mac('02:00:00:00:00:aa'));
    expect(fromA[0]!.frame.eth.dst).toBe(mac('02:00:00:00:00:bb'));
    expect((fromA[0]!.frame.eth.payload as Ipv4).dst).toBe(ip('10.0.0.2'));
    // b has no entry for a: it asks, and a answers from its configured MAC.
    const bArp = txs(events, 'b').filter(isArp).map((e) => e.frame.eth.payload as Arp);
    expect(bArp[0]!.op).toBe(1);
    expect(bArp[0]!.tpa).toBe(ip('10.0.0.1'));
  });

  it('a permanent entry with a wrong MAC is used anyway: ARP never corrects it', () => {
    const { events } = runText(lan(', neighbors: [ { address: 10.0.0.2, mac: 02:00:00:00:00:cc, dev: eth0 } ]'));
    const fromA = txs(events, 'a');
    expect(fromA.filter(isArp)).toEqual([]);
    expect(fromA.length).toBe(1);
    expect(fromA[0]!.frame.eth.dst).toBe(mac('02:00:00:00:00:cc'));
    // The switch floods the unknown MAC; b drops a frame that is not for it, so it never answers.
    expect(txs(events, 'b')).toEqual([]);
    expect(events.some((e) => e.kind === 'drop' && e.node === 'b' && e.code === 'not-for-me')).toBe(true);
  });
});

describe("a bridge's own MAC", () => {
  it('br0 answers ARP for the VIP from the MAC given in `bridge: { mac }`', () => {
    const text = readFileSync(join(import.meta.dirname, '../../scenarios/mode-transparent.yaml'), 'utf8').replace(
      'bridge: { ports: [eth0, eth1], address: 10.0.1.5/24 }',
      'bridge: { ports: [eth0, eth1], address: 10.0.1.5/24, mac: 02:00:00:00:b0:00 }',
    );
    const { events, built } = runText(text);
    expect(built.net.node('lb1')!.ifaces.find((i) => i.name === 'br0')!.mac).toBe(mac('02:00:00:00:b0:00'));
    const replies = txs(events, 'lb1').filter((e) => isArp(e) && (e.frame.eth.payload as Arp).op === 2 && (e.frame.eth.payload as Arp).spa === ip('10.0.1.100'));
    expect(replies.length).toBeGreaterThan(0);
    for (const r of replies) {
      expect(r.frame.eth.src).toBe(mac('02:00:00:00:b0:00'));
      expect((r.frame.eth.payload as Arp).sha).toBe(mac('02:00:00:00:b0:00'));
    }
  });
});

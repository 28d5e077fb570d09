/**
 * The IPVS sync daemon on the built-in vrrp-conn-sync scenario: which
 * connection the master syncs and when (the third client packet, sent with
 * the buffer 2 s later), the exact multicast frame, what the backup
 * installs, and that a connection opened less than 2 s before the master
 * dies never reaches the backup.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildScenario } from '../../src/assemble/scenario.js';
import { loadFromDisk, locate } from '../../src/cli/scenarios.js';
import { haNodes } from '../../src/assemble/ha.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { TxEvent } from '../../src/trace/events.js';
import { decodeSync, IPVS_CONN_F } from '../../src/wire/ipvs-sync.js';
import { ip } from '../../src/wire/addr.js';
import { verify } from '../../src/wire/decode.js';
import { SEC } from '../../src/sim/time.js';
import type { LoadBalancer } from '../../src/lb/node.js';

function run(until: number) {
  const r = loadFromDisk(locate('vrrp-conn-sync')!);
  if (!r.ok) throw new Error('vrrp-conn-sync does not load');
  const built = buildScenario(r.scenario, { readBinary: (p) => readFileSync(p) });
  const rec = new FullRecorder(built.net.trace);
  built.net.run(until);
  return { built, rec, lb2: built.net.node('lb2') as LoadBalancer };
}

describe('IPVS connection sync between the VRRP pair', () => {
  it('the master multicasts client1\'s connection 2 s after its third packet; the backup installs it as ESTABLISHED to web1', () => {
    const { rec, lb2, built } = run(9 * SEC);
    const msgs = rec.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node === 'lb1' && e.frame.eth.payload.kind === 'ipv4' && e.frame.eth.payload.dst === ip('224.0.0.81'));
    expect(msgs.length).toBe(1);
    const eth = msgs[0]!.frame.eth;
    expect(eth.dst).toBe(0x01005e000051);
    const p = eth.payload;
    if (p.kind !== 'ipv4' || p.payload.kind !== 'udp') throw new Error('not UDP');
    expect({ ttl: p.ttl, src: p.src, dport: p.payload.dport }).toEqual({ ttl: 1, src: ip('10.0.1.5'), dport: 8848 });
    expect(verify(eth).ok).toBe(true);
    // The third packet from client1 (SYN, ACK, request) passed lb1 just after 5 s; the buffer left 2 s later.
    const third = rec.events.filter((e) => e.kind === 'rewrite' && e.node === 'lb1')[2]!;
    expect(msgs[0]!.t - third.t).toBe(2 * SEC);
    const m = decodeSync(p.payload.payload);
    if (typeof m === 'string') throw new Error(m);
    expect(m.conns).toEqual([
      { protocol: 6, flags: IPVS_CONN_F.DROUTE | IPVS_CONN_F.NOOUTPUT, state: 1, cport: m.conns[0]!.cport, vport: 80, dport: 80, fwmark: 0, timeout: 900, caddr: ip('10.0.0.10'), vaddr: ip('10.0.1.100'), daddr: ip('10.0.1.11') },
    ]);
    const cs = lb2.connections();
    expect(cs.map((c) => [c.client, c.cport, c.backend.name, c.stateName()])).toEqual([[ip('10.0.0.10'), m.conns[0]!.cport, 'web1', 'ESTABLISHED']]);
    const sync = haNodes(built.net).map((n) => n.sync!.role);
    expect(sync).toEqual(['master', 'backup']);
  });

  it('client2\'s entry, made at 9.5 s, dies in lb1\'s buffer at 10 s: after the takeover lb2 knows client1 only', () => {
    const { lb2 } = run(14 * SEC);
    const names = lb2.connections().map((c) => c.client);
    expect(names).toContain(ip('10.0.0.10'));
    expect(names).not.toContain(ip('10.0.0.20'));
  });
});

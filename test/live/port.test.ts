import { describe, expect, it } from 'vitest';
import { MS } from '../../src/sim/time.js';
import { FullRecorder } from '../../src/trace/trace.js';
import { planAttach, type AttachPlan } from '../../src/live/attach.js';
import { LivePort } from '../../src/live/port.js';
import { RealTimeRunner } from '../../src/live/runner.js';
import { arp, ethernet, ipv4, tcp } from '../../src/wire/build.js';
import { decode, verify } from '../../src/wire/decode.js';
import { encode } from '../../src/wire/encode.js';
import { ip, mac } from '../../src/wire/addr.js';
import { ARP_OP, MAC_BROADCAST, TCP_FLAG } from '../../src/wire/types.js';
import { builtFrom, hex, ManualPacer, MemoryDevice } from './helpers.js';

const CLIENT_MAC = mac('02:00:00:00:00:0a');

/** live-one-arm-snat with r1:eth0 bound to an in-memory device, driven by a manual clock. */
function bridged() {
  const built = builtFrom('scenarios/live/live-one-arm-snat.yaml');
  const net = built.net;
  const rec = new FullRecorder(net.trace);
  const pacer = new ManualPacer();
  const runner = new RealTimeRunner(net.sim, pacer, { until: 60_000 * MS });
  const plans = planAttach(net, [{ node: 'r1', iface: 'eth0', device: 'lbl-test0' }]) as AttachPlan[];
  const dev = new MemoryDevice('lbl-test0');
  const real = new LivePort(net, 'real', runner);
  const bridge = real.attach(plans[0]!.peer, dev);
  void runner.run();
  return { net, rec, pacer, runner, dev, real, bridge };
}

describe('the live bridge', () => {
  it("answers a real client's ARP request for r1 with r1's ARP reply, byte for byte", () => {
    const { dev, pacer, bridge } = bridged();
    dev.capture(encode(ethernet(MAC_BROADCAST, CLIENT_MAC, arp(ARP_OP.REQUEST, CLIENT_MAC, ip('10.0.0.10'), 0, ip('10.0.0.1')))));
    pacer.advance(1 * MS);
    expect(dev.sent.map(hex)).toEqual([
      '02000000000a' + '000000000001' + '0806' + // Ethernet: to the client, from r1:eth0 (the first MAC handed out)
        '0001' + '0800' + '06' + '04' + '0002' + // ARP reply, IPv4 over Ethernet
        '000000000001' + '0a000001' + // r1:eth0 is 10.0.0.1
        '02000000000a' + '0a00000a' + // to the client at 10.0.0.10
        '00'.repeat(18), // padded to 60 bytes, as a NIC pads it
    ]);
    expect(bridge.counters).toMatchObject({ inFrames: 1, outFrames: 1, undecodable: 0, sendErrors: 0 });
  });

  it("carries a real SYN through the simulated SNAT LB and injects web1's SYN-ACK from the VIP with valid checksums", () => {
    const { dev, pacer, rec } = bridged();
    dev.capture(encode(ethernet(MAC_BROADCAST, CLIENT_MAC, arp(ARP_OP.REQUEST, CLIENT_MAC, ip('10.0.0.10'), 0, ip('10.0.0.1')))));
    pacer.advance(1 * MS);
    const syn = tcp(ip('10.0.0.10'), ip('10.0.1.100'), { sport: 40000, dport: 80, seq: 1000, ack: 0, flags: TCP_FLAG.SYN, window: 64240, options: [{ kind: 'mss', mss: 1460 }] });
    dev.capture(encode(ethernet(mac('00:00:00:00:00:01'), CLIENT_MAC, ipv4({ src: ip('10.0.0.10'), dst: ip('10.0.1.100'), ttl: 64, id: 1 }, syn))));
    pacer.advance(10 * MS);
    expect(dev.sent.length).toBe(2);
    const r = decode(dev.sent[1]!);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const ipp = r.value.payload;
    if (ipp.kind !== 'ipv4' || ipp.payload.kind !== 'tcp') throw new Error('not a TCP segment');
    expect([ipp.src, ipp.dst, ipp.ttl]).toEqual([ip('10.0.1.100'), ip('10.0.0.10'), 62]); // web1 sends at 64; lb1 forwards it (63) and r1 routes it (62)
    expect([ipp.payload.sport, ipp.payload.dport, ipp.payload.ack, ipp.payload.flags]).toEqual([80, 40000, 1001, TCP_FLAG.SYN | TCP_FLAG.ACK]);
    expect(verify(r.value).ok).toBe(true);
    expect(rec.events.some((e) => e.kind === 'rewrite' && e.code === 'lb-snat')).toBe(true);
    // The real frames enter at r1:eth0 from the real side, at their capture time.
    const rx = rec.events.filter((e) => e.kind === 'rx' && e.node === 'r1' && e.iface === 'eth0');
    expect(rx.map((e) => e.t)).toEqual([0, 1 * MS]);
  });

  it('does not let an undecodable capture in, and says why', () => {
    const { dev, pacer, rec, bridge } = bridged();
    dev.capture(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    pacer.advance(1 * MS);
    expect(bridge.counters.undecodable).toBe(1);
    const drop = rec.events.find((e) => e.kind === 'drop');
    expect(drop).toMatchObject({ code: 'live-undecodable', node: 'real', iface: 'lbl-test0' });
    expect(dev.sent).toEqual([]);
  });

  it('counts a frame the device refuses as a drop with the reason', () => {
    const { dev, pacer, rec, bridge } = bridged();
    dev.closed = true; // the veth went away under the run
    dev.capture(encode(ethernet(MAC_BROADCAST, CLIENT_MAC, arp(ARP_OP.REQUEST, CLIENT_MAC, ip('10.0.0.10'), 0, ip('10.0.0.1')))));
    pacer.advance(1 * MS);
    expect(bridge.counters.sendErrors).toBe(1);
    expect(rec.events.filter((e) => e.kind === 'drop').map((e) => (e.kind === 'drop' ? e.code : ''))).toContain('live-send-failed');
  });
});

// The link's transmit queue grows on demand (the benchmark's memory fix):
// bursts larger than its initial ring must still serialise back to back,
// queue up to the limit, tail-drop beyond it, and keep working after the
// ring has wrapped.
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/net/network.js';
import { Switch } from '../../src/net/switch.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { DropEvent, RxEvent, TraceEvent } from '../../src/trace/events.js';
import { arp, ethernet } from '../../src/wire/build.js';
import { ARP_OP, MAC_BROADCAST } from '../../src/wire/types.js';

describe('link transmit queue', () => {
  it('queues up to the limit across ring growth and wrap-around, tail-dropping the rest', () => {
    const net = new Network({ seed: 1 });
    const a = net.add(new Switch(net, 'a'));
    const b = net.add(new Switch(net, 'b'));
    const pa = a.addPort('p1');
    const pb = b.addPort('p1');
    net.connect(pa, pb, { bandwidth: 1e9, delay: 0, queue: 10 });
    const rec = new FullRecorder(net.trace);
    const burst = (n: number) => {
      for (let i = 0; i < n; i++) pa.send(net.trace.frame(ethernet(MAC_BROADCAST, pa.mac, arp(ARP_OP.REQUEST, pa.mac, i, 0, i))));
    };
    burst(20); // 1 on the wire + 10 waiting; the ring grows 4 -> 8 -> 10
    // At 1537 ns three waiting frames have started: the head is at index 3, so 3 more wrap to indices 0..2.
    net.sim.post(1537, { label: 'mid', onEvent: () => burst(5) }, 1);
    net.sim.post(100_000, { label: 'later', onEvent: () => burst(15) }, 1);
    net.run();
    const evs: TraceEvent[] = rec.events;
    const rx = evs.filter((e): e is RxEvent => e.kind === 'rx');
    const full = evs.filter((e): e is DropEvent => e.kind === 'drop' && e.code === 'queue-full');
    expect(full).toHaveLength(9 + 2 + 4);
    expect(rx).toHaveLength(14 + 11);
    // 64 bytes on the wire at 1 Gb/s = 512 ns each, back to back.
    expect(rx.slice(0, 14).map((e) => e.t)).toEqual(Array.from({ length: 14 }, (_, k) => 512 * (k + 1)));
    expect(rx.slice(14).map((e) => e.t)).toEqual(Array.from({ length: 11 }, (_, k) => 100_000 + 512 * (k + 1)));
    // The frames that got through are the first of each burst, in order.
    expect(rx.slice(0, 14).map((e) => (e.frame.eth.payload as { tpa: number }).tpa)).toEqual([...Array.from({ length: 11 }, (_, k) => k), 0, 1, 2]);
    expect(pa.end!.queued(net.sim.now)).toBe(0);
  });
});

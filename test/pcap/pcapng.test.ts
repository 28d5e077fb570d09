/**
 * The pcapng block encoding, checked by a strict walker written apart from
 * the reader (block lengths, 32-bit padding, option lists), known bytes for
 * the Section Header Block, a property test over random packets and
 * comments, the round trip through src/pcap/read.ts, and the streaming
 * capture's comment rules (a rewrite before the frame's tx, a drop after
 * its rx) with its bounds.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChunkWriter, MemorySink } from '../../src/pcap/sink.js';
import { BLOCK, OPTION, writeShb, stringOption, pad4 } from '../../src/pcap/pcapng.js';
import { PcapngWriter } from '../../src/pcap/writers.js';
import { TraceCapture, type CaptureOutput, type CapturedPacket } from '../../src/pcap/capture.js';
import { readCapture } from '../../src/pcap/read.js';
import { build, exportBuilt, walkBlocks, walkOptions } from './helpers.js';
import { ethernet, udp, ipv4 } from '../../src/wire/build.js';
import { encode } from '../../src/wire/encode.js';
import type { Frame, TraceEvent } from '../../src/trace/events.js';
import type { Ethernet } from '../../src/wire/types.js';
import { HORIZON } from '../../src/sim/time.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function frameOf(id: number, parent: number, payloadLen = 4): Frame {
  const payload = new Uint8Array(payloadLen).fill(0x61);
  const eth: Ethernet = ethernet(2, 1, ipv4({ src: 0x0a000001, dst: 0x0a000002 }, udp(0x0a000001, 0x0a000002, 5000, 9000, payload)));
  return { id, parent, eth, len: encode(eth).length };
}

describe('block encoding', () => {
  it('writes the Section Header Block byte for byte (pcapng 4.1)', () => {
    const sink = new MemorySink();
    const w = new ChunkWriter(sink);
    writeShb(w, [stringOption(OPTION.SHB_USERAPPL, 'lblab 0.1.0')]);
    w.close();
    expect(hex(sink.bytes())).toBe(
      '0a0d0d0a' + // block type
        '30000000' + // total length 48
        '4d3c2b1a' + // byte-order magic, little-endian
        '0100' + '0000' + // version 1.0
        'ffffffffffffffff' + // section length unspecified
        '0400' + '0b00' + Buffer.from('lblab 0.1.0').toString('hex') + '00' + // shb_userappl, 11 bytes + 1 pad
        '0000' + '0000' + // opt_endofopt
        '30000000', // total length again
    );
    expect(sink.closed).toBe(true);
  });

  it('keeps every block and option 32-bit aligned, zero-padded and ended (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            point: fc.constantFrom('a:eth0', 'b:eth1', 'lb1:eth0', 'sw1:p12'),
            t: fc.nat({ max: HORIZON }), // the reader refuses captures longer than lblab's time horizon (30 days)
            dir: fc.constantFrom<'tx' | 'rx'>('tx', 'rx'),
            size: fc.nat(1500),
            comments: fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }), { maxLength: 3 }),
          }),
          { maxLength: 20 },
        ),
        (unsorted) => {
          // The writer gets packets in trace order, and the reader refuses a capture out of time order.
          const pkts = [...unsorted].sort((x, y) => x.t - y.t);
          const sink = new MemorySink();
          const w = new PcapngWriter(sink, { application: 'lblab test' });
          const written: CapturedPacket[] = pkts.map((p, i) => ({ point: p.point, t: p.t, dir: p.dir, frame: frameOf(i + 1, 0, p.size), comments: p.comments }));
          for (const p of written) w.packet(p);
          w.close();
          const bytes = sink.bytes();
          const blocks = walkBlocks(bytes);
          expect(blocks[0]!.type).toBe(BLOCK.SHB);
          const ids = new Map<number, string>();
          let k = 0;
          for (const b of blocks.slice(1)) {
            const dv = new DataView(b.body.buffer, b.body.byteOffset, b.body.byteLength);
            if (b.type === BLOCK.IDB) {
              const opts = walkOptions(b.body, 8);
              expect(dv.getUint16(0, true)).toBe(1); // LINKTYPE_ETHERNET
              expect(opts.find((o) => o.code === OPTION.IF_TSRESOL)?.value).toEqual(Uint8Array.of(9));
              ids.set(ids.size, new TextDecoder().decode(opts.find((o) => o.code === OPTION.IF_NAME)!.value));
            } else {
              expect(b.type).toBe(BLOCK.EPB);
              const p = written[k++]!;
              expect(ids.get(dv.getUint32(0, true))).toBe(p.point);
              expect(dv.getUint32(4, true) * 2 ** 32 + dv.getUint32(8, true)).toBe(p.t);
              const cap = dv.getUint32(12, true);
              expect(cap).toBe(encode(p.frame.eth).length);
              expect(hex(b.body.subarray(20, 20 + cap))).toBe(hex(encode(p.frame.eth)));
              for (let i = 20 + cap; i < 20 + pad4(cap); i++) expect(b.body[i]).toBe(0);
              const opts = walkOptions(b.body, 20 + pad4(cap));
              expect(opts[0]!.code).toBe(OPTION.EPB_FLAGS);
              expect(opts[0]!.value).toEqual(Uint8Array.of(p.dir === 'tx' ? 2 : 1, 0, 0, 0));
              expect(opts.slice(1).map((o) => new TextDecoder().decode(o.value))).toEqual(p.comments);
            }
          }
          expect(k).toBe(written.length);
          // The reader agrees.
          const r = readCapture(bytes, 'prop.pcapng');
          if (!r.ok) throw new Error(r.error.message);
          expect(r.value.packets.map((p) => p.comments)).toEqual(written.map((p) => p.comments));
          expect(r.value.packets.map((p) => r.value.interfaces[p.iface]!.name)).toEqual(written.map((p) => p.point));
          if (written.length) expect(r.value.packets.map((p) => p.ts)).toEqual(written.map((p) => BigInt(p.t)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('hands the sink whole chunks, so memory stays at one chunk', () => {
    const sizes: number[] = [];
    const w = new PcapngWriter({ write: (b) => void sizes.push(b.length), close: () => {} }, { application: 'x' });
    for (let i = 0; i < 2000; i++) w.packet({ point: 'a:eth0', t: i, dir: 'tx', frame: frameOf(i + 1, 0, 100), comments: [] });
    w.close();
    expect(sizes.length).toBeGreaterThan(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(w.size);
  });
});

/** Runs synthetic trace events through a capture, returning the packets in output order. */
function captureOf(events: TraceEvent[], opts: ConstructorParameters<typeof TraceCapture>[1] = {}) {
  const out: CapturedPacket[] = [];
  const declared: string[] = [];
  const sink: CaptureOutput = { declare: (p) => void declared.push(p), packet: (p) => void out.push(p), close: () => {} };
  const cap = new TraceCapture(sink, opts);
  for (const e of events) cap.event(e);
  const stats = cap.finish();
  return { out, declared, stats };
}

let seq = 0;
const tx = (t: number, node: string, iface: string, frame: Frame): TraceEvent => ({ kind: 'tx', t, seq: seq++, node, iface, link: 'l', frame });
const rx = (t: number, node: string, iface: string, frame: Frame): TraceEvent => ({ kind: 'rx', t, seq: seq++, node, iface, frame });

describe('comments from the trace', () => {
  it('puts a rewrite on the first capture of its frame, or of the child that leaves with new MACs', () => {
    const before = frameOf(1, 0);
    const after = frameOf(2, 1);
    const sent = frameOf(3, 2);
    const { out } = captureOf([
      tx(0, 'client', 'eth0', before),
      rx(10, 'lb1', 'eth0', before),
      { kind: 'rewrite', t: 10, seq: seq++, node: 'lb1', before, after, code: 'dnat', text: 'lb1 DNAT 10.0.1.100:80 -> 10.0.1.11:80 (web1)' },
      tx(10, 'lb1', 'eth0', sent),
      rx(20, 'web1', 'eth0', sent),
    ]);
    expect(out.map((p) => p.comments)).toEqual([[], [], ['lb1: DNAT 10.0.1.100:80 -> 10.0.1.11:80 (web1)'], []]);
  });

  it('puts a drop on the copy captured where it was dropped, though the drop comes after the rx', () => {
    const f = frameOf(1, 0);
    const { out } = captureOf([
      tx(0, 'sw1', 'p1', f),
      tx(0, 'sw1', 'p2', f),
      rx(10, 'a', 'eth0', f),
      rx(10, 'b', 'eth0', f),
      { kind: 'drop', t: 10, seq: seq++, node: 'a', iface: 'eth0', frame: f, code: 'arp-ignored', text: 'a ignores it' },
    ]);
    expect(out.map((p) => `${p.point} ${p.comments.join('|')}`)).toEqual(['sw1:p1 ', 'sw1:p2 ', 'a:eth0 a: arp-ignored: a ignores it', 'b:eth0 ']);
  });

  it('puts a drop without an interface on the last capture (or the parent frame\'s, for a frame made inside the node)', () => {
    const f = frameOf(1, 0);
    const child = frameOf(2, 1);
    const { out } = captureOf([
      tx(0, 'a', 'eth0', f),
      rx(10, 'lb1', 'eth0', f),
      { kind: 'drop', t: 10, seq: seq++, node: 'lb1', iface: null, frame: child, code: 'redirect-suppressed', text: 'no redirect' },
    ]);
    expect(out[1]!.comments).toEqual(['lb1: redirect-suppressed: no redirect']);
  });

  it('puts the sentence of a tunnel unwrapped and delivered on the packet that carried it', () => {
    const outer = frameOf(1, 0);
    const inner = frameOf(2, 1);
    const { out, stats } = captureOf([
      rx(0, 'web1', 'eth0', outer),
      { kind: 'rewrite', t: 0, seq: seq++, node: 'web1', before: outer, after: inner, code: 'decap', text: 'web1 unwraps it' },
      { kind: 'deliver', t: 0, seq: seq++, node: 'web1', to: 'tcp', frame: inner },
    ]);
    expect(out[0]!.comments).toEqual(['web1: unwraps it']);
    expect(stats.commentsLost).toBe(0);
  });

  it('holds back a bounded number of packets and counts the sentences that came too late', () => {
    const frames = Array.from({ length: 50 }, (_, i) => frameOf(i + 1, 0));
    const evs: TraceEvent[] = frames.map((f, i) => rx(i, 'a', 'eth0', f));
    evs.push({ kind: 'drop', t: 50, seq: seq++, node: 'a', iface: 'eth0', frame: frames[0]!, code: 'x', text: 'late' });
    evs.push({ kind: 'drop', t: 50, seq: seq++, node: 'a', iface: 'eth0', frame: frames[49]!, code: 'y', text: 'in time' });
    const { out, stats } = captureOf(evs, { maxHeld: 8 });
    expect(stats.maxHeld).toBe(8);
    expect(out).toHaveLength(50);
    expect(out[0]!.comments).toEqual([]);
    expect(out[49]!.comments).toEqual(['a: y: in time']);
    expect(stats.commentsLost).toBe(1);
  });

  it('writes packets once they are older than the hold time', () => {
    const written: number[] = [];
    const cap = new TraceCapture({ declare: () => {}, packet: (p) => void written.push(p.t), close: () => {} }, { holdNs: 100 });
    cap.event(rx(0, 'a', 'eth0', frameOf(1, 0)));
    cap.event(rx(50, 'a', 'eth0', frameOf(2, 0)));
    expect(written).toEqual([]);
    cap.event(rx(101, 'a', 'eth0', frameOf(3, 0)));
    expect(written).toEqual([0]);
    cap.finish();
    expect(written).toEqual([0, 50, 101]);
  });

  it('caps the rewrite sentences waiting for their frame', () => {
    const evs: TraceEvent[] = [];
    for (let i = 0; i < 20; i++) {
      evs.push({ kind: 'rewrite', t: i, seq: seq++, node: 'gw', before: frameOf(1000 + i, 0), after: frameOf(2000 + i, 1000 + i), code: 'snat', text: `gw masquerades ${i}` });
    }
    evs.push(tx(30, 'gw', 'eth1', frameOf(2019, 1019)));
    const { out, stats } = captureOf(evs, { maxPending: 4 });
    expect(out[0]!.comments).toEqual(['gw: masquerades 19']);
    expect(stats.commentsLost).toBe(16 + 3); // 16 evicted, 3 never captured
  });

  it('keeps only the chosen capture points, declared up front in the order given', () => {
    const f = frameOf(1, 0);
    const { out, declared, stats } = captureOf([tx(0, 'a', 'eth0', f), rx(1, 'b', 'eth0', f)], { points: ['b:eth0', 'c:eth0'] });
    expect(declared).toEqual(['b:eth0', 'c:eth0']);
    expect(out.map((p) => p.point)).toEqual(['b:eth0']);
    expect([...stats.perPoint]).toEqual([
      ['b:eth0', 1],
      ['c:eth0', 0],
    ]);
  });
});

describe('a scenario captured at chosen points', () => {
  it('has exactly the tx and rx events of those points, on interfaces declared in the order asked', () => {
    const built = build('scenarios/same-subnet-vip.yaml');
    if (typeof built === 'string') throw new Error(built);
    const points = ['web2:eth0', 'lb1:eth0'];
    const e = exportBuilt(built, points);
    const want = e.events.filter((ev) => (ev.kind === 'tx' || ev.kind === 'rx') && points.includes(`${ev.node}:${ev.iface}`)).length;
    const r = readCapture(e.bytes, 'subset.pcapng');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.interfaces.map((i) => i.name)).toEqual(points);
    expect(r.value.packets).toHaveLength(want);
    expect(r.value.packets.some((p) => p.comments.some((c) => c.startsWith('web2: tcp-no-socket: ')))).toBe(true);
  });

  it('is byte-identical for the same seed', () => {
    const once = (): Uint8Array => {
      const b = build('scenarios/one-arm-bug.yaml', 3);
      if (typeof b === 'string') throw new Error(b);
      return exportBuilt(b).bytes;
    };
    expect(Buffer.compare(once(), once())).toBe(0);
  });
});

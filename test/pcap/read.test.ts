/**
 * The capture reader on real files (the tcpdump captures in fixtures/) and
 * on crafted bad bytes: every truncated, corrupted or unsupported file gives
 * an error naming the file and the byte offset, and no input makes it throw.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readCapture } from '../../src/pcap/read.js';
import { PcapngWriter } from '../../src/pcap/writers.js';
import { MemorySink } from '../../src/pcap/sink.js';
import { decode } from '../../src/wire/decode.js';
import { ethernet, ipv4, udp } from '../../src/wire/build.js';
import { encode } from '../../src/wire/encode.js';

const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(p));

/** A little-endian classic pcap header + records, built by hand. */
function pcap(records: { sec: number; frac: number; data: Uint8Array; orig?: number }[], opts: { magic?: number; linkType?: number; be?: boolean } = {}): Uint8Array {
  const le = !opts.be;
  const head = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, at: number): void => void (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const w16 = (b: Buffer, v: number, at: number): void => void (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  w32(head, opts.magic ?? 0xa1b2c3d4, 0);
  w16(head, 2, 4);
  w16(head, 4, 6);
  w32(head, 65535, 16);
  w32(head, opts.linkType ?? 1, 20);
  const parts: Buffer[] = [head];
  for (const r of records) {
    const h = Buffer.alloc(16);
    w32(h, r.sec, 0);
    w32(h, r.frac, 4);
    w32(h, r.data.length, 8);
    w32(h, r.orig ?? r.data.length, 12);
    parts.push(h, Buffer.from(r.data));
  }
  return new Uint8Array(Buffer.concat(parts));
}

const frame = encode(ethernet(2, 1, ipv4({ src: 0x0a000001, dst: 0x0a000002 }, udp(0x0a000001, 0x0a000002, 5000, 9000, new Uint8Array([1, 2, 3])))));

function err(bytes: Uint8Array): { offset: number; reason: string; message: string } {
  const r = readCapture(bytes, 'x.pcap');
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

function pcapngOf(n: number): Uint8Array {
  const sink = new MemorySink();
  const w = new PcapngWriter(sink, { application: 'test' });
  for (let i = 0; i < n; i++) w.packet({ point: `h${i % 2}:eth0`, t: 1000 * i, dir: i === 2 ? 'rx' : 'tx', frame: { id: i + 1, parent: 0, eth: decodeOk(frame), len: frame.length }, comments: i === 1 ? ['why'] : [] });
  w.close();
  return sink.bytes();
}

function decodeOk(b: Uint8Array) {
  const d = decode(b);
  if (!d.ok) throw new Error(d.error.reason);
  return d.value;
}

describe('reading real captures', () => {
  it('reads every tcpdump capture in fixtures/ (classic pcap, microseconds) and decodes its frames', () => {
    const files = [...readdirSync('fixtures/wire').filter((f) => f.endsWith('.pcap')).map((f) => `fixtures/wire/${f}`), 'fixtures/replay/http-udp.pcap'];
    for (const f of files) {
      const r = readCapture(fixture(f), f);
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.format).toBe('pcap');
      expect(r.value.packets.length).toBeGreaterThan(0);
      expect(r.value.packets[0]!.t).toBe(0);
      for (const p of r.value.packets) expect(decode(p.data).ok, `${f} packet ${p.index + 1}`).toBe(true);
    }
    const r = readCapture(fixture('fixtures/wire/tcp.pcap'), 'tcp.pcap');
    if (!r.ok) throw new Error();
    expect(r.value.packets).toHaveLength(10);
    expect(r.value.packets.map((p) => p.t).every((t, i, a) => i === 0 || t >= a[i - 1]!)).toBe(true);
    expect(r.value.packets[0]!.t % 1000).toBe(0); // microsecond stamps, in nanoseconds
  });

  it('reads the replay fixture: 40 packets over about 0.37 s', () => {
    const r = readCapture(fixture('fixtures/replay/http-udp.pcap'), 'http-udp.pcap');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.packets).toHaveLength(40);
    const last = r.value.packets[39]!.t;
    expect(last).toBeGreaterThan(300e6);
    expect(last).toBeLessThan(1e9);
  });

  it('reads big-endian and nanosecond classic pcap', () => {
    const be = readCapture(pcap([{ sec: 10, frac: 999_999_999, data: frame }, { sec: 11, frac: 1, data: frame }], { magic: 0xa1b23c4d, be: true }), 'be.pcap');
    if (!be.ok) throw new Error(be.error.message);
    expect(be.value.packets.map((p) => p.t)).toEqual([0, 2]);
    expect(be.value.packets[0]!.ts).toBe(10_999_999_999n);
  });

  it('reads its own pcapng: interface names, comments, nanosecond times', () => {
    const r = readCapture(pcapngOf(3), 'own.pcapng');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.format).toBe('pcapng');
    expect(r.value.interfaces.map((i) => i.name)).toEqual(['h0:eth0', 'h1:eth0']);
    expect(r.value.packets.map((p) => [p.iface, p.t, p.comments])).toEqual([
      [0, 0, []],
      [1, 1000, ['why']],
      [0, 2000, []],
    ]);
    // epb_flags direction: the writer marks sent frames outbound and received ones inbound.
    expect(r.value.packets.map((p) => p.direction)).toEqual(['out', 'out', 'in']);
  });

  it('classic pcap has no direction', () => {
    const r = readCapture(pcap([{ sec: 1, frac: 0, data: frame }]), 'x.pcap');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.packets[0]!.direction).toBeNull();
  });
});

describe('errors name the file and the byte offset', () => {
  it('wrong magic', () => {
    const e = err(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(e.offset).toBe(0);
    expect(e.message).toBe('x.pcap: byte 0: unknown magic number: not a pcap (a1b2c3d4, a1b23c4d) or pcapng (0a0d0d0a) file');
  });

  it('too short, truncated header', () => {
    expect(err(new Uint8Array([0xd4])).reason).toMatch(/too short/);
    expect(err(pcap([]).subarray(0, 20))).toMatchObject({ offset: 20, reason: expect.stringMatching(/truncated pcap file header/) });
  });

  it('unknown link type', () => {
    expect(err(pcap([], { linkType: 113 }))).toMatchObject({ offset: 20, reason: 'unsupported link type 113 (LINUX_SLL): lblab reads Ethernet (1) captures only' });
  });

  it('truncated record header and truncated packet', () => {
    const good = pcap([{ sec: 1, frac: 0, data: frame }, { sec: 1, frac: 5, data: frame }]);
    expect(err(good.subarray(0, 24 + 16 + frame.length + 10))).toMatchObject({ offset: 24 + 16 + frame.length, reason: expect.stringMatching(/truncated packet record header/) });
    expect(err(good.subarray(0, good.length - 1))).toMatchObject({ offset: 24 + 16 + frame.length, reason: expect.stringMatching(/truncated packet: its record says 60 bytes, 59 remain/) });
  });

  it('bad lengths and times', () => {
    const b = pcap([{ sec: 1, frac: 0, data: frame }]);
    new DataView(b.buffer).setUint32(24 + 8, 0x7fffffff, true);
    expect(err(b)).toMatchObject({ offset: 32, reason: expect.stringMatching(/bad captured length 2147483647/) });
    expect(err(pcap([{ sec: 1, frac: 1_000_000, data: frame }]))).toMatchObject({ offset: 28, reason: expect.stringMatching(/bad timestamp/) });
    const v = pcap([]);
    new DataView(v.buffer).setUint16(4, 3, true);
    expect(err(v)).toMatchObject({ offset: 4, reason: 'unsupported pcap version 3.4 (2.4 expected)' });
  });

  it('packets out of time order, and a capture longer than the horizon (issue 17 items 7, 8)', () => {
    const rec = 16 + frame.length;
    // A tcpdump merge gone wrong: the second packet is 1 s before the first.
    expect(err(pcap([{ sec: 1_700_000_000, frac: 0, data: frame }, { sec: 1_699_999_999, frac: 0, data: frame }]))).toMatchObject({
      offset: 24 + rec,
      reason: 'packet 2 is earlier than packet 1 (the capture is not in time order; sort it with `reordercap in.pcap out.pcap`)',
    });
    // A 1970 first packet, then one from 2023: replayed, it would be due 53 years after the first.
    expect(err(pcap([{ sec: 0, frac: 0, data: frame }, { sec: 1, frac: 0, data: frame }, { sec: 1_700_000_000, frac: 0, data: frame }]))).toMatchObject({
      offset: 24 + 2 * rec,
      reason: 'packet 3 comes 1700000000s after the first, more than the 2592000s (30 days) lblab replays; cut the capture with `editcap -A/-B`',
    });
  });

  it('pcapng: bad block length, lengths that disagree, truncated block, unknown interface, bad byte-order magic', () => {
    const good = pcapngOf(2);
    const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const shbLen = dv(good).getUint32(4, true);
    let b = good.slice();
    dv(b).setUint32(shbLen + 4, 30, true); // the first IDB's length: not a multiple of 4
    expect(err(b)).toMatchObject({ offset: shbLen + 4, reason: expect.stringMatching(/bad block length 30/) });
    b = good.slice();
    const idbLen = dv(b).getUint32(shbLen + 4, true);
    dv(b).setUint32(shbLen + idbLen - 4, idbLen + 4, true);
    expect(err(b)).toMatchObject({ offset: shbLen + idbLen - 4, reason: expect.stringMatching(/block lengths disagree/) });
    expect(err(good.subarray(0, good.length - 8))).toMatchObject({ reason: expect.stringMatching(/truncated block/) });
    b = good.slice();
    dv(b).setUint32(shbLen + idbLen + 8, 7, true); // the first EPB's interface id
    expect(err(b)).toMatchObject({ offset: shbLen + idbLen + 8, reason: 'packet names interface 7, but only 1 are described before it' });
    b = good.slice();
    dv(b).setUint32(shbLen + idbLen + 20, 0x80000001, true); // the first EPB's captured length, past 2^31 (found by fuzzing)
    expect(err(b)).toMatchObject({ offset: shbLen + idbLen + 20, reason: expect.stringMatching(/bad captured length 2147483649: runs past the end/) });
    b = good.slice();
    dv(b).setUint32(8, 0x11223344, true);
    expect(err(b)).toMatchObject({ offset: 8, reason: expect.stringMatching(/bad byte-order magic/) });
    b = good.slice();
    dv(b).setUint16(shbLen + 8, 113, true);
    expect(err(b)).toMatchObject({ offset: shbLen + 8, reason: expect.stringMatching(/unsupported link type 113/) });
  });

  it('never throws: random bytes, and valid files with bytes changed or cut (property)', () => {
    const valid = [pcapngOf(3), pcap([{ sec: 1, frac: 2, data: frame }, { sec: 2, frac: 3, data: frame }])];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        readCapture(b, 'fuzz');
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }), fc.nat(), (which, edits, cut) => {
        const b = valid[which]!.slice();
        for (const [at, v] of edits) b[at % b.length] = v;
        const r = readCapture(b.subarray(0, cut % (b.length + 1)), 'fuzz');
        if (!r.ok) {
          expect(r.error.offset).toBeGreaterThanOrEqual(0);
          expect(r.error.offset).toBeLessThanOrEqual(b.length);
          expect(r.error.message.startsWith('fuzz: byte ')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

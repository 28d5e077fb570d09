/**
 * VRRPv3 (RFC 5798): byte-exact vectors, the pseudo-header checksum, round
 * trips as property tests, and hostile bytes that must not throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, decodeIpv4, verify } from '../../src/wire/decode.js';
import { encode, encodeIpv4 } from '../../src/wire/encode.js';
import { ethernet as mkEth, ipv4 as mkIp } from '../../src/wire/build.js';
import { ip } from '../../src/wire/addr.js';
import { summarize } from '../../src/wire/summary.js';
import { IPPROTO } from '../../src/wire/types.js';
import { VRRP, vrrp, vrrpBytesChecksumOk, vrrpMac } from '../../src/wire/vrrp.js';
import * as A from './arbitraries.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { arp as mkArp, ethernet as mkEth2 } from '../../src/wire/build.js';
import { ethernetContentLength, vrrpChecksum } from '../../src/wire/checksum.js';
import { MAC_BROADCAST, type Vrrp } from '../../src/wire/types.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('VRRPv3 advertisement bytes', () => {
  const src = ip('10.0.1.2');
  const adv = vrrp(src, VRRP.GROUP, { vrid: 51, priority: 150, maxAdvertInt: 100, addrs: [ip('10.0.1.100')] });
  const pkt = mkIp({ src, dst: VRRP.GROUP, ttl: 255, id: 0, frag: 0 }, adv);

  it('lays the fields out as RFC 5798 5.2 draws them', () => {
    const b = encodeIpv4(pkt);
    expect(b.length).toBe(20 + 12);
    expect(b[9]).toBe(112);
    expect(b[8]).toBe(255);
    // version 3 type 1 | vrid 51 | prio 150 | count 1 | rsvd 0 + 100 cs | checksum | 10.0.1.100
    expect(hex(b.subarray(20, 26))).toBe('3133960100' + '64'.padStart(2, '0'));
    expect(hex(b.subarray(28, 32))).toBe('0a000164');
  });

  it('carries a checksum over the IPv4 pseudo-header (RFC 5798 5.2.8)', () => {
    const b = encodeIpv4(pkt);
    expect(vrrpBytesChecksumOk(src, VRRP.GROUP, b, 20, b.length)).toBe(true);
    // Known answer, computed by hand: pseudo-header 0a00 0102 e000 0012 0070 000c + message words.
    const words = [0x0a00, 0x0102, 0xe000, 0x0012, 0x0070, 0x000c, 0x3133, 0x9601, 0x0064, 0x0a00, 0x0164];
    let s = words.reduce((a, w) => a + w, 0);
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    expect(adv.checksum).toBe(~s & 0xffff);
    // The same message from another source has another checksum: VRRPv2's message-only sum would not change.
    expect(vrrpChecksum(ip('10.0.1.3'), VRRP.GROUP, adv)).not.toBe(adv.checksum);
  });

  it('decodes in a frame to the multicast MAC, with every checksum good, and summarises in tcpdump words', () => {
    const f = mkEth(0x01005e000012, vrrpMac(51), pkt);
    const d = decode(encode(f));
    expect(d).toEqual({ ok: true, value: f });
    expect(verify(f)).toEqual({ ok: true, checked: 2, bad: [] });
    expect(summarize(f)).toBe('10.0.1.2 > 224.0.0.18 VRRPv3 advertisement vrid 51 prio 150 intvl 100cs addrs 10.0.1.100');
    expect(vrrpMac(51)).toBe(0x00005e000133);
  });

  it('reports a wrong checksum as a bad vrrp checksum', () => {
    const f = mkEth(0x01005e000012, 1, mkIp({ src, dst: VRRP.GROUP, ttl: 255 }, { ...adv, checksum: adv.checksum ^ 1 }));
    const r = verify(f);
    expect(r.ok).toBe(false);
    expect(r.bad).toEqual([{ layer: 'vrrp', depth: 0, carried: adv.checksum ^ 1, correct: adv.checksum }]);
  });

  it('keeps VRRPv2 (version 2) as raw bytes, and refuses a count the length does not match', () => {
    const b = encodeIpv4(pkt);
    const v2 = b.slice();
    v2[20] = 0x21;
    const d2 = decodeIpv4(v2);
    expect(d2.ok && d2.value.payload.kind).toBe('raw');
    const bad = b.slice();
    bad[23] = 2;
    const d = decodeIpv4(bad);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error).toMatchObject({ layer: 'vrrp', offset: 23 });
  });
});

describe('VRRPv3 properties', () => {
  it('decode(encode(p)) === p for any advertisement in IPv4', () => {
    fc.assert(
      fc.property(A.vrrp, A.ipAddr, A.ipAddr, (v, s, d) => {
        const p = mkIp({ src: s, dst: d, ttl: 255 }, v);
        expect(p.proto).toBe(IPPROTO.VRRP);
        expect(decodeIpv4(encodeIpv4(p))).toEqual({ ok: true, value: p });
      }),
      { numRuns: 500 },
    );
  });

  it('the builder checksum verifies over the encoded bytes for any fields', () => {
    fc.assert(
      fc.property(A.u8, A.u8, fc.integer({ min: 0, max: 0xfff }), fc.array(A.ipAddr, { maxLength: 20 }), A.ipAddr, (vrid, prio, iv, addrs, s) => {
        const v = vrrp(s, VRRP.GROUP, { vrid, priority: prio, maxAdvertInt: iv, addrs });
        const b = encodeIpv4(mkIp({ src: s, dst: VRRP.GROUP, ttl: 255 }, v));
        expect(vrrpBytesChecksumOk(s, VRRP.GROUP, b, 20, b.length)).toBe(true);
        expect(vrrpChecksum(s, VRRP.GROUP, v)).toBe(v.checksum);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on truncated or hostile VRRP bytes', () => {
    fc.assert(
      fc.property(A.vrrp, A.ipAddr, fc.nat(), fc.uint8Array({ maxLength: 8 }), (v, s, cut, junk) => {
        const b = encodeIpv4(mkIp({ src: s, dst: VRRP.GROUP, ttl: 255 }, v));
        const n = 20 + (cut % (b.length - 19));
        const t = b.slice(0, n);
        t[2] = n >> 8;
        t[3] = n & 255;
        expect(() => decodeIpv4(t)).not.toThrow();
        const longer = new Uint8Array(b.length + junk.length);
        longer.set(b);
        longer.set(junk, b.length);
        longer[2] = longer.length >> 8;
        longer[3] = longer.length & 255;
        const r = decodeIpv4(longer);
        if (junk.length > 0) expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

/** The records of a classic little-endian pcap file: time in microseconds and bytes. */
function readPcap(name: string): { us: number; bytes: Uint8Array }[] {
  const f = readFileSync(fileURLToPath(new URL(`../../fixtures/wire/${name}`, import.meta.url)));
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  expect(v.getUint32(0, true)).toBe(0xa1b2c3d4);
  const out: { us: number; bytes: Uint8Array }[] = [];
  for (let o = 24; o + 16 <= f.length; ) {
    const incl = v.getUint32(o + 8, true);
    out.push({ us: v.getUint32(o, true) * 1e6 + v.getUint32(o + 4, true), bytes: new Uint8Array(f.subarray(o + 16, o + 16 + incl)) });
    o += 16 + incl;
  }
  return out;
}

describe('keepalived 2.2.7 on Linux 6.18 (fixtures/wire/vrrp.pcap, made by fixtures/wire/vrrp-capture.sh)', () => {
  const pkts = readPcap('vrrp.pcap').map((p) => ({ ...p, d: decode(p.bytes) }));
  const vrrps = pkts.filter((p) => p.d.ok && p.d.value.payload.kind === 'ipv4');
  const garps = pkts.filter((p) => p.d.ok && p.d.value.payload.kind === 'arp');

  it('every advertisement decodes as VRRPv3 with good checksums and re-encodes to the captured bytes', () => {
    expect(vrrps.length).toBe(10);
    for (const p of vrrps) {
      if (!p.d.ok) throw new Error('undecodable');
      const eth = p.d.value;
      expect(verify(eth)).toEqual({ ok: true, checked: 2, bad: [] });
      expect(encode(eth).subarray(0, ethernetContentLength(eth))).toEqual(p.bytes);
      const ip4 = eth.payload as { tos: number; ttl: number; frag: number; payload: Vrrp };
      expect([ip4.tos, ip4.ttl, ip4.frag, ip4.payload.version, ip4.payload.vrid]).toEqual([0xc0, 255, 0, 3, 51]);
    }
    expect(vrrps.map((p) => ((p.d.ok && p.d.value.payload.kind === 'ipv4' && p.d.value.payload.payload) as Vrrp).priority)).toEqual([150, 150, 150, 150, 0, 100, 100, 100, 100, 0]);
  });

  it("lblab's builders make keepalived's first advertisement byte for byte (TOS 0xc0, id 1, no DF)", () => {
    const src = ip('10.0.0.1');
    const made = mkEth(0x01005e000012, 0x020000000001, mkIp({ src, dst: VRRP.GROUP, ttl: 255, tos: 0xc0, id: 1, frag: 0 }, vrrp(src, VRRP.GROUP, { vrid: 51, priority: 150, maxAdvertInt: 100, addrs: [ip('10.0.0.100')] })));
    expect(encode(made).subarray(0, 46)).toEqual(vrrps[0]!.bytes);
  });

  it('the gratuitous ARPs are requests from and for the VIP with the broadcast target MAC, five at a time', () => {
    expect(garps.length).toBe(10);
    for (const g of garps) {
      if (!g.d.ok) throw new Error('undecodable');
      const sha = g.d.value.src;
      expect(g.d.value).toEqual(mkEth2(MAC_BROADCAST, sha, mkArp(1, sha, ip('10.0.0.100'), MAC_BROADCAST, ip('10.0.0.100'))));
    }
    // Five right after each new master's first advertisement (RFC 5798 6.4.2: the advertisement goes first).
    expect(pkts.slice(1, 6).every((p) => p.d.ok && p.d.value.payload.kind === 'arp')).toBe(true);
  });

  it('after a priority-0 advertisement the backup takes over after Skew_Time: (256 - 100) / 256 s = 609.375 ms', () => {
    const stop = vrrps[4]!.us;
    const takeover = vrrps[5]!.us;
    expect(takeover - stop).toBeGreaterThanOrEqual(609_375);
    expect(takeover - stop).toBeLessThan(609_375 + 5_000);
  });
});

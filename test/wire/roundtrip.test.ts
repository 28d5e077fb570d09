/**
 * Tier 2 of the test plan: encode/decode round trips on every layer, as
 * property tests. decode(encode(f)) must give back exactly f.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, decodeIpv4 } from '../../src/wire/decode.js';
import { encode, encodeIpv4 } from '../../src/wire/encode.js';
import { ethernetContentLength } from '../../src/wire/checksum.js';
import { ethernet as mkEth, ipv4 as mkIp, raw as mkRaw, tcp as mkTcp } from '../../src/wire/build.js';
import { ip } from '../../src/wire/addr.js';
import * as A from './arbitraries.js';

const RUNS = { numRuns: 500 };

describe('decode(encode(f)) === f', () => {
  it('holds for any Ethernet frame the simulator can make', () => {
    fc.assert(
      fc.property(A.ethernet, (f) => {
        expect(decode(encode(f))).toEqual({ ok: true, value: f });
      }),
      { numRuns: 2000 },
    );
  });

  it('holds for ARP, tagged and untagged (padding to 60 bytes dropped)', () => {
    fc.assert(
      fc.property(A.macAddr, A.macAddr, fc.option(A.vlanTag), A.arp, (dst, src, vlan, a) => {
        const f = mkEth(dst, src, a, vlan);
        const b = encode(f);
        expect(b.length).toBe(60);
        expect(decode(b)).toEqual({ ok: true, value: f });
      }),
      RUNS,
    );
  });

  it('holds for every TCP option kind, in order', () => {
    fc.assert(
      fc.property(A.tcp, A.ipAddr, A.ipAddr, (t, s, d) => {
        const p = mkIp({ src: s, dst: d }, t);
        expect(decodeIpv4(encodeIpv4(p))).toEqual({ ok: true, value: p });
      }),
      { numRuns: 1000 },
    );
  });

  it('holds for IP-in-IP, ICMP errors with quotes, IP options and fragments', () => {
    fc.assert(
      fc.property(A.ipv4(3), (p) => {
        expect(decodeIpv4(encodeIpv4(p))).toEqual({ ok: true, value: p });
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes an IPv4 packet at an offset inside a larger buffer, ignoring bytes after it', () => {
    fc.assert(
      fc.property(A.bytes(0, 30), A.ipv4(1), A.bytes(0, 30), (pre, p, post) => {
        const b = new Uint8Array([...pre, ...encodeIpv4(p), ...post]);
        expect(decodeIpv4(b, pre.length)).toEqual({ ok: true, value: p });
      }),
      RUNS,
    );
  });

  it('round-trips Raw Ethernet payloads of >= 46 bytes; shorter ones come back with their zero padding', () => {
    fc.assert(
      fc.property(fc.option(A.vlanTag), A.bytes(46, 80), (vlan, b) => {
        const f = mkEth(1, 2, mkRaw(b), vlan, 0x88b5);
        expect(decode(encode(f))).toEqual({ ok: true, value: f });
      }),
      RUNS,
    );
    // Documented limit: the wire cannot tell padding from payload here.
    const short = mkEth(1, 2, mkRaw(new Uint8Array([1, 2, 3])), null, 0x88b5);
    const r = decode(encode(short));
    expect(r.ok && r.value.payload.kind === 'raw' && r.value.payload.bytes.length).toBe(46);
  });

  it('encodes to the content length, padded to 60 bytes, and decode ignores any amount of padding', () => {
    fc.assert(
      fc.property(A.ethernet.filter((f) => f.payload.kind !== 'raw'), A.bytes(0, 40), (f, pad) => {
        const b = encode(f);
        const n = ethernetContentLength(f);
        expect(b.length).toBe(Math.max(60, n));
        expect(b.subarray(n).every((x) => x === 0)).toBe(true);
        const padded = new Uint8Array([...b, ...pad]);
        expect(decode(padded)).toEqual({ ok: true, value: f });
      }),
      RUNS,
    );
  });

  it('documents the TCP option padding rule: an unpadded list reads back with a closing eol', () => {
    const opts = [{ kind: 'mss', mss: 1460 }, { kind: 'wscale', shift: 7 }] as const; // 7 bytes
    const t = mkTcp(ip('10.0.0.1'), ip('10.0.0.2'), { sport: 1, dport: 2, seq: 0, ack: 0, flags: 2, window: 1, options: opts });
    const r = decodeIpv4(encodeIpv4(mkIp({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }, t)));
    expect(r.ok && r.value.payload.kind === 'tcp' && r.value.payload.options).toEqual([...opts, { kind: 'eol' }]);
  });

  it('keeps decoded values independent of the input buffer', () => {
    const f = mkEth(1, 2, mkIp({ src: 1, dst: 2 }, mkTcp(1, 2, { sport: 1, dport: 2, seq: 0, ack: 0, flags: 0x18, window: 5, payload: new Uint8Array([7, 7, 7]) })));
    const b = encode(f);
    const r = decode(b);
    b.fill(0);
    expect(r).toEqual({ ok: true, value: f });
  });
});

/**
 * Checksums: the value-level checksums agree with RFC 1071 over the encoded
 * bytes, and the RFC 1624 incremental updates used by natRewrite and withTtl
 * give exactly what a full recomputation gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  csumReplace16,
  csumReplace32,
  finish,
  icmpChecksum,
  ipv4Checksum,
  ipv4ChecksumOk,
  sumBytes,
  tcpChecksum,
  transportChecksumOk,
  udpChecksum,
  vrrpChecksum,
} from '../../src/wire/checksum.js';
import { natRewrite, withTtl } from '../../src/wire/rewrite.js';
import { encodeIpv4 } from '../../src/wire/encode.js';
import { verify, verifyIpv4 } from '../../src/wire/decode.js';
import { ethernet as mkEth, icmp as mkIcmp, ipv4 as mkIp, tcp as mkTcp, udp as mkUdp } from '../../src/wire/build.js';
import { ip } from '../../src/wire/addr.js';
import type { Ipv4 } from '../../src/wire/types.js';
import * as A from './arbitraries.js';

/** A packet whose checksums are all correct, as a sender builds it. */
const goodPacket: fc.Arbitrary<Ipv4> = A.ipv4(1).map(A.sealed);
/** Packets carrying TCP, UDP (checksum sometimes 0 = none) or ICMP echo, the things NAT rewrites. */
const natable: fc.Arbitrary<Ipv4> = fc
  .tuple(
    fc.record({ tos: A.u8, id: A.u16, ttl: A.u8, src: A.ipAddr, dst: A.ipAddr, options: A.ipOptions }),
    fc.oneof(A.tcp, A.udp, A.icmp.map((m) => ({ ...m, type: m.type & 1 ? 0 : 8, code: 0 }))),
    fc.boolean(),
  )
  .map(([h, p, noUdpSum]) => {
    const s = A.sealed({ kind: 'ipv4', ...h, frag: 0x4000, proto: p.kind === 'tcp' ? 6 : p.kind === 'udp' ? 17 : 1, checksum: 0, payload: p });
    if (noUdpSum && s.payload.kind === 'udp') return { ...s, payload: { ...s.payload, checksum: 0 } };
    return s;
  });

function fullSum(b: Uint8Array): number {
  return finish(sumBytes(b, 0, b.length, 0));
}

describe('checksums from values agree with RFC 1071 over the bytes', () => {
  it('IPv4 header: the encoded header sums to zero (all ones) with its checksum in place', () => {
    fc.assert(
      fc.property(goodPacket, (p) => {
        const b = encodeIpv4(p);
        const hl = (b[0]! & 15) * 4;
        expect(finish(sumBytes(b, 0, hl, 0))).toBe(0);
        expect(ipv4ChecksumOk(p)).toBe(true);
        expect(transportChecksumOk(p)).toBe(true);
        expect(verifyIpv4(p).ok).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('TCP: the checksum equals the RFC 1071 sum over pseudo-header and segment bytes', () => {
    fc.assert(
      fc.property(A.tcp, A.ipAddr, A.ipAddr, (t, s, d) => {
        const p = mkIp({ src: s, dst: d }, t);
        const seg = encodeIpv4(p).subarray(20);
        const pseudo = new Uint8Array(12 + seg.length);
        new DataView(pseudo.buffer).setUint32(0, s);
        new DataView(pseudo.buffer).setUint32(4, d);
        pseudo[9] = 6;
        new DataView(pseudo.buffer).setUint16(10, seg.length);
        pseudo.set(seg, 12);
        pseudo[12 + 16] = 0; // checksum field taken as zero
        pseudo[12 + 17] = 0;
        expect(tcpChecksum(s, d, t)).toBe(fullSum(pseudo));
      }),
      { numRuns: 500 },
    );
  });

  it('UDP: a computed zero is sent as 0xffff (RFC 768)', () => {
    // Search a payload whose checksum computes to zero, then check the rule.
    const src = ip('10.0.0.1');
    const dst = ip('10.0.0.2');
    const base = mkUdp(src, dst, 1, 2, new Uint8Array([0, 0]), 0);
    const c = udpChecksum(src, dst, base);
    // Adding the checksum's complement as payload word makes the sum all ones.
    const fixed = new Uint8Array([c >> 8, c & 255]);
    expect(udpChecksum(src, dst, { ...base, payload: fixed })).toBe(0xffff);
  });

  it('ICMP: the encoded message sums to zero with its checksum in place', () => {
    fc.assert(
      fc.property(A.icmp, (m) => {
        const good = mkIcmp(m.type, m.code, m.rest, m.body);
        expect(good.checksum).toBe(icmpChecksum(m));
        const b = encodeIpv4(mkIp({ src: 1, dst: 2 }, good)).subarray(20);
        expect(fullSum(b)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the builders compute the checksums the value-level functions give', () => {
  it('ipv4(), udp(), tcp(), icmp() with no checksum given', () => {
    fc.assert(
      fc.property(A.ipv4(1), (p) => {
        const t = p.payload;
        const payload =
          t.kind === 'udp'
            ? mkUdp(p.src, p.dst, t.sport, t.dport, t.payload)
            : t.kind === 'tcp'
              ? mkTcp(p.src, p.dst, { ...t, checksum: undefined })
              : t.kind === 'icmp'
                ? mkIcmp(t.type, t.code, t.rest, t.body)
                : t.kind === 'vrrp'
                  ? { ...t, checksum: vrrpChecksum(p.src, p.dst, t) }
                  : t;
        const q = mkIp({ src: p.src, dst: p.dst, ttl: p.ttl, tos: p.tos, id: p.id, frag: p.frag, options: p.options }, payload, p.proto);
        expect(q.checksum).toBe(ipv4Checksum(q));
        if (payload.kind === 'udp') expect(payload.checksum).toBe(udpChecksum(p.src, p.dst, payload));
        if (payload.kind === 'tcp') expect(payload.checksum).toBe(tcpChecksum(p.src, p.dst, payload));
        if (payload.kind === 'icmp') expect(payload.checksum).toBe(icmpChecksum(payload));
        expect(transportChecksumOk(q)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('RFC 1624 incremental updates equal full recomputation', () => {
  it('csumReplace16 / csumReplace32 on random data', () => {
    fc.assert(
      fc.property(A.bytes(8, 64).filter((b) => b.length % 2 === 0), fc.nat(), A.u16, A.u32, (b, at, w, dw) => {
        const i = (at % (b.length / 2 - 1)) * 2;
        const before = fullSum(b);
        const c = new Uint8Array(b);
        const old16 = (c[i]! << 8) | c[i + 1]!;
        c[i] = w >> 8;
        c[i + 1] = w & 255;
        // One's complement has two zeros; a full sum of data that is not all zero never yields 0xffff.
        if (c.some((x) => x !== 0)) expect(csumReplace16(before, old16, w)).toBe(fullSum(c));
        const d = new Uint8Array(b);
        const j = i - (i % 4);
        if (j + 4 <= d.length) {
          const old32 = new DataView(d.buffer).getUint32(j);
          new DataView(d.buffer).setUint32(j, dw);
          if (d.some((x) => x !== 0)) expect(csumReplace32(before, old32, dw)).toBe(fullSum(d));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('withTtl gives the header checksum a full recomputation gives', () => {
    fc.assert(
      fc.property(goodPacket, A.u8, (p, ttl) => {
        const q = withTtl(p, ttl);
        expect(q.ttl).toBe(ttl);
        expect(q.checksum).toBe(ipv4Checksum(q));
        expect(q.payload).toBe(p.payload); // untouched layers are shared, not copied
      }),
      { numRuns: 1000 },
    );
  });

  it('withTtl keeps a bad checksum bad by the same amount, as a router does', () => {
    fc.assert(
      fc.property(goodPacket, A.u8, fc.integer({ min: 1, max: 0xfffe }), (p, ttl, delta) => {
        const bad = { ...p, checksum: (p.checksum + delta) % 0xffff };
        fc.pre(bad.checksum !== p.checksum && bad.checksum !== 0xffff && p.checksum !== 0xffff);
        const q = withTtl(bad, ttl);
        expect(ipv4ChecksumOk(q)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('natRewrite gives the IP, TCP, UDP and ICMP echo checksums a full recomputation gives', () => {
    fc.assert(
      fc.property(natable, A.ipAddr, A.ipAddr, A.u16, A.u16, fc.boolean(), fc.boolean(), (p, s, d, sp, dp, keepSrc, keepPort) => {
        const oldSport = p.payload.kind === 'icmp' ? p.payload.rest >>> 16 : p.payload.kind === 'raw' || p.payload.kind === 'ipv4' || p.payload.kind === 'vrrp' ? 0 : p.payload.sport;
        const oldDport = p.payload.kind === 'tcp' || p.payload.kind === 'udp' ? p.payload.dport : 0;
        const src = keepSrc ? p.src : s;
        const sport = keepPort ? oldSport : sp;
        const dport = p.payload.kind === 'icmp' ? oldDport : dp;
        const q = natRewrite(p, src, d, sport, dport);
        expect(q.src).toBe(src);
        expect(q.dst).toBe(d);
        expect(q.checksum).toBe(ipv4Checksum(q));
        const t = q.payload;
        switch (t.kind) {
          case 'tcp':
            expect([t.sport, t.dport]).toEqual([sport, dport]);
            expect(t.checksum).toBe(tcpChecksum(src, d, t));
            break;
          case 'udp':
            expect([t.sport, t.dport]).toEqual([sport, dport]);
            if (p.payload.kind === 'udp' && p.payload.checksum === 0) expect(t.checksum).toBe(0); // RFC 768: none stays none
            else expect(t.checksum).toBe(udpChecksum(src, d, t));
            break;
          case 'icmp':
            expect(t.rest >>> 16).toBe(sport);
            expect(t.checksum).toBe(icmpChecksum(t));
            break;
          default:
            throw new Error('unexpected payload');
        }
        expect(verifyIpv4(q).ok).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('natRewrite sends a UDP checksum that computes to zero as 0xffff (RFC 768)', () => {
    const [c1, c2, s1, vip] = [ip('10.0.0.1'), ip('10.0.0.9'), ip('10.0.1.11'), ip('10.0.1.100')];
    // Choose the payload word so that the datagram after NAT sums to all ones.
    const after0 = mkUdp(c2, s1, 40000, 80, new Uint8Array(2), 0);
    const w = udpChecksum(c2, s1, after0);
    const before = mkIp({ src: c1, dst: vip }, mkUdp(c1, vip, 1234, 80, new Uint8Array([w >> 8, w & 255])));
    const q = natRewrite(before, c2, s1, 40000, 80);
    expect(q.payload.kind === 'udp' && q.payload.checksum).toBe(0xffff);
    expect(q.payload.kind === 'udp' && q.payload.checksum).toBe(q.payload.kind === 'udp' && udpChecksum(c2, s1, q.payload));
  });

  it('natRewrite to the same addresses and ports changes nothing', () => {
    fc.assert(
      fc.property(natable, (p) => {
        const t = p.payload;
        if (t.kind !== 'tcp' && t.kind !== 'udp') return;
        expect(natRewrite(p, p.src, p.dst, t.sport, t.dport)).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });
});

describe('verify', () => {
  const src = ip('10.0.0.1');
  const dst = ip('10.0.1.100');
  const seg = mkTcp(src, dst, { sport: 40000, dport: 80, seq: 1000, ack: 0, flags: 2, window: 64240 });

  it('passes a frame whose checksums are all correct', () => {
    const r = verify(mkEth(1, 2, mkIp({ src, dst }, seg)));
    expect(r).toEqual({ ok: true, checked: 2, bad: [] });
  });

  it('names each bad checksum with the carried and the correct value, inner tunnel packets included', () => {
    const badTcp = { ...seg, checksum: seg.checksum ^ 1 };
    const inner = mkIp({ src, dst, checksum: 0x1234 }, badTcp);
    const outer = mkIp({ src: ip('10.0.0.5'), dst: ip('10.0.2.11') }, inner);
    const r = verify(mkEth(1, 2, outer));
    expect(r.ok).toBe(false);
    expect(r.checked).toBe(3);
    expect(r.bad).toEqual([
      { layer: 'ipv4', depth: 1, carried: 0x1234, correct: ipv4Checksum(inner) },
      { layer: 'tcp', depth: 1, carried: seg.checksum ^ 1, correct: seg.checksum },
    ]);
  });

  it('reports a bad outer IP header, UDP and ICMP checksum; UDP zero means none', () => {
    const u = mkUdp(src, dst, 5000, 53, new Uint8Array([1, 2, 3]), 0xbeef);
    expect(verify(mkEth(1, 2, mkIp({ src, dst, checksum: 1 }, u))).bad.map((b) => b.layer)).toEqual(['ipv4', 'udp']);
    expect(verify(mkEth(1, 2, mkIp({ src, dst }, mkUdp(src, dst, 5000, 53, new Uint8Array(3), 0))))).toEqual({ ok: true, checked: 1, bad: [] });
    expect(verify(mkEth(1, 2, mkIp({ src, dst }, mkIcmp(8, 0, 1, new Uint8Array(4), 7)))).bad).toEqual([
      { layer: 'icmp', depth: 0, carried: 7, correct: icmpChecksum(mkIcmp(8, 0, 1, new Uint8Array(4))) },
    ]);
  });
});

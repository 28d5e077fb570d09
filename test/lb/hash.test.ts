import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  createBackends,
  createScheduler,
  fnv1a32Bytes,
  FNV32_OFFSET,
  fnv1aByte,
  hashSrcIp,
  hashTuple4,
  HashScheduler,
  jenkinsOaat,
} from '../../src/lb/sched/index.js';
import { fnv1a32, Rng } from '../../src/sim/rng.js';
import { ip } from '../../src/wire/addr.js';
import { flow } from './helpers.js';

const enc = new TextEncoder();

/** Chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const e = total / counts.length;
  return counts.reduce((s, c) => s + ((c - e) * (c - e)) / e, 0);
}

describe('hash functions (documented in docs/schedulers.md)', () => {
  it('FNV-1a 32 and Jenkins one-at-a-time give their published test vectors', () => {
    expect(fnv1a32Bytes(enc.encode(''))).toBe(0x811c9dc5);
    expect(fnv1a32Bytes(enc.encode('a'))).toBe(0xe40c292c);
    expect(fnv1a32Bytes(enc.encode('foobar'))).toBe(0xbf9cf968);
    expect(jenkinsOaat(enc.encode('a'))).toBe(0xca2e9442);
    expect(jenkinsOaat(enc.encode('The quick brown fox jumps over the lazy dog'))).toBe(0x519e91f5);
  });

  it('source-IP hash of 10.0.0.5 is 0x685063e0, step by step as the docs show', () => {
    let h = FNV32_OFFSET;
    const steps: number[] = [];
    for (const b of [10, 0, 0, 5]) steps.push((h = fnv1aByte(h, b)));
    expect(steps).toEqual([0x0f0c6cdd, 0x8d8f5fe7, 0xbfb3f8a5, 0x685063e0]);
    expect(hashSrcIp(ip('10.0.0.5'))).toBe(0x685063e0);
    expect(hashSrcIp(ip('10.0.0.5')) % 3).toBe(0);
  });

  it('4-tuple hash of (10.0.0.5, 10.0.0.100, 40000, 80) is 0x50d49cb2', () => {
    expect(hashTuple4(ip('10.0.0.5'), ip('10.0.0.100'), 40000, 80)).toBe(0x50d49cb2);
    expect(0x50d49cb2 % 3).toBe(2);
  });

  it('hashes numbers as their bytes in network order (cross-checked against the string FNV-1a of src/sim/rng.ts, property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), fc.nat({ max: 65535 }), fc.nat({ max: 65535 }), (s, d, sp, dp) => {
        const be = (x: number, n: number): number[] => Array.from({ length: n }, (_, i) => (x >>> (8 * (n - 1 - i))) & 255);
        const bytes = [...be(s, 4), ...be(d, 4), ...be(sp, 2), ...be(dp, 2)];
        expect(hashTuple4(s, d, sp, dp)).toBe(fnv1a32(String.fromCharCode(...bytes)));
        expect(hashTuple4(s, d, sp, dp)).toBe(fnv1a32Bytes(Uint8Array.from(bytes)));
        expect(hashSrcIp(s)).toBe(fnv1a32Bytes(Uint8Array.from(bytes.slice(0, 4))));
      }),
    );
  });
});

describe('source-IP and 4-tuple hash scheduling', () => {
  it('sends the same client to the same server, whatever its port (source hash)', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const sh = createScheduler('source-hash');
    const first = sh.pick(flow('10.0.0.5', 1000), pool);
    expect(first).toBe(0); // 0x685063e0 mod 3 = 0
    for (let p = 1001; p < 1100; p++) expect(sh.pick(flow('10.0.0.5', p), pool)).toBe(first);
  });

  it('4-tuple hash follows the documented value and spreads one client over servers by port', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const th = createScheduler('tuple-hash');
    expect(th.pick(flow('10.0.0.5', 40000), pool)).toBe(2);
    const seen = new Set<number>();
    for (let p = 40000; p < 40030; p++) seen.add(th.pick(flow('10.0.0.5', p), pool));
    expect(seen.size).toBe(3);
  });

  it('explains the hash, the modulus and the server', () => {
    const pool = createBackends(['web1', 'web2', 'web3']);
    const sh = new HashScheduler('src');
    sh.pick(flow('10.0.0.5'), pool);
    expect(sh.explain().sentence).toBe('source hash: fnv1a(10.0.0.5)=0x685063e0 mod 3 = 0 -> web1');
    expect(sh.explain().numbers).toEqual({ hash: 0x685063e0, modulus: 3, slot: 0 });
    const th = new HashScheduler('4tuple');
    th.pick(flow('10.0.0.5', 40000), pool);
    expect(th.explain().sentence).toBe('4-tuple hash: fnv1a(10.0.0.5, 10.0.0.100, 40000, 80)=0x50d49cb2 mod 3 = 2 -> web3');
  });

  it('takes the modulus over the AVAILABLE servers, in configured order', () => {
    const pool = createBackends(['web1', 'web2', 'web3', 'web4']);
    pool[0]!.state = 'down';
    const sh = new HashScheduler('src');
    // 0x685063e0 mod 3 = 0 -> the first available, web2
    expect(sh.pick(flow('10.0.0.5'), pool)).toBe(1);
    expect(sh.explain().sentence).toBe(
      'source hash: fnv1a(10.0.0.5)=0x685063e0 mod 3 = 0 -> web2 (position 0 among the available web2, web3, web4); not eligible: web1 down',
    );
  });

  it('spreads random clients evenly (chi-square, 4 degrees of freedom, below the p = 0.001 critical value 18.47)', () => {
    const pool = createBackends(['a', 'b', 'c', 'd', 'e']);
    const rng = new Rng(20261121);
    for (const name of ['source-hash', 'tuple-hash'] as const) {
      const s = createScheduler(name);
      const counts = [0, 0, 0, 0, 0];
      for (let k = 0; k < 50_000; k++) counts[s.pick(flow(rng.next(), 1024 + rng.int(60000)), pool)]!++;
      expect(chiSquare(counts)).toBeLessThan(18.47);
      for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    }
  });

  it('spreads a block of consecutive client addresses too', () => {
    const pool = createBackends(['a', 'b', 'c']);
    const s = createScheduler('source-hash');
    const counts = [0, 0, 0];
    for (let k = 0; k < 3000; k++) counts[s.pick(flow(ip('10.1.0.0') + k), pool)]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(100);
  });

  it('remaps almost every client when one of 10 servers goes down (why consistent hashing exists)', () => {
    const pool = createBackends(Array.from({ length: 10 }, (_, i) => `web${i + 1}`));
    const s = createScheduler('source-hash');
    const rng = new Rng(7);
    const clients = Array.from({ length: 10_000 }, () => rng.next());
    const before = clients.map((c) => s.pick(flow(c), pool));
    pool[4]!.state = 'down';
    const after = clients.map((c) => s.pick(flow(c), pool));
    const moved = clients.filter((_, i) => before[i] !== after[i]).length / clients.length;
    expect(moved).toBeGreaterThan(0.8);
  });
});

/**
 * Quantities and addresses round-trip through the scenario parsers:
 * whatever a teacher writes with a unit comes out as the exact integer the
 * simulator uses. Property tests over random values, through the whole
 * loader (YAML, schema, resolution), not only the helper functions.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fmtCidr, fmtIp } from '../../src/wire/addr.js';
import { closest, editDistance, parseBandwidth, parseDuration, parsePercent, parseRate, parseScenario } from '../../src/scenario/index.js';

const UNITS = [
  ['ns', 1],
  ['us', 1e3],
  ['ms', 1e6],
  ['s', 1e9],
] as const;

describe('durations', () => {
  test('an integer with any unit parses to that many nanoseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(...UNITS), (n, [u, mult]) => {
        expect(parseDuration(`${n}${u}`)).toBe(n * mult);
      }),
    );
  });

  test('a decimal in milliseconds parses to the exact nanoseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 999 }), (whole, frac) => {
        const text = `${whole}.${String(frac).padStart(3, '0')}ms`;
        expect(parseDuration(text)).toBe(whole * 1e6 + frac * 1e3);
      }),
    );
  });

  test('through the loader: run.until comes out in integer nanoseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(...UNITS), (n, [u, mult]) => {
        const r = parseScenario(`lblab: 1\ntitle: t\nnodes: {}\nrun: { until: ${n}${u} }\n`, 'p.yaml');
        expect(r.ok && r.scenario.run.until).toBe(n * mult);
      }),
      { numRuns: 50 },
    );
  });

  test('a number without a unit is refused (except 0), and so are unknown units', () => {
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(5)).toBeNull();
    expect(parseDuration('5')).toBeNull();
    expect(parseDuration('5 sec')).toBeNull();
    expect(parseDuration('1m')).toBe(60e9);
    expect(parseDuration('10µs')).toBe(10_000);
  });
});

describe('addresses', () => {
  test('any address with any prefix length round-trips through a loopback alias', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (a, len) => {
        const r = parseScenario(`lblab: 1\ntitle: t\nnodes:\n  h1: { kind: host, loopback: [${fmtCidr(a, len)}, ${fmtIp(a)}] }\n`, 'p.yaml');
        if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
        const h = r.scenario.nodes[0]!;
        expect(h.kind !== 'switch' && h.loopback).toEqual([
          { addr: a, len },
          { addr: a, len: 32 },
        ]);
      }),
      { numRuns: 100 },
    );
  });

  test('an interface address round-trips and stays a uint32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xfffffffe }), (a) => {
        const r = parseScenario(`lblab: 1\ntitle: t\nnodes:\n  h1: { kind: host, interfaces: { eth0: ${fmtIp(a)}/32 }, gateway: ${fmtIp(a ^ 1)} }\n`, 'p.yaml');
        // A /32 has no connected subnet, so the gateway is refused: the address itself is what this test checks.
        if (r.ok) throw new Error('a /32 interface has no on-link gateway');
        const h = parseScenario(`lblab: 1\ntitle: t\nnodes:\n  h1: { kind: host, interfaces: { eth0: ${fmtIp(a)}/32 } }\n`, 'p.yaml');
        if (!h.ok) throw new Error(h.errors.map((e) => e.message).join('\n'));
        const n = h.scenario.nodes[0]!;
        expect(n.kind !== 'switch' && n.interfaces[0]!.addrs[0]).toEqual({ addr: a, len: 32 });
      }),
      { numRuns: 50 },
    );
  });
});

describe('other quantities', () => {
  test('bandwidths with SI prefixes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(['', 1], ['k', 1e3], ['M', 1e6], ['G', 1e9]), (n, [p, mult]) => {
        expect(parseBandwidth(`${n}${p}bps`)).toBe(n * (mult as number));
      }),
    );
    expect(parseBandwidth(1234)).toBe(1234);
    expect(parseBandwidth('1 Gbit')).toBeNull();
  });

  test('rates and percentages', () => {
    expect(parseRate('100/s')).toEqual({ perSec: 100, poisson: false });
    expect(parseRate('poisson 2.5/s')).toEqual({ perSec: 2.5, poisson: true });
    expect(parseRate('0/s')).toBeNull();
    expect(parsePercent('10%')).toBe(0.1);
    expect(parsePercent('10')).toBeNull();
  });
});

describe('suggestions', () => {
  test('edit distance is a metric on small words', () => {
    const word = fc.string({ maxLength: 8 });
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(editDistance(a, a)).toBe(0);
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });

  test('closest: transpositions, case, containment, and nothing when nothing is close', () => {
    expect(closest('hots', ['host', 'switch'])).toBe('host');
    expect(closest('RR', ['rr', 'wrr'])).toBe('rr');
    expect(closest('no-socket', ['tcp-no-socket', 'udp-no-socket-broadcast'])).toBe('tcp-no-socket');
    expect(closest('x', ['to', 'on'])).toBeNull();
  });
});

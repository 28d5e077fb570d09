/**
 * The L7 proxy's parts on their own: rule matching, cookies, cache
 * freshness and eviction, the sliding-window rate limiter (against a brute
 * count), and the CPU queue.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { httpRequest, httpResponse } from '../../../src/wire/http.js';
import { matches, route, requestHost, targetPath } from '../../../src/lb/l7/rules.js';
import { cookieValue, persistCookie } from '../../../src/lb/l7/cookie.js';
import { ResponseCache, freshness } from '../../../src/lb/l7/cache.js';
import { RateLimiter } from '../../../src/lb/l7/ratelimit.js';
import { Cpu } from '../../../src/lb/l7/cpu.js';
import { Sim } from '../../../src/sim/sim.js';
import type { L7Match } from '../../../src/lb/l7/config.js';

const M: L7Match = { pathPrefix: null, pathRegex: null, host: null, header: null, cookie: null, method: null };
const req = (target: string, headers: [string, string][] = [], method = 'GET') => httpRequest({ method, target, headers: headers.map(([name, value]) => ({ name, value })) });

describe('rules', () => {
  it('the path is the target without its query, and without scheme and authority in absolute form', () => {
    expect(targetPath('/images/a.png?v=2')).toBe('/images/a.png');
    expect(targetPath('http://shop.example:8080/checkout?x')).toBe('/checkout');
    expect(targetPath('http://shop.example')).toBe('/');
    expect(targetPath('*')).toBe('*');
  });

  it('the host is the Host header without its port, lower-cased', () => {
    expect(requestHost(req('/', [['Host', 'Shop.Example:8080']]))).toBe('shop.example');
    expect(requestHost(req('/', [['host', '[::1]']]))).toBe('[::1]');
    expect(requestHost(req('/'))).toBe('');
  });

  it('every test of a rule must hold; the first matching rule wins', () => {
    const r = req('/img/x', [['Host', 'a'], ['X-T', '1'], ['Cookie', 'k=v; z=1']], 'PUT');
    expect(matches({ ...M, pathPrefix: '/img/', method: 'PUT' }, r)).toBe(true);
    expect(matches({ ...M, pathPrefix: '/img/', method: 'GET' }, r)).toBe(false);
    expect(matches({ ...M, pathRegex: /\/x$/ }, r)).toBe(true);
    expect(matches({ ...M, header: { name: 'x-t', value: null } }, r)).toBe(true);
    expect(matches({ ...M, header: { name: 'X-T', value: '2' } }, r)).toBe(false);
    expect(matches({ ...M, cookie: { name: 'z', value: '1' } }, r)).toBe(true);
    expect(matches({ ...M, cookie: { name: 'q', value: null } }, r)).toBe(false);
    const rules = [
      { match: { ...M, method: 'POST' }, pool: 'p', text: '' },
      { match: { ...M, pathPrefix: '/img/' }, pool: 'i', text: '' },
      { match: M, pool: 'all', text: '' },
    ];
    expect(route(rules, r)).toBe(1);
    expect(route(rules, req('/other'))).toBe(2);
    expect(route(rules.slice(0, 2), req('/other'))).toBe(-1);
  });
});

describe('cookies', () => {
  it('reads a cookie across several Cookie lines and writes the insert-mode Set-Cookie', () => {
    const h = [
      { name: 'Cookie', value: 'a=1; SERVERID=web2' },
      { name: 'cookie', value: 'b= 2 ' },
    ];
    expect(cookieValue(h, 'SERVERID')).toBe('web2');
    expect(cookieValue(h, 'b')).toBe('2');
    expect(cookieValue(h, 'c')).toBe(null);
    expect(persistCookie('SERVERID', 'web1')).toBe('SERVERID=web1; path=/');
  });

  it('any cookie written into a Cookie line is read back', () => {
    const tok = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(tok, tok), { minLength: 1, maxLength: 6 }), fc.nat(), (pairs, k) => {
        const line = pairs.map(([n, v]) => `${n}=${v}`).join('; ');
        const [name] = pairs[k % pairs.length]!;
        const first = pairs.find(([n]) => n === name)!;
        expect(cookieValue([{ name: 'Cookie', value: line }], name)).toBe(first[1]);
      }),
    );
  });
});

describe('cache', () => {
  const res = (cc: string | null, more: [string, string][] = []) =>
    httpResponse({ headers: [...(cc === null ? [] : [{ name: 'Cache-Control', value: cc }]), ...more.map(([name, value]) => ({ name, value }))], body: 'x' });

  it('freshness: s-maxage over max-age; no-store, private, no-cache, Set-Cookie and no max-age are not stored', () => {
    expect(freshness(res('max-age=30'))).toBe(30);
    expect(freshness(res('public, max-age=30, s-maxage=5'))).toBe(5);
    expect(freshness(res('max-age=30, no-store'))).toBe('no-store');
    expect(freshness(res('private, max-age=30'))).toBe('private');
    expect(freshness(res('no-cache'))).toBe('no-cache');
    expect(freshness(res('max-age=30', [['Set-Cookie', 'a=1']]))).toBe('set-cookie');
    expect(freshness(res(null))).toBe('no-max-age');
  });

  it('stores GET 200s only, keys on host and target, expires at max-age, and evicts the least recently used', () => {
    const c = new ResponseCache(2, 60e9);
    const a = req('/a', [['Host', 'h']]);
    expect(c.store(req('/a', [], 'POST'), res('max-age=10'), 's', 0)).toBe('not-get');
    expect(c.store(a, httpResponse({ status: 404, headers: [{ name: 'Cache-Control', value: 'max-age=10' }] }), 's', 0)).toBe('status');
    expect(c.store(a, res('max-age=10'), 's', 0)).toBe('stored');
    expect(c.lookup(req('/a', [['Host', 'other']]), 1)).toBe(null);
    expect(c.lookup(a, 9_999_999_999)?.server).toBe('s');
    expect(c.lookup(a, 10e9)).toBe(null); // age 10 s = max-age: stale
    c.store(a, res('max-age=100'), 's', 0);
    c.store(req('/b', [['Host', 'h']]), res('max-age=100'), 's', 0);
    c.lookup(a, 1); // /a is now the most recently used
    c.store(req('/c', [['Host', 'h']]), res('max-age=100'), 's', 0);
    expect(c.lookup(req('/b', [['Host', 'h']]), 2)).toBe(null);
    expect(c.lookup(a, 2)).not.toBe(null);
    expect(c.lookup(req('/a', [['Host', 'h'], ['Cache-Control', 'no-cache']]), 2)).toBe(null);
    // The cache's own max-age caps a longer one.
    const d = new ResponseCache(5, 3e9);
    d.store(a, res('max-age=100'), 's', 0);
    expect(d.lookup(a, 3e9)).toBe(null);
  });
});

describe('rate limiter', () => {
  it('allows exactly the requests that have at most `requests` (refused ones included) within the last period', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 1000 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 300 })), { maxLength: 60 }), (limit, period, steps) => {
        const rl = new RateLimiter(limit, period);
        const seen: [number, number][] = [];
        let now = 0;
        for (const [src, gap] of steps) {
          now += gap;
          const v = rl.hit(src, now);
          seen.push([src, now]);
          const inWindow = seen.filter(([s, t]) => s === src && t > now - period).length;
          expect(v.count).toBe(inWindow);
          expect(v.allowed).toBe(inWindow <= limit);
        }
      }),
    );
  });
});

describe('cpu', () => {
  it('runs jobs FIFO on its cores and accounts for busy time and waiting', () => {
    const sim = new Sim({ seed: 1 });
    const cpu = new Cpu(sim, 2, 't');
    const done: [string, number][] = [];
    const job = (n: string) => ({ run: () => done.push([n, sim.now]) });
    cpu.submit(job('a'), 100);
    cpu.submit(job('b'), 100);
    cpu.submit(job('c'), 50);
    cpu.submit(job('free'), 0);
    sim.run();
    expect(done).toEqual([
      ['free', 0],
      ['a', 100],
      ['b', 100],
      ['c', 150],
    ]);
    expect([cpu.spent, cpu.waited, cpu.jobs]).toEqual([250, 100, 4]);
    expect(cpu.utilisation()).toBeCloseTo(250 / (150 * 2));
  });
});

/**
 * The `http` expectation judged on hand-made traces: filters, counts with
 * their default (at least one), header values, and the sentences and
 * evidence of passing and failing verdicts.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../src/grade/grade.js';
import type { Check } from '../../src/scenario/types.js';
import type { StateEvent, TraceEvent } from '../../src/trace/events.js';
import { expectation, input, target } from './helpers.js';

type Http = Extract<StateEvent['change'], { what: 'http' }>;

function ev(seq: number, node: string, c: Partial<Http>): TraceEvent {
  const change: Http = { what: 'http', role: 'proxy', service: 'lb1/shop', client: '10.0.0.10', method: 'GET', target: '/', headers: [], status: 200, verdict: 'forwarded', pool: 'web', server: 'web1', how: 'balance', cache: null, ...c };
  return { kind: 'state', t: seq * 1000, seq, node, change, text: `${c.target ?? '/'}` };
}

const check = (c: Partial<Extract<Check, { kind: 'http' }>>): Check => ({
  kind: 'http',
  node: 'lb1',
  path: null,
  method: null,
  client: null,
  pool: null,
  server: null,
  verdict: null,
  status: null,
  how: null,
  cache: null,
  headers: [],
  atMost: null,
  atLeast: null,
  equals: null,
  ...c,
});

const events = [
  ev(0, 'lb1', { target: '/images/a.png', pool: 'images', server: 'img1' }),
  ev(1, 'lb1', { target: '/x', verdict: 'cache-hit', server: 'web1', how: null, cache: 'hit' }),
  ev(2, 'lb1', { target: '/x', client: '10.0.0.66', verdict: 'rate-limited', status: 429, pool: null, server: null, how: null }),
  ev(3, 'web1', { role: 'server', target: '/x', client: '10.0.1.1', verdict: 'served', headers: [{ name: 'X-Forwarded-For', value: '6.6.6.6' }, { name: 'x-forwarded-for', value: '10.0.0.66' }] }),
];

function judge(c: Check) {
  return grade(input({ events }), [expectation('e', c)])[0]!;
}

describe('http expectations', () => {
  it('at least one matching request by default; filters combine', () => {
    const v = judge(check({ path: '/images/', pool: 'images', server: 'img1' }));
    expect([v.passed, v.message]).toEqual([true, 'expected at least 1 HTTP request at lb1 with path /images/*, pool images, server img1; found 1, the first at 0.000000s']);
    expect(judge(check({ path: '/images/', pool: 'web' })).passed).toBe(false);
  });

  it('counts with equals, at_least and at_most', () => {
    expect(judge(check({ equals: 3 })).passed).toBe(true);
    expect(judge(check({ verdict: 'cache-hit', equals: 1 })).passed).toBe(true);
    expect(judge(check({ status: 429, client: target('mallory', '10.0.0.66'), atMost: 0 })).passed).toBe(false);
    const v = judge(check({ verdict: 'no-server', equals: 0 }));
    expect([v.passed, v.message]).toEqual([true, 'expected exactly 0 HTTP requests at lb1 with verdict no-server; found 0']);
  });

  it('headers: every line of a field joined with ", ", names case-insensitive; an empty value means absent', () => {
    expect(judge(check({ node: 'web1', headers: [{ name: 'X-Forwarded-For', value: '6.6.6.6, 10.0.0.66' }] })).passed).toBe(true);
    const v = judge(check({ node: 'web1', headers: [{ name: 'X-Forwarded-For', value: '10.0.0.66' }] }));
    expect(v.passed).toBe(false);
    expect(v.message).toBe('expected at least 1 HTTP request at web1, each with X-Forwarded-For: 10.0.0.66; found 1 of 1 without it, the first at 0.000003s with X-Forwarded-For: 6.6.6.6, 10.0.0.66');
    expect(v.evidence.map((e) => e.text)).toEqual(['GET /x from 10.0.1.1 -> 200 served; X-Forwarded-For: 6.6.6.6, 10.0.0.66']);
    expect(judge(check({ node: 'web1', headers: [{ name: 'Forwarded', value: '' }] })).passed).toBe(true);
  });

  it('a failing count shows the requests that were there', () => {
    const v = judge(check({ node: 'lb1', verdict: 'bad-request' }));
    expect(v.passed).toBe(false);
    expect(v.message).toBe('expected at least 1 HTTP request at lb1 with verdict bad-request; found 0 (of 3 requests there)');
    expect(v.evidence).toHaveLength(3);
  });
});

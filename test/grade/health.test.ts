/**
 * The `health` and `server_stat` checks on hand-made inputs: lb-health
 * state events and per-server report numbers.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../src/grade/grade.js';
import type { Check } from '../../src/scenario/types.js';
import type { StateEvent } from '../../src/trace/events.js';
import type { GradeInput, ServiceCounts } from '../../src/grade/types.js';
import { expectation, input } from './helpers.js';
import { MS, SEC } from '../../src/sim/time.js';

const web2 = { lb: 'lb1', service: 'shop', server: 'web2' } as const;

function healthEvent(seq: number, t: number, health: 'up' | 'down', check = 'http', server = 'web2'): StateEvent {
  return { kind: 'state', t, seq, node: 'lb1', change: { what: 'lb-health', service: 'shop', server, health, check, reason: health === 'up' ? 'ok' : 'timeout' }, text: `lb1: shop/${server} is ${health}` };
}

const events = [healthEvent(0, 5833 * MS, 'down'), healthEvent(1, 10333 * MS, 'up'), healthEvent(2, 4 * SEC, 'down', 'http', 'web9')];

function judge(c: Check, i: GradeInput = input({ events })) {
  return grade(i, [expectation('x', c)])[0]!;
}

function health(o: Partial<Extract<Check, { kind: 'health' }>>): Check {
  return { kind: 'health', server: web2, goes: 'down', check: null, after: null, before: null, seen: true, ...o };
}

describe('health', () => {
  it('passes when the server goes down, in the window, by the check', () => {
    const v = judge(health({ check: 'http', after: 3 * SEC, before: 6500 * MS }));
    expect(v.passed).toBe(true);
    expect(v.message).toBe('expected lb1/shop/web2 to go down by its http check between 3.000000s and 6.500000s; its health changes: down at 5.833000s (http: timeout); up at 10.333000s (http: ok)');
    expect(v.evidence.map((e) => e.t)).toEqual([5833 * MS]);
  });

  it('fails outside the window, or for another check kind', () => {
    expect(judge(health({ before: 5 * SEC })).passed).toBe(false);
    expect(judge(health({ check: 'tcp' })).passed).toBe(false);
    expect(judge(health({ goes: 'up', after: 11 * SEC })).passed).toBe(false);
  });

  it('seen: false passes only when no such change happens; another server does not count', () => {
    expect(judge(health({ seen: false })).passed).toBe(false);
    expect(judge(health({ seen: false, check: 'tcp' })).passed).toBe(true);
    const none = judge(health({ server: { ...web2, server: 'web1' }, seen: false }));
    expect(none.passed).toBe(true);
    expect(none.message).toBe('expected lb1/shop/web1 never to go down; its health never changed');
  });
});

const services: ServiceCounts[] = [
  {
    lb: 'lb1',
    name: 'shop',
    servers: [
      { name: 'web1', weight: 1, served: 68, requests: 68, bytes: 8568, meanNs: 177_000, p99Ns: 219_000, transitions: 0 },
      { name: 'web2', weight: 1, served: 35, requests: 0, bytes: 0, meanNs: null, p99Ns: null, transitions: 2 },
    ],
  },
];

function stat(o: Partial<Extract<Check, { kind: 'server-stat' }>>): Check {
  return { kind: 'server-stat', server: { ...web2, server: 'web1' }, stat: 'connections', atMost: null, atLeast: null, equals: null, under: null, over: null, ...o };
}

describe('server_stat', () => {
  it('bounds counts', () => {
    const i = input({ services });
    expect(judge(stat({ atLeast: 60, atMost: 70 }), i).passed).toBe(true);
    const v = judge(stat({ atMost: 60 }), i);
    expect(v.passed).toBe(false);
    expect(v.message).toBe('expected the connections scheduled to lb1/shop/web1 to be at most 60; found 68');
    expect(judge(stat({ server: web2, stat: 'transitions', equals: 2 }), i).passed).toBe(true);
    expect(judge(stat({ stat: 'bytes', equals: 8568 }), i).passed).toBe(true);
  });

  it('bounds times strictly, and fails with a reason when there is no time', () => {
    const i = input({ services });
    expect(judge(stat({ stat: 'p99', under: 220_000 }), i).passed).toBe(true);
    expect(judge(stat({ stat: 'p99', under: 219_000 }), i).passed).toBe(false);
    expect(judge(stat({ stat: 'mean', over: 100_000 }), i).message).toBe('expected the mean response time of lb1/shop/web1 to be over 100us; found 177us');
    const none = judge(stat({ server: web2, stat: 'mean', under: SEC }), i);
    expect(none.passed).toBe(false);
    expect(none.message).toMatch(/no client request was answered by it/);
  });

  it('an unknown server fails', () => {
    expect(judge(stat({ server: { ...web2, server: 'web7' }, atLeast: 0 }), input({ services })).message).toMatch(/no such server/);
  });
});

/**
 * The DNS counters and flows to a DNS name, judged on a real run of the
 * dns-round-robin scenario: the numbers the run report prints, messages
 * that say what was counted, and evidence that points at the frames.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import { FullRecorder } from '../../src/trace/trace.js';
import { gradeInputOf } from '../../src/cli/check.js';
import { grade } from '../../src/grade/grade.js';
import type { Check, Expectation, Target } from '../../src/scenario/types.js';
import { ip } from '../../src/wire/addr.js';
import { fieldValue, fmtField } from '../../src/grade/fields.js';
import type { TxEvent } from '../../src/trace/events.js';

const loaded = loadScenario('scenarios/dns-round-robin.yaml', (p) => readFileSync(p, 'utf8'));
if (!loaded.ok) throw new Error('dns-round-robin does not load');
const built = buildScenario(loaded.scenario);
const rec = new FullRecorder(built.net.trace);
built.net.run();
const input = gradeInputOf(built, rec.events);

const pos = { file: 'x.yaml', line: 1, col: 1 };
const web = (n: number): Target => ({ text: `web${n}`, addr: ip(`10.0.1.1${n}`), kind: 'node', node: `web${n}`, detail: null });
function counter(name: Extract<Check, { kind: 'counter' }>['name'], node: string | null, equals: number, extra: { first?: Target; port?: number } = {}): Expectation {
  return { name: `${name} ${node}`, pos, check: { kind: 'counter', name, node, first: extra.first ?? null, port: extra.port ?? null, atMost: null, atLeast: null, equals } };
}

describe('DNS counters', () => {
  it('count what the run report counts', () => {
    const vs = grade(input, [
      counter('dns-queries', 'dns1', 12),
      counter('dns-queries', 'client1', 3),
      counter('dns-queries', null, 12),
      counter('dns-answers', 'dns1', 12),
      counter('dns-answers', 'client2', 3),
      counter('dns-answers', 'dns1', 4, { first: web(1) }),
      counter('dns-answers', 'dns1', 4, { first: web(3) }),
      counter('dns-cache-hits', 'client3', 9),
      counter('dns-cache-hits', null, 36),
      counter('requests', 'web1', 17),
      counter('requests', 'web1', 17, { port: 80 }),
      counter('requests', 'web1', 0, { port: 8080 }),
      counter('requests', null, 48),
    ]);
    expect(vs.filter((v) => !v.passed).map((v) => `${v.name}: ${v.message}`)).toEqual([]);
  });

  it('say what they counted, with the frames as evidence', () => {
    const [v] = grade(input, [counter('dns-answers', 'dns1', 5, { first: web(2) })]);
    expect(v!.passed).toBe(false);
    expect(v!.message).toBe('expected the DNS answers whose first address is web2 (10.0.1.12) at dns1 to equal 5; found 4');
    expect(v!.evidence[1]!.text).toBe('10.0.1.53:53 > 10.0.0.12:54566 DNS response A shop.example 10.0.1.12,10.0.1.13,10.0.1.11 ttl 10');
    const [h] = grade(input, [counter('dns-cache-hits', 'client1', 1)]);
    expect(h!.message).toBe('expected the DNS lookups answered from the cache at client1 to equal 1; found 9');
    expect(h!.evidence[1]!.text).toMatch(/^client1's resolver answers shop\.example from its cache/);
    const [r] = grade(input, [counter('requests', 'web3', 0, { port: 80 })]);
    expect(r!.message).toBe('expected the HTTP requests served on port 80 at web3 to equal 0; found 14');
  });
});

describe('flows to a DNS name', () => {
  const name: Target = { text: 'shop.example', addr: 0, kind: 'name', node: null, detail: null };
  it('are the clients that look the name up', () => {
    const [ok, miss] = grade(input, [
      { name: 'a', pos, check: { kind: 'flow', from: 'client4', to: name, port: null, outcome: 'completed' } },
      { name: 'b', pos, check: { kind: 'flow', from: 'client4', to: web(1), port: null, outcome: 'completed' } },
    ]);
    expect(ok!.message).toBe('expected every request from client4 to shop.example to end as completed; found completed 12 (of 12)');
    // Its requests went to web1 among others, but the client targets the name, not web1's address.
    expect(miss!.passed).toBe(false);
    expect(miss!.message).toMatch(/its apps send to shop\.example:80/);
  });
});

describe('dns.* frame fields', () => {
  it('read the DNS message of a UDP/53 datagram, and are absent elsewhere', () => {
    const tx = rec.events.filter((e): e is TxEvent => e.kind === 'tx');
    const query = tx.find((e) => e.node === 'client1' && fieldValue(e.frame.eth, 'dns.qr') === 0)!;
    const answer = tx.find((e) => e.node === 'dns1' && fieldValue(e.frame.eth, 'dns.qr') === 1)!;
    expect(['dns.qr', 'dns.rcode', 'dns.ancount', 'dns.a', 'dns.ttl'].map((f) => fmtField(f, fieldValue(answer.frame.eth, f)))).toEqual(['1', '0', '3', '10.0.1.11', '10']);
    expect(fieldValue(answer.frame.eth, 'dns.id')).toBe(fieldValue(query.frame.eth, 'dns.id'));
    expect(fieldValue(query.frame.eth, 'dns.a')).toBeNull();
    const syn = tx.find((e) => e.node === 'client1' && fieldValue(e.frame.eth, 'tcp.flags') === 'S')!;
    expect(fieldValue(syn.frame.eth, 'dns.qr')).toBeNull();
  });
});

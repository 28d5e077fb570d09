/**
 * The grader end to end: scenario files loaded, built, run and graded as
 * `lblab check` does. Every built-in scenario's expectations pass; the
 * fixtures' deliberately wrong expectations fail with the right sentence,
 * evidence and position.
 */
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../src/cli/check.js';
import { BUILTIN_DIR, builtinNames } from '../../src/cli/scenarios.js';

const FIXTURES = relative(process.cwd(), join(import.meta.dirname, 'fixtures'));

describe('built-in scenarios', () => {
  const names = builtinNames();
  it('exist', () => {
    expect(names.length).toBeGreaterThan(0);
  });
  for (const name of names) {
    it(`${name}: every expectation passes`, () => {
      const r = checkFile(join(BUILTIN_DIR, `${name}.yaml`), {});
      expect(r.error).toBeNull();
      const failed = r.verdicts.filter((v) => !v.passed).map((v) => `${v.name}: ${v.message}`);
      expect(failed).toEqual([]);
    });
  }

  it('one-arm-bug: the verdicts read as documented', () => {
    const r = checkFile(join(BUILTIN_DIR, 'one-arm-bug.yaml'), {});
    const byName = new Map(r.verdicts.map((v) => [v.name, v]));
    expect(byName.get('connect() times out')?.message).toBe('expected every connection attempt from client to vip:shop (10.0.1.100) to end as timeout; found timeout 1 (of 1)');
    const synack = byName.get('the SYN-ACK comes from web1 itself')!;
    expect(synack.message).toMatch(/^expected the first frame matching tcp\.flags=SA at client:eth0 to have ip\.src=web1 \(10\.0\.1\.11\); found it does \(at 0\.\d+s, the first of \d+\)$/);
    expect(synack.evidence).toHaveLength(1);
    expect(synack.evidence[0]!.place).toBe('client:eth0');
    expect(synack.evidence[0]!.text).toMatch(/^received: 10\.0\.1\.11:80 > 10\.0\.0\.10:\d+ TCP \[S\.\]/);
  });
});

describe('deliberately wrong expectations', () => {
  const r = checkFile(join(FIXTURES, 'wrong.yaml'), {});
  const v = (name: string) => r.verdicts.find((x) => x.name === name)!;

  it('run and are graded in file order', () => {
    expect(r.error).toBeNull();
    expect(r.verdicts.map((x) => [x.name, x.passed])).toEqual([
      ['the TTL is kept', false],
      ['the closed port accepts', false],
      ['the router drops', false],
      ['no RST reaches the client', false],
      ['the ping is routed', true],
    ]);
  });

  it('a frame field: the sentence, the deciding frame and the position', () => {
    const ttl = v('the TTL is kept');
    expect(ttl.message).toBe('expected the first frame matching icmp.type=8 at web1:eth0 to have ip.ttl=64; found ip.ttl=63 (at 0.000127360s, the first of 2)');
    expect(ttl.evidence).toEqual([{ t: 127360, place: 'web1:eth0', text: 'received: 10.0.1.10 > 10.0.2.11 ICMP echo request id=26839 seq=1', seq: expect.any(Number), frame: expect.any(Number) }]);
    expect(ttl.pos).toEqual({ file: join(FIXTURES, 'wrong.yaml'), line: 40, col: 5 });
  });

  it('a flow outcome, with the attempt', () => {
    const flow = v('the closed port accepts');
    expect(flow.message).toBe('expected every connection attempt from client1 to web2 (10.0.2.12) port 80 to end as completed; found refused 1 (of 1)');
    expect(flow.evidence.map((e) => `${e.place} | ${e.text}`)).toEqual(['client1 tcp-connect 0 | connection attempt 0 started at 0.300000s, ended at 0.300126592s: refused (ECONNREFUSED)']);
  });

  it('a drop that never happens, and a frame that should not be seen', () => {
    expect(v('the router drops').message).toBe('expected a drop with code arp-failed at r1; found none; there was no drop at r1 at all');
    const rst = v('no RST reaches the client');
    expect(rst.message).toBe('expected no frame matching tcp.flags=RA at client1:eth0; found 1, the first at 0.300126592s');
    expect(rst.evidence[0]!.text).toMatch(/^received: 10\.0\.2\.12:80 > 10\.0\.1\.10:\d+ TCP \[R\.\] seq=0/);
  });

  it('resolves a MAC the network allocated (mac-of)', () => {
    expect(v('the ping is routed').message).toBe('expected the first frame matching icmp.type=8 at web1:eth0 to have eth.src=r1:eth1 (00:00:00:00:00:03); found it does (at 0.000127360s, the first of 2)');
  });
});

describe('an LB losing a server', () => {
  const r = checkFile(join(FIXTURES, 'lb-failover.yaml'), {});
  const v = (name: string) => r.verdicts.find((x) => x.name === name)!;

  it('distribution reads the LB counts', () => {
    const d = v('even spread');
    expect(d.passed).toBe(true);
    expect(d.message).toBe("expected lb1/shop's new connections spread over web1, web2 by weight (50%, 50%) within 0%; found web1 6 (50%), web2 6 (50%) of 12");
    expect(d.evidence.map((e) => e.text)).toEqual(['web1: 6 connections (50%), weight 1 (expected 50%)', 'web2: 6 connections (50%), weight 1 (expected 50%)']);
  });

  it('failover gap: the two requests around the longest gap', () => {
    expect(v('short gaps').passed).toBe(true);
    const tight = v('tight gaps');
    expect(tight.passed).toBe(false);
    expect(tight.message).toBe(
      "expected the longest time without a completed request of client to be less than 500ms; found 1.400264s, between client's request 5 (completed at 1.001754592s) and client's request 7 (completed at 2.402018992s)",
    );
    expect(tight.evidence.map((e) => e.text)).toEqual([
      'request 5 started at 1.001490192s, ended at 1.001754592s: completed (web2)',
      'request 7 started at 2.401754592s, ended at 2.402018992s: completed (web2)',
    ]);
  });

  it('flow: the requests to the failed server time out (max-time)', () => {
    const f = v('all complete');
    expect(f.message).toBe('expected every request from client to vip:shop (10.0.1.100) port 80 to end as completed; found completed 9, timeout 3 (of 12)');
    expect(f.evidence.every((e) => e.text.endsWith('timeout (max-time)'))).toBe(true);
  });

  it('the seed and --until change the run', () => {
    const cut = checkFile(join(FIXTURES, 'lb-failover.yaml'), { until: 1_500_000_000, seed: 7 });
    expect(cut.seed).toBe(7);
    expect(cut.stopped).toMatch(/^stopped at 1\.500000s as asked; \d+ events still pending\.$/);
    const f = cut.verdicts.find((x) => x.name === 'all complete')!;
    expect(f.message).toMatch(/found completed \d+, pending 1 \(of \d+\)$/);
  });
});

describe('a scenario that cannot be loaded', () => {
  it('reports the loader errors instead of verdicts', () => {
    const r = checkFile(join(FIXTURES, 'broken.yaml'), {});
    expect(r.verdicts).toEqual([]);
    expect(r.error).toContain('broken.yaml:7:5: error: unknown key `gatway` in a host; did you mean `gateway`?');
  });
});

describe('replayed flows are flows', () => {
  it('a flow expectation sees the TCP flows a replay plays from the captured client, with their outcomes', () => {
    const r = checkFile(join(FIXTURES, 'replay-flows.yaml'), {});
    expect(r.error).toBeNull();
    const [bad, good] = r.verdicts;
    expect(bad!.passed).toBe(false);
    expect(bad!.message).toBe('expected every replayed flow from client to vip:shop (10.0.1.100) port 80 to end as reset; found completed 3 (of 3)');
    expect(bad!.evidence.map((e) => e.text)).toEqual([expect.stringMatching(/^replayed flow 0 started at 0\.\d+s/), expect.stringMatching(/^replayed flow 1 /), expect.stringMatching(/^replayed flow 2 /)]);
    expect(good!.passed).toBe(true);
  });
});

/**
 * The ladder diagram: a whole small flow compared character for character,
 * then rewrites on arrows, drop markers, time gaps, switches, width, ASCII
 * and colour on the built-in scenarios.
 */
import { describe, expect, it } from 'vitest';
import { findFlows } from '../../src/view/flows.js';
import { renderLadder } from '../../src/view/ladder.js';
import { refusedLan, runBuiltin } from './helpers.js';

const GOLDEN = `flow 1: client 10.0.0.1:38660 -> 10.0.0.2:80 TCP: reset by server;
connection refused

               client                      server
                 │                           │
 0.000000000s    • CLOSED -> SYN_SENT (connect() sends a SYN)
                 • waits for ARP: 10.0.0.2 is-at 00:00:00:00:00:03 after
                 │ 42.048us                  │
 0.000042048s    │ 10.0.0.1:38660 > 10.0.0.2:80 TCP [S] seq=766332454
                 │ win=64240 len=0           │
                 ├──────────────────────────>│
 0.000063296s    │                           ✗ tcp-no-socket: nothing
                 │                           │ listens on TCP port 80 of
                 │                           │ server (10.0.0.2); it
                 │                           │ answers the SYN from
                 │                           │ 10.0.0.1:38660 with
                 │                           │ RST|ACK
                 │ 10.0.0.2:80 > 10.0.0.1:38660 TCP [R.] seq=0
                 │ ack=766332455 win=0 len=0 │
                 │<──────────────────────────┤
 0.000084320s    • SYN_SENT -> CLOSED (10.0.0.2:80 refused the
                 │ connection (RST|ACK): ECONNREFUSED)
                 │                           │
`;

const width = (s: string): number => Math.max(...s.split('\n').map((l) => [...l].length));

describe('ladder', () => {
  it('draws a small flow exactly', () => {
    const f = findFlows(refusedLan().events)[0]!;
    expect(renderLadder(f, { width: 72 })).toBe(GOLDEN);
    // Deterministic: a second run of the same network draws the same text.
    expect(renderLadder(findFlows(refusedLan().events)[0]!, { width: 72 })).toBe(GOLDEN);
  });

  it('writes a rewrite on the arrow leaving the rewriting node, with the fields before -> after', () => {
    const { flows, opts } = runBuiltin('one-arm-bug');
    const text = renderLadder(flows[0]!, opts);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('lb-dnat: ip.dst 10.0.1.100 -> 10.0.1.11, checksums updated'));
    expect(at).toBeGreaterThan(0);
    // The next line is the arrow from lb1 to web1, the code written on it.
    expect(lines[at + 1]).toMatch(/│ +│ +├─+ lb-dnat ─+>│$/);
    // Columns in path order, client first, switches hidden.
    expect(lines[3]!.trim().split(/\s+/)).toEqual(['client', 'r1', 'lb1', 'web1']);
  });

  it('shows a rewrite that only changes MAC addresses (DSR) by the frame it sent', () => {
    const { flows, opts } = runBuiltin('mode-dsr');
    const text = renderLadder(flows[0]!, opts);
    const joined = text.replace(/[ │]*\n[ │]*/g, ' '); // wrapped labels continue after the lifelines
    expect(joined).toMatch(/lb-dsr: eth\.src [0-9a-f:]+ -> [0-9a-f:]+, eth\.dst [0-9a-f:]+ -> [0-9a-f:]+ \(the IP packet unchanged\)/);
    expect(text).not.toContain('no header change');
  });

  it('marks drops at their node with the code and sentence', () => {
    const { flows, opts } = runBuiltin('one-arm-bug');
    const text = renderLadder(flows[0]!, opts);
    const drops = text.split('\n').filter((l) => l.includes('✗'));
    expect(drops).toHaveLength(11);
    expect(drops[0]).toMatch(/^ +0\.000274432s +✗ tcp-no-socket: client has no connection from 10\.0\.1\.11:80 \(it called/);
  });

  it('cuts quiet stretches with a "later" line, so the retries stay readable', () => {
    const { flows, opts } = runBuiltin('one-arm-bug');
    const text = renderLadder(flows[0]!, opts);
    expect(text).toContain('⋮ ... 0.999683520s later ...');
    // Before each of the 10 retries, before the LB forgets the entry (127 s) and before the timeout (131 s).
    expect(text.split('\n').filter((l) => l.includes(' later ...'))).toHaveLength(12);
    expect(text).toMatch(/131\.000000000s +• SYN_SENT -> CLOSED \(no answer to 11 SYNs: ETIMEDOUT\)/);
  });

  it('shows switches as columns only when asked', () => {
    const { flows, opts } = runBuiltin('one-arm-bug');
    const hidden = renderLadder(flows[0]!, opts);
    const shown = renderLadder(flows[0]!, { ...opts, switches: true });
    expect(hidden.split('\n')[3]).not.toContain('sw1');
    expect(shown.split('\n')[3]!.trim().split(/\s+/)).toEqual(['client', 'sw1', 'r1', 'sw2', 'lb1', 'web1']);
    // Without the scenario's list of switches, they are recognised from the trace.
    expect(renderLadder(flows[0]!, { peers: opts.peers })).toBe(hidden);
    expect(renderLadder(flows[0]!, {})).toBe(hidden);
  });

  it('stays within the width it is given', () => {
    for (const name of ['one-arm-bug', 'same-subnet-vip', 'nat-gateway', 'two-subnets', 'routing-loop']) {
      const { flows, opts } = runBuiltin(name);
      for (const f of flows) {
        for (const w of [60, 80, 100, 140]) {
          const text = renderLadder(f, { ...opts, width: w });
          expect(width(text), `${name} flow ${f.n} at ${w}`).toBeLessThanOrEqual(w);
        }
      }
    }
    const f = runBuiltin('one-arm-bug').flows[0]!;
    expect(width(renderLadder(f, { width: 140 }))).toBeGreaterThan(100); // the columns spread out
  });

  it('draws with ASCII only when asked, and colours only when asked', () => {
    const { flows, opts } = runBuiltin('same-subnet-vip');
    const ascii = renderLadder(flows[1]!, { ...opts, ascii: true });
    expect(ascii).toMatch(/^[\x20-\x7e\n]*$/);
    expect(ascii).toMatch(/\+-+ lb-dnat -+>\|/);
    expect(ascii).toContain('x tcp-no-socket');
    expect(ascii).toContain('<------');
    const plain = renderLadder(flows[1]!, opts);
    expect(plain).not.toContain('\x1b[');
    const colour = renderLadder(flows[1]!, { ...opts, color: true });
    expect(colour).toContain('\x1b[');
    expect(colour.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
  });
});

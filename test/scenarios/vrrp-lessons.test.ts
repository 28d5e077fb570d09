/**
 * The VRRP lesson pages quote hop lines from real runs: every line of
 * their "The frames that matter" block must appear, as printed by
 * `lblab run --no-color` (spacing aside), in a run of the scenario.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildScenario } from '../../src/assemble/scenario.js';
import { loadFromDisk, locate } from '../../src/cli/scenarios.js';
import { HopLines } from '../../src/view/hop-lines.js';
import type { TraceEvent } from '../../src/trace/events.js';

const ROOT = join(import.meta.dirname, '../..');
const NAMES = ['vrrp-master-dies', 'vrrp-master-link-dies', 'vrrp-preemption', 'vrrp-split-brain', 'vrrp-conn-sync', 'vrrp-no-sync', 'vrrp-vmac'];
const squeeze = (s: string): string => s.trim().replace(/ +/g, ' ');

describe('VRRP lesson pages quote real runs', () => {
  test.each(NAMES)('%s', (name) => {
    const r = loadFromDisk(locate(name)!);
    if (!r.ok) throw new Error(`${name} does not load`);
    const built = buildScenario(r.scenario, { readBinary: (p) => readFileSync(p) });
    const peers = new Map<string, string>();
    for (const l of built.net.links.values()) {
      peers.set(l.a.label, l.b.label);
      peers.set(l.b.label, l.a.label);
    }
    const view = new HopLines({ color: false, verbose: false, macs: false, peers });
    const lines = new Set<string>();
    built.net.trace.listen((ev: TraceEvent) => {
      const l = view.line(ev);
      if (l !== null) for (const part of l.split('\n')) lines.add(squeeze(part));
    });
    built.net.run(r.scenario.run.until ?? undefined);
    const page = readFileSync(join(ROOT, 'docs/lessons', `${name}.md`), 'utf8');
    const block = page.split('## The frames that matter')[1]!.split('```')[1]!;
    const quoted = block.split('\n').map(squeeze).filter((l) => l !== '');
    expect(quoted.length).toBeGreaterThan(3);
    for (const q of quoted) expect(lines.has(q), q).toBe(true);
  });
});

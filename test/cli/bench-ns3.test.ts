/**
 * The project's own ns-3 comparison program (src/bench/ns3) and how
 * `lblab bench --ns3` finds or builds it: a missing program or a failed
 * build stops the command with the reason and a non-zero exit. When Debian's
 * libns3-dev is installed, the program is built and run on small sizes and
 * its counts are checked against the workload's formulas (src/bench/workload.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ns3Args } from '../../src/bench/matrix.js';
import { ns3Hops, type BenchSpec } from '../../src/bench/workload.js';
import { NS3_MODULES, resolveNs3 } from '../../src/cli/bench.js';

const SRC = path.resolve('src/bench/ns3/lblab_ns3.cc');
const haveNs3 = spawnSync('pkg-config', ['--exists', ...NS3_MODULES]).status === 0 && spawnSync('g++', ['--version']).status === 0;

describe('bench --ns3', () => {
  it('ships the program inside the repository', () => {
    expect(existsSync(SRC)).toBe(true);
  });

  it('names a missing program and a missing source', () => {
    expect(resolveNs3('/nonexistent/lblab_ns3', () => {})).toEqual({ error: expect.stringMatching(/\/nonexistent\/lblab_ns3 does not exist; pass --ns3 build/) });
    expect(resolveNs3('build', () => {}, '/nonexistent/x.cc')).toEqual({ error: expect.stringMatching(/source \/nonexistent\/x\.cc is missing/) });
  });

  it('exits non-zero with the apt-get line when the ns-3 tool chain is missing', () => {
    // An empty PATH: no pkg-config, no g++.
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'bench', '--ns3', 'build', '--quick'], { encoding: 'utf8', env: { PATH: '/nonexistent', NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ns-3: pkg-config is not installed; install them with: apt-get install -y libns3-dev libgsl-dev g++ pkg-config');
    expect(r.stdout).toBe('');
  });

  it.skipIf(!haveNs3)('builds the program and it makes exactly the workload frame-hops', { timeout: 900_000 }, () => {
    const r = resolveNs3('build', () => {});
    if ('error' in r) throw new Error(r.error);
    try {
      const specs: BenchSpec[] = [
        { topo: 'lan', clients: 4, servers: 2, packets: 5, arp: 'dynamic' },
        { topo: 'router', clients: 4, servers: 2, packets: 5, arp: 'dynamic' },
        { topo: 'lan', clients: 4, servers: 2, packets: 5, arp: 'static' },
        { topo: 'router', clients: 6, servers: 3, packets: 2, arp: 'static' },
      ];
      for (const s of specs) {
        const run = spawnSync(r.bin, [...ns3Args(s), '--verify=1'], { encoding: 'utf8' });
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
        const j = JSON.parse(run.stdout) as Record<string, number>;
        const hops = ns3Hops(s);
        expect({ sent: j.sent, echoed: j.echoed, data: j.hops_data, ctrl: j.hops_ctrl, counted: j.v_tx_frames }).toEqual({
          sent: s.clients * s.packets,
          echoed: s.clients * s.packets,
          data: hops.data,
          ctrl: hops.ctrl,
          counted: hops.data + hops.ctrl,
        });
      }
    } finally {
      rmSync(path.dirname(r.bin), { recursive: true, force: true });
    }
  });
});

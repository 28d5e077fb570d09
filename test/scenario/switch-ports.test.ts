/**
 * A name of a switch port that does not exist (`sw1:p9`) is answered with
 * the switch's ports and what is plugged into each, since ports a link took
 * automatically are written nowhere; `lblab validate --ports` lists them all.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/index.js';

const TEXT = [
  'lblab: 1',
  'title: ports',
  'nodes:',
  '  sw1: { kind: switch, ports: { up: { mode: trunk } } }',
  '  a: { kind: host, interfaces: { eth0: 10.0.0.1/24 } }',
  '  b: { kind: host, interfaces: { eth0: 10.0.0.2/24 } }',
  'links:',
  '  - [a:eth0, sw1]',
  '  - [sw1, b:eth0]',
  'expect:',
  '  - { name: x, frame: { at: "sw1:p9" }, has: { ip.src: a } }',
  '',
].join('\n');

describe('switch ports', () => {
  it('an unknown port lists the ports with what is plugged into each', () => {
    const r = parseScenario(TEXT, 's.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.line, e.col, e.message])).toEqual([[11, 29, 'sw1 has no port `p9`; its ports: up (free), p1 (a:eth0), p2 (b:eth0)']]);
  });

  it('validate --ports prints every port, its VLAN and its peer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lblab-ports-'));
    try {
      writeFileSync(join(dir, 's.yaml'), TEXT.replace('sw1:p9', 'sw1:p2'));
      const r = spawnSync(process.execPath, ['dist/cli/main.js', 'validate', '--ports', join(dir, 's.yaml')], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n').slice(1)).toEqual([
        '  sw1: 3 ports',
        '    up  free              trunk native 1',
        '    p1  a:eth0            access vlan 1, auto (in no ports list)',
        '    p2  b:eth0            access vlan 1, auto (in no ports list)',
        '',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

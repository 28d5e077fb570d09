/**
 * The live section of a scenario: attachments that `lblab live` binds to
 * real devices. An attached interface must exist and have no link (a new
 * switch port is fine); the errors name the line and column.
 */
import { describe, expect, test } from 'vitest';
import { formatErrors, parseScenario } from '../../src/scenario/index.js';

const BASE = `lblab: 1
title: live
nodes:
  r1: { kind: router, interfaces: { eth0: 10.0.0.1/24, eth1: 10.0.1.1/24 } }
  sw2: { kind: switch }
  web1: { kind: host, interfaces: { eth0: 10.0.1.11/24 }, gateway: 10.0.1.1 }
links:
  - [r1:eth1, sw2]
  - [web1:eth0, sw2]
`;

const parse = (live: string) => parseScenario(`${BASE}live:\n  attach:\n${live}`, 'lab.yaml');

describe('the live section', () => {
  test('resolves its attachments, and the attached interface draws no "not linked" warning', () => {
    const r = parse('    - { at: r1:eth0, device: lbl-c0 }\n    - { at: sw2:real1, device: lbl-s1 }\n');
    if (!r.ok) throw new Error(formatErrors(r.errors));
    expect(r.scenario.live).toEqual([
      { node: 'r1', iface: 'eth0', device: 'lbl-c0', pos: { file: 'lab.yaml', line: 12, col: 7 } },
      { node: 'sw2', iface: 'real1', device: 'lbl-s1', pos: { file: 'lab.yaml', line: 13, col: 7 } },
    ]);
    expect(r.warnings.map((w) => w.message)).toEqual([]);
  });

  test('is empty when absent, and the unlinked interface is warned about as before', () => {
    const r = parseScenario(BASE, 'lab.yaml');
    if (!r.ok) throw new Error(formatErrors(r.errors));
    expect(r.scenario.live).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toEqual(['interface r1:eth0 is not linked to anything']);
  });

  test('refuses a linked interface, with the way out', () => {
    const r = parse('    - { at: web1:eth0, device: lbl-c0 }\n    - { at: sw2:p1, device: lbl-c1 }\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatErrors(r.errors)).toContain('lab.yaml:12:13: error: web1:eth0 is linked in this scenario; remove that link: the real device takes its place');
    expect(r.errors.map((e) => [e.code, e.line, e.message])).toEqual([
      ['live-linked', 12, 'web1:eth0 is linked in this scenario; remove that link: the real device takes its place'],
      ['live-linked', 13, 'sw2:p1 is linked in this scenario; attach a port no link uses, such as sw2:real2'],
    ]);
  });

  test('names an unknown node or interface, with the closest name', () => {
    const r = parse('    - { at: r2:eth0, device: lbl-c0 }\n    - { at: r1:eht0, device: lbl-c1 }\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.code, e.line])).toEqual([
      ['unknown-name', 12],
      ['unknown-name', 13],
    ]);
    expect(r.errors[1]!.message).toBe('r1 has no interface `eht0`; did you mean `eth0`?');
  });

  test('refuses one device for two interfaces, and a name Linux would not take', () => {
    const twice = parse('    - { at: r1:eth0, device: lbl-c0 }\n    - { at: sw2:real1, device: lbl-c0 }\n');
    expect(twice.ok).toBe(false);
    if (!twice.ok) expect(twice.errors.map((e) => [e.code, e.line, e.message])).toEqual([['live-device-twice', 13, 'lbl-c0 is attached already (live.attach[0]); one device carries one simulated interface']]);
    const bad = parse('    - { at: r1:eth0, device: a-name-far-too-long }\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(formatErrors(bad.errors)).toMatch(/lab\.yaml:12:30: error: expected a Linux device name, found `a-name-far-too-long`; at most 15 letters/);
  });
});

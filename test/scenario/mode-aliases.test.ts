/**
 * The other names of the forwarding modes (IPVS's masquerade, full NAT,
 * direct routing, tun) are read as the mode they name, in a service and in
 * a timeline mode change; a misspelling suggests the right one, never the
 * mode with the bug (`fullnat` used to suggest `nat`).
 */
import { describe, expect, it } from 'vitest';
import { formatErrors, parseScenario } from '../../src/scenario/index.js';

function scenario(mode: string, later = 'nat'): string {
  return [
    'lblab: 1',
    'title: aliases',
    'nodes:',
    '  lb1:',
    '    kind: lb',
    '    interfaces: { eth0: 10.0.1.5/24 }',
    '    services:',
    '      shop:',
    '        vip: 10.0.1.100',
    '        port: 80',
    `        mode: ${mode}`,
    '        servers: [10.0.1.11]',
    'timeline:',
    `  - at: 1s`,
    `    mode: { service: lb1/shop, value: ${later} }`,
    '',
  ].join('\n');
}

describe('mode aliases', () => {
  it.each([
    ['masquerade', 'nat'],
    ['fullnat', 'snat'],
    ['full-nat', 'snat'],
    ['dr', 'dsr'],
    ['direct-routing', 'dsr'],
    ['tun', 'tunnel'],
  ])('%s is %s', (alias, mode) => {
    const r = parseScenario(scenario(alias, alias), 'a.yaml');
    if (!r.ok) throw new Error(formatErrors(r.errors));
    const lb = r.scenario.nodes.find((n) => n.name === 'lb1');
    expect(lb?.kind === 'lb' ? lb.services.map((s) => s.mode) : null).toEqual([mode]);
    expect(r.scenario.timeline.map((t) => (t.action.kind === 'mode' ? t.action.value : null))).toEqual([mode]);
  });

  it.each([
    ['fulnat', 'fullnat'],
    ['full_nat', 'fullnat'],
    ['masqerade', 'masquerade'],
    ['dssr', 'dsr'],
  ])('%s suggests %s, and the list names the real modes only', (typo, meant) => {
    const r = parseScenario(scenario(typo), 'a.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message)).toEqual([
      `unknown mode \`${typo}\`; expected \`nat\`, \`snat\`, \`dsr\`, \`tunnel\` or \`transparent\`; did you mean \`${meant}\`?`,
    ]);
  });
});

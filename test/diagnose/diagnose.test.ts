/**
 * The detectors of src/diagnose on the built-in scenarios: each bug
 * scenario reports exactly its own finding, with the events that show it;
 * its fix, applied to a copy of the file and re-run, removes it and lets
 * every flow complete; and no other built-in scenario reports anything.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnoseFile, previewFix } from '../../src/cli/diagnose.js';
import { checkFile } from '../../src/cli/check.js';
import { BUILTIN_DIR, builtinNames } from '../../src/cli/scenarios.js';
import { applyChanges, lineDiff, pathText } from '../../src/diagnose/fix.js';
import { DETECTORS, FINDING_IDS } from '../../src/diagnose/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** Each bug scenario, the finding it must report, and where, and an evidence line each must cite. */
const BUGS: readonly { file: string; id: string; where: string; cites: RegExp[] }[] = [
  { file: join(BUILTIN_DIR, 'one-arm-bug.yaml'), id: 'one-arm-return-path', where: 'lb1/shop', cites: [/^lb-dnat: /, /^tcp-no-socket: client has no connection from 10\.0\.1\.11:80/] },
  { file: join(BUILTIN_DIR, 'same-subnet-vip.yaml'), id: 'same-subnet-vip', where: 'lb1/shop', cites: [/^lb-dnat: .*10\.0\.1\.12:\d+ > 10\.0\.1\.100:80/, /^tcp-no-socket: web2 /] },
  { file: join(BUILTIN_DIR, 'dsr-arp-race.yaml'), id: 'dsr-arp-unsuppressed', where: 'web1, web2', cites: [/ARP 10\.0\.1\.100 is-at 00:00:00:00:00:0b/] },
  { file: join(BUILTIN_DIR, 'dsr-keep-source-mac.yaml'), id: 'dsr-keep-source-mac', where: 'lb1/shop', cites: [/^lb-dsr: /, /^not-for-me: /] },
  { file: join(FIXTURES, 'transparent-no-forward.yaml'), id: 'lb-ip-forward-off', where: 'lb1', cites: [/^ip-forward-off: lb1 rewrote the packet for web1/] },
];

describe('diagnose on the bug scenarios', () => {
  for (const bug of BUGS) {
    it(`${bug.id}: found with its evidence, and its fix removes it`, { timeout: 120_000 }, () => {
      const d = diagnoseFile(bug.file);
      if (!d.ok) throw new Error(d.error);
      expect(d.findings.map((f) => [f.id, f.where])).toEqual([[bug.id, bug.where]]);
      const f = d.findings[0]!;
      expect(FINDING_IDS).toContain(f.id);
      for (const re of bug.cites) expect(f.evidence.some((e) => re.test(e.text) && e.seq !== null && e.t !== null)).toBe(true);
      expect(f.fix.changes.length).toBeGreaterThan(0);
      const p = previewFix(bug.file, readFileSync(bug.file, 'utf8'), f);
      expect(p.error).toBeNull();
      expect(p.after).toEqual({ gone: true, findings: [], flows: { completed: p.after!.flows.total, total: p.after!.flows.total } });
      expect(p.after!.flows.total).toBeGreaterThan(0);
      // The diff changes only lines the fix is about: one removed line per changed line, at most.
      expect(p.diff.filter((l) => l.startsWith('- ')).length).toBeLessThanOrEqual(f.fix.changes.length);
    });
  }

  it('one-arm: the fix is full NAT on the service, and the diff shows that one word', { timeout: 120_000 }, () => {
    const file = join(BUILTIN_DIR, 'one-arm-bug.yaml');
    const d = diagnoseFile(file);
    if (!d.ok) throw new Error(d.error);
    const f = d.findings[0]!;
    expect(f.fix.changes).toEqual([{ path: ['nodes', 'lb1', 'services', 'shop', 'mode'], value: 'snat' }]);
    const diff = previewFix(file, readFileSync(file, 'utf8'), f).diff;
    expect(diff.filter((l) => /^[-+] /.test(l))).toEqual([
      '-       shop: { vip: 10.0.1.100, port: 80, mode: nat, scheduler: rr, servers: [web1, web2] }',
      '+       shop: { vip: 10.0.1.100, port: 80, mode: snat, scheduler: rr, servers: [ web1, web2 ] }',
    ]);
    expect(d.flows).toEqual({ completed: 0, total: 1 });
  });
});

describe('no false positives', () => {
  const bugFiles = new Set(BUGS.map((b) => b.file));
  // One test per scenario, with room for a slow machine: a run takes a fraction of a second on an idle one.
  for (const name of builtinNames()) {
    const file = join(BUILTIN_DIR, `${name}.yaml`);
    if (bugFiles.has(file)) continue;
    it(`${name} reports no finding`, { timeout: 120_000 }, () => {
      const d = diagnoseFile(file);
      if (!d.ok) throw new Error(d.error);
      expect(d.findings.map((f) => `${f.id} at ${f.where}`)).toEqual([]);
    });
  }
});

describe('the fix editor', () => {
  const text = '# a lesson\nnodes:\n  lb1:\n    kind: lb          # aligned comment\n    services:\n      shop: { vip: 10.0.1.100, port: 80, mode: nat }\n  web1: { kind: host }\n';
  it('sets a key path and keeps every other line as written', () => {
    const r = applyChanges(text, [
      { path: ['nodes', 'lb1', 'services', 'shop', 'mode'], value: 'snat' },
      { path: ['nodes', 'web1', 'sysctls', 'net.ipv4.ip_forward'], value: 1 },
    ]);
    if (!r.ok) throw new Error(r.error);
    expect(r.text).toBe(
      '# a lesson\nnodes:\n  lb1:\n    kind: lb          # aligned comment\n    services:\n      shop: { vip: 10.0.1.100, port: 80, mode: snat }\n  web1: { kind: host, sysctls: { net.ipv4.ip_forward: 1 } }\n',
    );
    expect(lineDiff(text, r.text, 0)).toEqual([
      '@@ line 6',
      '-       shop: { vip: 10.0.1.100, port: 80, mode: nat }',
      '-   web1: { kind: host }',
      '+       shop: { vip: 10.0.1.100, port: 80, mode: snat }',
      '+   web1: { kind: host, sysctls: { net.ipv4.ip_forward: 1 } }',
    ]);
  });
  it('refuses a path through a list, naming it', () => {
    const r = applyChanges('nodes: [a, b]\n', [{ path: ['nodes', 'lb1', 'mode'], value: 'snat' }]);
    expect(r).toEqual({ ok: false, error: 'nodes is not a map in the file, so nodes.lb1.mode cannot be set' });
  });
  it('quotes dotted keys in the path people read', () => {
    expect(pathText(['nodes', 'web1', 'sysctls', 'net.ipv4.conf.all.arp_ignore'])).toBe('nodes.web1.sysctls."net.ipv4.conf.all.arp_ignore"');
  });
  it('every detector has a distinct id among the finding ids', () => {
    expect(new Set(DETECTORS.map((d) => d.id)).size).toBe(DETECTORS.length);
    for (const d of DETECTORS) expect(FINDING_IDS).toContain(d.id);
  });
});

describe('check: { diagnose: <id> } and { diagnose: none }', () => {
  it('grades a finding present, a finding absent, none, and an unknown id', { timeout: 120_000 }, () => {
    const text = readFileSync(join(FIXTURES, 'transparent-no-forward.yaml'), 'utf8').replace(
      /\nexpect:\n[\s\S]*$/,
      '\nexpect:\n  - { name: found, diagnose: lb-ip-forward-off }\n  - { name: absent, diagnose: one-arm-return-path }\n  - { name: clean, diagnose: none }\n  - { name: typo, diagnose: ip-forward }\n',
    );
    const dir = mkdtempSync(join(tmpdir(), 'lblab-diagnose-'));
    try {
      const file = join(dir, 'lesson.yaml');
      writeFileSync(file, text);
      const r = checkFile(file, {});
      expect(r.error).toBeNull();
      expect(r.verdicts.map((v) => [v.name, v.passed, v.message])).toEqual([
        ['found', true, 'diagnose found lb-ip-forward-off at lb1'],
        ['absent', false, 'diagnose did not find one-arm-return-path; it found lb-ip-forward-off at lb1'],
        ['clean', false, 'diagnose found 1: lb-ip-forward-off at lb1'],
        ['typo', false, `no detector has the id "ip-forward"; the ids are ${FINDING_IDS.join(', ')} (docs/diagnose.md)`],
      ]);
      expect(r.verdicts[0]!.evidence[0]!.text).toMatch(/^ip-forward-off: lb1 rewrote the packet/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

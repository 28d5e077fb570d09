/**
 * The CLI as a user runs it: spawned with node, exit codes and output checked.
 * `npm test` compiles dist/ first, so these run the current code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function lblab(...args: string[]) {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('lblab CLI', () => {
  it('runs the default scenario, the same-subnet VIP call, with no arguments', () => {
    const r = lblab();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^lblab: The same-subnet VIP call \(hairpin\) \(.*scenarios\/same-subnet-vip\.yaml, seed 1\)/);
    expect(r.out).toMatch(/REWRITE lb1 +lb-dnat: lb1 DNAT 10\.0\.1\.100:80 -> 10\.0\.1\.11:80 \(web1\)/);
    expect(r.out).toMatch(/DROP web2:eth0 +tcp-no-socket: web2 has no connection from 10\.0\.1\.11:80 \(it called 10\.0\.1\.100:80\), so it answers the SYN-ACK with RST/);
    expect(r.out).toContain('client -> 10.0.1.100: 1 requests: completed 1; served by web1 1');
    expect(r.out).toContain('web2 -> 10.0.1.100: 1 requests: timeout 1');
    expect(r.out).not.toMatch(/\x1b\[/); // no colour with NO_COLOR or a pipe
    expect(r.err).toBe('');
  });

  it('runs another built-in scenario with every hop', () => {
    const r = lblab('run', 'two-subnets');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/client1:eth0 -> sw1:p\d +00:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10\.0\.1\.1 tell 10\.0\.1\.10/);
    expect(r.out).toMatch(/finished at \d+\.\d+s: no events left/);
    expect(r.out).toContain('client1 connect 10.0.2.12:80: refused (ECONNREFUSED)');
    expect(r.out).toContain('client1: ping 10.0.2.99 seq=1 Destination Host Unreachable from 10.0.1.1');
  });

  it('prints the reason meanings in Korean with --lang ko or a Korean LANG, in English otherwise', () => {
    const env = (extra: Record<string, string>) => ({ ...process.env, NO_COLOR: '1', LC_ALL: '', LC_MESSAGES: '', LANG: 'C.UTF-8', ...extra });
    const run = (args: string[], extra: Record<string, string> = {}) => spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', env: env(extra) });
    expect(run(['reasons']).stdout).toMatch(/^Drops:\n  link-down +the link or interface is down/);
    for (const r of [run(['reasons', '--lang', 'ko']), run(['reasons'], { LANG: 'ko_KR.UTF-8' })]) {
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^폐기\(drop\):\n  link-down +링크나 인터페이스가 내려가 있어/);
      expect(r.stdout).toMatch(/  tcp-no-socket +세그먼트와 맞는 소켓이 없음/);
    }
    expect(run(['reasons', '--lang', 'en'], { LANG: 'ko_KR.UTF-8' }).stdout).toMatch(/^Drops:/);
    const bad = run(['reasons', '--lang', 'fr']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("argument 'fr' is invalid. Allowed choices are en, ko.");
  });

  it('prints help with examples', () => {
    const r = lblab('run', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('--seed <n>');
    expect(r.out).toContain('same-subnet-vip');
    const top = lblab('--help').out;
    for (const cmd of ['run', 'check', 'explain', 'pcap', 'tui', 'validate', 'schema', 'list', 'bench', 'reasons']) expect(top).toContain(cmd);
    expect(lblab('reasons').out).toContain('tcp-no-socket');
  });

  it('lists the built-in scenarios with their titles', () => {
    const r = lblab('list');
    expect(r.code).toBe(0);
    const names = r.out.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]);
    const files = readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
    expect(names).toEqual(files);
    expect(names).toEqual(expect.arrayContaining(['nat-gateway', 'one-arm-bug', 'routing-loop', 'same-subnet-vip', 'two-subnets']));
    expect(r.out).toMatch(/one-arm-bug +The one-arm return path/);
  });

  it('rejects an unknown scenario, option or bad value with exit 2 and a clear message', () => {
    const a = lblab('run', 'nope');
    expect(a.code).toBe(2);
    expect(a.err).toContain('no scenario file "nope", and no built-in scenario of that name');
    expect(a.err).toContain('same-subnet-vip');
    const b = lblab('--frobnicate');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/unknown option '--frobnicate'/);
    const c = lblab('run', '--until', 'soon');
    expect(c.code).toBe(2);
    expect(c.err).toContain('write a duration with a unit');
    const d = lblab('run', '--filter', 'colour=red');
    expect(d.code).toBe(2);
    expect(d.err).toContain('"colour=red" is not a filter term');
    // flow=N needs the flows of the whole trace, which a streaming run does not have.
    const e = lblab('run', '--filter', 'flow=1');
    expect(e.code).toBe(2);
    expect(e.err).toContain('flow=1 needs the whole trace; use it in lblab tui, or lblab explain --flow 1');
    expect(`${a.err}${b.err}${c.err}${d.err}${e.err}`).not.toMatch(/at .*\.js:\d+/); // no stack trace for a user mistake
  });

  it('reports a broken scenario file at file:line:col with a suggestion, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lblab-cli-'));
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'lblab: 1\ntitle: broken\nnodes:\n  a: { kind: hots }\n');
    for (const cmd of ['run', 'validate']) {
      const r = lblab(cmd, f);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`${f}:4:14: error: expected kind`);
      expect(r.err).toContain('did you mean `host`?');
      expect(r.err).not.toMatch(/at .*\.js:\d+/);
    }
  });

  it('replays a capture named by a scenario, and reports a corrupted capture at its byte offset', () => {
    const ok = lblab('run', 'replay-capture');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('replay of ../fixtures/replay/http-udp.pcap: 4 flows: completed 3, sent 1');
    const dir = mkdtempSync(join(tmpdir(), 'lblab-cli-'));
    writeFileSync(join(dir, 'bad.pcap'), Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]));
    const f = join(dir, 'lesson.yaml');
    writeFileSync(f, 'lblab: 1\ntitle: t\nnodes:\n  c: { kind: host, interfaces: { eth0: 10.0.0.1/24 } }\n  sw: { kind: switch }\nlinks: [[c:eth0, sw]]\nreplay:\n  - { file: bad.pcap, clients: { 10.0.0.9: c } }\n');
    const bad = lblab('run', f);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8:5: error: the capture bad.pcap is not readable: .*bad\\.pcap: byte \\d+: `));
    expect(bad.err).not.toMatch(/at .*\.js:\d+/);
  });

  it('validates the built-in scenarios', () => {
    const r = lblab('validate', 'scenarios/same-subnet-vip.yaml', 'one-arm-bug');
    expect(r.code).toBe(0);
    expect(r.out).toContain('scenarios/same-subnet-vip.yaml: ok');
  });

  it('prints the JSON Schema', () => {
    const r = lblab('schema');
    expect(r.code).toBe(0);
    // Two branches: a whole scenario (else) and a file that extends another (then).
    const schema = JSON.parse(r.out) as { $schema: string; then: { properties: Record<string, unknown> }; else: { properties: Record<string, unknown> } };
    expect(schema.$schema).toContain('json-schema.org');
    for (const b of [schema.then, schema.else]) expect(Object.keys(b.properties)).toEqual(expect.arrayContaining(['nodes', 'links', 'apps', 'timeline', 'expect', 'extends']));
  });

  it('emits JSON lines with --json, and filters events', () => {
    const r = lblab('run', 'nat-gateway', '--json');
    expect(r.code).toBe(0);
    const evs = r.out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; code?: string; node?: string; frame?: { hex: string } });
    expect(evs.some((e) => e.kind === 'rewrite' && e.code === 'snat-masquerade')).toBe(true);
    const tx = evs.find((e) => e.kind === 'tx')!;
    expect(tx.frame!.hex).toMatch(/^ffffffffffff/); // the first frame is an ARP broadcast
    const f = lblab('run', 'nat-gateway', '--json', '--filter', 'node=gw,kind=rewrite');
    const only = f.out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; node: string });
    expect(only.length).toBeGreaterThan(0);
    expect(only.every((e) => e.kind === 'rewrite' && e.node === 'gw')).toBe(true);
  });

  it('shows the MACs of IP frames with --macs', () => {
    const plain = lblab('run', 'mode-dsr', '--filter', 'node=lb1,proto=tcp');
    const macs = lblab('run', 'mode-dsr', '--filter', 'node=lb1,proto=tcp', '--macs');
    expect(plain.out).not.toMatch(/lb1:eth0 -> \S+ +[0-9a-f]{2}(:[0-9a-f]{2}){5} > /);
    expect(macs.out).toMatch(/lb1:eth0 -> \S+ +([0-9a-f]{2}:){5}[0-9a-f]{2} > ([0-9a-f]{2}:){5}[0-9a-f]{2} 10\.0\.0\.10:\d+ > 10\.0\.1\.100:80 TCP \[S\]/);
  });

  it('stops at --until and at --budget, saying why', () => {
    const u = lblab('--until', '1ms');
    expect(u.code).toBe(0);
    expect(u.out).toContain('stopped at 0.001000s as asked');
    const b = lblab('run', 'routing-loop', '--budget', '50');
    expect(b.code).toBe(1);
    expect(b.out).toMatch(/event budget of 50 events is spent/);
  });

  it('is deterministic: same seed, same output; the seed changes it', () => {
    expect(lblab('--seed', '7').out).toBe(lblab('--seed', '7').out);
    expect(lblab('--seed', '7').out).not.toBe(lblab('--seed', '8').out);
  });
});

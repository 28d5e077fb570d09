/**
 * The CLI as a user runs it: spawned with node, exit codes and output checked.
 * `npm test` compiles dist/ first, so these run the current code.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function lblab(...args: string[]) {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('lblab CLI', () => {
  it('runs the default demo, the same-subnet VIP call, with no arguments', () => {
    const r = lblab();
    expect(r.code).toBe(0);
    expect(r.out).toContain('demo "same-subnet-vip"');
    expect(r.out).toMatch(/REWRITE lb1 +lb-dnat: lb1 DNAT 10\.0\.1\.100:80 -> 10\.0\.1\.11:80 \(web1\)/);
    expect(r.out).toMatch(/DROP web2:eth0 +tcp-no-socket: web2 has no connection from 10\.0\.1\.11:80 \(it called 10\.0\.1\.100:80\), so it answers the SYN-ACK with RST/);
    expect(r.out).toMatch(/client -> VIP: completed by web1/);
    expect(r.out).toContain('web2 -> VIP: timeout (max-time)');
    expect(r.out).not.toMatch(/\x1b\[/); // no colour with NO_COLOR or a pipe
  });

  it('runs the two-subnet demo with every hop', () => {
    const r = lblab('demo', 'two-subnets');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/client1:eth0 -> sw1:p\d +00:00:00:00:00:05 > ff:ff:ff:ff:ff:ff ARP who-has 10\.0\.1\.1 tell 10\.0\.1\.10/);
    expect(r.out).toContain('DROP web2:eth0');
    expect(r.out).toContain('udp-port-unreachable');
    expect(r.out).toMatch(/finished at \d+\.\d+s: no events left/);
    expect(r.out).toContain('client1: ping 10.0.2.99 seq=1 Destination Host Unreachable from 10.0.1.1');
  });

  it('prints help with examples', () => {
    const r = lblab('demo', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('--seed <n>');
    expect(lblab("--help").out).toContain("list");
    expect(lblab("reasons").out).toContain("tcp-no-socket");
  });

  it('lists the demos', () => {
    const r = lblab('list');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0])).toEqual(['same-subnet-vip', 'one-arm-bug', 'two-subnets', 'nat-gateway', 'routing-loop']);
  });

  it('rejects an unknown demo, option or bad value with exit 2 and a clear message', () => {
    const a = lblab('demo', 'nope');
    expect(a.code).toBe(2);
    expect(a.err).toContain('there is no built-in demo called "nope"');
    expect(a.err).toContain('same-subnet-vip');
    const b = lblab('--frobnicate');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/unknown option '--frobnicate'/);
    const c = lblab('demo', '--until', 'soon');
    expect(c.code).toBe(2);
    expect(c.err).toContain('write a duration with a unit');
    expect(c.err).not.toMatch(/at .*\.js:\d+/); // no stack trace for a user mistake
  });

  it('emits JSON lines with --json', () => {
    const r = lblab('demo', 'nat-gateway', '--json');
    expect(r.code).toBe(0);
    const evs = r.out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; code?: string; frame?: { hex: string } });
    expect(evs.some((e) => e.kind === 'rewrite' && e.code === 'snat-masquerade')).toBe(true);
    const tx = evs.find((e) => e.kind === 'tx')!;
    expect(tx.frame!.hex).toMatch(/^ffffffffffff/); // the first frame is an ARP broadcast
  });

  it('stops at --until and at --budget, saying why', () => {
    const u = lblab('--until', '1ms');
    expect(u.code).toBe(0);
    expect(u.out).toContain('stopped at 0.001000s as asked');
    const b = lblab('demo', 'routing-loop', '--budget', '50');
    expect(b.code).toBe(1);
    expect(b.out).toMatch(/event budget of 50 events is spent/);
  });

  it('is deterministic: same seed, same output; the seed changes it', () => {
    expect(lblab('--seed', '7').out).toBe(lblab('--seed', '7').out);
    expect(lblab('--seed', '7').out).not.toBe(lblab('--seed', '8').out);
  });
});

/**
 * The live labs for real: network namespaces with a real Linux client (curl)
 * or real servers (python3 -m http.server), wired by veth pairs to lblab
 * live, which runs the lab's scenario in real time. Needs root, the cap
 * package (libpcap), ethtool, curl, python3 and tshark; skips saying which
 * is missing (CI has them all). Every namespace and veth carries the PID of
 * this test process and is removed in afterAll by the labs' own scripts.
 * No assertion is about speed: times asserted are the protocols' own (SYN
 * retries, health check intervals), with room for scheduling delays.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineLiveHost, runLive, type LiveHost } from '../../src/cli/live.js';
import { capAvailable } from '../../src/live/cap-device.js';
import type { LiveDevice } from '../../src/live/device.js';
import { SEC } from '../../src/sim/time.js';

const TAG = String(process.pid);
const has = (cmd: string, arg = '--version'): boolean => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
const missing = [
  process.getuid?.() === 0 ? null : 'root (namespaces and raw sockets)',
  capAvailable() ? null : 'the cap package (apt-get install libpcap-dev && npm install cap@0.2.1)',
  has('ip', '-V') ? null : 'iproute2 (ip)',
  has('ethtool') ? null : 'ethtool',
  has('curl') ? null : 'curl',
  has('python3') ? null : 'python3',
  has('tshark') ? null : 'tshark',
].filter((x): x is string => x !== null);
if (missing.length) console.warn(`test/live/labs.test.ts skipped: it needs ${missing.join(', ')}`);

const dir = mkdtempSync(join(tmpdir(), 'lblab-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a lab's setup script. */
function lab(script: string, ...args: string[]): void {
  execFileSync('bash', [join('scenarios/live', script), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The machine's devices and capture, with the output kept, a hook when the devices are open, and stop() (Ctrl-C). */
function testHost(onOpen: () => void) {
  const out: string[] = [];
  const err: string[] = [];
  let stop: (() => void) | null = null;
  let opened = 0;
  const base = machineLiveHost({ out: (s) => void out.push(s), err: (s) => void err.push(s) }, false);
  const host: LiveHost = {
    ...base,
    open(name: string, filter: string): LiveDevice {
      const d = base.open(name, filter);
      if (++opened === 1) setTimeout(onOpen, 200);
      return d;
    },
    onInterrupt(fn) {
      stop = fn;
      return () => {
        stop = null;
      };
    },
  };
  return { host, out, err, stop: () => stop?.(), started: () => performance.now() };
}

/** A command run in a namespace; resolves with its exit code and output. */
function inNs(ns: string, cmd: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('ip', ['netns', 'exec', ns, ...cmd]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Fields of the packets of a pcapng (tshark, checksums verified), one array per packet. */
function tshark(file: string, filter: string, fields: readonly string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 },
  );
  return out.trim() === '' ? [] : out.trim().split('\n').map((l) => l.split('\t'));
}

/** The trace as the JSON lines the command printed. */
function events(out: string[]): { t: number; kind: string; node: string; iface?: string; text?: string; frame?: { summary: string } }[] {
  return out
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

describe.skipIf(missing.length > 0)('live lab 1: a real client in a namespace, a simulated router and LB', () => {
  const ns = `lbl-client${TAG}`;
  const dev = `lbl-c${TAG}`;
  const attach = [{ node: 'r1', iface: 'eth0', device: dev }];
  beforeAll(() => lab('live-one-arm.sh', 'up', TAG), 30_000);
  afterAll(() => lab('live-one-arm.sh', 'down', TAG), 20_000);

  it('completes a real HTTP GET through the simulated SNAT LB; the pcapng shows the real SYN, the rewrite and the reply, and tshark finds nothing wrong', async () => {
    let curl: Promise<{ code: number | null; stdout: string; stderr: string }> | null = null;
    const t = testHost(() => {
      curl = inNs(ns, ['curl', '-sS', '-m', '4', 'http://10.0.1.100/']);
      void curl.then(() => setTimeout(t.stop, 300)); // let the FINs cross, then Ctrl-C
    });
    const file = join(dir, 'snat.pcapng');
    const code = await runLive('live-one-arm-snat', { attach, until: 8 * SEC, output: file, json: true }, t.host);
    expect(code, t.err.join('')).toBe(0);
    const r = await curl!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('web1\n'); // the simulated http-server's body
    // One tshark pass (it is slow to start), checksums verified; then the packets of interest.
    const F = ['frame.interface_name', 'ip.src', 'ip.dst', 'tcp.flags.syn', 'tcp.flags.ack', 'tcp.options.mss_val', 'tcp.options.timestamp.tsval', 'http.response.code', 'frame.comment', '_ws.malformed', '_ws.expert.severity', 'ip.checksum.status', 'tcp.checksum.status'] as const;
    const rows = tshark(file, 'frame', [...F]).map((r) => Object.fromEntries(F.map((f, i) => [f, r[i] ?? ''])) as Record<(typeof F)[number], string>);
    const at = (point: string) => rows.filter((r) => r['frame.interface_name'] === point);
    const isSyn = (r: Record<string, string>) => r['tcp.flags.syn'] === '1' && r['tcp.flags.ack'] === '0';
    const isSynAck = (r: Record<string, string>) => r['tcp.flags.syn'] === '1' && r['tcp.flags.ack'] === '1';
    // The real kernel's SYN (with its own options: Linux sends timestamps) as it came off the wire...
    const realSyn = at(`real:${dev}`).filter(isSyn);
    expect(realSyn.map((r) => [r['ip.src'], r['ip.dst'], r['tcp.options.mss_val']])).toEqual([['10.0.0.10', '10.0.1.100', '1460']]);
    expect(realSyn[0]!['tcp.options.timestamp.tsval']).toMatch(/^\d+$/);
    // ...then as the LB sent it on, with the rewrite's explanation as the packet comment.
    const rewritten = at('lb1:eth0').filter((r) => isSyn(r) && r['ip.src'] === '10.0.1.5');
    expect(rewritten.map((r) => r['ip.dst'])).toEqual(['10.0.1.11']);
    expect(rewritten[0]!['frame.comment']).toMatch(/^lb1: DNAT 10\.0\.1\.100:80 -> 10\.0\.1\.11:80 \(web1\) and SNAT 10\.0\.0\.10:\d+ -> 10\.0\.1\.5:\d+/);
    // web1's reply, un-NATed, on its way back to the real client, and the response it carries.
    expect(at('r1:eth0').filter(isSynAck).map((r) => [r['ip.src'], r['ip.dst']])).toEqual([['10.0.1.100', '10.0.0.10']]);
    expect(at('r1:eth0').filter((r) => r['http.response.code'] !== '').map((r) => r['http.response.code'])).toEqual(['200']);
    // Clean: nothing malformed, no expert error, every checksum right (1 = good).
    expect(rows.length).toBeGreaterThan(20);
    for (const [i, r] of rows.entries()) {
      expect(r['_ws.malformed'], `packet ${i + 1}`).toBe('');
      expect(Number(r['_ws.expert.severity'] || 0), `packet ${i + 1}`).toBeLessThan(0x800000);
      for (const k of ['ip.checksum.status', 'tcp.checksum.status'] as const) if (r[k] !== '') expect(r[k], `packet ${i + 1} ${k}`).toBe('1');
    }
    expect(t.err.join('')).toContain(`${dev} <-> r1:eth0 (10.0.0.1/24, MAC 00:00:00:00:00:01): lblab injects on ${dev}`);
  }, 20_000);

  it("the one-arm bug: the real connect() times out, its kernel's SYN retries at 1, 2, 3, 4 s in the trace, each SYN-ACK from web1 answered with a RST", async () => {
    let curl: Promise<{ code: number | null; stdout: string; stderr: string }> | null = null;
    const t = testHost(() => {
      curl = inNs(ns, ['curl', '-sS', '-m', '5.5', 'http://10.0.1.100/']);
      void curl.then(() => setTimeout(t.stop, 200));
    });
    const code = await runLive('live-one-arm', { attach, until: 8 * SEC, json: true }, t.host);
    expect(code, t.err.join('')).toBe(0);
    const r = await curl!;
    expect(r.code).toBe(28); // curl: operation timed out
    const ev = events(t.out);
    const fromReal = (re: RegExp): number[] => ev.filter((e) => e.kind === 'tx' && e.node === 'real' && re.test(e.frame!.summary)).map((e) => e.t);
    const syns = fromReal(/^10\.0\.0\.10:\d+ > 10\.0\.1\.100:80 TCP \[S\]/);
    expect(syns.length, `SYNs at ${syns.map((s) => (s - syns[0]!) / SEC).join(', ')} s`).toBeGreaterThanOrEqual(5);
    // Linux 6.x: tcp_syn_linear_timeouts=4 keeps the first retries 1 s apart (the initial RTO).
    syns.slice(1, 5).forEach((s, i) => expect(Math.abs((s - syns[0]!) / SEC - (i + 1)), `retry ${i + 1} at ${(s - syns[0]!) / SEC} s`).toBeLessThan(0.25));
    const synAcks = ev.filter((e) => e.kind === 'tx' && e.node === 'r1' && e.iface === 'eth0' && /^10\.0\.1\.11:80 > 10\.0\.0\.10:\d+ TCP \[S\.\]/.test(e.frame?.summary ?? ''));
    expect(synAcks.length).toBe(syns.length); // web1 answers around the LB, with its own address
    expect(fromReal(/^10\.0\.0\.10:\d+ > 10\.0\.1\.11:80 TCP \[R\]/).length).toBe(syns.length); // the real kernel has no socket for it
    expect(ev.filter((e) => e.kind === 'rewrite').length).toBe(syns.length); // lb1 DNATs every SYN
  }, 20_000);
});

describe.skipIf(missing.length > 0)('live lab 2: simulated clients, a simulated LB, two real servers', () => {
  beforeAll(() => lab('live-real-servers.sh', 'up', TAG), 30_000);
  afterAll(() => lab('live-real-servers.sh', 'down', TAG), 20_000);

  it('balances between the real servers; when one stops, the health check marks it down within its interval and the traffic moves', async () => {
    let openedAt = 0;
    let stoppedAt = 0;
    const t = testHost(() => {
      openedAt = performance.now() - 200;
      setTimeout(() => {
        lab('live-real-servers.sh', 'stop', '1', TAG);
        stoppedAt = performance.now();
      }, 3300);
    });
    const attach = [
      { node: 'sw2', iface: 'real1', device: `lbl-s1${TAG}` },
      { node: 'sw2', iface: 'real2', device: `lbl-s2${TAG}` },
    ];
    const code = await runLive('live-real-servers', { attach, until: 8 * SEC, json: true }, t.host);
    expect(code, t.err.join('')).toBe(0);
    const ev = events(t.out);
    const stopT = (stoppedAt - openedAt) * 1e6; // wall ms since the run began, as simulated ns (the runner keeps them equal)
    const scheduled = ev
      .filter((e) => e.kind === 'state' && /^lb1 schedules .* to real\d/.test(e.text ?? ''))
      .map((e) => ({ t: e.t, to: /to (real\d)/.exec(e.text!)![1]! }));
    const before = scheduled.filter((s) => s.t < stopT);
    expect(before.filter((s) => s.to === 'real1').length).toBeGreaterThanOrEqual(5);
    expect(before.filter((s) => s.to === 'real2').length).toBeGreaterThanOrEqual(5);
    const down = ev.find((e) => e.kind === 'state' && /shop\/real1 is down: 2 http checks in a row failed/.test(e.text ?? ''));
    expect(down, 'real1 is marked down').toBeDefined();
    // fall 2 at a 1 s interval (timeout 500 ms): the second failed check comes at most 2 intervals + the timeout after the stop.
    expect(down!.t).toBeGreaterThan(stopT);
    expect(down!.t - stopT).toBeLessThan(2.5 * SEC + 0.5 * SEC);
    const after = scheduled.filter((s) => s.t > down!.t);
    expect(after.length).toBeGreaterThanOrEqual(10);
    expect(new Set(after.map((s) => s.to))).toEqual(new Set(['real2']));
    // The real servers' answers entered the simulation through the new switch ports.
    expect(ev.some((e) => e.kind === 'rx' && e.node === 'sw2' && e.iface === 'real2' && /^10\.0\.1\.12:8000 > 10\.0\.0\.10:\d+ TCP \[S\.\]/.test(e.frame?.summary ?? ''))).toBe(true);
  }, 20_000);
});

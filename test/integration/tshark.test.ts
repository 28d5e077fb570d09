/**
 * Every frame the built-in scenarios put on a wire, encoded and handed to a real
 * dissector: tshark must find no malformed packet, no bad checksum and no
 * expert error, and must read back the same addresses, TTLs and types the
 * trace holds. Skips (saying why) only when tshark is not installed; CI
 * installs it.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcapOf } from '../helpers/pcap.js';
import { readdirSync, readFileSync } from 'node:fs';
import { loadScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { TxEvent } from '../../src/trace/events.js';
import { encode } from '../../src/wire/encode.js';
import { fmtIp, fmtMac } from '../../src/wire/addr.js';

const hasTshark = spawnSync('tshark', ['--version']).status === 0;
const run = promisify(execFile);
if (!hasTshark) console.warn('tshark is not installed: skipping the dissector checks (apt-get install tshark)');

/** A classic pcap file (nanosecond magic, Ethernet link type) of the given frames. */
const dir = mkdtempSync(join(tmpdir(), 'lblab-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = ['frame.number', 'eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'ip.ttl', 'arp.opcode', 'icmp.type', '_ws.malformed', '_ws.expert.severity', 'ip.checksum.status', 'udp.checksum.status', 'tcp.checksum.status', 'icmp.checksum.status', 'vrrp.checksum.status'];

const SCENARIOS = readdirSync('scenarios').filter((f) => f.endsWith('.yaml'));

/** The frames each built-in scenario sends, all in one capture: one tshark process reads them all (a tshark per scenario made the suite depend on the machine's speed). */
const sent = SCENARIOS.map((name) => {
  const loaded = loadScenario(join('scenarios', name), (p) => readFileSync(p, 'utf8'));
  if (!loaded.ok) return { name, tx: null };
  const built = buildScenario(loaded.scenario, { readBinary: (p) => readFileSync(p) });
  const rec = new FullRecorder(built.net.trace);
  built.net.run(loaded.scenario.run.until ?? undefined); // health checks never stop: honour run.until
  return { name, tx: rec.events.filter((e): e is TxEvent => e.kind === 'tx') };
});
const rowsOf = new Map<string, string[][]>();

beforeAll(async () => {
  if (!hasTshark) return;
  const file = join(dir, 'all.pcap');
  writeFileSync(file, pcapOf(sent.flatMap((c) => (c.tx ?? []).map((e) => ({ t: e.t, bytes: encode(e.frame.eth) })))));
  const { stdout } = await run(
    'tshark',
    ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  const rows = stdout.trim().split('\n').map((l) => l.split('|'));
  let o = 0;
  for (const c of sent) {
    const n = c.tx?.length ?? 0;
    rowsOf.set(c.name, rows.slice(o, o + n));
    o += n;
  }
});

describe.skipIf(!hasTshark)('tshark dissects every frame of every built-in scenario cleanly', () => {
  for (const { name, tx } of sent) {
    it(name, () => {
      if (tx === null) throw new Error(`${name} does not load`);
      expect(tx.length).toBeGreaterThan(5);
      const rows = rowsOf.get(name)!;
      expect(rows.length).toBe(tx.length);
      rows.forEach((r, i) => {
        const [, esrc, edst, isrc, idst, ttl, arpOp, icmpType, malformed, severity, ...statuses] = r;
        const eth = tx[i]!.frame.eth;
        expect(malformed, `frame ${i + 1} is malformed`).toBe('');
        // Wireshark severities: 0x800000 is an error.
        expect(Number(severity || 0), `frame ${i + 1} has an expert error`).toBeLessThan(0x800000);
        for (const s of statuses) if (s !== '') expect(s, `frame ${i + 1} has a bad checksum`).toBe('1');
        expect(esrc).toBe(fmtMac(eth.src));
        expect(edst).toBe(fmtMac(eth.dst));
        const p = eth.payload;
        if (p.kind === 'ipv4') {
          expect(isrc).toBe(fmtIp(p.src));
          expect(idst).toBe(fmtIp(p.dst));
          expect(Number(ttl)).toBe(p.ttl);
          if (p.payload.kind === 'icmp') expect(Number(icmpType)).toBe(p.payload.type);
        } else if (p.kind === 'arp') {
          expect(Number(arpOp)).toBe(p.op);
        }
      });
    });
  }
});

describe.skipIf(!hasTshark)('tshark reads the HTTP that the L7 proxy relays', () => {
  it('l7-path-routing: each request and response on both connections, with the forwarded headers the servers get', () => {
    const loaded = loadScenario('scenarios/l7-path-routing.yaml', (p) => readFileSync(p, 'utf8'));
    if (!loaded.ok) throw new Error('l7-path-routing does not load');
    const built = buildScenario(loaded.scenario);
    const rec = new FullRecorder(built.net.trace);
    built.net.run();
    // Frames as the hosts sent them (each once: no switch copies), so tshark's TCP analysis sees each segment once.
    const tx = rec.events.filter((e): e is TxEvent => e.kind === 'tx' && !e.node.startsWith('sw'));
    const file = join(dir, 'l7-http.pcap');
    writeFileSync(file, pcapOf(tx.map((e) => ({ t: e.t, bytes: encode(e.frame.eth) }))));
    const fields = ['ip.src', 'ip.dst', 'http.request.method', 'http.request.uri', 'http.response.code', 'http.x_forwarded_for', '_ws.malformed', '_ws.expert.severity'];
    const out = execFileSync('tshark', ['-r', file, '-Y', 'http', '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const rows = out.trim().split('\n').map((l) => l.split('|'));
    for (const r of rows) {
      expect(r[6], 'malformed').toBe('');
      expect(Number(r[7] || 0)).toBeLessThan(0x800000);
    }
    expect(rows.map((r) => r.slice(0, 6).join(' ').trim())).toEqual([
      '10.0.0.10 10.0.0.100 GET /images/logo.png',
      '10.0.1.1 10.0.1.11 GET /images/logo.png  10.0.0.10',
      '10.0.1.11 10.0.1.1   200',
      '10.0.0.100 10.0.0.10   200',
      '10.0.0.10 10.0.0.100 GET /static/site.css',
      '10.0.1.1 10.0.1.12 GET /static/site.css  10.0.0.10',
      '10.0.1.12 10.0.1.1   200',
      '10.0.0.100 10.0.0.10   200',
      '10.0.0.10 10.0.0.100 GET /checkout/cart',
      '10.0.1.1 10.0.1.13 GET /checkout/cart  10.0.0.10',
      '10.0.1.13 10.0.1.1   200',
      '10.0.0.100 10.0.0.10   200',
    ]);
  });
});

describe.skipIf(!hasTshark)('tshark reads the HA protocols as what they are', () => {
  it('VRRPv3 advertisements dissect as VRRP with a good checksum, IPVS sync messages as IPVS with their connection', () => {
    const loaded = loadScenario(join('scenarios', 'vrrp-conn-sync.yaml'), (p) => readFileSync(p, 'utf8'));
    if (!loaded.ok) throw new Error('vrrp-conn-sync does not load');
    const built = buildScenario(loaded.scenario, { readBinary: (p) => readFileSync(p) });
    const rec = new FullRecorder(built.net.trace);
    built.net.run(loaded.scenario.run.until ?? undefined);
    // The frames as their senders put them on the wire (one copy each).
    const tx = rec.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node.startsWith('lb') && e.frame.eth.payload.kind === 'ipv4' && (e.frame.eth.payload.proto === 112 || e.frame.eth.payload.proto === 17));
    const vrrpCount = tx.filter((e) => (e.frame.eth.payload as { proto: number }).proto === 112).length;
    expect(vrrpCount).toBeGreaterThan(20);
    expect(tx.length - vrrpCount).toBeGreaterThan(0);
    const file = join(dir, 'ha.pcap');
    writeFileSync(file, pcapOf(tx.map((e) => ({ t: e.t, bytes: encode(e.frame.eth) }))));
    const fields = ['vrrp.version', 'vrrp.type', 'vrrp.virt_rtr_id', 'vrrp.prio', 'vrrp.checksum.status', 'ipvs.conncount', 'ipvs.caddr', 'ipvs.daddr', 'ipvs.timeout', 'udp.checksum.status', '_ws.malformed'];
    const out = execFileSync('tshark', ['-r', file, '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const rows = out.trim().split('\n').map((l) => l.split('|'));
    expect(rows.length).toBe(tx.length);
    rows.forEach((r, i) => {
      const [ver, type, vrid, prio, vstatus, count, caddr, daddr, timeout, ustatus, malformed] = r;
      const ip4 = tx[i]!.frame.eth.payload as { proto: number; payload: { kind: string; priority?: number } };
      expect(malformed, `frame ${i + 1}`).toBe('');
      if (ip4.proto === 112) {
        expect([ver, type, vrid, vstatus]).toEqual(['3', '1', '51', '1']);
        expect(Number(prio)).toBe(ip4.payload.priority);
      } else {
        expect(ustatus).toBe('1');
        expect(Number(count)).toBeGreaterThan(0);
        expect(caddr).toMatch(/^10\.0\.0\.(10|20)$/);
        expect(daddr).toMatch(/^10\.0\.1\.1[12]$/);
        expect(timeout).toBe('900');
      }
    });
  });
});

describe.skipIf(!hasTshark)('tshark reads the health probes as the protocols they are', () => {
  it('health-check-kinds: echo request/reply, the half-open SYN / SYN-ACK / RST, and the HTTP check GET', () => {
    const loaded = loadScenario('scenarios/health-check-kinds.yaml', (p) => readFileSync(p, 'utf8'));
    if (!loaded.ok) throw new Error('health-check-kinds does not load');
    const built = buildScenario(loaded.scenario);
    const rec = new FullRecorder(built.net.trace);
    built.net.run(0.9e9);
    // What lb1:eth1 and web1:eth0 sent before 0.9 s: web1's probes at 0 s and their answers (each frame once).
    const tx = rec.events.filter((e): e is TxEvent => e.kind === 'tx' && ((e.node === 'lb1' && e.iface === 'eth1') || (e.node === 'web1' && e.iface === 'eth0')) && e.frame.eth.payload.kind === 'ipv4');
    const file = join(dir, 'health.pcap');
    writeFileSync(file, pcapOf(tx.map((e) => ({ t: e.t, bytes: encode(e.frame.eth) }))));
    const fields = ['ip.src', 'ip.dst', 'icmp.type', 'tcp.srcport', 'tcp.dstport', 'tcp.flags.str', 'tcp.window_size_value', 'tcp.options.mss_val', 'http.request.uri', 'http.user_agent', '_ws.malformed', '_ws.expert.severity', 'tcp.checksum.status'];
    const out = execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-Y', 'ip.addr == 10.0.1.1 && ip.addr == 10.0.1.11', '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const rows = out.trim().split('\n').map((l) => l.split('|'));
    for (const r of rows) {
      expect(r[10], 'malformed').toBe('');
      // Wireshark severities: 0x800000 is an error (an RST is only a warning).
      expect(Math.max(0, ...(r[11] || '0').split(',').map(Number))).toBeLessThan(0x800000);
      if (r[12] !== '') expect(r[12], 'tcp checksum').toBe('1');
    }
    const flags = (r: string[]): string => r[5]!.replace(/[^A-Z]/g, '');
    expect(rows.filter((r) => r[2] !== '').map((r) => `${r[0]} > ${r[1]} icmp ${r[2]}`)).toEqual(['10.0.1.1 > 10.0.1.11 icmp 8', '10.0.1.11 > 10.0.1.1 icmp 0']);
    // The raw half-open probe: a bare SYN with window 1024 and only an MSS option, the SYN-ACK, and the LB kernel's RST; nothing else on that port.
    const syn = rows.find((r) => r[6] === '1024')!;
    const port = syn[3]!;
    const half = rows.filter((r) => r[3] === port || r[4] === port);
    expect(half.map((r) => `${r[0]} ${flags(r)} win=${r[6]} mss=${r[7]}`)).toEqual(['10.0.1.1 S win=1024 mss=1460', '10.0.1.11 AS win=64240 mss=1460', '10.0.1.1 R win=0 mss=']);
    // The HTTP check: a GET of / with the checker's User-Agent.
    expect(rows.filter((r) => r[8] !== '').map((r) => `${r[0]} GET ${r[8]} ${r[9]}`)).toEqual(['10.0.1.1 GET / lblab-health-check']);
  });
});

/**
 * DNS frames through a real dissector: every UDP/53 frame of the DNS
 * scenarios is read by tshark as DNS, with no malformed packet or expert
 * error, and tshark reads back the id, the flags, the question and the
 * answers (addresses and TTLs, in order) that lblab's decoder holds. Skips
 * only when tshark is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcapOf } from '../helpers/pcap.js';
import { loadScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { TxEvent } from '../../src/trace/events.js';
import { encode } from '../../src/wire/encode.js';
import { fmtIp } from '../../src/wire/addr.js';
import { aAddresses, dnsRcode, isDnsResponse } from '../../src/wire/dns.js';
import { dnsOf } from '../../src/grade/dns-counters.js';

const hasTshark = spawnSync('tshark', ['--version']).status === 0;

const dir = mkdtempSync(join(tmpdir(), 'lblab-tshark-dns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = ['dns.id', 'dns.flags.response', 'dns.flags.authoritative', 'dns.flags.rcode', 'dns.qry.name', 'dns.a', 'dns.resp.ttl', '_ws.malformed', '_ws.expert.severity', 'udp.checksum.status'];

const SCENARIOS = readdirSync('scenarios').filter((f) => f.startsWith('dns-') && f.endsWith('.yaml'));

/** The DNS frames each DNS scenario sends; one tshark reads them all (a process per scenario made the suite depend on the machine's speed). */
const sent = SCENARIOS.map((name) => {
  const loaded = loadScenario(join('scenarios', name), (p) => readFileSync(p, 'utf8'));
  if (!loaded.ok) return { name, tx: null };
  const built = buildScenario(loaded.scenario);
  const rec = new FullRecorder(built.net.trace);
  built.net.run(loaded.scenario.run.until ?? undefined);
  return { name, tx: rec.events.filter((e): e is TxEvent => e.kind === 'tx' && dnsOf(e.frame) !== null) };
});
const rowsOf = new Map<string, string[][]>();

function dissect(name: string, frames: { t: number; bytes: Uint8Array }[]): string[][] {
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, pcapOf(frames));
  const out = execFileSync('tshark', ['-r', file, '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1 << 30,
  });
  return out.trim().split('\n').map((l) => l.split('|'));
}

beforeAll(() => {
  if (!hasTshark) return;
  const rows = dissect('all', sent.flatMap((c) => (c.tx ?? []).map((e) => ({ t: e.t, bytes: encode(e.frame.eth) }))));
  let o = 0;
  for (const c of sent) {
    const n = c.tx?.length ?? 0;
    rowsOf.set(c.name, rows.slice(o, o + n));
    o += n;
  }
});

describe.skipIf(!hasTshark)('tshark dissects lblab DNS as DNS', () => {
  it('there are DNS scenarios to check', () => expect(SCENARIOS.length).toBeGreaterThan(0));

  for (const { name, tx } of sent) {
    it(name, () => {
      if (tx === null) throw new Error(`${name} does not load`);
      expect(tx.length).toBeGreaterThan(4);
      const rows = rowsOf.get(name)!;
      expect(rows.length).toBe(tx.length);
      rows.forEach((r, i) => {
        const [id, response, aa, rcode, qname, a, ttl, malformed, severity, ck] = r;
        const m = dnsOf(tx[i]!.frame)!;
        expect(malformed, `frame ${i + 1} is malformed`).toBe('');
        expect(Number(severity || 0), `frame ${i + 1} has an expert error`).toBeLessThan(0x800000);
        expect(ck).toBe('1');
        expect(Number(id)).toBe(m.id);
        expect(response === 'True' || response === '1').toBe(isDnsResponse(m));
        expect(qname).toBe(m.questions[0]!.name);
        if (isDnsResponse(m)) {
          expect(aa === 'True' || aa === '1').toBe(true);
          expect(Number(rcode)).toBe(dnsRcode(m));
          expect(a).toBe(aAddresses(m).map(fmtIp).join(','));
          expect(ttl).toBe(m.answers.map((x) => String(x.ttl)).join(','));
        }
      });
    });
  }

  it('FORMERR, NXDOMAIN and REFUSED answers as the server writes them', async () => {
    const { DnsServer } = await import('../../src/apps/dns-server.js');
    const { encodeDns, dnsQuery } = await import('../../src/wire/dns.js');
    // Build the responses through a tiny network so they are real frames.
    const { farm } = await import('../apps/helpers.js');
    const { ip } = await import('../../src/wire/addr.js');
    const f = farm(1, ['dns1']);
    new DnsServer(f.servers[0]!, [{ name: 'shop.example', addrs: [ip('10.0.0.3')], ttl: 30e9 }]);
    const sock = f.clients[0]!.udp.bind(40000, { message: () => {} });
    sock.send(ip('10.0.0.2'), 53, encodeDns(dnsQuery(1, 'nope.example')));
    sock.send(ip('10.0.0.2'), 53, encodeDns(dnsQuery(2, 'www.other.test')));
    sock.send(ip('10.0.0.2'), 53, encodeDns(dnsQuery(3, 'shop.example')).slice(0, 20));
    f.net.run();
    const tx = f.rec.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node === 'dns1' && e.frame.eth.payload.kind === 'ipv4');
    expect(tx).toHaveLength(3);
    const rows = dissect('codes', tx.map((e) => ({ t: e.t, bytes: encode(e.frame.eth) })));
    // id, rcode (NXDOMAIN 3, REFUSED 5, FORMERR 1), malformed, expert severity below error.
    expect(rows.map((r) => [Number(r[0]), r[3], r[7], Number(r[8] || 0) < 0x800000])).toEqual([
      [1, '3', '', true],
      [2, '5', '', true],
      [3, '1', '', true],
    ]);
  });
});

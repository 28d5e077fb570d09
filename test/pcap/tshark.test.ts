/**
 * The pcapng export of every built-in scenario, read back by a real
 * dissector. tshark (4.0 here and in CI) must find no malformed packet, no
 * bad IP/TCP/UDP/ICMP checksum (validation switched on) and no expert
 * error; it must see each packet on the interface named after its capture
 * point, with the explanation comments lblab wrote, and read back the same
 * addresses, ports, flags, sequence numbers, ARP opcodes, ICMP types,
 * IP-in-IP inner headers and HTTP lines as the trace's frames. The packet
 * count must equal the tx and rx events at the capture points. Skips (saying
 * why) only when tshark is not installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, exportBuilt, scenarioFiles, type Export } from './helpers.js';
import { fmtIp, fmtMac } from '../../src/wire/addr.js';
import type { Ipv4 } from '../../src/wire/types.js';
import { decodeQuote } from '../../src/wire/decode.js';

/** ICMP types that quote the packet they are about (RFC 792). */
const ICMP_ERRORS = new Set([3, 4, 5, 11, 12]);

const run = promisify(execFile);
const hasTshark = spawnSync('tshark', ['--version']).status === 0;
if (!hasTshark) console.warn('tshark is not installed: skipping the pcapng dissector checks (apt-get install tshark)');

const FIELDS = [
  'frame.interface_name',
  'frame.comment', // tshark 4.0 calls the packet comment frame.comment (pkt_comment is the protocol)
  '_ws.malformed',
  '_ws.expert.severity',
  'eth.src',
  'eth.dst',
  'ip.src',
  'ip.dst',
  'ip.ttl',
  'ip.proto',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'udp.srcport',
  'udp.dstport',
  'arp.opcode',
  'icmp.type',
  'http.request.method',
  'http.response.code',
  'ip.checksum.status',
  'tcp.checksum.status',
  'udp.checksum.status',
  'icmp.checksum.status',
];

type Row = Record<string, string[] | undefined>;

const dir = mkdtempSync(join(tmpdir(), 'lblab-pcapng-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  readonly name: string;
  readonly exp: Export | null;
  readonly why: string;
  rows: Row[];
}

const cases: Case[] = scenarioFiles().map((file) => {
  const built = build(file);
  if (typeof built === 'string') return { name: basename(file), exp: null, why: built, rows: [] };
  return { name: basename(file), exp: exportBuilt(built), why: '', rows: [] };
});

/**
 * lblab's pcapng exports as one section: the first section header, then
 * every file's interfaces and packets with the packets' interface numbers
 * moved past the interfaces of the files before (pcapng 4.2, 4.3). tshark 4.0
 * numbers interfaces across sections wrongly, so files laid end to end as
 * sections would not do. lblab writes little-endian.
 */
function oneSection(files: readonly Uint8Array[]): Buffer {
  const out: Buffer[] = [];
  let base = 0;
  files.forEach((f, n) => {
    const b = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
    let ifaces = 0;
    for (let o = 0; o < b.length; ) {
      const type = b.readUInt32LE(o);
      const len = b.readUInt32LE(o + 4);
      const block = Buffer.from(b.subarray(o, o + len));
      if (type === 0x0a0d0d0a) {
        if (n === 0) out.push(block);
      } else {
        if (type === 1) ifaces++;
        if (type === 6) block.writeUInt32LE(block.readUInt32LE(8) + base, 8);
        out.push(block);
      }
      o += len;
    }
    base += ifaces;
  });
  return Buffer.concat(out);
}

beforeAll(async () => {
  if (!hasTshark) return;
  // One tshark over every export (51 processes made the suite depend on the machine's speed). TCP
  // sequence analysis is off: the scenarios reuse addresses, ports and sequence numbers, which tshark
  // would take for retransmissions across scenarios and then not dissect their HTTP.
  const withExport = cases.filter((c) => c.exp !== null);
  const file = join(dir, 'all.pcapng');
  writeFileSync(file, oneSection(withExport.map((c) => c.exp!.bytes)));
  const { stdout } = await run(
    'tshark',
    ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.analyze_sequence_numbers:FALSE', '-T', 'json', ...FIELDS.flatMap((f) => ['-e', f])],
    { maxBuffer: 1 << 30 },
  );
  const rows = (JSON.parse(stdout) as { _source: { layers: Row } }[]).map((p) => p._source.layers);
  let o = 0;
  for (const c of withExport) {
    c.rows = rows.slice(o, o + c.exp!.packets.length);
    o += c.exp!.packets.length;
  }
});

const first = (r: Row, f: string): string | undefined => r[f]?.[0];
const latin1 = new TextDecoder('latin1');
/** HTTP heads checked across all scenarios (at least one must be). */
let httpSeen = 0;

describe.skipIf(!hasTshark)('tshark reads the pcapng export of every built-in scenario', () => {
  for (const c of cases) {
    it(c.name, (ctx) => {
      if (!c.exp) {
        console.warn(`${c.name} does not load (${c.why}); not exported`);
        ctx.skip();
        return;
      }
      const { packets, events, stats } = c.exp;
      const captures = events.filter((e) => e.kind === 'tx' || e.kind === 'rx').length;
      expect(packets.length).toBe(captures);
      expect(c.rows.length).toBe(captures);
      expect(stats.commentsLost).toBe(0);
      let comments = 0;
      const seen = new Set<string>();
      // Mismatches are collected and asserted once: hundreds of thousands of expect() calls would dominate the run.
      const problems: string[] = [];
      const eq = (at: string, what: string, got: unknown, want: unknown): void => {
        if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${at}: ${what} is ${JSON.stringify(got)}, the trace has ${JSON.stringify(want)}`);
      };
      // tshark's TCP analysis may take a segment for a retransmission (the same ports reused by a later
      // connection) and then not dissect its HTTP: what it does read must agree, and it must read nearly all.
      let httpWanted = 0;
      let httpRead = 0;
      const http = (at: string, what: string, got: string | undefined, want: string): void => {
        httpWanted++;
        if (got === undefined) return;
        httpRead++;
        eq(at, what, got, want);
      };
      c.rows.forEach((r, i) => {
        const p = packets[i]!;
        const at = `${c.name} packet ${i + 1} (${p.point} ${p.dir})`;
        eq(at, 'frame.interface_name', first(r, 'frame.interface_name'), p.point);
        eq(at, 'frame.comment', r['frame.comment'] ?? [], p.comments);
        comments += (r['frame.comment'] ?? []).length;
        if (r['_ws.malformed'] !== undefined) problems.push(`${at} is malformed`);
        // Wireshark expert severities: 0x00800000 is an error (comments are 0x00100000).
        for (const s of r['_ws.expert.severity'] ?? []) if (Number(s) >= 0x800000) problems.push(`${at} has an expert error`);
        for (const f of ['ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'icmp.checksum.status']) {
          // 1 = good, 2 = unverified (an ICMP error quoting a cut packet); 0 = bad.
          for (const s of r[f] ?? []) if (s === '0') problems.push(`${at}: bad ${f}`);
        }
        const eth = p.frame.eth;
        eq(at, 'eth.src', first(r, 'eth.src'), fmtMac(eth.src));
        eq(at, 'eth.dst', first(r, 'eth.dst'), fmtMac(eth.dst));
        const l3 = eth.payload;
        if (l3.kind === 'arp') {
          eq(at, 'arp.opcode', first(r, 'arp.opcode'), String(l3.op));
          return;
        }
        if (l3.kind !== 'ipv4') return;
        // IP-in-IP: tshark lists the outer header, then the inner one.
        const ips: Ipv4[] = [l3];
        while (ips[ips.length - 1]!.payload.kind === 'ipv4') ips.push(ips[ips.length - 1]!.payload as Ipv4);
        const inner = ips[ips.length - 1]!;
        // An ICMP error quotes the offending packet's header, which tshark lists next.
        const all = [...ips];
        if (inner.payload.kind === 'icmp' && ICMP_ERRORS.has(inner.payload.type)) {
          const q = decodeQuote(inner.payload.body);
          if (q.ok) for (let x: Ipv4 | null = q.value.ip; x; x = x.payload.kind === 'ipv4' ? x.payload : null) all.push(x);
        }
        eq(at, 'ip.src', r['ip.src'], all.map((x) => fmtIp(x.src)));
        eq(at, 'ip.dst', r['ip.dst'], all.map((x) => fmtIp(x.dst)));
        eq(at, 'ip.ttl', r['ip.ttl'], all.map((x) => String(x.ttl)));
        const l4 = inner.payload;
        if (l4.kind === 'tcp') {
          eq(at, 'tcp.srcport', first(r, 'tcp.srcport'), String(l4.sport));
          eq(at, 'tcp.dstport', first(r, 'tcp.dstport'), String(l4.dport));
          eq(at, 'tcp.flags', Number(first(r, 'tcp.flags')), l4.flags);
          eq(at, 'tcp.seq_raw', first(r, 'tcp.seq_raw'), String(l4.seq));
          eq(at, 'tcp.ack_raw', first(r, 'tcp.ack_raw'), String(l4.ack));
          const text = latin1.decode(l4.payload.subarray(0, 2048));
          const req = /^(GET|POST|PUT|HEAD|DELETE) /.exec(text);
          const resp = /^HTTP\/1\.[01] (\d{3})/.exec(text);
          // A whole HTTP head in this one segment, seen for the first time (tshark takes later copies of the
          // same segment, captured further along the path, for retransmissions and does not dissect them again).
          const key = `${fmtIp(inner.src)}:${l4.sport}>${fmtIp(inner.dst)}:${l4.dport}/${l4.seq}/${l4.payload.length}`;
          const firstCopy = !seen.has(key);
          seen.add(key);
          if (firstCopy && req && text.includes('\r\n\r\n')) {
            http(at, 'http.request.method', first(r, 'http.request.method'), req[1]!);
          }
          if (firstCopy && resp && text.includes('\r\n\r\n') && (l4.dport === 80 || l4.sport === 80)) {
            http(at, 'http.response.code', first(r, 'http.response.code'), resp[1]!);
          }
        } else if (l4.kind === 'udp') {
          eq(at, 'udp.srcport', first(r, 'udp.srcport'), String(l4.sport));
          eq(at, 'udp.dstport', first(r, 'udp.dstport'), String(l4.dport));
        } else if (l4.kind === 'icmp') {
          eq(at, 'icmp.type', first(r, 'icmp.type'), String(l4.type));
        }
      });
      expect(problems.slice(0, 10)).toEqual([]);
      expect(httpRead).toBeGreaterThanOrEqual(httpWanted * 0.95);
      httpSeen += httpRead;
      expect(comments).toBe(stats.comments);
      // Every rewrite and every drop of a frame is explained on some packet.
      const all = new Set(packets.flatMap((p) => p.comments.flatMap((x) => x.split('; '))));
      for (const e of events) {
        if (e.kind === 'drop' && e.frame) expect([...all].some((x) => x.startsWith(`${e.node}: ${e.code}: `)), `${c.name}: drop ${e.code} at ${e.node} has no comment`).toBe(true);
        if (e.kind === 'rewrite') expect([...all].some((x) => x.startsWith(`${e.node}: `)), `${c.name}: rewrite at ${e.node} has no comment`).toBe(true);
      }
    });
  }

  it('checks HTTP somewhere', () => {
    expect(httpSeen).toBeGreaterThan(0);
  });
});

/**
 * Tier 1 of the test plan: known answers from real Linux packets, captured
 * between two network namespaces (fixtures/wire/capture.sh; how and on which
 * kernel in fixtures/README.md; tcpdump's annotated hex dump beside them in
 * fixtures/wire/captures.txt). Each packet must decode to the exact field
 * values tcpdump shows, verify its checksums, and re-encode to the same bytes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decode, decodeQuote, verify } from '../../src/wire/decode.js';
import { encode } from '../../src/wire/encode.js';
import { ethernetContentLength } from '../../src/wire/checksum.js';
import { summarize, tcpFlagsText } from '../../src/wire/summary.js';
import { ip, mac } from '../../src/wire/addr.js';
import { arp as mkArp, ethernet as mkEth, icmp as mkIcmp, ipv4 as mkIp, tcp as mkTcp, udp as mkUdp } from '../../src/wire/build.js';
import { encodeIpv4 } from '../../src/wire/encode.js';
import type { Ethernet, Icmp, Ipv4, Tcp, TcpOption, Udp } from '../../src/wire/types.js';
import { IP_FLAG, TCP_FLAG } from '../../src/wire/types.js';

// ---- a tiny classic-pcap reader (libpcap format: 24-byte global header, 16-byte record headers)

interface Packet {
  readonly tsSec: number;
  readonly tsUsec: number;
  readonly origLen: number;
  readonly bytes: Uint8Array;
}

function readPcap(name: string): Packet[] {
  const file = readFileSync(fileURLToPath(new URL(`../../fixtures/wire/${name}.pcap`, import.meta.url)));
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = v.getUint32(0, true);
  // 0xa1b2c3d4 written by a little-endian host reads back as itself; swapped means a big-endian writer.
  const le = magic === 0xa1b2c3d4;
  if (!le && magic !== 0xd4c3b2a1) throw new Error(`${name}: not a classic pcap file (magic 0x${magic.toString(16)})`);
  if (v.getUint32(20, le) !== 1) throw new Error(`${name}: link type is not Ethernet (DLT_EN10MB = 1)`);
  const out: Packet[] = [];
  for (let o = 24; o + 16 <= file.length; ) {
    const incl = v.getUint32(o + 8, le);
    out.push({ tsSec: v.getUint32(o, le), tsUsec: v.getUint32(o + 4, le), origLen: v.getUint32(o + 12, le), bytes: new Uint8Array(file.subarray(o + 16, o + 16 + incl)) });
    o += 16 + incl;
  }
  return out;
}

// ---- helpers

function frames(name: string, count: number): Ethernet[] {
  const pkts = readPcap(name);
  expect(pkts).toHaveLength(count);
  return pkts.map((p) => {
    expect(p.bytes.length).toBe(p.origLen); // nothing cut by the snap length
    const r = decode(p.bytes);
    if (!r.ok) throw new Error(`${name}: ${r.error.layer} at ${r.error.offset}: ${r.error.reason}`);
    const f = r.value;
    // Re-encoding gives the captured bytes; Linux's veth sends short frames unpadded, encode pads to 60.
    const again = encode(f);
    const n = ethernetContentLength(f);
    expect(n).toBe(p.bytes.length);
    expect(again.subarray(0, n)).toEqual(p.bytes);
    expect(again.subarray(n).every((b) => b === 0)).toBe(true);
    expect(verify(f).bad).toEqual([]);
    return f;
  });
}

function ipOf(f: Ethernet): Ipv4 {
  if (f.payload.kind !== 'ipv4') throw new Error('not IPv4');
  return f.payload;
}

function tcpOf(f: Ethernet): Tcp {
  const p = ipOf(f).payload;
  if (p.kind !== 'tcp') throw new Error('not TCP');
  return p;
}

const A1 = ip('10.0.0.1');
const A2 = ip('10.0.0.2');
const M1 = mac('02:00:00:00:00:01');
const M2 = mac('02:00:00:00:00:02');

/** The IPv4 header fields every captured packet shows, as tcpdump printed them. */
function expectIp(p: Ipv4, e: { src: number; dst: number; id: number; df: boolean; tos?: number; proto: number; checksum: number }): void {
  expect(p.src).toBe(e.src);
  expect(p.dst).toBe(e.dst);
  expect(p.id).toBe(e.id);
  expect(p.frag).toBe(e.df ? IP_FLAG.DF : 0);
  expect(p.ttl).toBe(64);
  expect(p.tos).toBe(e.tos ?? 0);
  expect(p.proto).toBe(e.proto);
  expect(p.checksum).toBe(e.checksum);
  expect(p.options).toBeNull();
}

const ts = (tsval: number, tsecr: number): TcpOption => ({ kind: 'timestamps', tsval, tsecr });
const NOP: TcpOption = { kind: 'nop' };
/** Linux's SYN and SYN-ACK option order: MSS, SACK permitted, timestamps, NOP, window scale. */
const synOptions = (tsval: number, tsecr: number): TcpOption[] => [
  { kind: 'mss', mss: 1460 },
  { kind: 'sack-permitted' },
  ts(tsval, tsecr),
  NOP,
  { kind: 'wscale', shift: 10 },
];

describe('real Linux captures (fixtures/wire/*.pcap)', () => {
  it('ARP request and reply', () => {
    const [req, rep] = frames('arp', 2);
    expect(req).toEqual({
      kind: 'eth',
      dst: 0xffffffffffff,
      src: M1,
      vlan: null,
      type: 0x0806,
      payload: { kind: 'arp', op: 1, sha: M1, spa: A1, tha: 0, tpa: A2 },
    });
    expect(rep).toEqual({
      kind: 'eth',
      dst: M1,
      src: M2,
      vlan: null,
      type: 0x0806,
      payload: { kind: 'arp', op: 2, sha: M2, spa: A2, tha: M1, tpa: A1 },
    });
    expect(encode(req!)).toHaveLength(60); // padded by encode: the capture shows 42 bytes from the sending side
    expect(summarize(req!)).toBe('02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.2 tell 10.0.0.1');
    expect(summarize(rep!)).toBe('02:00:00:00:00:02 > 02:00:00:00:00:01 ARP 10.0.0.2 is-at 02:00:00:00:00:02');
  });

  it('ping: echo request and reply', () => {
    const [req, rep] = frames('ping', 2);
    expect([req!.dst, req!.src, rep!.dst, rep!.src]).toEqual([M2, M1, M1, M2]);
    expectIp(ipOf(req!), { src: A1, dst: A2, id: 45069, df: true, proto: 1, checksum: 0x7699 });
    expectIp(ipOf(rep!), { src: A2, dst: A1, id: 39233, df: false, proto: 1, checksum: 0xcd65 });
    const data = new Uint8Array(56).map((_, i) => 0x10 + i);
    expect(ipOf(req!).payload).toEqual({ kind: 'icmp', type: 8, code: 0, checksum: 0xc320, rest: (31753 << 16) | 1, body: data });
    expect(ipOf(rep!).payload).toEqual({ kind: 'icmp', type: 0, code: 0, checksum: 0xcb20, rest: (31753 << 16) | 1, body: data });
    expect(summarize(req!)).toBe('10.0.0.1 > 10.0.0.2 ICMP echo request id=31753 seq=1');
    expect(summarize(rep!)).toBe('10.0.0.2 > 10.0.0.1 ICMP echo reply id=31753 seq=1');
  });

  it('UDP to a closed port and the ICMP port unreachable quoting it whole', () => {
    const [dgram, unreach] = frames('udp-unreach', 2);
    const u = ipOf(dgram!);
    expectIp(u, { src: A1, dst: A2, id: 23665, df: true, proto: 17, checksum: 0xca51 });
    expect(u.payload).toEqual<Udp>({ kind: 'udp', sport: 5000, dport: 53, checksum: 0x5946, payload: new TextEncoder().encode('hello lblab\n') });
    const e = ipOf(unreach!);
    expectIp(e, { src: A2, dst: A1, id: 39365, df: false, tos: 0xc0, proto: 1, checksum: 0xcc31 });
    const m = e.payload as Icmp;
    expect([m.kind, m.type, m.code, m.checksum, m.rest]).toEqual(['icmp', 3, 3, 0x1125, 0]);
    // Linux quotes the whole offending datagram (up to 576 bytes in all), not just header + 8.
    expect(m.body).toEqual(new Uint8Array([...readPcap('udp-unreach')[0]!.bytes.subarray(14)]));
    const q = decodeQuote(m.body);
    expect(q.ok && q.value.complete && q.value.ip).toEqual(u);
    expect(summarize(unreach!)).toBe('10.0.0.2 > 10.0.0.1 ICMP port unreachable (about UDP 10.0.0.1:5000 > 10.0.0.2:53)');
    // An RFC 792 minimal quote (header + 8 bytes) still tells what the error is about.
    const short = decodeQuote(m.body.subarray(0, 28));
    expect(short.ok && [short.value.complete, short.value.sport, short.value.dport, short.value.ip.src]).toEqual([false, 5000, 53, A1]);
  });

  it('TCP: handshake, a request and a reply, FIN close', () => {
    const f = frames('tcp', 10);
    const C = 1199660509; // client ISN
    const S = 521560335; // server ISN
    const rows = f.map((x) => {
      const p = ipOf(x);
      const t = tcpOf(x);
      return [p.src === A1 ? 'c>s' : 's>c', p.id, tcpFlagsText(t.flags), t.seq, t.ack, t.window, t.payload.length, t.checksum];
    });
    expect(rows).toEqual([
      ['c>s', 42893, 'S', C, 0, 64240, 0, 0xc415],
      ['s>c', 0, 'S.', S, C + 1, 65160, 0, 0x38f4],
      ['c>s', 42894, '.', C + 1, S + 1, 63, 0, 0x660d],
      ['c>s', 42895, 'P.', C + 1, S + 1, 63, 7, 0x918b],
      ['s>c', 49172, '.', S + 1, C + 8, 64, 0, 0x6605],
      ['s>c', 49173, 'P.', S + 1, C + 8, 64, 7, 0x1817],
      ['c>s', 42896, '.', C + 8, S + 8, 63, 0, 0x65ff],
      ['c>s', 42897, 'F.', C + 8, S + 8, 63, 0, 0x6535],
      ['s>c', 49174, 'F.', S + 8, C + 9, 64, 0, 0x646a],
      ['c>s', 42898, '.', C + 9, S + 9, 63, 0, 0x646b],
    ]);
    for (const x of f) {
      const p = ipOf(x);
      expect(p.frag).toBe(IP_FLAG.DF);
      expect(p.ttl).toBe(64);
      expect(tcpOf(x).urgent).toBe(0);
    }
    expectIp(ipOf(f[0]!), { src: A1, dst: A2, id: 42893, df: true, proto: 6, checksum: 0x7f2c });
    expectIp(ipOf(f[1]!), { src: A2, dst: A1, id: 0, df: true, proto: 6, checksum: 0x26ba });
    expect(tcpOf(f[0]!).options).toEqual(synOptions(3899148956, 0));
    expect(tcpOf(f[1]!).options).toEqual(synOptions(751688325, 3899148956));
    expect(tcpOf(f[2]!).options).toEqual([NOP, NOP, ts(3899148956, 751688325)]);
    expect(tcpOf(f[8]!).options).toEqual([NOP, NOP, ts(751688526, 3899149157)]);
    expect(new TextDecoder().decode(tcpOf(f[3]!).payload)).toBe('GET /\r\n');
    expect(new TextDecoder().decode(tcpOf(f[5]!).payload)).toBe('hello\r\n');
    expect(summarize(f[0]!)).toBe('10.0.0.1:40000 > 10.0.0.2:80 TCP [S] seq=1199660509 win=64240 len=0');
    expect(summarize(f[1]!)).toBe('10.0.0.2:80 > 10.0.0.1:40000 TCP [S.] seq=521560335 ack=1199660510 win=65160 len=0');
    expect(summarize(f[3]!)).toBe('10.0.0.1:40000 > 10.0.0.2:80 TCP [P.] seq=1199660510 ack=521560336 win=63 len=7');
  });

  it('SYN to a closed port answered by RST|ACK', () => {
    const [syn, rst] = frames('tcp-rst', 2);
    expectIp(ipOf(syn!), { src: A1, dst: A2, id: 5506, df: true, proto: 6, checksum: 0x1138 });
    expect(tcpOf(syn!).options).toEqual(synOptions(1954602345, 0));
    expectIp(ipOf(rst!), { src: A2, dst: A1, id: 0, df: true, proto: 6, checksum: 0x26ce });
    expect(tcpOf(rst!)).toEqual({
      kind: 'tcp',
      sport: 81,
      dport: 40001,
      seq: 0,
      ack: 1841150391, // RFC 9293 3.10.7.1: SEQ=0, ACK = SEG.SEQ + SEG.LEN (the SYN counts 1)
      flags: TCP_FLAG.RST | TCP_FLAG.ACK,
      window: 0,
      checksum: 0xd7c6,
      urgent: 0,
      options: [],
      payload: new Uint8Array(0),
    });
    expect(summarize(rst!)).toBe('10.0.0.2:81 > 10.0.0.1:40001 TCP [R.] seq=0 ack=1841150391 win=0 len=0');
  });

  it('the builders, computing every checksum themselves, produce the bytes Linux sent', () => {
    const bytesOf = (name: string, i: number): Uint8Array => readPcap(name)[i]!.bytes;
    const content = (f: Ethernet): Uint8Array => encode(f).subarray(0, ethernetContentLength(f));
    const DF = IP_FLAG.DF;

    expect(content(mkEth(0xffffffffffff, M1, mkArp(1, M1, A1, 0, A2)))).toEqual(bytesOf('arp', 0));

    const synack = mkTcp(A2, A1, { sport: 80, dport: 40000, seq: 521560335, ack: 1199660510, flags: TCP_FLAG.SYN | TCP_FLAG.ACK, window: 65160, options: synOptions(751688325, 3899148956) });
    expect(content(mkEth(M1, M2, mkIp({ src: A2, dst: A1, id: 0, frag: DF }, synack)))).toEqual(bytesOf('tcp', 1));

    const rst = mkTcp(A2, A1, { sport: 81, dport: 40001, seq: 0, ack: 1841150391, flags: TCP_FLAG.RST | TCP_FLAG.ACK, window: 0 });
    expect(content(mkEth(M1, M2, mkIp({ src: A2, dst: A1, id: 0, frag: DF }, rst)))).toEqual(bytesOf('tcp-rst', 1));

    const dgram = mkIp({ src: A1, dst: A2, id: 23665, frag: DF }, mkUdp(A1, A2, 5000, 53, new TextEncoder().encode('hello lblab\n')));
    expect(content(mkEth(M2, M1, dgram))).toEqual(bytesOf('udp-unreach', 0));
    // Linux: tos 0xc0 (IPTOS_PREC_INTERNETCONTROL), DF clear, the whole datagram quoted.
    const unreach = mkIp({ src: A2, dst: A1, id: 39365, tos: 0xc0 }, mkIcmp(3, 3, 0, encodeIpv4(dgram)));
    expect(content(mkEth(M1, M2, unreach))).toEqual(bytesOf('udp-unreach', 1));
  });
});

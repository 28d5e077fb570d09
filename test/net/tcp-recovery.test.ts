/**
 * Loss recovery as Linux 6.18 does it, each case measured on the real
 * kernel (two network namespaces on a veth pair, an nftables rule in the
 * client's input chain dropping the server's first data/FIN segments,
 * tcpdump on the server's side; see docs/host-model.md "TCP loss
 * recovery"): the tail loss probe, the collapsed retransmission and the FIN
 * held by the congestion window after an RTO; and which ICMP redirects
 * reach a TCP socket.
 */
import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/net/host.js';
import { MS } from '../../src/sim/time.js';
import { ip } from '../../src/wire/addr.js';
import { TCP_FLAG, type Tcp } from '../../src/wire/types.js';
import { tsvalOf } from '../../src/net/tcp-options.js';
import { ipv4, tcp as mkTcp } from '../../src/wire/build.js';
import { encodeIpv4 } from '../../src/wire/encode.js';
import type { EventTarget } from '../../src/sim/sim.js';
import { bytes, lan, tcpTx } from './helpers.js';

const { FIN, PSH } = TCP_FLAG;

function later(h: Host, delay: number, f: () => void): void {
  const t: EventTarget = { label: 'test', onEvent: f };
  h.net.sim.timer(delay, t, 1);
}

/** tcpdump-like flags: S, F, P, R then '.' for ACK. */
function flags(f: number): string {
  return (f & 2 ? 'S' : '') + (f & 1 ? 'F' : '') + (f & 8 ? 'P' : '') + (f & 4 ? 'R' : '') + (f & 16 ? '.' : '');
}

/**
 * The python exchange of the kernel measurement: the client sends 50 bytes;
 * the server answers 100 bytes `service` later and closes `closeAfter`
 * after that; the client reads to the end and closes. The first `drop`
 * server segments carrying data or FIN are lost before the client.
 */
function exchange(drop: number, service = 5 * MS, closeAfter = 0, sysctls: Record<string, number> = {}) {
  const { net, client, server, rec } = lan();
  for (const [k, v] of Object.entries(sysctls)) server.sysctl.set(k, v);
  let lost = 0;
  client.hooks.input.push((p) => {
    if (p.payload.kind === 'tcp' && p.payload.sport === 8080 && p.payload.flags & (FIN | PSH) && lost < drop) {
      lost++;
      return null;
    }
    return p;
  });
  server.tcp.listen(8080, {}, () => ({
    data: (conn) =>
      later(server, service, () => {
        conn.send(new Uint8Array(100).fill(82));
        if (closeAfter === 0) conn.close();
        else later(server, closeAfter, () => conn.close());
      }),
    peerClosed: (conn) => conn.close(),
  }));
  client.tcp.connect(ip('10.0.0.2'), 8080, { connected: (c) => c.send(bytes('Q'.repeat(50))), peerClosed: (c) => c.close() });
  net.run();
  const segs = tcpTx(rec.events);
  const isn: Record<string, number> = {};
  const peer: Record<string, number> = {};
  for (const x of segs) {
    if (x.seg.flags & 2) isn[x.ev.node] = x.seg.seq;
  }
  for (const n of Object.keys(isn)) peer[n] = isn[n === 'client' ? 'server' : 'client']!;
  return segs.map((x) => {
    const n = x.ev.node;
    const rs = (x.seg.seq - isn[n]!) >>> 0;
    const end = rs + x.seg.payload.length;
    const ack = x.seg.flags & 16 ? ` ack ${(x.seg.ack - peer[n]!) >>> 0}` : '';
    const seq = x.seg.payload.length ? ` ${rs}:${end}` : ` ${rs}`;
    return `${(x.t / MS).toFixed(3)} ${n} [${flags(x.seg.flags)}]${seq}${ack}`;
  });
}

/** The frames of the two hosts (not the switch's forwarding). */
const ends = (lines: string[]) => lines.filter((l) => !l.includes(' sw1 '));

describe('TCP loss recovery (Linux 6.18)', () => {
  it('a lost response tail: a loss probe re-sends the FIN after 2*SRTT + 2 ms, the RTO one RTO later re-sends data and FIN as one FIN|PSH|ACK', () => {
    // Kernel (quota 256 bytes: data, FIN and the probe lost): [P.] 1:101 at t, [F.] 101 at t + 0.06 ms,
    // the probe [F.] 101 at 5.9 / 5.9 / 7.9 ms after the FIN (2 * SRTT + 2 ms, rounded up to a 4 ms jiffy),
    // [FP.] 1:101 at 208 / 208 / 212 ms after the probe (the 204 ms RTO plus a tick), then the client's [F.] ack 102.
    expect(ends(exchange(3))).toEqual([
      '0.042 client [S] 0',
      '0.063 server [S.] 0 ack 1',
      '0.085 client [.] 1 ack 1',
      '0.085 client [P.] 1:51 ack 1',
      '0.107 server [.] 1 ack 51',
      '5.107 server [P.] 1:101 ack 51',
      '5.107 server [F.] 101 ack 51',
      '7.192 server [F.] 101 ack 51', // the probe: 2 * SRTT (2 * 42.5 us) + 2 ms after the FIN
      '207.234 server [FP.] 1:101 ack 51', // RTO (SRTT + 200 ms) after the probe, the FIN collapsed into it
      '207.257 client [F.] 51 ack 102',
      '207.278 server [.] 102 ack 52',
    ]);
  });

  it('with tcp_retrans_collapse=0 the retransmission carries the data alone and the FIN follows its ACK', () => {
    const lines = ends(exchange(3, 5 * MS, 0, { 'net.ipv4.tcp_retrans_collapse': 0 }));
    expect(lines.slice(7)).toEqual([
      '7.192 server [F.] 101 ack 51',
      '207.234 server [P.] 1:101 ack 51',
      '207.257 client [.] 51 ack 101',
      '207.278 server [F.] 101 ack 51',
      '207.299 client [F.] 51 ack 102',
      '207.320 server [.] 102 ack 52',
    ]);
  });

  it('with tcp_early_retrans=0 there is no probe: the RTO alone re-sends the tail, collapsed', () => {
    expect(ends(exchange(2, 5 * MS, 0, { 'net.ipv4.tcp_early_retrans': 0 })).slice(5)).toEqual([
      '5.107 server [P.] 1:101 ack 51',
      '5.107 server [F.] 101 ack 51',
      '205.149 server [FP.] 1:101 ack 51', // SRTT + 200 ms after the data
      '205.172 client [F.] 51 ack 102',
      '205.193 server [.] 102 ack 52',
    ]);
  });

  it('one segment in flight: the probe waits 2*SRTT + 200 ms capped at the RTO; after the RTO a FIN without data waits for cwnd (Linux 6.10+)', () => {
    // Kernel (server closes 600 ms after its write; data, probe and first RTO lost): [P.] at t, the probe
    // [P.] at t + 207.9 / 204.9 / 209.6 ms, the RTO [P.] 208 ms after it, then nothing at close() (cwnd 1,
    // the retransmission in flight), the second RTO [P.] 412 / 420 ms later, its ACK, and only then [F.] 101.
    expect(ends(exchange(3, 5 * MS, 600 * MS)).slice(5)).toEqual([
      '5.107 server [P.] 1:101 ack 51',
      '205.149 server [P.] 1:101 ack 51', // the probe: min(2 * SRTT + 200 ms, RTO) = the RTO
      '405.192 server [P.] 1:101 ack 51', // the RTO, one RTO after the probe
      '805.276 server [P.] 1:101 ack 51', // doubled; the FIN of close() at 605 ms waited behind cwnd 1
      '805.299 client [.] 51 ack 101',
      '805.320 server [F.] 101 ack 51',
      '805.341 client [F.] 51 ack 102',
      '805.363 server [.] 102 ack 52',
    ]);
  });

  it('without loss the response and FIN leave back to back and no probe fires', () => {
    const lines = ends(exchange(0));
    expect(lines.slice(5)).toEqual([
      '5.107 server [P.] 1:101 ack 51',
      '5.107 server [F.] 101 ack 51',
      '5.130 client [.] 51 ack 101',
      '5.130 client [F.] 51 ack 102',
      '5.151 server [.] 102 ack 52',
    ]);
  });
});

describe('ICMP redirects reach TCP only through the quoted segment\'s socket (tcp_v4_err)', () => {
  it('applies to a live connection with the quoted seq in SND.UNA..SND.NXT, not to another seq, another tuple or no socket', () => {
    const { net, client, server } = lan();
    server.tcp.listen(80, {}, () => ({}));
    const c = client.tcp.connect(ip('10.0.0.2'), 80, {});
    net.run();
    expect(c.state).toBe('ESTABLISHED');
    const quote = (sport: number, seq: number) => encodeIpv4(ipv4({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }, mkTcp(ip('10.0.0.1'), ip('10.0.0.2'), { sport, dport: 80, seq, ack: 0, flags: TCP_FLAG.ACK, window: 0 })));
    expect(client.tcp.ownsQuoted(quote(c.localPort, c.sndNxt))).toBe(true);
    expect(client.tcp.ownsQuoted(quote(c.localPort, (c.sndNxt + 1) >>> 0))).toBe(false);
    expect(client.tcp.ownsQuoted(quote(c.localPort, (c.sndUna - 1) >>> 0))).toBe(false);
    expect(client.tcp.ownsQuoted(quote(c.localPort + 1, c.sndNxt))).toBe(false);
  });
});

describe('TIME_WAIT reuse by a new SYN (tcp_timewait_state_process)', () => {
  it('accepts a SYN with a newer timestamp on a TIME_WAIT 4-tuple; the new ISN is the old SND.NXT + 65537', () => {
    // Kernel 6.18 (server closes first, client re-binds port 40000 after 1 s): the server, in TIME_WAIT,
    // answers the new SYN with SYN-ACK seq 2708520199 = its old SND.NXT 2708454662 + 65537; both TSvals
    // rose by the 1001 ms between the connections (one offset per address pair, secure_tcp_ts_off).
    const { net, client, server, rec } = lan();
    server.tcp.listen(8080, {}, () => ({ data: (c) => (c.send(bytes('R'.repeat(10))), c.close()) }));
    const open = () => client.tcp.connect(ip('10.0.0.2'), 8080, { connected: (c) => c.send(bytes('Q'.repeat(10))), peerClosed: (c) => c.close() }, { sport: 40000 });
    open();
    later(server, 1000 * MS, open);
    net.run(3000 * MS);
    const tsOf = (x: { seg: Tcp }) => tsvalOf(x.seg)!;
    const synacks = tcpTx(rec.events, 'server').filter((x) => x.seg.flags === (TCP_FLAG.SYN | TCP_FLAG.ACK));
    const syns = tcpTx(rec.events, 'client').filter((x) => x.seg.flags === TCP_FLAG.SYN);
    expect(syns.length).toBe(2);
    expect(synacks.length).toBe(2);
    const oldFin = tcpTx(rec.events, 'server').find((x) => x.seg.flags & FIN)!;
    expect(synacks[1]!.seg.seq).toBe((oldFin.seg.seq + 1 + 65537) >>> 0);
    expect(((tsOf(syns[1]!) - tsOf(syns[0]!)) >>> 0)).toBe(1000);
    expect(((tsOf(synacks[1]!) - tsOf(synacks[0]!)) >>> 0)).toBe(1000);
    expect(server.tcp.connections().map((c) => c.state)).toEqual(['TIME_WAIT']);
  });

  it('rejects a SYN whose timestamp is older than TS_recent (PAWS) and answers it with an ACK, the TIME_WAIT staying', () => {
    const { net, client, server, rec } = lan();
    server.tcp.listen(8080, {}, () => ({ data: (c) => (c.send(bytes('R'.repeat(10))), c.close()) }));
    client.tcp.connect(ip('10.0.0.2'), 8080, { connected: (c) => c.send(bytes('Q'.repeat(10))), peerClosed: (c) => c.close() }, { sport: 40000 });
    net.run(1000 * MS);
    const tw = server.tcp.connections()[0]!;
    expect(tw.state).toBe('TIME_WAIT');
    // A SYN from the same 4-tuple whose TSval went back in time (another host behind the same NAT address, say).
    const old = tcpTx(rec.events, 'client').at(-1)!;
    const seg = mkTcp(old.ip.src, old.ip.dst, {
      sport: old.seg.sport,
      dport: old.seg.dport,
      seq: (old.seg.seq + 100000) >>> 0,
      ack: 0,
      flags: TCP_FLAG.SYN,
      window: 64240,
      options: [{ kind: 'timestamps', tsval: (tsvalOf(old.seg)! - 5000) >>> 0, tsecr: 0 }],
    });
    server.tcp.input(ipv4({ src: old.ip.src, dst: old.ip.dst }, seg), null, null);
    const answer = tcpTx(rec.events, 'server').at(-1)!;
    expect(answer.seg.flags).toBe(TCP_FLAG.ACK);
    expect(server.tcp.connections()).toEqual([tw]);
  });
});


import { describe, expect, it } from 'vitest';
import { Host } from '../../src/net/host.js';
import type { TcpConnection } from '../../src/net/tcp.js';
import { MS, SEC } from '../../src/sim/time.js';
import { ip } from '../../src/wire/addr.js';
import { tcp as mkTcp } from '../../src/wire/build.js';
import { ipv4Checksum, tcpChecksum } from '../../src/wire/checksum.js';
import { natRewrite } from '../../src/wire/rewrite.js';
import { IP_FLAG, TCP_FLAG } from '../../src/wire/types.js';
import type { EventTarget } from '../../src/sim/sim.js';
import { bytes, drops, hostOn, lan, recorder, tcpStates, tcpTx, text } from './helpers.js';

const { SYN, ACK, FIN, RST, PSH } = TCP_FLAG;

/** Runs `f` after `delay` ns of simulated time. */
function later(h: Host, delay: number, f: () => void): void {
  const t: EventTarget = { label: 'test', onEvent: f };
  h.net.sim.timer(delay, t, 1);
}

/** A server app: answers each request after `service` ns with `body`, then closes (HTTP/1.0 style). */
function answerAfter(server: Host, port: number, service: number, body: Uint8Array, close = true) {
  const accepted: TcpConnection[] = [];
  const l = server.tcp.listen(port, {}, (c) => {
    accepted.push(c);
    return {
      data: (conn) =>
        later(server, service, () => {
          conn.send(body);
          if (close) conn.close();
        }),
      peerClosed: (conn) => conn.close(),
    };
  });
  return { l, accepted };
}

const checksumsValid = (x: { ip: Parameters<typeof ipv4Checksum>[0]; seg: Parameters<typeof tcpChecksum>[2] }) =>
  x.ip.checksum === ipv4Checksum(x.ip) && x.seg.checksum === tcpChecksum(x.ip.src, x.ip.dst, x.seg);

describe('TCP three-way handshake', () => {
  it('sends Linux SYN, SYN-ACK and ACK frames: options in order, windows, DF, ids, checksums', () => {
    const { net, client, server, rec } = lan();
    server.tcp.listen(80, {}, () => ({}));
    const app = recorder();
    const c = client.tcp.connect(ip('10.0.0.2'), 80, app.h);
    net.run(1 * SEC);
    const segs = tcpTx(rec.events).filter((x) => x.ev.node !== 'sw1');
    expect(segs.map((x) => `${x.ev.node}:${x.seg.flags}`)).toEqual([`client:${SYN}`, `server:${SYN | ACK}`, `client:${ACK}`]);
    const [syn, synack, ack3] = segs as [(typeof segs)[0], (typeof segs)[0], (typeof segs)[0]];

    // SYN: Linux option order mss, sackOK, TS, nop, wscale; window 64240; DF; TTL 64; the socket's random IP id.
    expect(syn.seg.sport).toBe(c.localPort);
    expect(c.localPort % 2).toBe(0); // Linux connect() prefers even ephemeral ports
    expect(c.localPort).toBeGreaterThanOrEqual(32768);
    expect(c.localPort).toBeLessThanOrEqual(60999);
    expect(syn.seg.dport).toBe(80);
    expect(syn.seg.ack).toBe(0);
    expect(syn.seg.window).toBe(64240);
    expect(syn.seg.payload.length).toBe(0);
    const synTs = syn.seg.options[2] as { kind: 'timestamps'; tsval: number; tsecr: number };
    expect(syn.seg.options).toEqual([
      { kind: 'mss', mss: 1460 },
      { kind: 'sack-permitted' },
      { kind: 'timestamps', tsval: synTs.tsval, tsecr: 0 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 7 },
    ]);
    expect(syn.ip.frag).toBe(IP_FLAG.DF);
    expect(syn.ip.ttl).toBe(64);
    expect(syn.ip.src).toBe(ip('10.0.0.1'));
    expect(syn.ip.dst).toBe(ip('10.0.0.2'));
    expect(checksumsValid(syn)).toBe(true);

    // SYN-ACK: ack = ISN + 1, window 65160, timestamps echoed, IP id 0 (request socket, DF).
    expect(synack.seg.ack).toBe((syn.seg.seq + 1) >>> 0);
    expect(synack.seg.sport).toBe(80);
    expect(synack.seg.dport).toBe(c.localPort);
    expect(synack.seg.window).toBe(65160);
    const saTs = synack.seg.options[2] as { kind: 'timestamps'; tsval: number; tsecr: number };
    expect(synack.seg.options).toEqual([
      { kind: 'mss', mss: 1460 },
      { kind: 'sack-permitted' },
      { kind: 'timestamps', tsval: saTs.tsval, tsecr: synTs.tsval },
      { kind: 'nop' },
      { kind: 'wscale', shift: 7 },
    ]);
    expect(synack.ip.id).toBe(0);
    expect(synack.ip.frag).toBe(IP_FLAG.DF);
    expect(checksumsValid(synack)).toBe(true);

    // Third ACK: seq ISN + 1, ack = server ISN + 1, window 502 (scaled by 7), NOP NOP TS, IP id + 1.
    expect(ack3.seg.seq).toBe((syn.seg.seq + 1) >>> 0);
    expect(ack3.seg.ack).toBe((synack.seg.seq + 1) >>> 0);
    expect(ack3.seg.window).toBe(502);
    expect(ack3.seg.options).toEqual([{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsval: synTs.tsval, tsecr: saTs.tsval }]);
    expect(ack3.ip.id).toBe((syn.ip.id + 1) & 0xffff);
    expect(checksumsValid(ack3)).toBe(true);

    expect(app.log).toEqual(['connected']);
    expect(c.state).toBe('ESTABLISHED');
    expect(tcpStates(rec.events)).toEqual([
      'client CLOSED->SYN_SENT',
      'server LISTEN->SYN_RECEIVED',
      'client SYN_SENT->ESTABLISHED',
      'server SYN_RECEIVED->ESTABLISHED',
    ]);
    // The state events name the connection and say why.
    const st = rec.events.find((e) => e.kind === 'state' && e.change.what === 'tcp');
    expect(st && st.kind === 'state' && st.change).toEqual({ what: 'tcp', conn: `10.0.0.1:${c.localPort}->10.0.0.2:80`, from: 'CLOSED', to: 'SYN_SENT' });
  });
});

describe('TCP data and close', () => {
  it('request, bare ACK, response after a service time, separate FIN, delayed ACK of the FIN, TIME_WAIT for 60 s', () => {
    const { net, client, server, rec } = lan();
    const { accepted } = answerAfter(server, 80, 50 * MS, bytes('HTTP/1.0 200 OK\r\n\r\nhi'));
    const app = recorder();
    const c = client.tcp.connect(ip('10.0.0.2'), 80, {
      ...app.h,
      connected: (conn) => (app.log.push('connected'), conn.send(bytes('GET / HTTP/1.0\r\n\r\n'))),
      peerClosed: (conn) => {
        app.log.push('peerClosed');
        later(client, 200 * MS, () => conn.close()); // the application closes 200 ms later
      },
    });
    expect(net.run().reason).toBe('idle');
    const segs = tcpTx(rec.events).filter((x) => x.ev.node !== 'sw1');
    const desc = segs.map((x) => `${x.ev.node} ${x.seg.flags} ${x.seg.payload.length}`);
    expect(desc).toEqual([
      `client ${SYN} 0`,
      `server ${SYN | ACK} 0`,
      `client ${ACK} 0`,
      `client ${PSH | ACK} 18`, // the request
      `server ${ACK} 0`, // quick ACK of the request, before the response
      `server ${PSH | ACK} 21`, // the response, 50 ms later
      `server ${FIN | ACK} 0`, // its FIN, a separate segment
      `client ${ACK} 0`, // quick ACK of the data
      `client ${ACK} 0`, // the ACK of the FIN, delayed 40 ms (pingpong after FIN)
      `client ${FIN | ACK} 0`, // the application's close, 200 ms after the FIN
      `server ${ACK} 0`, // from the orphaned FIN_WAIT_2 mini socket
    ]);
    const at = (i: number) => segs[i]!.t;
    expect(at(5) - at(3)).toBeGreaterThanOrEqual(50 * MS);
    expect(at(5) - at(4)).toBe(50 * MS);
    expect(at(8) - at(6)).toBeGreaterThanOrEqual(40 * MS);
    expect(at(8) - at(6)).toBeLessThan(41 * MS);
    // Sequence and ack numbers follow the bytes.
    const req = segs[3]!.seg;
    const resp = segs[5]!.seg;
    expect(segs[4]!.seg.ack).toBe((req.seq + 18) >>> 0);
    expect(segs[6]!.seg.seq).toBe((resp.seq + 21) >>> 0);
    expect(segs[8]!.seg.ack).toBe((resp.seq + 22) >>> 0); // FIN counts one
    expect(segs[10]!.seg.ack).toBe((req.seq + 19) >>> 0);
    // Server segments after the handshake carry window 509; ids count up from the child's random start.
    expect(segs[4]!.seg.window).toBe(509);
    expect(segs[5]!.ip.id).toBe((segs[4]!.ip.id + 1) & 0xffff);
    expect(segs[6]!.ip.id).toBe((segs[4]!.ip.id + 2) & 0xffff);
    // Client ids keep counting from its SYN.
    expect(segs.filter((x) => x.ev.node === 'client').map((x) => (x.ip.id - segs[0]!.ip.id) & 0xffff)).toEqual([0, 1, 2, 3, 4, 5]);
    // The final ACK comes from a mini socket: IP id 0, still with timestamps and window 509.
    expect(segs[10]!.ip.id).toBe(0);
    expect(segs[10]!.seg.window).toBe(509);
    expect(segs[10]!.seg.options.length).toBe(3);
    for (const x of segs) expect(checksumsValid(x)).toBe(true);

    expect(app.got.join('')).toBe('HTTP/1.0 200 OK\r\n\r\nhi');
    expect(app.log).toEqual(['connected', 'peerClosed', 'closed:normal']);
    expect(c.state).toBe('CLOSED');
    expect(accepted[0]!.state).toBe('CLOSED');
    expect(tcpStates(rec.events).slice(4)).toEqual([
      'server ESTABLISHED->FIN_WAIT_1',
      'client ESTABLISHED->CLOSE_WAIT',
      'server FIN_WAIT_1->FIN_WAIT_2',
      'client CLOSE_WAIT->LAST_ACK',
      'server FIN_WAIT_2->TIME_WAIT',
      'client LAST_ACK->CLOSED',
      'server TIME_WAIT->CLOSED',
    ]);
    // TIME_WAIT lasts exactly 60 s (Linux TCP_TIMEWAIT_LEN).
    const stateAt = (s: string) => rec.events.find((e) => e.kind === 'state' && e.change.what === 'tcp' && `${e.node} ${(e.change as { from: string }).from}->${(e.change as { to: string }).to}` === s)!.t;
    expect(stateAt('server TIME_WAIT->CLOSED') - stateAt('server FIN_WAIT_2->TIME_WAIT')).toBe(60 * SEC);
    expect(client.tcp.count).toBe(0);
    expect(server.tcp.count).toBe(0);
  });

  it('the client closing first: FIN|ACK, the server FIN|ACK piggybacks the ACK, client TIME_WAIT', () => {
    const { net, client, server, rec } = lan();
    server.tcp.listen(80, {}, () => ({ data: (conn, b) => conn.send(b), peerClosed: (conn) => conn.close() }));
    const app = recorder();
    const c = client.tcp.connect(ip('10.0.0.2'), 80, {
      ...app.h,
      connected: (conn) => conn.send(bytes('hello\r\n')),
      data: (conn, b) => {
        app.got.push(text(b));
        later(client, 200 * MS, () => conn.close());
      },
    });
    net.run();
    const segs = tcpTx(rec.events).filter((x) => x.ev.node !== 'sw1');
    expect(segs.slice(3).map((x) => `${x.ev.node} ${x.seg.flags} ${x.seg.payload.length}`)).toEqual([
      `client ${PSH | ACK} 7`,
      `server ${ACK} 0`, // quick ACK first, as Linux does even for an instant answer
      `server ${PSH | ACK} 7`,
      `client ${ACK} 0`,
      `client ${FIN | ACK} 0`,
      `server ${FIN | ACK} 0`,
      `client ${ACK} 0`,
    ]);
    expect(app.got).toEqual(['hello\r\n']);
    expect(tcpStates(rec.events).filter((s) => s.startsWith('client'))).toEqual([
      'client CLOSED->SYN_SENT',
      'client SYN_SENT->ESTABLISHED',
      'client ESTABLISHED->FIN_WAIT_1',
      'client FIN_WAIT_1->FIN_WAIT_2',
      'client FIN_WAIT_2->TIME_WAIT',
      'client TIME_WAIT->CLOSED',
    ]);
    // Sequence numbers as in fixtures/wire/captures.txt (client ISN C, server ISN S).
    const C = segs[0]!.seg.seq;
    const S = segs[1]!.seg.seq;
    const rel = segs.map((x) => (x.ev.node === 'client' ? [x.seg.seq - C, x.seg.ack - S] : [x.seg.seq - S, x.seg.ack - C]).map((v) => v >>> 0));
    rel[0]![1] = 0; // the SYN's ack field is 0, not relative to S
    expect(rel).toEqual([[0, 0], [0, 1], [1, 1], [1, 1], [1, 8], [1, 8], [8, 8], [8, 8], [8, 9], [9, 9]]);
    // The ACK sent on FIN|ACK in FIN_WAIT_1 comes from the full socket: its id continues the counter.
    expect(segs[9]!.ip.id).toBe((segs[7]!.ip.id + 1) & 0xffff);
    expect(c.state).toBe('CLOSED');
    expect(app.log).toContain('closed:normal');
  });

  it('simultaneous close: FINs cross, both sides pass CLOSING into TIME_WAIT', () => {
    const { net, client, server, rec } = lan();
    let sconn: TcpConnection | null = null;
    server.tcp.listen(80, {}, (c) => {
      sconn = c;
      return {};
    });
    const c = client.tcp.connect(ip('10.0.0.2'), 80, {});
    later(client, 10 * MS, () => {
      c.close();
      sconn!.close();
    });
    net.run();
    const st = tcpStates(rec.events);
    for (const n of ['client', 'server']) {
      expect(st.filter((x) => x.startsWith(n)).slice(-4)).toEqual([
        `${n} ESTABLISHED->FIN_WAIT_1`,
        `${n} FIN_WAIT_1->CLOSING`,
        `${n} CLOSING->TIME_WAIT`,
        `${n} TIME_WAIT->CLOSED`,
      ]);
    }
    const after = tcpTx(rec.events).filter((x) => x.ev.node !== 'sw1' && x.t >= 10 * MS);
    expect(after.map((x) => `${x.ev.node} ${x.seg.flags}`).sort()).toEqual([`client ${ACK}`, `client ${FIN | ACK}`, `server ${ACK}`, `server ${FIN | ACK}`]);
    expect(after.slice(0, 2).every((x) => x.seg.flags === (FIN | ACK))).toBe(true);
  });

  it('segments a large write by the MSS less timestamps (1448) and delivers every byte in order', () => {
    const { net, client, server, rec } = lan();
    const big = new Uint8Array(100_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
    let got = 0;
    let ok = true;
    server.tcp.listen(80, {}, () => ({
      data: (_c, b) => {
        for (let i = 0; i < b.length; i++) if (b[i] !== ((got + i) * 7) % 256) ok = false;
        got += b.length;
      },
      peerClosed: (conn) => conn.close(),
    }));
    client.tcp.connect(ip('10.0.0.2'), 80, { connected: (conn) => (conn.send(big), conn.close()) });
    net.run();
    expect(got).toBe(100_000);
    expect(ok).toBe(true);
    const data = tcpTx(rec.events, 'client').filter((x) => x.seg.payload.length > 0);
    expect(data.length).toBe(Math.ceil(100_000 / 1448));
    expect(data.slice(0, -1).every((x) => x.seg.payload.length === 1448)).toBe(true);
    // IW10: the first flight is 10 segments before any ACK comes back.
    const firstAck = tcpTx(rec.events, 'server').find((x) => x.seg.flags === ACK)!.t;
    expect(data.filter((x) => x.t < firstAck).length).toBe(10);
    expect(data.filter((x) => x.seg.flags & PSH).length).toBe(1); // PSH only on the last segment of the write
    expect(data.at(-1)!.seg.flags & PSH).toBe(PSH);
  });

  it('retransmits a lost data segment after the RTO (RFC 6298, 200 ms floor) and recovers', () => {
    const { net, client, server, rec } = lan();
    let dropped = 0;
    server.hooks.input.push((p) => {
      if (p.payload.kind === 'tcp' && p.payload.payload.length > 0 && dropped === 0) {
        dropped++;
        return null;
      }
      return p;
    });
    const got: string[] = [];
    server.tcp.listen(80, {}, () => ({ data: (_c, b) => got.push(text(b)) }));
    const c = client.tcp.connect(ip('10.0.0.2'), 80, { connected: (conn) => conn.send(bytes('once')) });
    net.run(5 * SEC);
    expect(got).toEqual(['once']);
    expect(c.retransmits).toBe(1);
    const data = tcpTx(rec.events, 'client').filter((x) => x.seg.payload.length > 0);
    expect(data.length).toBe(2);
    expect(data[1]!.seg.seq).toBe(data[0]!.seg.seq);
    // RTO = SRTT + max(4 RTTVAR, 200 ms): the handshake RTT is tens of microseconds, so about 200 ms.
    const gap = data[1]!.t - data[0]!.t;
    expect(gap).toBeGreaterThanOrEqual(200 * MS);
    expect(gap).toBeLessThan(201 * MS);
    expect(data[1]!.ip.id).toBe((data[0]!.ip.id + 1) & 0xffff);
  });

  it('abort() sends RST|ACK with seq = SND.NXT; the peer reports ECONNRESET', () => {
    const { net, client, server, rec } = lan();
    const srv = recorder();
    server.tcp.listen(80, {}, () => srv.h);
    const c = client.tcp.connect(ip('10.0.0.2'), 80, { connected: (conn) => later(client, 10 * MS, () => conn.abort()) });
    net.run();
    const rst = tcpTx(rec.events, 'client').at(-1)!;
    expect(rst.seg.flags).toBe(RST | ACK);
    expect(rst.seg.seq).toBe(c.sndNxt);
    expect(srv.err).toBe('ECONNRESET');
    expect(srv.log).toEqual(['error:ECONNRESET', 'closed:error']);
    expect(c.state).toBe('CLOSED');
  });
});

describe('TCP on one host', () => {
  it('connects over loopback to its own address', () => {
    const { net, server } = lan();
    server.tcp.listen(80, {}, () => ({ data: (conn, b) => (conn.send(b), conn.close()) }));
    const app = recorder();
    server.tcp.connect(ip('10.0.0.2'), 80, { ...app.h, connected: (conn) => conn.send(bytes('self')), peerClosed: (conn) => conn.close() });
    net.run();
    expect(app.got).toEqual(['self']);
    expect(app.log).toEqual(['closed:normal']);
    expect(server.tcp.count).toBe(0);
  });
});

describe('TCP answers to segments that match no socket', () => {
  it('a SYN to a closed port gets RST|ACK (seq 0, ack = ISN + 1, window 0, id 0, DF) and connect() fails with ECONNREFUSED', () => {
    const { net, client, rec } = lan();
    const app = recorder();
    const c = client.tcp.connect(ip('10.0.0.2'), 81, app.h);
    net.run();
    const syn = tcpTx(rec.events, 'client')[0]!;
    const rst = tcpTx(rec.events, 'server')[0]!;
    expect(rst.seg.flags).toBe(RST | ACK);
    expect(rst.seg.seq).toBe(0);
    expect(rst.seg.ack).toBe((syn.seg.seq + 1) >>> 0);
    expect(rst.seg.window).toBe(0);
    expect(rst.seg.options).toEqual([]);
    expect(rst.seg.sport).toBe(81);
    expect(rst.seg.dport).toBe(c.localPort);
    expect(rst.ip.id).toBe(0);
    expect(rst.ip.frag).toBe(IP_FLAG.DF);
    expect(rst.ip.ttl).toBe(64);
    expect(checksumsValid(rst)).toBe(true);
    const d = drops(rec.events).find((e) => e.node === 'server')!;
    expect(d.code).toBe('tcp-no-socket');
    expect(d.text).toBe(`nothing listens on TCP port 81 of server (10.0.0.2); it answers the SYN from 10.0.0.1:${c.localPort} with RST|ACK`);
    expect(app.err).toBe('ECONNREFUSED');
    expect(app.log).toEqual(['error:ECONNREFUSED', 'closed:error']);
    expect(tcpStates(rec.events)).toEqual(['client CLOSED->SYN_SENT', 'client SYN_SENT->CLOSED']);
  });

  it('an unexpected SYN-ACK gets a bare RST whose seq is the SYN-ACK ack number', () => {
    const { net, server, rec } = lan();
    const cA = ip('10.0.0.1');
    const sA = ip('10.0.0.2');
    server.sendPayload(sA, cA, mkTcp(sA, cA, { sport: 80, dport: 40000, seq: 1000, ack: 55555, flags: SYN | ACK, window: 65160 }), { id: 0 });
    net.run();
    const rst = tcpTx(rec.events, 'client')[0]!;
    expect(rst.seg).toMatchObject({ sport: 40000, dport: 80, seq: 55555, ack: 0, flags: RST, window: 0 });
    expect(rst.ip.id).toBe(0);
    expect(checksumsValid(rst)).toBe(true);
    expect(drops(rec.events).find((e) => e.node === 'client')!.code).toBe('tcp-no-socket');
  });

  it('a stray RST is dropped silently', () => {
    const { net, server, rec } = lan();
    const cA = ip('10.0.0.1');
    const sA = ip('10.0.0.2');
    server.sendPayload(sA, cA, mkTcp(sA, cA, { sport: 80, dport: 40000, seq: 1000, ack: 0, flags: RST, window: 0 }), { id: 0 });
    net.run();
    expect(tcpTx(rec.events, 'client')).toEqual([]);
    const d = drops(rec.events).find((e) => e.node === 'client')!;
    expect(d.code).toBe('tcp-rst-ignored');
    expect(d.text).toBe('client has no connection from 10.0.0.2:80 to port 40000; the RST is dropped silently');
  });
});

describe('the one-arm return-path bug (DOMAIN.md section 3)', () => {
  it('client RSTs the server SYN-ACK, the server drops its half-open connection, connect() times out', () => {
    const { net, sw, client, server, rec } = lan();
    // A one-arm "LB" owns the VIP and DNATs it to the server; the server answers the client directly.
    const lb = hostOn(net, sw, 'lb', '10.0.0.3');
    lb.sysctl.set('net.ipv4.ip_forward', 1);
    const vip = ip('10.0.0.100');
    lb.addAddress(lb.ifaces[0]!, vip, 32);
    lb.hooks.prerouting.push((p) => (p.dst === vip && p.payload.kind === 'tcp' ? natRewrite(p, p.src, ip('10.0.0.2'), p.payload.sport, p.payload.dport) : p));
    server.tcp.listen(80, {}, () => ({}));
    const app = recorder();
    const c = client.tcp.connect(vip, 80, app.h);
    net.run();
    const fromServer = tcpTx(rec.events, 'server');
    const fromClient = tcpTx(rec.events, 'client');
    const synack = fromServer[0]!;
    expect(synack.seg.flags).toBe(SYN | ACK);
    expect(synack.ip.src).toBe(ip('10.0.0.2')); // not the VIP
    const rst = fromClient.find((x) => x.seg.flags & RST)!;
    expect(rst.seg.flags).toBe(RST); // no ACK bit
    expect(rst.seg.seq).toBe(synack.seg.ack); // seq = the SYN-ACK's acknowledgement number
    expect(rst.ip.dst).toBe(ip('10.0.0.2'));
    const d = drops(rec.events).find((e) => e.node === 'client' && e.code === 'tcp-no-socket')!;
    expect(d.text).toBe(`client has no connection from 10.0.0.2:80 (it called 10.0.0.100:80), so it answers the SYN-ACK with RST`);
    // The server's half-open connection dies on that RST, each time.
    const st = tcpStates(rec.events).filter((s) => s.startsWith('server'));
    expect(st.slice(0, 2)).toEqual(['server LISTEN->SYN_RECEIVED', 'server SYN_RECEIVED->CLOSED']);
    // Every SYN (11 of them) is answered the same way; the application sees a timeout, not a refusal.
    expect(fromClient.filter((x) => x.seg.flags === SYN).length).toBe(11);
    expect(fromClient.filter((x) => x.seg.flags === RST).length).toBe(11);
    expect(app.err).toBe('ETIMEDOUT');
    expect(app.errAt).toBe(131 * SEC);
    expect(c.state).toBe('CLOSED');
  });
});

describe('TCP errors from ICMP and routing', () => {
  it('connect to a silent on-link address: ARP fails, ICMP host unreachable, EHOSTUNREACH at 3 s', () => {
    const { net, client } = lan();
    const app = recorder();
    client.tcp.connect(ip('10.0.0.77'), 80, app.h);
    net.run();
    expect(app.err).toBe('EHOSTUNREACH');
    expect(app.errAt).toBeGreaterThanOrEqual(3 * SEC);
    expect(app.errAt).toBeLessThan(3 * SEC + 1 * MS);
    expect(client.tcp.count).toBe(0);
  });

  it('ICMP port unreachable for the SYN (a firewall REJECT) ends connect() with ECONNREFUSED', () => {
    const { net, client, server } = lan();
    server.hooks.input.push((p) => {
      if (p.payload.kind !== 'tcp') return p;
      server.icmpError(p, 3, 3, 0, null);
      return null;
    });
    const app = recorder();
    client.tcp.connect(ip('10.0.0.2'), 80, app.h);
    net.run();
    expect(app.err).toBe('ECONNREFUSED');
    expect(app.errAt).toBeLessThan(1 * MS);
  });

  it('data that is never acknowledged: a loss probe, 15 back-offs, then ETIMEDOUT about 924.6 s after the probe (tcp_retries2)', () => {
    const { net, client, server, rec } = lan();
    let holed = false;
    server.hooks.input.push((p) => (holed && p.payload.kind === 'tcp' ? null : p));
    server.tcp.listen(80, {}, () => ({}));
    const app = recorder();
    const c = client.tcp.connect(ip('10.0.0.2'), 80, {
      ...app.h,
      connected: (conn) => {
        holed = true;
        conn.send(bytes('lost'));
      },
    });
    net.run();
    const data = tcpTx(rec.events, 'client').filter((x) => x.seg.payload.length > 0);
    expect(data.length).toBe(17);
    expect(c.retransmits).toBe(16);
    // The tail loss probe after min(2 * SRTT + 200 ms, RTO), then the back-off doubles from about 200 ms, capped at 120 s.
    const gaps = data.slice(1).map((x, i) => Math.round((x.t - data[i]!.t) / (100 * MS)) / 10);
    expect(gaps).toEqual([0.2, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 120, 120, 120, 120, 120]);
    expect(app.err).toBe('ETIMEDOUT');
    const elapsed = (app.errAt - data[1]!.t) / SEC;
    expect(elapsed).toBeGreaterThanOrEqual(924.6);
    expect(elapsed).toBeLessThan(925);
  });

  it('connect without a route fails with ENETUNREACH at once, sending nothing', () => {
    const { net, client, rec } = lan();
    const app = recorder();
    client.tcp.connect(ip('192.0.2.1'), 80, app.h);
    net.run();
    expect(app.err).toBe('ENETUNREACH');
    expect(app.errAt).toBe(0);
    expect(tcpTx(rec.events)).toEqual([]);
  });
});

describe('listen backlog', () => {
  it('drops the SYN once the accept queue holds more than backlog connections (tcp_abort_on_overflow=0)', () => {
    const { net, sw, server, rec } = lan();
    const clients = ['10.0.0.11', '10.0.0.12', '10.0.0.13'].map((a, i) => hostOn(net, sw, `c${i + 1}`, a));
    const l = server.tcp.listen(80, { backlog: 1, manual: true }, () => ({}));
    // Two clients connect at once; the third 100 ms later, when both wait in the queue.
    const apps = clients.map((h, i) => {
      const app = recorder();
      later(h, i === 2 ? 100 * MS : 0, () => h.tcp.connect(ip('10.0.0.2'), 80, app.h));
      return app;
    });
    net.run(500 * MS);
    expect(l.queue.length).toBe(2); // backlog 1 holds two (sk_acceptq_is_full: more than backlog)
    expect(apps[0]!.log).toEqual(['connected']);
    expect(apps[1]!.log).toEqual(['connected']);
    expect(apps[2]!.log).toEqual([]);
    const d = drops(rec.events).filter((e) => e.code === 'tcp-listen-overflow');
    expect(d.length).toBe(1);
    expect(d[0]!.node).toBe('server');
    expect(d[0]!.text).toMatch(/^the accept queue of server:80 is full \(2 waiting, backlog 1\); the SYN from 10\.0\.0\.13:\d+ is dropped$/);
    // Once the application accepts, the third client's retransmitted SYN (at 1 s) gets in.
    expect(l.accept()).not.toBeNull();
    expect(l.accept()).not.toBeNull();
    net.run(1500 * MS);
    expect(apps[2]!.log).toEqual(['connected']);
    expect(l.overflows).toBe(1);
  });
});

describe('TCP across a router', () => {
  it('exact frames at every hop: MACs rewritten, TTL 64 then 63, ports, flags and checksums', async () => {
    const { routed } = await import('./helpers.js');
    const { net, r1, client, server, rec } = routed();
    answerAfter(server, 80, 10 * MS, bytes('pong'));
    const app = recorder();
    const c = client.tcp.connect(ip('10.0.1.10'), 80, {
      ...app.h,
      connected: (conn) => (app.log.push('connected'), conn.send(bytes('ping'))),
      peerClosed: (conn) => conn.close(),
    });
    net.run();
    expect(app.got).toEqual(['pong']);
    expect(app.log).toEqual(['connected', 'closed:normal']);
    const cm = client.ifaces[0]!.mac;
    const sm = server.ifaces[0]!.mac;
    const r0 = r1.ifaces[0]!.mac;
    const r1m = r1.ifaces[1]!.mac;
    const all = tcpTx(rec.events);
    // Hop pairs: what the client sends (leg 1) and what r1 forwards (leg 2), and the reverse.
    const fromClient = all.filter((x) => x.ev.node === 'client');
    const fromServer = all.filter((x) => x.ev.node === 'server');
    const routedOut = all.filter((x) => x.ev.node === 'r1');
    expect(routedOut.length).toBe(fromClient.length + fromServer.length);
    for (const x of fromClient) {
      expect(x.ev.frame.eth.src).toBe(cm);
      expect(x.ev.frame.eth.dst).toBe(r0);
      expect(x.ip.ttl).toBe(64);
      expect(checksumsValid(x)).toBe(true);
      // The routed copy: new MACs, TTL 63, IP checksum updated, TCP segment untouched.
      const y = routedOut.find((r) => r.ev.frame.parent === x.ev.frame.id)!;
      expect(y.ev.iface).toBe('eth1');
      expect(y.ev.frame.eth.src).toBe(r1m);
      expect(y.ev.frame.eth.dst).toBe(sm);
      expect(y.ip.ttl).toBe(63);
      expect(y.ip.checksum).toBe(ipv4Checksum(y.ip));
      expect(y.ip.checksum).not.toBe(x.ip.checksum);
      expect(y.seg).toBe(x.seg);
      expect(y.ip).toMatchObject({ src: x.ip.src, dst: x.ip.dst, id: x.ip.id, frag: IP_FLAG.DF });
      expect(checksumsValid(y)).toBe(true);
    }
    for (const x of fromServer) {
      expect(x.ev.frame.eth.src).toBe(sm);
      expect(x.ev.frame.eth.dst).toBe(r1m);
      expect(x.ip.ttl).toBe(64);
      const y = routedOut.find((r) => r.ev.frame.parent === x.ev.frame.id)!;
      expect(y.ev.iface).toBe('eth0');
      expect(y.ev.frame.eth.src).toBe(r0);
      expect(y.ev.frame.eth.dst).toBe(cm);
      expect(y.ip.ttl).toBe(63);
      expect(checksumsValid(y)).toBe(true);
      expect(y.seg).toBe(x.seg);
    }
    // The whole conversation, as the client sees it leave and the server sees it leave.
    expect(fromClient.map((x) => `${x.seg.sport}>${x.seg.dport} ${x.seg.flags} ${x.seg.payload.length}`)).toEqual([
      `${c.localPort}>80 ${SYN} 0`,
      `${c.localPort}>80 ${ACK} 0`,
      `${c.localPort}>80 ${PSH | ACK} 4`,
      `${c.localPort}>80 ${ACK} 0`,
      `${c.localPort}>80 ${FIN | ACK} 0`,
    ]);
    expect(fromServer.map((x) => `${x.seg.sport}>${x.seg.dport} ${x.seg.flags} ${x.seg.payload.length}`)).toEqual([
      `80>${c.localPort} ${SYN | ACK} 0`,
      `80>${c.localPort} ${ACK} 0`,
      `80>${c.localPort} ${PSH | ACK} 4`,
      `80>${c.localPort} ${FIN | ACK} 0`,
      `80>${c.localPort} ${ACK} 0`,
    ]);
    // Both switches forward the very same frames (no rewrite at L2).
    const sw2Out = all.filter((x) => x.ev.node === 'sw2' && x.ev.iface !== 'p1');
    for (const y of routedOut.filter((r) => r.ev.iface === 'eth1')) expect(sw2Out.some((s) => s.ev.frame === y.ev.frame)).toBe(true);
  });

  it('a router with no route answers ICMP network unreachable: connect() fails with ENETUNREACH', async () => {
    const { routed } = await import('./helpers.js');
    const { net, client } = routed();
    const app = recorder();
    client.tcp.connect(ip('192.0.2.1'), 80, app.h);
    net.run();
    expect(app.err).toBe('ENETUNREACH');
    expect(app.errAt).toBeLessThan(1 * MS);
  });
});

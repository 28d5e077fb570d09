// The ns-3 anchor workload rebuilt in lblab: frame-hop counts against the
// docs/performance.md's formulas (and lblab's own where Linux ARP differs), every
// datagram echoed, and the timelines lblab produces. Correctness only:
// performance is measured by `lblab bench`, never by tests.
import { describe, expect, it } from 'vitest';
import { buildWorkload, lblabHops, ns3Hops, runWorkload, scheduleOf, specName, type BenchSpec } from '../../src/bench/workload.js';
import { parseSizes, parseSpecName, SIZE_SETS } from '../../src/bench/matrix.js';
import { medianSample, renderTable, type Sample } from '../../src/bench/report.js';
import { sendTime } from '../../src/apps/udp-echo.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { TraceEvent, TxEvent } from '../../src/trace/events.js';
import { ip } from '../../src/wire/addr.js';
import { US } from '../../src/sim/time.js';
import type { Ipv4, Udp } from '../../src/wire/types.js';

const spec = (topo: 'lan' | 'router', clients: number, servers: number, packets: number, arp: 'dynamic' | 'static' = 'dynamic'): BenchSpec => ({
  topo,
  clients,
  servers,
  packets,
  arp,
});

/** One frame-hop: 146 B (with FCS) at 1 Gb/s = 1168 ns, plus 10 us propagation. */
const HOP = 11_168;
/** One ARP hop: 64 B on the wire = 512 ns, plus 10 us. */
const ARP_HOP = 10_512;

function run(s: BenchSpec) {
  const w = buildWorkload(s);
  const r = runWorkload(w);
  return { w, r, hist: Object.fromEntries([...w.stats.hist].sort((a, b) => a[0] - b[0])) };
}

describe('frame-hops', () => {
  it('lan, static ARP: data 4CP plus S(C+S-2) hops of unknown-unicast flooding, as in ns-3', () => {
    const s = spec('lan', 4, 2, 10, 'static');
    const { r } = run(s);
    expect(r.hops).toBe(4 * 4 * 10 + 2 * (4 + 2 - 2));
    expect(lblabHops(s)).toEqual(ns3Hops(s));
    expect(r.hops).toBe(ns3Hops(s).data + ns3Hops(s).ctrl);
    expect(r.drops).toEqual({ 'not-for-me': 8 }); // flooded copies at the hosts that are not the destination
  });

  it('lan, dynamic ARP: one ARP exchange per pair plus one unicast probe 5 s later (Linux learns the requester)', () => {
    const s = spec('lan', 4, 2, 10);
    const { r } = run(s);
    const pairs = 4 * 2;
    // request flooded (C+S hops) + reply (2) + server's DELAY -> PROBE request and reply (4)
    expect(r.hops).toBe(4 * 4 * 10 + pairs * (4 + 2 + 6));
    expect(lblabHops(s)).toEqual({ data: 160, ctrl: pairs * 12 });
    // ns-3 makes a second broadcast exchange per pair instead: 2(C+S)+4.
    expect(ns3Hops(s)).toEqual({ data: 160, ctrl: pairs * (2 * 6 + 4) });
    expect(r.drops).toEqual({ 'arp-ignored': pairs * (4 + 2 - 2) });
  });

  it('lan, dynamic ARP with P < S: only the pairs that talk resolve', () => {
    const s = spec('lan', 10, 2, 1);
    const { r } = run(s);
    expect(r.hops).toBe(4 * 10 + 10 * 1 * (10 + 2 + 6));
    expect(r.hops).toBe(lblabHops(s).data + lblabHops(s).ctrl);
  });

  it('router, static ARP: data 8CP plus (C-1) + S(S-1) flooded hops, as in ns-3', () => {
    const s = spec('router', 4, 2, 10, 'static');
    const { r } = run(s);
    expect(r.hops).toBe(8 * 4 * 10 + (4 - 1) + 2 * (2 - 1));
    expect(r.hops).toBe(ns3Hops(s).data + ns3Hops(s).ctrl);
  });

  it('router, dynamic ARP: C(C+7) + S(S+7) ARP hops', () => {
    const s = spec('router', 4, 2, 10);
    const { r } = run(s);
    expect(r.hops).toBe(8 * 4 * 10 + 4 * (4 + 7) + 2 * (2 + 7));
    expect(r.hops).toBe(lblabHops(s).data + lblabHops(s).ctrl);
  });

  it('a larger lan and router match the formulas too', () => {
    for (const s of [spec('lan', 20, 4, 20), spec('router', 20, 4, 20), spec('lan', 30, 10, 5, 'static'), spec('router', 30, 10, 5, 'static')]) {
      const { r } = run(s);
      const e = lblabHops(s);
      expect(r.hops, specName(s)).toBe(e.data + e.ctrl);
      expect(r.echoed, specName(s)).toBe(s.clients * s.packets);
    }
  });

  it("ns3Hops reproduces the figures of docs/performance.md", () => {
    const total = (s: BenchSpec) => ns3Hops(s).data + ns3Hops(s).ctrl;
    expect(total(spec('lan', 10, 2, 10000))).toBe(400_560);
    expect(total(spec('lan', 100, 4, 1000))).toBe(484_800);
    expect(total(spec('lan', 1000, 10, 100))).toBe(20_640_000);
    expect(ns3Hops(spec('lan', 1000, 10, 100)).ctrl).toBe(20_240_000);
    expect(total(spec('router', 100, 4, 1000))).toBe(820_656);
    expect(total(spec('router', 1000, 10, 100))).toBe(2_806_260);
    expect(total(spec('lan', 10000, 10, 10, 'static'))).toBe(500_080);
    expect(total(spec('router', 10000, 10, 10, 'static'))).toBe(810_089);
    expect(total(spec('router', 100, 10, 1000, 'static'))).toBe(800_189);
  });
});

describe('events', () => {
  it('one event per frame-hop, one per send, two per probed neighbour entry (DELAY and probe timers)', () => {
    const st = run(spec('lan', 4, 2, 10, 'static'));
    expect(st.r.events).toBe(st.r.hops + 40);
    const dy = run(spec('lan', 4, 2, 10));
    expect(dy.r.events).toBe(dy.r.hops + 40 + 2 * 8);
    const ro = run(spec('router', 4, 2, 10));
    expect(ro.r.events).toBe(ro.r.hops + 40 + 2 * (4 + 2));
  });
});

describe('echo and round-trip times', () => {
  it('lan, static ARP: every datagram echoed after 4 hops, 44.672 us (ns-3: 45.672 with its 1 us half-duplex turnaround)', () => {
    const { r, hist } = run(spec('lan', 4, 2, 10, 'static'));
    expect(r.sent).toBe(40);
    expect(r.echoed).toBe(40);
    expect(hist).toEqual({ [4 * HOP]: 40 });
    expect(4 * HOP).toBe(44_672);
  });

  it('lan, dynamic ARP: first contact 86.720 us (ARP 2x2 hops of 10.512, data and echo 4 hops), then 44.672', () => {
    const { r, hist } = run(spec('lan', 4, 2, 10));
    expect(r.echoed).toBe(40);
    // The server learnt the client from its request, so the echo needs no ARP (ns-3: 132.768 us).
    expect(hist).toEqual({ [4 * HOP]: 32, [4 * ARP_HOP + 4 * HOP]: 8 });
    expect(4 * ARP_HOP + 4 * HOP).toBe(86_720);
  });

  it('router: 8 hops, 89.344 us, in steady state; 131.392 for a client first datagram, 173.440 if the router must also ARP for the server', () => {
    const { r, hist } = run(spec('router', 4, 2, 10));
    expect(r.echoed).toBe(40);
    expect(8 * HOP).toBe(89_344);
    // ns-3: 90.344 / 178.440 / 265.536 (1 us turnaround, and a second ARP exchange on the way back).
    expect(hist).toEqual({ [8 * HOP]: 36, [8 * HOP + 4 * ARP_HOP]: 2, [8 * HOP + 8 * ARP_HOP]: 2 });
    const st = run(spec('router', 4, 2, 10, 'static'));
    expect(st.hist).toEqual({ [8 * HOP]: 40 });
  });

  it('lan steady state, hop by hop: the switch sends at t+11.168, the server echoes at t+22.336, the client has it at t+44.672', () => {
    const s = spec('lan', 2, 2, 3, 'static');
    const w = buildWorkload(s);
    const rec = new FullRecorder(w.net.trace);
    runWorkload(w);
    const n = 4; // a steady-state send (n >= Nw = S): client 0, k = 2, to server 0
    const t = sendTime(w.schedule, n);
    // Only this datagram and its echo: the next send (client 1, G = 24 us later) overlaps the window.
    const cli0 = ip('10.0.0.3');
    const mine = (e: TraceEvent): boolean => 'frame' in e && e.frame !== null && 'eth' in e.frame && (e.frame.eth.payload as Ipv4).kind === 'ipv4' && [(e.frame.eth.payload as Ipv4).src, (e.frame.eth.payload as Ipv4).dst].includes(cli0);
    const evs = rec.events.filter((e: TraceEvent) => e.t >= t && e.t <= t + 4 * HOP && mine(e));
    const tx = evs.filter((e): e is TxEvent => e.kind === 'tx').map((e) => [e.t - t, e.node, e.iface]);
    expect(tx).toEqual([
      [0, 'cli0', 'eth0'],
      [HOP, 'sw', 'p0'],
      [2 * HOP, 'srv0', 'eth0'],
      [3 * HOP, 'sw', 'p2'],
    ]);
    const last = evs[evs.length - 1]!;
    expect([last.kind, last.t - t]).toEqual(['deliver', 4 * HOP]);
    // The frames are the same size as ns-3's: 142 B + 4 B FCS.
    const f = (evs[0] as TxEvent).frame;
    expect(f.len).toBe(142);
    const ipv4 = f.eth.payload as Ipv4;
    expect([ipv4.src, ipv4.dst, (ipv4.payload as Udp).dport, (ipv4.payload as Udp).payload.length]).toEqual([ip('10.0.0.3'), ip('10.0.0.1'), 9, 100]);
  });

  it('a full recorder does not change the run (counters-only mode is the same simulation)', () => {
    const s = spec('router', 4, 2, 10);
    const a = run(s).r;
    const w = buildWorkload(s);
    new FullRecorder(w.net.trace);
    const b = runWorkload(w);
    expect(b).toEqual(a);
    expect(buildWorkload(s).net.trace.detailed).toBe(false);
  });
});

describe('topology', () => {
  it('lan: MACs in creation order (host h = 1+2h, its switch port 2+2h) and 10.0.0.h+1/16', () => {
    const w = buildWorkload(spec('lan', 4, 2, 1));
    const hosts = [...w.servers, ...w.clients];
    hosts.forEach((h, i) => {
      expect(h.ifaces[0]!.mac).toBe(1 + 2 * i);
      expect(h.ifaces[0]!.end!.to.mac).toBe(2 + 2 * i);
      expect(h.ifaces[0]!.addrs).toEqual([{ addr: ip('10.0.0.0') + i + 1, len: 16 }]);
    });
  });

  it('router: servers, clients, router B side, router A side; 10.2.0.s+2 and 10.1.0.i+2 with default routes', () => {
    const S = 2;
    const C = 4;
    const w = buildWorkload(spec('router', C, S, 1));
    w.servers.forEach((h, s) => {
      expect(h.ifaces[0]!.mac).toBe(1 + 2 * s);
      expect(h.ifaces[0]!.addrs[0]!.addr).toBe(ip('10.2.0.0') + s + 2);
      expect(h.lookup(ip('10.1.0.5'))!.via).toBe(ip('10.2.0.1'));
    });
    w.clients.forEach((h, i) => {
      expect(h.ifaces[0]!.mac).toBe(1 + 2 * (S + i));
      expect(h.lookup(ip('10.2.0.2'))!.via).toBe(ip('10.1.0.1'));
    });
    expect(w.router!.ifaces.map((i) => i.mac)).toEqual([1 + 2 * (S + C), 3 + 2 * (S + C)]);
    expect(w.router!.ifaces.map((i) => i.end!.to.mac)).toEqual([2 + 2 * (S + C), 4 + 2 * (S + C)]);
  });

  it('static ARP pre-fills permanent entries that ARP never changes', () => {
    const w = buildWorkload(spec('lan', 2, 2, 1, 'static'));
    const srv = w.servers[0]!;
    const n = srv.neighbour(srv.ifaces[0]!, ip('10.0.0.3'))!;
    expect([n.state, n.mac]).toEqual(['reachable', 5]); // client 0 is host h = 2: MAC 1 + 2h
    runWorkload(w);
    expect(w.net.trace.counters.tx).toBe(4 * 2 * 1 + 2 * (2 + 2 - 2));
    expect([n.state, n.mac, n.confirmed]).toEqual(['reachable', 5, Infinity]);
  });
});

describe('schedule', () => {
  it('G is 24 / 8 / 3 us for S = 2 / 4 / 10 on a lan and 69 us through the router', () => {
    expect(scheduleOf(spec('lan', 10, 2, 10)).gap).toBe(24 * US);
    expect(scheduleOf(spec('lan', 100, 4, 10)).gap).toBe(8 * US);
    expect(scheduleOf(spec('lan', 1000, 10, 10)).gap).toBe(3 * US);
    expect(scheduleOf(spec('router', 10, 2, 10)).gap).toBe(69 * US);
    expect(scheduleOf(spec('lan', 10, 2, 10))).toMatchObject({ t0: 1000 * US, warm: 150 * US, nWarm: 20 });
    expect(scheduleOf(spec('router', 10, 2, 10))).toMatchObject({ warm: 300 * US, nWarm: 10 });
    expect(scheduleOf(spec('lan', 10, 2, 10, 'static')).nWarm).toBe(2);
  });

  it('client i sends datagram k to server (i+k) mod S at t(kC+i)', () => {
    const s = spec('lan', 4, 2, 3, 'static');
    const w = buildWorkload(s);
    const rec = new FullRecorder(w.net.trace);
    runWorkload(w);
    const sends = rec.events.filter((e): e is TxEvent => e.kind === 'tx' && e.node.startsWith('cli'));
    expect(sends).toHaveLength(12);
    sends.forEach((e, n) => {
      const i = n % 4;
      const k = Math.floor(n / 4);
      expect(e.node).toBe(`cli${i}`);
      expect(e.t).toBe(sendTime(w.schedule, n));
      expect((e.frame.eth.payload as Ipv4).dst).toBe(ip('10.0.0.1') + ((i + k) % 2));
    });
  });
});

describe('sizes and report', () => {
  it('parses set names and explicit sizes, and rejects what ns-3 rejects', () => {
    expect(parseSizes('required')).toHaveLength(8);
    expect(SIZE_SETS.static).toHaveLength(6);
    expect(parseSizes('lan:100:4:1000,router:1000:10:100:static')).toEqual([spec('lan', 100, 4, 1000), spec('router', 1000, 10, 100, 'static')]);
    expect(() => parseSizes('lan:10:4:10')).toThrow(/multiple/);
    expect(() => parseSizes('mesh:1:1:1')).toThrow(/cannot read/);
  });

  it('renders a row with the ratio of frame-hops per second', () => {
    const l: Sample = { wallS: 1, setupS: 0, runS: 1, events: 10, hops: 400_360, sent: 5, echoed: 5, rssKb: 51200 };
    const n: Sample = { ...l, wallS: 4, hops: 400_560 };
    const t = renderTable([{ spec: spec('lan', 10, 2, 10000), lblab: [l], ns3: [n] }]);
    expect(t).toContain('| lan C=10 S=2 P=10000 | 12 |');
    expect(t).toContain('**4.00x**');
    expect(medianSample([l, { ...l, wallS: 3 }, { ...l, wallS: 2 }]).wallS).toBe(2);
  });
});

describe('size names', () => {
  it('read back what specName writes, for every set', () => {
    for (const set of Object.values(SIZE_SETS)) for (const s of set) expect(parseSpecName(specName(s))).toEqual(s);
    expect(parseSpecName('lan C=1 S=1')).toBeNull();
  });
});

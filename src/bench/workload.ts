/**
 * The benchmark workload of docs/performance.md (the one src/bench/ns3 builds in ns-3), rebuilt in
 * lblab frame for frame: the same node creation order (so the same MACs),
 * addresses, 1 Gb/s / 10 us links, UDP echo on port 9 and the same global
 * send schedule. Two topologies: `lan` (every host on one learning switch)
 * and `router` (clients on switch A, servers on switch B, a router between).
 *
 * Where lblab differs from ns-3 it is because lblab follows Linux:
 *  - links are full duplex, so there is no 1 us same-link turnaround;
 *  - a host answering an ARP request learns the requester (neigh_event_ns),
 *    so the second ARP exchange per pair that ns-3 makes does not happen;
 *    instead that entry is STALE, its first use starts the 5 s DELAY timer,
 *    and a unicast probe (request + reply) confirms it later;
 *  - UDP sockets set DF and compute the UDP checksum, as Linux does. The
 *    frames have the same lengths, so the work per frame-hop is the same.
 *
 * This module builds and runs one workload in the calling process and
 * measures nothing but the simulation; the CLI runs it in a fresh child
 * process per size to measure wall time and memory.
 */
import { EchoStats, RoundRobinClient, RoundRobinDriver, UdpEchoServer, sendTime, type SendSchedule } from '../apps/udp-echo.js';
import { Host } from '../net/host.js';
import type { Iface } from '../net/iface.js';
import { Network } from '../net/network.js';
import { Switch } from '../net/switch.js';
import type { Nanos } from '../sim/time.js';
import { US } from '../sim/time.js';
import type { Ipv4Addr } from '../wire/types.js';

/** One size of the benchmark, as the ns-3 program's options name it. */
export interface BenchSpec {
  /** `lan` (one switch) or `router` (client LAN, router, server LAN). */
  readonly topo: 'lan' | 'router';
  /** Number of clients C (a multiple of S). */
  readonly clients: number;
  /** Number of servers S. */
  readonly servers: number;
  /** Datagrams per client P. */
  readonly packets: number;
  /** `dynamic` (normal ARP) or `static` (permanent neighbour entries, no ARP frames). */
  readonly arp: 'dynamic' | 'static';
  /** UDP payload bytes (default 100, all zero). */
  readonly payload?: number;
}

/** The echo port of the benchmark (ns-3's UdpEchoServer example uses 9, the discard port). */
export const ECHO_PORT = 9;

/** A one-line name of a size, as docs/performance.md's tables spell it ("lan C=10 S=2 P=10000"). */
export function specName(s: BenchSpec): string {
  return `${s.topo} C=${s.clients} S=${s.servers} P=${s.packets}${s.arp === 'static' ? ' arp=static' : ''}`;
}

/** Checks a spec the way the ns-3 program does; returns a sentence for the first problem, or null. */
export function specProblem(s: BenchSpec): string | null {
  if (s.topo !== 'lan' && s.topo !== 'router') return `unknown topology ${String(s.topo)} (lan or router)`;
  if (s.arp !== 'dynamic' && s.arp !== 'static') return `unknown ARP mode ${String(s.arp)} (dynamic or static)`;
  for (const [k, v] of [['clients', s.clients], ['servers', s.servers], ['packets', s.packets]] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) return `${k} must be a positive integer, got ${v}`;
  }
  if (s.clients % s.servers !== 0) return `clients (${s.clients}) must be a multiple of servers (${s.servers}) for the contention-free schedule`;
  if (s.clients + s.servers > 65000) return 'at most 65000 hosts fit the /16 subnets';
  return null;
}

/** The send schedule of a size (docs/performance.md, "Traffic"): T0 = 1 ms, warm-up spacing W, steady spacing G, Nw warm-up sends. */
export function scheduleOf(s: BenchSpec): SendSchedule {
  const C = s.clients;
  const S = s.servers;
  const lan = s.topo === 'lan';
  const gapUs = lan ? Math.max(Math.ceil(24 / Math.max(S - 1, 1)), Math.ceil(46 / C)) : Math.max(69, Math.ceil(91 / C));
  const warmUs = lan ? 150 : 300;
  const nWarm = s.arp === 'static' ? S : lan ? C * Math.min(S, s.packets) : C;
  return { t0: 1000 * US, warm: warmUs * US, gap: gapUs * US, nWarm: Math.min(nWarm, C * s.packets) };
}

/** Frame-hops of a size, split into data frames and the rest (ARP, and unknown-unicast flooding). */
export interface HopCount {
  /** Hops of datagrams and echoes. */
  readonly data: number;
  /** Hops of ARP frames, or with static ARP of flooded copies of the first frame to an unlearnt MAC. */
  readonly ctrl: number;
}

/** The frame-hops ns-3 makes for a size (docs/performance.md, "Frame-hops"; src/bench/ns3's hops_data / hops_ctrl). */
export function ns3Hops(s: BenchSpec): HopCount {
  const { clients: C, servers: S, packets: P } = s;
  const used = Math.min(S, C * P);
  if (s.arp === 'static') {
    return s.topo === 'lan' ? { data: 4 * C * P, ctrl: used * (C + S - 2) } : { data: 8 * C * P, ctrl: C - 1 + used * (S - 1) };
  }
  if (s.topo === 'lan') return { data: 4 * C * P, ctrl: C * Math.min(S, P) * (2 * (C + S) + 4) };
  return { data: 8 * C * P, ctrl: C * (2 * C + 6) + used * (2 * used + 6) };
}

/**
 * The frame-hops lblab makes for a size, exactly, when the last datagram is
 * sent less than 15 s into the run (the shortest randomised reachable_time;
 * a longer run re-probes entries that went stale, adding 4 hops each time).
 *
 * `lan`, per client/server pair: the client's broadcast request reaches the
 * switch and is flooded to the C+S-1 other ports (C+S hops), the reply
 * takes 2; the server learnt the client from the request (STALE), so its
 * first echo starts DELAY and 5 s later it probes with a unicast request and
 * gets a reply (4 hops): C*min(S,P)*(C+S+6).
 * `router`: each client ARPs for the gateway (C+1 hops flooded on switch A,
 * 2 for the reply); the router ARPs once per server (S+1 flooded on switch
 * B, 2 back); the router probes each client and each server probes the
 * router 5 s after first use (4 hops each): C(C+7) + S(S+7).
 * Static ARP: no ARP frames; the first frame toward each server (and in
 * `router` toward the router on switch A) is flooded as unknown unicast,
 * as in ns-3.
 */
export function lblabHops(s: BenchSpec): HopCount {
  const { clients: C, servers: S, packets: P } = s;
  if (s.arp === 'static') return ns3Hops(s);
  const used = Math.min(S, C * P);
  if (s.topo === 'lan') return { data: 4 * C * P, ctrl: C * Math.min(S, P) * (C + S + 6) };
  return { data: 8 * C * P, ctrl: C * (C + 7) + used * (used + 7) };
}

/** A built, not yet run, benchmark network. */
export interface Workload {
  readonly spec: BenchSpec;
  readonly net: Network;
  readonly schedule: SendSchedule;
  readonly servers: readonly Host[];
  readonly clients: readonly Host[];
  /** The router of the `router` topology, else null. */
  readonly router: Host | null;
  readonly echo: readonly UdpEchoServer[];
  readonly apps: readonly RoundRobinClient[];
  readonly driver: RoundRobinDriver;
  readonly stats: EchoStats;
}

/** Options of a workload build. */
export interface WorkloadOptions {
  /** Seed of the simulation's random streams (default 1). */
  readonly seed?: number;
  /** Event budget (default: no limit that the workload could reach). */
  readonly budget?: number;
}

const LINK = { bandwidth: 1e9, delay: 10 * US } as const;

function addr(net: number, host: number): Ipv4Addr {
  return ((10 << 24) | (net << 16)) + host;
}

/** Connects a host's new NIC to a new switch port, in that order, so MACs follow ns-3's creation order. */
function plug(net: Network, host: Host, ifName: string, sw: Switch, port: string): Iface {
  const nic = host.addIface(ifName);
  const p = sw.addPort(port);
  net.connect(nic, p, LINK, `${host.name}-${sw.name}`);
  return nic;
}

/** Builds the network, hosts, addresses, routes, neighbour entries (static ARP) and applications of a size. */
export function buildWorkload(spec: BenchSpec, opts: WorkloadOptions = {}): Workload {
  const problem = specProblem(spec);
  if (problem) throw new Error(problem);
  const net = new Network({ seed: opts.seed ?? 1, budget: opts.budget ?? Number.MAX_SAFE_INTEGER });
  const C = spec.clients;
  const S = spec.servers;
  const servers: Host[] = [];
  const clients: Host[] = [];
  for (let s = 0; s < S; s++) servers.push(net.add(new Host(net, `srv${s}`)));
  for (let i = 0; i < C; i++) clients.push(net.add(new Host(net, `cli${i}`)));
  const serverAddrs: Ipv4Addr[] = [];
  let router: Host | null = null;
  if (spec.topo === 'lan') {
    // Hosts h = servers then clients; host h's NIC is MAC 1+2h, switch port h is 2+2h; 10.0.0.0/16, host h = .h+1.
    const sw = net.add(new Switch(net, 'sw'));
    const hosts = [...servers, ...clients];
    const nics = hosts.map((h, i) => plug(net, h, 'eth0', sw, `p${i}`));
    hosts.forEach((h, i) => h.addAddress(nics[i]!, addr(0, i + 1), 16));
    for (let s = 0; s < S; s++) serverAddrs.push(addr(0, s + 1));
    if (spec.arp === 'static') {
      for (let s = 0; s < S; s++) {
        for (let i = 0; i < C; i++) {
          const c = S + i;
          hosts[c]!.addPermanentNeighbour(nics[c]!, addr(0, s + 1), nics[s]!.mac);
          hosts[s]!.addPermanentNeighbour(nics[s]!, addr(0, c + 1), nics[c]!.mac);
        }
      }
    }
  } else {
    // Links in creation order: server s - switch B port s, client i - switch A port i, router - B port S, router - A port C.
    router = net.add(new Host(net, 'router', 'router'));
    const swA = net.add(new Switch(net, 'sw-a'));
    const swB = net.add(new Switch(net, 'sw-b'));
    const sNics = servers.map((h, s) => plug(net, h, 'eth0', swB, `p${s}`));
    const cNics = clients.map((h, i) => plug(net, h, 'eth0', swA, `p${i}`));
    const rB = plug(net, router, 'eth0', swB, `p${S}`);
    const rA = plug(net, router, 'eth1', swA, `p${C}`);
    router.addAddress(rB, addr(2, 1), 16);
    router.addAddress(rA, addr(1, 1), 16);
    servers.forEach((h, s) => {
      h.addAddress(sNics[s]!, addr(2, s + 2), 16);
      h.addDefaultRoute(addr(2, 1));
      serverAddrs.push(addr(2, s + 2));
    });
    clients.forEach((h, i) => {
      h.addAddress(cNics[i]!, addr(1, i + 2), 16);
      h.addDefaultRoute(addr(1, 1));
    });
    if (spec.arp === 'static') {
      for (let s = 0; s < S; s++) {
        servers[s]!.addPermanentNeighbour(sNics[s]!, addr(2, 1), rB.mac);
        router.addPermanentNeighbour(rB, addr(2, s + 2), sNics[s]!.mac);
      }
      for (let i = 0; i < C; i++) {
        clients[i]!.addPermanentNeighbour(cNics[i]!, addr(1, 1), rA.mac);
        router.addPermanentNeighbour(rA, addr(1, i + 2), cNics[i]!.mac);
      }
    }
  }
  const echo = servers.map((h) => new UdpEchoServer(h, ECHO_PORT));
  const stats = new EchoStats();
  const payload = new Uint8Array(spec.payload ?? 100);
  const apps = clients.map((h, i) => new RoundRobinClient(h, i, serverAddrs, ECHO_PORT, payload, stats));
  const schedule = scheduleOf(spec);
  const driver = new RoundRobinDriver(apps, spec.packets, schedule);
  return { spec, net, schedule, servers, clients, router, echo, apps, driver, stats };
}

/** What one run of a workload did (simulation only; no wall clock). */
export interface WorkloadResult {
  /** Events the simulation processed. */
  readonly events: number;
  /** Frames put on links (trace counters: every mode keeps them). */
  readonly hops: number;
  /** Datagrams the clients sent. */
  readonly sent: number;
  /** Echoes the clients received. */
  readonly echoed: number;
  /** Frames dropped anywhere, by reason code (flooded copies reaching the wrong host are `not-for-me`, ARP requests for others `arp-ignored`). */
  readonly drops: Readonly<Record<string, number>>;
  /** Simulated time when the last event ran. */
  readonly simEnd: Nanos;
  /** Send time of the last datagram. */
  readonly lastSend: Nanos;
  /** Round-trip times in ns: smallest, largest, mean. */
  readonly rttMin: Nanos;
  readonly rttMax: Nanos;
  readonly rttMean: number;
  /** Why the run stopped ('idle' when every timer has run out). */
  readonly stop: string;
}

/** Starts the clients and runs the simulation until no event is left (as ns-3's Simulator::Run()). */
export function runWorkload(w: Workload): WorkloadResult {
  w.driver.start();
  const r = w.net.run();
  const st = w.stats;
  const c = w.net.trace.counters;
  return {
    events: w.net.sim.processed,
    hops: c.tx,
    sent: st.sent,
    echoed: st.received,
    drops: Object.fromEntries(c.drops),
    simEnd: r.now,
    lastSend: sendTime(w.schedule, w.spec.clients * w.spec.packets - 1),
    rttMin: st.received > 0 ? st.rttMin : 0,
    rttMax: st.rttMax,
    rttMean: st.received > 0 ? st.rttSum / st.received : 0,
    stop: r.reason,
  };
}

/**
 * UDP echo, the traffic of the performance benchmark: an echo server (what
 * ns-3's UdpEchoServer and inetd's `echo dgram` do: send every datagram
 * back to where it came from, at once) and a round-robin client whose send
 * times come from one global schedule shared by all clients.
 *
 * The schedule is driven by a single event target that fires once per
 * datagram and always has exactly one event pending, so the event queue
 * and memory stay independent of the number of datagrams. Round-trip times
 * are matched to send times in order per client (the network never
 * reorders one client's datagrams), through a small ring buffer per client.
 */
import type { EventTarget } from '../sim/sim.js';
import type { Nanos } from '../sim/time.js';
import type { Host, HostProcess } from '../net/host.js';
import type { UdpHandler, UdpSocket } from '../net/udp.js';
import type { Ipv4Addr } from '../wire/types.js';

/** The UDP echo service: every datagram received is sent back to its source address and port. */
export class UdpEchoServer implements UdpHandler, HostProcess {
  /** The listening socket. */
  socket: UdpSocket;
  /** Datagrams echoed so far. */
  echoed = 0;

  /** Names the process in the trace. */
  readonly label: string;

  /** Binds the echo service on `port` (7 is the echo port; the benchmark uses 9, as ns-3's example). */
  constructor(
    readonly host: Host,
    port = 7,
  ) {
    this.socket = host.udp.bind(port, this);
    this.label = `udp-echo-server ${host.name}:${port}`;
    host.addProcess(this);
  }

  /** No timer of its own: the socket goes with the host. */
  targets(): readonly EventTarget[] {
    return [];
  }

  /** The host lost power: the socket vanished with the kernel's tables. */
  halt(): void {}

  /** The host booted: the service binds its port again. */
  boot(): void {
    this.socket = this.host.udp.bind(this.socket.port, this);
  }

  /** Echoes one datagram, inside the receive event as ns-3's UdpEchoServer does. */
  message(sock: UdpSocket, data: Uint8Array, from: Ipv4Addr, sport: number): void {
    this.echoed++;
    sock.send(from, sport, data);
  }
}

/** Round-trip statistics shared by all clients of a run. */
export class EchoStats {
  /** Datagrams sent by all clients. */
  sent = 0;
  /** Echoes received by all clients. */
  received = 0;
  /** Smallest round-trip time in ns (Infinity before the first echo). */
  rttMin = Infinity;
  /** Largest round-trip time in ns. */
  rttMax = 0;
  /** Sum of round-trip times in ns, for the mean. */
  rttSum = 0;
  /** Round-trip time in ns -> how many echoes took exactly that long (the workload has a handful of distinct values). */
  readonly hist = new Map<number, number>();

  /** Records one round trip. */
  record(rtt: Nanos): void {
    this.received++;
    if (rtt < this.rttMin) this.rttMin = rtt;
    if (rtt > this.rttMax) this.rttMax = rtt;
    this.rttSum += rtt;
    this.hist.set(rtt, (this.hist.get(rtt) ?? 0) + 1);
  }
}

/** A client with one UDP socket on an ephemeral port that sends its k-th datagram to server (index + k) mod S. */
export class RoundRobinClient implements UdpHandler {
  /** The client's socket (one per client, as in ns-3's benchmark client). */
  readonly socket: UdpSocket;
  /** Datagrams sent so far (the k of the next one). */
  k = 0;
  /** Send times of datagrams not yet echoed, oldest first (a ring buffer). */
  private times = new Float64Array(4);
  private head = 0;
  private count = 0;

  /** Creates the client on `host`; `servers` are the addresses it rotates over. */
  constructor(
    readonly host: Host,
    /** The client's position i in the global schedule. */
    readonly index: number,
    readonly servers: readonly Ipv4Addr[],
    readonly port: number,
    /** The payload of every datagram (shared: frames are immutable values). */
    readonly payload: Uint8Array,
    readonly stats: EchoStats,
  ) {
    this.socket = host.udp.bind(0, this);
  }

  /** Sends the next datagram now. */
  sendNext(): void {
    const servers = this.servers;
    const dst = servers[(this.index + this.k) % servers.length]!;
    this.k++;
    this.push(this.host.net.sim.now);
    this.stats.sent++;
    this.socket.send(dst, this.port, this.payload);
  }

  /** An echo arrived: its round trip is measured against the oldest outstanding send. */
  message(): void {
    if (this.count === 0) return; // not an echo of ours
    const t = this.times[this.head]!;
    this.head = (this.head + 1) & (this.times.length - 1);
    this.count--;
    this.stats.record(this.host.net.sim.now - t);
  }

  private push(t: number): void {
    const cap = this.times.length;
    if (this.count === cap) {
      // Grow (power of two, so the index mask keeps working); rare: only when many datagrams are in flight.
      const next = new Float64Array(cap * 2);
      for (let i = 0; i < cap; i++) next[i] = this.times[(this.head + i) & (cap - 1)]!;
      this.times = next;
      this.head = 0;
    }
    this.times[(this.head + this.count) & (this.times.length - 1)] = t;
    this.count++;
  }
}

/**
 * The global send schedule of the benchmark: datagram n (n = k*C + i) goes
 * out at t0 + n*warm while n < nWarm, then every `gap` ns.
 */
export interface SendSchedule {
  /** Time of the first send. */
  readonly t0: Nanos;
  /** Spacing of the warm-up sends. */
  readonly warm: Nanos;
  /** Spacing of the steady-state sends. */
  readonly gap: Nanos;
  /** How many sends belong to the warm-up. */
  readonly nWarm: number;
}

/** The send time of global datagram n under a schedule. */
export function sendTime(s: SendSchedule, n: number): Nanos {
  return n < s.nWarm ? s.t0 + n * s.warm : s.t0 + s.nWarm * s.warm + (n - s.nWarm) * s.gap;
}

/** Drives a set of round-robin clients through a global schedule: one event per datagram. */
export class RoundRobinDriver implements EventTarget {
  /** Names the driver in budget messages. */
  readonly label = 'udp-echo schedule';
  private n = 0;
  private readonly total: number;

  /** Schedules `packets` datagrams per client; call start() to begin. */
  constructor(
    readonly clients: readonly RoundRobinClient[],
    readonly packets: number,
    readonly schedule: SendSchedule,
  ) {
    this.total = clients.length * packets;
  }

  /** Posts the first send. */
  start(): void {
    if (this.total === 0) return;
    const sim = this.clients[0]!.host.net.sim;
    sim.post(Math.max(0, sendTime(this.schedule, 0) - sim.now), this, 1);
  }

  /** Sends global datagram n and posts n + 1. */
  onEvent(): void {
    const clients = this.clients;
    const n = this.n++;
    const c = clients[n % clients.length]!;
    c.sendNext();
    if (this.n < this.total) {
      const sim = c.host.net.sim;
      sim.post(sendTime(this.schedule, this.n) - sim.now, this, 1);
    }
  }

  /** Names the event kind for budget messages. */
  kindName(): string {
    return 'datagram send';
  }
}

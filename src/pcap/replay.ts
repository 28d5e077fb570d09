/**
 * Replays the client side of a real capture through a simulated network.
 * The TCP and UDP flows that clients opened in the capture (a TCP flow
 * starts with the client's SYN; a UDP flow is any datagram a client sent)
 * are mapped onto simulated hosts, and each host repeats what its captured
 * client did, with the captured timing: a TCP client connects at its SYN's
 * time, sends its payload bytes in the captured order at the captured
 * times, and closes when the captured client sent FIN (aborts when it sent
 * RST); a UDP client sends each datagram at its time. Only the client's
 * bytes are replayed: the simulated servers answer for themselves, and each
 * flow's handle records what happened (the outcome, bytes each way).
 *
 * This module may import only wire and trace (docs/architecture.md), so it names
 * what it needs of a host as an interface; the simulator's `Host` fits it.
 */
import { decode } from '../wire/decode.js';
import { fmtIp, parseIpv4 } from '../wire/addr.js';
import { TCP_FLAG, type Ipv4Addr } from '../wire/types.js';
import type { FilePacket } from './read.js';

/** A connection as replay uses it (the simulator's TcpConnection fits). */
export interface ReplayConnection {
  send(bytes: Uint8Array): boolean;
  close(): void;
  abort(): void;
  readonly localPort: number;
}

/** The callbacks replay gives a TCP connect (a subset of the simulator's TcpHandlers). */
export interface ReplayTcpHandlers {
  connected?(c: ReplayConnection): void;
  data?(c: ReplayConnection, bytes: Uint8Array): void;
  peerClosed?(c: ReplayConnection): void;
  closed?(c: ReplayConnection, reason: string): void;
  error?(c: ReplayConnection, code: string): void;
}

/** A bound UDP socket as replay uses it (the simulator's UdpSocket fits). */
export interface ReplayUdpSocket {
  send(dst: Ipv4Addr, dport: number, data: Uint8Array): unknown;
  readonly port: number;
}

/** What replay's UDP sockets are told (a subset of the simulator's UdpHandler). */
export interface ReplayUdpHandler {
  message(sock: ReplayUdpSocket, data: Uint8Array, from: Ipv4Addr, sport: number): void;
  error?(sock: ReplayUdpSocket, icmp: { readonly type: number; readonly code: number }, to: Ipv4Addr, dport: number): void;
}

/** The parts of a simulated host that replay drives (the simulator's Host fits). */
export interface ReplayHost {
  readonly name: string;
  /** Runs `d.run()` after `delay` ns. */
  defer(delay: number, d: { run(): void }): unknown;
  readonly net: { readonly sim: { readonly now: number } };
  readonly tcp: { connect(dst: Ipv4Addr, dport: number, handlers: ReplayTcpHandlers, opts?: { readonly sport?: number }): ReplayConnection };
  readonly udp: { bind(port: number, handler: ReplayUdpHandler): ReplayUdpSocket };
}

/** A simulated destination: address and port. */
export interface ReplayTarget {
  readonly addr: Ipv4Addr;
  readonly port: number;
}

/**
 * The mapping in its written form, as a scenario's `replay:` section or the
 * CLI's `--map` would give it: captured client address -> simulated host
 * name; captured server "addr:port" (or "addr", any port) -> simulated
 * destination "addr:port" (or a name the caller's resolver knows, like
 * "vip:shop"). Servers not listed are reached at their captured address and port.
 */
export interface ReplayMapSpec {
  readonly clients: Readonly<Record<string, string>>;
  readonly servers?: Readonly<Record<string, string>>;
}

/** The mapping resolved to hosts and addresses, as replay() takes it. */
export interface ReplayMapping {
  /** Captured client IPv4 address -> the simulated host that replays its flows. */
  readonly clients: ReadonlyMap<Ipv4Addr, ReplayHost>;
  /** Captured server "a.b.c.d:port" or "a.b.c.d" -> simulated destination (the port 0 keeps the captured port). */
  readonly servers: ReadonlyMap<string, ReplayTarget>;
}

/** Options of replay(). */
export interface ReplayOptions {
  /** Delay (ns, from now) of the capture's first packet; default 0. */
  readonly start?: number;
  /** Use the captured client ports when free (default true); else ephemeral ports. */
  readonly keepPorts?: boolean;
}

/** What a replayed flow ended with: TCP as the HTTP client's outcomes; UDP 'sent' once every datagram went out. */
export type ReplayOutcome = 'pending' | 'completed' | 'reset' | 'aborted' | 'timeout' | 'refused' | 'unreachable' | 'error' | 'open' | 'sent';

/** The handle of one replayed flow: what the capture had, and what happened in the simulation. */
export interface ReplayFlow {
  readonly proto: 'tcp' | 'udp';
  /** The simulated host replaying it. */
  readonly host: string;
  /** The captured flow, "10.0.0.1:40001 -> 10.0.0.2:8000". */
  readonly captured: string;
  /** The simulated destination. */
  readonly dst: Ipv4Addr;
  readonly dport: number;
  /** When it starts (ns after replay() was called). */
  readonly at: number;
  /** Client payload bytes in the capture. */
  readonly capturedBytes: number;
  /** Payload bytes the captured server sent back. */
  readonly capturedReplyBytes: number;
  /** Sends scheduled (TCP data chunks, or UDP datagrams). */
  readonly sends: number;
  /** How the capture's client ended it: 'fin', 'rst', or 'none' (the capture stops first); 'none' for UDP. */
  readonly capturedEnd: 'fin' | 'rst' | 'none';
  outcome: ReplayOutcome;
  /** The kernel error code (TCP) or ICMP error ("icmp 3/3"), when there was one. */
  error: string | null;
  /** The local port used in the simulation. */
  localPort: number;
  startedAt: number;
  /** When the outcome was known (TCP), or the last datagram was sent (UDP); -1 while pending. */
  doneAt: number;
  bytesSent: number;
  bytesReceived: number;
  datagramsSent: number;
  datagramsReceived: number;
  /** The first bytes received (up to 4096), to compare with the capture. */
  received: Uint8Array;
}

/** The result of replay(): a handle per flow, and what was left out of the capture and why. */
export interface ReplayPlan {
  readonly flows: readonly ReplayFlow[];
  /** Notes on packets or flows not replayed (undecodable, no SYN captured, ...). */
  readonly skipped: readonly string[];
}

/** Why a mapping in written form is wrong. */
export class ReplayMapError extends Error {}

/** Parses `--map` text: "10.0.0.1=client1,10.0.0.2:8000=10.0.1.100:80" (an address = a host name is a client; addr[:port] = addr:port is a server). */
export function parseReplayMap(text: string): ReplayMapSpec {
  const clients: Record<string, string> = {};
  const servers: Record<string, string> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new ReplayMapError(`"${part}" is not captured=simulated (e.g. 10.0.0.1=client1 or 10.0.0.2:8000=10.0.1.100:80)`);
    const from = part.slice(0, eq);
    const to = part.slice(eq + 1);
    if (parseIpv4(from) !== null && /^[A-Za-z_][\w-]*$/.test(to)) clients[from] = to; // a bare address to a name: a client
    else servers[from] = to;
  }
  return { clients, servers };
}

function parseTarget(text: string, what: string): ReplayTarget {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(text);
  const addr = m ? parseIpv4(m[1]!) : null;
  const port = m?.[2] === undefined ? 0 : Number(m[2]);
  if (!m || addr === null || port > 65535) throw new ReplayMapError(`${what}: "${text}" is not an IPv4 address with an optional :port`);
  return { addr, port };
}

/**
 * Resolves a written mapping: `host(name)` finds a simulated host (null when
 * there is none), `target(text)` may resolve names such as "vip:shop"
 * (return null to fall back to "a.b.c.d[:port]"). Throws ReplayMapError
 * naming the bad entry.
 */
export function resolveReplayMap(spec: ReplayMapSpec, host: (name: string) => ReplayHost | null, target?: (text: string) => ReplayTarget | null): ReplayMapping {
  const clients = new Map<Ipv4Addr, ReplayHost>();
  for (const [addr, name] of Object.entries(spec.clients)) {
    const a = parseIpv4(addr);
    if (a === null) throw new ReplayMapError(`client "${addr}" is not an IPv4 address`);
    const h = host(name);
    if (!h) throw new ReplayMapError(`client ${addr}: there is no host named "${name}" to replay it`);
    clients.set(a, h);
  }
  const servers = new Map<string, ReplayTarget>();
  for (const [from, to] of Object.entries(spec.servers ?? {})) {
    const f = parseTarget(from, 'captured server');
    servers.set(f.port ? `${fmtIp(f.addr)}:${f.port}` : fmtIp(f.addr), target?.(to) ?? parseTarget(to, `server ${from}`));
  }
  return { clients, servers };
}

interface TcpBuild {
  readonly key: string;
  readonly client: Ipv4Addr;
  readonly sport: number;
  readonly server: Ipv4Addr;
  readonly dport: number;
  readonly t: number;
  readonly isn: number;
  /** Client bytes accepted so far (relative sequence number of the next new byte). */
  next: number;
  /** Highest server byte seen, relative to its ISN; -1 before the SYN-ACK. */
  serverIsn: number;
  serverNext: number;
  readonly chunks: { t: number; bytes: Uint8Array }[];
  end: { t: number; how: 'fin' | 'rst' } | null;
}

interface UdpBuild {
  readonly client: Ipv4Addr;
  readonly sport: number;
  readonly server: Ipv4Addr;
  readonly dport: number;
  readonly t: number;
  readonly datagrams: { t: number; bytes: Uint8Array }[];
  replyBytes: number;
}

const RECEIVED_KEEP = 4096;

/** Replays the mapped clients' flows of a capture on simulated hosts; call before running the simulation. */
export function replay(packets: readonly FilePacket[], map: ReplayMapping, opts: ReplayOptions = {}): ReplayPlan {
  const skipped: string[] = [];
  const tcp = new Map<string, TcpBuild>();
  const tcpOrder: TcpBuild[] = [];
  const udp = new Map<string, UdpBuild>();
  const ep = (a: Ipv4Addr, p: number): string => `${fmtIp(a)}:${p}`;
  for (const p of packets) {
    const d = decode(p.data.length < p.origLen ? new Uint8Array(0) : p.data);
    if (!d.ok) {
      skipped.push(`packet ${p.index + 1} (byte ${p.offset}): ${p.data.length < p.origLen ? 'cut short by the snapshot length' : d.error.reason}`);
      continue;
    }
    const ip = d.value.payload;
    if (ip.kind !== 'ipv4') continue;
    const l4 = ip.payload;
    const fromClient = map.clients.has(ip.src);
    if (l4.kind === 'tcp') {
      if (fromClient) {
        const key = `${ep(ip.src, l4.sport)}>${ep(ip.dst, l4.dport)}`;
        let f = tcp.get(key);
        const syn = (l4.flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN;
        if (syn && (!f || f.isn !== l4.seq)) {
          f = { key, client: ip.src, sport: l4.sport, server: ip.dst, dport: l4.dport, t: p.t, isn: l4.seq, next: 0, serverIsn: -1, serverNext: 0, chunks: [], end: null };
          tcp.set(key, f); // a new SYN on the same ports is a new connection
          tcpOrder.push(f);
          continue;
        }
        if (!f) {
          if (!syn) skipped.push(`packet ${p.index + 1}: TCP ${key.replace('>', ' -> ')} began before the capture (no SYN captured); not replayed`);
          if (!syn) tcp.set(key, { key, client: ip.src, sport: l4.sport, server: ip.dst, dport: l4.dport, t: p.t, isn: -1, next: 0, serverIsn: -1, serverNext: 0, chunks: [], end: { t: p.t, how: 'rst' } });
          continue;
        }
        if (f.isn < 0 || f.end) continue;
        if (l4.payload.length > 0) {
          // Relative sequence number of the segment's first byte (mod 2^32, RFC 9293 3.4).
          const rel = (l4.seq - f.isn - 1) >>> 0;
          const skip = f.next - rel; // bytes already taken (a retransmission overlaps them)
          if (skip < 0 || skip > 0x7fffffff) {
            skipped.push(`packet ${p.index + 1}: ${key.replace('>', ' -> ')} has ${rel - f.next} client bytes missing from the capture before it`);
          }
          const from = skip > 0 && skip <= 0x7fffffff ? skip : 0;
          if (from < l4.payload.length) {
            f.chunks.push({ t: p.t, bytes: l4.payload.slice(from) });
            f.next = (rel + l4.payload.length) >>> 0;
          }
        }
        if (l4.flags & TCP_FLAG.RST) f.end = { t: p.t, how: 'rst' };
        else if (l4.flags & TCP_FLAG.FIN) f.end = { t: p.t, how: 'fin' };
      } else if (map.clients.has(ip.dst)) {
        const f = tcp.get(`${ep(ip.dst, l4.dport)}>${ep(ip.src, l4.sport)}`);
        if (!f) continue;
        if (l4.flags & TCP_FLAG.SYN) {
          f.serverIsn = l4.seq;
          continue;
        }
        if (f.serverIsn >= 0 && l4.payload.length > 0) {
          const endRel = ((l4.seq - f.serverIsn - 1) >>> 0) + l4.payload.length;
          if (endRel > f.serverNext && endRel < 0x7fffffff) f.serverNext = endRel;
        }
      }
    } else if (l4.kind === 'udp') {
      if (fromClient) {
        const key = `${ep(ip.src, l4.sport)}>${ep(ip.dst, l4.dport)}`;
        let f = udp.get(key);
        if (!f) {
          f = { client: ip.src, sport: l4.sport, server: ip.dst, dport: l4.dport, t: p.t, datagrams: [], replyBytes: 0 };
          udp.set(key, f);
        }
        f.datagrams.push({ t: p.t, bytes: l4.payload.slice() });
      } else if (map.clients.has(ip.dst)) {
        const f = udp.get(`${ep(ip.dst, l4.dport)}>${ep(ip.src, l4.sport)}`);
        if (f) f.replyBytes += l4.payload.length;
      }
    }
  }
  const start = opts.start ?? 0;
  const keepPorts = opts.keepPorts ?? true;
  const flows: ReplayFlow[] = [];
  const all = [...tcpOrder.map((f) => ({ t: f.t, tcp: f, udp: null })), ...[...udp.values()].map((f) => ({ t: f.t, tcp: null, udp: f }))].sort((a, b) => a.t - b.t);
  for (const x of all) {
    if (x.tcp) flows.push(scheduleTcp(x.tcp, map, start, keepPorts));
    else if (x.udp) flows.push(scheduleUdp(x.udp, map, start, keepPorts));
  }
  return { flows, skipped };
}

function targetOf(map: ReplayMapping, server: Ipv4Addr, port: number): ReplayTarget {
  const t = map.servers.get(`${fmtIp(server)}:${port}`) ?? map.servers.get(fmtIp(server));
  if (!t) return { addr: server, port };
  return { addr: t.addr, port: t.port || port };
}

function newFlow(proto: 'tcp' | 'udp', host: ReplayHost, captured: string, target: ReplayTarget, at: number, capturedBytes: number, replyBytes: number, sends: number, end: ReplayFlow['capturedEnd']): ReplayFlow {
  return {
    proto,
    host: host.name,
    captured,
    dst: target.addr,
    dport: target.port,
    at,
    capturedBytes,
    capturedReplyBytes: replyBytes,
    sends,
    capturedEnd: end,
    outcome: 'pending',
    error: null,
    localPort: 0,
    startedAt: -1,
    doneAt: -1,
    bytesSent: 0,
    bytesReceived: 0,
    datagramsSent: 0,
    datagramsReceived: 0,
    received: new Uint8Array(0),
  };
}

function keep(flow: ReplayFlow, bytes: Uint8Array): void {
  if (flow.received.length >= RECEIVED_KEEP) return;
  const add = bytes.subarray(0, RECEIVED_KEEP - flow.received.length);
  const r = new Uint8Array(flow.received.length + add.length);
  r.set(flow.received);
  r.set(add, flow.received.length);
  flow.received = r;
}

const TCP_OUTCOME: Readonly<Record<string, ReplayOutcome>> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ECONNRESET: 'reset',
};

function scheduleTcp(f: TcpBuild, map: ReplayMapping, start: number, keepPorts: boolean): ReplayFlow {
  const host = map.clients.get(f.client)!;
  const target = targetOf(map, f.server, f.dport);
  const bytes = f.chunks.reduce((n, c) => n + c.bytes.length, 0);
  const flow = newFlow('tcp', host, `${fmtIp(f.client)}:${f.sport} -> ${fmtIp(f.server)}:${f.dport}`, target, start + f.t, bytes, f.serverNext, f.chunks.length, f.end?.how ?? 'none');
  let conn: ReplayConnection | null = null;
  let connected = false;
  let closeWhenConnected = false;
  const finish = (o: ReplayOutcome): void => {
    if (flow.outcome !== 'pending' && flow.outcome !== 'open') return;
    flow.outcome = o;
    flow.doneAt = host.net.sim.now;
  };
  const handlers: ReplayTcpHandlers = {
    connected: (c) => {
      connected = true;
      if (flow.outcome === 'pending') flow.outcome = 'open';
      if (closeWhenConnected) c.close();
    },
    data: (_c, b) => {
      flow.bytesReceived += b.length;
      keep(flow, b);
    },
    error: (_c, code) => {
      flow.error = code;
      finish(TCP_OUTCOME[code] ?? 'error');
    },
    closed: (_c, reason) => finish(reason === 'normal' ? 'completed' : reason === 'aborted' ? 'aborted' : reason === 'reset' ? 'reset' : 'error'),
  };
  host.defer(start + f.t, {
    run: () => {
      flow.startedAt = host.net.sim.now;
      let c: ReplayConnection;
      try {
        c = host.tcp.connect(target.addr, target.port, handlers, keepPorts ? { sport: f.sport } : {});
      } catch {
        c = host.tcp.connect(target.addr, target.port, handlers); // the captured port is taken here: use an ephemeral one
      }
      conn = c;
      flow.localPort = c.localPort;
    },
  });
  for (const ch of f.chunks) {
    host.defer(start + ch.t, {
      run: () => {
        // Before ESTABLISHED the bytes wait in the connection, as they would in a socket's send queue.
        if (conn?.send(ch.bytes)) flow.bytesSent += ch.bytes.length;
      },
    });
  }
  if (f.end) {
    const how = f.end.how;
    host.defer(start + f.end.t, {
      run: () => {
        if (!conn) return;
        if (how === 'rst') conn.abort();
        else if (connected) conn.close();
        else closeWhenConnected = true; // the simulated handshake is slower than the captured one: close once it completes
      },
    });
  }
  return flow;
}

function scheduleUdp(f: UdpBuild, map: ReplayMapping, start: number, keepPorts: boolean): ReplayFlow {
  const host = map.clients.get(f.client)!;
  const target = targetOf(map, f.server, f.dport);
  const bytes = f.datagrams.reduce((n, d) => n + d.bytes.length, 0);
  const flow = newFlow('udp', host, `${fmtIp(f.client)}:${f.sport} -> ${fmtIp(f.server)}:${f.dport}`, target, start + f.t, bytes, f.replyBytes, f.datagrams.length, 'none');
  let sock: ReplayUdpSocket | null = null;
  const handler: ReplayUdpHandler = {
    message: (_s, data) => {
      flow.datagramsReceived++;
      flow.bytesReceived += data.length;
      keep(flow, data);
    },
    error: (_s, icmp) => {
      flow.error = `icmp ${icmp.type}/${icmp.code}`;
      flow.outcome = icmp.type === 3 && icmp.code === 3 ? 'refused' : 'unreachable';
    },
  };
  f.datagrams.forEach((d, i) => {
    host.defer(start + d.t, {
      run: () => {
        if (!sock) {
          flow.startedAt = host.net.sim.now;
          try {
            sock = host.udp.bind(keepPorts ? f.sport : 0, handler);
          } catch {
            sock = host.udp.bind(0, handler);
          }
          flow.localPort = sock.port;
        }
        sock.send(target.addr, target.port, d.bytes);
        flow.datagramsSent++;
        flow.bytesSent += d.bytes.length;
        if (i === f.datagrams.length - 1) {
          flow.doneAt = host.net.sim.now;
          if (flow.outcome === 'pending') flow.outcome = 'sent';
        }
      },
    });
  });
  return flow;
}

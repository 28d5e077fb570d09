/**
 * Flows: the trace cut into conversations as the client sees them. A flow
 * is one TCP connection, one UDP exchange or one ICMP echo session, named
 * by the 5-tuple its first packet carried when it left the host that
 * started it, and followed through every router, NAT and load balancer.
 *
 * The membership rule, in the order it is applied to each IPv4 frame the
 * first time the trace mentions it:
 *
 * 1. Lineage: a frame whose parent belongs to a flow belongs to it too (a
 *    routed hop, a NAT or LB rewrite, an encapsulation). Its 5-tuple is
 *    then remembered as one of the flow's tuples, so the flow is known by
 *    its addresses both before and after every translation it went through.
 * 2. Tuple: otherwise a frame whose 5-tuple, in either direction, is one of
 *    a flow's tuples belongs to that flow: the server's SYN-ACK, the ACKs,
 *    and answers such as the bare RST a client sends to a server it never
 *    called. An ICMP error belongs to the flow of the packet it quotes.
 * 3. Otherwise the frame starts a new flow, whose client is the node that
 *    first sent (or dropped) it. A new SYN with another initial sequence
 *    number on a tuple already seen also starts a new flow (port reuse);
 *    a SYN retransmission carries the same one and stays in its flow.
 *
 * ICMP echo sessions are keyed by identifier (as Linux conntrack does), so
 * the requests and replies of one ping are one flow. Flows are numbered
 * from 1 in the order of their first frame.
 *
 * Context: TCP state changes of the flow's sockets, the LB's and NAT's
 * connection entries for it, and the ARP resolutions its packets waited
 * for (a resolution is attached when one of the flow's frames leaves the
 * waiting node at the instant the answer arrived, or is dropped there
 * because the resolution failed). The one-line description is made from
 * all of this.
 */
import { framesOf, type DropEvent, type Frame, type RewriteEvent, type StateEvent, type TraceEvent } from '../trace/events.js';
import { fmtIp, fmtMac } from '../wire/addr.js';
import { decodeQuote } from '../wire/decode.js';
import type { Ethernet } from '../wire/types.js';
import { ICMP_TYPE, IPPROTO, TCP_FLAG } from '../wire/types.js';

/** The protocol of a flow. */
export type FlowProto = 'tcp' | 'udp' | 'icmp' | 'other';

/** A directed 5-tuple; for ICMP echo both ports hold the identifier, for other protocols both are 0. */
export interface FlowTuple {
  readonly proto: FlowProto;
  /** The IP protocol number (6, 17, 1, ...). */
  readonly ipProto: number;
  readonly src: number;
  readonly sport: number;
  readonly dst: number;
  readonly dport: number;
}

/** An ARP resolution one of the flow's packets waited for. */
export interface ArpWait {
  /** The node that asked. */
  readonly node: string;
  readonly iface: string;
  /** The address it resolved. */
  readonly ip: number;
  /** The answer, or null when the resolution failed. */
  readonly mac: number | null;
  /** When the entry became incomplete, and when it was answered or failed (ns). */
  readonly start: number;
  readonly end: number;
  /** Trace position of the state event that opened the resolution. */
  readonly seq: number;
  /** Requests sent. */
  readonly requests: number;
  /** Ids of the ARP frames (requests and the reply). */
  readonly frames: readonly number[];
}

/** One flow of a trace. */
export interface Flow {
  /** Its number, from 1, in the order of first frames. */
  readonly n: number;
  /** The node that started it. */
  readonly client: string;
  /** The tuple as it left the client. */
  readonly tuple: FlowTuple;
  /** Ids of the IPv4 frames that belong to it. */
  readonly frames: ReadonlySet<number>;
  /** Its frame events (tx, rx, forward, rewrite, deliver, drop) and its state changes, in trace order. */
  readonly events: readonly TraceEvent[];
  /** The ARP resolutions its packets waited for. */
  readonly arp: readonly ArpWait[];
  /** Time of its first and last event (ns). */
  readonly first: number;
  readonly last: number;
  /** One line for people: who called whom, what happened on the way, and how it ended. */
  readonly description: string;
}

/** A flow while the trace is being read. */
interface Building {
  n: number;
  client: string;
  tuple: FlowTuple;
  isn: number | null;
  frames: Set<number>;
  /** Frames travelling from the client's side (the rest travel back). */
  outbound: Set<number>;
  events: TraceEvent[];
  arp: ArpWait[];
}

/** An ARP resolution in progress at a node. */
interface Resolving {
  node: string;
  iface: string;
  ip: number;
  start: number;
  seq: number;
  requests: number;
  frames: number[];
  mac: number | null;
  end: number;
  done: boolean;
  taken: Set<number>;
}

const PROTO_NAME: Record<FlowProto, string> = { tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', other: 'IP' };

/** The directed tuple of an IPv4 frame (the inner packet of a tunnel), or null for ARP and other frames. */
export function tupleOf(eth: Ethernet): FlowTuple | null {
  if (eth.payload.kind !== 'ipv4') return null;
  let ip = eth.payload;
  if (ip.payload.kind === 'ipv4') ip = ip.payload; // a tunnel carries the flow inside
  const p = ip.payload;
  if (p.kind === 'tcp') return { proto: 'tcp', ipProto: IPPROTO.TCP, src: ip.src, sport: p.sport, dst: ip.dst, dport: p.dport };
  if (p.kind === 'udp') return { proto: 'udp', ipProto: IPPROTO.UDP, src: ip.src, sport: p.sport, dst: ip.dst, dport: p.dport };
  if (p.kind === 'icmp') {
    const echo = p.type === ICMP_TYPE.ECHO_REQUEST || p.type === ICMP_TYPE.ECHO_REPLY;
    const id = echo ? p.rest >>> 16 : 0;
    return { proto: 'icmp', ipProto: IPPROTO.ICMP, src: ip.src, sport: id, dst: ip.dst, dport: id };
  }
  return { proto: 'other', ipProto: ip.proto, src: ip.src, sport: 0, dst: ip.dst, dport: 0 };
}

/** The tuple of the packet an ICMP error quotes, or null when the frame is not an ICMP error. */
function quotedTuple(eth: Ethernet): FlowTuple | null {
  if (eth.payload.kind !== 'ipv4') return null;
  const p = eth.payload.payload;
  if (p.kind !== 'icmp' || p.type === ICMP_TYPE.ECHO_REQUEST || p.type === ICMP_TYPE.ECHO_REPLY) return null;
  const q = decodeQuote(p.body);
  if (!q.ok) return null;
  const ip = q.value.ip;
  const proto: FlowProto = ip.proto === IPPROTO.TCP ? 'tcp' : ip.proto === IPPROTO.UDP ? 'udp' : ip.proto === IPPROTO.ICMP ? 'icmp' : 'other';
  // An ICMP quote's "ports" are the echo id and sequence; the flow is keyed by id alone.
  const sport = q.value.sport ?? 0;
  const dport = proto === 'icmp' ? sport : (q.value.dport ?? 0);
  return { proto, ipProto: ip.proto, src: ip.src, sport, dst: ip.dst, dport };
}

function keyOf(t: FlowTuple): string {
  return `${t.ipProto}|${t.src}:${t.sport}>${t.dst}:${t.dport}`;
}

function reverse(t: FlowTuple): FlowTuple {
  return { ...t, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
}

/** "10.0.0.10:38586 -> 10.0.1.100:80 TCP" (ICMP: "10.0.1.10 -> 10.0.2.11 ICMP echo id=26839"). */
export function fmtTuple(t: FlowTuple): string {
  if (t.proto === 'tcp' || t.proto === 'udp') return `${fmtIp(t.src)}:${t.sport} -> ${fmtIp(t.dst)}:${t.dport} ${PROTO_NAME[t.proto]}`;
  if (t.proto === 'icmp') return `${fmtIp(t.src)} -> ${fmtIp(t.dst)} ICMP${t.sport ? ` echo id=${t.sport}` : ''}`;
  return `${fmtIp(t.src)} -> ${fmtIp(t.dst)} proto ${t.ipProto}`;
}

function pureSyn(eth: Ethernet): number | null {
  if (eth.payload.kind !== 'ipv4') return null;
  const p = eth.payload.payload;
  return p.kind === 'tcp' && (p.flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN ? p.seq : null;
}

const IP_PORT = String.raw`(\d+\.\d+\.\d+\.\d+):(\d+)`;
const TCP_CONN = new RegExp(`^${IP_PORT}->${IP_PORT}$`);
const NAT_KEY = new RegExp(`^(tcp|udp) ${IP_PORT} -> ${IP_PORT}`);

function parseIp(s: string): number {
  const [a, b, c, d] = s.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** The tuple a state event is about, or the client endpoint ("ip:port") for LB connection entries. */
function stateKey(ev: StateEvent): { tuple: FlowTuple } | { endpoint: string } | null {
  const c = ev.change;
  if (c.what === 'tcp') {
    const m = TCP_CONN.exec(c.conn);
    if (!m) return null;
    return { tuple: { proto: 'tcp', ipProto: IPPROTO.TCP, src: parseIp(m[1]!), sport: Number(m[2]), dst: parseIp(m[3]!), dport: Number(m[4]) } };
  }
  if (c.what === 'nat') {
    const m = NAT_KEY.exec(c.key);
    if (!m) return null;
    const udp = m[1] === 'udp';
    return { tuple: { proto: udp ? 'udp' : 'tcp', ipProto: udp ? IPPROTO.UDP : IPPROTO.TCP, src: parseIp(m[2]!), sport: Number(m[3]), dst: parseIp(m[4]!), dport: Number(m[5]) } };
  }
  if (c.what === 'lb-conn') return { endpoint: c.client };
  return null;
}

/** Finds the flows of a recorded trace (see the module comment for the membership rule). */
export function findFlows(events: readonly TraceEvent[]): Flow[] {
  const flows: Building[] = [];
  const frameFlow = new Map<number, Building>();
  const byTuple = new Map<string, { f: Building; out: boolean }>();
  const byEndpoint = new Map<string, Building>();
  // State events about a tuple no flow has yet.
  const early = new Map<string, StateEvent[]>();
  // connect() logs CLOSED -> SYN_SENT before its SYN leaves: it belongs to the next flow on that tuple, even a reused one.
  const connects = new Map<string, StateEvent[]>();
  const seen = new Set<TraceEvent>();
  const resolving = new Map<string, Resolving>();
  const resolved: Resolving[] = [];
  const arpFrames = new Map<number, Resolving>();

  const remember = (f: Building, t: FlowTuple, out: boolean): void => {
    for (const [x, o] of [[t, out], [reverse(t), !out]] as const) {
      const k = keyOf(x);
      byTuple.set(k, { f, out: o });
      const pending = early.get(k);
      if (pending) {
        early.delete(k);
        for (const ev of pending) addEvent(f, ev);
      }
    }
    // The LB names a connection by its client end, as the LB sees it.
    if (t.proto === 'tcp' || t.proto === 'udp') byEndpoint.set(out ? `${fmtIp(t.src)}:${t.sport}` : `${fmtIp(t.dst)}:${t.dport}`, f);
  };
  const addEvent = (f: Building, ev: TraceEvent): void => {
    if (seen.has(ev)) return;
    seen.add(ev);
    f.events.push(ev);
  };

  const classify = (frame: Frame, ev: TraceEvent): Building | null => {
    const known = frameFlow.get(frame.id);
    if (known) return known;
    const t = tupleOf(frame.eth);
    if (!t) return null;
    let f: Building | undefined;
    let out = true;
    if (frame.parent !== 0) f = frameFlow.get(frame.parent);
    if (f) {
      out = f.outbound.has(frame.parent);
      remember(f, t, out); // rule 1: lineage, and the flow is now also known by this tuple
    } else {
      const quoted = quotedTuple(frame.eth);
      const hit = byTuple.get(keyOf(quoted ?? t)); // rule 2: both directions are registered
      // An ICMP error travels against the packet it quotes.
      out = hit ? (quoted ? !hit.out : hit.out) : true;
      f = hit?.f;
      const isn = pureSyn(frame.eth);
      if (f && hit?.out && isn !== null && f.isn !== null && isn !== f.isn) f = undefined; // a new connection on a reused tuple
      if (!f) {
        f = { n: flows.length + 1, client: ev.node, tuple: t, isn, frames: new Set(), outbound: new Set(), events: [], arp: [] };
        flows.push(f);
        out = true;
        remember(f, t, true);
        for (const ev of connects.get(keyOf(t)) ?? []) addEvent(f, ev);
        connects.delete(keyOf(t));
      }
    }
    f.frames.add(frame.id);
    if (out) f.outbound.add(frame.id);
    frameFlow.set(frame.id, f);
    return f;
  };

  for (const ev of events) {
    if (ev.kind === 'state') {
      const c = ev.change;
      if (c.what === 'arp') {
        const k = `${ev.node}|${c.iface}|${c.ip}`;
        if (c.state === 'incomplete') {
          resolving.set(k, { node: ev.node, iface: c.iface, ip: c.ip, start: ev.t, seq: ev.seq, requests: 0, frames: [], mac: null, end: ev.t, done: false, taken: new Set() });
        } else if (c.state === 'reachable' || c.state === 'failed') {
          const r = resolving.get(k);
          if (r) {
            resolving.delete(k);
            r.mac = c.mac;
            r.end = ev.t;
            r.done = true;
            resolved.push(r);
          }
        }
        continue;
      }
      const sk = stateKey(ev);
      if (!sk) continue;
      if ('endpoint' in sk) {
        const f = byEndpoint.get(sk.endpoint);
        if (f) addEvent(f, ev);
        continue;
      }
      const c2 = ev.change;
      if (c2.what === 'tcp' && c2.from === 'CLOSED' && c2.to === 'SYN_SENT') {
        push(connects, keyOf(sk.tuple), ev);
        continue;
      }
      const f = byTuple.get(keyOf(sk.tuple))?.f;
      if (f) addEvent(f, ev);
      else {
        push(early, keyOf(sk.tuple), ev);
      }
      continue;
    }
    for (const frame of framesOf(ev)) {
      if (frame.eth.payload.kind === 'arp') {
        noteArp(frame, ev);
        continue;
      }
      const f = classify(frame, ev);
      if (!f) continue;
      addEvent(f, ev);
      if (ev.kind === 'tx') attachArp(f, ev.node, ev.t, frame.eth.dst, false);
      if (ev.kind === 'drop' && ev.code === 'arp-failed') attachArp(f, ev.node, ev.t, null, true);
    }
  }

  function noteArp(frame: Frame, ev: TraceEvent): void {
    if (ev.kind !== 'tx' || arpFrames.has(frame.id)) return;
    const a = frame.eth.payload;
    if (a.kind !== 'arp') return;
    // A request the waiting node sends for the address it resolves, or the reply that answers it.
    const req = resolving.get(`${ev.node}|${ev.iface}|${a.tpa}`);
    if (req && a.op === 1) {
      req.requests++;
      req.frames.push(frame.id);
      arpFrames.set(frame.id, req);
      return;
    }
    if (a.op === 2) {
      for (const r of resolving.values()) {
        if (r.ip === a.spa && r.frames.length && !r.done) {
          r.frames.push(frame.id);
          arpFrames.set(frame.id, r);
          return;
        }
      }
    }
  }

  function attachArp(f: Building, node: string, t: number, mac: number | null, failed: boolean): void {
    // Resolutions finish in the same event as the release of their queue, so only same-instant ones can match.
    for (let i = resolved.length - 1; i >= 0; i--) {
      const r = resolved[i]!;
      if (r.end !== t) break;
      if (r.node !== node || r.taken.has(f.n)) continue;
      if (failed ? r.mac !== null : r.mac !== mac) continue;
      r.taken.add(f.n);
      f.arp.push({ node: r.node, iface: r.iface, ip: r.ip, mac: r.mac, start: r.start, end: r.end, seq: r.seq, requests: r.requests, frames: r.frames });
    }
  }

  return flows.map((f) => {
    const evs = f.events.sort((a, b) => a.seq - b.seq);
    const first = Math.min(evs[0]?.t ?? 0, ...f.arp.map((a) => a.start));
    return {
      n: f.n,
      client: f.client,
      tuple: f.tuple,
      frames: f.frames,
      events: evs,
      arp: f.arp.sort((a, b) => a.seq - b.seq),
      first,
      last: evs.length ? evs[evs.length - 1]!.t : 0,
      description: describe(f, evs),
    };
  });
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

// ---- description -----------------------------------------------------------

function tcpFlags(eth: Ethernet): number | null {
  if (eth.payload.kind !== 'ipv4') return null;
  const p = eth.payload.payload;
  return p.kind === 'tcp' ? p.flags : null;
}

function count(n: number, what: string): string {
  return n === 1 ? what : `${what} (${n} times)`;
}

/** The outcome as the client's socket saw it, from its TCP state changes. */
function tcpOutcome(f: Building, evs: readonly TraceEvent[]): string | null {
  const mine = evs.filter((e): e is StateEvent => e.kind === 'state' && e.change.what === 'tcp' && e.node === f.client);
  if (!mine.length) return null;
  const established = mine.some((e) => e.change.what === 'tcp' && e.change.to === 'ESTABLISHED');
  const last = mine[mine.length - 1]!;
  const to = last.change.what === 'tcp' ? last.change.to : '';
  const errno = /\b(E[A-Z]+)\)$/.exec(last.text)?.[1];
  if (to === 'CLOSED' || to === 'TIME_WAIT') {
    if (errno === 'ETIMEDOUT') return established ? 'timed out' : 'connect() timed out';
    if (errno === 'ECONNREFUSED') return 'connection refused';
    if (errno === 'ECONNRESET') return 'connection reset';
    if (errno === 'EHOSTUNREACH' || errno === 'ENETUNREACH') return `connect() failed: ${errno}`;
    return established ? 'connected, then closed' : 'closed before connecting';
  }
  return established ? `connected; still ${to} at the end` : `still ${to} at the end`;
}

function describe(f: Building, evs: readonly TraceEvent[]): string {
  const parts: string[] = [];
  // Rewrites in the client's direction say where the flow was sent; their mirror images on replies are implied.
  const seenRw = new Set<string>();
  for (const e of evs) {
    if (e.kind !== 'rewrite' || !f.outbound.has(e.before.id)) continue;
    const b = tupleOf(e.before.eth);
    const a = tupleOf(e.after.eth);
    if (!b || !a) continue;
    const key = `${e.node}|${e.code}`;
    if (seenRw.has(key)) continue;
    seenRw.add(key);
    const what: string[] = [];
    if (a.dst !== b.dst || a.dport !== b.dport) what.push(`to ${fmtIp(a.dst)}${a.proto === 'tcp' || a.proto === 'udp' ? `:${a.dport}` : ''}`);
    if (a.src !== b.src || a.sport !== b.sport) what.push(`from ${fmtIp(a.src)}${a.proto === 'tcp' || a.proto === 'udp' ? `:${a.sport}` : ''}`);
    if (!what.length && e.before.eth.dst !== e.after.eth.dst) what.push(`to MAC ${fmtMac(e.after.eth.dst)}`);
    parts.push(`${e.code} at ${e.node}${what.length ? ` ${what.join(' ')}` : ''}`);
  }
  // Resets and ICMP errors, by the node that originated them.
  const resets = new Map<string, number>();
  const errors = new Map<string, number>();
  const origin = new Set<number>();
  for (const e of evs) {
    // Only a frame's first transmission is its origin: a switch sends the same frame on.
    if (e.kind !== 'tx' || e.frame.parent !== 0 || origin.has(e.frame.id)) continue;
    origin.add(e.frame.id);
    const flags = tcpFlags(e.frame.eth);
    if (flags !== null && flags & TCP_FLAG.RST) resets.set(e.node, (resets.get(e.node) ?? 0) + 1);
    if (quotedTuple(e.frame.eth)) {
      const p = e.frame.eth.payload;
      const name = p.kind === 'ipv4' && p.payload.kind === 'icmp' ? icmpErrorName(p.payload.type) : 'ICMP error';
      const k = `${name} from ${e.node}`;
      errors.set(k, (errors.get(k) ?? 0) + 1);
    }
  }
  for (const [node, n] of resets) parts.push(count(n, `reset by ${node}`));
  for (const [what, n] of errors) parts.push(count(n, what));
  const drops = new Map<string, number>();
  for (const e of evs) {
    if (e.kind !== 'drop' || e.code === 'not-for-me' || e.code === 'tcp-no-socket') continue; // the RST already tells tcp-no-socket
    const k = `${e.code} at ${e.node}`;
    drops.set(k, (drops.get(k) ?? 0) + 1);
  }
  for (const [what, n] of drops) parts.push(count(n, `dropped: ${what}`));
  if (f.tuple.proto === 'tcp') {
    const isn = f.isn;
    const syns = evs.filter((e) => e.kind === 'tx' && e.node === f.client && e.frame.parent === 0 && pureSyn(e.frame.eth) === isn).length;
    if (syns > 1) parts.push(`SYN retried ${syns - 1} time${syns > 2 ? 's' : ''}`);
    const out = tcpOutcome(f, evs);
    if (out) parts.push(out);
  } else {
    let out = 0;
    let back = 0;
    for (const e of evs) {
      if (e.kind !== 'tx' || !origin.has(e.frame.id) || quotedTuple(e.frame.eth)) continue;
      origin.delete(e.frame.id);
      if (f.outbound.has(e.frame.id)) out++;
      else back++;
    }
    parts.push(`${out} sent, ${back} answered`);
  }
  return `${f.client} ${fmtTuple(f.tuple)}${parts.length ? `: ${parts.join('; ')}` : ''}`;
}

function icmpErrorName(type: number): string {
  switch (type) {
    case ICMP_TYPE.DEST_UNREACH:
      return 'ICMP unreachable';
    case ICMP_TYPE.TIME_EXCEEDED:
      return 'ICMP time exceeded';
    case ICMP_TYPE.REDIRECT:
      return 'ICMP redirect';
    default:
      return `ICMP type ${type}`;
  }
}

/** The drop events of a flow, for summaries and tests. */
export function flowDrops(f: Flow): DropEvent[] {
  return f.events.filter((e): e is DropEvent => e.kind === 'drop');
}

/** The rewrite events of a flow, for summaries and tests. */
export function flowRewrites(f: Flow): RewriteEvent[] {
  return f.events.filter((e): e is RewriteEvent => e.kind === 'rewrite');
}

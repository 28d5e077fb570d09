/**
 * Hand-made grader inputs: trace events around real frame values, client
 * records and expectations, so each check can be judged without running a
 * network.
 */
import { arp, ethernet, icmp, ipv4, tcp } from '../../src/wire/build.js';
import { ip, mac } from '../../src/wire/addr.js';
import { TCP_FLAG, type Ethernet } from '../../src/wire/types.js';
import type { DropEvent, Frame, RewriteEvent, RxEvent, TraceEvent, TxEvent } from '../../src/trace/events.js';
import type { Check, Expectation, FieldTest, Target } from '../../src/scenario/types.js';
import type { AttemptRecord, ClientRecord, GradeInput } from '../../src/grade/types.js';

export const { SYN, ACK, RST, FIN, PSH } = TCP_FLAG;

/** The position every hand-made expectation claims. */
export const POS = { file: 'lesson.yaml', line: 7, col: 5 } as const;

let nextId = 1;

/** Wraps an Ethernet value as a trace frame. */
export function frame(eth: Ethernet, parent = 0): Frame {
  return { id: nextId++, parent, eth, len: 60 };
}

/** A TCP frame between two addresses (ports 40000 -> 80 unless given). */
export function tcpEth(src: string, dst: string, flags: number, o: { sport?: number; dport?: number; ttl?: number; smac?: string; dmac?: string } = {}): Ethernet {
  const s = ip(src);
  const d = ip(dst);
  const seg = tcp(s, d, { sport: o.sport ?? 40000, dport: o.dport ?? 80, seq: 1000, ack: flags & ACK ? 2000 : 0, flags, window: 64240 });
  return ethernet(mac(o.dmac ?? '00:00:00:00:00:02'), mac(o.smac ?? '00:00:00:00:00:01'), ipv4({ src: s, dst: d, ttl: o.ttl ?? 64 }, seg));
}

/** An ICMP echo request. */
export function pingEth(src: string, dst: string, ttl = 64): Ethernet {
  return ethernet(mac('00:00:00:00:00:02'), mac('00:00:00:00:00:01'), ipv4({ src: ip(src), dst: ip(dst), ttl }, icmp(8, 0, (1 << 16) | 1)));
}

/** An ARP reply "spa is-at sha". */
export function arpReply(sha: string, spa: string, tha: string, tpa: string): Ethernet {
  return ethernet(mac(tha), mac(sha), arp(2, mac(sha), ip(spa), mac(tha), ip(tpa)));
}

/** A builder of a trace: events get increasing seq numbers at the times given. */
export class TraceBuilder {
  readonly events: TraceEvent[] = [];

  rx(t: number, node: string, iface: string, eth: Ethernet): RxEvent {
    const ev: RxEvent = { kind: 'rx', t, seq: this.events.length, node, iface, frame: frame(eth) };
    this.events.push(ev);
    return ev;
  }

  tx(t: number, node: string, iface: string, eth: Ethernet): TxEvent {
    const ev: TxEvent = { kind: 'tx', t, seq: this.events.length, node, iface, link: `${node}:${iface}-sw1:p1`, frame: frame(eth) };
    this.events.push(ev);
    return ev;
  }

  drop(t: number, node: string, iface: string | null, code: string, text: string, eth: Ethernet | null = null): DropEvent {
    const ev: DropEvent = { kind: 'drop', t, seq: this.events.length, node, iface, frame: eth ? frame(eth) : null, code, text };
    this.events.push(ev);
    return ev;
  }

  rewrite(t: number, node: string, code: RewriteEvent['code'], text: string, before: Ethernet, after: Ethernet): RewriteEvent {
    const b = frame(before);
    const ev: RewriteEvent = { kind: 'rewrite', t, seq: this.events.length, node, before: b, after: frame(after, b.id), code, text };
    this.events.push(ev);
    return ev;
  }

  deliver(t: number, node: string, eth: Ethernet): void {
    this.events.push({ kind: 'deliver', t, seq: this.events.length, node, to: 'tcp 10.0.0.10:40000', frame: frame(eth) });
  }

  forward(t: number, node: string, eth: Ethernet): void {
    this.events.push({ kind: 'forward', t, seq: this.events.length, node, inIface: 'eth0', outIface: 'eth1', frame: frame(eth), how: 'route' });
  }
}

/** A grade input with defaults for what a test does not care about. */
export function input(o: Partial<GradeInput> = {}): GradeInput {
  return { events: [], clients: [], services: [], macs: {}, ...o };
}

/** An expectation of one check. */
export function expectation(name: string, check: Check): Expectation {
  return { name, check, pos: POS };
}

/** A resolved target (`text` as written). */
export function target(text: string, addr: string, kind: Target['kind'] = 'node'): Target {
  return { text, addr: ip(addr), kind, node: kind === 'address' ? null : text.replace(/^vip:/, 'lb1'), detail: null };
}

/** A field test on a number (addresses as dotted text). */
export function num(field: string, value: number | string, text?: string): FieldTest {
  const v = typeof value === 'string' ? ip(value) : value;
  return { field, value: { kind: 'number', value: v }, text: text ?? String(value) };
}

/** A field test on a MAC. */
export function macTest(field: string, value: string, text?: string): FieldTest {
  return { field, value: { kind: 'number', value: mac(value) }, text: text ?? value };
}

/** A tcp.flags test (letters already canonical). */
export function flags(letters: string): FieldTest {
  return { field: 'tcp.flags', value: { kind: 'flags', value: letters }, text: letters };
}

/** An attempt record. */
export function attempt(index: number, outcome: string, startedAt: number, doneAt: number, extra: Partial<AttemptRecord> = {}): AttemptRecord {
  return { index, outcome, error: null, startedAt, doneAt, server: null, ...extra };
}

/** A client record. */
export function client(node: string, dst: string, port: number, attempts: AttemptRecord[], app: ClientRecord['app'] = 'http-client', id = '0'): ClientRecord {
  return { app, node, id, dst: ip(dst), port, attempts };
}

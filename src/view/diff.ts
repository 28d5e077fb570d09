/**
 * The header fields that differ between two frames, layer by layer, as
 * "field: before -> after" pairs: what a rewrite (NAT, a routed hop, DSR,
 * encapsulation) changed. Used by hop lines, the ladder and the TUI.
 */
import { fmtIp, fmtMac } from '../wire/addr.js';
import type { Ethernet, Ipv4 } from '../wire/types.js';

/** One changed field. */
export interface FieldChange {
  /** Layer-qualified name ("eth.src", "ip.dst", "tcp.sport", "ip.ttl"). */
  readonly field: string;
  readonly before: string;
  readonly after: string;
}

const hex = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;

function ipOf(e: Ethernet): Ipv4 | null {
  return e.payload.kind === 'ipv4' ? e.payload : null;
}

/** The fields that differ between `a` and `b`. An encapsulation shows as ip.proto 6 -> 4 and the outer addresses. */
export function diffFrames(a: Ethernet, b: Ethernet): FieldChange[] {
  const out: FieldChange[] = [];
  const add = (field: string, x: string, y: string): void => {
    if (x !== y) out.push({ field, before: x, after: y });
  };
  add('eth.src', fmtMac(a.src), fmtMac(b.src));
  add('eth.dst', fmtMac(a.dst), fmtMac(b.dst));
  add('eth.vlan', a.vlan ? String(a.vlan.vid) : 'none', b.vlan ? String(b.vlan.vid) : 'none');
  const x = ipOf(a);
  const y = ipOf(b);
  if (!x || !y) return out;
  add('ip.src', fmtIp(x.src), fmtIp(y.src));
  add('ip.dst', fmtIp(x.dst), fmtIp(y.dst));
  add('ip.ttl', String(x.ttl), String(y.ttl));
  add('ip.proto', String(x.proto), String(y.proto));
  add('ip.checksum', hex(x.checksum), hex(y.checksum));
  const p = x.payload;
  const q = y.payload;
  if (p.kind === 'tcp' && q.kind === 'tcp') {
    add('tcp.sport', String(p.sport), String(q.sport));
    add('tcp.dport', String(p.dport), String(q.dport));
    add('tcp.checksum', hex(p.checksum), hex(q.checksum));
  } else if (p.kind === 'udp' && q.kind === 'udp') {
    add('udp.sport', String(p.sport), String(q.sport));
    add('udp.dport', String(p.dport), String(q.dport));
    add('udp.checksum', hex(p.checksum), hex(q.checksum));
  } else if (p.kind === 'icmp' && q.kind === 'icmp') {
    add('icmp.rest', hex(p.rest), hex(q.rest));
    add('icmp.checksum', hex(p.checksum), hex(q.checksum));
  }
  return out;
}

/** The changes as one compact text ("ip.dst 10.0.1.100 -> 10.0.1.11, tcp.checksum 0x1a2b -> 0x3c4d"). */
export function fmtChanges(cs: readonly FieldChange[]): string {
  return cs.map((c) => `${c.field} ${c.before} -> ${c.after}`).join(', ');
}

/**
 * Header fields of a frame by the names scenario files use (`ip.src`,
 * `tcp.flags`...), and the tests of a frame expectation. A field the frame
 * does not have (tcp.sport of an ARP frame, vlan.id of an untagged frame)
 * is absent, and a test of an absent field never holds.
 *
 * Transport fields (tcp.*, udp.*, icmp.*) read the packet's transport
 * layer, looking through IP-in-IP: in tunnel mode the SYN a server receives
 * is still "the SYN". `ip.*` is always the outer header; `ip.inner.*` the
 * tunnelled one.
 */
import { fmtIp, fmtMac } from '../wire/addr.js';
import type { Ethernet, Ipv4 } from '../wire/types.js';
import { ETHERTYPE } from '../wire/types.js';
import type { FieldTest } from '../scenario/types.js';
import { dnsFieldValue } from './dns-counters.js';

/** The canonical flag order of scenario files (FSRPAUEC), bit by bit from FIN. */
const FLAG_LETTERS = 'FSRPAUEC';

/** TCP flag bits as letters in canonical order ("SA" for SYN|ACK, "" for none). */
export function flagLetters(flags: number): string {
  let s = '';
  for (let i = 0; i < FLAG_LETTERS.length; i++) if (flags & (1 << i)) s += FLAG_LETTERS[i];
  return s;
}

/** A field's value in a frame: a number, TCP flag letters, or null when the frame has no such field. */
export type FrameValue = number | string | null;

function transport(ip: Ipv4): Ipv4 {
  // RFC 2003: look through IP-in-IP to the packet it carries.
  let p = ip;
  while (p.payload.kind === 'ipv4') p = p.payload;
  return p;
}

/** The value of a named field in a frame (null when absent). */
export function fieldValue(eth: Ethernet, field: string): FrameValue {
  const p = eth.payload;
  const ip = p.kind === 'ipv4' ? p : null;
  const arp = p.kind === 'arp' ? p : null;
  const inner = ip && ip.payload.kind === 'ipv4' ? ip.payload : null;
  const t = ip ? transport(ip).payload : null;
  const tcp = t && t.kind === 'tcp' ? t : null;
  const udp = t && t.kind === 'udp' ? t : null;
  const icmp = t && t.kind === 'icmp' ? t : null;
  switch (field) {
    case 'eth.src':
      return eth.src;
    case 'eth.dst':
      return eth.dst;
    case 'eth.type':
      return eth.type;
    case 'vlan.id':
      return eth.vlan ? eth.vlan.vid : null;
    case 'arp.op':
      return arp ? arp.op : null;
    case 'arp.sha':
      return arp ? arp.sha : null;
    case 'arp.spa':
      return arp ? arp.spa : null;
    case 'arp.tha':
      return arp ? arp.tha : null;
    case 'arp.tpa':
      return arp ? arp.tpa : null;
    case 'ip.src':
      return ip ? ip.src : null;
    case 'ip.dst':
      return ip ? ip.dst : null;
    case 'ip.ttl':
      return ip ? ip.ttl : null;
    case 'ip.proto':
      return ip ? ip.proto : null;
    case 'ip.id':
      return ip ? ip.id : null;
    case 'ip.inner.src':
      return inner ? inner.src : null;
    case 'ip.inner.dst':
      return inner ? inner.dst : null;
    case 'tcp.sport':
      return tcp ? tcp.sport : null;
    case 'tcp.dport':
      return tcp ? tcp.dport : null;
    case 'tcp.flags':
      return tcp ? flagLetters(tcp.flags) : null;
    case 'tcp.seq':
      return tcp ? tcp.seq : null;
    case 'tcp.ack':
      return tcp ? tcp.ack : null;
    case 'udp.sport':
      return udp ? udp.sport : null;
    case 'udp.dport':
      return udp ? udp.dport : null;
    case 'icmp.type':
      return icmp ? icmp.type : null;
    case 'icmp.code':
      return icmp ? icmp.code : null;
    case 'vrrp.vrid':
      return t && t.kind === 'vrrp' ? t.vrid : null;
    case 'vrrp.priority':
      return t && t.kind === 'vrrp' ? t.priority : null;
    default:
      return field.startsWith('dns.') ? dnsFieldValue(udp, field) : null;
  }
}

/** The value a test wants, resolved: a number, flag letters, or null when a `mac-of` interface has no MAC. */
export function wantedValue(test: FieldTest, macs: Readonly<Record<string, number>>): number | string | null {
  const v = test.value;
  switch (v.kind) {
    case 'number':
      return v.value;
    case 'flags':
      return v.value;
    case 'mac-of':
      return macs[`${v.node}:${v.iface}`] ?? null;
  }
}

/** True when the frame's field equals the wanted value. `tcp.flags` compares the whole set (SA is SYN|ACK and nothing else). */
export function testHolds(eth: Ethernet, test: FieldTest, macs: Readonly<Record<string, number>>): boolean {
  const want = wantedValue(test, macs);
  if (want === null) return false;
  // A tagged frame is an 802.1Q frame on the wire: eth.type matches vlan as well as the type it carries.
  if (test.field === 'eth.type' && want === ETHERTYPE.VLAN && eth.vlan) return true;
  return fieldValue(eth, test.field) === want;
}

/** A field's value as people read it: addresses dotted, MACs with colons, flags as letters ("none" for no flag), "absent" when missing. */
export function fmtField(field: string, v: FrameValue): string {
  if (v === null) return 'absent';
  if (typeof v === 'string') return v === '' ? 'none' : v;
  if (/^(ip\.(src|dst|inner\.src|inner\.dst)|arp\.(spa|tpa)|dns\.a)$/.test(field)) return fmtIp(v);
  if (/^(eth\.(src|dst)|arp\.(sha|tha))$/.test(field)) return fmtMac(v);
  if (field === 'eth.type') return `0x${v.toString(16).padStart(4, '0')}`;
  return String(v);
}

/** A test as written, with the resolved value when the text differs from it: "ip.src=web1 (10.0.1.11)", "tcp.flags=SA". */
export function fmtTest(test: FieldTest, macs: Readonly<Record<string, number>>): string {
  const want = wantedValue(test, macs);
  const shown = want === null ? 'unknown MAC' : fmtField(test.field, want);
  return shown === test.text ? `${test.field}=${test.text}` : `${test.field}=${test.text} (${shown})`;
}

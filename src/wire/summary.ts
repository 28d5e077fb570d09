/**
 * One-line summaries and field lists of frames, for people: the CLI's hop
 * lines, the TUI's packet list and detail pane, and pcapng comments all use
 * these, so a packet reads the same everywhere. The style follows tcpdump and
 * scapy ("10.0.0.1:40000 > 10.0.1.100:80 TCP [S] seq=1000 win=64240 len=0").
 * Formatting only: nothing here belongs on a hot path.
 */
import { fmtIp, fmtMac } from './addr.js';
import { ipv4HeaderLength, ipv4TotalLength, payloadLength, tcpHeaderLength } from './checksum.js';
import { decodeQuote } from './decode.js';
import { decodeDns, DNS_PORT, summarizeDns } from './dns.js';
import type { Arp, Ethernet, Icmp, Ipv4, Layer, Tcp, TcpOption, Udp, VlanTag } from './types.js';
import { vrrpText } from './vrrp.js';
import { ARP_OP, ETHERTYPE, ICMP_TYPE, ICMP_UNREACH, IPPROTO, IP_FLAG, TCP_FLAG } from './types.js';

/** How much of a frame `summarize` shows. */
export interface SummaryOptions {
  /** Prefix IPv4 frames with their MAC addresses too (ARP and other non-IP frames always show them). */
  readonly link?: boolean;
}

/** One line describing a whole frame, innermost meaning first: IP frames by their addresses and ports, ARP and others by MACs. */
export function summarize(eth: Ethernet, opts: SummaryOptions = {}): string {
  const tag = eth.vlan ? `vlan ${eth.vlan.vid} ` : '';
  const macs = `${fmtMac(eth.src)} > ${fmtMac(eth.dst)} `;
  const p = eth.payload;
  switch (p.kind) {
    case 'ipv4':
      return (opts.link ? macs : '') + tag + summarizeIpv4(p);
    case 'arp':
      return macs + tag + summarizeArp(p);
    case 'raw':
      return `${macs}${tag}${etherTypeName(eth.type)} len=${p.bytes.length}`;
  }
}

/** One line for an IPv4 packet and everything inside it (the ports shown with the addresses, tcpdump style). */
export function summarizeIpv4(ip: Ipv4): string {
  const p = ip.payload;
  if (isFragment(ip)) {
    const more = ip.frag & IP_FLAG.MF ? ' [MF]' : '';
    return `${fmtIp(ip.src)} > ${fmtIp(ip.dst)} ${protoName(ip.proto)} fragment id=${ip.id} off=${fragOffset(ip)} len=${payloadLength(p)}${more}`;
  }
  switch (p.kind) {
    case 'tcp':
      return `${fmtIp(ip.src)}:${p.sport} > ${fmtIp(ip.dst)}:${p.dport} ${tcpText(p)}`;
    case 'udp':
      return `${fmtIp(ip.src)}:${p.sport} > ${fmtIp(ip.dst)}:${p.dport} ${udpPayloadText(p)}`;
    case 'icmp':
      return `${fmtIp(ip.src)} > ${fmtIp(ip.dst)} ${icmpText(p)}`;
    case 'ipv4':
      return `IPIP ${fmtIp(ip.src)} > ${fmtIp(ip.dst)} [${summarizeIpv4(p)}]`;
    case 'vrrp':
      return `${fmtIp(ip.src)} > ${fmtIp(ip.dst)} ${vrrpText(p)}`;
    case 'raw':
      return `${fmtIp(ip.src)} > ${fmtIp(ip.dst)} ${protoName(ip.proto)} len=${p.bytes.length}`;
  }
}

/** One line for a single layer on its own, without the layers inside it. */
export function summarizeLayer(layer: Layer): string {
  switch (layer.kind) {
    case 'eth': {
      const tag = layer.vlan ? ` vlan ${layer.vlan.vid}` : '';
      return `${fmtMac(layer.src)} > ${fmtMac(layer.dst)}${tag} ${etherTypeName(layer.type)}`;
    }
    case 'arp':
      return summarizeArp(layer);
    case 'ipv4': {
      const df = layer.frag & IP_FLAG.DF ? ' DF' : '';
      const frag = isFragment(layer) ? ` frag off=${fragOffset(layer)}${layer.frag & IP_FLAG.MF ? ' MF' : ''}` : '';
      return `${fmtIp(layer.src)} > ${fmtIp(layer.dst)} ${protoName(layer.proto)} ttl=${layer.ttl} id=${layer.id}${df}${frag} len=${ipv4TotalLength(layer)}`;
    }
    case 'tcp':
      return `${layer.sport} > ${layer.dport} ${tcpText(layer)}`;
    case 'udp':
      return `${layer.sport} > ${layer.dport} UDP len=${layer.payload.length}`;
    case 'icmp':
      return icmpText(layer);
    case 'vrrp':
      return vrrpText(layer);
    case 'raw':
      return `raw len=${layer.bytes.length}`;
  }
}

/**
 * TCP flags as tcpdump prints them: one letter per flag in tcpdump's order
 * (F S R P, '.' for ACK, U E W), "none" when no flag is set: "S", "S.", "R.", "FP.".
 */
export function tcpFlagsText(flags: number): string {
  let s = '';
  if (flags & TCP_FLAG.FIN) s += 'F';
  if (flags & TCP_FLAG.SYN) s += 'S';
  if (flags & TCP_FLAG.RST) s += 'R';
  if (flags & TCP_FLAG.PSH) s += 'P';
  if (flags & TCP_FLAG.ACK) s += '.';
  if (flags & TCP_FLAG.URG) s += 'U';
  if (flags & TCP_FLAG.ECE) s += 'E';
  if (flags & TCP_FLAG.CWR) s += 'W';
  return s === '' ? 'none' : s;
}

/** TCP options as tcpdump prints them: "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7". */
export function tcpOptionsText(options: readonly TcpOption[]): string {
  return options.map(tcpOptionText).join(',');
}

function tcpOptionText(o: TcpOption): string {
  switch (o.kind) {
    case 'eol':
      return 'eol';
    case 'nop':
      return 'nop';
    case 'mss':
      return `mss ${o.mss}`;
    case 'wscale':
      return `wscale ${o.shift}`;
    case 'sack-permitted':
      return 'sackOK';
    case 'sack':
      return `sack ${o.blocks.length} ${o.blocks.map(([l, r]) => `{${l}:${r}}`).join('')}`;
    case 'timestamps':
      return `TS val ${o.tsval} ecr ${o.tsecr}`;
    case 'unknown':
      return `opt-${o.type}:${hex(o.data, 16)}`;
  }
}

/** A name and a formatted value, one row of a detail pane. */
export interface Field {
  readonly name: string;
  readonly value: string;
}

/** Every header field of one layer, in wire order, formatted for a detail pane. */
export function fieldsOf(layer: Layer): readonly Field[] {
  switch (layer.kind) {
    case 'eth':
      return [
        f('dst', fmtMac(layer.dst)),
        f('src', fmtMac(layer.src)),
        f('vlan', layer.vlan ? vlanText(layer.vlan) : 'none'),
        f('type', `0x${hex4(layer.type)} (${etherTypeName(layer.type)})`),
      ];
    case 'arp':
      return [
        f('htype', '1 (Ethernet)'),
        f('ptype', '0x0800 (IPv4)'),
        f('hlen', '6'),
        f('plen', '4'),
        f('op', `${layer.op} (${arpOpName(layer.op)})`),
        f('sha', fmtMac(layer.sha)),
        f('spa', fmtIp(layer.spa)),
        f('tha', fmtMac(layer.tha)),
        f('tpa', fmtIp(layer.tpa)),
      ];
    case 'ipv4': {
      const hl = ipv4HeaderLength(layer.options);
      return [
        f('version', '4'),
        f('ihl', `${hl >> 2} (${hl} bytes)`),
        f('tos', `0x${hex2(layer.tos)} (dscp ${layer.tos >> 2}, ecn ${layer.tos & 3})`),
        f('total length', String(ipv4TotalLength(layer))),
        f('id', `${layer.id} (0x${hex4(layer.id)})`),
        f('flags', ipFlagsText(layer.frag)),
        f('fragment offset', String(fragOffset(layer))),
        f('ttl', String(layer.ttl)),
        f('protocol', `${layer.proto} (${protoName(layer.proto)})`),
        f('checksum', `0x${hex4(layer.checksum)}`),
        f('src', fmtIp(layer.src)),
        f('dst', fmtIp(layer.dst)),
        f('options', layer.options && layer.options.length ? hex(layer.options, 40) : 'none'),
      ];
    }
    case 'tcp': {
      const hl = tcpHeaderLength(layer.options);
      return [
        f('sport', String(layer.sport)),
        f('dport', String(layer.dport)),
        f('seq', String(layer.seq)),
        f('ack', String(layer.ack)),
        f('data offset', `${hl >> 2} (${hl} bytes)`),
        f('flags', `0x${hex2(layer.flags)} [${tcpFlagsText(layer.flags)}]`),
        f('window', String(layer.window)),
        f('checksum', `0x${hex4(layer.checksum)}`),
        f('urgent', String(layer.urgent)),
        f('options', layer.options.length ? tcpOptionsText(layer.options) : 'none'),
        f('payload', `${layer.payload.length} bytes`),
      ];
    }
    case 'udp':
      return [
        f('sport', String(layer.sport)),
        f('dport', String(layer.dport)),
        f('length', String(8 + layer.payload.length)),
        f('checksum', layer.checksum === 0 ? '0x0000 (none)' : `0x${hex4(layer.checksum)}`),
        f('payload', `${layer.payload.length} bytes`),
      ];
    case 'icmp':
      return [
        f('type', `${layer.type} (${icmpTypeName(layer.type)})`),
        f('code', String(layer.code) + icmpCodeNote(layer)),
        f('checksum', `0x${hex4(layer.checksum)}`),
        ...icmpRestFields(layer),
        f('body', `${layer.body.length} bytes`),
      ];
    case 'vrrp':
      return [
        f('version', String(layer.version)),
        f('type', `${layer.type}${layer.type === 1 ? ' (advertisement)' : ''}`),
        f('vrid', String(layer.vrid)),
        f('priority', `${layer.priority}${layer.priority === 255 ? ' (address owner)' : layer.priority === 0 ? ' (master stops)' : ''}`),
        f('count', String(layer.addrs.length)),
        f('reserved', String(layer.rsvd)),
        f('max advert interval', `${layer.maxAdvertInt} cs (${layer.maxAdvertInt * 10} ms)`),
        f('checksum', `0x${hex4(layer.checksum)}`),
        f('addresses', layer.addrs.length ? layer.addrs.map(fmtIp).join(', ') : 'none'),
      ];
    case 'raw':
      return [f('length', String(layer.bytes.length)), f('bytes', hex(layer.bytes, 64))];
  }
}

// ---- helpers -------------------------------------------------------------

function f(name: string, value: string): Field {
  return { name, value };
}

function tcpText(t: Tcp): string {
  const ack = t.flags & TCP_FLAG.ACK ? ` ack=${t.ack}` : '';
  return `TCP [${tcpFlagsText(t.flags)}] seq=${t.seq}${ack} win=${t.window} len=${t.payload.length}`;
}

/** "UDP len=N", or for port 53 the DNS message ("DNS query A shop.example"), as tcpdump names what it dissects. */
function udpPayloadText(u: Udp): string {
  if (u.sport === DNS_PORT || u.dport === DNS_PORT) {
    const m = decodeDns(u.payload);
    return m.ok ? summarizeDns(m.value) : `DNS malformed (${m.error.reason}) len=${u.payload.length}`;
  }
  return `UDP len=${u.payload.length}`;
}

function summarizeArp(a: Arp): string {
  // tcpdump's wording (print-arp.c): "who-has X tell Y", "X is-at M".
  if (a.op === ARP_OP.REQUEST) return `ARP who-has ${fmtIp(a.tpa)} tell ${fmtIp(a.spa)}`;
  if (a.op === ARP_OP.REPLY) return `ARP ${fmtIp(a.spa)} is-at ${fmtMac(a.sha)}`;
  return `ARP op ${a.op} ${fmtIp(a.spa)} > ${fmtIp(a.tpa)}`;
}

function icmpText(m: Icmp): string {
  switch (m.type) {
    case ICMP_TYPE.ECHO_REQUEST:
    case ICMP_TYPE.ECHO_REPLY:
      return `ICMP ${icmpTypeName(m.type)} id=${m.rest >>> 16} seq=${m.rest & 0xffff}`;
    case ICMP_TYPE.DEST_UNREACH: {
      const mtu = m.code === ICMP_UNREACH.FRAG_NEEDED ? ` mtu=${m.rest & 0xffff}` : '';
      return `ICMP ${unreachName(m.code)}${mtu}${about(m)}`;
    }
    case ICMP_TYPE.TIME_EXCEEDED:
      return `ICMP time exceeded ${m.code === 1 ? 'in-reassembly' : 'in-transit'}${about(m)}`;
    case ICMP_TYPE.REDIRECT:
      return `ICMP redirect ${m.code === 1 ? 'host' : m.code === 0 ? 'net' : `code ${m.code}`} to ${fmtIp(m.rest)}${about(m)}`;
    default:
      return `ICMP type ${m.type} code ${m.code}`;
  }
}

/** "(about UDP 10.0.0.1:5000 > 10.0.0.2:53)": what the error is about, from its quote. */
function about(m: Icmp): string {
  const q = decodeQuote(m.body);
  if (!q.ok) return m.body.length ? ` (quote of ${m.body.length} bytes undecodable)` : '';
  const ip = q.value.ip;
  const name = protoName(ip.proto);
  if (q.value.sport !== null && (ip.proto === IPPROTO.TCP || ip.proto === IPPROTO.UDP)) {
    return ` (about ${name} ${fmtIp(ip.src)}:${q.value.sport} > ${fmtIp(ip.dst)}:${q.value.dport})`;
  }
  if (ip.proto === IPPROTO.ICMP && q.value.sport !== null) {
    return ` (about ICMP ${fmtIp(ip.src)} > ${fmtIp(ip.dst)} id=${q.value.sport} seq=${q.value.dport})`;
  }
  return ` (about ${name} ${fmtIp(ip.src)} > ${fmtIp(ip.dst)})`;
}

function icmpRestFields(m: Icmp): Field[] {
  switch (m.type) {
    case ICMP_TYPE.ECHO_REQUEST:
    case ICMP_TYPE.ECHO_REPLY:
      return [f('id', String(m.rest >>> 16)), f('seq', String(m.rest & 0xffff))];
    case ICMP_TYPE.REDIRECT:
      return [f('gateway', fmtIp(m.rest))];
    case ICMP_TYPE.DEST_UNREACH:
      if (m.code === ICMP_UNREACH.FRAG_NEEDED) return [f('next-hop mtu', String(m.rest & 0xffff))]; // RFC 1191
      return [f('unused', `0x${hex8(m.rest)}`)];
    default:
      return [f('rest', `0x${hex8(m.rest)}`)];
  }
}

function icmpTypeName(type: number): string {
  switch (type) {
    case ICMP_TYPE.ECHO_REPLY:
      return 'echo reply';
    case ICMP_TYPE.DEST_UNREACH:
      return 'destination unreachable';
    case ICMP_TYPE.REDIRECT:
      return 'redirect';
    case ICMP_TYPE.ECHO_REQUEST:
      return 'echo request';
    case ICMP_TYPE.TIME_EXCEEDED:
      return 'time exceeded';
    default:
      return 'unknown';
  }
}

function icmpCodeNote(m: Icmp): string {
  if (m.type === ICMP_TYPE.DEST_UNREACH) return ` (${unreachName(m.code)})`;
  if (m.type === ICMP_TYPE.TIME_EXCEEDED) return m.code === 1 ? ' (fragment reassembly)' : m.code === 0 ? ' (ttl in transit)' : '';
  if (m.type === ICMP_TYPE.REDIRECT) return m.code === 1 ? ' (host)' : m.code === 0 ? ' (net)' : '';
  return '';
}

function unreachName(code: number): string {
  switch (code) {
    case ICMP_UNREACH.NET:
      return 'net unreachable';
    case ICMP_UNREACH.HOST:
      return 'host unreachable';
    case ICMP_UNREACH.PROTOCOL:
      return 'protocol unreachable';
    case ICMP_UNREACH.PORT:
      return 'port unreachable';
    case ICMP_UNREACH.FRAG_NEEDED:
      return 'fragmentation needed';
    case ICMP_UNREACH.ADMIN_PROHIBITED:
      return 'administratively prohibited';
    default:
      return `unreachable code ${code}`;
  }
}

function arpOpName(op: number): string {
  return op === ARP_OP.REQUEST ? 'request' : op === ARP_OP.REPLY ? 'reply' : 'unknown';
}

function etherTypeName(type: number): string {
  switch (type) {
    case ETHERTYPE.IPV4:
      return 'IPv4';
    case ETHERTYPE.ARP:
      return 'ARP';
    case ETHERTYPE.VLAN:
      return '802.1Q';
    default:
      return `type 0x${hex4(type)}`;
  }
}

function protoName(proto: number): string {
  switch (proto) {
    case IPPROTO.ICMP:
      return 'ICMP';
    case IPPROTO.IPIP:
      return 'IPIP';
    case IPPROTO.TCP:
      return 'TCP';
    case IPPROTO.UDP:
      return 'UDP';
    case IPPROTO.VRRP:
      return 'VRRP';
    default:
      return `proto ${proto}`;
  }
}

function vlanText(v: VlanTag): string {
  return `vid ${v.vid} pcp ${v.pcp} dei ${v.dei}`;
}

function ipFlagsText(frag: number): string {
  const parts: string[] = [];
  if (frag & 0x8000) parts.push('reserved');
  if (frag & IP_FLAG.DF) parts.push('DF');
  if (frag & IP_FLAG.MF) parts.push('MF');
  return parts.length ? parts.join(' ') : 'none';
}

function isFragment(ip: Ipv4): boolean {
  return (ip.frag & 0x1fff) !== 0 || (ip.frag & IP_FLAG.MF) !== 0;
}

/** RFC 791: the fragment offset counts 8-byte units. */
function fragOffset(ip: Ipv4): number {
  return (ip.frag & 0x1fff) * 8;
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/** Bytes as hex pairs, cut after `max` bytes with an ellipsis. */
function hex(b: Uint8Array, max: number): string {
  let s = '';
  const n = Math.min(b.length, max);
  for (let i = 0; i < n; i++) s += hex2(b[i]!);
  return b.length > max ? `${s}… (${b.length} bytes)` : s;
}

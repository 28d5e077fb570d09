/**
 * A frame taken apart layer by layer for the detail pane: Ethernet, then
 * ARP or IPv4, then TCP, UDP or ICMP (or the inner IPv4 of a tunnel and
 * what it carries), each with every header field from `fieldsOf`, and an
 * HTTP message a TCP segment starts with, or the DNS message of a UDP/53
 * datagram. Given
 * the frame as it was before a rewrite, a field whose value differs is
 * marked with its earlier value, so the pane can show `before -> after`.
 */
import type { Ethernet, Layer } from '../wire/types.js';
import { fieldsOf } from '../wire/summary.js';
import { latin1Text } from '../wire/http.js';
import { decodeDns, DNS_FLAG, DNS_PORT, DNS_TYPE, dnsOpcode, dnsRcode, dnsRcodeName, dnsTypeName, isDnsResponse, summarizeDns, type DnsRecord } from '../wire/dns.js';
import { fmtIp } from '../wire/addr.js';

/** One field of a layer, with its value before the rewrite when the rewrite changed it. */
export interface LayerField {
  readonly name: string;
  readonly value: string;
  /** The value before the rewrite, or null when unchanged (or nothing to compare). */
  readonly before: string | null;
}

/** One layer of a frame. */
export interface PacketLayer {
  /** "Ethernet", "ARP", "IPv4", "TCP", "UDP", "ICMP", "IPv4 (inner)", "Payload". */
  readonly title: string;
  readonly fields: readonly LayerField[];
  /** True when the frame before the rewrite had no layer of this kind here (an encapsulation adds one). */
  readonly added: boolean;
  /** The layer's one-line summary, for layers read from a payload (HTTP); header layers are summarised from the frame. */
  readonly summary?: string;
}

const HTTP_START = /^(?:(?:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH) \S+ HTTP\/1\.\d|HTTP\/1\.\d \d{3}(?: [^\r\n]*)?)\r\n/;

/**
 * The HTTP message at the start of a TCP segment's payload, as a layer:
 * the start line, each header field as it was sent, and the body bytes the
 * segment carries. Null when the payload does not start an HTTP/1.x
 * message (a continuation of a body, or another protocol).
 */
export function httpLayer(payload: Uint8Array): PacketLayer | null {
  if (payload.length < 16) return null;
  const text = latin1Text(payload.subarray(0, Math.min(payload.length, 16384)));
  const start = HTTP_START.exec(text);
  if (!start) return null;
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const lines = head.split('\r\n');
  const fields: LayerField[] = [{ name: 'start line', value: lines[0]!, before: null }];
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c > 0) fields.push({ name: `${l.slice(0, c)}:`, value: l.slice(c + 1).trim(), before: null });
  }
  fields.push(end < 0 ? { name: 'head', value: 'continues in the next segment', before: null } : { name: 'body', value: `${payload.length - end - 4} bytes in this segment`, before: null });
  return { title: 'HTTP', fields, added: false, summary: lines[0]! };
}

function titleOf(layer: Layer, depth: number, ipSeen: number): string {
  switch (layer.kind) {
    case 'eth':
      return 'Ethernet';
    case 'arp':
      return 'ARP';
    case 'ipv4':
      return ipSeen > 0 ? 'IPv4 (inner)' : 'IPv4';
    case 'tcp':
      return 'TCP';
    case 'udp':
      return 'UDP';
    case 'icmp':
      return 'ICMP';
    case 'vrrp':
      return 'VRRP';
    case 'raw':
      return depth === 1 ? 'Payload (not ARP or IPv4)' : 'Payload';
  }
}

/** The layers of a frame, outermost first: the Ethernet frame, then each header inside it. */
export function layersOf(eth: Ethernet): Layer[] {
  const out: Layer[] = [eth];
  let l: Layer = eth;
  for (;;) {
    if (l.kind === 'eth') l = l.payload;
    else if (l.kind === 'ipv4') l = l.payload;
    else break;
    out.push(l);
  }
  return out;
}

/** The frame's layers with their fields; with `before`, every field a rewrite changed carries its earlier value. */
export function packetLayers(eth: Ethernet, before?: Ethernet): PacketLayer[] {
  const now = layersOf(eth);
  const then = before ? layersOf(before) : null;
  let ipSeen = 0;
  const layers = now.map((layer, i): PacketLayer => {
    const title = titleOf(layer, i, ipSeen);
    if (layer.kind === 'ipv4') ipSeen++;
    const old = then?.[i];
    const same = old !== undefined && old.kind === layer.kind;
    const oldFields = same ? fieldsOf(old) : null;
    const fields = fieldsOf(layer).map((f, j): LayerField => {
      const o = oldFields?.[j];
      return { name: f.name, value: f.value, before: o && o.name === f.name && o.value !== f.value ? o.value : null };
    });
    return { title, fields, added: then !== null && !same };
  });
  const last = now[now.length - 1]!;
  const app = last.kind === 'tcp' ? httpLayer(last.payload) : last.kind === 'udp' && (last.sport === DNS_PORT || last.dport === DNS_PORT) ? dnsLayer(last.payload) : null;
  return app ? [...layers, app] : layers;
}

function recordText(r: DnsRecord): string {
  const data = r.type === DNS_TYPE.A && r.data.length === 4 ? fmtIp(((r.data[0]! << 24) | (r.data[1]! << 16) | (r.data[2]! << 8) | r.data[3]!) >>> 0) : `${r.data.length} bytes`;
  return `${r.name === '' ? '.' : r.name} ${dnsTypeName(r.type)} ${data} ttl ${r.ttl}`;
}

/**
 * The DNS message a UDP/53 datagram carries, as a layer: id, flags with
 * their names, response code, each question and each record, as dig shows
 * them. A payload the decoder refuses is shown with its reason.
 */
export function dnsLayer(payload: Uint8Array): PacketLayer {
  const d = decodeDns(payload);
  if (!d.ok) return { title: 'DNS', fields: [{ name: 'malformed', value: `${d.error.reason} (at byte ${d.error.offset})`, before: null }], added: false, summary: `DNS malformed, ${payload.length} bytes` };
  const m = d.value;
  const names = (Object.keys(DNS_FLAG) as (keyof typeof DNS_FLAG)[]).filter((k) => m.flags & DNS_FLAG[k]).map((k) => k.toLowerCase());
  const fields: LayerField[] = [
    { name: 'id', value: `${m.id} (0x${m.id.toString(16).padStart(4, '0')})`, before: null },
    { name: 'flags', value: `0x${m.flags.toString(16).padStart(4, '0')} (${isDnsResponse(m) ? 'response' : 'query'}${names.length ? ` ${names.join(' ')}` : ''})`, before: null },
    { name: 'opcode', value: String(dnsOpcode(m)), before: null },
    { name: 'rcode', value: `${dnsRcode(m)} (${dnsRcodeName(dnsRcode(m))})`, before: null },
  ];
  for (const q of m.questions) fields.push({ name: 'question', value: `${q.name === '' ? '.' : q.name} ${dnsTypeName(q.type)}`, before: null });
  for (const r of m.answers) fields.push({ name: 'answer', value: recordText(r), before: null });
  for (const r of m.authority) fields.push({ name: 'authority', value: recordText(r), before: null });
  for (const r of m.additional) fields.push({ name: 'additional', value: recordText(r), before: null });
  return { title: 'DNS', fields, added: false, summary: summarizeDns(m) };
}

/**
 * The counters of DNS round robin that expectations can bound, read from
 * the trace like every other check: DNS messages are found by decoding the
 * UDP/53 payloads of the frames a node sent or had delivered, cache hits
 * are the resolvers' 'dns-cache' state events. HTTP requests per server
 * come from the servers' own counts in the GradeInput.
 */
import type { TraceEvent } from '../trace/events.js';
import type { Check } from '../scenario/types.js';
import { aAddresses, decodeDns, DNS_PORT, DNS_TYPE, isDnsResponse, type DnsMessage } from '../wire/dns.js';
import type { Udp } from '../wire/types.js';
import { fmtIp } from '../wire/addr.js';
import type { Frame } from '../trace/events.js';
import type { GradeInput } from './types.js';

type Counter = Extract<Check, { kind: 'counter' }>;

/** The counter names this module counts. */
export const DNS_COUNTERS: ReadonlySet<string> = new Set(['dns-queries', 'dns-answers', 'dns-cache-hits', 'requests']);

/** The DNS message a frame carries on UDP port 53, or null. */
export function dnsOf(frame: Frame): DnsMessage | null {
  const ip = frame.eth.payload;
  if (ip.kind !== 'ipv4' || ip.payload.kind !== 'udp') return null;
  const u = ip.payload;
  if (u.sport !== DNS_PORT && u.dport !== DNS_PORT) return null;
  const m = decodeDns(u.payload);
  return m.ok ? m.value : null;
}

/**
 * A `dns.*` frame field of a UDP/53 datagram: dns.id, dns.qr (1 for a
 * response), dns.rcode, dns.ancount, dns.a (the first A record's address,
 * the one a client uses) and dns.ttl (its TTL); null when absent.
 */
export function dnsFieldValue(udp: Udp | null, field: string): number | null {
  if (!udp || (udp.sport !== DNS_PORT && udp.dport !== DNS_PORT)) return null;
  const r = decodeDns(udp.payload);
  if (!r.ok) return null;
  const m = r.value;
  switch (field) {
    case 'dns.id':
      return m.id;
    case 'dns.qr':
      return isDnsResponse(m) ? 1 : 0;
    case 'dns.rcode':
      return m.flags & 0xf;
    case 'dns.ancount':
      return m.answers.length;
    case 'dns.a':
      return aAddresses(m)[0] ?? null;
    case 'dns.ttl':
      return m.answers.find((a) => a.type === DNS_TYPE.A)?.ttl ?? null;
    default:
      return null;
  }
}

/** What a counter found: the number, the events behind it (for evidence), and how to name it. */
export interface Counted {
  readonly n: number;
  readonly events: readonly TraceEvent[];
  readonly what: string;
}

/**
 * Whether a trace event is one a DNS counter counts (before the same frame
 * seen twice is counted once): a cache hit at the node for dns-cache-hits;
 * for dns-queries and dns-answers, a query or answer the node sent (its own
 * datagram, parent 0, on its first hop) or, with `at`, had delivered to a
 * socket.
 */
export function dnsCounted(c: Counter, e: TraceEvent): boolean {
  if (c.name === 'dns-cache-hits') return e.kind === 'state' && e.change.what === 'dns-cache' && e.change.op === 'hit' && (c.node === null || e.node === c.node);
  const sent = e.kind === 'tx' && e.frame.parent === 0 && (c.node === null || e.node === c.node);
  const got = c.node !== null && e.kind === 'deliver' && e.node === c.node;
  if (!sent && !got) return false;
  const m = dnsOf(e.frame);
  if (!m || isDnsResponse(m) !== (c.name === 'dns-answers')) return false;
  return c.first === null || aAddresses(m)[0] === c.first.addr;
}

/**
 * Counts a DNS counter or `requests`. dns-queries and dns-answers count the
 * messages (queries, responses) a node sent or received: at a client its
 * queries (retransmissions are new datagrams, so they count) and the
 * answers it got; at a DNS server the queries it received and the answers
 * it sent; without `at`, every one sent in the network.
 */
export function countDns(input: GradeInput, c: Counter): Counted {
  if (c.name === 'requests') {
    const servers = (input.requests ?? []).filter((s) => (c.node === null || s.node === c.node) && (c.port === null || s.port === c.port));
    const n = servers.reduce((sum, s) => sum + s.requests, 0);
    return { n, events: [], what: `HTTP requests served${c.port !== null ? ` on port ${c.port}` : ''}` };
  }
  if (c.name === 'dns-cache-hits') {
    const events = input.events.filter((e) => dnsCounted(c, e));
    return { n: events.length, events, what: 'DNS lookups answered from the cache' };
  }
  const responses = c.name === 'dns-answers';
  const seen = new Set<number>();
  const events: TraceEvent[] = [];
  for (const e of input.events) {
    if (!dnsCounted(c, e)) continue;
    const frame = (e as { frame: Frame }).frame;
    if (seen.has(frame.id)) continue;
    seen.add(frame.id);
    events.push(e);
  }
  const first = c.first !== null ? ` whose first address is ${c.first.text === fmtIp(c.first.addr) ? c.first.text : `${c.first.text} (${fmtIp(c.first.addr)})`}` : '';
  return { n: events.length, events, what: responses ? `DNS answers${first}` : 'DNS queries' };
}

/**
 * The expect section: named checks a run is graded on (flows, frames,
 * drops, rewrites, distributions, failover gaps, counters, HTTP, VRRP,
 * health verdicts, per-server statistics), each with its companion keys.
 */
import * as z from 'zod';
import { DROP_REASONS, REWRITE_REASONS } from '../../trace/reasons.js';
import { obj, problem, want } from './messages.js';
import { count, duration, endpoint, keysIn, nodeName, percent, port, serverRef, serviceRef, target } from './values.js';
import { HEALTH_KINDS } from './servers.js';
import { httpStatus } from './apps.js';

/** Outcomes of a flow (a connection attempt). */
export const FLOW_OUTCOMES = ['completed', 'reset', 'timeout', 'refused', 'unreachable'] as const;

/** Header fields a frame expectation can match and check. */
export const FRAME_FIELDS = [
  'eth.src',
  'eth.dst',
  'eth.type',
  'vlan.id',
  'arp.op',
  'arp.sha',
  'arp.spa',
  'arp.tha',
  'arp.tpa',
  'ip.src',
  'ip.dst',
  'ip.ttl',
  'ip.proto',
  'ip.id',
  'ip.inner.src',
  'ip.inner.dst',
  'tcp.sport',
  'tcp.dport',
  'tcp.flags',
  'tcp.seq',
  'tcp.ack',
  'udp.sport',
  'udp.dport',
  'icmp.type',
  'icmp.code',
  'dns.id',
  'dns.qr',
  'dns.rcode',
  'dns.ancount',
  'dns.a',
  'dns.ttl',
  'vrrp.vrid',
  'vrrp.priority',
] as const;

/** Counters an expectation can bound. */
export const COUNTER_NAMES = ['frames', 'drops', 'rewrites', 'forwards', 'delivers', 'dns-queries', 'dns-answers', 'dns-cache-hits', 'requests'] as const;

/** The kinds of expectation; an entry has exactly one, plus `name` and its companions. */
export const EXPECT_KINDS = ['flow', 'frame', 'drop', 'rewrite', 'distribution', 'failover_gap', 'counter', 'http', 'vrrp', 'health', 'server_stat', 'diagnose'] as const;

/** The numbers of the per-server report a `server_stat` expectation can bound. */
export const SERVER_STATS = ['connections', 'requests', 'bytes', 'transitions', 'mean', 'p99'] as const;

const fieldValueWant = want('a field value', 'write an address, a name, a number or TCP flags such as SA');
const fieldMap = z
  .record(z.string(), z.union([z.string(fieldValueWant), z.number(fieldValueWant)], fieldValueWant))
  .superRefine(keysIn('frame field', (k) => (FRAME_FIELDS as readonly string[]).includes(k), () => [...FRAME_FIELDS]))
  .meta({ id: 'frameFields', propertyNames: { enum: [...FRAME_FIELDS] } });

const dropCodes = Object.keys(DROP_REASONS) as [string, ...string[]];
const rewriteCodes = Object.keys(REWRITE_REASONS) as [string, ...string[]];

/** One named expectation: exactly one check, plus its companion keys. */
export const expectation = obj('an expectation', {
  name: z.string(want('a name for the expectation', 'write name: "connect times out"')),
  flow: obj('a flow', { from: nodeName, to: target, port: port.optional() }).optional(),
  outcome: z.enum(FLOW_OUTCOMES).optional(),
  frame: obj('a frame filter', { at: endpoint, match: fieldMap.optional() }).optional(),
  has: fieldMap.optional(),
  seen: z.boolean(want('true or false')).optional(),
  drop: obj('a drop filter', { code: z.enum(dropCodes), at: endpoint.optional() }).optional(),
  rewrite: obj('a rewrite filter', { code: z.enum(rewriteCodes), at: nodeName.optional() }).optional(),
  distribution: obj('a distribution', { service: serviceRef, over: z.array(z.string(want('a server name'))).min(1, want('a list of servers')), tolerance: percent }).optional(),
  failover_gap: obj('a failover gap', { less_than: duration, client: nodeName.optional() }).optional(),
  health: obj('a health verdict', {
    server: serverRef,
    goes: z.enum(['down', 'up'], want('down or up')),
    check: z.enum(HEALTH_KINDS).optional(),
    after: duration.optional(),
    before: duration.optional(),
  }).optional(),
  server_stat: obj('a server statistic', {
    server: serverRef,
    stat: z.enum(SERVER_STATS, want('a statistic', `write one of ${SERVER_STATS.join(', ')}`)),
    at_most: count('a count').optional(),
    at_least: count('a count').optional(),
    equals: count('a count').optional(),
    under: duration.optional(),
    over: duration.optional(),
  }).optional(),
  counter: obj('a counter', {
    name: z.enum(COUNTER_NAMES),
    at: nodeName.optional(),
    first: target.optional().meta({ description: 'dns-answers only: count the answers whose first address is this' }),
    port: port.optional().meta({ description: 'requests only: count the requests of the http-server on this port' }),
    at_most: count('a count').optional(),
    at_least: count('a count').optional(),
    equals: count('a count').optional(),
  }).optional(),
  http: obj('an HTTP request filter', {
    at: nodeName,
    path: z.string(want('a path prefix')).optional(),
    method: z.string(want('an HTTP method')).optional(),
    client: target.optional(),
    pool: z.string(want('a pool name')).optional(),
    server: z.string(want('a server name')).optional(),
    verdict: z.string(want('a verdict', 'write served, forwarded, cache-hit, rate-limited, bad-request, no-server, connect-failed or bad-gateway')).optional(),
    status: httpStatus.optional(),
    how: z.enum(['balance', 'cookie', 'redispatch']).optional(),
    cache: z.string(want('a cache outcome', 'write hit or stored')).optional(),
    headers: z.record(z.string(), z.string(want('a header value'))).optional().meta({ description: 'every matching request carries these header values (all lines of a field joined with ", ")' }),
    equals: count('a count').optional(),
    at_least: count('a count').optional(),
    at_most: count('a count').optional(),
  }).optional().meta({ description: 'HTTP requests a server received or an L7 proxy handled: filters, header values, and how many (default at least 1)' }),
  diagnose: z
    .string(want('a finding id or none', 'write a detector id such as one-arm-return-path (docs/diagnose.md), or none'))
    .regex(/^[a-z0-9-]+$/, want('a finding id or none', 'write a detector id such as one-arm-return-path (docs/diagnose.md), or none'))
    .optional()
    .meta({ description: 'lblab diagnose must report this finding (its id, docs/diagnose.md), or none: no known bug' }),
  vrrp: obj('a VRRP check', {
    node: nodeName.optional(),
    state: z.enum(['master', 'backup', 'init', 'fault']).optional(),
    masters: count('a number of masters').optional(),
    at: duration.optional(),
  }).optional().meta({ description: 'the VRRP state of an lb (node + state) or the number of masters, at a time (default: the end of the run)' }),
}).superRefine((e, ctx) => {
  const rec = e as Record<string, unknown>;
  const kinds = EXPECT_KINDS.filter((k) => rec[k] !== undefined);
  if (kinds.length === 0) {
    problem(ctx, { code: 'no-check', message: `an expectation needs one check: ${EXPECT_KINDS.join(', ')}`, expected: 'one check' });
    return;
  }
  if (kinds.length > 1) {
    problem(ctx, { code: 'two-checks', message: `an expectation has exactly one check, found ${kinds.map((k) => `\`${k}\``).join(' and ')}; write one expectation per check`, expected: 'one check' }, [kinds[1]!]);
    return;
  }
  const kind = kinds[0]!;
  // Companion keys belong to one kind of check each.
  const companions: Record<string, readonly string[]> = { outcome: ['flow'], has: ['frame'], seen: ['frame', 'drop', 'rewrite', 'health'] };
  for (const [c, owners] of Object.entries(companions)) {
    if (rec[c] !== undefined && !owners.includes(kind)) {
      problem(ctx, { code: 'misplaced-key', message: `\`${c}\` belongs to ${owners.map((o) => `a \`${o}\``).join(' or ')} expectation, not to a \`${kind}\` one`, found: c, atKey: true }, [c]);
    }
  }
  if (kind === 'flow' && rec['outcome'] === undefined) {
    problem(ctx, { code: 'missing-key', message: `a flow expectation needs \`outcome\`: ${FLOW_OUTCOMES.join(', ')}`, expected: 'outcome' });
  }
  if (kind === 'frame' && rec['has'] === undefined && rec['seen'] === undefined) {
    problem(ctx, { code: 'missing-key', message: 'a frame expectation needs `has` (fields the frame must carry) or `seen` (true or false)', expected: 'has or seen' });
  }
  if (kind === 'vrrp') {
    const v = rec['vrrp'] as Record<string, unknown>;
    const pair = v['node'] !== undefined && v['state'] !== undefined;
    if (pair === (v['masters'] !== undefined) || (!pair && (v['node'] !== undefined || v['state'] !== undefined))) {
      problem(ctx, { code: 'missing-key', message: 'a vrrp expectation checks either `node` and `state` (one LB) or `masters` (how many LBs are master)', expected: 'node and state, or masters' }, ['vrrp']);
    }
  }
  if (kind === 'server_stat') {
    const c = rec['server_stat'] as Record<string, unknown>;
    const time = c['stat'] === 'mean' || c['stat'] === 'p99';
    const counts = ['at_most', 'at_least', 'equals'].filter((k) => c[k] !== undefined);
    const times = ['under', 'over'].filter((k) => c[k] !== undefined);
    if (time && counts.length > 0) problem(ctx, { code: 'misplaced-key', message: `${String(c['stat'])} is a time: bound it with \`under\` or \`over\` (durations), not \`${counts[0]}\``, found: counts[0]!, atKey: true, suggestion: 'under: 10ms' }, ['server_stat', counts[0]!]);
    else if (!time && times.length > 0) problem(ctx, { code: 'misplaced-key', message: `${String(c['stat'])} is a count: bound it with \`at_most\`, \`at_least\` or \`equals\`, not \`${times[0]}\``, found: times[0]!, atKey: true }, ['server_stat', times[0]!]);
    else if (counts.length + times.length === 0) problem(ctx, { code: 'missing-key', message: time ? 'a server_stat expectation on a time needs `under` or `over`' : 'a server_stat expectation needs `at_most`, `at_least` or `equals`', expected: 'a bound' }, ['server_stat']);
  }
  if (kind === 'counter') {
    const c = rec['counter'] as Record<string, unknown>;
    if (c['at_most'] === undefined && c['at_least'] === undefined && c['equals'] === undefined) {
      problem(ctx, { code: 'missing-key', message: 'a counter expectation needs `at_most`, `at_least` or `equals`', expected: 'a bound' }, ['counter']);
    }
    if (c['first'] !== undefined && c['name'] !== 'dns-answers') {
      problem(ctx, { code: 'misplaced-key', message: '`first` belongs to the dns-answers counter (answers whose first address is this)', found: 'first', atKey: true }, ['counter', 'first']);
    }
    if (c['port'] !== undefined && c['name'] !== 'requests') {
      problem(ctx, { code: 'misplaced-key', message: '`port` belongs to the requests counter (requests of the http-server on this port)', found: 'port', atKey: true }, ['counter', 'port']);
    }
  }
});

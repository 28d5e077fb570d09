/**
 * The scenario file's shape as a zod (v4) schema: every section, key and
 * value form, strict (an unknown key is an error), with quantities
 * (durations, bandwidths, rates, percentages) and addresses converted to
 * numbers on the way through. Names (nodes, interfaces, services) stay
 * text here; resolve.ts checks what they refer to. The same schema is
 * published as JSON Schema (json-schema.ts) for editors.
 *
 * Messages: a schema part that knows how to explain itself carries an
 * encoded expectation (`want`), which issues.ts turns into "expected a
 * duration, found `5`; write a duration with a unit ...". Strict objects
 * carry their list of keys, so an unknown key gets the closest valid one.
 */
import * as z from 'zod';
import { parseCidr, parseIpv4, parseMac } from '../wire/addr.js';
import { isKnownSysctl, knownSysctls } from '../net/sysctl.js';
import { LB_MODES } from '../lb/modes.js';
import { HEALTH_CHECK_KINDS, type HealthCheckKind } from '../lb/health-config.js';
import { SCHEDULER_ALIASES, SCHEDULER_NAMES } from '../lb/sched/index.js';
import { DROP_REASONS, REWRITE_REASONS } from '../trace/reasons.js';
import { closest } from './errors.js';
import {
  BANDWIDTH_HINT,
  BANDWIDTH_RE,
  DURATION_HINT,
  DURATION_RE,
  parseBandwidth,
  parseDuration,
  parsePercent,
  parseRate,
  PERCENT_HINT,
  PERCENT_RE,
  RATE_HINT,
  RATE_RE,
} from './units.js';

// ------------------------------------------------------------------ message encoding

const WANT = '\u0001want';
const KEYS = '\u0001keys';

/** An expectation a schema part carries for its messages: what it wants, and how to write it. */
export interface Want {
  readonly expected: string;
  readonly hint?: string;
}

/** A problem a refinement reports in full (code, sentence, suggestion), optionally placed on a map key rather than its value. */
export interface CustomProblem {
  readonly code: string;
  readonly message: string;
  readonly expected?: string;
  readonly found?: string;
  readonly suggestion?: string;
  readonly atKey?: boolean;
}

/** Decodes the expectation encoded in an issue message, or null for zod's own message. */
export function decodeWant(message: string): Want | null {
  return message.startsWith(WANT) ? (JSON.parse(message.slice(WANT.length)) as Want) : null;
}

/** Decodes the keys and the name of the object an unknown key was found in. */
export function decodeKeys(message: string): { what: string; keys: string[] } | null {
  return message.startsWith(KEYS) ? (JSON.parse(message.slice(KEYS.length)) as { what: string; keys: string[] }) : null;
}

/** The error parameter that makes every issue of a schema part say what it wants. */
function want(expected: string, hint?: string): { error: () => string } {
  const m = WANT + JSON.stringify(hint === undefined ? { expected } : { expected, hint });
  return { error: () => m };
}

/** Reports a full problem from a refinement. */
function problem(ctx: z.RefinementCtx, p: CustomProblem, path: (string | number)[] = []): void {
  ctx.addIssue({ code: 'custom', message: p.message, path, params: { scenario: p } });
}

/** A strict map with named keys; `what` names it in messages ("unknown key `gatway` in a host"). */
function obj<S extends z.ZodRawShape>(what: string, shape: S) {
  const keys = Object.keys(shape);
  const typeMsg = WANT + JSON.stringify({ expected: `a map (${what})` });
  const keysMsg = KEYS + JSON.stringify({ what, keys });
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? keysMsg : iss.code === 'invalid_type' ? typeMsg : undefined),
  });
}

/** A string checked by a regular expression (published in the JSON Schema) and converted by a parser. */
function parsed<T>(re: RegExp, parse: (s: string) => T | null, expected: string, hint: string) {
  const w = want(expected, hint);
  return z
    .string(w)
    .regex(re, w)
    .transform((s, ctx) => {
      const v = parse(s);
      if (v === null) {
        ctx.addIssue({ code: 'custom', message: w.error(), input: s });
        return z.NEVER;
      }
      return v;
    });
}

// ------------------------------------------------------------------ values

/** Node and service names: lower-case letters, digits and '-', starting with a letter. */
export const NAME_RE = /^[a-z][a-z0-9-]*$/;
/** Interface and switch port names (eth0, wan0, p1, eth0.10). */
export const IFNAME_RE = /^[A-Za-z][A-Za-z0-9._-]*$/;

const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;
const CIDR_RE = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const MAC_RE = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/;

const durationWant = want('a duration', DURATION_HINT);
/** A duration with a unit (or 0), in integer nanoseconds. */
export const duration = z
  .union([z.literal(0, durationWant), z.string(durationWant).regex(DURATION_RE, durationWant)], durationWant)
  .transform((v) => parseDuration(v)!)
  .meta({ id: 'duration', description: 'a duration with a unit: 10us, 1.5ms, 2s, 1m (or 0)' });

/** An IPv4 address as a uint32. */
export const address = parsed(IPV4_RE, parseIpv4, 'an IPv4 address', 'write a dotted quad such as 10.0.1.100').meta({ id: 'address', description: 'an IPv4 address: 10.0.1.100' });

/** An address with its prefix length. */
export const cidr = parsed(CIDR_RE, parseCidr, 'an address with its prefix length', 'write it as 10.0.0.10/24').meta({ id: 'cidr', description: 'an IPv4 address with its prefix length: 10.0.0.10/24' });

/** An address with an optional prefix length (a bare address is a /32), for loopback aliases. */
const hostCidr = parsed(
  /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/,
  (s) => (s.includes('/') ? parseCidr(s) : ((a) => (a === null ? null : { addr: a, len: 32 }))(parseIpv4(s))),
  'an address (optionally with a prefix length)',
  'write 10.0.1.100 or 10.0.1.100/32',
).meta({ description: 'an IPv4 address, optionally with a prefix length (a bare address is /32)' });

/** A route destination: a prefix, or `default` (0.0.0.0/0). */
const routeDest = parsed(
  /^(default|\d{1,3}(\.\d{1,3}){3}\/\d{1,2})$/,
  (s) => (s === 'default' ? { addr: 0, len: 0 } : parseCidr(s)),
  'a destination prefix',
  'write it as 10.9.0.0/16, or default',
).meta({ description: 'a destination prefix (10.9.0.0/16) or default' });

/** A MAC address as a 48-bit number. */
export const macAddr = parsed(MAC_RE, parseMac, 'a MAC address', 'write six hex pairs such as 02:00:00:00:00:10').meta({ id: 'mac', description: 'a MAC address: 02:00:00:00:00:10' });

const bandwidthWant = want('a bandwidth', BANDWIDTH_HINT);
/** A bandwidth in bits per second. */
const bandwidth = z
  .union([z.number(bandwidthWant).min(0, bandwidthWant), z.string(bandwidthWant).regex(BANDWIDTH_RE, bandwidthWant)], bandwidthWant)
  .transform((v) => parseBandwidth(v)!)
  .meta({ description: 'a bandwidth: 1Gbps, 100Mbps, 10kbps, or bits per second (0 = infinitely fast)' });

/** A rate of requests. */
const rate = parsed(RATE_RE, parseRate, 'a rate', RATE_HINT).meta({ description: 'a rate: 100/s, or poisson 100/s' });

/** A percentage as a fraction. */
const percent = parsed(PERCENT_RE, parsePercent, 'a percentage', PERCENT_HINT).meta({ description: 'a percentage: 10%' });

const probWant = want('a probability', 'write a fraction between 0 and 1 (0.01) or a percentage (1%)');
/** A probability: a fraction in [0, 1] or a percentage. */
const probability = z
  .union([z.number(probWant).min(0, probWant).max(1, probWant), z.string(probWant).regex(PERCENT_RE, probWant)], probWant)
  .transform((v, ctx) => {
    const p = typeof v === 'number' ? v : parsePercent(v)!;
    if (p > 1) ctx.addIssue({ code: 'custom', message: probWant.error(), input: v });
    return p;
  });

const portWant = want('a port number', 'write a number from 1 to 65535');
/** A TCP or UDP port. */
const port = z.number(portWant).int(portWant).min(1, portWant).max(65535, portWant).meta({ id: 'port', description: 'a TCP or UDP port, 1 to 65535' });

/** A non-negative integer. */
function count(what: string, min = 0) {
  const w = want(what, min === 0 ? 'write a whole number, 0 or more' : `write a whole number, ${min} or more`);
  return z.number(w).int(w).min(min, w);
}

const vlanWant = want('a VLAN id', 'write a number from 1 to 4094');
const vlanId = z.number(vlanWant).int(vlanWant).min(1, vlanWant).max(4094, vlanWant);

/** A node name. */
const nodeName = z
  .string(want('a node name'))
  .regex(NAME_RE, want('a node name', 'names are lower-case letters, digits and -, starting with a letter'))
  .meta({ id: 'nodeName', description: 'a node name' });

const ifName = z.string(want('an interface name')).regex(IFNAME_RE, want('an interface name', 'write a name such as eth0'));

/** A reference to something with an address: a node, node:iface, vip:service, or a raw address. Checked by resolve.ts. */
const target = z
  .string(want('a name or an address', 'write a node (web1), an interface (web1:eth0), a service VIP (vip:shop) or an address'))
  .min(1, want('a name or an address'))
  .meta({ id: 'target', description: 'a node (web1), an interface (web1:eth0), a service VIP (vip:shop or vip:lb1/shop) or an address' });

/** A link endpoint: node:iface, or a switch name alone (its next free port). */
const endpoint = z
  .string(want('a link endpoint', 'write node:interface (client1:eth0), or a switch name alone for its next free port'))
  .regex(/^[a-z][a-z0-9-]*(:[A-Za-z][A-Za-z0-9._-]*)?$/, want('a link endpoint', 'write node:interface (client1:eth0), or a switch name alone for its next free port'))
  .meta({ id: 'endpoint', description: 'node:interface (client1:eth0), or a switch alone (its next free port)' });

/** A service: `shop`, or `lb1/shop` when two LBs have a service of that name. */
const serviceRef = z.string(want('a service', 'write shop, or lb1/shop')).regex(/^([a-z][a-z0-9-]*\/)?[a-z][a-z0-9-]*$/, want('a service', 'write shop, or lb1/shop'));

/** A real server of a service: `lb1/shop/web1` (or `shop/web1`). */
const serverRef = z
  .string(want('a server of a service', 'write lb1/shop/web1, or shop/web1'))
  .regex(/^([a-z][a-z0-9-]*\/)?[a-z][a-z0-9-]*\/[A-Za-z0-9._:-]+$/, want('a server of a service', 'write lb1/shop/web1, or shop/web1'));

/** A record whose keys must be one of `candidates` (sysctl names, frame fields); an unknown key gets the closest. */
function keysIn(what: string, isKnown: (k: string) => boolean, candidates: (k: string) => string[]) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const k of Object.keys(v)) {
      if (isKnown(k)) continue;
      const c = closest(k, candidates(k));
      problem(
        ctx,
        {
          code: `unknown-${what.replace(/ /g, '-')}`,
          message: `unknown ${what} \`${k}\`${c ? `; did you mean \`${c}\`?` : ''}`,
          found: k,
          ...(c ? { suggestion: `did you mean \`${c}\`?` } : {}),
          atKey: true,
        },
        [k],
      );
    }
  };
}

/** Sysctl candidates for a suggestion: the global names, and per-interface names with the interface part the user wrote. */
function sysctlCandidates(k: string): string[] {
  const m = /^net\.ipv4\.conf\.([^.]+)\./.exec(k);
  const dev = m ? m[1]! : 'all';
  return knownSysctls().map((s) => s.replace('<iface>', dev));
}

/** A name list of a record's keys checked by a regular expression (node names, service names). */
function namedKeys(what: string, re: RegExp, hint: string) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const k of Object.keys(v)) {
      if (re.test(k)) continue;
      const fixed = k.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^[^a-z]+/, '');
      problem(
        ctx,
        {
          code: 'bad-name',
          message: `\`${k}\` is not a valid ${what} name; ${hint}${fixed && fixed !== k ? ` (\`${fixed}\`)` : ''}`,
          expected: `a ${what} name`,
          found: k,
          suggestion: hint,
          atKey: true,
        },
        [k],
      );
    }
  };
}

// ------------------------------------------------------------------ nodes

const sysctlValueWant = want('a sysctl value', 'write a whole number (or true / false)');
const sysctls = z
  .record(z.string(), z.union([z.number(sysctlValueWant).int(sysctlValueWant), z.boolean(sysctlValueWant)], sysctlValueWant), want('a map of sysctls', 'write sysctls: { net.ipv4.conf.all.arp_ignore: 1 }'))
  .superRefine(keysIn('sysctl', isKnownSysctl, sysctlCandidates))
  .meta({ id: 'sysctls', description: 'Linux sysctls by name: net.ipv4.conf.all.arp_ignore: 1' });

const ifaceConfig = obj('an interface', {
  address: z.union([cidr, z.array(cidr)], want('an address with its prefix length, or a list of them', 'write 10.0.0.10/24')).optional(),
  mac: macAddr.optional(),
}).nullable();

/** An interface: a map, or just its address (`eth0: 10.0.0.10/24`), or empty. */
const iface = z.union([cidr, ifaceConfig], want('an interface', 'write eth0: 10.0.0.10/24, or eth0: { address: 10.0.0.10/24, mac: 02:00:00:00:00:10 }'));

const interfaces = z
  .record(z.string(), iface, want('a map of interfaces', 'write interfaces: { eth0: 10.0.0.10/24 }'))
  .superRefine(namedKeys('interface', IFNAME_RE, 'interface names start with a letter: eth0, wan0'))
  .meta({ id: 'interfaces', propertyNames: { type: 'string', pattern: IFNAME_RE.source } });

const nexthop = obj('a next hop', {
  via: target,
  weight: count('a weight', 1).optional(),
  dev: ifName.optional(),
});

const route = obj('a route', {
  to: routeDest,
  via: target.optional(),
  dev: ifName.optional(),
  nexthops: z.array(nexthop).min(1, want('a list of next hops', 'write at least one: [ { via: 10.0.0.2 } ]')).optional(),
  metric: count('a metric').optional(),
}).superRefine((r, ctx) => {
  if (r.via !== undefined && r.nexthops !== undefined) {
    problem(ctx, { code: 'bad-route', message: 'a route has either `via` or `nexthops`, not both', suggestion: 'keep one of them' }, ['nexthops']);
  }
});

/** Keys every IP node has (host, router, gateway, lb, dns). */
const ipNodeShape = {
  description: z.string(want('text')).optional(),
  interfaces: interfaces.optional(),
  gateway: target.optional().meta({ description: 'the default route: an address, or a name such as r1:eth0' }),
  routes: z.array(route).optional(),
  loopback: z.array(hostCidr).optional().meta({ description: 'addresses on lo, such as a VIP for DSR' }),
  sysctls: sysctls.optional(),
  ipip: z.boolean(want('true or false')).optional().meta({ description: 'load ipip: tunl0 decapsulates IP-in-IP (for tunnel mode servers)' }),
};

const hostNode = obj('a host', { kind: z.literal('host'), ...ipNodeShape });
const routerNode = obj('a router', { kind: z.literal('router'), ...ipNodeShape });

const forward = obj('a port forward', {
  proto: z.enum(['tcp', 'udp']).optional(),
  port,
  to: target,
  to_port: port.optional(),
});

const gatewayNode = obj('a gateway', {
  kind: z.literal('gateway'),
  ...ipNodeShape,
  masquerade: ifName.optional().meta({ description: 'the public interface to masquerade behind' }),
  forwards: z.array(forward).optional(),
});

const schedulerNames = [...SCHEDULER_NAMES, ...Object.keys(SCHEDULER_ALIASES)] as [string, ...string[]];

const persistence = z.union(
  [duration, obj('persistence', { timeout: duration, netmask: address.optional() })],
  want('a persistence timeout or a map', 'write persistence: 300s, or persistence: { timeout: 300s, netmask: 255.255.255.0 }'),
);

const serverStates = ['enabled', 'draining', 'disabled'] as const;

/** Health check kinds as scenario files spell them (src/lb/health.ts). */
export const HEALTH_KINDS = HEALTH_CHECK_KINDS as unknown as readonly [HealthCheckKind, ...HealthCheckKind[]];
const healthKind = z.enum(HEALTH_KINDS, want('a health check kind', `write one of ${HEALTH_KINDS.join(', ')}`));
const healthStatusWant = want('an HTTP status', 'write a number from 100 to 599');

/** A health check: a kind alone (`health: tcp`), a map, or false (this server is not checked). */
const healthCheck = z
  .union(
    [
      healthKind,
      z.literal(false),
      obj('a health check', {
        kind: healthKind,
        interval: duration.optional(),
        timeout: duration.optional(),
        rise: count('a rise count', 1).optional(),
        fall: count('a fall count', 1).optional(),
        port: port.optional(),
        path: z.string(want('a path', 'write a path such as /health')).regex(/^\//, want('a path', 'write a path that starts with /, such as /health')).optional(),
        expect: z.number(healthStatusWant).int(healthStatusWant).min(100, healthStatusWant).max(599, healthStatusWant).optional(),
        contains: z.string(want('text')).min(1, want('text', 'write the text the body must contain')).optional(),
        host: z.string(want('a host name')).optional(),
      }).superRefine((h, ctx) => {
        if (h.kind === 'http-content' && h.contains === undefined) {
          problem(ctx, { code: 'missing-key', message: 'an http-content check needs `contains`: the text the body must contain', expected: 'contains' });
        }
        const http = h.kind === 'http' || h.kind === 'http-content';
        for (const k of ['path', 'expect', 'host'] as const) {
          if (h[k] !== undefined && !http) problem(ctx, { code: 'misplaced-key', message: `\`${k}\` belongs to an http or http-content check, not to a ${h.kind} one`, found: k, atKey: true }, [k]);
        }
        if (h.contains !== undefined && h.kind !== 'http-content') {
          problem(ctx, { code: 'misplaced-key', message: `\`contains\` belongs to an http-content check; write kind: http-content`, found: 'contains', atKey: true, suggestion: 'kind: http-content' }, ['contains']);
        }
        if (h.port !== undefined && h.kind === 'icmp') problem(ctx, { code: 'misplaced-key', message: 'an icmp check has no port', found: 'port', atKey: true }, ['port']);
      }),
    ],
    want('a health check', 'write health: tcp, or health: { kind: http, path: /health, expect: 200, interval: 2s, timeout: 1s, rise: 2, fall: 3 }'),
  )
  .meta({ id: 'healthCheck', description: 'a health check: a kind (icmp, tcp, tcp-half-open, http, http-content), a map with kind, interval, timeout, rise, fall, port, path, expect, contains, host, or false' });

/** A real server written as a map: a node (`node:`) or a raw address (`address:`). */
const serverObj = obj('a server', {
  node: target.optional(),
  address: address.optional(),
  name: z.string(want('a display name')).optional(),
  port: port.optional(),
  weight: count('a weight').optional(),
  state: z.enum(serverStates).optional(),
  health: healthCheck.optional(),
}).superRefine((s, ctx) => {
  if ((s.node === undefined) === (s.address === undefined)) {
    problem(ctx, {
      code: 'bad-server',
      message: s.node === undefined ? 'a server needs `node` (a node name) or `address` (a raw address)' : 'a server has either `node` or `address`, not both',
      expected: 'node or address',
    });
  }
});

const serverItem = z
  .union([target, serverObj], want('a server', 'write a node name (web1), or { node: web2, port: 8080, weight: 2 }, or { address: 10.0.2.13, name: far1 }'))
  .meta({ id: 'server', description: 'a real server: web1, { node: web2, port: 8080, weight: 2, state: draining }, or { address: 10.0.2.13, name: far1 }' });

const service = obj('a service', {
  vip: address,
  port,
  protocol: z.enum(['tcp', 'udp']).optional(),
  mode: z.enum(LB_MODES as unknown as [string, ...string[]]),
  scheduler: z.enum(schedulerNames).optional(),
  persistence: persistence.optional(),
  snat_pool: z.array(address).optional(),
  keep_source_mac: z.boolean(want('true or false')).optional(),
  health: healthCheck.optional(),
  on_down: z.enum(['keep', 'reset'], want('keep or reset', 'write on_down: keep (open connections stay) or on_down: reset (the LB resets them)')).optional(),
  servers: z.array(serverItem),
});

// L7 proxies (docs/l7-proxy.md): HTTP terminated on the LB, pools, rules, cookie, cache, rate limit.

/** Per-request balancing of an L7 pool: a scheduler, uri-hash, or hdr(Name). */
const l7Balance = z
  .string(want('a balancing method', 'write a scheduler (round-robin, least-conn, ...), uri-hash, or hdr(X-User)'))
  .regex(new RegExp(`^(${schedulerNames.join('|')}|uri-hash|hdr\\([!#$%&'*+.^_\`|~0-9A-Za-z-]+\\))$`), want('a balancing method', `write one of ${schedulerNames.join(', ')}, uri-hash, or hdr(X-User)`))
  .meta({ description: 'a scheduler of the L4 services, uri-hash (HAProxy balance uri), or hdr(Name) (HAProxy balance hdr)' });

const l7Pool = z.union(
  [z.array(serverItem), obj('a pool', { servers: z.array(serverItem), balance: l7Balance.optional(), health: healthCheck.optional() })],
  want('a pool', 'write a list of servers [web1, web2], or { servers: [web1, web2], balance: least-conn }'),
);

const nameValue = (what: string) =>
  z.union([z.string(want(`a ${what} name`)), obj(`a ${what} test`, { name: z.string(want(`a ${what} name`)), value: z.string(want('text')).optional() })], want(`a ${what} test`, `write ${what}: { name: X-Beta, value: "1" }, or just the name to ask only that it exists`));

const l7Rule = obj('a routing rule', {
  path: z.string(want('a path prefix', 'write path: /images/')).optional().meta({ description: 'the path (without the query) starts with this' }),
  path_regex: z.string(want('a regular expression')).optional().meta({ description: 'the path matches this regular expression' }),
  host: z.string(want('a host name')).optional(),
  header: nameValue('header').optional(),
  cookie: nameValue('cookie').optional(),
  method: z.string(want('an HTTP method', 'write GET, POST, ...')).optional(),
  pool: z.string(want('a pool name')),
});

const proxy = obj('an L7 proxy', {
  vip: address,
  port: port.optional(),
  pools: z.record(z.string(), l7Pool, want('a map of pools', 'write pools: { images: [img1], web: [web1, web2] }')).superRefine(namedKeys('pool', NAME_RE, 'names are lower-case letters, digits and -')),
  rules: z.array(l7Rule).optional(),
  default_pool: z.string(want('a pool name')).optional().meta({ description: 'the pool of requests no rule matches (default: the pool named default, else the last pool)' }),
  balance: l7Balance.optional(),
  health: healthCheck.optional().meta({ description: 'the health check of every pool without its own (as a service\'s health)' }),
  cookie: z.union([z.boolean(), z.string(want('a cookie name'))], want('true or a cookie name', 'write cookie: true (SERVERID) or cookie: SRV')).optional().meta({ description: 'insert-mode cookie persistence: true (cookie SERVERID) or the cookie name' }),
  redispatch: z.boolean(want('true or false')).optional(),
  retries: count('a number of retries').optional(),
  timeout_connect: duration.optional(),
  idle_timeout: duration.optional().meta({ description: 'idle time before the proxy closes a keep-alive client connection (default 5s; 0 = never)' }),
  cache: z.union([z.boolean(), obj('a cache', { entries: count('a number of entries', 1).optional(), max_age: duration.optional() })], want('true or a cache map', 'write cache: true, or cache: { entries: 100, max_age: 60s }')).optional(),
  rate_limit: obj('a rate limit', { requests: count('a number of requests', 1), per: duration }).optional(),
  cpu: obj('a CPU model', { per_request: duration.optional(), per_connection: duration.optional(), cores: count('a number of cores', 1).optional() }).optional(),
  forwarded: obj('forwarded headers', { xff: z.boolean().optional(), proto: z.boolean().optional(), port: z.boolean().optional(), rfc7239: z.boolean().optional() }).optional(),
});

const byteWant = (what: string, min: number) => want(what, `write a whole number from ${min} to 255`);
const vrrpAddress = z
  .union([hostCidr, obj('a virtual address', { address: hostCidr, dev: ifName })], want('a virtual address', 'write 10.0.1.100, 10.0.1.100/24, or { address: 10.0.1.100, dev: eth1 }'))
  .meta({ description: 'a virtual address (a bare address is /32), optionally on another interface: { address: 10.0.1.100, dev: eth1 }' });

/** A VRRP instance (RFC 5798, keepalived's vrrp_instance): see docs/high-availability.md. */
const vrrpBlock = obj('a VRRP instance', {
  vrid: z.number(byteWant('a virtual router id', 1)).int(byteWant('a virtual router id', 1)).min(1, byteWant('a virtual router id', 1)).max(255, byteWant('a virtual router id', 1)),
  priority: z.number(byteWant('a priority', 1)).int(byteWant('a priority', 1)).min(1, byteWant('a priority', 1)).max(255, byteWant('a priority', 1)).optional().meta({ description: '1..255 (default 100); 255 = the address owner' }),
  interval: duration.optional().meta({ description: 'advertisement interval, whole centiseconds (default 1s)' }),
  preempt: z.boolean(want('true or false')).optional().meta({ description: 'a higher-priority backup takes over from a lower-priority master (default true)' }),
  vmac: z.boolean(want('true or false')).optional().meta({ description: 'use the virtual MAC 00:00:5e:00:01:VRID for the addresses (default false)' }),
  interface: ifName.meta({ description: 'the interface advertisements go out of' }),
  addresses: z.array(vrrpAddress).min(1, want('a list of virtual addresses', 'write addresses: [10.0.1.100]')),
  garp_repeat: count('a number of gratuitous ARPs').optional().meta({ description: 'gratuitous ARPs per address on becoming master (default 5)' }),
  garp_delay: duration.optional().meta({ description: 'delay of the second burst of gratuitous ARPs (default 5s; 0 = none)' }),
});

/** IPVS connection sync between the pair: true (on the VRRP interface), or where and with which sync id. */
const syncOption = z
  .union([z.boolean(), obj('a connection sync', { interface: ifName.optional(), syncid: z.number(byteWant('a sync id', 0)).int(byteWant('a sync id', 0)).min(0, byteWant('a sync id', 0)).max(255, byteWant('a sync id', 0)).optional() })], want('true, false or a map', 'write sync: true, or sync: { interface: eth1, syncid: 0 }'))
  .meta({ description: 'IPVS connection sync to the backup (multicast 224.0.0.81:8848): true, or { interface, syncid }' });

const lbNode = obj('a load balancer', {
  kind: z.literal('lb'),
  ...ipNodeShape,
  bridge: obj('a bridge', { ports: z.array(ifName).min(1, want('a list of interfaces')), address: cidr }).optional(),
  vrrp: vrrpBlock.optional(),
  sync: syncOption.optional(),
  services: z.record(z.string(), service, want('a map of services', 'write services: { shop: { vip: ..., port: 80, mode: nat, servers: [web1] } }')).superRefine(namedKeys('service', NAME_RE, 'names are lower-case letters, digits and -')).optional(),
  proxies: z.record(z.string(), proxy, want('a map of L7 proxies', 'write proxies: { shop: { vip: ..., pools: { web: [web1] } } }')).superRefine(namedKeys('proxy', NAME_RE, 'names are lower-case letters, digits and -')).optional(),
});

const zone = obj('a DNS zone', {
  a: z.array(target).min(1, want('a list of addresses', 'write at least one: a: [10.0.1.11]')),
  ttl: duration.optional(),
});

/** A host name as DNS zones and resolvers take it: letters, digits and -, labels joined by dots. */
export const DNS_NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;

const dnsNode = obj('a DNS server', {
  kind: z.literal('dns'),
  ...ipNodeShape,
  zones: z
    .record(z.string(), zone)
    .superRefine(namedKeys('DNS', DNS_NAME_RE, 'write a domain name such as shop.example'))
    .optional(),
});

const portConfig = obj('a switch port', {
  mode: z.enum(['access', 'trunk']).optional(),
  vlan: vlanId.optional(),
  allowed: z.array(vlanId).optional(),
}).nullable();

const switchNode = obj('a switch', {
  kind: z.literal('switch'),
  description: z.string(want('text')).optional(),
  ports: z
    .union([z.array(ifName), z.record(z.string(), portConfig).superRefine(namedKeys('port', IFNAME_RE, 'port names start with a letter: p1'))], want('a list or a map of ports', 'write ports: [p1, p2], or ports: { p1: { vlan: 10 } }'))
    .optional(),
  aggregate: z.array(z.array(ifName).min(2, want('a group of two or more ports', 'write aggregate: [ [p5, p6] ]'))).optional(),
  aging: duration.optional(),
});

/** A node, by its `kind`. */
const node = z.discriminatedUnion('kind', [hostNode, switchNode, routerNode, gatewayNode, lbNode, dnsNode]);

/** The node kinds, in the order the docs present them. */
export const NODE_KINDS = ['host', 'switch', 'router', 'gateway', 'lb', 'dns'] as const;

// ------------------------------------------------------------------ links

const linkPair = z.tuple([endpoint, endpoint], want('a pair of endpoints', 'write [client1:eth0, sw1:p1]')).meta({ id: 'endpointPair' });

const linkObj = obj('a link', {
  between: linkPair,
  delay: duration.optional(),
  bandwidth: bandwidth.optional(),
  loss: probability.optional(),
  queue: count('a queue length', 1).optional(),
});

const link = z.union([linkPair, linkObj], want('a link', 'write [client1:eth0, sw1:p1], or { between: [r1:eth0, sw1:p2], delay: 10us }'));

// ------------------------------------------------------------------ apps

const serviceTime = z.union(
  [
    duration,
    obj('a service time distribution', {
      exp: duration.optional(),
      uniform: z.tuple([duration, duration], want('a pair of durations [min, max]', 'write uniform: [1ms, 9ms]')).optional(),
      normal: z.tuple([duration, duration], want('a pair of durations [mean, stddev]', 'write normal: [5ms, 1ms]')).optional(),
    }).superRefine((d, ctx) => {
      const n = ['exp', 'uniform', 'normal'].filter((k) => (d as Record<string, unknown>)[k] !== undefined).length;
      if (n !== 1) problem(ctx, { code: 'bad-distribution', message: 'a service time distribution has exactly one of `exp`, `uniform` or `normal`', expected: 'exp, uniform or normal' });
    }),
  ],
  want('a service time', 'write 5ms, { exp: 5ms }, { uniform: [1ms, 9ms] } or { normal: [5ms, 1ms] }'),
).meta({ id: 'serviceTime', description: 'a fixed duration, or { exp: mean }, { uniform: [min, max] }, { normal: [mean, stddev] }' });

const capacity = {
  service_time: serviceTime.optional(),
  workers: count('a number of workers', 1).optional(),
  queue: count('a queue length').optional(),
  max_connections: count('a number of connections', 1).optional(),
  backlog: count('a backlog', 1).optional(),
};

const httpStatusWant = want('an HTTP status', 'write a number from 100 to 599');
const httpStatus = z.number(httpStatusWant).int(httpStatusWant).min(100, httpStatusWant).max(599, httpStatusWant);

const appOn = { on: nodeName, id: z.string(want('an id')).optional() };

const httpServer = obj('an http-server app', {
  kind: z.literal('http-server'),
  ...appOn,
  port: port.optional(),
  ...capacity,
  status: httpStatus.optional(),
  body: z.string(want('text')).optional(),
  cookie: z.boolean(want('true or false')).optional(),
  idle_timeout: duration.optional(),
  headers: z.record(z.string(), z.string(want('a header value')), want('a map of header fields', 'write headers: { Cache-Control: max-age=30 }')).optional().meta({ description: 'extra response header fields' }),
  session_key: z.enum(['ip', 'x-forwarded-for']).optional().meta({ description: 'what identifies a client for the session counter and cookie: its address, or the last X-Forwarded-For entry (behind an L7 proxy)' }),
});

/** How a client resolves names: glibc's stub resolver behind a cache. */
export const DNS_CACHES = ['ttl', 'forever', 'none'] as const;
const dnsCache = z.enum(DNS_CACHES, want('a cache mode', 'write ttl (honour the TTL), forever (keep the first answer) or none')).meta({
  description: 'ttl: cache answers for their TTL (nscd, systemd-resolved); forever: keep the first answer (a JVM with networkaddress.cache.ttl=-1); none: ask every time',
});

const resolver = obj('a resolver', {
  server: target,
  cache: dnsCache.optional(),
  timeout: duration.optional(),
  attempts: count('a number of attempts', 1).optional(),
}).meta({ description: 'look `to` up as a DNS name through this server before each new connection' });

const httpClient = obj('an http-client app', {
  kind: z.literal('http-client'),
  ...appOn,
  to: target,
  resolver: resolver.optional(),
  port: port.optional(),
  path: z.string(want('a request path')).optional(),
  paths: z.array(z.string(want('a request path'))).min(1, want('a list of paths', 'write paths: [/images/a.png, /css/site.css]')).optional().meta({ description: 'request targets used in turn (overrides path)' }),
  headers: z.record(z.string(), z.string(want('a header value')), want('a map of header fields', 'write headers: { X-Forwarded-For: 6.6.6.6 }')).optional(),
  cookies: z.boolean(want('true or false')).optional().meta({ description: 'keep the cookies responses set and send them back, as a browser does' }),
  method: z.string(want('an HTTP method')).optional(),
  host: z.string(want('a Host header')).optional(),
  requests: count('a number of requests', 1).optional(),
  rate: rate.optional(),
  concurrency: count('a concurrency', 1).optional(),
  think_time: duration.optional(),
  start: duration.optional(),
  keepalive: z.boolean(want('true or false')).optional(),
  timeout: duration.optional(),
});

const tcpEchoServer = obj('a tcp-echo-server app', { kind: z.literal('tcp-echo-server'), ...appOn, port: port.optional(), ...capacity });
const udpEchoServer = obj('a udp-echo-server app', { kind: z.literal('udp-echo-server'), ...appOn, port: port.optional() });

const ping = obj('a ping app', {
  kind: z.literal('ping'),
  ...appOn,
  to: target,
  count: count('a count', 1).optional(),
  interval: duration.optional(),
  size: count('a size').optional(),
  timeout: duration.optional(),
  start: duration.optional(),
});

const tcpConnect = obj('a tcp-connect app', {
  kind: z.literal('tcp-connect'),
  ...appOn,
  to: target,
  port,
  start: duration.optional(),
});

const dnsLookup = obj('a dns-lookup app', {
  kind: z.literal('dns-lookup'),
  ...appOn,
  name: z.string(want('a domain name')),
  server: target,
  start: duration.optional(),
  cache: dnsCache.optional(),
  repeat: count('a number of lookups', 1).optional(),
  interval: duration.optional(),
});

/** The application kinds. */
export const APP_KINDS = ['http-server', 'http-client', 'tcp-echo-server', 'udp-echo-server', 'ping', 'tcp-connect', 'dns-lookup'] as const;

const app = z.discriminatedUnion('kind', [httpServer, httpClient, tcpEchoServer, udpEchoServer, ping, tcpConnect, dnsLookup]);

// ------------------------------------------------------------------ timeline

const onServer = <T extends z.ZodType>(what: string, value: T) => obj(what, { on: nodeName, port: port.optional(), value });
const onNode = z.union([nodeName, obj('a server switch', { on: nodeName, port: port.optional() })], want('a node, or { on: web1, port: 80 }'));

/** The actions of a timeline entry; an entry has exactly one. */
export const TIMELINE_ACTIONS = [
  'fail',
  'restore',
  'link_down',
  'link_up',
  'drain',
  'enable',
  'disable',
  'weight',
  'add_server',
  'remove_server',
  'mode',
  'http_status',
  'http_body',
  'service_time',
  'stop_server',
  'start_server',
  'stop_accepting',
  'start_accepting',
  'vrrp_stop',
  'vrrp_start',
] as const;

const timelineEntry = obj('a timeline entry', {
  at: duration,
  fail: nodeName.optional(),
  restore: nodeName.optional(),
  link_down: linkPair.optional(),
  link_up: linkPair.optional(),
  drain: serverRef.optional(),
  enable: serverRef.optional(),
  disable: serverRef.optional(),
  weight: obj('a weight change', { server: serverRef, value: count('a weight') }).optional(),
  add_server: obj('a server to add', { service: serviceRef, server: serverItem }).optional(),
  remove_server: serverRef.optional(),
  mode: obj('a mode change', { service: serviceRef, value: z.enum(LB_MODES as unknown as [string, ...string[]]) }).optional(),
  http_status: onServer('an http_status change', httpStatus).optional(),
  http_body: onServer('an http_body change', z.string(want('text'))).optional(),
  service_time: onServer('a service_time change', serviceTime).optional(),
  stop_server: onNode.optional(),
  start_server: onNode.optional(),
  stop_accepting: onNode.optional().meta({ description: 'the server application stops calling accept(): its accept queue fills, then SYNs are dropped (overload)' }),
  start_accepting: onNode.optional(),
  vrrp_stop: nodeName.optional().meta({ description: 'stop VRRP gracefully on an lb (a master sends priority 0)' }),
  vrrp_start: nodeName.optional().meta({ description: 'start VRRP again on an lb' }),
}).superRefine((e, ctx) => {
  const present = TIMELINE_ACTIONS.filter((k) => (e as Record<string, unknown>)[k] !== undefined);
  if (present.length === 0) {
    problem(ctx, {
      code: 'no-action',
      message: `a timeline entry needs one action besides \`at\`: ${TIMELINE_ACTIONS.join(', ')}`,
      expected: 'one action',
    });
  } else if (present.length > 1) {
    problem(
      ctx,
      {
        code: 'two-actions',
        message: `a timeline entry has exactly one action, found ${present.map((p) => `\`${p}\``).join(' and ')}; write one entry per action (they may share \`at\`)`,
        expected: 'one action',
      },
      [present[1]!],
    );
  }
});

// ------------------------------------------------------------------ expectations

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
export const EXPECT_KINDS = ['flow', 'frame', 'drop', 'rewrite', 'distribution', 'failover_gap', 'counter', 'http', 'vrrp', 'health', 'server_stat'] as const;

/** The numbers of the per-server report a `server_stat` expectation can bound. */
export const SERVER_STATS = ['connections', 'requests', 'bytes', 'transitions', 'mean', 'p99'] as const;

const fieldValueWant = want('a field value', 'write an address, a name, a number or TCP flags such as SA');
const fieldMap = z
  .record(z.string(), z.union([z.string(fieldValueWant), z.number(fieldValueWant)], fieldValueWant))
  .superRefine(keysIn('frame field', (k) => (FRAME_FIELDS as readonly string[]).includes(k), () => [...FRAME_FIELDS]))
  .meta({ id: 'frameFields', propertyNames: { enum: [...FRAME_FIELDS] } });

const dropCodes = Object.keys(DROP_REASONS) as [string, ...string[]];
const rewriteCodes = Object.keys(REWRITE_REASONS) as [string, ...string[]];

const expectation = obj('an expectation', {
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

// ------------------------------------------------------------------ replay

/** A destination for a captured server: a name, or a name and a port. */
const replayDestination = z.union([target, obj('a destination', { to: target, port: port.optional() })]);

/** Client traffic taken from a real capture and replayed through the network. */
const replayEntry = obj('a replay', {
  file: z.string(want('a capture file', 'write a path relative to this scenario, for example ../fixtures/replay/http-udp.pcap')).min(1, want('a capture file')),
  clients: z.record(z.string(), nodeName, want('a map of captured client addresses to nodes', 'write clients: { 10.0.0.1: client }')),
  servers: z.record(z.string(), replayDestination, want('a map of captured servers to destinations', 'write servers: { 10.0.0.2:8000: { to: vip:shop, port: 80 } }')).optional(),
  start: duration.optional(),
  keep_ports: z.boolean(want('true or false')).optional(),
}).meta({ description: 'replay the TCP and UDP flows that clients opened in a pcap or pcapng capture, with their captured timing' });

// ------------------------------------------------------------------ the document

/** The scenario file (after `extends` is merged in). */
export const scenarioSchema = obj('a scenario', {
  lblab: z.literal(1, want('format version 1', 'write lblab: 1 as the first line')).meta({ description: 'the format version: 1' }),
  title: z.string(want('a title', 'write title: and a one-line name for the lesson')),
  description: z.string(want('text')).optional(),
  goals: z.array(z.string(want('text'))).optional(),
  seed: count('a seed').optional().meta({ description: 'the seed of every random stream (default 1)' }),
  extends: z.string(want('a file path', 'write a path relative to this file: ../base/two-tier.yaml')).optional(),
  nodes: z.record(z.string(), node, want('a map of nodes', 'write nodes: { client1: { kind: host, ... } }')).superRefine(namedKeys('node', NAME_RE, 'names are lower-case letters, digits and -, starting with a letter'))
    .meta({ propertyNames: { type: 'string', pattern: NAME_RE.source } }),
  links: z.array(link).optional(),
  apps: z.array(app).optional(),
  timeline: z.array(timelineEntry).optional(),
  expect: z.array(expectation).optional(),
  replay: z.array(replayEntry).optional(),
  run: obj('run settings', { until: duration.optional(), budget: count('an event budget', 1).optional() }).optional(),
}).meta({
  title: 'lblab scenario',
  description: 'A lblab scenario: nodes, links, apps, a timeline and expectations. See docs/scenario-format.md.',
});

/** The schema-checked document: quantities converted, names not yet resolved. */
export type RawScenario = z.output<typeof scenarioSchema>;

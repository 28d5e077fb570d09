/**
 * L7 proxies of a load balancer (docs/l7-proxy.md): HTTP terminated on the
 * LB, pools, routing rules, cookie persistence, cache and rate limit.
 */
import * as z from 'zod';
import { obj, want } from './messages.js';
import { address, count, duration, NAME_RE, namedKeys, port } from './values.js';
import { healthCheck, schedulerNames, serverItem } from './servers.js';

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

/** An L7 proxy: its VIP, pools, rules and HTTP behaviour. */
export const proxy = obj('an L7 proxy', {
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

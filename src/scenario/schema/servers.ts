/**
 * The real servers of a load balancer and their health checks, shared by
 * L4 services, L7 proxy pools and the timeline's add_server.
 */
import * as z from 'zod';
import { HEALTH_CHECK_KINDS, type HealthCheckKind } from '../../lb/health-config.js';
import { SCHEDULER_ALIASES, SCHEDULER_NAMES } from '../../lb/sched/index.js';
import { obj, problem, want } from './messages.js';
import { address, count, duration, port, target } from './values.js';

/** Every scheduler name a file may write: the names and their aliases. */
export const schedulerNames = [...SCHEDULER_NAMES, ...Object.keys(SCHEDULER_ALIASES)] as [string, ...string[]];

const serverStates = ['enabled', 'draining', 'disabled'] as const;

/** Health check kinds as scenario files spell them (src/lb/health.ts). */
export const HEALTH_KINDS = HEALTH_CHECK_KINDS as unknown as readonly [HealthCheckKind, ...HealthCheckKind[]];
const healthKind = z.enum(HEALTH_KINDS, want('a health check kind', `write one of ${HEALTH_KINDS.join(', ')}`));
const healthStatusWant = want('an HTTP status', 'write a number from 100 to 599');

/** A health check: a kind alone (`health: tcp`), a map, or false (this server is not checked). */
export const healthCheck = z
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

/** A real server: a name or address, or a map. */
export const serverItem = z
  .union([target, serverObj], want('a server', 'write a node name (web1), or { node: web2, port: 8080, weight: 2 }, or { address: 10.0.2.13, name: far1 }'))
  .meta({ id: 'server', description: 'a real server: web1, { node: web2, port: 8080, weight: 2, state: draining }, or { address: 10.0.2.13, name: far1 }' });

/**
 * The apps section: servers (http, tcp and udp echo) with their capacity,
 * and clients (http-client with its resolver, ping, tcp-connect, dns-lookup).
 */
import * as z from 'zod';
import { obj, problem, want } from './messages.js';
import { count, duration, nodeName, port, rate, target } from './values.js';

/** How long a server works on a request: a fixed duration or a distribution. */
export const serviceTime = z.union(
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
/** An HTTP status code, 100 to 599. */
export const httpStatus = z.number(httpStatusWant).int(httpStatusWant).min(100, httpStatusWant).max(599, httpStatusWant);

const appOn = { on: nodeName, id: z.string(want('an id')).optional() };

const versionWant = want('an HTTP version', 'write version: "1.0" or version: "1.1"');
/** An HTTP/1.x version: "1.0" or "1.1" (YAML's bare 1.0 reads as the number 1, taken as 1.0). */
const httpVersion = z
  .union([z.enum(['1.0', '1.1'], versionWant), z.literal(1, versionWant), z.literal(1.1, versionWant)], versionWant)
  .transform((v) => (v === 1 ? '1.0' : v === 1.1 ? '1.1' : v))
  .meta({ description: 'the HTTP version: "1.0" or "1.1" (default "1.1")' });

const defaultHeaders = z.boolean(want('true or false')).optional().meta({ description: 'keep the default header fields and add `headers` after them (default: true without `headers`, false with it: `headers` is then the whole list)' });

const httpServer = obj('an http-server app', {
  kind: z.literal('http-server'),
  ...appOn,
  port: port.optional(),
  ...capacity,
  status: httpStatus.optional(),
  body: z.string(want('text')).optional(),
  cookie: z.boolean(want('true or false')).optional(),
  idle_timeout: duration.optional(),
  headers: z.record(z.string(), z.string(want('a header value')), want('a map of header fields', 'write headers: { Cache-Control: max-age=30 }')).optional().meta({ description: 'the response header fields, exactly (with default_headers: true, added after the defaults)' }),
  default_headers: defaultHeaders,
  version: httpVersion.optional(),
  session_key: z.enum(['ip', 'x-forwarded-for']).optional().meta({ description: 'what identifies a client for the session counter and cookie: its address, or the last X-Forwarded-For entry (behind an L7 proxy)' }),
});

/** How a client resolves names: glibc's stub resolver behind a cache. */
export const DNS_CACHES = ['ttl', 'forever', 'none'] as const;
const dnsCache = z.enum(DNS_CACHES, want('a cache mode', 'write ttl (honour the TTL), forever (keep the first answer) or none')).meta({
  description: 'ttl: cache answers for their TTL (nscd, systemd-resolved); forever: keep the first answer (a JVM with networkaddress.cache.ttl=-1); none: ask every time',
});

/** resolv.conf: one `server`, or `nameservers` in order, and glibc's options. */
const nameservers = {
  server: target.optional(),
  nameservers: z.array(target, want('a list of nameservers', 'write [dns1, dns2]')).min(1, want('at least one nameserver')).optional(),
  timeout: duration.optional(),
  attempts: count('a number of attempts', 1).optional(),
  rotate: z.boolean(want('true or false')).optional(),
};

const resolver = obj('a resolver', {
  ...nameservers,
  cache: dnsCache.optional(),
}).meta({ description: 'look `to` up as a DNS name through this server before each new connection' });

const httpClient = obj('an http-client app', {
  kind: z.literal('http-client'),
  ...appOn,
  to: target,
  resolver: resolver.optional(),
  port: port.optional(),
  path: z.string(want('a request path')).optional(),
  paths: z.array(z.string(want('a request path'))).min(1, want('a list of paths', 'write paths: [/images/a.png, /css/site.css]')).optional().meta({ description: 'request targets used in turn (overrides path)' }),
  headers: z.record(z.string(), z.string(want('a header value')), want('a map of header fields', 'write headers: { X-Forwarded-For: 6.6.6.6 }')).optional().meta({ description: 'the request header fields, exactly (with default_headers: true, added after the defaults)' }),
  default_headers: defaultHeaders,
  version: httpVersion.optional(),
  body: z.string(want('text')).optional().meta({ description: 'the request body (Content-Length is added with the default headers)' }),
  delays: obj('http-client delays', { after_connect: serviceTime.optional().meta({ description: 'after connect() returns, before the request is written' }) }).optional(),
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
  ...nameservers,
  start: duration.optional(),
  cache: dnsCache.optional(),
  repeat: count('a number of lookups', 1).optional(),
  interval: duration.optional(),
});

const hexWant = want('hex bytes', 'write pairs of hex digits, spaces allowed: { hex: "48 49 0a" }');
/** Bytes to send: text (sent as Latin-1), or { hex: "..." }. */
const payload = z
  .union([z.string(want('text')), obj('hex bytes', { hex: z.string(hexWant).regex(/^(\s*[0-9A-Fa-f]{2})*\s*$/, hexWant) })], want('text or { hex: ... }', 'write send: "hello\\n", or send: { hex: "68 65 6c 6c 6f 0a" }'))
  .meta({ description: 'the bytes: text (sent in UTF-8), or { hex: "68 69 0a" }' });

const rawDelays = obj('app delays', {
  after_connect: serviceTime.optional().meta({ description: 'client: after connect() returns, before the write' }),
  before_response: serviceTime.optional().meta({ description: 'server: between reading the first bytes and writing the reply' }),
  before_close: serviceTime.optional().meta({ description: 'after the write, before close()' }),
}).meta({ description: 'think times, each a duration or a distribution (default 0)' });

const rawClose = z.boolean(want('true or false')).optional().meta({ description: 'close after writing (default true)' });

const tcpClient = obj('a tcp-client app', { kind: z.literal('tcp-client'), ...appOn, to: target, port, start: duration.optional(), send: payload, close: rawClose, delays: rawDelays.optional() });
const tcpServer = obj('a tcp-server app', { kind: z.literal('tcp-server'), ...appOn, port, send: payload.optional(), close: rawClose, delays: rawDelays.optional() });

/** The application kinds. */
export const APP_KINDS = ['http-server', 'http-client', 'tcp-echo-server', 'udp-echo-server', 'ping', 'tcp-connect', 'dns-lookup', 'tcp-client', 'tcp-server'] as const;

/** An application on a node, by its `kind`. */
export const app = z.discriminatedUnion('kind', [httpServer, httpClient, tcpEchoServer, udpEchoServer, ping, tcpConnect, dnsLookup, tcpClient, tcpServer]);

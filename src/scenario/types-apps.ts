/**
 * The checked applications of a scenario (part of the checked Scenario of
 * types.ts, which re-exports every name here): HTTP, echo, ping, connect,
 * raw TCP and DNS lookups, with their capacity model and think times.
 */
import type { DnsCacheMode } from '../apps/dns-resolver.js';
import type { Nanos, SourcePos, Target } from './types-base.js';

/** How long a request takes to serve (matches the apps' ServiceTime). */
export type ServiceTimeSpec =
  | { readonly dist: 'fixed'; readonly ns: Nanos }
  | { readonly dist: 'exponential'; readonly mean: Nanos }
  | { readonly dist: 'uniform'; readonly min: Nanos; readonly max: Nanos }
  | { readonly dist: 'normal'; readonly mean: Nanos; readonly stddev: Nanos };

/** Capacity knobs of a server app (null = unlimited / default of the app). */
export interface CapacitySpec {
  readonly serviceTime: ServiceTimeSpec;
  readonly workers: number | null;
  readonly queue: number | null;
  readonly maxConnections: number | null;
  readonly backlog: number | null;
}

/** What every app has: its kind, node, an id unique on that node, and its place. */
export interface AppBase {
  /** The node it runs on. */
  readonly on: string;
  /** Distinguishes apps of one kind on one node (`id:`, default its index among them: "0", "1"...). */
  readonly id: string;
  readonly pos: SourcePos;
}

/** An HTTP/1.x version as a scenario writes it. */
export type HttpVersion = '1.0' | '1.1';

/** An HTTP server. */
export interface HttpServerSpec extends AppBase, CapacitySpec {
  readonly kind: 'http-server';
  readonly port: number;
  readonly status: number;
  /** Response body, or null for the app's default ("<node>\n"). */
  readonly body: string | null;
  readonly cookie: boolean;
  /** Keep-alive idle timeout, or null for the app's default. */
  readonly idleTimeout: Nanos | null;
  /** Response header fields as written, in file order: the whole list, or added after the defaults when `defaultHeaders`. */
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  /** Keep the default fields (Server, Content-Type, Content-Length, Connection) before `headers` (true unless `headers` is given). */
  readonly defaultHeaders: boolean;
  /** The HTTP version the server answers with; an HTTP/1.0 server closes after every response. */
  readonly version: HttpVersion;
  /** What identifies a client for the session counter. */
  readonly sessionKey: 'ip' | 'x-forwarded-for';
}

/** An HTTP client. */
export interface HttpClientSpec extends AppBase {
  readonly kind: 'http-client';
  readonly to: Target;
  readonly port: number;
  readonly path: string;
  /** Paths used in turn, or null for `path` alone. */
  readonly paths: readonly string[] | null;
  /** Request header fields as written, in file order: the whole list, or added after the defaults when `defaultHeaders`. */
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  /** Keep the default fields (Host, User-Agent, Accept, Connection) before `headers` (true unless `headers` is given). */
  readonly defaultHeaders: boolean;
  /** The request's HTTP version. */
  readonly version: HttpVersion;
  /** The request body, or null for none. */
  readonly body: string | null;
  /** Think time between connect() returning and the write, or null for none. */
  readonly afterConnect: ServiceTimeSpec | null;
  /** Keep and send back cookies. */
  readonly cookies: boolean;
  readonly method: string;
  /** Host header, or null for what curl sends: the address (or DNS name) and the port unless it is 80. */
  readonly host: string | null;
  readonly requests: number;
  /** Open-loop rate, or null for sequential requests. */
  readonly rate: { readonly perSec: number; readonly poisson: boolean } | null;
  readonly concurrency: number;
  readonly thinkTime: Nanos;
  readonly start: Nanos;
  readonly keepalive: boolean;
  /** Per-request limit, or null for none. */
  readonly timeout: Nanos | null;
  /** When `to` is a DNS name: the resolver that looks it up before each new connection; else null. */
  readonly resolver: ResolverSpec | null;
}

/** A client's stub resolver: the nameservers it asks in order, its cache, and glibc's resolv.conf options. */
export interface ResolverSpec {
  /** The first nameserver. */
  readonly server: Target;
  /** Every nameserver, in order (the first is `server`). */
  readonly servers: readonly Target[];
  /** options rotate (default false). */
  readonly rotate: boolean;
  /** ttl (default), forever or none. */
  readonly cache: DnsCacheMode;
  /** Per attempt (default 5 s). */
  readonly timeout: Nanos;
  /** Attempts (default 2). */
  readonly attempts: number;
}

/** A TCP echo server. */
export interface TcpEchoServerSpec extends AppBase, CapacitySpec {
  readonly kind: 'tcp-echo-server';
  readonly port: number;
}

/** A UDP echo server. */
export interface UdpEchoServerSpec extends AppBase {
  readonly kind: 'udp-echo-server';
  readonly port: number;
}

/** Ping. */
export interface PingSpec extends AppBase {
  readonly kind: 'ping';
  readonly to: Target;
  readonly count: number;
  readonly interval: Nanos;
  readonly size: number;
  readonly timeout: Nanos;
  readonly start: Nanos;
}

/** One TCP connection attempt whose outcome is recorded. */
export interface TcpConnectSpec extends AppBase {
  readonly kind: 'tcp-connect';
  readonly to: Target;
  readonly port: number;
  readonly start: Nanos;
}

/** The think times of a raw TCP app (null: zero). */
export type RawDelaysSpec = { readonly [K in 'afterConnect' | 'beforeResponse' | 'beforeClose']: ServiceTimeSpec | null };

/** A raw TCP client: connect, write `send`, maybe close. */
export interface TcpClientSpec extends AppBase {
  readonly kind: 'tcp-client';
  readonly to: Target;
  readonly port: number;
  readonly start: Nanos;
  /** The bytes written after connecting. */
  readonly send: Uint8Array;
  readonly close: boolean;
  readonly delays: RawDelaysSpec;
}

/** A raw TCP server: answer each connection's first bytes with `send`, maybe close. */
export interface TcpServerSpec extends AppBase {
  readonly kind: 'tcp-server';
  readonly port: number;
  readonly send: Uint8Array;
  readonly close: boolean;
  readonly delays: RawDelaysSpec;
}

/** A DNS lookup through a (caching) resolver. */
export interface DnsLookupSpec extends AppBase {
  readonly kind: 'dns-lookup';
  readonly name: string;
  readonly server: Target;
  /** The nameservers, resolver options and cache of its resolver. */
  readonly resolver: ResolverSpec;
  readonly start: Nanos;
  readonly cache: DnsCacheMode;
  readonly repeat: number;
  readonly interval: Nanos;
}

/** An application, by kind. */
export type AppSpec = HttpServerSpec | HttpClientSpec | TcpEchoServerSpec | UdpEchoServerSpec | PingSpec | TcpConnectSpec | DnsLookupSpec | TcpClientSpec | TcpServerSpec;

// ------------------------------------------------------------------ timeline

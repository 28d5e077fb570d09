/**
 * The configuration of an L7 (HTTP) proxy on a load balancer, as the
 * builder hands it over: a VIP and port the LB terminates, pools of real
 * servers, routing rules tried in order, per-request balancing, cookie
 * persistence, a response cache, per-source rate limiting, the forwarded
 * headers and a CPU cost per request. The names and defaults follow
 * HAProxy's (`balance`, `cookie ... insert`, `option redispatch`,
 * `retries`, `timeout connect`, `option forwardfor`, `http-request deny`).
 */
import type { Ipv4Addr } from '../../wire/types.js';
import type { BackendState } from '../sched/backend.js';
import type { HealthCheckConfig } from '../health-config.js';

/** How a pool picks a server per request: a scheduler of the L4 issue, or a hash of the URI or of a header. */
export type L7Balance =
  | { readonly kind: 'scheduler'; readonly name: string }
  | { readonly kind: 'uri-hash' }
  | { readonly kind: 'header-hash'; readonly header: string };

/** A real server of a pool. */
export interface L7ServerConfig {
  readonly name: string;
  readonly addr: Ipv4Addr;
  readonly port: number;
  readonly weight: number;
  readonly state: BackendState;
  /** This server's own health check (null: not checked); absent: the pool's. */
  readonly health?: HealthCheckConfig | null;
}

/** A pool (HAProxy: a backend) of servers. */
export interface L7PoolConfig {
  readonly name: string;
  readonly balance: L7Balance;
  readonly servers: readonly L7ServerConfig[];
  /** The health check of the pool's servers (HAProxy: `check` on each server of the backend), or null. */
  readonly health: HealthCheckConfig | null;
}

/** What a routing rule tests; every test given must hold. */
export interface L7Match {
  /** The path (target without its query) starts with this. */
  readonly pathPrefix: string | null;
  /** The path matches this regular expression (JavaScript syntax). */
  readonly pathRegex: RegExp | null;
  /** The Host header (without its port), case-insensitive. */
  readonly host: string | null;
  /** A header has this value (name case-insensitive, value exact); a value of null only asks that the header exists. */
  readonly header: { readonly name: string; readonly value: string | null } | null;
  /** A cookie has this value (null: only that it exists). */
  readonly cookie: { readonly name: string; readonly value: string | null } | null;
  /** The method, exactly (GET, POST...). */
  readonly method: string | null;
}

/** A rule: requests that match go to a pool (HAProxy: use_backend <pool> if <acl>). */
export interface L7Rule {
  readonly match: L7Match;
  readonly pool: string;
  /** The rule as the scenario wrote it, for explanations ("path /images/"). */
  readonly text: string;
}

/** Cookie persistence in insert mode (HAProxy: cookie SERVERID insert indirect nocache). */
export interface L7CookieConfig {
  /** The cookie's name (default SERVERID). */
  readonly name: string;
}

/** The response cache (HAProxy: cache, http-request cache-use, http-response cache-store). */
export interface L7CacheConfig {
  /** Most entries kept; the least recently used is evicted (default 100). */
  readonly entries: number;
  /** Longest time an entry is kept whatever max-age says (ns; HAProxy max-age, default 60 s). */
  readonly maxAge: number;
}

/** Per-source rate limiting (HAProxy: stick-table http_req_rate(period), http-request deny deny_status 429 if rate > limit). */
export interface L7RateLimitConfig {
  /** Requests allowed per source address within `period`. */
  readonly requests: number;
  /** The sliding window (ns). */
  readonly period: number;
}

/** The CPU cost of proxying, so an L7 LB has a capacity like the servers'. */
export interface L7CpuConfig {
  /** CPU time per HTTP request: parse, rules, header rewrite, serialise (ns). */
  readonly perRequest: number;
  /** CPU time per accepted client connection (ns). */
  readonly perConnection: number;
  /** Requests processed at once (cores). */
  readonly cores: number;
}

/** Which forwarded headers the proxy adds. */
export interface L7ForwardedConfig {
  /** X-Forwarded-For: the client's address appended (default true, HAProxy option forwardfor). */
  readonly xff: boolean;
  /** X-Forwarded-Proto: http (default true). */
  readonly proto: boolean;
  /** X-Forwarded-Port: the VIP's port (default true). */
  readonly port: boolean;
  /** RFC 7239 Forwarded: for=client;proto=http;by=vip (default false). */
  readonly rfc7239: boolean;
}

/** An L7 proxy: the LB terminates TCP on vip:port and relays HTTP/1.1 to its pools. */
export interface L7ProxyConfig {
  readonly name: string;
  readonly vip: Ipv4Addr;
  readonly port: number;
  readonly pools: readonly L7PoolConfig[];
  readonly rules: readonly L7Rule[];
  /** The pool of requests no rule matches. */
  readonly defaultPool: string;
  readonly cookie: L7CookieConfig | null;
  /** Break cookie persistence and send the request to another server when connecting to the persisted one fails (option redispatch). */
  readonly redispatch: boolean;
  /** Connection attempts after the first fails (HAProxy retries, default 3). */
  readonly retries: number;
  /** Time allowed for a connection to a server (HAProxy timeout connect, default 5 s). */
  readonly connectTimeout: number;
  /** Idle time after which the proxy closes a keep-alive client connection (HAProxy timeout http-keep-alive; lblab's default 5 s; 0 = never). */
  readonly idleTimeout: number;
  readonly cache: L7CacheConfig | null;
  readonly rateLimit: L7RateLimitConfig | null;
  readonly cpu: L7CpuConfig;
  readonly forwarded: L7ForwardedConfig;
}

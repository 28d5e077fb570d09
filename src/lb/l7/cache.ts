/**
 * The response cache of an L7 proxy (a shared cache in RFC 9111's terms,
 * kept small as HAProxy's): GET responses with status 200 are stored when
 * their Cache-Control allows it, and later GETs for the same host and
 * target are answered by the proxy while the entry is fresh, without a
 * server. What is stored:
 * - Cache-Control max-age=N (s-maxage=N wins for a shared cache, RFC 9111
 *   5.2.2.10) gives the freshness lifetime, capped by the cache's max-age;
 * - no-store, private and no-cache responses, responses that set cookies
 *   (HAProxy does not cache them), and responses without max-age are not stored;
 * - a request with Cache-Control no-cache or no-store goes to a server.
 * Entries are evicted least recently used when the cache is full.
 */
import { getHeader, headerList, type HttpRequest, type HttpResponse } from '../../wire/http.js';
import { requestHost } from './rules.js';

/** A stored response with its freshness. */
export interface CacheEntry {
  readonly key: string;
  readonly response: HttpResponse;
  /** When it was stored (ns). */
  readonly storedAt: number;
  /** Freshness lifetime (ns). */
  readonly ttl: number;
  /** The server that produced it. */
  readonly server: string;
  hits: number;
}

/** Why a response was or was not stored: 'stored', or the reason it was not. */
export type StoreVerdict = 'stored' | 'not-get' | 'status' | 'no-store' | 'private' | 'no-cache' | 'set-cookie' | 'no-max-age';

/** The cache key: host and target, as HAProxy's default (the URI and the Host). */
export function cacheKey(req: HttpRequest): string {
  return `${requestHost(req)} ${req.target}`;
}

/** The freshness lifetime a response allows a shared cache, in seconds, or the reason it allows none. */
export function freshness(res: HttpResponse): number | Exclude<StoreVerdict, 'stored' | 'not-get' | 'status'> {
  if (getHeader(res.headers, 'Set-Cookie') !== null) return 'set-cookie';
  const cc = headerList(res.headers, 'Cache-Control').map((d) => d.toLowerCase());
  if (cc.includes('no-store')) return 'no-store'; // RFC 9111 5.2.2.5
  if (cc.some((d) => d === 'private' || d.startsWith('private='))) return 'private'; // RFC 9111 5.2.2.7: not for a shared cache
  if (cc.some((d) => d === 'no-cache' || d.startsWith('no-cache='))) return 'no-cache'; // RFC 9111 5.2.2.4: would need revalidation
  let maxAge = -1;
  for (const d of cc) {
    const m = /^(s-maxage|max-age)\s*=\s*"?(\d+)"?$/.exec(d);
    if (!m) continue;
    const v = Number(m[2]);
    if (m[1] === 's-maxage') return v; // RFC 9111 5.2.2.10: s-maxage overrides max-age in a shared cache
    maxAge = v;
  }
  return maxAge >= 0 ? maxAge : 'no-max-age';
}

/** A least-recently-used response cache. */
export class ResponseCache {
  private readonly entries = new Map<string, CacheEntry>();

  /** A cache of at most `size` entries, each kept at most `maxAge` ns. */
  constructor(
    readonly size: number,
    readonly maxAge: number,
  ) {}

  /** The fresh entry for a request, or null (a stale one is removed). */
  lookup(req: HttpRequest, now: number): CacheEntry | null {
    if (req.method !== 'GET' && req.method !== 'HEAD') return null;
    const cc = headerList(req.headers, 'Cache-Control').map((d) => d.toLowerCase());
    if (cc.includes('no-cache') || cc.includes('no-store')) return null; // RFC 9111 5.2.1.4 / 5.2.1.5
    const key = cacheKey(req);
    const e = this.entries.get(key);
    if (!e) return null;
    if (now - e.storedAt >= e.ttl) {
      this.entries.delete(key);
      return null;
    }
    this.entries.delete(key); // re-insert: most recently used last
    this.entries.set(key, e);
    e.hits++;
    return e;
  }

  /** Stores a response to a request if it may be; says why not otherwise. */
  store(req: HttpRequest, res: HttpResponse, server: string, now: number): StoreVerdict {
    if (req.method !== 'GET') return 'not-get';
    if (res.status !== 200) return 'status';
    const f = freshness(res);
    if (typeof f !== 'number') return f;
    if (f === 0) return 'no-max-age';
    const key = cacheKey(req);
    this.entries.delete(key);
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { key, response: res, storedAt: now, ttl: Math.min(f * 1e9, this.maxAge), server, hits: 0 });
    return 'stored';
  }

  /** Entries held now. */
  get count(): number {
    return this.entries.size;
  }
}

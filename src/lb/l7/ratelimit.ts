/**
 * Per-source rate limiting as abnormal-traffic blocking: each source
 * address may make `requests` requests within a sliding window of `period`;
 * the ones beyond are refused with 429 Too Many Requests (RFC 6585 4) and
 * a Retry-After. HAProxy does this with a stick-table counting
 * http_req_rate(period) per source and `http-request deny deny_status 429`;
 * lblab keeps the exact request times, so the count is exact, not HAProxy's
 * approximation over two periods. Refused requests count too (a client that
 * keeps hammering stays blocked), as sc_http_req_rate counts every request.
 */

/** The verdict for one request: allowed or not, with the count that decided. */
export interface RateVerdict {
  readonly allowed: boolean;
  /** Requests from this source within the window, this one included. */
  readonly count: number;
  /** When the oldest request in the window leaves it (ns): when the source may be allowed again. */
  readonly retryAt: number;
}

/** Sliding-window request counters per source address. */
export class RateLimiter {
  private readonly times = new Map<number, number[]>();

  /** A limiter of `requests` per `period` ns. */
  constructor(
    readonly requests: number,
    readonly period: number,
  ) {}

  /** Counts a request from `src` at `now` and says whether it is within the limit. */
  hit(src: number, now: number): RateVerdict {
    let ts = this.times.get(src);
    if (!ts) {
      ts = [];
      this.times.set(src, ts);
    }
    let drop = 0;
    while (drop < ts.length && ts[drop]! <= now - this.period) drop++;
    if (drop > 0) ts.splice(0, drop);
    ts.push(now);
    return { allowed: ts.length <= this.requests, count: ts.length, retryAt: ts[0]! + this.period };
  }
}

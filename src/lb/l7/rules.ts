/**
 * Routing rules of an L7 proxy, tried in order: the first whose tests all
 * hold names the request's pool (HAProxy `use_backend <pool> if <acl>`),
 * else the default pool (`default_backend`). Tests read the path (the
 * target without its query string), the Host header without its port, any
 * header, a cookie, and the method.
 */
import { getHeader, type HttpRequest } from '../../wire/http.js';
import type { L7Match, L7Rule } from './config.js';
import { cookieValue } from './cookie.js';
import { SafeRegex } from './safe-regex.js';

/** Each rule's pattern compiled once for the linear-time matcher: JavaScript's backtracking engine could stall a run inside one event. */
const compiled = new WeakMap<RegExp, SafeRegex>();

function safe(re: RegExp): SafeRegex {
  let s = compiled.get(re);
  if (s === undefined) {
    s = new SafeRegex(re.source);
    compiled.set(re, s);
  }
  return s;
}

/** The path of a request target: origin-form up to '?' (RFC 9112 3.2.1); absolute-form loses its scheme and authority (3.2.2). */
export function targetPath(target: string): string {
  let t = target;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(t);
  if (scheme) t = t.slice(scheme[0].length) || '/';
  const q = t.indexOf('?');
  return q < 0 ? t : t.slice(0, q);
}

/** The host a request names: its Host header without the port, lower-cased (RFC 9110 7.2), or '' when none. */
export function requestHost(req: HttpRequest): string {
  const h = getHeader(req.headers, 'Host');
  if (h === null) return '';
  const colon = h.lastIndexOf(':');
  return (colon >= 0 && !h.includes(']', colon) ? h.slice(0, colon) : h).toLowerCase();
}

/** True when every test of `m` holds for the request. */
export function matches(m: L7Match, req: HttpRequest): boolean {
  if (m.method !== null && req.method !== m.method) return false;
  if (m.pathPrefix !== null || m.pathRegex !== null) {
    const p = targetPath(req.target);
    if (m.pathPrefix !== null && !p.startsWith(m.pathPrefix)) return false;
    if (m.pathRegex !== null && !safe(m.pathRegex).test(p)) return false;
  }
  if (m.host !== null && requestHost(req) !== m.host.toLowerCase()) return false;
  if (m.header !== null) {
    const v = getHeader(req.headers, m.header.name);
    if (v === null || (m.header.value !== null && v !== m.header.value)) return false;
  }
  if (m.cookie !== null) {
    const v = cookieValue(req.headers, m.cookie.name);
    if (v === null || (m.cookie.value !== null && v !== m.cookie.value)) return false;
  }
  return true;
}

/** The index of the first rule that matches, or -1 (the default pool). */
export function route(rules: readonly L7Rule[], req: HttpRequest): number {
  for (let i = 0; i < rules.length; i++) if (matches(rules[i]!.match, req)) return i;
  return -1;
}

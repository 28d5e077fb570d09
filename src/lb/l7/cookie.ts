/**
 * Cookies as an L7 proxy reads and writes them (RFC 6265): the request's
 * Cookie header split into name=value pairs, and the Set-Cookie line of
 * insert-mode persistence (HAProxy `cookie SERVERID insert`: the proxy, not
 * the server, names the server in a cookie of its own).
 */
import { getHeaders, type HttpField } from '../../wire/http.js';

/** The value of cookie `name` in a request's Cookie header lines, or null (RFC 6265 5.4: "a=1; b=2"). */
export function cookieValue(headers: readonly HttpField[], name: string): string | null {
  for (const line of getHeaders(headers, 'Cookie')) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
    }
  }
  return null;
}

/** The Set-Cookie value that pins a client to a server (HAProxy insert mode writes `SERVERID=web1; path=/`). */
export function persistCookie(name: string, server: string): string {
  return `${name}=${server}; path=/`;
}

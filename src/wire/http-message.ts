/**
 * Working with HTTP/1.x messages as values: header field lookups and edits
 * (a list in the order received, duplicates kept, names compared without
 * case), keep-alive, X-Forwarded-For, and builders with defaults.
 */
import { EMPTY, eqIgnoreCase, latin1 } from './http-chars.js';
import type { HttpField, HttpMessage, HttpRequest, HttpResponse } from './http-types.js';
import { HTTP_REASONS } from './http-types.js';

/** The first value of a header field (case-insensitive name), or null. */
export function getHeader(headers: readonly HttpField[], name: string): string | null {
  for (let i = 0; i < headers.length; i++) if (eqIgnoreCase(headers[i]!.name, name)) return headers[i]!.value;
  return null;
}

/** Every value of a header field, in order (one per field line). */
export function getHeaders(headers: readonly HttpField[], name: string): string[] {
  const out: string[] = [];
  for (const h of headers) if (eqIgnoreCase(h.name, name)) out.push(h.value);
  return out;
}

/** The comma-separated list elements of a header field across all its lines, trimmed, empty ones dropped (RFC 9110 5.6.1). */
export function headerList(headers: readonly HttpField[], name: string): string[] {
  const out: string[] = [];
  for (const v of getHeaders(headers, name)) {
    for (const part of v.split(',')) {
      const t = part.trim();
      if (t) out.push(t);
    }
  }
  return out;
}

/** True when the list-valued field `name` contains `token` (case-insensitive), as in Connection: close. */
export function hasToken(headers: readonly HttpField[], name: string, token: string): boolean {
  return headerList(headers, name).some((t) => eqIgnoreCase(t, token));
}

/** The message with one more header field line appended after the others (order and duplicates preserved). */
export function withHeader<T extends HttpMessage>(m: T, name: string, value: string): T {
  return { ...m, headers: [...m.headers, { name, value }] };
}

/** The message with every line of `name` removed and, unless value is null, one line `name: value` appended. */
export function setHeader<T extends HttpMessage>(m: T, name: string, value: string | null): T {
  const headers = m.headers.filter((h) => !eqIgnoreCase(h.name, name));
  if (value !== null) headers.push({ name, value });
  return { ...m, headers };
}

/**
 * The request with `client` added to X-Forwarded-For: appended to the last
 * existing line (the de facto convention: "client, proxy1, proxy2"), or as
 * a new line at the end when there is none.
 */
export function addForwardedFor(req: HttpRequest, client: string): HttpRequest {
  let last = -1;
  for (let i = 0; i < req.headers.length; i++) if (eqIgnoreCase(req.headers[i]!.name, 'X-Forwarded-For')) last = i;
  if (last < 0) return withHeader(req, 'X-Forwarded-For', client);
  const headers = req.headers.slice();
  const h = headers[last]!;
  headers[last] = { name: h.name, value: h.value ? `${h.value}, ${client}` : client };
  return { ...req, headers };
}

/**
 * Whether the connection stays open after this message (RFC 9112 9.3): not
 * when the Connection field lists "close"; yes for HTTP/1.1 and later; for
 * HTTP/1.0 only with "Connection: keep-alive". A response read until close
 * ends its connection by definition.
 */
export function keepAlive(m: HttpMessage): boolean {
  if (m.framing === 'close') return false;
  if (hasToken(m.headers, 'Connection', 'close')) return false; // RFC 9112 9.3: "close" wins
  if (m.minor >= 1) return true; // RFC 9112 9.3: HTTP/1.1 defaults to persistent
  return hasToken(m.headers, 'Connection', 'keep-alive'); // RFC 9112 C.2.2: HTTP/1.0 keep-alive
}

// ---------------------------------------------------------------- builders

/** What httpRequest needs; the rest has defaults. */
export interface RequestSpec {
  readonly method?: string;
  readonly target?: string;
  readonly minor?: number;
  readonly headers?: readonly HttpField[];
  readonly body?: Uint8Array | string;
}

/** What httpResponse needs; the rest has defaults. */
export interface ResponseSpec {
  readonly status?: number;
  readonly reason?: string;
  readonly minor?: number;
  readonly headers?: readonly HttpField[];
  readonly body?: Uint8Array | string;
}

/** Bytes of a string, one octet per character (Latin-1; higher characters are masked to 8 bits). */
export function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** The Latin-1 text of some bytes (how lblab reads bodies for display and content checks). */
export function latin1Text(b: Uint8Array): string {
  return latin1(b, 0, b.length);
}

function bodyBytes(b: Uint8Array | string | undefined): Uint8Array {
  if (b === undefined) return EMPTY;
  return typeof b === 'string' ? latin1Bytes(b) : b;
}

/**
 * A request value; adds Content-Length when there is a body and the given
 * headers frame none (RFC 9110 8.6: a user agent sends it for a body).
 */
export function httpRequest(spec: RequestSpec): HttpRequest {
  const body = bodyBytes(spec.body);
  let headers = spec.headers ?? [];
  if (body.length > 0 && getHeader(headers, 'Content-Length') === null && getHeader(headers, 'Transfer-Encoding') === null) {
    headers = [...headers, { name: 'Content-Length', value: String(body.length) }];
  }
  return { kind: 'request', method: spec.method ?? 'GET', target: spec.target ?? '/', minor: spec.minor ?? 1, headers, body, framing: 'none' };
}

/**
 * A response value; adds Content-Length unless the headers frame the body
 * already or the status has no body (1xx, 204, 304: RFC 9110 8.6 / 15.3.5).
 */
export function httpResponse(spec: ResponseSpec): HttpResponse {
  const status = spec.status ?? 200;
  const body = bodyBytes(spec.body);
  let headers = spec.headers ?? [];
  const bodiless = status < 200 || status === 204 || status === 304;
  if (!bodiless && getHeader(headers, 'Content-Length') === null && getHeader(headers, 'Transfer-Encoding') === null) {
    headers = [...headers, { name: 'Content-Length', value: String(body.length) }];
  }
  return { kind: 'response', minor: spec.minor ?? 1, status, reason: spec.reason ?? HTTP_REASONS[status] ?? '', headers, body, framing: 'none' };
}

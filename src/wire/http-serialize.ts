/**
 * The exact bytes of HTTP/1.x messages (RFC 9112 2.1): start line, header
 * fields as given (order, case and duplicates kept), an empty line, the
 * body; and the one-line summary people read.
 */
import type { HttpField, HttpMessage, HttpRequest, HttpResponse } from './http-types.js';
import { CR, LF, SP, COLON } from './http-chars.js';

function put(b: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[at + i] = s.charCodeAt(i) & 0xff;
  return at + s.length;
}

function writeMessage(start: string, headers: readonly HttpField[], body: Uint8Array): Uint8Array {
  // RFC 9112 2.1: start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
  let n = start.length + 2 + 2 + body.length;
  for (const h of headers) n += h.name.length + 2 + h.value.length + 2;
  const b = new Uint8Array(n);
  let o = put(b, 0, start);
  b[o++] = CR;
  b[o++] = LF;
  for (const h of headers) {
    o = put(b, o, h.name);
    b[o++] = COLON; // RFC 9112 5: no whitespace between the name and the colon
    b[o++] = SP;
    o = put(b, o, h.value);
    b[o++] = CR;
    b[o++] = LF;
  }
  b[o++] = CR;
  b[o++] = LF;
  b.set(body, o);
  return b;
}

/**
 * The bytes of a request, exactly as its fields say: headers are written as
 * given (nothing added; httpRequest adds Content-Length), the body after them.
 */
export function serializeRequest(r: HttpRequest): Uint8Array {
  return writeMessage(`${r.method} ${r.target} HTTP/1.${r.minor}`, r.headers, r.body); // RFC 9112 3
}

/** The bytes of a response: status line (reason phrase after one space, even when empty), headers as given, body. */
export function serializeResponse(r: HttpResponse): Uint8Array {
  return writeMessage(`HTTP/1.${r.minor} ${String(r.status).padStart(3, '0')} ${r.reason}`, r.headers, r.body); // RFC 9112 4
}

/** The bytes of either kind of message. */
export function serializeHttp(m: HttpMessage): Uint8Array {
  return m.kind === 'request' ? serializeRequest(m) : serializeResponse(m);
}

/** One line for people: "GET /a HTTP/1.1" or "HTTP/1.1 200 OK (5 bytes)". */
export function summarizeHttp(m: HttpMessage): string {
  const len = m.body.length ? ` (${m.body.length} bytes${m.framing === 'chunked' ? ' chunked' : ''})` : '';
  if (m.kind === 'request') return `${m.method} ${m.target} HTTP/1.${m.minor}${len}`;
  return `HTTP/1.${m.minor} ${m.status}${m.reason ? ` ${m.reason}` : ''}${len}`;
}

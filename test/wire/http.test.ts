/**
 * The HTTP/1.1 codec end to end (src/wire/http.ts): known-answer bytes of
 * the serializer and the parser, and property tests: round trips,
 * arbitrary chunking, hostile bytes. The helpers on values are tested in
 * http-message.test.ts, framing and malformed input in http-parse.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dechunk,
  getHeader,
  getHeaders,
  httpRequest,
  httpResponse,
  serializeHttp,
  serializeRequest,
  serializeResponse,
  summarizeHttp,
  type HttpMessage,
  type HttpRequest,
  type HttpResponse,
} from '../../src/wire/http.js';
import { b, one, parseAll, t } from './http-helpers.js';

describe('known-answer bytes', () => {
  it('serialises a request exactly (what curl sends)', () => {
    const req = httpRequest({ target: '/', headers: [{ name: 'Host', value: '10.0.1.100' }, { name: 'User-Agent', value: 'curl/8.5.0' }, { name: 'Accept', value: '*/*' }] });
    const bytes = serializeRequest(req);
    expect(t(bytes)).toBe('GET / HTTP/1.1\r\nHost: 10.0.1.100\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n');
    expect(bytes.length).toBe(73);
    expect([...bytes.subarray(0, 4)]).toEqual([0x47, 0x45, 0x54, 0x20]); // "GET "
    expect([...bytes.subarray(-4)]).toEqual([0x0d, 0x0a, 0x0d, 0x0a]);
    expect({ ...one('request', t(bytes)), framing: 'none' }).toEqual(req);
  });

  it('serialises a response with Content-Length added by the builder', () => {
    const res = httpResponse({ headers: [{ name: 'Server', value: 'nginx/1.24.0' }, { name: 'Content-Type', value: 'text/plain' }], body: 'web1\n' });
    expect(t(serializeResponse(res))).toBe('HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nweb1\n');
    expect(t(serializeResponse(httpResponse({ status: 204 })))).toBe('HTTP/1.1 204 No Content\r\n\r\n');
    expect(t(serializeResponse(httpResponse({ status: 299 })))).toBe('HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n');
    expect(summarizeHttp(res)).toBe('HTTP/1.1 200 OK (5 bytes)');
    expect(summarizeHttp(httpRequest({ method: 'POST', target: '/a', body: 'xy' }))).toBe('POST /a HTTP/1.1 (2 bytes)');
  });

  it('parses a request line by line: method, target, version, headers in order with duplicates', () => {
    const m = one('request', 'GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.1.1.1\r\naccept:   */*  \r\nx-forwarded-for: 2.2.2.2\r\n\r\n') as HttpRequest;
    expect(m).toMatchObject({ kind: 'request', method: 'GET', target: '/a?b=1', minor: 1, framing: 'none' });
    expect(m.headers).toEqual([
      { name: 'Host', value: 'x' },
      { name: 'X-Forwarded-For', value: '1.1.1.1' },
      { name: 'accept', value: '*/*' }, // OWS around the value removed (RFC 9112 5)
      { name: 'x-forwarded-for', value: '2.2.2.2' },
    ]);
    expect(getHeader(m.headers, 'ACCEPT')).toBe('*/*');
    expect(getHeaders(m.headers, 'X-FORWARDED-FOR')).toEqual(['1.1.1.1', '2.2.2.2']);
    expect(getHeader(m.headers, 'Cookie')).toBeNull();
  });

  it('accepts bare LF line ends and ignores empty lines before a request (RFC 9112 2.2)', () => {
    const m = one('request', '\r\n\nGET / HTTP/1.0\nHost: a\n\n');
    expect(m).toMatchObject({ method: 'GET', minor: 0, headers: [{ name: 'Host', value: 'a' }] });
  });
});


const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,16}$/);
const headerName = token.filter((n) => !['content-length', 'transfer-encoding'].includes(n.toLowerCase()));
const headerValue = fc.oneof(fc.constant(''), fc.stringMatching(/^[!-~\u0080-\u00ff]([ \t!-~\u0080-\u00ff]{0,30}[!-~\u0080-\u00ff])?$/));
const headers = fc.array(fc.record({ name: headerName, value: headerValue }), { maxLength: 8 });
const body = fc.uint8Array({ maxLength: 300 });

const request = fc
  .record({
    method: token,
    target: fc.stringMatching(/^\/[!-~]{0,40}$/),
    minor: fc.constantFrom(0, 1),
    headers,
    body,
  })
  .map((r) => httpRequest(r));

const response = fc
  .record({
    status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
    reason: fc.stringMatching(/^[ -~\u0080-\u00ff]{0,20}$/),
    minor: fc.constantFrom(0, 1),
    headers,
    body,
  })
  .map((r) => httpResponse(r));

/** The value a parse gives back: the framing the serialised headers imply. */
function framed<T extends HttpMessage>(m: T): T {
  return { ...m, framing: getHeader(m.headers, 'Content-Length') !== null ? 'length' : 'none' };
}

const cuts = fc.array(fc.nat({ max: 5000 }), { maxLength: 12 });

describe('properties', () => {
  it('requests round-trip: parse(serialize(r)) equals r', () => {
    fc.assert(
      fc.property(request, (r) => {
        const out = parseAll('request', serializeRequest(r));
        expect(out).toEqual([{ ok: true, value: framed(r) }]);
      }),
      { numRuns: 300 },
    );
  });

  it('responses round-trip: parse(serialize(r)) equals r, and serialize(parse(bytes)) gives the bytes back', () => {
    fc.assert(
      fc.property(response, (r) => {
        const bytes = serializeResponse(r);
        const out = parseAll('response', bytes);
        expect(out).toEqual([{ ok: true, value: framed(r) }]);
        expect(serializeResponse((out[0] as { value: HttpResponse }).value)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('any chunking of a stream of pipelined messages gives the same messages', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 5 }), cuts, (rs, cs) => {
        const parts = rs.map(serializeRequest);
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) {
          all.set(p, o);
          o += p.length;
        }
        const whole = parseAll('request', all);
        expect(whole).toEqual(rs.map((r) => ({ ok: true, value: framed(r) })));
        expect(parseAll('request', all, cs)).toEqual(whole);
        // byte by byte as well
        expect(parseAll('request', all, Array.from({ length: all.length }, (_, i) => i))).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  it('chunked bodies survive any chunking and dechunk to their payload', () => {
    const chunked = fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 5 });
    fc.assert(
      fc.property(chunked, cuts, (chunks, cs) => {
        let raw = '';
        for (const c of chunks) raw += `${c.length.toString(16)}\r\n${t(c)}\r\n`;
        raw += '0\r\n\r\n';
        const stream = b(`POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${raw}GET / HTTP/1.1\r\n\r\n`);
        const out = parseAll('request', stream, cs);
        expect(out.length).toBe(2);
        const m = out[0]!;
        expect(m.ok && t(m.value.body)).toBe(raw);
        const d = dechunk(b(raw));
        expect(d.ok && t(d.value)).toBe(chunks.map(t).join(''));
      }),
      { numRuns: 200 },
    );
  });

  /** Whatever the bytes, the parser returns messages then at most one error, with an offset inside the input. */
  function checkHostile(mode: 'request' | 'response', bytes: Uint8Array, cs: number[]) {
    const out = parseAll(mode, bytes, cs);
    const errors = out.filter((x) => !x.ok);
    expect(errors.length).toBeLessThanOrEqual(1);
    if (errors.length) {
      expect(out[out.length - 1]!.ok).toBe(false);
      const e = (errors[0] as { error: { offset: number; status: number; reason: string } }).error;
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.offset).toBeLessThanOrEqual(bytes.length);
      expect([400, 413, 414, 431, 501, 505, 502]).toContain(e.status);
      expect(e.reason.length).toBeGreaterThan(0);
    }
    for (const r of out) if (r.ok) serializeHttp(r.value);
  }

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('request' as const, 'response' as const), cuts, (bytes, mode, cs) => checkHostile(mode, bytes, cs)),
      { numRuns: 500 },
    );
  });

  it('HTTP-shaped noise never throws', () => {
    const piece = fc.constantFrom('GET', 'POST', ' ', '/', 'HTTP/1.1', 'HTTP/1.0', '200', ' OK', '\r\n', '\n', '\r', ':', ': ', 'Content-Length', 'Transfer-Encoding', 'chunked', '0', '5', 'ff', 'a', ';', 'Host', ',', '\t', '\u0000', '\u00ff');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.constantFrom('request' as const, 'response' as const), cuts, (ps, mode, cs) => checkHostile(mode, b(ps.join('')), cs)),
      { numRuns: 500 },
    );
  });

  it('mutated and truncated valid messages never throw', () => {
    fc.assert(
      fc.property(request, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), cuts, (r, flips, cut, cs) => {
        const bytes = serializeRequest(r).slice();
        for (const [at, v] of flips) bytes[at % bytes.length] = v;
        checkHostile('request', bytes.subarray(0, 1 + (cut % bytes.length)), cs);
      }),
      { numRuns: 300 },
    );
  });
});

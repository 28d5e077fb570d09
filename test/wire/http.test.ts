/**
 * The HTTP/1.1 codec: known-answer bytes, header semantics, framing
 * (Content-Length, chunked passed through, read until close, HEAD, 1xx, 204),
 * keep-alive rules, malformed input with exact offsets and statuses, and
 * property tests: round trips, arbitrary chunking, hostile bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HttpParser,
  addForwardedFor,
  dechunk,
  getHeader,
  getHeaders,
  hasToken,
  httpRequest,
  httpResponse,
  keepAlive,
  latin1Bytes,
  latin1Text,
  parseHttp,
  serializeHttp,
  serializeRequest,
  serializeResponse,
  setHeader,
  summarizeHttp,
  withHeader,
  type HttpMessage,
  type HttpParsed,
  type HttpRequest,
  type HttpResponse,
} from '../../src/wire/http.js';

const b = latin1Bytes;
const t = latin1Text;

/** Feeds bytes to a fresh parser, then ends the stream; returns every result. */
function parseAll(mode: 'request' | 'response', bytes: Uint8Array, cuts: number[] = []): HttpParsed[] {
  const p = new HttpParser(mode);
  const out: HttpParsed[] = [];
  let at = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((x, y) => x - y), bytes.length]) {
    out.push(...p.feed(bytes.subarray(at, c)));
    at = c;
  }
  const e = p.end();
  if (e) out.push(e);
  return out;
}

function one(mode: 'request' | 'response', s: string): HttpMessage {
  const r = parseAll(mode, b(s));
  expect(r.length).toBe(1);
  if (!r[0]!.ok) throw new Error(`parse failed: ${JSON.stringify(r[0]!.error)}`);
  return r[0]!.value;
}

function err(mode: 'request' | 'response', s: string) {
  const r = parseAll(mode, b(s));
  const e = r.find((x) => !x.ok);
  if (!e || e.ok) throw new Error(`expected an error for ${JSON.stringify(s)}, got ${JSON.stringify(r)}`);
  return e.error;
}

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

describe('header helpers', () => {
  it('X-Forwarded-For is appended to the last line, or added at the end', () => {
    const r0 = httpRequest({ headers: [{ name: 'Host', value: 'a' }] });
    const r1 = addForwardedFor(r0, '10.0.0.1');
    expect(r1.headers).toEqual([{ name: 'Host', value: 'a' }, { name: 'X-Forwarded-For', value: '10.0.0.1' }]);
    const r2 = addForwardedFor(r1, '10.0.0.254');
    expect(getHeader(r2.headers, 'x-forwarded-for')).toBe('10.0.0.1, 10.0.0.254');
    const r3 = withHeader(r2, 'X-Forwarded-Proto', 'http');
    expect(r3.headers.map((h) => h.name)).toEqual(['Host', 'X-Forwarded-For', 'X-Forwarded-Proto']);
    expect(setHeader(r3, 'host', 'b').headers.map((h) => `${h.name}: ${h.value}`)).toEqual(['X-Forwarded-For: 10.0.0.1, 10.0.0.254', 'X-Forwarded-Proto: http', 'host: b']);
    expect(r0.headers.length).toBe(1); // values are not mutated
  });

  it('keep-alive follows RFC 9112 9.3', () => {
    const req = (v: string, conn?: string) => one('request', `GET / HTTP/${v}\r\n${conn ? `Connection: ${conn}\r\n` : ''}\r\n`);
    expect(keepAlive(req('1.1'))).toBe(true);
    expect(keepAlive(req('1.1', 'close'))).toBe(false);
    expect(keepAlive(req('1.1', 'Upgrade, CLOSE'))).toBe(false);
    expect(keepAlive(req('1.0'))).toBe(false);
    expect(keepAlive(req('1.0', 'Keep-Alive'))).toBe(true);
    expect(keepAlive(one('response', 'HTTP/1.1 200 OK\r\n\r\nabc'))).toBe(false); // read until close
    expect(hasToken([{ name: 'Connection', value: 'keep-alive, Upgrade' }], 'connection', 'upgrade')).toBe(true);
  });
});

describe('message framing (RFC 9112 6.3)', () => {
  it('Content-Length bodies, several pipelined messages in one chunk', () => {
    const r = parseAll('request', b('POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\nPUT /c HTTP/1.1\r\nContent-Length: 0\r\n\r\n'));
    expect(r.map((x) => x.ok && `${(x.value as HttpRequest).method} ${t(x.value.body)} ${x.value.framing}`)).toEqual(['POST abc length', 'GET  none', 'PUT  length']);
  });

  it('a chunked body is kept raw (extensions and trailers included) and dechunk gives its payload', () => {
    const raw = '4;name=v\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n';
    const m = one('response', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${raw}`);
    expect(m.framing).toBe('chunked');
    expect(t(m.body)).toBe(raw);
    const d = dechunk(m.body);
    expect(d.ok && t(d.value)).toBe('Wikipedia in\r\n\r\nchunks.');
    // Passed on unchanged: the serialised message is the same bytes.
    expect(t(serializeHttp(m))).toBe(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${raw}`);
    const next = parseAll('request', b(`POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nGET /2 HTTP/1.1\r\n\r\n`));
    expect(next.map((x) => x.ok && x.value.framing)).toEqual(['chunked', 'none']);
  });

  it('a response without framing runs until the close; HEAD, 1xx, 204 and 304 responses have no body', () => {
    const p = new HttpParser('response');
    p.expectResponseTo('HEAD');
    p.expectResponseTo('GET');
    p.expectResponseTo('GET');
    const r = p.feed(b('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\nHTTP/1.1 200 OK\r\n\r\nuntil close'));
    expect(r.map((x) => x.ok && `${(x.value as HttpResponse).status} ${x.value.body.length}`)).toEqual(['200 0', '100 0', '304 0']);
    expect(p.partial).toBe(true);
    const e = p.end()!;
    expect(e.ok && [e.value.framing, t(e.value.body)]).toEqual(['close', 'until close']);
    expect(p.end()).toBeNull();
  });

  it('a stream cut short in a body or a head is an error at end(); an idle stream is not', () => {
    expect(err('request', 'POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc')).toMatchObject({ offset: 42, reason: 'the connection closed before the end of the body', status: 400 });
    expect(err('request', 'GET / HTT')).toMatchObject({ offset: 9, status: 400 });
    expect(parseAll('request', b('\r\n'))).toEqual([]);
    expect(parseHttp('request', new Uint8Array(0))).toBeNull();
  });
});

describe('malformed input: offset, reason, status', () => {
  const cases: [string, 'request' | 'response', string, number, number, RegExp][] = [
    ['space before the colon', 'request', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 20, 400, /whitespace between a field name and its colon/],
    ['obs-fold', 'request', 'GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n', 22, 400, /obsolete line folding/],
    ['no colon', 'request', 'GET / HTTP/1.1\r\nHost\r\n\r\n', 20, 400, /invalid character in a field name/],
    ['NUL in a value', 'request', 'GET / HTTP/1.1\r\nA: b\u0000c\r\n\r\n', 20, 400, /control character in the value of A/],
    ['bare CR in a value', 'request', 'GET / HTTP/1.1\r\nA: b\rc\r\n\r\n', 20, 400, /control character/],
    ['HTTP/2.0', 'request', 'GET / HTTP/2.0\r\n\r\n', 11, 505, /HTTP\/2\.0 is not HTTP\/1\.x/],
    ['lowercase version', 'request', 'GET / http/1.1\r\n\r\n', 6, 400, /not of the form/],
    ['two spaces', 'request', 'GET  / HTTP/1.1\r\n\r\n', 4, 400, /request target is missing/],
    ['no target', 'request', 'GET\r\n\r\n', 3, 400, /not followed by a single space/],
    ['TE and CL', 'request', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', 45, 400, /smuggling/],
    ['TE not chunked', 'request', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 17, 501, /does not end with chunked/],
    ['TE in HTTP/1.0', 'request', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 17, 400, /HTTP\/1\.0/],
    ['different lengths', 'request', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 17, 400, /different values/],
    ['negative length', 'request', 'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 17, 400, /invalid Content-Length "-1"/],
    ['bad chunk size', 'request', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 47, 400, /hexadecimal size/],
    ['chunk too long', 'request', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n', 51, 400, /longer than its chunk size/],
    ['bad status', 'response', 'HTTP/1.1 2x0 OK\r\n\r\n', 10, 502, /three digits/],
    ['not HTTP at all', 'response', 'SSH-2.0-OpenSSH_9.6\r\n', 0, 502, /not of the form HTTP/],
  ];
  for (const [name, mode, input, offset, status, reason] of cases) {
    it(name, () => {
      const e = err(mode, input);
      expect(e.layer).toBe('http');
      expect([e.offset, e.status]).toEqual([offset, status]);
      expect(e.reason).toMatch(reason);
    });
  }

  it('limits: start line (414), head size and field count (431), body size (413)', () => {
    const lim = (s: string, l: ConstructorParameters<typeof HttpParser>[1]) => {
      const p = new HttpParser('request', l);
      const r = p.feed(b(s));
      return r.length ? r[r.length - 1]! : p.end()!;
    };
    const e1 = lim(`GET /${'a'.repeat(100)} HTTP/1.1\r\n\r\n`, { maxStartLine: 50 });
    expect(!e1.ok && [e1.error.status, e1.error.offset]).toEqual([414, 0]);
    const e1b = lim(`GET /${'a'.repeat(100)}`, { maxStartLine: 50 }); // no line end yet: refused without waiting
    expect(!e1b.ok && e1b.error.status).toBe(414);
    const e2 = lim(`GET / HTTP/1.1\r\n${'A: b\r\n'.repeat(5)}\r\n`, { maxHeaders: 4 });
    expect(!e2.ok && [e2.error.status, e2.error.offset, e2.error.reason]).toEqual([431, 40, 'more than 4 header fields']);
    const e3 = lim(`GET / HTTP/1.1\r\nA: ${'b'.repeat(200)}`, { maxHeaderBytes: 100 });
    expect(!e3.ok && e3.error.status).toBe(431);
    const e4 = lim('POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n', { maxBody: 999 });
    expect(!e4.ok && e4.error.status).toBe(413);
    const e5 = lim('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffff\r\n', { maxBody: 1 << 20 });
    expect(!e5.ok && e5.error.status).toBe(413);
  });

  it('after an error the parser stops', () => {
    const p = new HttpParser('request');
    expect(p.feed(b('BAD\r\n')).length).toBe(1);
    expect(p.failed).not.toBeNull();
    expect(p.feed(b('GET / HTTP/1.1\r\n\r\n'))).toEqual([]);
    expect(p.end()).toBeNull();
  });
});

// ---------------------------------------------------------------- properties

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

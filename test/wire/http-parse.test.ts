/**
 * The HTTP/1.x parser (src/wire/http-parse.ts, chunked bodies in
 * http-chunked.ts): message framing (Content-Length, chunked passed
 * through, read until close, HEAD, 1xx, 204) and malformed input with
 * exact offsets, reasons and statuses.
 */
import { describe, expect, it } from 'vitest';
import {
  HttpParser,
  dechunk,
  parseHttp,
  serializeHttp,
  type HttpRequest,
  type HttpResponse,
} from '../../src/wire/http.js';
import { b, err, one, parseAll, t } from './http-helpers.js';

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

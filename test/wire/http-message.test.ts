/**
 * The helpers on HTTP messages as values (src/wire/http-message.ts):
 * X-Forwarded-For and header edits, and the keep-alive rules of RFC 9112 9.3.
 */
import { describe, expect, it } from 'vitest';
import {
  addForwardedFor,
  getHeader,
  hasToken,
  httpRequest,
  keepAlive,
  setHeader,
  withHeader,
} from '../../src/wire/http-message.js';
import { one } from './http-helpers.js';

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

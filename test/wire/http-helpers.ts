/**
 * What the HTTP codec tests share: Latin-1 shorthands and a parser run
 * over a whole stream (optionally cut into pieces) that returns every
 * result, one message, or the first error.
 */
import { expect } from 'vitest';
import { HttpParser, latin1Bytes, latin1Text, type HttpMessage, type HttpParsed } from '../../src/wire/http.js';

/** Bytes of a Latin-1 string. */
export const b = latin1Bytes;
/** The Latin-1 text of bytes. */
export const t = latin1Text;

/** Feeds bytes to a fresh parser, then ends the stream; returns every result. */
export function parseAll(mode: 'request' | 'response', bytes: Uint8Array, cuts: number[] = []): HttpParsed[] {
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

/** The one message `s` parses to (the test fails otherwise). */
export function one(mode: 'request' | 'response', s: string): HttpMessage {
  const r = parseAll(mode, b(s));
  expect(r.length).toBe(1);
  if (!r[0]!.ok) throw new Error(`parse failed: ${JSON.stringify(r[0]!.error)}`);
  return r[0]!.value;
}

/** The error `s` parses to (the test fails when there is none). */
export function err(mode: 'request' | 'response', s: string) {
  const r = parseAll(mode, b(s));
  const e = r.find((x) => !x.ok);
  if (!e || e.ok) throw new Error(`expected an error for ${JSON.stringify(s)}, got ${JSON.stringify(r)}`);
  return e.error;
}

/**
 * The octets and character classes of HTTP/1.x syntax (RFC 9110 5.5 and
 * 5.6.2), shared by the parser, the chunked-body scanner and the header
 * helpers. Bytes are read as Latin-1, one character per octet.
 */

/** Carriage return. */
export const CR = 13;
/** Line feed. */
export const LF = 10;
/** Space. */
export const SP = 32;
/** Horizontal tab. */
export const HTAB = 9;
/** ':' after a field name. */
export const COLON = 58;
/** ';' before a chunk extension. */
export const SEMI = 59;
/** The empty byte string (one shared instance: an empty body or buffer allocates nothing). */
export const EMPTY = new Uint8Array(0);

/** RFC 9110 5.6.2 tchar: the characters of a token (methods, field names). */
export const TCHAR = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "!#$%&'*+-.^_`|~") t[ch.charCodeAt(0)] = 1;
  return t;
})();

/** RFC 9110 5.5 field-vchar plus SP / HTAB inside a value: VCHAR, obs-text; never CTLs (NUL, CR, LF, DEL...). */
export function isValueChar(c: number): boolean {
  return c === SP || c === HTAB || (c > 0x20 && c !== 0x7f);
}

/** The value of a hexadecimal digit, or -1 (chunk sizes, RFC 9112 7.1). */
export function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Latin-1: one character per octet, so every byte string round-trips. */
export function latin1(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i += 4096) out += String.fromCharCode.apply(null, b.subarray(i, Math.min(e, i + 4096)) as unknown as number[]);
  return out;
}

/** ASCII case-insensitive equality (field names are tokens, so ASCII). */
export function eqIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x >= 0x41 && x <= 0x5a) x += 32;
    if (y >= 0x41 && y <= 0x5a) y += 32;
    if (x !== y) return false;
  }
  return true;
}

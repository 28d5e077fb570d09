/**
 * Chunked transfer coding (RFC 9112 7.1): the scanner the parser runs
 * incrementally to find where a chunked body ends, and `dechunk`, which
 * gives a raw chunked body's payload.
 */
import type { HttpParsed } from './http-types.js';
import { COLON, CR, HTAB, LF, SEMI, SP, TCHAR, hexVal, isValueChar } from './http-chars.js';

/** Where a chunked-body scan is (RFC 9112 7.1); shared by the parser (incremental) and dechunk. */
export interface ChunkScan {
  /** 0 size line, 1 data, 2 the CRLF after data, 3 trailer lines, 4 done. */
  phase: number;
  /** Data bytes still to come in the current chunk. */
  left: number;
  /** Payload bytes so far (for the body limit). */
  total: number;
}

/** An error found while scanning, or -1; `at` is the buffer index of the fault. */
export interface ScanFault {
  at: number;
  reason: string;
  status: number;
}

/**
 * Advances a chunked-body scan over b[from, end). Returns the index it
 * reached (the end of the body when phase becomes 4), or a fault. `onData`
 * receives each run of payload bytes. Lines may end in CRLF or a bare LF
 * (RFC 9112 2.2 lets a recipient accept LF).
 */
export function scanChunked(b: Uint8Array, from: number, end: number, st: ChunkScan, maxBody: number, maxLine: number, onData: ((s: number, e: number) => void) | null): number | ScanFault {
  let p = from;
  while (p < end && st.phase !== 4) {
    switch (st.phase) {
      case 0: {
        // chunk-size [ chunk-ext ] CRLF; chunk-size = 1*HEXDIG
        const lf = b.indexOf(LF, p);
        if (lf < 0 || lf >= end) {
          if (end - p > maxLine) return { at: p, reason: `a chunk-size line longer than ${maxLine} bytes`, status: 400 };
          return p;
        }
        let q = p;
        let size = 0;
        while (q < lf && hexVal(b[q]!) >= 0) {
          size = size * 16 + hexVal(b[q]!);
          if (size > maxBody) return { at: p, reason: `a chunk of more than ${maxBody} bytes`, status: 413 };
          q++;
        }
        if (q === p) return { at: p, reason: 'a chunk-size line does not start with a hexadecimal size', status: 400 };
        while (q < lf && (b[q] === SP || b[q] === HTAB)) q++; // RFC 9112 7.1.1: BWS before a chunk extension
        if (q < lf && b[q] === SEMI) {
          for (q++; q < lf; q++) {
            const c = b[q]!;
            if (c === CR && q === lf - 1) break;
            if (!isValueChar(c)) return { at: q, reason: 'a control character in a chunk extension', status: 400 };
          }
        }
        if (q < lf && !(b[q] === CR && q === lf - 1)) return { at: q, reason: 'an invalid character after the chunk size', status: 400 };
        st.total += size;
        if (st.total > maxBody) return { at: p, reason: `a chunked body of more than ${maxBody} bytes`, status: 413 };
        p = lf + 1;
        st.left = size;
        st.phase = size === 0 ? 3 : 1; // last-chunk = 1*("0") [ chunk-ext ] CRLF, then the trailer section
        break;
      }
      case 1: {
        const n = Math.min(st.left, end - p);
        if (onData && n > 0) onData(p, p + n);
        p += n;
        st.left -= n;
        if (st.left === 0) st.phase = 2;
        break;
      }
      case 2: {
        // chunk-data CRLF
        if (b[p] === LF) {
          p++;
          st.phase = 0;
        } else if (b[p] === CR) {
          if (p + 1 >= end) return p;
          if (b[p + 1] !== LF) return { at: p + 1, reason: 'chunk data is not followed by CRLF', status: 400 };
          p += 2;
          st.phase = 0;
        } else {
          return { at: p, reason: 'chunk data is longer than its chunk size (no CRLF after it)', status: 400 };
        }
        break;
      }
      case 3: {
        // trailer-section = *( field-line CRLF ) CRLF (RFC 9112 7.1.2)
        const lf = b.indexOf(LF, p);
        if (lf < 0 || lf >= end) {
          if (end - p > maxLine) return { at: p, reason: `a trailer line longer than ${maxLine} bytes`, status: 431 };
          return p;
        }
        const e = lf > p && b[lf - 1] === CR ? lf - 1 : lf;
        if (e === p) {
          p = lf + 1;
          st.phase = 4;
          break;
        }
        const bad = checkFieldLine(b, p, e);
        if (bad >= 0) return { at: bad, reason: 'a malformed trailer field', status: 400 };
        p = lf + 1;
        break;
      }
      default:
        return p;
    }
  }
  return p;
}

/** The index of the first invalid byte of a field line b[s, e), or -1 when it is `token ":" OWS value OWS`. */
function checkFieldLine(b: Uint8Array, s: number, e: number): number {
  let q = s;
  while (q < e && TCHAR[b[q]!]) q++;
  if (q === s || q >= e || b[q] !== COLON) return q;
  for (q++; q < e; q++) if (!isValueChar(b[q]!)) return q;
  return -1;
}

/** The payload of a raw chunked body (as HttpParser keeps it): the chunks' data joined, or where it is malformed. */
export function dechunk(raw: Uint8Array): HttpParsed<Uint8Array> {
  const st: ChunkScan = { phase: 0, left: 0, total: 0 };
  const parts: [number, number][] = [];
  const r = scanChunked(raw, 0, raw.length, st, Number.MAX_SAFE_INTEGER, raw.length + 1, (s, e) => parts.push([s, e]));
  if (typeof r !== 'number') return { ok: false, error: { layer: 'http', offset: r.at, reason: r.reason, status: r.status } };
  if (st.phase !== 4) return { ok: false, error: { layer: 'http', offset: raw.length, reason: 'the chunked body ends before its last chunk', status: 400 } };
  const out = new Uint8Array(st.total);
  let o = 0;
  for (const [s, e] of parts) {
    out.set(raw.subarray(s, e), o);
    o += e - s;
  }
  return { ok: true, value: out };
}

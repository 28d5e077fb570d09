/**
 * The incremental HTTP/1.x parser (RFC 9112): fed the bytes of one
 * direction of a connection as TCP delivers them, in any chunking, it
 * yields each complete message. Content-Length is read exactly; a chunked
 * body is kept raw (http-chunked.ts finds its end); a response with
 * neither is read until the connection closes (`end()`).
 *
 * Like every codec in src/wire, it never throws on hostile bytes: it
 * returns an HttpError with the stream offset of the fault, a reason a
 * person can read, and the status a server would answer with (400, 413,
 * 414, 431, 501, 505; 502 for a bad response, as a proxy would say). After
 * an error the stream cannot be resynchronised, so the parser stops.
 */
import type { HttpError, HttpField, HttpFraming, HttpLimits, HttpMessage, HttpParsed } from './http-types.js';
import { HTTP_LIMITS } from './http-types.js';
import { COLON, CR, EMPTY, HTAB, LF, SP, TCHAR, eqIgnoreCase, isValueChar, latin1 } from './http-chars.js';
import { scanChunked, type ChunkScan } from './http-chunked.js';
import { getHeaders, headerList } from './http-message.js';

/** Parser states. */
const S_HEAD = 0;
const S_LENGTH = 1;
const S_CHUNKED = 2;
const S_CLOSE = 3;
const S_FAILED = 4;
const S_ENDED = 5;

/** Which messages a parser reads: what a server reads, or what a client reads. */
export type HttpParserMode = 'request' | 'response';

/**
 * An incremental HTTP/1.x parser for one direction of one connection. Feed
 * it the bytes as they arrive; it returns each complete message (or an
 * error, after which it stops). Pipelined messages in one chunk all come out.
 */
export class HttpParser {
  private buf: Uint8Array = EMPTY;
  /** Index in buf of the first unconsumed byte. */
  private pos = 0;
  /** Bytes held in buf. */
  private fill = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  private state = S_HEAD;
  /** Head scanning: index where the next line starts, lines found so far (start, end pairs). */
  private lineStart = 0;
  private lines: number[] = [];
  private headStart = 0;
  /** The message whose body is being read. */
  private head: { fields: HttpField[]; isResponse: boolean; parts: string[] } | null = null;
  private bodyStart = 0;
  private need = 0;
  private readonly chunk: ChunkScan = { phase: 0, left: 0, total: 0 };
  private readonly limits: Required<HttpLimits>;
  private readonly methods: string[] = [];
  private error: HttpError | null = null;
  private pendingMinor = 1;
  private startParts: string[] = [];

  /** Creates a parser for requests (a server's) or responses (a client's). */
  constructor(
    readonly mode: HttpParserMode,
    limits: HttpLimits = {},
  ) {
    this.limits = { ...HTTP_LIMITS, ...limits };
  }

  /** A response parser must know which request it answers: HEAD responses have no body (RFC 9112 6.3 rule 1). Call once per request sent. */
  expectResponseTo(method: string): void {
    this.methods.push(method);
  }

  /** The error that stopped the parser, or null. */
  get failed(): HttpError | null {
    return this.error;
  }

  /** Stream bytes consumed into complete messages so far. */
  get consumed(): number {
    return this.base + this.pos;
  }

  /** True when bytes of an incomplete message are buffered (a connection closing now cuts a message short). */
  get partial(): boolean {
    const st = this.state;
    return st === S_LENGTH || st === S_CHUNKED || st === S_CLOSE || (st === S_HEAD && this.fill > this.pos);
  }

  /** Feeds the next bytes of the stream (they are copied); returns the messages (and at most one error) they complete. */
  feed(chunk: Uint8Array): HttpParsed[] {
    if (this.state === S_FAILED || this.state === S_ENDED) return [];
    this.append(chunk);
    const out: HttpParsed[] = [];
    for (;;) {
      const r = this.step();
      if (r === null) break;
      out.push(r);
      if (!r.ok) break;
    }
    this.compact();
    return out;
  }

  /**
   * The stream ended (the peer's FIN): completes a response read until
   * close, reports a message cut short, or returns null when nothing was
   * pending.
   */
  end(): HttpParsed | null {
    if (this.state === S_FAILED || this.state === S_ENDED) return null;
    const st = this.state;
    this.state = S_ENDED;
    if (st === S_CLOSE) {
      const m = this.finish(this.buf.slice(this.bodyStart, this.fill), 'close');
      this.pos = this.fill;
      return { ok: true, value: m };
    }
    if (st === S_HEAD && this.fill === this.pos) return null;
    if (st === S_HEAD && this.mode === 'request' && this.onlyEmptyLines()) return null;
    return this.fail(this.fill, st === S_HEAD ? 'the connection closed in the middle of a message head' : 'the connection closed before the end of the body', 400);
  }

  private onlyEmptyLines(): boolean {
    for (let i = this.pos; i < this.fill; i++) if (this.buf[i] !== CR && this.buf[i] !== LF) return false;
    return true;
  }

  private append(chunk: Uint8Array): void {
    const need = this.fill + chunk.length;
    if (need > this.buf.length) {
      // Drop consumed bytes first; grow by doubling so long streams stay linear.
      const cap = Math.max(this.buf.length * 2, 256);
      // Bytes before the current message (or before its body, which is kept raw) are no longer needed.
      const keep = this.state === S_HEAD ? this.pos : this.bodyStart;
      const nb = new Uint8Array(Math.max(cap, this.fill - keep + chunk.length));
      nb.set(this.buf.subarray(keep, this.fill), 0);
      this.shift(keep);
      this.buf = nb;
    }
    this.buf.set(chunk, this.fill);
    this.fill += chunk.length;
  }

  /** Renumbers buffer indexes after dropping the first `d` bytes. */
  private shift(d: number): void {
    if (d === 0) return;
    this.base += d;
    this.pos -= d;
    this.fill -= d;
    this.lineStart -= d;
    this.headStart -= d;
    this.bodyStart -= d;
    for (let i = 0; i < this.lines.length; i++) this.lines[i]! -= d;
  }

  private compact(): void {
    if (this.pos > 0 && this.pos === this.fill && this.state === S_HEAD && this.lines.length === 0) {
      this.shift(this.pos);
    }
  }

  private fail(at: number, reason: string, status: number): HttpParsed {
    const s = this.mode === 'response' ? 502 : status;
    this.error = { layer: 'http', offset: this.base + at, reason, status: s };
    this.state = S_FAILED;
    return { ok: false, error: this.error };
  }

  /** One parse step: a complete message, an error, or null when more bytes are needed. */
  private step(): HttpParsed | null {
    switch (this.state) {
      case S_HEAD:
        return this.stepHead();
      case S_LENGTH: {
        if (this.fill - this.bodyStart < this.need) return null;
        const end = this.bodyStart + this.need;
        const m = this.finish(this.buf.slice(this.bodyStart, end), 'length');
        this.pos = end;
        this.state = S_HEAD;
        this.lineStart = end;
        return { ok: true, value: m };
      }
      case S_CHUNKED: {
        const lim = this.limits;
        const r = scanChunked(this.buf, this.pos, this.fill, this.chunk, lim.maxBody, lim.maxHeaderBytes, null);
        if (typeof r !== 'number') return this.fail(r.at, r.reason, r.status);
        this.pos = r;
        if (this.chunk.phase !== 4) return null;
        const m = this.finish(this.buf.slice(this.bodyStart, r), 'chunked');
        this.state = S_HEAD;
        this.lineStart = r;
        return { ok: true, value: m };
      }
      case S_CLOSE: {
        if (this.fill - this.bodyStart > this.limits.maxBody) return this.fail(this.bodyStart + this.limits.maxBody, `a body of more than ${this.limits.maxBody} bytes`, 413);
        this.pos = this.fill;
        return null;
      }
      default:
        return null;
    }
  }

  private stepHead(): HttpParsed | null {
    const b = this.buf;
    const lim = this.limits;
    if (this.lines.length === 0) {
      // RFC 9112 2.2: a server ignores at least one empty line before the request-line (some clients send CRLF after a POST body).
      let p = this.pos;
      if (this.mode === 'request') {
        for (;;) {
          if (p < this.fill && b[p] === LF) p++;
          else if (b[p] === CR && p + 1 < this.fill && b[p + 1] === LF) p += 2;
          else break;
        }
      }
      this.pos = p;
      this.lineStart = p;
      this.headStart = p;
    }
    for (;;) {
      const s = this.lineStart;
      const lf = s < this.fill ? b.indexOf(LF, s) : -1;
      if (lf < 0 || lf >= this.fill) {
        if (this.lines.length === 0 && this.fill - s > lim.maxStartLine) {
          return this.fail(s, `the ${this.mode === 'request' ? 'request' : 'status'} line is longer than ${lim.maxStartLine} bytes`, 414);
        }
        if (this.fill - this.headStart > lim.maxHeaderBytes) return this.fail(this.headStart, `the message head is longer than ${lim.maxHeaderBytes} bytes`, 431);
        return null;
      }
      // RFC 9112 2.2: CRLF ends a line; a bare LF is accepted, a bare CR elsewhere is an error (checked per element).
      const e = lf > s && b[lf - 1] === CR ? lf - 1 : lf;
      this.lineStart = lf + 1;
      if (lf + 1 - this.headStart > lim.maxHeaderBytes) return this.fail(this.headStart, `the message head is longer than ${lim.maxHeaderBytes} bytes`, 431);
      if (this.lines.length === 0 && e - s > lim.maxStartLine) {
        return this.fail(s, `the ${this.mode === 'request' ? 'request' : 'status'} line is longer than ${lim.maxStartLine} bytes`, 414);
      }
      if (e === s && this.lines.length > 0) break; // the empty line ending the head
      this.lines.push(s, e);
      if (this.lines.length === 2) {
        // The start line is judged as soon as it is complete, so a peer that does not speak HTTP fails at once.
        const bad = this.parseStart(s, e);
        if (bad) return bad;
      }
      if (this.lines.length / 2 - 1 > lim.maxHeaders) return this.fail(s, `more than ${lim.maxHeaders} header fields`, 431);
    }
    const lines = this.lines;
    this.lines = [];
    const bodyAt = this.lineStart;
    return this.parseHead(lines, bodyAt);
  }

  /** Parses the start line b[ls, le) into startParts and pendingMinor; returns an error, or null when it is valid. */
  private parseStart(ls: number, le: number): HttpParsed | null {
    const b = this.buf;
    let parts: string[];
    let minor: number;
    const isResponse = this.mode === 'response';
    if (!isResponse) {
      // RFC 9112 3: request-line = method SP request-target SP HTTP-version
      let q = ls;
      while (q < le && TCHAR[b[q]!]) q++;
      if (q === ls) return this.fail(ls, 'the request line does not start with a method token', 400);
      if (q >= le || b[q] !== SP) return this.fail(q, 'the method is not followed by a single space', 400);
      const method = latin1(b, ls, q);
      const ts = ++q;
      while (q < le && b[q]! > 0x20 && b[q]! < 0x7f) q++; // RFC 9112 3.2: the target has no whitespace or controls
      if (q === ts) return this.fail(ts, 'the request target is missing', 400);
      if (q >= le || b[q] !== SP) return this.fail(q, q >= le ? 'the request line has no HTTP version' : 'an invalid character in the request target', 400);
      const target = latin1(b, ts, q);
      const v = this.version(q + 1, le);
      if (typeof v !== 'number') return v;
      minor = v;
      parts = [method, target];
    } else {
      // RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
      if (le - ls < 8) return this.fail(ls, 'the status line is too short to hold a version', 400);
      const v = this.version(ls, ls + 8);
      if (typeof v !== 'number') return v;
      minor = v;
      let q = ls + 8;
      if (q >= le || b[q] !== SP) return this.fail(q, 'the version is not followed by a space and a status code', 400);
      q++;
      if (le - q < 3) return this.fail(q, 'the status code is not three digits', 400);
      let status = 0;
      for (let i = 0; i < 3; i++) {
        const c = b[q + i]!;
        if (c < 0x30 || c > 0x39) return this.fail(q + i, 'the status code is not three digits', 400);
        status = status * 10 + c - 0x30;
      }
      if (status < 100) return this.fail(q, `the status code ${String(status).padStart(3, '0')} is below 100`, 400);
      q += 3;
      let reason = '';
      if (q < le) {
        if (b[q] !== SP) return this.fail(q, 'the status code is not followed by a space', 400);
        for (let i = q + 1; i < le; i++) if (!isValueChar(b[i]!)) return this.fail(i, 'a control character in the reason phrase', 400);
        reason = latin1(b, q + 1, le);
      } // RFC 9112 4: a status line without the space before an empty reason is accepted
      parts = [String(status), reason];
    }
    this.startParts = parts;
    this.pendingMinor = minor;
    return null;
  }

  private parseHead(lines: number[], bodyAt: number): HttpParsed | null {
    const b = this.buf;
    const isResponse = this.mode === 'response';
    const parts = this.startParts;
    const minor = this.pendingMinor;
    // RFC 9112 5: field-line = field-name ":" OWS field-value OWS
    const fields: HttpField[] = [];
    const fieldAt: number[] = [];
    for (let i = 2; i < lines.length; i += 2) {
      const s = lines[i]!;
      const e = lines[i + 1]!;
      const c0 = b[s]!;
      if (c0 === SP || c0 === HTAB) return this.fail(s, 'a header line starts with whitespace (obsolete line folding is rejected, RFC 9112 5.2)', 400);
      let q = s;
      while (q < e && TCHAR[b[q]!]) q++;
      if (q === s) return this.fail(s, 'a header line has no field name', 400);
      if (q >= e || b[q] !== COLON) {
        const ws = q < e && (b[q] === SP || b[q] === HTAB);
        return this.fail(q, ws ? 'whitespace between a field name and its colon (RFC 9112 5.1)' : 'an invalid character in a field name', 400);
      }
      const name = latin1(b, s, q);
      let vs = q + 1;
      let ve = e;
      for (let k = vs; k < ve; k++) if (!isValueChar(b[k]!)) return this.fail(k, `a control character in the value of ${name} (RFC 9110 5.5)`, 400);
      while (vs < ve && (b[vs] === SP || b[vs] === HTAB)) vs++;
      while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
      fields.push({ name, value: latin1(b, vs, ve) });
      fieldAt.push(s);
    }
    this.head = { fields, isResponse, parts };
    return this.framing(fields, fieldAt, minor, bodyAt);
  }

  /** HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3, case-sensitive); returns the minor version or an error. */
  private version(s: number, e: number): number | HttpParsed {
    const b = this.buf;
    const ok = e - s === 8 && b[s] === 0x48 && b[s + 1] === 0x54 && b[s + 2] === 0x54 && b[s + 3] === 0x50 && b[s + 4] === 0x2f && b[s + 6] === 0x2e;
    const major = b[s + 5]! - 0x30;
    const minor = b[s + 7]! - 0x30;
    if (!ok || major < 0 || major > 9 || minor < 0 || minor > 9) return this.fail(s, 'the HTTP version is not of the form HTTP/x.y', 400);
    if (major !== 1) return this.fail(s + 5, `HTTP/${major}.${minor} is not HTTP/1.x`, 505); // RFC 9110 15.6.6
    return minor;
  }

  /** Decides the body length (RFC 9112 6.3) and moves to the matching state; returns the message at once when it has no body. */
  private framing(fields: HttpField[], fieldAt: number[], minor: number, bodyAt: number): HttpParsed | null {
    const h = this.head!;
    const lim = this.limits;
    this.bodyStart = bodyAt;
    this.pos = bodyAt;
    let noBody = false;
    if (h.isResponse) {
      const status = Number(h.parts[0]);
      const interim = status >= 100 && status < 200;
      const method = interim ? this.methods[0] : this.methods.shift();
      // RFC 9112 6.3 rule 1: HEAD responses, 1xx, 204 and 304 end with the head.
      noBody = interim || status === 204 || status === 304 || method === 'HEAD';
    }
    const te = headerList(fields, 'Transfer-Encoding');
    const cls = getHeaders(fields, 'Content-Length');
    // Errors point at the first line of the field concerned.
    const lineOf = (name: string) => {
      for (let i = 0; i < fields.length; i++) if (eqIgnoreCase(fields[i]!.name, name)) return fieldAt[i]!;
      return bodyAt;
    };
    if (!noBody && te.length > 0) {
      const chunked = eqIgnoreCase(te[te.length - 1]!, 'chunked');
      if (!h.isResponse) {
        // RFC 9112 6.1: TE in HTTP/1.0 means faulty framing; 6.3 rule 3: TE with CL may be smuggling; rule 4: TE not ending in chunked.
        if (minor === 0) return this.fail(lineOf('Transfer-Encoding'), 'Transfer-Encoding in an HTTP/1.0 request', 400);
        if (cls.length > 0) return this.fail(lineOf('Content-Length'), 'both Transfer-Encoding and Content-Length (a request smuggling risk, RFC 9112 6.3)', 400);
        if (!chunked) return this.fail(lineOf('Transfer-Encoding'), 'a Transfer-Encoding that does not end with chunked', te.some((t) => !eqIgnoreCase(t, 'chunked')) ? 501 : 400);
      }
      if (chunked && minor >= 1) {
        this.chunk.phase = 0;
        this.chunk.left = 0;
        this.chunk.total = 0;
        this.state = S_CHUNKED;
        return this.step();
      }
      this.state = S_CLOSE; // RFC 9112 6.3 rule 4 (response): read until the connection closes
      return this.step();
    }
    if (!noBody && cls.length > 0) {
      // RFC 9110 8.6: Content-Length = 1*DIGIT; identical repeated values may be accepted, differing ones are an error.
      let len = -1;
      for (const v of cls) {
        for (const part of v.split(',')) {
          const t = part.trim();
          if (!/^[0-9]{1,15}$/.test(t)) return this.fail(lineOf('Content-Length'), `an invalid Content-Length "${t.slice(0, 40)}"`, 400);
          const n = Number(t);
          if (len >= 0 && n !== len) return this.fail(lineOf('Content-Length'), 'Content-Length fields with different values (RFC 9112 6.3)', 400);
          len = n;
        }
      }
      if (len > lim.maxBody) return this.fail(lineOf('Content-Length'), `a body of ${len} bytes is more than the limit of ${lim.maxBody}`, 413);
      this.need = len;
      this.state = S_LENGTH;
      return this.step();
    }
    if (!noBody && h.isResponse) {
      this.state = S_CLOSE; // RFC 9112 6.3 rule 8: a response without framing runs to the close
      return this.step();
    }
    // RFC 9112 6.3 rule 7: a request without either has no body.
    const m = this.finish(EMPTY, 'none');
    this.state = S_HEAD;
    this.lineStart = bodyAt;
    return { ok: true, value: m };
  }

  private finish(body: Uint8Array, framing: HttpFraming): HttpMessage {
    const h = this.head!;
    this.head = null;
    const minor = this.pendingMinor;
    if (h.isResponse) {
      return { kind: 'response', minor, status: Number(h.parts[0]), reason: h.parts[1]!, headers: h.fields, body, framing };
    }
    return { kind: 'request', method: h.parts[0]!, target: h.parts[1]!, minor, headers: h.fields, body, framing };
  }
}

/** Parses one complete message from bytes (all of a stream, ending with its close), for tests and tools. */
export function parseHttp(mode: HttpParserMode, bytes: Uint8Array, limits?: HttpLimits): HttpParsed | null {
  const p = new HttpParser(mode, limits);
  const r = p.feed(bytes);
  if (r.length > 0) return r[0]!;
  return p.end();
}

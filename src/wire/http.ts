/**
 * HTTP/1.1 messages as text on a TCP byte stream (RFC 9112, with the
 * semantics of RFC 9110): values for requests and responses, their exact
 * serialisation, and an incremental parser that is fed the bytes as TCP
 * delivers them (in any chunking) and yields complete messages.
 *
 * Header fields are a list, in the order received, duplicates kept (an L7
 * proxy appends X-Forwarded-For to what it got); lookups are
 * case-insensitive. Bytes are read as Latin-1, one character per octet, so
 * any octet survives a parse and a serialisation unchanged.
 *
 * Bodies: Content-Length is read exactly; a chunked body is scanned chunk by
 * chunk only to find where it ends and is kept as the raw bytes (sizes,
 * extensions and trailers included) so a proxy passes it on intact;
 * `dechunk` gives its payload. A response with neither is read until the
 * connection closes (`end()`).
 *
 * Like every codec in src/wire, the parser never throws on hostile bytes:
 * it returns an HttpError with the stream offset of the fault, a reason a
 * person can read, and the status a server would answer with (400, 413,
 * 414, 431, 501, 505; 502 for a bad response, as a proxy would say). After
 * an error the stream cannot be resynchronised, so the parser stops.
 */

/** One header field line as received or to be sent: the name keeps its case, the value has no surrounding whitespace. */
export interface HttpField {
  readonly name: string;
  readonly value: string;
}

/** How a parsed message's body was delimited (RFC 9112 6.3). */
export type HttpFraming = 'none' | 'length' | 'chunked' | 'close';

/** An HTTP/1.x request as a value. */
export interface HttpRequest {
  readonly kind: 'request';
  /** The method token, case-sensitive ("GET"). */
  readonly method: string;
  /** The request-target as sent ("/index.html", "http://a/b", "*"). */
  readonly target: string;
  /** The minor version: HTTP/1.<minor> (lblab speaks only major version 1). */
  readonly minor: number;
  readonly headers: readonly HttpField[];
  /** The body bytes; for a chunked body, the raw chunked encoding. */
  readonly body: Uint8Array;
  /** How the body was delimited ('none' for a value built here, until the serialised bytes are parsed). */
  readonly framing: HttpFraming;
}

/** An HTTP/1.x response as a value. */
export interface HttpResponse {
  readonly kind: 'response';
  readonly minor: number;
  /** The three-digit status code. */
  readonly status: number;
  /** The reason phrase, possibly empty. */
  readonly reason: string;
  readonly headers: readonly HttpField[];
  /** The body bytes; for a chunked body, the raw chunked encoding. */
  readonly body: Uint8Array;
  readonly framing: HttpFraming;
}

/** A request or a response. */
export type HttpMessage = HttpRequest | HttpResponse;

/** What is wrong with an HTTP byte stream: where, why, and the status a server (or proxy) answers. */
export interface HttpError {
  readonly layer: 'http';
  /** Byte offset of the fault from the start of the stream (all chunks fed so far). */
  readonly offset: number;
  readonly reason: string;
  /** 400, 413, 414, 431, 501 or 505 for a bad request; 502 for a bad response. */
  readonly status: number;
}

/** A parsed message, or the reason the bytes are not one (compatible with wire's Decoded). */
export type HttpParsed<T = HttpMessage> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: HttpError };

/** Limits that protect a parser from hostile peers; the defaults follow common servers. */
export interface HttpLimits {
  /** Bytes of the start line (default 8190, Apache LimitRequestLine): longer is 414 in a request. */
  readonly maxStartLine?: number;
  /** Bytes of the whole head, start line and fields (default 16384, Node's max header size): more is 431. */
  readonly maxHeaderBytes?: number;
  /** Number of header fields (default 100, Apache LimitRequestFields): more is 431. */
  readonly maxHeaders?: number;
  /** Body bytes (default 16 MiB): more is 413. */
  readonly maxBody?: number;
}

/** The default parser limits. */
export const HTTP_LIMITS: Required<HttpLimits> = { maxStartLine: 8190, maxHeaderBytes: 16384, maxHeaders: 100, maxBody: 16 * 1024 * 1024 };

/** Reason phrases of the status codes lblab uses (RFC 9110 section 15). */
export const HTTP_REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 58;
const SEMI = 59;
const EMPTY = new Uint8Array(0);

/** RFC 9110 5.6.2 tchar: the characters of a token (methods, field names). */
const TCHAR = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "!#$%&'*+-.^_`|~") t[ch.charCodeAt(0)] = 1;
  return t;
})();

/** RFC 9110 5.5 field-vchar plus SP / HTAB inside a value: VCHAR, obs-text; never CTLs (NUL, CR, LF, DEL...). */
function isValueChar(c: number): boolean {
  return c === SP || c === HTAB || (c > 0x20 && c !== 0x7f);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Latin-1: one character per octet, so every byte string round-trips. */
function latin1(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i += 4096) out += String.fromCharCode.apply(null, b.subarray(i, Math.min(e, i + 4096)) as unknown as number[]);
  return out;
}

/** ASCII case-insensitive equality (field names are tokens, so ASCII). */
function eqIgnoreCase(a: string, b: string): boolean {
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

// ---------------------------------------------------------------- header fields

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

// ---------------------------------------------------------------- serialisation

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

// ---------------------------------------------------------------- chunked bodies

/** Where a chunked-body scan is (RFC 9112 7.1); shared by the parser (incremental) and dechunk. */
interface ChunkScan {
  /** 0 size line, 1 data, 2 the CRLF after data, 3 trailer lines, 4 done. */
  phase: number;
  /** Data bytes still to come in the current chunk. */
  left: number;
  /** Payload bytes so far (for the body limit). */
  total: number;
}

/** An error found while scanning, or -1; `at` is the buffer index of the fault. */
interface ScanFault {
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
function scanChunked(b: Uint8Array, from: number, end: number, st: ChunkScan, maxBody: number, maxLine: number, onData: ((s: number, e: number) => void) | null): number | ScanFault {
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

// ---------------------------------------------------------------- the parser

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

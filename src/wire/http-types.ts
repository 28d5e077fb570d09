/**
 * The values of HTTP/1.x (RFC 9112, semantics of RFC 9110): requests,
 * responses and their header fields, the error a parser reports, its
 * limits, and the reason phrases lblab sends. http-parse.ts reads bytes
 * into these values; http-serialize.ts writes them back out.
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

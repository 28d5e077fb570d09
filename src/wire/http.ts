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
 *
 * This file is the entry: the values are in http-types.ts, the helpers on
 * them in http-message.ts, the bytes out in http-serialize.ts, the bytes in
 * in http-parse.ts (chunked bodies in http-chunked.ts).
 */
export * from './http-types.js';
export * from './http-message.js';
export * from './http-serialize.js';
export { dechunk } from './http-chunked.js';
export * from './http-parse.js';

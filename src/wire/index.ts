/**
 * The public API of src/wire: frame types, addresses, checksums, builders,
 * rewrites, the encoder and decoder, and the summaries people read. Other
 * folders may import from here or from the individual modules.
 */
export * from './types.js';
export * from './addr.js';
export * from './checksum.js';
export * from './build.js';
export * from './rewrite.js';
export * from './encode.js';
export * from './decode.js';
export * from './summary.js';
export * from './http.js';
export * from './dns.js';
export * from './vrrp.js';
export * from './ipvs-sync.js';

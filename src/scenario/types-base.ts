/**
 * The small value types every part of the checked scenario uses (addresses,
 * durations, source positions, link endpoints, resolved names); types.ts
 * re-exports them, so other modules import them from there.
 */
/** An IPv4 address as an unsigned 32-bit number. */
export type Addr = number;
/** A MAC address as a 48-bit number. */
export type Mac = number;
/** A duration or an instant in integer nanoseconds. */
export type Nanos = number;

/** Where an element was written: file, 1-based line and column. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** An address with its prefix length. */
export interface Prefix {
  readonly addr: Addr;
  readonly len: number;
}

/** One end of a link: a node and one of its interfaces (or switch ports). */
export interface Endpoint {
  readonly node: string;
  readonly iface: string;
}

/** A name resolved to an address, kept with how it was written. */
export interface Target {
  /** As written: `web1`, `web1:eth0`, `vip:shop`, `10.0.2.13`. */
  readonly text: string;
  readonly addr: Addr;
  /** What the text named; 'name' is a DNS name, looked up at run time (its addr is 0). */
  readonly kind: 'node' | 'iface' | 'vip' | 'address' | 'name';
  /** The node named (for node and iface), or the LB (for vip); null for a raw address. */
  readonly node: string | null;
  /** The interface (iface), or the service name (vip); null otherwise. */
  readonly detail: string | null;
}

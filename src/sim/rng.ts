/**
 * Seeded random streams. Every consumer draws from its own named stream
 * derived from the scenario seed and the stream's name, so adding a node or
 * a client never changes the draws of another. The generator is sfc32
 * (Chris Doty-Humphrey's small fast counting generator), seeded through
 * splitmix32 from a 32-bit FNV-1a hash of the name: stable across versions
 * and machines, which grading depends on.
 */

/** FNV-1a, 32-bit, over the UTF-16 code units of a string: the documented stable hash for names. */
export function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** One deterministic random stream. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds the stream from a 32-bit number. */
  constructor(seed: number) {
    const st = { s: seed >>> 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st) | 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** The next unsigned 32-bit value (sfc32). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.next() / 4294967296;
  }

  /** An integer in [0, n) without modulo bias (n up to 2^32). */
  int(n: number): number {
    if (n <= 1) return 0;
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const v = this.next();
      if (v < limit) return v % n;
    }
  }

  /** An exponentially distributed value with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** A normally distributed value (Box-Muller). */
  normal(mean: number, stddev: number): number {
    const u = 1 - this.float();
    const v = this.float();
    return mean + stddev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }
}

/** The named streams of one simulation, all derived from one seed. */
export class RngStreams {
  private readonly streams = new Map<string, Rng>();

  /** Creates the stream family for a seed. */
  constructor(readonly seed: number) {}

  /** The stream for a consumer name, created on first use. */
  stream(name: string): Rng {
    let r = this.streams.get(name);
    if (!r) {
      r = new Rng(fnv1a32(name, fnv1a32(String(this.seed >>> 0))));
      this.streams.set(name, r);
    }
    return r;
  }
}

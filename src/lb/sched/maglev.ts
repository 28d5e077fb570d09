/**
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable
 * Software Network Load Balancer", NSDI 2016, section 3.4). A lookup table
 * of M slots (M prime, default 65537) maps hash(flow) mod M to a server.
 * Each server has a preference order over the slots, a permutation given
 * by offset = h1(name) mod M and skip = h2(name) mod (M - 1) + 1 (h1 =
 * FNV-1a 32, h2 = Jenkins one-at-a-time, over the name's UTF-8 bytes); the
 * servers take turns, each claiming its next preferred slot that is still
 * free, until the table is full. Every server ends with M/N slots give or
 * take one, and removing one of N servers moves about 1/N of the flows.
 * Weights (optional, on by default) give a server `weight` turns per round.
 *
 * The table is built over the available servers only. pick() notices when
 * availability or weights changed since the build and rebuilds in place
 * (no allocation unless the pool grew); onBackendsChanged() rebuilds at once.
 */
import { fmtIp } from '../../wire/addr.js';
import { AVAIL, availability, type Backend, type FlowKey } from './backend.js';
import { fnv1a32Bytes, hashFlow, jenkinsOaat, nameBytes, type HashKey } from './flow-hash.js';
import { hex32, resized, SchedulerBase, type SchedulerName } from './scheduler.js';

/** The default Maglev lookup-table size: 65537, the prime the paper uses for small pools. */
export const MAGLEV_DEFAULT_M = 65537;

/** Options of the Maglev scheduler. */
export interface MaglevOptions {
  /** Lookup-table size M; must be prime (the paper: M prime and much larger than the pool, M >= 100 N). */
  readonly tableSize?: number;
  /** What is hashed to find the slot: the 4-tuple (default, per connection) or the source IP (per client). */
  readonly key?: HashKey;
  /** Whether a server gets `weight` turns per round of the table build (default true); false = one turn each. */
  readonly weighted?: boolean;
}

/** True when n is a prime number (trial division; table sizes are small). */
export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** A server's Maglev permutation parameters: offset = fnv1a(name) mod M, skip = oaat(name) mod (M-1) + 1. */
export function maglevPermutation(name: string, m: number): { offset: number; skip: number } {
  const bytes = nameBytes(name);
  // Maglev paper 3.4: offset <- h1(name) mod M, skip <- h2(name) mod (M - 1) + 1, with two different hashes.
  return { offset: fnv1a32Bytes(bytes) % m, skip: (jenkinsOaat(bytes) % (m - 1)) + 1 };
}

/** Maglev consistent hashing over the available servers. */
export class Maglev extends SchedulerBase {
  /** Which algorithm this is. */
  readonly name: SchedulerName = 'maglev';
  /** The table size M. */
  readonly m: number;
  /** What is hashed. */
  readonly key: HashKey;
  /** Whether weights give extra turns. */
  readonly weighted: boolean;
  /** slot -> backend index (-1 while empty). */
  private entry: Int32Array;
  private offset: Float64Array = new Float64Array(0);
  private skip: Float64Array = new Float64Array(0);
  private nextPref: Float64Array = new Float64Array(0);
  /** Availability and weight per index the table was built for. */
  private builtCode: Uint8Array = new Uint8Array(0);
  private builtWeight: Float64Array = new Float64Array(0);
  private builtN = -1;
  private builtNames: string[] = [];
  private builds = 0;
  private hash = 0;
  private slot = 0;
  private src = 0;
  private sport = 0;
  private dst = 0;
  private dport = 0;

  /** A Maglev scheduler with table size M (prime), hash key and weighting. */
  constructor(opts: MaglevOptions = {}) {
    super();
    this.m = opts.tableSize ?? MAGLEV_DEFAULT_M;
    if (!isPrime(this.m)) throw new Error(`maglev: table size must be prime, got ${this.m}`);
    this.key = opts.key ?? '4tuple';
    this.weighted = opts.weighted ?? true;
    this.entry = new Int32Array(this.m).fill(-1);
  }

  protected choose(flow: FlowKey, backends: readonly Backend[]): number {
    if (this.stale(backends)) this.build(backends);
    this.src = flow.src;
    this.sport = flow.sport;
    this.dst = flow.dst;
    this.dport = flow.dport;
    this.hash = hashFlow(flow, this.key);
    // Maglev 3.4: the flow's slot is hash mod M; the table entry there is its server.
    this.slot = this.hash % this.m;
    return this.entry[this.slot]!;
  }

  /** Rebuilds the table for the pool's current availability and weights. */
  override onBackendsChanged(backends: readonly Backend[]): void {
    super.onBackendsChanged(backends);
    this.build(backends);
  }

  /** Forgets the table and builds it afresh. */
  override reset(backends: readonly Backend[]): void {
    super.reset(backends);
    this.build(backends);
  }

  /** The lookup table for this pool (slot -> backend index, -1 where no server is available); read-only by contract. */
  table(backends: readonly Backend[]): Int32Array {
    this.build(backends);
    return this.entry;
  }

  /** How many times the table has been built (for tests and the trace). */
  get buildCount(): number {
    return this.builds;
  }

  protected override grow(n: number): void {
    super.grow(n);
    const cap = this.code.length;
    this.offset = resized(this.offset, cap);
    this.skip = resized(this.skip, cap);
    this.nextPref = resized(this.nextPref, cap);
    this.builtCode = resized(this.builtCode, cap);
    this.builtWeight = resized(this.builtWeight, cap);
  }

  protected label(): string {
    return 'maglev';
  }

  protected describe(): { reason: string; text: string; numbers: Record<string, number> } {
    const input =
      this.key === 'src'
        ? fmtIp(this.src)
        : `${fmtIp(this.src)}, ${fmtIp(this.dst)}, ${this.sport}, ${this.dport}`;
    return {
      reason: 'maglev-slot',
      text:
        `hash fnv1a(${input})=${hex32(this.hash)} -> slot ${this.slot} of ${this.m} -> ${this.nameOf(this.picked)}` +
        ` (table built over ${this.avail} available server${this.avail === 1 ? '' : 's'}${this.skippedSuffix()})`,
      numbers: { hash: this.hash, slot: this.slot, tableSize: this.m, available: this.avail },
    };
  }

  /** True when the last capture differs from what the table was built for. */
  private stale(backends: readonly Backend[]): boolean {
    if (this.builtN !== this.n) return true;
    for (let i = 0; i < this.n; i++) {
      if (this.builtNames[i] !== backends[i]!.name) return true;
      if (this.builtCode[i] !== this.code[i]) return true;
      if (this.code[i] === AVAIL.OK && this.weighted && this.builtWeight[i] !== this.wt[i]) return true;
    }
    return false;
  }

  /** Populates the table from the pool as it is now (Maglev paper, Pseudocode 1); leaves the last pick's numbers alone. */
  private build(backends: readonly Backend[]): void {
    const m = this.m;
    const n = backends.length;
    if (n > this.builtCode.length) this.grow(n);
    const entry = this.entry;
    entry.fill(-1);
    let turnsPerRound = 0;
    for (let i = 0; i < n; i++) {
      const b = backends[i]!;
      const c = availability(b);
      this.builtCode[i] = c;
      this.builtWeight[i] = b.weight;
      this.builtNames[i] = b.name;
      if (c !== AVAIL.OK) continue;
      const p = maglevPermutation(b.name, m);
      this.offset[i] = p.offset;
      this.skip[i] = p.skip;
      this.nextPref[i] = 0; // Pseudocode 1: next[i] <- 0
      turnsPerRound += this.weighted ? b.weight : 1;
    }
    this.builtN = n;
    this.builtNames.length = n;
    this.builds++;
    if (turnsPerRound === 0) return;
    let filled = 0;
    for (;;) {
      for (let i = 0; i < n; i++) {
        if (this.builtCode[i] !== AVAIL.OK) continue;
        const turns = this.weighted ? this.builtWeight[i]! : 1; // weighted Maglev: a server of weight w takes w turns per round
        for (let t = 0; t < turns; t++) {
          const off = this.offset[i]!;
          const sk = this.skip[i]!;
          let j = this.nextPref[i]!;
          // Pseudocode 1: c <- permutation[i][next[i]] = (offset + next * skip) mod M; skip slots already taken.
          let c = (off + j * sk) % m;
          while (entry[c]! >= 0) {
            j++;
            c = (off + j * sk) % m;
          }
          entry[c] = i;
          this.nextPref[i] = j + 1;
          if (++filled === m) return;
        }
      }
    }
  }
}

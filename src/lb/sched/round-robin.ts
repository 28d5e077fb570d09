/**
 * Round robin: the available servers in configured order, one each. The
 * scheduler remembers only the index it picked last and continues after it,
 * so when servers leave or come back the order simply resumes, as IPVS rr
 * does (net/netfilter/ipvs/ip_vs_rr.c keeps a cursor into the server list
 * and scans forward from it, skipping servers that cannot take work).
 */
import { AVAIL, AVAIL_WORDS, type Backend, type FlowKey } from './backend.js';
import { SchedulerBase, type SchedulerName } from './scheduler.js';

/** Round robin over the available servers in configured order (IPVS rr). */
export class RoundRobin extends SchedulerBase {
  /** Which algorithm this is. */
  readonly name: SchedulerName = 'round-robin';
  /** The index picked last; -1 before the first pick. */
  private last = -1;
  /** `last` as it was before the latest pick (for explain). */
  private from = -1;

  protected choose(_flow: FlowKey, _backends: readonly Backend[]): number {
    const n = this.n;
    this.from = this.last;
    // IPVS rr: scan forward from the server after the last one picked, wrapping, and take the first that can accept work.
    const start = this.last < 0 ? 0 : (this.last + 1) % n;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (this.code[i] === AVAIL.OK) {
        this.last = i;
        return i;
      }
    }
    return -1;
  }

  /** Starts over at the first server. */
  override reset(backends: readonly Backend[]): void {
    super.reset(backends);
    this.last = -1;
    this.from = -1;
  }

  protected label(): string {
    return 'round robin';
  }

  protected describe(): { reason: string; text: string; numbers: Record<string, number> } {
    const p = this.picked;
    const name = this.nameOf(p);
    const numbers: Record<string, number> = { previous: this.from, available: this.avail };
    if (this.from < 0) {
      return { reason: 'rr-first', text: `${name} is the first available server in configured order${this.skippedBefore(-1, p)}`, numbers };
    }
    if (this.from === p) {
      return { reason: 'rr-next', text: `next after ${name} is ${name} again: it is the only available server${this.skippedSuffix()}`, numbers };
    }
    return { reason: 'rr-next', text: `next after ${this.nameOf(this.from)} is ${name}${this.skippedBefore(this.from, p)}`, numbers };
  }

  /** " (web2 down, skipped)" for the servers passed over between `from` and `to`. */
  private skippedBefore(from: number, to: number): string {
    const out: string[] = [];
    const n = this.n;
    for (let i = (from + 1) % n; i !== to; i = (i + 1) % n) {
      out.push(`${this.nameOf(i)} ${AVAIL_WORDS[this.code[i]!]}`);
    }
    return out.length ? ` (skipped ${out.join(', ')})` : '';
  }
}

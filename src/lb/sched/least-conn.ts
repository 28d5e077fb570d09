/**
 * Least connections, plain and weighted, as IPVS computes them (the kernel
 * wins where it is more precise than the textbook "fewest connections"): each server's
 * "overhead" is active * 256 + inactive (ip_vs_dest_conn_overhead in
 * include/net/ip_vs.h), so the fewest active connections decide, and among
 * equals the fewest inactive ones (connections in their handshake, closing
 * or in TIME_WAIT). Without that second term, simultaneous SYNs, which
 * IPVS counts as inactive until ESTABLISHED, would all go to the lowest
 * index. The weighted variant compares overhead / weight without dividing
 * (a.oh * b.weight < b.oh * a.weight); remaining ties go to the lowest index.
 */
import { AVAIL, type Backend, type FlowKey } from './backend.js';
import { SchedulerBase, type SchedulerName } from './scheduler.js';

/** Least connections: fewest active connections, ties to the lowest index. */
export class LeastConnections extends SchedulerBase {
  /** Which algorithm this is. */
  readonly name: SchedulerName = 'least-conn';

  protected choose(_flow: FlowKey, _backends: readonly Backend[]): number {
    let best = -1;
    for (let i = 0; i < this.n; i++) {
      if (this.code[i] !== AVAIL.OK) continue;
      // IPVS lc: smallest overhead; strictly smaller replaces, so ties stay with the lowest index (IPVS scans in list order too).
      if (best < 0 || this.overhead(i) < this.overhead(best)) best = i;
    }
    return best;
  }

  protected label(): string {
    return 'least connections';
  }

  protected describe(): { reason: string; text: string; numbers: Record<string, number> } {
    const p = this.picked;
    const others: string[] = [];
    const tied: string[] = [];
    const numbers: Record<string, number> = {};
    for (let i = 0; i < this.n; i++) {
      if (this.code[i] !== AVAIL.OK) continue;
      numbers[`active.${this.nameOf(i)}`] = this.act[i]!;
      numbers[`inactive.${this.nameOf(i)}`] = this.inact[i]!;
      if (i === p) continue;
      others.push(this.inact[i]! > 0 ? `${this.nameOf(i)} ${this.counts(i)}` : `${this.nameOf(i)} ${this.act[i]}`);
      if (this.overhead(i) === this.overhead(p)) tied.push(this.nameOf(i));
    }
    const tie = tied.length ? `, tied with ${tied.join(', ')}: the lowest index wins` : '';
    const rest = others.length ? ` (${others.join(', ')})` : ' (the only available server)';
    return {
      reason: tied.length ? 'lc-fewest-tie' : 'lc-fewest',
      text: `${this.nameOf(p)} has ${this.counts(p)}${tie}${rest}${this.skippedSuffix()}`,
      numbers,
    };
  }
}

/** Weighted least connections: smallest active / weight (compared by cross-multiplying), ties to the lowest index. */
export class WeightedLeastConnections extends SchedulerBase {
  /** Which algorithm this is. */
  readonly name: SchedulerName = 'weighted-least-conn';

  protected choose(_flow: FlowKey, _backends: readonly Backend[]): number {
    let best = -1;
    for (let i = 0; i < this.n; i++) {
      if (this.code[i] !== AVAIL.OK) continue;
      // IPVS wlc: overhead/weight without division: i beats best when oh[i]*wt[best] < oh[best]*wt[i] (loh * h->weight > doh * least->weight).
      if (best < 0 || this.overhead(i) * this.wt[best]! < this.overhead(best) * this.wt[i]!) best = i;
    }
    return best;
  }

  protected label(): string {
    return 'weighted least connections';
  }

  protected describe(): { reason: string; text: string; numbers: Record<string, number> } {
    const p = this.picked;
    const ratio = (i: number): string => `${this.act[i]}/${this.wt[i]} = ${(this.act[i]! / this.wt[i]!).toFixed(2)}`;
    const others: string[] = [];
    const tied: string[] = [];
    const numbers: Record<string, number> = {};
    for (let i = 0; i < this.n; i++) {
      if (this.code[i] !== AVAIL.OK) continue;
      numbers[`active.${this.nameOf(i)}`] = this.act[i]!;
      numbers[`weight.${this.nameOf(i)}`] = this.wt[i]!;
      if (i === p) continue;
      others.push(`${this.nameOf(i)} ${ratio(i)}`);
      if (this.act[i]! * this.wt[p]! === this.act[p]! * this.wt[i]!) tied.push(this.nameOf(i));
    }
    const tie = tied.length ? `, tied with ${tied.join(', ')}: the lowest index wins` : '';
    const rest = others.length ? ` (${others.join(', ')})` : ' (the only available server)';
    return {
      reason: tied.length ? 'wlc-lowest-ratio-tie' : 'wlc-lowest-ratio',
      text: `${this.nameOf(p)} has active/weight ${ratio(p)}${tie}${rest}${this.skippedSuffix()}`,
      numbers,
    };
  }
}

/**
 * Least connections, plain and weighted, as DOMAIN.md section 4 defines
 * them: the fewest active connections wins; the weighted variant compares
 * active / weight without dividing (a.active * b.weight < b.active * a.weight);
 * ties go to the lowest index.
 *
 * IPVS differs on purpose, and docs/schedulers.md says how: its lc and wlc
 * compare an "overhead" of active * 256 + inactive (ip_vs_dest_conn_overhead
 * in include/net/ip_vs.h), so TIME_WAIT connections count a little. lblab
 * compares active connections only, which is what the lesson teaches.
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
      // DOMAIN.md 4: fewest active; strictly fewer replaces, so ties stay with the lowest index (IPVS lc scans in list order too).
      if (best < 0 || this.act[i]! < this.act[best]!) best = i;
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
      if (i === p) continue;
      others.push(`${this.nameOf(i)} ${this.act[i]}`);
      if (this.act[i] === this.act[p]) tied.push(this.nameOf(i));
    }
    const tie = tied.length ? `, tied with ${tied.join(', ')}: the lowest index wins` : '';
    const rest = others.length ? ` (${others.join(', ')})` : ' (the only available server)';
    return {
      reason: tied.length ? 'lc-fewest-tie' : 'lc-fewest',
      text: `${this.nameOf(p)} has ${this.act[p]} active${tie}${rest}${this.skippedSuffix()}`,
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
      // DOMAIN.md 4: active/weight without division: i beats best when act[i]*wt[best] < act[best]*wt[i] (IPVS wlc: loh * h->weight > doh * least->weight).
      if (best < 0 || this.act[i]! * this.wt[best]! < this.act[best]! * this.wt[i]!) best = i;
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

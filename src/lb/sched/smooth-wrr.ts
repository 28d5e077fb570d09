/**
 * Weighted round robin, smooth: nginx's algorithm (ngx_http_upstream_round_robin.c,
 * ngx_http_upstream_get_peer). Each pick, every available server's current
 * weight grows by its weight; the largest current wins (ties: lowest
 * index); the winner gives back the total. Weights 5:1:1 give
 * a a b a c a a, not a a a a a b c, and over any W = sum-of-weights picks
 * each server is picked exactly its weight times.
 *
 * Unavailable servers are skipped and their current weight stays frozen, as
 * nginx skips a down peer; when the weights or the pool size change
 * (reconfiguration) every current weight restarts at 0, as nginx builds
 * fresh peers on reload.
 */
import { AVAIL, type Backend, type FlowKey } from './backend.js';
import { resized, SchedulerBase, type SchedulerName } from './scheduler.js';

/** Smooth weighted round robin (nginx). */
export class SmoothWeightedRoundRobin extends SchedulerBase {
  /** Which algorithm this is. */
  readonly name: SchedulerName = 'weighted-round-robin';
  /** Current weight per index (after the last pick). */
  private cur: Float64Array = new Float64Array(0);
  /** Current weight per index just before the winner gave back the total (for explain). */
  private before: Float64Array = new Float64Array(0);
  /** Weights the current weights were built for; a change restarts them. */
  private cfgWeight: Float64Array = new Float64Array(0);
  /** Pool size the current weights were built for. */
  private cfgN = -1;
  /** Sum of the available servers' weights at the last pick. */
  private total = 0;

  protected choose(_flow: FlowKey, _backends: readonly Backend[]): number {
    const n = this.n;
    if (n !== this.cfgN || this.weightsChanged()) this.restart();
    let best = -1;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (this.code[i] !== AVAIL.OK) continue; // nginx: down peers neither gain nor compete
      const w = this.wt[i]!;
      this.cur[i] = this.cur[i]! + w; // nginx: peer->current_weight += peer->effective_weight
      total += w;
      if (best < 0 || this.cur[i]! > this.cur[best]!) best = i; // nginx: strictly larger, so ties stay with the lowest index
    }
    for (let i = 0; i < n; i++) this.before[i] = this.cur[i]!;
    this.cur[best] = this.cur[best]! - total; // nginx: best->current_weight -= total
    this.total = total;
    return best;
  }

  /** Restarts every current weight at 0. */
  override reset(backends: readonly Backend[]): void {
    super.reset(backends);
    this.cfgN = -1;
  }

  protected override grow(n: number): void {
    super.grow(n);
    const cap = this.code.length;
    this.cur = resized(this.cur, cap);
    this.before = resized(this.before, cap);
    this.cfgWeight = resized(this.cfgWeight, cap);
  }

  protected label(): string {
    return 'smooth weighted round robin';
  }

  protected describe(): { reason: string; text: string; numbers: Record<string, number> } {
    const p = this.picked;
    const parts: string[] = [];
    const numbers: Record<string, number> = { total: this.total };
    for (let i = 0; i < this.n; i++) {
      if (this.code[i] !== AVAIL.OK) continue;
      parts.push(`${this.nameOf(i)} ${fmtNum(this.before[i]!)}`);
      numbers[`current.${this.nameOf(i)}`] = this.before[i]!;
    }
    const text =
      `current weights after adding each weight: ${parts.join(', ')}; ` +
      `${this.nameOf(p)} has the largest (${fmtNum(this.before[p]!)}) and gives back the total ${fmtNum(this.total)}, ` +
      `leaving ${fmtNum(this.before[p]! - this.total)}${this.skippedSuffix()}`;
    return { reason: 'wrr-largest-current', text, numbers };
  }

  private weightsChanged(): boolean {
    for (let i = 0; i < this.n; i++) if (this.cfgWeight[i] !== this.wt[i]) return true;
    return false;
  }

  private restart(): void {
    for (let i = 0; i < this.cur.length; i++) this.cur[i] = 0;
    for (let i = 0; i < this.n; i++) this.cfgWeight[i] = this.wt[i]!;
    this.cfgN = this.n;
  }
}

function fmtNum(x: number): string {
  return String(x);
}

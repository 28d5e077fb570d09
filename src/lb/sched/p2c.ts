/**
 * Power of two random choices (Mitzenmacher, "The Power of Two Choices in
 * Randomized Load Balancing", 2001; as in Envoy's LEAST_REQUEST and
 * nginx's `random two least_conn`): draw two distinct available servers at
 * random and send the connection to the one with fewer active connections
 * (tie: the lower index). Nearly as good as least connections, without a
 * scan of every server's count in a real, distributed LB. The random draws
 * come from a seeded `Rng` stream, so a run replays exactly.
 */
import type { Rng } from '../../sim/rng.js';
import type { Backend, FlowKey } from './backend.js';
import { SchedulerBase, type SchedulerName } from './scheduler.js';

/** Power of two random choices over the available servers, from a seeded stream. */
export class PowerOfTwo extends SchedulerBase {
  /** Which algorithm this is. */
  readonly name: SchedulerName = 'power-of-two';
  private a = -1;
  private b = -1;

  /** A P2C scheduler drawing from `rng` (give it its own named stream: RngStreams.stream('lb1:p2c')). */
  constructor(private readonly rng: Rng) {
    super();
  }

  protected choose(_flow: FlowKey, _backends: readonly Backend[]): number {
    const k = this.avail;
    if (k === 1) {
      // With a single candidate there is nothing to draw; the stream is left untouched.
      this.a = this.b = this.nthAvailable(0);
      return this.a;
    }
    // Two distinct ranks among the k available servers: the second draw is over the k-1 others.
    const ra = this.rng.int(k);
    let rb = this.rng.int(k - 1);
    if (rb >= ra) rb++;
    const a = this.nthAvailable(ra);
    const b = this.nthAvailable(rb);
    this.a = a;
    this.b = b;
    const na = this.act[a]!;
    const nb = this.act[b]!;
    // P2C: fewer active connections wins; equal counts go to the lower index.
    if (na < nb) return a;
    if (nb < na) return b;
    return a < b ? a : b;
  }

  protected label(): string {
    return 'power of two';
  }

  protected describe(): { reason: string; text: string; numbers: Record<string, number> } {
    const p = this.picked;
    const numbers: Record<string, number> = { drawnA: this.a, drawnB: this.b, activeA: this.act[this.a]!, activeB: this.act[this.b]! };
    if (this.a === this.b) {
      return { reason: 'p2c-single', text: `${this.nameOf(p)} is the only available server (${this.act[p]} active), nothing to draw${this.skippedSuffix()}`, numbers };
    }
    const tie = this.act[this.a] === this.act[this.b] ? ' (equal: the lower index wins)' : '';
    return {
      reason: tie ? 'p2c-tie' : 'p2c-fewer',
      text: `drew ${this.nameOf(this.a)} (${this.act[this.a]} active) and ${this.nameOf(this.b)} (${this.act[this.b]} active) -> ${this.nameOf(p)}${tie}`,
      numbers,
    };
  }
}

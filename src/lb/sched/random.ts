/**
 * Uniform random choice among the available servers, from a seeded stream:
 * the baseline that power-of-two choices improves on (and what a DNS client
 * picking any address of a record set amounts to).
 */
import type { Rng } from '../../sim/rng.js';
import type { Backend, FlowKey } from './backend.js';
import { SchedulerBase, type SchedulerName } from './scheduler.js';

/** Uniform random choice among the available servers (seeded). */
export class RandomChoice extends SchedulerBase {
  /** Which algorithm this is. */
  readonly name: SchedulerName = 'random';
  private rank = 0;

  /** A random scheduler drawing from `rng`. */
  constructor(private readonly rng: Rng) {
    super();
  }

  protected choose(_flow: FlowKey, _backends: readonly Backend[]): number {
    this.rank = this.avail === 1 ? 0 : this.rng.int(this.avail);
    return this.nthAvailable(this.rank);
  }

  protected label(): string {
    return 'random';
  }

  protected describe(): { reason: string; text: string; numbers: Record<string, number> } {
    return {
      reason: 'random-draw',
      text: `drew position ${this.rank} of ${this.avail} available -> ${this.nameOf(this.picked)}${this.skippedSuffix()}`,
      numbers: { rank: this.rank, available: this.avail },
    };
  }
}

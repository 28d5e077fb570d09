/**
 * Least response time: the fewest active connections, weighted by a moving
 * average of measured response time. The score of a server is
 *
 *     score = (active + 1) * ewma
 *
 * (the expected time to serve one more request if it queues behind the
 * active ones), and the lowest score wins; ties go to the lowest index. The
 * "+1" makes an idle fast server beat an idle slow one, which plain
 * active * ewma (0 for both) could not. `ewma` is the backend's
 * `rtEwmaNs`, fed by observeResponse() with alpha = 1/8 (RFC 6298's SRTT
 * smoothing). A server with no measurement yet uses a neutral default: the
 * configured `defaultResponseNs`, else the mean ewma of the measured
 * available servers, else (nobody measured) the same value for everyone,
 * which makes the rule plain least connections.
 *
 * Weights only decide availability here (0 = no new connections).
 */
import { AVAIL, type Backend, type FlowKey } from './backend.js';
import { resized, SchedulerBase, type SchedulerName } from './scheduler.js';
import { fmtDuration } from '../../sim/time.js';

/** Options of the least-response-time scheduler. */
export interface LeastResponseOptions {
  /** Response time assumed for servers with no measurement yet (ns); default: the mean of the measured ones. */
  readonly defaultResponseNs?: number;
}

/** Least response time: lowest (active + 1) * ewma response time, ties to the lowest index. */
export class LeastResponseTime extends SchedulerBase {
  /** Which algorithm this is. */
  readonly name: SchedulerName = 'least-response-time';
  private rt: Float64Array = new Float64Array(0);
  private measured: Uint8Array = new Uint8Array(0);
  private dflt = 1;
  /** Where the default came from: 0 configured, 1 mean of measured, 2 nobody measured. */
  private dfltKind = 2;

  /** A least-response-time scheduler. */
  constructor(private readonly opts: LeastResponseOptions = {}) {
    super();
  }

  protected choose(_flow: FlowKey, backends: readonly Backend[]): number {
    const n = this.n;
    let sum = 0;
    let cnt = 0;
    for (let i = 0; i < n; i++) {
      const b = backends[i]!;
      const has = b.rtSamples > 0;
      this.measured[i] = has ? 1 : 0;
      this.rt[i] = b.rtEwmaNs;
      if (has && this.code[i] === AVAIL.OK) {
        sum += b.rtEwmaNs;
        cnt++;
      }
    }
    if (this.opts.defaultResponseNs !== undefined) {
      this.dflt = this.opts.defaultResponseNs;
      this.dfltKind = 0;
    } else if (cnt > 0) {
      this.dflt = sum / cnt;
      this.dfltKind = 1;
    } else {
      this.dflt = 1;
      this.dfltKind = 2;
    }
    for (let i = 0; i < n; i++) if (this.measured[i] === 0) this.rt[i] = this.dflt;
    let best = -1;
    let bestScore = 0;
    for (let i = 0; i < n; i++) {
      if (this.code[i] !== AVAIL.OK) continue;
      const s = (this.act[i]! + 1) * this.rt[i]!; // score = (active + 1) * ewma; strictly lower wins, so ties keep the lowest index
      if (best < 0 || s < bestScore) {
        best = i;
        bestScore = s;
      }
    }
    return best;
  }

  protected override grow(n: number): void {
    super.grow(n);
    this.rt = resized(this.rt, this.code.length);
    this.measured = resized(this.measured, this.code.length);
  }

  protected label(): string {
    return 'least response time';
  }

  protected describe(): { reason: string; text: string; numbers: Record<string, number> } {
    const p = this.picked;
    const none = this.dfltKind === 2;
    const term = (i: number): string => {
      const a = this.act[i]!;
      if (none) return `${this.nameOf(i)} ${a} active`;
      const rt = fmtDuration(Math.round(this.rt[i]!));
      const note = this.measured[i] ? '' : ' (not measured yet: default)';
      return `${this.nameOf(i)} (${a}+1) x ${rt}${note} = ${fmtDuration(Math.round((a + 1) * this.rt[i]!))}`;
    };
    const others: string[] = [];
    const numbers: Record<string, number> = { defaultNs: this.dflt };
    for (let i = 0; i < this.n; i++) {
      if (this.code[i] !== AVAIL.OK) continue;
      numbers[`score.${this.nameOf(i)}`] = (this.act[i]! + 1) * this.rt[i]!;
      if (i !== p) others.push(term(i));
    }
    if (none) {
      const rest = others.length ? ` (${others.join(', ')})` : ' (the only available server)';
      return {
        reason: 'lrt-unmeasured',
        text: `no response time measured yet, so the fewest active connections decides: ${term(p)}${rest}${this.skippedSuffix()}`,
        numbers,
      };
    }
    const rest = others.length ? `; ${others.join(', ')}` : ' (the only available server)';
    return {
      reason: 'lrt-lowest-score',
      text: `lowest (active+1) x response time is ${term(p)}${rest}${this.skippedSuffix()}`,
      numbers,
    };
  }
}

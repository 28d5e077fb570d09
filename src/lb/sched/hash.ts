/**
 * Hash scheduling by source IP or by 4-tuple: the server is
 * hash mod (number of AVAILABLE servers), counted over the available
 * servers in configured order. It is reproducible by hand (flow-hash.ts,
 * docs/schedulers.md), and it shows why consistent hashing exists: when a
 * server leaves, the modulus changes and almost every client moves.
 *
 * IPVS sh differs: it hashes the address into a 256-bucket table that is
 * filled round-robin with servers (weights give a server more buckets) and,
 * with the sh-fallback flag, re-hashes when a bucket's server is down
 * (ip_vs_sh.c). lblab keeps the textbook modulus so the numbers stay small.
 */
import { fmtIp } from '../../wire/addr.js';
import type { Backend, FlowKey } from './backend.js';
import { hashSrcIp, hashTuple4, type HashKey } from './flow-hash.js';
import { hex32, SchedulerBase, type SchedulerName } from './scheduler.js';

/** Modulo hashing of the source IP or the 4-tuple over the available servers. */
export class HashScheduler extends SchedulerBase {
  /** Which algorithm this is. */
  readonly name: SchedulerName;
  private hash = 0;
  private slot = 0;
  private src = 0;
  private dst = 0;
  private sport = 0;
  private dport = 0;

  /** A hash scheduler over the source IP ('src', named source-hash) or the 4-tuple ('4tuple', tuple-hash). */
  constructor(readonly key: HashKey) {
    super();
    this.name = key === 'src' ? 'source-hash' : 'tuple-hash';
  }

  protected choose(flow: FlowKey, _backends: readonly Backend[]): number {
    this.src = flow.src;
    this.dst = flow.dst;
    this.sport = flow.sport;
    this.dport = flow.dport;
    this.hash = this.key === 'src' ? hashSrcIp(flow.src) : hashTuple4(flow.src, flow.dst, flow.sport, flow.dport);
    // The k-th available server in configured order, k = hash mod (number available): mod over the AVAILABLE servers.
    this.slot = this.hash % this.avail;
    return this.nthAvailable(this.slot);
  }

  protected label(): string {
    return this.key === 'src' ? 'source hash' : '4-tuple hash';
  }

  protected describe(): { reason: string; text: string; numbers: Record<string, number> } {
    const p = this.picked;
    const input =
      this.key === 'src'
        ? fmtIp(this.src)
        : `${fmtIp(this.src)}, ${fmtIp(this.dst)}, ${this.sport}, ${this.dport}`;
    let where = '';
    if (this.avail !== this.n) {
      const names: string[] = [];
      for (let i = 0; i < this.n; i++) if (this.code[i] === 0) names.push(this.nameOf(i));
      where = ` (position ${this.slot} among the available ${names.join(', ')})`;
    }
    return {
      reason: this.key === 'src' ? 'sh-mod' : 'tuple-hash-mod',
      text: `fnv1a(${input})=${hex32(this.hash)} mod ${this.avail} = ${this.slot} -> ${this.nameOf(p)}${where}${this.skippedSuffix()}`,
      numbers: { hash: this.hash, modulus: this.avail, slot: this.slot },
    };
  }
}

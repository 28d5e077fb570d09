/**
 * The keys of the load balancer's tables, made of numbers only: the
 * connection table is looked up for every packet the LB sees, so no key
 * is ever a string.
 */
import { IPPROTO } from '../wire/types.js';

const TWO16 = 65536;

/** A two-level map keyed by (addr, port, addr, port, proto) without building strings. */
export class TupleMap<T> {
  private readonly outer = new Map<number, Map<number, T>>();
  size = 0;

  get(a: number, ap: number, b: number, bp: number, proto: number): T | undefined {
    return this.outer.get(a * TWO16 + ap)?.get((b * TWO16 + bp) * 2 + (proto === IPPROTO.TCP ? 1 : 0));
  }

  set(a: number, ap: number, b: number, bp: number, proto: number, v: T): void {
    const k = a * TWO16 + ap;
    let m = this.outer.get(k);
    if (!m) {
      m = new Map();
      this.outer.set(k, m);
    }
    const k2 = (b * TWO16 + bp) * 2 + (proto === IPPROTO.TCP ? 1 : 0);
    if (!m.has(k2)) this.size++;
    m.set(k2, v);
  }

  delete(a: number, ap: number, b: number, bp: number, proto: number): void {
    const k = a * TWO16 + ap;
    const m = this.outer.get(k);
    if (m && m.delete((b * TWO16 + bp) * 2 + (proto === IPPROTO.TCP ? 1 : 0))) {
      this.size--;
      if (m.size === 0) this.outer.delete(k);
    }
  }
}

/** The key of a virtual service (VIP, protocol, port) in the service table. */
export function serviceKey(vip: number, proto: number, port: number): number {
  return (vip * TWO16 + port) * 2 + (proto === IPPROTO.TCP ? 1 : 0);
}

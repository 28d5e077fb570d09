/**
 * A network: the simulation clock, the trace, and the nodes and links of
 * one scenario, with lookup by name. It hands out MAC addresses in creation
 * order (00:00:00:00:00:01, 02, ...) unless a node asks for a fixed one, so
 * the same construction always gives the same addresses.
 */
import { Sim, type RunResult, type SimOptions } from '../sim/sim.js';
import type { Nanos } from '../sim/time.js';
import { Trace } from '../trace/trace.js';
import type { Iface, NetContext, NetNode } from './iface.js';
import { Link, type LinkOptions } from './link.js';

/** Options of a network. */
export interface NetworkOptions extends SimOptions {}

/** The container of one simulated network. */
export class Network implements NetContext {
  /** The event core. */
  readonly sim: Sim;
  /** The trace every node reports to. */
  readonly trace: Trace;
  /** Nodes by name, in creation order. */
  readonly nodes = new Map<string, NetNode>();
  /** Links by name, in creation order. */
  readonly links = new Map<string, Link>();
  private nextMac = 1;

  /** Creates an empty network. */
  constructor(opts: NetworkOptions = {}) {
    this.sim = new Sim(opts);
    this.trace = new Trace(this.sim);
  }

  /** The next automatically assigned MAC address. */
  allocMac(): number {
    return this.nextMac++;
  }

  /** Registers a node; names must be unique. */
  add<T extends NetNode>(node: T): T {
    if (this.nodes.has(node.name)) throw new Error(`a node named ${node.name} already exists`);
    this.nodes.set(node.name, node);
    return node;
  }

  /** The node with this name, or null. */
  node(name: string): NetNode | null {
    return this.nodes.get(name) ?? null;
  }

  /** Connects two interfaces with a full-duplex link. */
  connect(a: Iface, b: Iface, opts: LinkOptions = {}, name?: string): Link {
    const n = name ?? `${a.label}-${b.label}`;
    if (this.links.has(n)) throw new Error(`a link named ${n} already exists`);
    const l = new Link(this, n, a, b, opts);
    this.links.set(n, l);
    return l;
  }

  /** Runs the simulation (see Sim.run). */
  run(until?: Nanos): RunResult {
    return this.sim.run(until);
  }
}

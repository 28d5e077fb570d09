/**
 * An L2 learning switch (IEEE 802.1D/802.1Q transparent bridge). It learns
 * source MACs per VLAN with aging, forwards known unicast out of one port,
 * and floods broadcast, multicast and unknown unicast to every other port
 * of the VLAN in the reverse of the order the ports were added, as a Linux
 * bridge does (net/bridge/br_if.c br_add_if() puts a new port at the head of
 * br->port_list with list_add_rcu(), and br_flood() in br_forward.c walks
 * that list from the head): this decides which of several ARP replies
 * arrives first. Forwarding takes no time (store-and-forward delay is
 * the link's serialisation). Access ports carry one VLAN untagged; trunk
 * ports carry tagged VLANs and a native VLAN untagged. There is no STP:
 * a loop of switches storms, as it would without it, until l2-loop.ts stops
 * the run with a finding that names the loop.
 */
import { fmtMac, isMulticastMac } from '../wire/addr.js';
import type { Ethernet } from '../wire/types.js';
import type { Frame } from '../trace/events.js';
import { Iface, type VlanMode } from './iface.js';
import type { Network } from './network.js';
import type { NetNode } from './node.js';
import { hashL2 } from './flow-hash.js';
import { StormWatch, STORM_RETURNS } from './l2-loop.js';

/** A learned MAC table entry. */
export interface MacEntry {
  port: Iface;
  /** When the entry was last refreshed (ns). */
  seen: number;
}

/** Options of a switch. */
export interface SwitchOptions {
  /** MAC aging time in ns (default 300 s, as 802.1D and Linux bridges). */
  readonly aging?: number;
}

/** An L2 switch. */
export class Switch implements NetNode {
  readonly kind = 'switch' as const;
  readonly ifaces: Iface[] = [];
  readonly label: string;
  /** MAC tables per VLAN: vlan -> mac -> entry. */
  readonly macTable = new Map<number, Map<number, MacEntry>>();
  readonly aging: number;
  /** Frames flooded lately, to stop a broadcast storm in a loop of switches (src/net/l2-loop.ts). */
  private readonly storm = new StormWatch(this);

  /** Creates a switch with no ports. */
  constructor(
    readonly net: Network,
    readonly name: string,
    opts: SwitchOptions = {},
  ) {
    this.label = `switch ${name}`;
    this.aging = opts.aging ?? 300e9;
  }

  /** Adds a port (access VLAN 1 unless `vlan` says otherwise). */
  addPort(name: string, vlan?: Partial<VlanMode>, mac?: number): Iface {
    const p = new Iface(this, name, mac ?? this.net.allocMac());
    p.vlan = { mode: vlan?.mode ?? 'access', vlan: vlan?.vlan ?? 1, allowed: vlan?.allowed ?? [] };
    this.ifaces.push(p);
    return p;
  }

  /** Link aggregation groups: member port -> all members of its group (in port order). */
  private readonly lags = new Map<Iface, Iface[]>();

  /**
   * Bundles ports into one logical link (IEEE 802.1AX, a static LAG /
   * Linux bond with the layer2 hash): MACs are learned on the group, a frame
   * leaves through one member chosen by the L2 hash of its MACs, and floods
   * never go back into the group a frame came from.
   */
  aggregate(members: Iface[]): void {
    if (members.length < 2) throw new Error(`${this.name}: a link aggregation needs at least two ports`);
    for (const m of members) {
      if (m.node !== this) throw new Error(`${m.label} is not a port of ${this.name}`);
      if (this.lags.has(m)) throw new Error(`${m.label} is already aggregated`);
    }
    const group = [...members].sort((a, b) => this.ifaces.indexOf(a) - this.ifaces.indexOf(b));
    for (const m of group) this.lags.set(m, group);
  }

  /** The member of `port`'s group (or `port` itself) that carries this frame. */
  private member(port: Iface, frame: Frame): Iface {
    const group = this.lags.get(port);
    if (!group) return port;
    let up = 0;
    for (const m of group) if (m.up && m.end && m.end.link.up) up++;
    if (up === 0) return port;
    const eth = frame.eth;
    let k = hashL2(eth.src, eth.dst, eth.type) % up;
    for (const m of group) {
      if (!(m.up && m.end && m.end.link.up)) continue;
      if (k-- === 0) return m;
    }
    return port;
  }

  private sameGroup(a: Iface, b: Iface): boolean {
    if (a === b) return true;
    const g = this.lags.get(a);
    return g !== undefined && g === this.lags.get(b);
  }

  onEvent(): void {}

  linkChanged(iface: Iface, up: boolean): void {
    if (up) return;
    // A port that loses carrier flushes the addresses learned on it (as bridges do).
    for (const [vlan, table] of this.macTable) {
      for (const [m, e] of table) {
        if (e.port === iface) {
          table.delete(m);
          this.net.trace.state(this.name, { what: 'mac', mac: m, vlan, port: null }, () => `${this.name} forgets ${fmtMac(m)} (vlan ${vlan}): ${iface.name} went down`);
        }
      }
    }
  }

  /** The VLAN a frame belongs to on ingress, or -1 when the port does not accept it. */
  private ingressVlan(port: Iface, eth: Ethernet): number {
    const v = port.vlan;
    if (eth.vlan === null) return v.vlan > 0 ? v.vlan : -1;
    if (v.mode === 'access') return -1;
    const vid = eth.vlan.vid;
    if (vid === v.vlan) return vid; // tagged native VLAN is accepted too
    return v.allowed.length === 0 || v.allowed.includes(vid) ? vid : -1;
  }

  private carries(port: Iface, vlan: number): boolean {
    const v = port.vlan;
    if (v.vlan === vlan) return true;
    return v.mode === 'trunk' && (v.allowed.length === 0 || v.allowed.includes(vlan));
  }

  /** The frame as it must leave `port`: tagged on a trunk (unless native), untagged otherwise. */
  private egressFrame(port: Iface, frame: Frame, vlan: number): Frame {
    const eth = frame.eth;
    const tagged = port.vlan.mode === 'trunk' && port.vlan.vlan !== vlan;
    if (tagged) {
      if (eth.vlan && eth.vlan.vid === vlan) return frame;
      return this.net.trace.frame({ ...eth, vlan: { pcp: 0, dei: 0, vid: vlan } }, frame);
    }
    if (eth.vlan === null) return frame;
    return this.net.trace.frame({ ...eth, vlan: null }, frame);
  }

  receive(inPort: Iface, frame: Frame): void {
    const eth = frame.eth;
    const trace = this.net.trace;
    const vlan = this.ingressVlan(inPort, eth);
    if (vlan < 0) {
      inPort.counters.rxDrops++;
      trace.drop(this.name, inPort.name, frame, 'vlan-mismatch', () => `${inPort.label} does not accept ${eth.vlan ? `VLAN ${eth.vlan.vid}` : 'untagged frames'}`);
      return;
    }
    const now = this.net.sim.now;
    let table = this.macTable.get(vlan);
    if (!table) {
      table = new Map();
      this.macTable.set(vlan, table);
    }
    // Learn the source (never a group address); on a LAG, any member stands for the group.
    if (!isMulticastMac(eth.src)) {
      const old = table.get(eth.src);
      if (!old || !this.sameGroup(old.port, inPort)) {
        table.set(eth.src, { port: inPort, seen: now });
        trace.state(this.name, { what: 'mac', mac: eth.src, vlan, port: inPort.name }, () =>
          old ? `${this.name} moves ${fmtMac(eth.src)} (vlan ${vlan}) from ${old.port.name} to ${inPort.name}` : `${this.name} learns ${fmtMac(eth.src)} on ${inPort.name} (vlan ${vlan})`,
        );
      } else {
        old.seen = now; // refresh in place: no allocation per frame
      }
    }
    if (!isMulticastMac(eth.dst)) {
      const e = table.get(eth.dst);
      if (e) {
        if (now - e.seen > this.aging) {
          table.delete(eth.dst);
          trace.state(this.name, { what: 'mac', mac: eth.dst, vlan, port: null }, () => `${this.name} ages out ${fmtMac(eth.dst)} (vlan ${vlan})`);
        } else {
          const out = this.member(e.port, frame);
          if (this.sameGroup(out, inPort)) {
            // The destination is behind the port the frame came from: filter it.
            trace.drop(this.name, inPort.name, frame, 'switch-no-egress', () => `${fmtMac(eth.dst)} is behind ${inPort.name}, where the frame came from; ${this.name} filters it`);
            return;
          }
          const f = this.egressFrame(out, frame, vlan);
          trace.forward(this.name, inPort.name, out.name, f, 'switch');
          out.send(f);
          return;
        }
      }
    }
    this.flood(inPort, frame, vlan);
  }

  private flood(inPort: Iface, frame: Frame, vlan: number): void {
    const trace = this.net.trace;
    if (this.storm.flooding(inPort, frame)) {
      trace.drop(this.name, inPort.name, frame, 'switch-loop', () => `the frame came back to ${this.name} ${STORM_RETURNS} times: a loop of switches; the run stops here (see its end message)`);
      return;
    }
    const ports = this.ifaces;
    let sent = 0;
    const lags = this.lags.size > 0;
    // Newest port first: the order of br->port_list (br_add_if adds at the head).
    for (let i = ports.length - 1; i >= 0; i--) {
      let p = ports[i]!;
      if (lags && this.lags.has(p)) {
        // One copy per group: sent when the walk reaches the group's first member, through the hashed member.
        const g = this.lags.get(p)!;
        if (g[0] !== p || g.includes(inPort)) continue;
        p = this.member(p, frame);
      }
      // IEEE 802.1D: a port without carrier is disabled and forwards nothing (no flooding into a cut cable).
      if (p === inPort || !p.up || p.end === null || !p.end.link.up || !this.carries(p, vlan)) continue;
      const f = this.egressFrame(p, frame, vlan);
      trace.forward(this.name, inPort.name, p.name, f, 'flood');
      p.send(f);
      sent++;
    }
    if (sent === 0) trace.drop(this.name, inPort.name, frame, 'switch-no-egress', () => `${this.name} has no other port in VLAN ${vlan} to flood to`);
  }

  /** The learned entries of a VLAN that have not aged out, for display. */
  entries(vlan = 1): { mac: number; port: string; age: number }[] {
    const now = this.net.sim.now;
    const out: { mac: number; port: string; age: number }[] = [];
    for (const [m, e] of this.macTable.get(vlan) ?? []) if (now - e.seen <= this.aging) out.push({ mac: m, port: e.port.name, age: now - e.seen });
    return out;
  }
}

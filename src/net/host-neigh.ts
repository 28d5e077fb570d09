/**
 * The output side of a host below routing (see host.ts): POSTROUTING, the
 * choice of broadcast, loopback or neighbour, and the ARP neighbour table
 * (Linux net/core/neighbour.c and net/ipv4/arp.c): resolution with a queue
 * per entry, NUD states and timers, arp_ignore / arp_announce, locktime and
 * gratuitous ARP.
 */
import { fmtIp, fmtMac, inPrefix, broadcastOf } from '../wire/addr.js';
import { arp as mkArp, ethernet } from '../wire/build.js';
import type { Arp, Ipv4, Ipv4Addr, MacAddr } from '../wire/types.js';
import { ARP_OP, ICMP_TYPE, ICMP_UNREACH, MAC_BROADCAST } from '../wire/types.js';
import { MS } from '../sim/time.js';
import type { Frame } from '../trace/events.js';
import { Iface } from './iface.js';
import { Neigh, NEIGH_DEFAULTS, neighText } from './neigh.js';
import type { SendResult } from './stack-host.js';
import { HostCore, EV_LOOPBACK, EV_NEIGH, type Route } from './host-core.js';

/** A host's output path and neighbour table; IcmpHost and Host build on it. */
export abstract class NeighHost extends HostCore {
  /**
   * POSTROUTING and the neighbour layer: sends `ip` toward `nextHop` through
   * `route.iface`. `parent` is the frame it came from (forwarding) or null.
   */
  output(route: Route, nextHop: Ipv4Addr, ip0: Ipv4, parent: Frame | null, inIface: Iface | null = null, srcMac = -1): SendResult {
    let ip: Ipv4 | null = ip0;
    const iface = route.iface;
    if (this.hooks.postrouting.length > 0) {
      ip = this.runHooks('postrouting', ip0, parent, inIface, iface);
      if (ip === null) return 'dropped';
      if (ip !== ip0) parent = this.lastHookFrame;
    }
    if (iface === this.lo) {
      this.loopback(ip, parent);
      return 'sent';
    }
    if (ip.dst === 0xffffffff || this.isBroadcastOn(iface, ip.dst)) {
      this.sendFrame(iface, MAC_BROADCAST, ip, parent, inIface, srcMac);
      return 'sent';
    }
    return this.neighOutput(iface, nextHop, ip, parent, inIface, srcMac);
  }

  protected isBroadcastOn(iface: Iface, a: Ipv4Addr): boolean {
    for (const x of iface.addrs) if (x.len < 31 && broadcastOf(x.addr, x.len) === a) return true;
    return false;
  }

  protected sendFrame(iface: Iface, dstMac: MacAddr, ip: Ipv4, parent: Frame | null, inIface: Iface | null, srcMac = -1): void {
    const trace = this.net.trace;
    const f = trace.frame(ethernet(dstMac, srcMac < 0 ? iface.mac : srcMac, ip), parent);
    if (parent && inIface) {
      trace.forward(this.name, inIface.name, iface.name, f, 'route');
    }
    iface.send(f);
  }

  protected loopback(ip: Ipv4, parent: Frame | null): void {
    const f = this.net.trace.frame(ethernet(0, 0, ip), parent);
    this.net.sim.post(0, this, EV_LOOPBACK, f);
  }

  // ---------------------------------------------------------------- ARP and neighbours

  protected neighKey(iface: Iface, a: Ipv4Addr): number {
    return this.ifaces.indexOf(iface) * 4294967296 + a;
  }

  /** The neighbour entry for an address on an interface, or undefined. */
  neighbour(iface: Iface, a: Ipv4Addr): Neigh | undefined {
    return this.neigh.get(this.neighKey(iface, a));
  }

  /**
   * Adds a permanent neighbour entry, as `ip neigh add ADDR lladdr MAC dev IF
   * nud permanent`: used without ARP, never aged, never probed, and never
   * changed by ARP the host receives (Linux neigh_update refuses to touch
   * NUD_PERMANENT without NEIGH_UPDATE_F_ADMIN). Marked by `updated` and
   * `confirmed` = Infinity, so the staleness checks can never fire on it.
   */
  addPermanentNeighbour(iface: Iface, addr: Ipv4Addr, mac: MacAddr): void {
    const n = new Neigh(addr, iface);
    n.mac = mac;
    n.updated = n.confirmed = Infinity;
    this.neigh.set(this.neighKey(iface, addr), n);
    this.neighState(n, 'reachable');
  }

  protected neighState(n: Neigh, state: Neigh['state']): void {
    n.state = state;
    this.net.trace.state(
      this.name,
      () => ({ what: 'arp', ip: n.ip, mac: state === 'incomplete' || state === 'failed' ? null : n.mac, state: state === 'delay' || state === 'probe' ? 'stale' : state, iface: n.iface.name }),
      () => neighText(this.name, n),
    );
  }

  protected neighOutput(iface: Iface, nextHop: Ipv4Addr, ip: Ipv4, parent: Frame | null, inIface: Iface | null, srcMac: number): SendResult {
    const key = this.neighKey(iface, nextHop);
    let n = this.neigh.get(key);
    const now = this.net.sim.now;
    if (n && n.state !== 'incomplete' && n.state !== 'failed') {
      if (n.state === 'reachable' && now - n.confirmed > this.reachableMs * MS) this.neighState(n, 'stale');
      if (n.state === 'stale') {
        // Linux: the first use of a stale entry starts the delay timer.
        this.neighState(n, 'delay');
        n.timer = this.net.sim.timer(NEIGH_DEFAULTS.delayFirstProbeMs * MS, this, EV_NEIGH, n);
      }
      this.sendFrame(iface, n.mac, ip, parent, inIface, srcMac);
      return 'sent';
    }
    if (!n || n.state === 'failed') {
      n = new Neigh(nextHop, iface);
      this.neigh.set(key, n);
      n.queue.push({ ip, parent, inIface, srcMac });
      this.neighState(n, 'incomplete');
      n.probes = 0;
      this.solicit(n, ip.src, false);
      return 'queued';
    }
    if (n.queue.length >= NEIGH_DEFAULTS.unresQlen) {
      const old = n.queue.shift()!;
      this.net.trace.drop(this.name, iface.name, old.parent, 'arp-queue-full', () => `${this.name} still waits for ARP of ${fmtIp(nextHop)}; its queue is full and the oldest packet is dropped`);
    }
    n.queue.push({ ip, parent, inIface, srcMac });
    return 'queued';
  }

  /**
   * Starts resolving an address with no packet waiting (Linux
   * neigh_event_send(n, NULL)): a missing or failed entry becomes
   * incomplete and a broadcast request goes out from the interface's own
   * address; an entry already resolving is left alone.
   */
  protected neighProbe(iface: Iface, a: Ipv4Addr): void {
    const key = this.neighKey(iface, a);
    let n = this.neigh.get(key);
    if (n && n.state !== 'failed') return;
    n = new Neigh(a, iface);
    this.neigh.set(key, n);
    this.neighState(n, 'incomplete');
    n.probes = 0;
    this.solicit(n, null, false);
  }

  /** Sends an ARP request for a neighbour (broadcast, or unicast when probing) and arms the retransmit timer. */
  protected solicit(n: Neigh, pktSrc: Ipv4Addr | null, unicast: boolean): void {
    const iface = n.iface;
    const spa = this.arpSource(iface, n.ip, pktSrc);
    const req = mkArp(ARP_OP.REQUEST, iface.mac, spa, 0, n.ip);
    const f = this.net.trace.frame(ethernet(unicast ? n.mac : MAC_BROADCAST, iface.mac, req));
    n.probes++;
    iface.send(f);
    n.timer = this.net.sim.timer(NEIGH_DEFAULTS.retransMs * MS, this, EV_NEIGH, n);
  }

  /** The sender address of an ARP request (Linux arp_solicit with arp_announce). */
  protected arpSource(iface: Iface, target: Ipv4Addr, pktSrc: Ipv4Addr | null): Ipv4Addr {
    const announce = this.sysctl.conf(iface.name, 'arp_announce');
    if (pktSrc !== null && this.isLocal(pktSrc)) {
      if (announce === 0) return pktSrc;
      if (announce === 1 && iface.addrs.some((a) => inPrefix(pktSrc, a.addr, a.len) && inPrefix(target, a.addr, a.len))) return pktSrc;
    }
    // arp_announce=2 (or no suitable packet source): the best address of the interface for the target.
    for (const a of iface.addrs) if (inPrefix(target, a.addr, a.len)) return a.addr;
    return iface.addrs[0]?.addr ?? 0;
  }

  protected neighTimer(n: Neigh): void {
    n.timer = null;
    const key = this.neighKey(n.iface, n.ip);
    if (this.neigh.get(key) !== n) return;
    if (!n.iface.up) {
      // Linux neigh_ifdown() / neigh_carrier_down(): an interface that is down loses its entries; nothing is solicited through it.
      this.neigh.delete(key);
      for (const p of n.queue.splice(0)) this.net.trace.drop(this.name, n.iface.name, p.parent, 'link-down', () => `${n.iface.name} of ${this.name} is down; the packet to ${fmtIp(p.ip.dst)} that waited for ARP is discarded`);
      this.net.trace.state(this.name, () => ({ what: 'arp', ip: n.ip, mac: null, state: 'removed', iface: n.iface.name }), () => `${this.name} flushes its ARP entry for ${fmtIp(n.ip)}: ${n.iface.name} is down`);
      return;
    }
    switch (n.state) {
      case 'incomplete':
        if (n.probes < NEIGH_DEFAULTS.mcastSolicit) {
          this.solicit(n, null, false);
          return;
        }
        this.neighFailed(n);
        return;
      case 'delay':
        if (this.net.sim.now - n.confirmed < NEIGH_DEFAULTS.delayFirstProbeMs * MS) {
          this.neighState(n, 'reachable');
          return;
        }
        this.neighState(n, 'probe');
        n.probes = 0;
        this.solicit(n, null, true);
        return;
      case 'probe':
        if (n.probes < NEIGH_DEFAULTS.ucastSolicit) {
          this.solicit(n, null, true);
          return;
        }
        this.neighFailed(n);
        return;
      default:
        return;
    }
  }

  /** Resolution failed: drop what waited, each with ICMP host unreachable to its source (Linux arp_error_report). */
  protected neighFailed(n: Neigh): void {
    this.neighState(n, 'failed');
    this.neigh.delete(this.neighKey(n.iface, n.ip));
    const q = n.queue;
    n.queue = [];
    for (const p of q) {
      this.net.trace.drop(this.name, n.iface.name, p.parent, 'arp-failed', () => `${fmtIp(n.ip)} did not answer ${NEIGH_DEFAULTS.mcastSolicit} ARP requests from ${this.name}; the packet to ${fmtIp(p.ip.dst)} is dropped with ICMP host unreachable`);
      this.icmpError(p.ip, ICMP_TYPE.DEST_UNREACH, ICMP_UNREACH.HOST, 0, p.parent);
    }
  }

  protected arpInput(iface: Iface, frame: Frame, a: Arp): void {
    const trace = this.net.trace;
    const now = this.net.sim.now;
    const key = this.neighKey(iface, a.spa);
    let n = this.neigh.get(key);
    if (a.op === ARP_OP.REQUEST && this.arpShouldReply(iface, a)) {
      // An address on a macvlan (a VRRP virtual MAC) is answered with that interface's MAC.
      const mac = this.addrMacs.size > 0 ? (this.addrMacs.get(a.tpa) ?? iface.mac) : iface.mac;
      const rep = mkArp(ARP_OP.REPLY, mac, a.tpa, a.sha, a.spa);
      trace.deliver(this.name, () => `arp: ${fmtIp(a.tpa)} is-at ${fmtMac(mac)}`, frame);
      // Linux neigh_event_ns: answering a request also records the requester (as STALE).
      if (!n || n.state === 'failed') {
        n = new Neigh(a.spa, iface);
        n.mac = a.sha;
        n.updated = now;
        this.neigh.set(key, n);
        this.neighState(n, 'stale');
      } else if (n.state === 'incomplete') {
        this.neighResolved(n, a.sha, now);
      } else if (n.mac !== a.sha && now - n.updated >= NEIGH_DEFAULTS.locktimeMs * MS) {
        n.mac = a.sha;
        n.updated = now;
        this.neighState(n, 'stale');
      }
      iface.send(trace.frame(ethernet(a.sha, mac, rep)));
      return;
    }
    if (a.op === ARP_OP.REQUEST && !this.isLocal(a.tpa)) {
      trace.drop(this.name, iface.name, frame, 'arp-ignored', () => `${this.name} is not ${fmtIp(a.tpa)}; it ignores the ARP request`);
    } else if (a.op === ARP_OP.REQUEST && this.isLocal(a.spa) && !this.sysctl.conf(iface.name, 'accept_local')) {
      trace.drop(this.name, iface.name, frame, 'arp-ignored', () => `${fmtMac(a.sha)} asks for ${fmtIp(a.tpa)} from ${fmtIp(a.spa)}, an address of ${this.name} too (martian source): ${this.name} does not answer`);
    } else if (a.op === ARP_OP.REQUEST) {
      trace.drop(this.name, iface.name, frame, 'arp-ignored', () => `${this.name} owns ${fmtIp(a.tpa)} but arp_ignore=${this.sysctl.conf(iface.name, 'arp_ignore')} on ${iface.name} tells it not to answer`);
    }
    if (!n) return; // arp_accept=0: no new entries from unsolicited ARP
    if (n.updated === Infinity) return; // a permanent entry (addPermanentNeighbour): ARP never changes it
    if (n.state === 'incomplete') {
      this.neighResolved(n, a.sha, now);
      return;
    }
    if (n.mac === a.sha) {
      if (a.op === ARP_OP.REPLY) {
        n.confirmed = now;
        if (n.state !== 'reachable') this.neighState(n, 'reachable');
      }
      return;
    }
    // A different address for a known neighbour: only after locktime (the first answer wins),
    // unless it is a gratuitous ARP (sender = target), which Linux always lets override (is_garp).
    const garp = a.spa === a.tpa;
    if (!garp && now - n.updated < NEIGH_DEFAULTS.locktimeMs * MS) {
      trace.drop(this.name, iface.name, frame, 'arp-ignored', () => `${this.name} already learned ${fmtIp(a.spa)} at ${fmtMac(n!.mac)} less than a second ago (locktime); it ignores ${fmtMac(a.sha)}`);
      return;
    }
    n.mac = a.sha;
    n.updated = now;
    if (a.op === ARP_OP.REPLY) {
      n.confirmed = now;
      this.neighState(n, 'reachable');
    } else {
      this.neighState(n, 'stale');
    }
  }

  protected neighResolved(n: Neigh, mac: MacAddr, now: number): void {
    n.mac = mac;
    n.updated = now;
    n.confirmed = now;
    this.net.sim.cancel(n.timer);
    n.timer = null;
    this.neighState(n, 'reachable');
    const q = n.queue;
    n.queue = [];
    for (const p of q) this.sendFrame(n.iface, mac, p.ip, p.parent, p.inIface, p.srcMac);
  }

  /** Whether to answer an ARP request (Linux arp_ignore, net/ipv4/arp.c arp_ignore()). */
  protected arpShouldReply(iface: Iface, a: Arp): boolean {
    if (!this.isLocal(a.tpa) || a.tpa >>> 24 === 127) return false;
    // Linux arp_process: the request's input route (ip_route_input with the sender as source) fails when the
    // sender address is our own (fib_validate_source: martian source unless accept_local), so no reply is sent.
    if (this.isLocal(a.spa) && !this.sysctl.conf(iface.name, 'accept_local')) return false;
    const mode = this.sysctl.conf(iface.name, 'arp_ignore');
    switch (mode) {
      case 0: // reply for any local address, on any interface (lo included)
        return true;
      case 1: // only if the target address is configured on the incoming interface
        return iface.hasAddr(a.tpa);
      case 2: // ... and the sender is in the same subnet as that address
        return iface.addrs.some((x) => x.addr === a.tpa && inPrefix(a.spa, x.addr, x.len));
      default: // 3: scope host only; 8: never
        return false;
    }
  }

  /**
   * Sends a gratuitous ARP (a request for our own address) from `iface`,
   * from `mac` (default the interface's own; a VRRP virtual MAC for a
   * macvlan's address). `tha` is the target hardware address: 0 as the
   * kernel's arp_send would fill it, or ff:ff:ff:ff:ff:ff as keepalived sends.
   */
  gratuitousArp(iface: Iface, addr: Ipv4Addr, mac: MacAddr = iface.mac, tha: MacAddr = 0): void {
    const req = mkArp(ARP_OP.REQUEST, mac, addr, tha, addr);
    iface.send(this.net.trace.frame(ethernet(MAC_BROADCAST, mac, req)));
  }

}

/**
 * A VRRP version 3 router (RFC 5798) on a load balancer, the way keepalived
 * runs one: an active/standby pair shares virtual addresses (the VIPs); the
 * master holds them, answers ARP for them and multicasts an advertisement
 * every Advertisement_Interval; a backup that hears none for
 * Master_Down_Interval (3 x Master_Adver_Interval + Skew_Time) takes over,
 * adds the addresses and announces them with gratuitous ARP so that the
 * switches and the router relearn where the VIP is.
 *
 * The state machine is RFC 5798 section 6.4 (Initialize, Backup, Master);
 * "fault" is keepalived's extra state for an instance whose interface has
 * lost carrier (it gives up the addresses and stays silent until the link
 * returns). The gratuitous ARPs follow keepalived's defaults: on becoming
 * master, vrrp_garp_master_repeat (5) per address at once, and the same
 * burst again after vrrp_garp_master_delay (5 s).
 *
 * Every change is a trace state event: 'vrrp' for the state, 'addr' for
 * each virtual address added or removed. Advertisements that fail the
 * receive checks of RFC 5798 7.1 are drops with a reason code.
 */
import { fmtIp, fmtMac } from '../wire/addr.js';
import { ipv4 as mkIpv4 } from '../wire/build.js';
import type { Ipv4, Ipv4Addr, MacAddr, Vrrp } from '../wire/types.js';
import { IPPROTO, MAC_BROADCAST } from '../wire/types.js';
import { VRRP, vrrp as mkVrrp, vrrpMac } from '../wire/vrrp.js';
import { vrrpChecksum } from '../wire/checksum.js';
import { MS, SEC } from '../sim/time.js';
import type { EventTarget, Timer } from '../sim/sim.js';
import type { Frame } from '../trace/events.js';
import type { Host } from '../net/host.js';
import type { Iface } from '../net/iface.js';

/** One virtual address and the interface it goes on. */
export interface VrrpAddress {
  readonly addr: Ipv4Addr;
  readonly len: number;
  /** Interface name (default: the instance's interface). */
  readonly iface?: string;
}

/** Configuration of a VRRP instance (keepalived's vrrp_instance). */
export interface VrrpConfig {
  /** Virtual router ID, 1..255. */
  readonly vrid: number;
  /** 1..255; 255 means this router owns the addresses (default 100). */
  readonly priority?: number;
  /** Advertisement_Interval in ns, a multiple of 10 ms (default 1 s). */
  readonly interval?: number;
  /** Preempt_Mode: a higher-priority backup takes over from a lower-priority master (default true). */
  readonly preempt?: boolean;
  /** Use the virtual MAC 00:00:5e:00:01:VRID for the addresses (keepalived use_vmac). */
  readonly vmac?: boolean;
  /** The interface advertisements go out of (and are heard on). */
  readonly iface: string;
  readonly addresses: readonly VrrpAddress[];
  /** Gratuitous ARPs per address on becoming master (keepalived vrrp_garp_master_repeat, default 5). */
  readonly garpRepeat?: number;
  /** Delay of the second burst of gratuitous ARPs in ns (keepalived vrrp_garp_master_delay, default 5 s; 0 = none). */
  readonly garpDelay?: number;
}

/** The states of an instance. */
export type VrrpState = 'init' | 'backup' | 'master' | 'fault';

/** Something that follows the instance's role (the IPVS sync daemon). */
export interface VrrpListener {
  vrrpState(state: VrrpState): void;
}

const EV_ADVER = 1;
const EV_DOWN = 2;
const EV_GARP = 3;

/** Centiseconds, the unit of the advertisement interval on the wire. */
const CS = 10 * MS;

/** A VRRP router instance on a host. */
export class VrrpInstance implements EventTarget {
  readonly label: string;
  state: VrrpState = 'init';
  readonly priority: number;
  readonly interval: number;
  readonly preempt: boolean;
  readonly iface: Iface;
  /** The virtual MAC, or null when the addresses use the interfaces' own MACs. */
  readonly vmac: MacAddr | null;
  private readonly addrs: { readonly addr: Ipv4Addr; readonly len: number; readonly iface: Iface }[];
  private readonly garpRepeat: number;
  private readonly garpDelay: number;
  /** Master_Adver_Interval in ns: the interval the current master advertises (RFC 5798 6.1). */
  masterAdverInterval: number;
  private adverTimer: Timer | null = null;
  private downTimer: Timer | null = null;
  private garpTimer: Timer | null = null;
  /** The primary address of the interface: the advertisements' source, and the tie-breaker on equal priority. */
  readonly primary: Ipv4Addr;
  /** Role followers (sync daemon). */
  readonly listeners: VrrpListener[] = [];
  /** Counters for reports and tests. */
  readonly stats = { adverts: 0, garps: 0, becameMaster: 0 };
  /** Becoming master / leaving master, with times (ns), in order. */
  readonly history: { readonly t: number; readonly state: VrrpState; readonly why: string }[] = [];
  private ipId = 0;
  /** The master whose priority-0 advertisement armed the down timer with Skew_Time, or -1. */
  private stopHeard = -1;

  constructor(
    readonly host: Host,
    readonly cfg: VrrpConfig,
  ) {
    const iface = host.iface(cfg.iface);
    if (!iface || iface === host.lo) throw new Error(`vrrp: ${host.name} has no interface ${cfg.iface}`);
    if (!Number.isInteger(cfg.vrid) || cfg.vrid < 1 || cfg.vrid > 255) throw new Error(`vrrp: vrid ${cfg.vrid} is not in 1..255`);
    this.iface = iface;
    this.label = `vrrp ${host.name} vrid ${cfg.vrid}`;
    this.priority = cfg.priority ?? VRRP.PRIORITY_DEFAULT;
    if (this.priority < 1 || this.priority > 255) throw new Error(`vrrp: priority ${this.priority} is not in 1..255 (0 is only sent by a master that stops)`);
    this.interval = cfg.interval ?? SEC;
    const cs = this.interval / CS;
    if (!Number.isInteger(cs) || cs < 1 || cs > VRRP.MAX_INTERVAL_CS) throw new Error(`vrrp: interval must be a whole number of centiseconds between 10ms and 40.95s`);
    this.preempt = cfg.preempt ?? true;
    this.vmac = cfg.vmac ? vrrpMac(cfg.vrid) : null;
    this.garpRepeat = cfg.garpRepeat ?? 5;
    this.garpDelay = cfg.garpDelay ?? 5 * SEC;
    this.addrs = cfg.addresses.map((a) => {
      const i = host.iface(a.iface ?? cfg.iface);
      if (!i || i === host.lo) throw new Error(`vrrp: ${host.name} has no interface ${a.iface} for ${fmtIp(a.addr)}`);
      return { addr: a.addr, len: a.len, iface: i };
    });
    if (this.addrs.length === 0) throw new Error('vrrp: no virtual addresses');
    const p = iface.addrs[0];
    if (!p) throw new Error(`vrrp: ${iface.label} has no address to send advertisements from`);
    this.primary = p.addr;
    this.masterAdverInterval = this.interval;
    host.protos.set(IPPROTO.VRRP, { input: (ip, frame, inIface) => this.input(ip, frame, inIface) });
  }

  /** The virtual addresses. */
  addresses(): readonly Ipv4Addr[] {
    return this.addrs.map((a) => a.addr);
  }

  /** Skew_Time in ns (RFC 5798 6.1): ((256 - Priority) x Master_Adver_Interval) / 256. */
  skewTime(): number {
    return Math.floor(((256 - this.priority) * this.masterAdverInterval) / 256);
  }

  /** Master_Down_Interval in ns: 3 x Master_Adver_Interval + Skew_Time. */
  masterDownInterval(): number {
    return 3 * this.masterAdverInterval + this.skewTime();
  }

  // ---------------------------------------------------------------- transitions

  /** Startup (RFC 5798 6.4.1): the owner becomes master at once, everyone else backup. */
  start(why = 'starts'): void {
    if (this.state !== 'init' && this.state !== 'fault') return;
    // keepalived opens its socket and joins 224.0.0.18 on the interface (IP_ADD_MEMBERSHIP).
    this.host.joinGroup(this.iface, VRRP.GROUP);
    if (!this.iface.up || !this.linkUp(this.iface)) {
      this.setState('fault', `${why}, but ${this.iface.label} has no carrier`);
      return;
    }
    if (this.priority === VRRP.PRIORITY_OWNER) {
      this.becomeMaster(`${why} as the address owner (priority 255)`);
      return;
    }
    this.masterAdverInterval = this.interval;
    this.toBackup(`${why}; it waits ${ms(this.masterDownInterval())} (Master_Down_Interval) for a master's advertisement`);
  }

  /** A graceful stop (RFC 5798 6.4.3 Shutdown): a master sends priority 0 so the backup takes over after Skew_Time, not Master_Down_Interval. */
  stop(): void {
    if (this.state === 'init') return;
    const was = this.state;
    if (was === 'master') this.sendAdvert(VRRP.PRIORITY_STOP);
    this.cancelAll();
    this.releaseAddresses('stops');
    // The closed socket leaves the group: later advertisements stop at the interface's multicast filter.
    this.host.leaveGroup(this.iface, VRRP.GROUP);
    this.setState('init', was === 'master' ? 'stops (sent priority 0: the backup takes over after Skew_Time)' : 'stops');
  }

  /** The node dies or comes back (timeline fail / restore): a dead box sends nothing; a restarted one starts over. */
  power(up: boolean): void {
    if (!up) {
      this.cancelAll();
      this.releaseAddresses('is down');
      this.setState('init', 'is down: no more advertisements');
      return;
    }
    this.start('restarts');
  }

  /** Carrier change on one of the instance's interfaces (keepalived tracks its interfaces: fault while one is down). */
  linkChanged(iface: Iface, up: boolean): void {
    if (iface !== this.iface && !this.addrs.some((a) => a.iface === iface)) return;
    if (!up) {
      if (this.state === 'fault' || this.state === 'init') return;
      this.cancelAll();
      this.releaseAddresses(`lost carrier on ${iface.name}`);
      this.setState('fault', `${iface.label} lost carrier: fault (keepalived), the addresses are given up`);
      return;
    }
    if (this.state === 'fault') this.start(`${iface.label} has carrier again`);
  }

  private linkUp(i: Iface): boolean {
    return i.end !== null && i.end.link.up;
  }

  private toBackup(why: string): void {
    this.cancelAll();
    this.stopHeard = -1;
    this.releaseAddresses('becomes backup');
    this.downTimer = this.host.net.sim.timer(this.masterDownInterval(), this, EV_DOWN);
    this.setState('backup', why);
  }

  /** RFC 5798 6.4.1 / 6.4.2: send an advertisement, take the addresses, broadcast gratuitous ARP, start the Adver_Timer. */
  private becomeMaster(why: string): void {
    this.cancelAll();
    this.stats.becameMaster++;
    this.setState('master', why);
    this.sendAdvert(this.priority);
    this.takeAddresses();
    this.garpBurst();
    if (this.garpDelay > 0) this.garpTimer = this.host.net.sim.timer(this.garpDelay, this, EV_GARP);
    this.adverTimer = this.host.net.sim.timer(this.interval, this, EV_ADVER);
  }

  private setState(state: VrrpState, why: string): void {
    this.state = state;
    this.history.push({ t: this.host.net.sim.now, state, why });
    const name = this.host.name;
    this.host.net.trace.state(name, { what: 'vrrp', vrid: this.cfg.vrid, iface: this.iface.name, state, priority: this.priority }, () => `${name} vrrp vrid ${this.cfg.vrid}: ${state.toUpperCase()} (${why})`);
    for (const l of this.listeners) l.vrrpState(state);
  }

  private cancelAll(): void {
    const sim = this.host.net.sim;
    sim.cancel(this.adverTimer);
    sim.cancel(this.downTimer);
    sim.cancel(this.garpTimer);
    this.adverTimer = this.downTimer = this.garpTimer = null;
  }

  /** Adds the virtual addresses (ip addr add VIP/len dev IF; keepalived: a /32 unless a length is given). */
  private takeAddresses(): void {
    const h = this.host;
    for (const a of this.addrs) {
      if (a.iface.hasAddr(a.addr)) continue;
      a.iface.addrs.push({ addr: a.addr, len: a.len });
      if (this.vmac !== null) {
        h.addrMacs.set(a.addr, this.vmac);
        h.addMacAddress(a.iface, this.vmac);
      }
      h.net.trace.state(h.name, { what: 'addr', op: 'add', iface: a.iface.name, addr: a.addr, len: a.len }, () => `${h.name} adds ${fmtIp(a.addr)}/${a.len} to ${a.iface.name}${this.vmac !== null ? ` (on the virtual MAC ${fmtMac(this.vmac)})` : ''}: it now answers ARP for it`);
    }
  }

  private releaseAddresses(why: string): void {
    const h = this.host;
    for (const a of this.addrs) {
      const k = a.iface.addrs.findIndex((x) => x.addr === a.addr);
      if (k < 0) continue;
      a.iface.addrs.splice(k, 1);
      if (this.vmac !== null) {
        h.addrMacs.delete(a.addr);
        h.delMacAddress(a.iface, this.vmac);
      }
      h.net.trace.state(h.name, { what: 'addr', op: 'del', iface: a.iface.name, addr: a.addr, len: a.len }, () => `${h.name} removes ${fmtIp(a.addr)}/${a.len} from ${a.iface.name} (${why}): it no longer answers ARP for it`);
    }
  }

  // ---------------------------------------------------------------- frames

  /** Multicasts an advertisement (RFC 5798 5.1: to 224.0.0.18, TTL 255; 7.3: from the virtual MAC when there is one). */
  private sendAdvert(priority: number): void {
    const h = this.host;
    const adv = mkVrrp(this.primary, VRRP.GROUP, { vrid: this.cfg.vrid, priority, maxAdvertInt: this.interval / CS, addrs: this.addresses() });
    // keepalived builds the IP header itself: TOS 0xc0 (IPTOS_PREC_INTERNETCONTROL), its own id counter, no DF.
    this.ipId = (this.ipId + 1) & 0xffff;
    const ip = mkIpv4({ src: this.primary, dst: VRRP.GROUP, ttl: VRRP.TTL, tos: 0xc0, id: this.ipId, frag: 0 }, adv);
    this.stats.adverts++;
    h.sendMulticast(this.iface, ip, this.vmac ?? this.iface.mac);
  }

  /** One burst: garpRepeat gratuitous ARPs for every address, back to back (keepalived vrrp_garp_interval 0). */
  private garpBurst(): void {
    for (let r = 0; r < this.garpRepeat; r++) {
      for (const a of this.addrs) {
        this.stats.garps++;
        // keepalived's gratuitous ARP carries the broadcast address as target MAC (captured: fixtures/wire/vrrp.pcap).
        this.host.gratuitousArp(a.iface, a.addr, this.vmac ?? a.iface.mac, MAC_BROADCAST);
      }
    }
  }

  /** An advertisement arrived (after the host's multicast membership check). */
  private input(ip: Ipv4, frame: Frame | null, iface: Iface): void {
    const h = this.host;
    const trace = h.net.trace;
    const v = ip.payload;
    const drop = (code: 'vrrp-invalid' | 'vrrp-other-vrid' | 'vrrp-ignored', why: () => string) => trace.drop(h.name, iface.name, frame, code, why);
    if (v.kind !== 'vrrp') {
      drop('vrrp-invalid', () => `${h.name} cannot read this VRRP packet (not version 3)`);
      return;
    }
    // RFC 5798 7.1: TTL 255, version 3, checksum, known VRID, interval; anything else is discarded.
    if (ip.ttl !== VRRP.TTL) return drop('vrrp-invalid', () => `the advertisement from ${fmtIp(ip.src)} has TTL ${ip.ttl}, not 255: it crossed a router (RFC 5798 7.1)`);
    if (v.checksum !== vrrpChecksum(ip.src, ip.dst, v)) return drop('vrrp-invalid', () => `the advertisement from ${fmtIp(ip.src)} has a wrong checksum`);
    if (v.type !== VRRP.TYPE_ADVERTISEMENT) return drop('vrrp-invalid', () => `VRRP type ${v.type} is not an advertisement`);
    if (iface !== this.iface || v.vrid !== this.cfg.vrid) return drop('vrrp-other-vrid', () => `${h.name} runs no virtual router ${v.vrid} on ${iface.name}`);
    if (v.maxAdvertInt === 0) return drop('vrrp-invalid', () => `the advertisement from ${fmtIp(ip.src)} has a zero interval`);
    if (frame) trace.deliver(h.name, () => `vrrp vrid ${v.vrid} prio ${v.priority} from ${fmtIp(ip.src)}`, frame);
    this.advert(ip.src, v, iface, frame);
  }

  private advert(src: Ipv4Addr, v: Vrrp, iface: Iface, frame: Frame | null): void {
    const h = this.host;
    const sim = h.net.sim;
    const adverInt = v.maxAdvertInt * CS;
    switch (this.state) {
      case 'backup': {
        // RFC 5798 6.4.2
        if (v.priority === VRRP.PRIORITY_STOP) {
          sim.cancel(this.downTimer);
          this.downTimer = sim.timer(this.skewTime(), this, EV_DOWN);
          this.stopHeard = src;
          h.net.trace.state(h.name, { what: 'note', detail: { vrid: v.vrid, master: fmtIp(src), priority: 0 } }, () => `${h.name} vrrp vrid ${v.vrid}: the master ${fmtIp(src)} stops (priority 0); takeover in Skew_Time ${ms(this.skewTime())}`);
          return;
        }
        if (!this.preempt || v.priority >= this.priority) {
          this.stopHeard = -1;
          this.masterAdverInterval = adverInt;
          sim.cancel(this.downTimer);
          this.downTimer = sim.timer(this.masterDownInterval(), this, EV_DOWN);
          return;
        }
        h.net.trace.drop(h.name, iface.name, frame, 'vrrp-ignored', () => `${h.name} (priority ${this.priority}, preempt on) discards the advertisement of priority ${v.priority}: it will take over when its Master_Down_Timer fires`);
        return;
      }
      case 'master': {
        // RFC 5798 6.4.3
        if (v.priority === VRRP.PRIORITY_STOP) {
          this.sendAdvert(this.priority);
          sim.cancel(this.adverTimer);
          this.adverTimer = sim.timer(this.interval, this, EV_ADVER);
          return;
        }
        if (v.priority > this.priority || (v.priority === this.priority && src > this.primary)) {
          this.masterAdverInterval = adverInt;
          const why = v.priority > this.priority ? `${fmtIp(src)} advertises priority ${v.priority} > ${this.priority}` : `${fmtIp(src)} has the same priority and a higher address`;
          this.toBackup(why);
          return;
        }
        h.net.trace.drop(h.name, iface.name, frame, 'vrrp-ignored', () => `${h.name} is master with priority ${this.priority}; it discards the advertisement of ${fmtIp(src)} (priority ${v.priority})`);
        return;
      }
      default:
        h.net.trace.drop(h.name, iface.name, frame, 'vrrp-ignored', () => `${h.name}'s virtual router ${v.vrid} is ${this.state}; it ignores advertisements`);
    }
  }

  // ---------------------------------------------------------------- timers

  onEvent(kind: number): void {
    switch (kind) {
      case EV_ADVER:
        this.adverTimer = null;
        if (this.state !== 'master') return;
        this.sendAdvert(this.priority);
        this.adverTimer = this.host.net.sim.timer(this.interval, this, EV_ADVER);
        return;
      case EV_DOWN:
        this.downTimer = null;
        if (this.state !== 'backup') return;
        if (this.stopHeard >= 0) this.becomeMaster(`the master ${fmtIp(this.stopHeard)} stopped (priority 0) and Skew_Time ${ms(this.skewTime())} passed`);
        else this.becomeMaster(`no advertisement for Master_Down_Interval ${ms(this.masterDownInterval())} (3 x ${ms(this.masterAdverInterval)} + skew ${ms(this.skewTime())})`);
        return;
      case EV_GARP:
        this.garpTimer = null;
        if (this.state === 'master') this.garpBurst();
        return;
    }
  }

  kindName(kind: number): string {
    return kind === EV_ADVER ? 'VRRP advertisement timer' : kind === EV_DOWN ? 'VRRP master down timer' : 'VRRP gratuitous ARP timer';
  }
}

function ms(ns: number): string {
  return `${+(ns / MS).toFixed(3)}ms`;
}

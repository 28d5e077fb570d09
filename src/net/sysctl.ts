/**
 * Linux sysctls of one host, under their Linux names, with kernel defaults
 * and the kernel's rules for combining `conf.all.X` with `conf.<iface>.X`
 * (include/linux/inetdevice.h): arp_ignore, arp_announce and rp_filter take
 * the maximum of the two, send_redirects and accept_local either one,
 * accept_redirects depends on forwarding. `conf.default.X` is the value an
 * interface has when nothing was set for it.
 */
import { own } from '../sim/own.js';

/** Kernel defaults of the global sysctls lblab models. */
export const GLOBAL_DEFAULTS: Readonly<Record<string, number>> = {
  'net.ipv4.ip_forward': 0,
  'net.ipv4.tcp_syn_retries': 6,
  'net.ipv4.tcp_synack_retries': 5,
  'net.ipv4.tcp_syn_linear_timeouts': 4,
  'net.ipv4.tcp_fin_timeout': 60,
  'net.ipv4.tcp_timestamps': 1,
  'net.ipv4.tcp_sack': 1,
  'net.ipv4.tcp_window_scaling': 1,
  'net.ipv4.tcp_early_retrans': 3,
  'net.ipv4.tcp_retrans_collapse': 1,
  'net.ipv4.tcp_max_syn_backlog': 128,
  'net.ipv4.tcp_abort_on_overflow': 0,
  'net.ipv4.tcp_syncookies': 1,
  'net.core.somaxconn': 4096,
  'net.ipv4.icmp_ratelimit': 1000,
  'net.ipv4.icmp_echo_ignore_all': 0,
  'net.ipv4.icmp_echo_ignore_broadcasts': 1,
  'net.ipv4.ip_default_ttl': 64,
  'net.ipv4.ip_local_port_range_min': 32768,
  'net.ipv4.ip_local_port_range_max': 60999,
};

/** Kernel defaults of the per-interface sysctls (net.ipv4.conf.<if>.<key>). */
export const CONF_DEFAULTS: Readonly<Record<string, number>> = {
  arp_ignore: 0,
  arp_announce: 0,
  arp_accept: 0,
  rp_filter: 0,
  send_redirects: 1,
  accept_redirects: 1,
  accept_local: 0,
  forwarding: 0,
};

/** How the kernel combines conf.all with conf.<iface> for a key. */
const COMBINE: Readonly<Record<string, 'max' | 'or' | 'and' | 'dev'>> = {
  arp_ignore: 'max',
  arp_announce: 'max',
  arp_accept: 'max',
  rp_filter: 'max',
  send_redirects: 'or',
  accept_local: 'or',
  accept_redirects: 'or',
  forwarding: 'dev',
};

/** True when `name` is a sysctl lblab knows (global, or net.ipv4.conf.<x>.<key>). */
export function isKnownSysctl(name: string): boolean {
  if (Object.hasOwn(GLOBAL_DEFAULTS, name) || name === 'net.ipv4.ip_local_port_range') return true;
  const m = /^net\.ipv4\.conf\.[^.]+\.([a-z_]+)$/.exec(name);
  return m !== null && Object.hasOwn(CONF_DEFAULTS, m[1]!);
}

/** All sysctl names lblab knows (per-interface ones with `<iface>`), for help and suggestions. */
export function knownSysctls(): string[] {
  return [...Object.keys(GLOBAL_DEFAULTS), ...Object.keys(CONF_DEFAULTS).map((k) => `net.ipv4.conf.<iface>.${k}`)];
}

/** The sysctl values of one host. */
export class Sysctls {
  private readonly values = new Map<string, number>();
  /**
   * Effective per-interface values, computed once: the receive path asks
   * for several of them per packet, and building their names is costly.
   * Keyed by interface name, then key; cleared whenever anything is set.
   */
  private readonly confCache = new Map<string, Map<string, number>>();

  /** Sets a value by its Linux name; `net.ipv4.ip_forward` also sets every interface's forwarding, as in Linux. */
  set(name: string, value: number): void {
    if (!isKnownSysctl(name)) throw new Error(`unknown sysctl ${name}`);
    this.confCache.clear();
    this.values.set(name, value);
    if (name === 'net.ipv4.ip_forward') {
      for (const k of [...this.values.keys()]) if (/^net\.ipv4\.conf\.[^.]+\.forwarding$/.test(k)) this.values.set(k, value);
      this.values.set('net.ipv4.conf.all.forwarding', value);
      this.values.set('net.ipv4.conf.default.forwarding', value);
    }
  }

  /** A global value. */
  get(name: string): number {
    return this.values.get(name) ?? own(GLOBAL_DEFAULTS, name) ?? 0;
  }

  private confRaw(iface: string, key: string): number {
    return this.values.get(`net.ipv4.conf.${iface}.${key}`) ?? this.values.get(`net.ipv4.conf.default.${key}`) ?? own(CONF_DEFAULTS, key) ?? 0;
  }

  /** The effective per-interface value, combined with conf.all the way the kernel does. */
  conf(iface: string, key: string): number {
    let m = this.confCache.get(iface);
    if (!m) {
      m = new Map();
      this.confCache.set(iface, m);
    }
    let v = m.get(key);
    if (v === undefined) {
      v = this.computeConf(iface, key);
      m.set(key, v);
    }
    return v;
  }

  private computeConf(iface: string, key: string): number {
    const dev = this.confRaw(iface, key);
    const all = this.values.get(`net.ipv4.conf.all.${key}`) ?? own(CONF_DEFAULTS, key) ?? 0;
    switch (own(COMBINE, key) ?? 'dev') {
      case 'max':
        return Math.max(all, dev);
      case 'or':
        if (key === 'accept_redirects' && this.conf(iface, 'forwarding')) return all && dev ? 1 : 0; // Linux: ANDCONF when forwarding
        return all || dev ? 1 : 0;
      case 'and':
        return all && dev ? 1 : 0;
      case 'dev':
        return dev;
    }
  }

  /** The explicitly set values, for display. */
  entries(): [string, number][] {
    return [...this.values.entries()];
  }
}

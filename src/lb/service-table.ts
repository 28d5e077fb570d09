/**
 * The load balancer's tables and what an operator does to them: the
 * virtual services by VIP, protocol and port (ipvsadm -A / -a / -e), the
 * L7 proxies, and the connection table (ip_vs_conn): every connection by
 * its client tuple and by its reply tuple, with its expiry timer. Services
 * and servers are added, drained, disabled and re-weighted here, the
 * health verdicts land here (service-health.ts), and the IPVS sync backup
 * installs the connections it learns (adoptConn); a packet of a connection
 * moves its IPVS state on (touch). The packet path that
 * reads these tables for every packet is the subclass in node.ts.
 */
import { fmtIp, inPrefix } from '../wire/addr.js';
import type { Ipv4, Ipv4Addr, MacAddr } from '../wire/types.js';
import { IPPROTO } from '../wire/types.js';
import type { Frame } from '../trace/events.js';
import { Host } from '../net/host.js';
import { Iface } from '../net/iface.js';
import type { Network } from '../net/network.js';
import { createBackend, observeResponse, type BackendState } from './sched/backend.js';
import { resolveSchedulerName } from './sched/index.js';
import { DIR, LbConn, nextTcpState, setConnState } from './conn.js';
import { startServerHealth } from './service-health.js';
import { L7Proxy } from './l7/proxy.js';
import type { L7ProxyConfig } from './l7/config.js';
import type { LbMode } from './modes.js';
import { LbService, type RealServerConfig, type ServiceConfig } from './service.js';
import { serviceKey, TupleMap } from './tuple-map.js';

/** The bridge interface of a transparent LB: it sends through the bridge ports. */
class BridgeIface extends Iface {
  constructor(readonly lb: LbServiceTable, name: string, mac: MacAddr) {
    super(lb, name, mac);
  }

  override send(frame: Frame): void {
    this.counters.txFrames++;
    this.counters.txBytes += frame.len;
    this.lb.bridgeOutput(null, frame);
  }
}

const EV_EXPIRE = 100;

/** The service and connection tables of an IPVS-like load balancer; LoadBalancer (node.ts) adds the packet path. */
export abstract class LbServiceTable extends Host {
  readonly services: LbService[] = [];
  /** L7 proxies by name (src/lb/l7: HTTP terminated on this host). */
  readonly proxies = new Map<string, L7Proxy>();
  protected readonly byVip = new Map<number, LbService>();
  /** Connections by the client's tuple (client, cport, vip, vport). */
  protected readonly inTable = new TupleMap<LbConn>();
  /** Connections by the reply's tuple (server, sport, client or SNAT address, port). */
  protected readonly outTable = new TupleMap<LbConn>();
  /** All live connections, in creation order. */
  protected readonly conns = new Set<LbConn>();
  /** Transparent mode: the bridge ports and the bridge's L3 interface. */
  protected bridgePorts: Iface[] = [];
  protected br0: BridgeIface | null = null;

  /** Creates the tables of a load balancer host (IP forwarding on, as IPVS NAT needs for replies). */
  constructor(net: Network, name: string, sysctls: Readonly<Record<string, number>>) {
    super(net, name, 'lb', { sysctls: { 'net.ipv4.ip_forward': 1, ...sysctls } });
  }

  /** A power cut also empties the IPVS connection table (kernel memory); each entry leaves with an lb-conn del. */
  override powerOff(): void {
    if (!this.powered) return;
    super.powerOff();
    for (const c of [...this.conns]) this.expire(c, `${this.name} lost power`);
  }

  /** Sends a frame out of the bridge (transparent mode; the packet path implements it). */
  abstract bridgeOutput(from: Iface | null, frame: Frame): void;

  // ------------------------------------------------------------ configuration

  /**
   * Makes the LB a transparent bridge between `ports` (its server segment and
   * the router side) with an L3 interface br0 holding `addr`/`len` and its
   * own MAC (`ip link add br0 address MAC type bridge`; allocated when not
   * given); returns br0.
   */
  bridge(ports: Iface[], addr: Ipv4Addr, len: number, mac?: number): Iface {
    if (this.br0) throw new Error(`${this.name} already has a bridge`);
    this.bridgePorts = ports;
    this.br0 = new BridgeIface(this, 'br0', mac ?? this.net.allocMac());
    this.ifaces.push(this.br0);
    this.addAddress(this.br0, addr, len);
    return this.br0;
  }

  /** Adds a virtual service; the VIP is added to the LB's interface (keepalived's virtual_ipaddress). */
  addService(cfg: ServiceConfig): LbService {
    const schedName = resolveSchedulerName(cfg.scheduler ?? 'round-robin');
    if (!schedName) throw new Error(`service ${cfg.name}: unknown scheduler "${cfg.scheduler}"`);
    if (cfg.servers.length === 0) throw new Error(`service ${cfg.name}: no real servers`);
    const key = serviceKey(cfg.vip, cfg.proto === 'tcp' ? IPPROTO.TCP : IPPROTO.UDP, cfg.port);
    if (this.byVip.has(key)) throw new Error(`${this.name} already has a service on ${fmtIp(cfg.vip)}:${cfg.port}/${cfg.proto}`);
    if (cfg.mode === 'transparent' && !this.br0) throw new Error(`service ${cfg.name}: transparent mode needs the LB to bridge the server segment (bridge())`);
    if (cfg.mode === 'dsr' || cfg.mode === 'tunnel') {
      for (const s of cfg.servers) {
        if (s.port !== undefined && s.port !== cfg.port) throw new Error(`service ${cfg.name}: ${cfg.mode} cannot change the port (${s.name} listens on ${s.port}, the service is on ${cfg.port})`);
        if (cfg.mode === 'dsr' && cfg.dsrForwarder === 'tc' && s.mac === undefined) throw new Error(`service ${cfg.name}: the tc forwarder needs the MAC of ${s.name} (it never ARPs)`);
        if (cfg.mode === 'dsr') {
          const r = this.lookup(s.addr);
          if (!r || r.via !== null) throw new Error(`service ${cfg.name}: DSR needs ${s.name} (${fmtIp(s.addr)}) on a subnet the LB is directly connected to; use tunnel mode for servers behind a router`);
        }
      }
    }
    // SNAT pool addresses are the LB's own (replies come back to them): configure them toward the servers.
    for (const a of cfg.snatPool ?? []) {
      if (this.isLocal(a)) continue;
      const r = this.lookup(cfg.servers[0]!.addr);
      if (!r || r.iface === this.lo) throw new Error(`service ${cfg.name}: no interface toward ${fmtIp(cfg.servers[0]!.addr)} for SNAT address ${fmtIp(a)}`);
      const on = r.iface.addrs.find((x) => inPrefix(a, x.addr, x.len));
      r.iface.addrs.push({ addr: a, len: on ? on.len : 32 });
    }
    const svc = new LbService(this.services.length, cfg, schedName, this.net.sim.stream(`lb:${this.name}:${cfg.name}`));
    this.services.push(svc);
    this.byVip.set(key, svc);
    cfg.servers.forEach((s, i) => startServerHealth(this, svc, i, s.health === undefined ? (cfg.health ?? null) : s.health));
    if (!this.isLocal(cfg.vip) && !this.floating.has(cfg.vip)) {
      const iface = cfg.vipIface ? this.iface(cfg.vipIface) : cfg.mode === 'transparent' ? this.br0 : this.ifaces[0];
      if (!iface) throw new Error(`service ${cfg.name}: the LB has no interface ${cfg.vipIface ?? ''} for the VIP`);
      const on = iface.addrs.find((a) => inPrefix(cfg.vip, a.addr, a.len));
      iface.addrs.push({ addr: cfg.vip, len: on ? on.len : 32 });
    }
    return svc;
  }

  /** The service with this name. */
  service(name: string): LbService | undefined {
    return this.services.find((s) => s.cfg.name === name);
  }

  /** Adds an L7 proxy listening on its VIP and port. */
  addProxy(cfg: L7ProxyConfig): L7Proxy {
    if (this.proxies.has(cfg.name) || this.service(cfg.name)) throw new Error(`${this.name} already has a service or proxy named ${cfg.name}`);
    const p = new L7Proxy(this, cfg);
    this.proxies.set(cfg.name, p);
    return p;
  }

  /** Changes a server's state or weight (drain, disable, health); traced. */
  setServer(service: string, server: string, change: { state?: BackendState; weight?: number }): void {
    const px = this.proxies.get(service);
    if (px) return px.setServer(server, change);
    const svc = this.service(service);
    const b = svc?.backends.find((x) => x.name === server);
    if (!svc || !b) throw new Error(`${this.name}: no server ${server} in service ${service}`);
    if (change.state) b.state = svc.checked.change(b.index, change.state, svc.monitors[b.index]);
    if (change.weight !== undefined) b.weight = change.weight;
    this.serverChanged(svc, b.index);
  }

  /** After a server's state or weight changed (by an operator or a health verdict): the scheduler is told, and the trace. */
  serverChanged(svc: LbService, idx: number): void {
    const b = svc.backends[idx]!;
    svc.sched.onBackendsChanged(svc.backends);
    this.net.trace.state(this.name, { what: 'lb-server', service: svc.cfg.name, server: b.name, state: b.state, weight: b.weight }, () => `${this.name}: ${svc.cfg.name}/${b.name} is now ${b.state}, weight ${b.weight}`);
  }

  /** Adds a real server to a service at run time (it joins the pool for new connections). */
  addServer(service: string, server: RealServerConfig): void {
    const svc = this.service(service);
    if (!svc) throw new Error(`${this.name}: no service ${service}`);
    if (svc.backends.some((b) => b.name === server.name)) throw new Error(`${this.name}: service ${service} already has a server ${server.name}`);
    const b = createBackend(svc.backends.length, server.name, server.weight ?? 1);
    b.state = server.state ?? 'enabled';
    svc.backends.push(b);
    svc.servers.push({ name: server.name, addr: server.addr, port: server.port ?? svc.cfg.port });
    svc.served.push(0);
    svc.sched.onBackendsChanged(svc.backends);
    startServerHealth(this, svc, b.index, server.health === undefined ? (svc.cfg.health ?? null) : server.health);
    this.net.trace.state(this.name, { what: 'lb-server', service, server: server.name, state: b.state, weight: b.weight }, () => `${this.name}: ${server.name} (${fmtIp(server.addr)}) joins ${service}`);
  }

  /** Changes the forwarding mode of a service for its new connections. */
  setMode(service: string, mode: LbMode): void {
    const svc = this.service(service);
    if (!svc) throw new Error(`${this.name}: no service ${service}`);
    svc.mode = mode;
    this.net.trace.state(this.name, { what: 'note', detail: { service, mode } }, () => `${this.name}: new connections of ${service} now use ${mode} mode (open ones keep theirs)`);
  }

  /** The live connections (for tables and tests). */
  connections(): LbConn[] {
    return [...this.conns];
  }

  // ------------------------------------------------------------ high availability (src/lb/vrrp.ts, src/lb/conn-sync.ts)

  /** Called for every request packet of a connection (the IPVS sync master's hook), or null. */
  syncHook: ((c: LbConn) => void) | null = null;
  /** Told when an interface changes carrier (VRRP tracks its interfaces). */
  linkHook: ((iface: Iface, up: boolean) => void) | null = null;

  override linkChanged(iface: Iface, up: boolean): void {
    super.linkChanged(iface, up);
    if (this.linkHook !== null) this.linkHook(iface, up);
  }

  /**
   * Installs or updates a connection learned from the sync master (IPVS
   * ip_vs_proc_conn): found by its client tuple; the server is looked up
   * among the service's real servers by address and port. Returns the
   * connection, or a sentence saying why it could not be installed.
   */
  adoptConn(e: { proto: number; client: Ipv4Addr; cport: number; vip: Ipv4Addr; vport: number; server: Ipv4Addr; sport: number; state: number; timeoutNs: number }): LbConn | string {
    const svc = this.byVip.get(serviceKey(e.vip, e.proto, e.vport));
    if (!svc) return `${this.name} has no service on ${fmtIp(e.vip)}:${e.vport}`;
    const idx = svc.servers.findIndex((s) => s.addr === e.server && s.port === e.sport);
    if (idx < 0) return `${svc.cfg.name} has no real server ${fmtIp(e.server)}:${e.sport}`;
    const now = this.net.sim.now;
    let c = this.inTable.get(e.client, e.cport, e.vip, e.vport, e.proto);
    if (c && c.backend.index !== idx) {
      this.net.sim.cancel(c.timer);
      c.timer = null;
      this.expire(c, 'the sync master says it uses another server');
      c = undefined;
    }
    if (!c) {
      const mode = svc.mode;
      if (mode === 'snat' || mode === 'transparent') return `${svc.cfg.name} is in ${mode} mode, which IPVS sync does not carry`;
      const inputOnly = mode === 'dsr' || mode === 'tunnel';
      c = new LbConn(svc.index, e.proto, e.client, e.cport, e.vip, e.vport, svc.backends[idx]!, e.server, e.sport, e.client, e.cport, inputOnly, mode);
      c.backend.active++;
      this.track(c, e.timeoutNs);
    }
    if (e.proto === IPPROTO.TCP) setConnState(c, e.state);
    c.expires = now + e.timeoutNs;
    const made = c;
    this.net.trace.state(this.name, () => this.connChange(made, 'add'), () => `${this.name} learns ${fmtIp(e.client)}:${e.cport} -> ${made.backend.name} (${made.stateName()}) from the sync master`);
    return c;
  }

  // ------------------------------------------------------------ expiry

  override onEvent(kind: number, a: unknown, b: unknown): void {
    if (kind !== EV_EXPIRE) {
      super.onEvent(kind, a, b);
      return;
    }
    const c = a as LbConn;
    c.timer = null;
    if (!this.conns.has(c)) return;
    const now = this.net.sim.now;
    if (c.expires > now) {
      c.timer = this.net.sim.timer(c.expires - now, this, EV_EXPIRE, c);
      return;
    }
    this.expire(c);
  }

  override kindName(kind: number): string {
    return kind === EV_EXPIRE ? 'LB connection expiry' : super.kindName(kind);
  }

  /** Removes a connection from the table now (a reset by `on_down: reset`); traced as lb-conn del. */
  forget(c: LbConn, why: string): void {
    if (!this.conns.has(c)) return;
    this.net.sim.cancel(c.timer);
    c.timer = null;
    this.expire(c, why);
  }

  protected expire(c: LbConn, why = `${c.stateName()} timed out`): void {
    const now = this.net.sim.now;
    this.conns.delete(c);
    this.inTable.delete(c.client, c.cport, c.vip, c.vport, c.proto);
    if (!c.inputOnly) this.outTable.delete(c.server, c.sport, c.laddr, c.lport, c.proto);
    if (c.inactive) c.backend.inactive--;
    else c.backend.active--;
    const svc = this.services[c.service]!;
    if (svc.persist) svc.persist.connectionClosed(c.client, c.backend.index, now);
    this.net.trace.state(this.name, () => this.connChange(c, 'del'), () => `${this.name} forgets ${fmtIp(c.client)}:${c.cport} -> ${c.backend.name} (${why})`);
  }

  /**
   * Response-time measurement for least-response-time: from the first data
   * segment of a request to the first data segment of the server's answer,
   * as seen at the LB (only where replies cross it: nat, snat, transparent).
   */
  protected measure(c: LbConn, ip: Ipv4, dir: number): void {
    const p = ip.payload;
    const len = p.kind === 'tcp' || p.kind === 'udp' ? p.payload.length : 0;
    if (len === 0) return;
    if (dir === DIR.INPUT) {
      if (c.requestAt < 0) c.requestAt = this.net.sim.now;
    } else if (c.requestAt >= 0) {
      observeResponse(c.backend, this.net.sim.now - c.requestAt);
      c.requestAt = -1;
    }
  }

  /** A packet of a connection: its IPVS state moves on (traced when it changes) and its expiry is pushed back. */
  protected touch(c: LbConn, dir: number, flags: number): void {
    if (c.proto === IPPROTO.TCP) {
      const next = nextTcpState(c.state, c.inputOnly ? DIR.INPUT_ONLY : dir, flags);
      if (setConnState(c, next)) {
        this.net.trace.state(this.name, () => this.connChange(c, 'state'), () => `${this.name}: ${fmtIp(c.client)}:${c.cport} via ${c.backend.name} is now ${c.stateName()}`);
      }
    }
    c.expires = this.net.sim.now + c.timeout();
  }

  /** Enters a new connection in both tables and starts its expiry timer. */
  protected track(c: LbConn, timeoutNs: number): void {
    this.inTable.set(c.client, c.cport, c.vip, c.vport, c.proto, c);
    if (!c.inputOnly) this.outTable.set(c.server, c.sport, c.laddr, c.lport, c.proto, c);
    this.conns.add(c);
    c.timer = this.net.sim.timer(timeoutNs, this, EV_EXPIRE, c);
  }

  /** The lb-conn trace event of a connection. */
  protected connChange(c: LbConn, op: 'add' | 'state' | 'del') {
    return { what: 'lb-conn' as const, op, service: this.services[c.service]!.cfg.name, client: `${fmtIp(c.client)}:${c.cport}`, server: c.backend.name, state: c.stateName() };
  }
}

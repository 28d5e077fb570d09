/**
 * Turns a checked Scenario (src/scenario) into a running network: nodes in
 * file order (so MAC addresses are allocated the same way every time), their
 * interfaces, addresses, routes and sysctls, links, load-balancer services,
 * applications and the timeline. Nodes never read scenario files; this is
 * the only place that knows both sides.
 *
 * What the scenario names but this version cannot simulate is refused with
 * a BuildError that points at the file, never silently skipped.
 */
import { Network } from '../net/network.js';
import { Host, type Route } from '../net/host.js';
import { Switch } from '../net/switch.js';
import { NatGateway } from '../net/nat.js';
import type { Iface } from '../net/iface.js';
import type { NetNode } from '../net/node.js';
import type { EventTarget } from '../sim/sim.js';
import { LoadBalancer } from '../lb/node.js';
import { HttpServer } from '../apps/http-server.js';
import { HttpClient } from '../apps/http-client.js';
import { TcpEchoServer } from '../apps/tcp-echo.js';
import { UdpEchoServer } from '../apps/udp-echo.js';
import { Ping } from '../apps/ping.js';
import { TcpConnect } from '../apps/tcp-connect.js';
import { RawTcpClient, RawTcpServer, type RawDelays } from '../apps/tcp-raw.js';
import { DnsServer } from '../apps/dns-server.js';
import { DnsLookupApp, DnsResolver } from '../apps/dns-resolver.js';
import type { AppSpec, RawDelaysSpec, IpNodeBase, NodeSpec, ReplaySpec, Scenario, SourcePos, TimelineAction, TimelineEvent, CapacitySpec } from '../scenario/types.js';
import { readCapture } from '../pcap/read.js';
import { haPower, haVrrp, prepareHa, startHa } from './ha.js';
import { BuildError, type BuildIo, type BuiltApps, type BuiltScenario } from './built.js';
import { replay as replayCapture, type ReplayPlan, type ReplayTarget } from '../pcap/replay.js';

const EV_TIMELINE = 1;

/** Runs timeline actions at their time. */
class Timeline implements EventTarget {
  readonly label = 'timeline';

  constructor(private readonly built: BuiltScenario) {}

  onEvent(_kind: number, a: unknown): void {
    applyAction(this.built, a as TimelineEvent);
  }

  kindName(): string {
    return 'timeline action';
  }
}

function ipNode(net: Network, spec: NodeSpec): NetNode {
  switch (spec.kind) {
    case 'host':
      return net.add(new Host(net, spec.name, 'host'));
    case 'router':
      return net.add(new Host(net, spec.name, 'router'));
    case 'gateway':
      return net.add(new NatGateway(net, spec.name));
    case 'lb':
      return net.add(new LoadBalancer(net, spec.name));
    case 'switch':
      return net.add(new Switch(net, spec.name, { aging: spec.aging }));
    case 'dns':
      // A DNS server is a Linux host running the server on UDP 53 (started once its addresses exist).
      return net.add(new Host(net, spec.name, 'host'));
  }
}

function ifaceOf(h: Host, name: string, pos: SourcePos): Iface {
  const i = h.iface(name);
  if (!i) throw new BuildError(`${h.name} has no interface ${name}`, pos);
  return i;
}

/** Interfaces, addresses, loopback, sysctls and ipip of an IP node (routes come after every address exists). */
function configureIp(h: Host, spec: IpNodeBase): void {
  for (const s of spec.sysctls) h.sysctl.set(s.name, s.value);
  for (const i of spec.interfaces) {
    const iface = h.addIface(i.name, i.mac ?? undefined);
    for (const a of i.addrs) h.addAddress(iface, a.addr, a.len);
  }
  for (const a of spec.loopback) h.addLoopbackAddress(a.addr, a.len);
  if (spec.ipip) h.enableIpip();
}

function configureRoutes(h: Host, spec: IpNodeBase): void {
  if (spec.gateway) {
    h.addRoute({ prefix: 0, len: 0, via: spec.gateway.via, iface: ifaceOf(h, spec.gateway.dev, spec.gateway.pos), metric: 0, src: null, proto: 'static' });
  }
  for (const r of spec.routes) {
    const route: Route = {
      prefix: r.to.addr,
      len: r.to.len,
      via: r.via,
      iface: ifaceOf(h, r.dev, r.pos),
      metric: r.metric,
      src: null,
      proto: 'static',
      ...(r.nexthops ? { nexthops: r.nexthops.map((n) => ({ via: n.via, iface: ifaceOf(h, n.dev, r.pos), weight: n.weight })) } : {}),
    };
    h.addRoute(route);
  }
}

function capacity(spec: CapacitySpec) {
  return {
    serviceTime: spec.serviceTime,
    ...(spec.workers !== null ? { workers: spec.workers } : {}),
    ...(spec.queue !== null ? { queue: spec.queue } : {}),
    ...(spec.maxConnections !== null ? { maxConnections: spec.maxConnections } : {}),
    ...(spec.backlog !== null ? { backlog: spec.backlog } : {}),
  };
}

/** A raw app's delays as the app takes them (unset ones left out: zero, no draw). */
function rawDelays(d: RawDelaysSpec): RawDelays {
  return { ...(d.afterConnect ? { afterConnect: d.afterConnect } : {}), ...(d.beforeResponse ? { beforeResponse: d.beforeResponse } : {}), ...(d.beforeClose ? { beforeClose: d.beforeClose } : {}) };
}

function hostOf(net: Network, name: string, pos: SourcePos): Host {
  const n = net.node(name);
  if (!(n instanceof Host)) throw new BuildError(`${name} is not a host that can run applications`, pos);
  return n;
}

function startApp(net: Network, spec: AppSpec, apps: BuiltApps): void {
  const h = hostOf(net, spec.on, spec.pos);
  switch (spec.kind) {
    case 'http-server':
      apps.httpServers.push({
        spec,
        app: new HttpServer(h, {
          port: spec.port,
          status: spec.status,
          ...(spec.body !== null ? { body: spec.body } : {}),
          cookie: spec.cookie,
          ...(spec.defaultHeaders ? { headers: spec.headers } : { exactHeaders: spec.headers }),
          minor: spec.version === '1.0' ? 0 : 1,
          sessionKey: spec.sessionKey,
          ...(spec.idleTimeout !== null ? { idleTimeout: spec.idleTimeout } : {}),
          ...capacity(spec),
        }),
      });
      return;
    case 'http-client': {
      const r = spec.resolver;
      const resolver = r ? new DnsResolver(h, r.servers.map((x) => x.addr), { cache: r.cache, timeout: r.timeout, attempts: r.attempts, rotate: r.rotate, id: `http-client-${spec.id}` }) : null;
      if (resolver) apps.resolvers.push({ owner: `${spec.on} http-client ${spec.id}`, name: spec.to.text, resolver });
      apps.httpClients.push({
        spec,
        app: new HttpClient(h, spec.to.addr, {
          port: spec.port,
          count: spec.requests,
          method: spec.method,
          path: spec.path,
          ...(spec.paths ? { paths: spec.paths } : {}),
          ...(spec.defaultHeaders ? { headers: spec.headers } : { exactHeaders: spec.headers }),
          minor: spec.version === '1.0' ? 0 : 1,
          ...(spec.body !== null ? { body: spec.body } : {}),
          ...(spec.afterConnect !== null ? { afterConnect: spec.afterConnect } : {}),
          cookies: spec.cookies,
          ...(spec.host !== null ? { hostHeader: spec.host } : {}),
          keepAlive: spec.keepalive,
          concurrency: spec.concurrency,
          thinkTime: spec.thinkTime,
          startAt: spec.start,
          id: spec.id,
          ...(spec.rate ? { rate: spec.rate.perSec, poisson: spec.rate.poisson } : {}),
          ...(spec.timeout !== null ? { maxTime: spec.timeout } : {}),
          ...(resolver ? { name: spec.to.text, resolver } : {}),
        }),
      });
      return;
    }
    case 'tcp-echo-server':
      apps.echoServers.push({ spec, app: new TcpEchoServer(h, { port: spec.port, ...capacity(spec) }) });
      return;
    case 'udp-echo-server':
      apps.echoServers.push({ spec, app: new UdpEchoServer(h, spec.port) });
      return;
    case 'ping':
      apps.pings.push({ spec, app: new Ping(h, spec.to.addr, { count: spec.count, interval: spec.interval, size: spec.size, timeout: spec.timeout }, spec.start) });
      return;
    case 'tcp-connect':
      apps.connects.push({ spec, app: new TcpConnect(h, spec.to.addr, spec.port, spec.start) });
      return;
    case 'tcp-client':
      apps.raw.push({ spec, app: new RawTcpClient(h, spec.to.addr, { port: spec.port, startAt: spec.start, send: spec.send, close: spec.close, delays: rawDelays(spec.delays), id: spec.id }) });
      return;
    case 'tcp-server':
      apps.raw.push({ spec, app: new RawTcpServer(h, { port: spec.port, send: spec.send, close: spec.close, delays: rawDelays(spec.delays), id: spec.id }) });
      return;
    case 'dns-lookup': {
      const r = spec.resolver;
      const resolver = new DnsResolver(h, r.servers.map((x) => x.addr), { cache: spec.cache, timeout: r.timeout, attempts: r.attempts, rotate: r.rotate, id: `dns-lookup-${spec.id}` });
      apps.resolvers.push({ owner: `${spec.on} dns-lookup ${spec.id}`, name: spec.name, resolver });
      apps.lookups.push({ spec, app: new DnsLookupApp(resolver, spec.name, spec.repeat, spec.interval, spec.start) });
      return;
    }
  }
}

/** Builds the network of a checked scenario. Throws BuildError for what cannot be built. */
export function buildScenario(sc: Scenario, io: BuildIo = {}): BuiltScenario {
  const net = new Network({ seed: sc.seed, ...(sc.run.budget !== null ? { budget: sc.run.budget } : {}) });
  const apps: BuiltApps = { httpServers: [], httpClients: [], pings: [], connects: [], echoServers: [], raw: [], replays: [], dnsServers: [], resolvers: [], lookups: [] };
  // Nodes and their interfaces in file order: this fixes MAC allocation.
  for (const spec of sc.nodes) {
    const node = ipNode(net, spec);
    if (spec.kind === 'switch') {
      const sw = node as Switch;
      for (const p of spec.ports) sw.addPort(p.name, { mode: p.mode, vlan: p.vlan, allowed: p.allowed });
    } else {
      configureIp(node as Host, spec);
    }
  }
  for (const spec of sc.nodes) {
    if (spec.kind === 'switch') {
      const sw = net.node(spec.name) as Switch;
      for (const g of spec.aggregate) sw.aggregate(g.map((p) => sw.ifaces.find((i) => i.name === p)!));
      continue;
    }
    const h = net.node(spec.name) as Host;
    if (spec.kind === 'lb' && spec.bridge) {
      (h as LoadBalancer).bridge(spec.bridge.ports.map((p) => ifaceOf(h, p, spec.bridge!.pos)), spec.bridge.addr.addr, spec.bridge.addr.len, spec.bridge.mac ?? undefined);
    }
    for (const nb of spec.neighbors) h.addPermanentNeighbour(ifaceOf(h, nb.dev, nb.pos), nb.addr, nb.mac);
    configureRoutes(h, spec);
  }
  const links = sc.links.map((l) => {
    const a = endpoint(net, l.a.node, l.a.iface, l.pos);
    const b = endpoint(net, l.b.node, l.b.iface, l.pos);
    return net.connect(a, b, { delay: l.delay, bandwidth: l.bandwidth, loss: l.loss, queue: l.queue }, l.name);
  });
  prepareHa(net, sc);
  for (const spec of sc.nodes) {
    if (spec.kind === 'gateway') {
      const gw = net.node(spec.name) as NatGateway;
      if (spec.masquerade) gw.masquerade(ifaceOf(gw, spec.masquerade, spec.pos));
      for (const f of spec.forwards) gw.addPortForward({ proto: f.proto, port: f.port, to: f.to.addr, toPort: f.toPort });
    }
    if (spec.kind === 'lb') {
      const lb = net.node(spec.name) as LoadBalancer;
      for (const s of spec.services) {
        try {
          lb.addService({
            name: s.name,
            vip: s.vip,
            proto: s.proto,
            port: s.port,
            mode: s.mode,
            scheduler: s.scheduler,
            ...(s.persistence ? { persistence: { timeoutNs: s.persistence.timeout, ...(s.persistence.netmask !== null ? { netmask: s.persistence.netmask } : {}) } } : {}),
            snatPool: s.snatPool,
            dsrKeepSourceMac: s.keepSourceMac,
            dsrForwarder: s.forwarder,
            ...(s.health ? { health: s.health } : {}),
            onDown: s.onDown,
            servers: s.servers.map((x) => ({ name: x.name, addr: x.addr, port: x.port, weight: x.weight, state: x.state, ...(x.health !== undefined ? { health: x.health } : {}), ...(s.forwarder === 'tc' ? macOf(net, x.node, x.addr) : {}) })),
          });
        } catch (e) {
          throw new BuildError(`service ${s.name}: ${(e as Error).message.replace(/^service [^:]+: /, '')}`, s.pos);
        }
      }
      for (const p of spec.proxies) {
        try {
          lb.addProxy(p);
        } catch (e) {
          throw new BuildError(`proxy ${p.name}: ${(e as Error).message}`, p.pos);
        }
      }
    }
  }
  for (const spec of sc.nodes) {
    if (spec.kind === 'dns') apps.dnsServers.push({ node: spec.name, app: new DnsServer(net.node(spec.name) as Host, spec.zones.map((z) => ({ name: z.name, addrs: z.a, ttl: z.ttl }))) });
  }
  try {
    startHa(net, sc);
  } catch (e) {
    throw new BuildError((e as Error).message, sc.nodes.find((n) => n.kind === 'lb' && n.vrrp)?.pos ?? null);
  }
  for (const a of sc.apps) startApp(net, a, apps);
  for (const r of sc.replay) apps.replays.push({ spec: r, plan: startReplay(net, r, io, sc.files[0] ?? r.pos.file) });
  const built: BuiltScenario = { scenario: sc, net, apps, links };
  const tl = new Timeline(built);
  for (const ev of sc.timeline) net.sim.at(ev.at, tl, EV_TIMELINE, ev);
  return built;
}

/** Reads a capture and schedules its client flows on the mapped hosts (src/pcap/replay.ts). */
function startReplay(net: Network, r: ReplaySpec, io: BuildIo, top: string): ReplayPlan {
  if (!io.readBinary) throw new BuildError(`replay of ${r.written}: this caller cannot read capture files (pass a reader to buildScenario)`, r.pos);
  let bytes: Uint8Array;
  try {
    bytes = io.readBinary(r.file, top);
  } catch (e) {
    throw new BuildError(`cannot read the capture ${r.written} (${r.file}): ${(e as Error).message}`, r.pos);
  }
  const cap = readCapture(bytes, r.file);
  if (!cap.ok) throw new BuildError(`the capture ${r.written} is not readable: ${cap.error.message}`, r.pos);
  const clients = new Map(r.clients.map((c) => [c.addr, hostOf(net, c.node, r.pos)] as const));
  const servers = new Map<string, ReplayTarget>(r.servers.map((s) => [s.captured, { addr: s.to.addr, port: s.port ?? 0 }] as const));
  return replayCapture(cap.value.packets, { clients, servers }, { start: r.start, keepPorts: r.keepPorts });
}

/** The MAC of the interface holding `addr` on `node`: what a tc forwarder's configuration names for a server. */
function macOf(net: Network, node: string | null, addr: number): { mac?: number } {
  const i = node === null ? undefined : net.node(node)?.ifaces.find((f) => f.hasAddr(addr));
  return i ? { mac: i.mac } : {};
}

function endpoint(net: Network, node: string, iface: string, pos: SourcePos): Iface {
  const n = net.node(node);
  const i = n?.ifaces.find((x) => x.name === iface);
  if (!i) throw new BuildError(`${node} has no interface or port ${iface}`, pos);
  return i;
}

function serverApps(built: BuiltScenario, on: string, port: number | null): HttpServer[] {
  return built.apps.httpServers.filter((s) => s.app.host.name === on && (port === null || s.app.port === port)).map((s) => s.app);
}

/** Applies one timeline action (traced by the objects it changes). */
function applyAction(built: BuiltScenario, ev: TimelineEvent): void {
  const net = built.net;
  const a: TimelineAction = ev.action;
  const trace = net.trace;
  switch (a.kind) {
    case 'fail':
    case 'restore': {
      // A host that dies (or is switched off) stops sending and answering; it comes back as a rebooted machine.
      const n = net.node(a.node)!;
      const up = a.kind === 'restore';
      if (n instanceof Host) {
        if (up) n.powerOn();
        else n.powerOff();
      } else {
        for (const i of n.ifaces) i.up = up;
        trace.state(a.node, { what: 'note', detail: { node: a.node, up } }, () => `${a.node} ${up ? 'is back up' : 'fails: it stops forwarding (switched off)'}`);
      }
      haPower(net, a.node, up);
      return;
    }
    case 'link-down':
    case 'link-up':
      built.links[a.link]!.setUp(a.kind === 'link-up');
      return;
    case 'server-state':
      (net.node(a.server.lb) as LoadBalancer).setServer(a.server.service, a.server.server, { state: a.state });
      return;
    case 'weight':
      (net.node(a.server.lb) as LoadBalancer).setServer(a.server.service, a.server.server, { weight: a.value });
      return;
    case 'add-server':
      (net.node(a.service.lb) as LoadBalancer).addServer(a.service.service, { name: a.server.name, addr: a.server.addr, port: a.server.port, weight: a.server.weight, state: a.server.state, ...(a.server.health !== undefined ? { health: a.server.health } : {}) });
      return;
    case 'remove-server':
      // IPVS removes the destination; lblab disables it so running connections and indices stay valid.
      (net.node(a.server.lb) as LoadBalancer).setServer(a.server.service, a.server.server, { state: 'disabled', weight: 0 });
      return;
    case 'mode':
      (net.node(a.service.lb) as LoadBalancer).setMode(a.service.service, a.value);
      return;
    case 'http-status':
      for (const s of serverApps(built, a.on, a.port)) s.setStatus(a.value);
      return;
    case 'http-body':
      for (const s of serverApps(built, a.on, a.port)) s.setBody(a.value);
      return;
    case 'service-time':
      for (const s of serverApps(built, a.on, a.port)) s.setServiceTime(a.value);
      return;
    case 'stop-server':
      for (const s of serverApps(built, a.on, a.port)) s.stop();
      return;
    case 'start-server':
      for (const s of serverApps(built, a.on, a.port)) s.start();
      return;
    case 'accepting':
      setAccepting(built, a.on, a.port, a.value);
      return;
    case 'vrrp-stop':
    case 'vrrp-start':
      haVrrp(net, a.node, a.kind === 'vrrp-start');
      return;
  }
}

/** Stops or resumes the accept() loop of the server apps (HTTP and TCP echo) on a node, traced as a note. */
function setAccepting(built: BuiltScenario, on: string, port: number | null, value: boolean): void {
  for (const { app } of [...built.apps.httpServers, ...built.apps.echoServers]) {
    if (!('capacity' in app) || app.host.name !== on || (port !== null && app.port !== port)) continue;
    const label = app.capacity.label;
    built.net.trace.state(on, { what: 'note', detail: { app: label, accepting: value } }, () =>
      value
        ? `${label} calls accept() again: the connections waiting in its accept queue are taken`
        : `${label} stops calling accept() (overloaded): handshakes still complete in the kernel until the accept queue holds ${app.capacity.backlog + 1}, then SYNs are dropped`,
    );
    // After the note, so the answers to the connections that waited follow it in the trace.
    app.capacity.setAccepting(value);
  }
}

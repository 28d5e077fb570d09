/**
 * The apps section: each app on its node with its defaults, one listener
 * per port and protocol, an http-client's resolver and DNS name, server
 * capacity and service times; then the warning for servers of a service
 * or pool that no app listens for.
 */
import { parseIpv4 } from '../../wire/addr.js';
import { closest } from '../errors.js';
import { DNS_NAME_RE } from '../schema.js';
import type { AppSpec, CapacitySpec, RawDelaysSpec, ResolverSpec, ServiceTimeSpec, Target } from '../types.js';
import { pathText, type PathSeg } from '../yaml-source.js';
import { assertNever, dnsKey, SEC, type Ctx, type RawResolver, type RawServiceTime } from './context.js';
import type { Names } from './names.js';

/** Resolves the apps, one listener per node, protocol and port. */
export function resolveApps(c: Ctx, nm: Names): AppSpec[] {
  const { raw, at, where, error, warn, nodes, services, proxies, listeners } = c;
  const { ipNode, target, dnsTarget } = nm;
  const serviceTime = (st: RawServiceTime, path: PathSeg[]): ServiceTimeSpec => serviceTimeSpec(c, st, path);
  const apps: AppSpec[] = [];
  const perKind = new Map<string, number>();
  (raw.apps ?? []).forEach((a, k) => {
    const path: PathSeg[] = ['apps', k];
    const n = ipNode([...path, 'on'], a.on, 'an app');
    if (!n) return;
    const kindKey = `${a.on}/${a.kind}`;
    const seq = perKind.get(kindKey) ?? 0;
    perKind.set(kindKey, seq + 1);
    const base = { on: a.on, id: a.id ?? String(seq), pos: at(path) };
    const listen = (proto: string, port: number): void => {
      const key = `${a.on}/${proto}/${port}`;
      const prev = listeners.get(key);
      if (prev) error([...path, 'port'], 'port-in-use', `${a.on} already has an app on ${proto} port ${port} (${pathText(prev)}, ${where(prev)})`);
      else listeners.set(key, path);
    };
    switch (a.kind) {
      case 'http-server': {
        const port = a.port ?? 80;
        listen('tcp', port);
        apps.push({ kind: 'http-server', ...base, ...capacity(a, [...path, 'service_time']), port, status: a.status ?? 200, body: a.body ?? null, cookie: a.cookie ?? false, idleTimeout: a.idle_timeout ?? null, headers: Object.entries(a.headers ?? {}).map(([name, value]) => ({ name, value })), defaultHeaders: a.default_headers ?? a.headers === undefined, version: a.version ?? '1.1', sessionKey: a.session_key ?? 'ip' });
        return;
      }
      case 'tcp-echo-server': {
        const port = a.port ?? 7;
        listen('tcp', port);
        apps.push({ kind: 'tcp-echo-server', ...base, ...capacity(a, [...path, 'service_time']), port });
        return;
      }
      case 'udp-echo-server': {
        const port = a.port ?? 7;
        listen('udp', port);
        apps.push({ kind: 'udp-echo-server', ...base, port });
        return;
      }
      case 'http-client': {
        const rs = a.resolver ? resolverSpec(a.resolver, [...path, 'resolver'], a.to, [...path, 'to']) : null;
        const t = a.resolver ? (rs ? dnsTarget(a.to) : null) : target(a.to, [...path, 'to']);
        if (!t) return;
        apps.push({
          kind: 'http-client',
          ...base,
          to: t,
          port: a.port ?? (t.kind === 'vip' ? vipPort(t) : 80),
          path: a.path ?? a.paths?.[0] ?? '/',
          paths: a.paths ?? null,
          headers: Object.entries(a.headers ?? {}).map(([name, value]) => ({ name, value })),
          defaultHeaders: a.default_headers ?? a.headers === undefined,
          version: a.version ?? '1.1',
          body: a.body ?? null,
          afterConnect: a.delays?.after_connect === undefined ? null : serviceTime(a.delays.after_connect, [...path, 'delays', 'after_connect']),
          cookies: a.cookies ?? false,
          method: a.method ?? 'GET',
          host: a.host ?? null,
          requests: a.requests ?? 1,
          rate: a.rate ?? null,
          concurrency: a.concurrency ?? 1,
          thinkTime: a.think_time ?? 0,
          start: a.start ?? 0,
          keepalive: a.keepalive ?? false,
          timeout: a.timeout ?? null,
          resolver: rs,
        });
        return;
      }
      case 'ping': {
        const t = target(a.to, [...path, 'to']);
        if (!t) return;
        apps.push({ kind: 'ping', ...base, to: t, count: a.count ?? 3, interval: a.interval ?? SEC, size: a.size ?? 56, timeout: a.timeout ?? 10 * SEC, start: a.start ?? 0 });
        return;
      }
      case 'tcp-connect': {
        const t = target(a.to, [...path, 'to']);
        if (!t) return;
        apps.push({ kind: 'tcp-connect', ...base, to: t, port: a.port, start: a.start ?? 0 });
        return;
      }
      case 'tcp-client': {
        const t = target(a.to, [...path, 'to']);
        if (!t) return;
        apps.push({ kind: 'tcp-client', ...base, to: t, port: a.port, start: a.start ?? 0, send: bytesOf(a.send), close: a.close ?? true, delays: delays(a.delays, [...path, 'delays']) });
        return;
      }
      case 'tcp-server': {
        listen('tcp', a.port);
        apps.push({ kind: 'tcp-server', ...base, port: a.port, send: a.send === undefined ? new Uint8Array(0) : bytesOf(a.send), close: a.close ?? true, delays: delays(a.delays, [...path, 'delays']) });
        return;
      }
      case 'dns-lookup': {
        if (!DNS_NAME_RE.test(a.name)) {
          error([...path, 'name'], 'bad-value', `\`${a.name}\` is not a DNS name; write letters, digits and - in labels joined by dots, such as shop.example`, { found: a.name });
          return;
        }
        const rs = nameserverSpec(a, path, a.cache ?? 'ttl', 'lookup');
        if (!rs) return;
        apps.push({ kind: 'dns-lookup', ...base, name: a.name, server: rs.server, resolver: rs, start: a.start ?? 0, cache: a.cache ?? 'ttl', repeat: a.repeat ?? 1, interval: a.interval ?? SEC });
        return;
      }
      default:
        assertNever(a);
    }
  });


  /** Checks a client's resolver and the name it will look up (`to`). */
  /** resolv.conf of a resolver: `server` or `nameservers` (exactly one), timeout, attempts, rotate. */
  function nameserverSpec(r: Pick<RawResolver, 'server' | 'nameservers' | 'timeout' | 'attempts' | 'rotate'>, path: PathSeg[], cache: ResolverSpec['cache'], what: string): ResolverSpec | null {
    if ((r.server === undefined) === (r.nameservers === undefined)) {
      error(path, r.server === undefined ? 'missing-key' : 'bad-value', r.server === undefined ? 'write the nameserver to ask: `server: dns1`, or several in order: `nameservers: [dns1, dns2]`' : 'write `server` (one nameserver) or `nameservers` (a list), not both');
      return null;
    }
    const list = r.nameservers ?? [r.server!];
    const key = r.nameservers ? 'nameservers' : 'server';
    const servers: Target[] = [];
    list.forEach((x, i) => {
      const p: PathSeg[] = r.nameservers ? [...path, key, i] : [...path, key];
      const t = target(x, p);
      if (!t) return;
      if (t.node !== null && nodes.get(t.node)?.kind !== 'dns' && t.kind !== 'vip') warn(p, 'not-dns', `${t.node} is a ${nodes.get(t.node)!.kind}, not a dns node; nothing will answer the ${what}`);
      servers.push(t);
    });
    if (servers.length !== list.length) return null;
    return { server: servers[0]!, servers, rotate: r.rotate ?? false, cache, timeout: r.timeout ?? 5 * SEC, attempts: r.attempts ?? 2 };
  }

  function resolverSpec(r: RawResolver, path: PathSeg[], name: string, namePath: PathSeg[]): ResolverSpec | null {
    if (parseIpv4(name) !== null || name.startsWith('vip:') || !DNS_NAME_RE.test(name)) {
      error(namePath, 'bad-value', `with a \`resolver\`, \`to\` is a DNS name to look up, such as shop.example; \`${name}\` is not one (drop \`resolver\` to call an address or a node directly)`, { found: name });
      return null;
    }
    const spec = nameserverSpec(r, path, r.cache ?? 'ttl', 'lookups');
    if (!spec) return null;
    const server = spec.server;
    const sn = server.node !== null ? raw.nodes[server.node] : undefined;
    if (sn && sn.kind === 'dns' && !Object.keys(sn.zones ?? {}).some((z) => dnsKey(z) === dnsKey(name))) {
      const known = Object.keys(sn.zones ?? {});
      warn(namePath, 'unknown-dns-name', `${server.node} has no record for ${name}, so every lookup fails${known.length ? `; it serves ${known.join(', ')}` : ''}`, { found: name, ...(known.length ? { suggestion: `write one of ${known.join(', ')}${closest(name, known) ? ` (did you mean ${closest(name, known)}?)` : ''}` } : {}) });
    }
    return spec;
  }

  /** A raw app's think times as written (null = 0). */
  function delays(d: { after_connect?: RawServiceTime; before_response?: RawServiceTime; before_close?: RawServiceTime } | undefined, path: PathSeg[]): RawDelaysSpec {
    const one = (v: RawServiceTime | undefined, k: string) => (v === undefined ? null : serviceTime(v, [...path, k]));
    return { afterConnect: one(d?.after_connect, 'after_connect'), beforeResponse: one(d?.before_response, 'before_response'), beforeClose: one(d?.before_close, 'before_close') };
  }

  function vipPort(t: Target): number {
    const px = proxies.get(`${t.node}/${t.detail}`);
    if (px) return px.port;
    return services.get(`${t.node}/${t.detail}`)?.spec.port ?? 80;
  }

  function capacity(a: { service_time?: RawServiceTime; workers?: number; queue?: number; max_connections?: number; backlog?: number }, path: PathSeg[]): CapacitySpec {
    return {
      serviceTime: a.service_time === undefined ? { dist: 'fixed', ns: 0 } : serviceTime(a.service_time, path),
      workers: a.workers ?? null,
      queue: a.queue ?? null,
      maxConnections: a.max_connections ?? null,
      backlog: a.backlog ?? null,
    };
  }
  return apps;
}

/** The bytes of a raw app's `send`: text in UTF-8, or hex pairs. */
function bytesOf(p: string | { hex: string }): Uint8Array {
  if (typeof p !== 'string') return Uint8Array.from(p.hex.replace(/\s+/g, '').match(/../g) ?? [], (h) => parseInt(h, 16));
  return new TextEncoder().encode(p);
}

/** Warns about servers of services and proxy pools that no app listens for (run after the apps). */
export function checkListeners(c: Ctx): void {
  const { warn, services, proxyServers, listeners } = c;
  // Servers of balanced services should have something listening on their port.
  for (const s of services.values()) {
    s.spec.servers.forEach((sv, k) => {
      if (sv.node === null) return;
      if (!listeners.has(`${sv.node}/${s.spec.proto}/${sv.port}`)) {
        const app = s.spec.proto === 'tcp' ? (sv.port === 80 || sv.port === 8080 ? 'http-server' : 'http-server or tcp-echo-server') : 'udp-echo-server';
        warn(['nodes', s.lb, 'services', s.name, 'servers', k], 'no-listener', `${sv.name} is a server of ${s.lb}/${s.name} on ${s.spec.proto} port ${sv.port}, but no app listens there; add an ${app} app on ${sv.node}`);
      }
    });
  }

  for (const x of proxyServers) {
    if (!listeners.has(`${x.node}/tcp/${x.port}`)) warn(x.path, 'no-listener', `${x.text}, but no app listens there; add an http-server app on ${x.node}`);
  }
}

/** A service time as written -> its distribution (also for the timeline's service_time). */
export function serviceTimeSpec(c: Ctx, st: RawServiceTime, path: PathSeg[]): ServiceTimeSpec {
  const { error } = c;
  if (typeof st === 'number') return { dist: 'fixed', ns: st };
  if (st.exp !== undefined) return { dist: 'exponential', mean: st.exp };
  if (st.uniform !== undefined) {
    const [min, max] = st.uniform;
    if (min > max) error([...path, 'uniform'], 'bad-value', 'a uniform service time is [min, max]; here min is larger than max', { suggestion: 'swap the two values' });
    return { dist: 'uniform', min, max };
  }
  const [mean, stddev] = st.normal!;
  return { dist: 'normal', mean, stddev };
}

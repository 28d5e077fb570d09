/**
 * The timeline section: entries in time order, each action resolved
 * against the network as the earlier entries leave it (servers added and
 * removed, apps that exist to be changed, links that exist to go down).
 */
import type { LbMode } from '../../lb/modes.js';
import type { RawScenario } from '../schema.js';
import type { AppSpec, Endpoint, LinkSpec, ServiceTimeSpec, TimelineAction, TimelineEvent } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import { serviceTimeSpec } from './apps.js';
import type { Ctx, RawServiceTime } from './context.js';
import type { Names } from './names.js';
import type { Servers } from './servers.js';

/** Resolves the timeline, given the apps and links it may change. */
export function resolveTimeline(c: Ctx, nm: Names, sv: Servers, apps: readonly AppSpec[], links: readonly LinkSpec[]): TimelineEvent[] {
  const { raw, at, error, services, proxies } = c;
  const { ipNode, service, serverRef, nodeExists, endpointRef, vrrpLb } = nm;
  const { serverSpec } = sv;
  const serviceTime = (st: RawServiceTime, path: PathSeg[]): ServiceTimeSpec => serviceTimeSpec(c, st, path);
  const timeline: TimelineEvent[] = [];
  const rawTimeline = (raw.timeline ?? []).map((e, k) => ({ e, k })).sort((x, y) => x.e.at - y.e.at || x.k - y.k);
  for (const { e, k } of rawTimeline) {
    const path: PathSeg[] = ['timeline', k];
    const action = timelineAction(e, path);
    if (action) timeline.push({ at: e.at, action, pos: at(path) });
  }

  function serverAppOn(node: string, path: PathSeg[], port: number | undefined, kinds: readonly string[], what: string): boolean {
    const n = ipNode(path, node, what);
    if (!n) return false;
    const mine = apps.filter((a) => a.on === node && kinds.includes(a.kind) && (port === undefined || ('port' in a && a.port === port)));
    if (mine.length === 0) {
      error(path, 'no-app', `${node} has no ${kinds.join(' or ')} app${port !== undefined ? ` on port ${port}` : ''} to change`, { found: node });
      return false;
    }
    return true;
  }

  function timelineAction(e: NonNullable<RawScenario['timeline']>[number], path: PathSeg[]): TimelineAction | null {
    if (e.fail !== undefined) return nodeExists(e.fail, [...path, 'fail']) ? { kind: 'fail', node: e.fail } : null;
    if (e.restore !== undefined) return nodeExists(e.restore, [...path, 'restore']) ? { kind: 'restore', node: e.restore } : null;
    if (e.link_down !== undefined || e.link_up !== undefined) {
      const key = e.link_down !== undefined ? 'link_down' : 'link_up';
      const pair = (e.link_down ?? e.link_up)!;
      const ends = pair.map((p, i) => endpointRef(p, [...path, key, i]));
      if (!ends[0] || !ends[1]) return null;
      const match = (x: Endpoint, ref: { node: string; iface: string | null }) => x.node === ref.node && (ref.iface === null || x.iface === ref.iface);
      const li = links.findIndex((l) => (match(l.a, ends[0]!) && match(l.b, ends[1]!)) || (match(l.a, ends[1]!) && match(l.b, ends[0]!)));
      if (li < 0) {
        error([...path, key], 'unknown-link', `no link joins ${pair[0]} and ${pair[1]}`, { suggestion: 'name both ends as the link does, e.g. [r1:eth1, sw2:p1]' });
        return null;
      }
      const l = links[li]!;
      return { kind: key === 'link_down' ? 'link-down' : 'link-up', link: li, a: l.a, b: l.b };
    }
    for (const [key, state] of [
      ['drain', 'draining'],
      ['enable', 'enabled'],
      ['disable', 'disabled'],
    ] as const) {
      const ref = e[key];
      if (ref !== undefined) {
        const r = serverRef(ref, [...path, key]);
        return r ? { kind: 'server-state', server: r, state } : null;
      }
    }
    if (e.weight !== undefined) {
      const r = serverRef(e.weight.server, [...path, 'weight', 'server']);
      return r ? { kind: 'weight', server: r, value: e.weight.value } : null;
    }
    if (e.add_server !== undefined) {
      const s = service(e.add_server.service, [...path, 'add_server', 'service']);
      if (!s) return null;
      const sv = serverSpec(e.add_server.server, [...path, 'add_server', 'server'], s.spec);
      if (!sv) return null;
      if (s.names.has(sv.name)) {
        error([...path, 'add_server', 'server'], 'duplicate-server', `service ${s.lb}/${s.name} already has a server named \`${sv.name}\``, { found: sv.name });
        return null;
      }
      s.names.add(sv.name);
      return { kind: 'add-server', service: { lb: s.lb, service: s.name }, server: sv };
    }
    if (e.remove_server !== undefined) {
      const r = serverRef(e.remove_server, [...path, 'remove_server']);
      if (!r) return null;
      (services.get(`${r.lb}/${r.service}`) ?? proxies.get(`${r.lb}/${r.service}`))!.names.delete(r.server);
      return { kind: 'remove-server', server: r };
    }
    if (e.mode !== undefined) {
      const s = service(e.mode.service, [...path, 'mode', 'service']);
      if (!s) return null;
      const value = e.mode.value as LbMode;
      const lbRaw = raw.nodes[s.lb];
      if (value === 'transparent' && lbRaw?.kind === 'lb' && lbRaw.bridge === undefined) {
        error([...path, 'mode', 'value'], 'needs-bridge', `transparent mode needs ${s.lb} to have a \`bridge\``);
        return null;
      }
      return { kind: 'mode', service: { lb: s.lb, service: s.name }, value };
    }
    if (e.http_status !== undefined) {
      const x = e.http_status;
      return serverAppOn(x.on, [...path, 'http_status', 'on'], x.port, ['http-server'], 'http_status') ? { kind: 'http-status', on: x.on, port: x.port ?? null, value: x.value } : null;
    }
    if (e.http_body !== undefined) {
      const x = e.http_body;
      return serverAppOn(x.on, [...path, 'http_body', 'on'], x.port, ['http-server'], 'http_body') ? { kind: 'http-body', on: x.on, port: x.port ?? null, value: x.value } : null;
    }
    if (e.service_time !== undefined) {
      const x = e.service_time;
      if (!serverAppOn(x.on, [...path, 'service_time', 'on'], x.port, ['http-server', 'tcp-echo-server'], 'service_time')) return null;
      return { kind: 'service-time', on: x.on, port: x.port ?? null, value: serviceTime(x.value, [...path, 'service_time', 'value']) };
    }
    for (const key of ['vrrp_stop', 'vrrp_start'] as const) {
      const x = e[key];
      if (x === undefined) continue;
      if (!vrrpLb(x, [...path, key])) return null;
      return { kind: key === 'vrrp_stop' ? 'vrrp-stop' : 'vrrp-start', node: x };
    }
    for (const key of ['stop_server', 'start_server'] as const) {
      const x = e[key];
      if (x === undefined) continue;
      const on = typeof x === 'string' ? x : x.on;
      const port = typeof x === 'string' ? undefined : x.port;
      const p = typeof x === 'string' ? [...path, key] : [...path, key, 'on'];
      if (!serverAppOn(on, p, port, ['http-server', 'tcp-echo-server', 'udp-echo-server'], key)) return null;
      return { kind: key === 'stop_server' ? 'stop-server' : 'start-server', on, port: port ?? null };
    }
    for (const key of ['stop_accepting', 'start_accepting'] as const) {
      const x = e[key];
      if (x === undefined) continue;
      const on = typeof x === 'string' ? x : x.on;
      const port = typeof x === 'string' ? undefined : x.port;
      const p = typeof x === 'string' ? [...path, key] : [...path, key, 'on'];
      if (!serverAppOn(on, p, port, ['http-server', 'tcp-echo-server'], key)) return null;
      return { kind: 'accepting', on, port: port ?? null, value: key === 'start_accepting' };
    }
    return null;
  }
  return timeline;
}

/**
 * Real servers and health checks as the file writes them, resolved: shared
 * by L4 services, L7 proxy pools and the timeline's add_server.
 */
import { fmtIp } from '../../wire/addr.js';
import { healthCheck } from '../../lb/health-config.js';
import { fmtDuration, MS } from '../../sim/time.js';
import type { HealthCheckSpec, ServerSpec, ServiceSpec } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import type { Ctx, RawHealth, RawServerItem } from './context.js';
import type { Names } from './names.js';

/** The server and health-check resolvers, bound to one resolution; see makeServers. */
export type Servers = ReturnType<typeof makeServers>;

/** The server and health-check resolvers of a resolution. */
export function makeServers(c: Ctx, nm: Names) {
  const { raw, at, error, needsUntil } = c;
  const { target } = nm;
  /** True when `addr` is a VRRP virtual address of lb `lb` (services on it may exist on every LB of the pair). */
  function floatsOn(lb: string, addr: number): boolean {
    const n = raw.nodes[lb];
    if (!n || n.kind !== 'lb' || !n.vrrp) return false;
    return n.vrrp.addresses.some((a) => ('addr' in a ? a.addr : a.address.addr) === addr);
  }

  /** A server of a service, resolved (also for add_server). */
  function serverSpec(item: RawServerItem, path: PathSeg[], svc: ServiceSpec): ServerSpec | null {
    if (typeof item === 'string') {
      const t = target(item, path);
      if (!t) return null;
      return { name: t.kind === 'address' ? item : t.node !== null && t.kind === 'node' ? t.node : item, node: t.kind === 'node' || t.kind === 'iface' ? t.node : null, addr: t.addr, port: svc.port, weight: 1, state: 'enabled', pos: at(path) };
    }
    const health = healthSpec(item.health, [...path, 'health'], svc.proto);
    const common = { port: item.port ?? svc.port, weight: item.weight ?? 1, state: item.state ?? 'enabled', ...(health !== undefined ? { health } : {}), pos: at(path) } as const;
    if (item.node !== undefined) {
      const t = target(item.node, [...path, 'node']);
      if (!t) return null;
      if (t.kind === 'address' || t.kind === 'vip') {
        error([...path, 'node'], 'bad-value', `\`node:\` names a node; write \`address: ${item.node}\` for a raw address`, { found: item.node });
        return null;
      }
      return { name: item.name ?? (t.kind === 'node' ? t.node! : item.node), node: t.node, addr: t.addr, ...common };
    }
    return { name: item.name ?? fmtIp(item.address!), node: null, addr: item.address!, ...common };
  }

  /** A health check as written -> resolved (defaults of src/lb/health.ts); undefined when absent, null for `false`. */
  function healthSpec(h: RawHealth | undefined, path: PathSeg[], proto: 'tcp' | 'udp'): HealthCheckSpec | null | undefined {
    if (h === undefined) return undefined;
    if (h === false) return null;
    const m = typeof h === 'string' ? { kind: h } : h;
    if (proto === 'udp' && m.kind !== 'icmp') {
      error(typeof h === 'string' ? path : [...path, 'kind'], 'bad-value', `a ${m.kind} check needs a TCP service; this service is UDP, so only an icmp check applies`, { found: m.kind, suggestion: 'kind: icmp' });
      return null;
    }
    const spec = healthCheck(m.kind, {
      ...(typeof h === 'object' && h.interval !== undefined ? { interval: h.interval } : {}),
      ...(typeof h === 'object' && h.timeout !== undefined ? { timeout: h.timeout } : {}),
      ...(typeof h === 'object' && h.rise !== undefined ? { rise: h.rise } : {}),
      ...(typeof h === 'object' && h.fall !== undefined ? { fall: h.fall } : {}),
      ...(typeof h === 'object' && h.port !== undefined ? { port: h.port } : {}),
      ...(typeof h === 'object' && h.path !== undefined ? { path: h.path } : {}),
      ...(typeof h === 'object' && h.expect !== undefined ? { expectStatus: h.expect } : {}),
      ...(typeof h === 'object' && h.contains !== undefined ? { contains: h.contains } : {}),
      ...(typeof h === 'object' && h.host !== undefined ? { host: h.host } : {}),
    });
    if (spec.interval < MS) {
      error([...path, 'interval'], 'bad-value', `a health check interval must be at least 1ms, found ${fmtDuration(spec.interval)}`);
      return null;
    }
    if (spec.timeout <= 0 || spec.timeout > spec.interval) {
      const where = typeof h === 'object' && h.timeout !== undefined ? [...path, 'timeout'] : path;
      error(where, 'bad-value', `a health check's timeout (${fmtDuration(spec.timeout)}) must be above 0 and at most its interval (${fmtDuration(spec.interval)}): a probe ends before the next one starts`, { suggestion: `timeout: ${fmtDuration(Math.max(MS, Math.floor(spec.interval / 2)))}` });
      return null;
    }
    needsUntil(path, 'health', 'health checks probe for ever');
    return spec;
  }
  return { serverSpec, healthSpec, floatsOn };
}

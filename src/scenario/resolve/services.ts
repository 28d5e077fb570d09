/**
 * L4 services of the load balancers: the first pass that indexes every
 * service and proxy (so vip: names resolve everywhere), and the checks of a
 * resolved service (mode against bridge and subnets, unused keys, a VIP
 * taken twice).
 */
import { fmtIp } from '../../wire/addr.js';
import { resolveSchedulerName } from '../../lb/sched/index.js';
import type { LbMode } from '../../lb/modes.js';
import type { ServiceSpec } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import { connected } from './addresses.js';
import type { Ctx, NodeIdx, RawService } from './context.js';
import type { Servers } from './servers.js';

/** Indexes every service (without its servers yet) and every L7 proxy of the lb nodes. */
export function indexServices(c: Ctx, sv: Servers): void {
  const { raw, at, services, proxies } = c;
  const { healthSpec } = sv;
  const rawNodes = Object.entries(raw.nodes);
  for (const [lbName, n] of rawNodes) {
    if (n.kind !== 'lb') continue;
    for (const [svcName, s] of Object.entries(n.services ?? {})) {
      const spec: ServiceSpec = {
        name: svcName,
        lb: lbName,
        vip: s.vip,
        port: s.port,
        proto: s.protocol ?? 'tcp',
        mode: s.mode as LbMode,
        scheduler: resolveSchedulerName(s.scheduler ?? 'round-robin')!,
        persistence: s.persistence === undefined ? null : typeof s.persistence === 'number' ? { timeout: s.persistence, netmask: null } : { timeout: s.persistence.timeout, netmask: s.persistence.netmask ?? null },
        snatPool: s.snat_pool ?? [],
        keepSourceMac: s.keep_source_mac ?? false,
        forwarder: s.forwarder ?? 'ipvs',
        health: healthSpec(s.health, ['nodes', lbName, 'services', svcName, 'health'], s.protocol ?? 'tcp') ?? null,
        onDown: s.on_down ?? 'keep',
        servers: [],
        pos: at(['nodes', lbName, 'services', svcName], true),
      };
      services.set(`${lbName}/${svcName}`, { lb: lbName, name: svcName, spec, names: new Set() });
    }
    for (const [pxName, p] of Object.entries(n.proxies ?? {})) {
      const names = new Set<string>();
      for (const pool of Object.values(p.pools)) for (const it of Array.isArray(pool) ? pool : pool.servers) names.add(typeof it === 'string' ? it : (it.name ?? it.node ?? fmtIp(it.address!)));
      proxies.set(`${lbName}/${pxName}`, { lb: lbName, name: pxName, vip: p.vip, port: p.port ?? 80, names });
    }
  }
}

/** Checks a resolved service: its mode against the lb and its servers, keys its mode does not use, and its VIP. */
export function checkService(c: Ctx, sv: Servers, s: ServiceSpec, path: PathSeg[], lb: NodeIdx, hasBridge: boolean, rawSvc: RawService): void {
  const { error, warn, vips } = c;
  const { floatsOn } = sv;
  if (s.mode === 'transparent' && !hasBridge) {
    error([...path, 'mode'], 'needs-bridge', `service ${s.name} is in transparent mode, but ${lb.name} has no \`bridge\`; transparent mode bridges the server segment`, { suggestion: 'add bridge: { ports: [eth0, eth1], address: ... } to the lb' });
  }
  if ((s.mode === 'dsr' || s.mode === 'tunnel') && s.servers.some((x) => x.port !== s.port)) {
    const k = s.servers.findIndex((x) => x.port !== s.port);
    error([...path, 'servers', k, 'port'], 'bad-port', `in ${s.mode} mode the packet reaches the server unchanged, so the server port must be the service port ${s.port}`);
  }
  if (s.mode === 'dsr') {
    s.servers.forEach((sv, k) => {
      if (connected(lb, sv.addr) === null) {
        warn([...path, 'servers', k], 'dsr-off-subnet', `${sv.name} (${fmtIp(sv.addr)}) is not on a subnet ${lb.name} is connected to; DSR only re-sends the frame to the server's MAC, so it cannot reach it; tunnel mode (IP-in-IP) is the fix`, { suggestion: 'use mode: tunnel' });
      }
    });
  }
  if (rawSvc.snat_pool !== undefined && s.mode !== 'snat') warn([...path, 'snat_pool'], 'unused', `\`snat_pool\` is used only in snat mode; service ${s.name} is in ${s.mode} mode`, { onKey: true });
  if (rawSvc.forwarder !== undefined && s.mode !== 'dsr') warn([...path, 'forwarder'], 'unused', `\`forwarder\` is used only in dsr mode; service ${s.name} is in ${s.mode} mode`, { onKey: true });
  if (rawSvc.keep_source_mac !== undefined && s.mode !== 'dsr') warn([...path, 'keep_source_mac'], 'unused', `\`keep_source_mac\` is used only in dsr mode; service ${s.name} is in ${s.mode} mode`, { onKey: true });
  if (s.servers.length === 0 && rawSvc.servers.length === 0) warn([...path, 'servers'], 'no-servers', `service ${s.name} has no servers; every connection to its VIP is refused`, { onKey: true });
  const vipKey = `${s.vip}/${s.port}/${s.proto}`;
  const prev = vips.get(vipKey);
  if (prev && !(floatsOn(prev.split('/')[0]!, s.vip) && floatsOn(s.lb, s.vip))) error([...path, 'vip'], 'duplicate-service', `${fmtIp(s.vip)} port ${s.port}/${s.proto} is already the VIP of ${prev}`, { found: fmtIp(s.vip) });
  else vips.set(vipKey, `${s.lb}/${s.name}`);
}

/**
 * L7 proxies of a load balancer (docs/l7-proxy.md): pools and their
 * servers, routing rules, the default pool, HAProxy's defaults, and the
 * VIP's uniqueness.
 */
import { fmtIp } from '../../wire/addr.js';
import { resolveSchedulerName } from '../../lb/sched/index.js';
import type { L7Balance, L7Match, L7PoolConfig, L7Rule } from '../../lb/l7/config.js';
import type { ProxySpec, ServiceSpec } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import { SEC, type Ctx, type RawProxy } from './context.js';
import type { Servers } from './servers.js';

/** Resolves an L7 proxy: its pools' servers, rules, defaults (HAProxy's), and its VIP's uniqueness. */
export function proxySpec(c: Ctx, sv: Servers, lb: string, name: string, p: RawProxy, path: PathSeg[]): ProxySpec | null {
  const { at, error, warn, didYouMean, vips, proxyServers } = c;
  const { serverSpec, healthSpec, floatsOn } = sv;
  let ok = true;
  const port = p.port ?? 80;
  const balanceOf = (b: string | undefined): L7Balance => {
    const v = b ?? p.balance ?? 'round-robin';
    if (v === 'uri-hash') return { kind: 'uri-hash' };
    const h = /^hdr\((.+)\)$/.exec(v);
    if (h) return { kind: 'header-hash', header: h[1]! };
    return { kind: 'scheduler', name: resolveSchedulerName(v)! };
  };
  const pseudo = { port, proto: 'tcp' } as ServiceSpec;
  const proxyHealth = healthSpec(p.health, [...path, 'health'], 'tcp') ?? null;
  const pools: L7PoolConfig[] = Object.entries(p.pools).map(([poolName, raw]) => {
    const items = Array.isArray(raw) ? raw : raw.servers;
    const ppath = Array.isArray(raw) ? [...path, 'pools', poolName] : [...path, 'pools', poolName, 'servers'];
    const servers = items.flatMap((it, k) => {
      const sv = serverSpec(it, [...ppath, k], pseudo);
      if (!sv) {
        ok = false;
        return [];
      }
      if (sv.node !== null) proxyServers.push({ node: sv.node, port: sv.port, path: [...ppath, k], text: `${sv.name} is a server of ${lb}/${name} pool ${poolName} on tcp port ${sv.port}` });
      return [{ name: sv.name, addr: sv.addr, port: sv.port, weight: sv.weight, state: sv.state, ...(sv.health !== undefined ? { health: sv.health } : {}) }];
    });
    if (items.length === 0) warn(ppath, 'no-servers', `pool ${poolName} has no servers; its requests get 503`, { onKey: true });
    const own = Array.isArray(raw) ? undefined : healthSpec(raw.health, [...path, 'pools', poolName, 'health'], 'tcp');
    return { name: poolName, balance: balanceOf(Array.isArray(raw) ? undefined : raw.balance), servers, health: own === undefined ? proxyHealth : own };
  });
  const poolNames = pools.map((x) => x.name);
  const rules: L7Rule[] = (p.rules ?? []).flatMap((r, k) => {
    const rpath = [...path, 'rules', k];
    if (!poolNames.includes(r.pool)) {
      error([...rpath, 'pool'], 'unknown-name', `proxy ${name} has no pool \`${r.pool}\`${didYouMean(r.pool, poolNames)}`, { found: r.pool });
      ok = false;
      return [];
    }
    let re: RegExp | null = null;
    if (r.path_regex !== undefined) {
      try {
        re = new RegExp(r.path_regex);
      } catch (e) {
        error([...rpath, 'path_regex'], 'bad-value', `\`${r.path_regex}\` is not a regular expression: ${(e as Error).message}`, { found: r.path_regex, suggestion: 'escape special characters with \\, e.g. \\.css$' });
        ok = false;
        return [];
      }
    }
    const nv = (x: string | { name: string; value?: string } | undefined) => (x === undefined ? null : typeof x === 'string' ? { name: x, value: null } : { name: x.name, value: x.value ?? null });
    const match: L7Match = { pathPrefix: r.path ?? null, pathRegex: re, host: r.host ?? null, header: nv(r.header), cookie: nv(r.cookie), method: r.method ?? null };
    const tests = Object.entries(r).filter(([key]) => key !== 'pool').map(([key, v]) => `${key} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    if (tests.length === 0) warn(rpath, 'rule-matches-all', `this rule has no test, so every request goes to pool ${r.pool} and later rules never match`);
    return [{ match, pool: r.pool, text: tests.join(', ') }];
  });
  let defaultPool = p.default_pool ?? (poolNames.includes('default') ? 'default' : poolNames[poolNames.length - 1]!);
  if (p.default_pool !== undefined && !poolNames.includes(p.default_pool)) {
    error([...path, 'default_pool'], 'unknown-name', `proxy ${name} has no pool \`${p.default_pool}\`${didYouMean(p.default_pool, poolNames)}`, { found: p.default_pool });
    ok = false;
    defaultPool = poolNames[0]!;
  }
  if (poolNames.length === 0) {
    error([...path, 'pools'], 'no-pools', `proxy ${name} needs at least one pool`, { onKey: true, suggestion: 'write pools: { web: [web1, web2] }' });
    return null;
  }
  const vipKey = `${p.vip}/${port}/tcp`;
  const prev = vips.get(vipKey);
  if (prev && !(floatsOn(prev.split('/')[0]!, p.vip) && floatsOn(lb, p.vip))) {
    error([...path, 'vip'], 'duplicate-service', `${fmtIp(p.vip)} port ${port}/tcp is already the VIP of ${prev}`, { found: fmtIp(p.vip) });
    ok = false;
  } else vips.set(vipKey, `${lb}/${name}`);
  if (p.redispatch !== undefined && p.cookie === undefined) warn([...path, 'redispatch'], 'unused', '`redispatch` breaks cookie persistence; without `cookie` it only moves retries to another server', { onKey: true });
  if (!ok) return null;
  const cache = p.cache === undefined || p.cache === false ? null : p.cache === true ? { entries: 100, maxAge: 60 * SEC } : { entries: p.cache.entries ?? 100, maxAge: p.cache.max_age ?? 60 * SEC };
  const fw = p.forwarded ?? {};
  return {
    name,
    lb,
    vip: p.vip,
    port,
    pools,
    rules,
    defaultPool,
    cookie: p.cookie === undefined || p.cookie === false ? null : { name: p.cookie === true ? 'SERVERID' : p.cookie },
    redispatch: p.redispatch ?? false,
    retries: p.retries ?? 3,
    connectTimeout: p.timeout_connect ?? 5 * SEC,
    idleTimeout: p.idle_timeout ?? 5 * SEC,
    cache,
    rateLimit: p.rate_limit ? { requests: p.rate_limit.requests, period: p.rate_limit.per } : null,
    cpu: { perRequest: p.cpu?.per_request ?? 0, perConnection: p.cpu?.per_connection ?? 0, cores: p.cpu?.cores ?? 1 },
    forwarded: { xff: fw.xff ?? true, proto: fw.proto ?? true, port: fw.port ?? true, rfc7239: fw.rfc7239 ?? false },
    pos: at(path, true),
  };
}

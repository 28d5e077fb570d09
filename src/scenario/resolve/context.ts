/**
 * What every section resolver shares: the raw document, the problems found
 * so far and how to report one at a source position, and the indices the
 * sections fill in and read (nodes, services, proxies, VIPs, links taken,
 * listeners). The bottom of resolve/: it imports no section.
 */
import { closest, type ScenarioError, type Severity } from '../errors.js';
import { infoAt } from '../issues.js';
import type { RawScenario } from '../schema.js';
import type { NodeKind, PortSpec, Prefix, ServiceSpec, SourcePos } from '../types.js';
import { errorAt, lineCol, pathText, type PathSeg, type PosMap, type Span } from '../yaml-source.js';

/** One second in nanoseconds (the unit of every duration in a Scenario). */
export const SEC = 1e9;

/** A node as written. */
export type RawNode = RawScenario['nodes'][string];
/** A node that has an IP stack (every kind but switch), as written. */
export type RawIpNode = Exclude<RawNode, { kind: 'switch' }>;
/** An L4 service of an lb, as written. */
export type RawService = NonNullable<Extract<RawNode, { kind: 'lb' }>['services']>[string];
/** A server of a service or pool, as written. */
export type RawServerItem = RawService['servers'][number];
/** A health check, as written. */
export type RawHealth = NonNullable<RawService['health']>;
/** An L7 proxy of an lb, as written. */
export type RawProxy = NonNullable<Extract<RawNode, { kind: 'lb' }>['proxies']>[string];
/** An app, as written. */
export type RawApp = NonNullable<RawScenario['apps']>[number];
/** A service time, as written. */
export type RawServiceTime = NonNullable<Extract<RawApp, { kind: 'http-server' }>['service_time']>;
/** An http-client's resolver, as written. */
export type RawResolver = NonNullable<Extract<RawApp, { kind: 'http-client' }>['resolver']>;

/** A DNS name's comparison key: lower case, no final dot (RFC 4343). */
export function dnsKey(name: string): string {
  return (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
}

/** An interface of the node index: its addresses, MAC and where it was written. */
export interface IfaceIdx {
  readonly name: string;
  readonly addrs: Prefix[];
  readonly mac: number | null;
  readonly path: PathSeg[];
}

/** A node of the index that every name resolves against. */
export interface NodeIdx {
  readonly name: string;
  readonly kind: NodeKind;
  readonly path: PathSeg[];
  readonly ifaces: Map<string, IfaceIdx>;
  readonly loopback: Prefix[];
  /** Switches: declared ports (null when the switch has no `ports` list). */
  readonly ports: Map<string, PortSpec> | null;
  readonly autoPorts: PortSpec[];
  /** A transparent LB's bridge address (its L3 interface br0), or null. */
  readonly bridge: Prefix | null;
}

/** A service of the index: its spec so far and the server names it has at this point of the timeline. */
export interface SvcIdx {
  readonly lb: string;
  readonly name: string;
  readonly spec: ServiceSpec;
  /** Server names as the timeline changes them (add_server, remove_server), in time order. */
  readonly names: Set<string>;
}

/** An L7 proxy of the index: its VIP and port, and its server names. */
export interface ProxyIdx {
  readonly lb: string;
  readonly name: string;
  readonly vip: number;
  readonly port: number;
  readonly names: Set<string>;
}

/** The optional parts of a problem report. */
export interface ReportExtra {
  expected?: string;
  found?: string;
  suggestion?: string;
  onKey?: boolean;
}

/** The state one resolution shares between its sections. */
export interface Ctx {
  readonly raw: RawScenario;
  readonly problems: ScenarioError[];
  /** How many of the problems are errors (a Scenario is returned only when none). */
  readonly errorCount: () => number;
  /** The source position of a path (its key with `onKey`). */
  readonly at: (path: readonly PathSeg[], onKey?: boolean) => SourcePos;
  /** "line N" (or "file:N" in another file) for a path, for messages that point at an earlier definition. */
  readonly where: (path: readonly PathSeg[]) => string;
  readonly error: (path: readonly PathSeg[], code: string, message: string, extra?: ReportExtra) => void;
  readonly warn: (path: readonly PathSeg[], code: string, message: string, extra?: ReportExtra) => void;
  /** Reports, once per key, traffic that never stops in a scenario without `run.until`. */
  readonly needsUntil: (path: readonly PathSeg[], key: string, what: string) => void;
  /** "; did you mean `x`?" for the closest candidate, or "". */
  readonly didYouMean: (word: string, candidates: Iterable<string>) => string;
  /** Nodes by name. */
  readonly nodes: Map<string, NodeIdx>;
  /** DNS names the dns nodes serve (dnsKey -> the dns nodes), for names written where an address is wanted. */
  readonly dnsNames: Map<string, string[]>;
  /** Services by "lb/name". */
  readonly services: Map<string, SvcIdx>;
  /** "vip/port/proto" -> "lb/service" (or proxy) that holds it. */
  readonly vips: Map<string, string>;
  /** L7 proxies by "lb/name"; they answer vip: names and server references too (docs/l7-proxy.md). */
  readonly proxies: Map<string, ProxyIdx>;
  /** Servers of proxy pools that live on a node, to check that something listens there. */
  readonly proxyServers: { node: string; port: number; path: PathSeg[]; text: string }[];
  /** "node:iface" -> path of the link endpoint that took it. */
  readonly linked: Map<string, PathSeg[]>;
  /** Switch ports that links name explicitly, by switch. */
  readonly explicitPorts: Map<string, Set<string>>;
  /** "node/proto/port" -> path of the app listening there. */
  readonly listeners: Map<string, PathSeg[]>;
}

/** A fresh context for resolving `raw`. `pos` locates every path of the raw document; `fallback` is where a path without a position is reported. */
export function makeContext(raw: RawScenario, pos: PosMap, fallback: Span): Ctx {
  const problems: ScenarioError[] = [];
  let errorCount = 0;

  const spanOf = (path: readonly PathSeg[], onKey = false): Span => {
    const f = infoAt(pos, path);
    if (!f) return fallback;
    return onKey || !f.exact ? (f.info.key ?? f.info.value) : f.info.value;
  };
  const at = (path: readonly PathSeg[], onKey = false): SourcePos => {
    const s = spanOf(path, onKey);
    const lc = lineCol(s);
    return { file: s.src.file, line: lc.line, col: lc.col };
  };
  const where = (path: readonly PathSeg[]): string => {
    const p = at(path, true);
    return p.file === fallback.src.file ? `line ${p.line}` : `${p.file}:${p.line}`;
  };
  const report = (severity: Severity, path: readonly PathSeg[], code: string, message: string, extra: ReportExtra = {}): void => {
    if (severity === 'error') errorCount++;
    const { onKey, ...rest } = extra;
    const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as { expected?: string; found?: string; suggestion?: string };
    problems.push(errorAt(spanOf(path, onKey === true), { severity, code, path: pathText(path), message, ...fields }));
  };
  const error = (path: readonly PathSeg[], code: string, message: string, extra: ReportExtra = {}): void => report('error', path, code, message, extra);
  const warn = (path: readonly PathSeg[], code: string, message: string, extra: ReportExtra = {}): void => report('warning', path, code, message, extra);
  /** Which never-ending traffic has had its missing `run.until` reported (once per kind is enough). */
  const untilAsked = new Set<string>();
  /** Something that sends for ever (VRRP advertisements, health probes) needs an end to the run, or the run never returns. */
  const needsUntil = (path: readonly PathSeg[], key: string, what: string): void => {
    if (raw.run?.until !== undefined || untilAsked.has(key)) return;
    untilAsked.add(key);
    error(path, 'needs-until', `${what}, so a scenario with \`${key}\` needs \`run: { until: ... }\``, { onKey: true, suggestion: 'add run: { until: 30s }' });
  };
  const didYouMean = (word: string, candidates: Iterable<string>): string => {
    const c = closest(word, candidates);
    return c ? `; did you mean \`${c}\`?` : '';
  };
  return {
    raw,
    problems,
    errorCount: () => errorCount,
    at,
    where,
    error,
    warn,
    needsUntil,
    didYouMean,
    nodes: new Map(),
    dnsNames: new Map(),
    services: new Map(),
    vips: new Map(),
    proxies: new Map(),
    proxyServers: [],
    linked: new Map(),
    explicitPorts: new Map(),
    listeners: new Map(),
  };
}

/** Fails loudly on a case the schema rules out. */
export function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

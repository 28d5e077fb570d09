/**
 * The lblab library API: build networks from nodes and links, run them,
 * and read the trace. Scenario loading arrives with the scenario format.
 */
export * from './wire/types.js';
export * from './wire/addr.js';
export * from './wire/build.js';
export * from './wire/checksum.js';
export * from './wire/rewrite.js';
export * from './wire/encode.js';
export { Sim, Timer, type EventTarget, type RunResult, type SimOptions, type StopReason } from './sim/sim.js';
export { Rng, RngStreams, fnv1a32 } from './sim/rng.js';
export * from './sim/time.js';
export * from './trace/events.js';
export * from './trace/reasons.js';
export { Trace, FullRecorder, CountersRecorder, TraceCounters, type TraceListener } from './trace/trace.js';
export { Network } from './net/network.js';
export { Link, type LinkOptions } from './net/link.js';
export { Iface } from './net/iface.js';
export { Switch } from './net/switch.js';
export { Host, type Route, type Hook, type HookContext } from './net/host.js';
export { NatGateway } from './net/nat.js';
export { Sysctls } from './net/sysctl.js';
export { Ping } from './apps/ping.js';
export { LoadBalancer, LbService, LB_MODES, type LbMode, type ServiceConfig, type RealServerConfig } from './lb/node.js';
export { LbConn, LB_TCP, LB_TCP_NAMES, LB_TCP_TIMEOUTS } from './lb/conn.js';
export * from './lb/sched/index.js';
export { PersistenceTable, type PersistOptions } from './lb/persist.js';
export { HealthMonitor, healthCheck, HEALTH_CHECK_KINDS, HEALTH_DEFAULTS, type HealthCheckConfig, type HealthCheckKind, type HealthTransition } from './lb/health.js';
export { hashL2, hashL3 } from './net/flow-hash.js';
export { TcpStack, TcpConnection, type TcpHandlers } from './net/tcp.js';
export { loadScenario, parseScenario, formatErrors, scenarioJsonSchema, type LoadResult, type ScenarioError } from './scenario/index.js';
export type { Scenario } from './scenario/types.js';
export { buildScenario } from './assemble/scenario.js';
export { BuildError, type BuiltScenario, type BuildIo } from './assemble/built.js';
export { appReport } from './assemble/report.js';
export { HttpServer } from './apps/http-server.js';
export { HttpClient } from './apps/http-client.js';
export { TcpConnect } from './apps/tcp-connect.js';
export { DnsServer, type DnsZoneEntry } from './apps/dns-server.js';
export { DnsResolver, DnsLookupApp, type DnsCacheMode, type DnsLookupResult } from './apps/dns-resolver.js';
export { encodeDns, decodeDns, summarizeDns, dnsQuery, aRecord, aAddresses, type DnsMessage, type DnsRecord, type DnsQuestion } from './wire/dns.js';
export { grade, type GradeInput, type Verdict } from './grade/index.js';

import { buildScenario as build } from './assemble/scenario.js';
import type { BuiltScenario as Built, BuildIo as Io } from './assemble/built.js';
import type { Scenario as Checked } from './scenario/types.js';
import { FullRecorder as Recorder } from './trace/trace.js';
import type { TraceEvent as Event } from './trace/events.js';
import type { RunResult as Result } from './sim/sim.js';

/** What simulate() returns: the built network, why the run stopped, and every trace event (full recording). */
export interface Simulation {
  readonly built: Built;
  readonly result: Result;
  readonly events: readonly Event[];
}

/**
 * Builds and runs a checked scenario with the full recorder: the one call
 * tests and coursework tools need. `until` overrides the scenario's run time;
 * `io.readBinary` reads the captures a scenario replays.
 */
export function simulate(sc: Checked, opts: { until?: number; io?: Io } = {}): Simulation {
  const built = build(sc, opts.io ?? {});
  const rec = new Recorder(built.net.trace);
  const result = built.net.run(opts.until ?? sc.run.until ?? undefined);
  return { built, result, events: rec.events };
}

/**
 * What the assembler hands back: a built scenario (the network, its running
 * applications by kind, its links in file order), the I/O it may use, and
 * the error for a scenario it cannot build. A module of its own so that the
 * reports that read a built scenario do not import the assembler.
 */
import type { Network } from '../net/network.js';
import type { Link } from '../net/link.js';
import type { HttpServer } from '../apps/http-server.js';
import type { HttpClient } from '../apps/http-client.js';
import type { TcpEchoServer } from '../apps/tcp-echo.js';
import type { UdpEchoServer } from '../apps/udp-echo.js';
import type { Ping } from '../apps/ping.js';
import type { TcpConnect } from '../apps/tcp-connect.js';
import type { DnsServer } from '../apps/dns-server.js';
import type { DnsLookupApp, DnsResolver } from '../apps/dns-resolver.js';
import type { ReplayPlan } from '../pcap/replay.js';
import type { AppSpec, ReplaySpec, Scenario, SourcePos } from '../scenario/types.js';

/** A scenario that cannot be built, with the place in the file that caused it. */
export class BuildError extends Error {
  /** Creates the error for a position. */
  constructor(
    message: string,
    readonly pos: SourcePos | null,
  ) {
    super(message);
  }

  /** "file:line:col: error: message", as the loader prints its errors. */
  where(): string {
    return this.pos ? `${this.pos.file}:${this.pos.line}:${this.pos.col}: error: ${this.message}` : `error: ${this.message}`;
  }
}

/** The running applications of a built scenario, by kind. */
export interface BuiltApps {
  readonly httpServers: { readonly spec: AppSpec; readonly app: HttpServer }[];
  readonly httpClients: { readonly spec: AppSpec; readonly app: HttpClient }[];
  readonly pings: { readonly spec: AppSpec; readonly app: Ping }[];
  readonly connects: { readonly spec: AppSpec; readonly app: TcpConnect }[];
  readonly echoServers: { readonly spec: AppSpec; readonly app: TcpEchoServer | UdpEchoServer }[];
  /** Flows replayed from captures. */
  readonly replays: { readonly spec: ReplaySpec; readonly plan: ReplayPlan }[];
  /** The DNS servers of `kind: dns` nodes. */
  readonly dnsServers: { readonly node: string; readonly app: DnsServer }[];
  /** Stub resolvers: of http-clients that target a name, and of dns-lookup apps; `owner` names the app ("client1 http-client 0"). */
  readonly resolvers: { readonly owner: string; readonly name: string; readonly resolver: DnsResolver }[];
  /** dns-lookup apps. */
  readonly lookups: { readonly spec: AppSpec; readonly app: DnsLookupApp }[];
}

/** How the builder reaches files it needs (captures to replay); only the CLI touches the disk. */
export interface BuildIo {
  readonly readBinary?: (path: string) => Uint8Array;
}

/** A built scenario, ready to run. */
export interface BuiltScenario {
  readonly scenario: Scenario;
  readonly net: Network;
  readonly apps: BuiltApps;
  /** Links in scenario order (timeline actions refer to them by index). */
  readonly links: readonly Link[];
}

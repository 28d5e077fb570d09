/**
 * The checked scenario: what src/build consumes. Everything here is
 * resolved: addresses are uint32 numbers, MACs 48-bit numbers, durations
 * integer nanoseconds, names point at things that exist (link endpoints as
 * node and interface, with the switch ports a link took automatically
 * written out), defaults are filled in, and every element keeps the place
 * it was written (`pos`) so the builder and the grader can point at the
 * file when something goes wrong at run time.
 *
 * Conventions: lists keep the order of the file (nodes in the order of the
 * `nodes` map, base file first with `extends`), because the order decides
 * things in the simulation (MAC allocation, flood order). `null` means
 * "not set"; there are no `undefined` fields.
 */
import type { LbMode } from '../lb/modes.js';
import type { SchedulerName } from '../lb/sched/scheduler.js';
import type { HealthCheckConfig } from '../lb/health.js';
import type { Addr, Endpoint, Mac, Nanos, Prefix, SourcePos, Target } from './types-base.js';

export type { Addr, Endpoint, Mac, Nanos, Prefix, SourcePos, Target } from './types-base.js';
export type * from './types-apps.js';
import type { AppSpec, ServiceTimeSpec } from './types-apps.js';

/**
 * A resolved health check (src/lb/health.ts HealthCheckConfig: times in ns,
 * every default filled in). An L4 service and an L7 pool both carry one.
 */
export type HealthCheckSpec = HealthCheckConfig;
import type { L7ProxyConfig } from '../lb/l7/config.js';

/** A fully checked scenario. */
export interface Scenario {
  /** Format version (always 1). */
  readonly version: 1;
  readonly title: string;
  /** Free text ('' when none). */
  readonly description: string;
  readonly goals: readonly string[];
  /** Seed of every random stream (default 1). */
  readonly seed: number;
  /** The files this scenario was read from: the top-level file first, then each base of the `extends` chain. */
  readonly files: readonly string[];
  /** Nodes in file order (a base file's nodes first). */
  readonly nodes: readonly NodeSpec[];
  readonly links: readonly LinkSpec[];
  readonly apps: readonly AppSpec[];
  /** Timeline events sorted by time; events at the same time keep file order. */
  readonly timeline: readonly TimelineEvent[];
  readonly expect: readonly Expectation[];
  /** Client traffic replayed from captures. */
  readonly replay: readonly ReplaySpec[];
  /** The interfaces `lblab live` binds to real devices (empty: none). */
  readonly live: readonly LiveAttachSpec[];
  readonly run: RunSpec;
}

/** A simulated interface (or a new switch port) that `lblab live` binds to a real device. */
export interface LiveAttachSpec {
  readonly node: string;
  readonly iface: string;
  readonly device: string;
  readonly pos: SourcePos;
}

/** Client traffic replayed from a capture (pcap or pcapng). */
export interface ReplaySpec {
  /** The capture's path, resolved against the folder of the file that names it. */
  readonly file: string;
  /** The path as written. */
  readonly written: string;
  /** Captured client address -> the node that replays its flows. */
  readonly clients: readonly { readonly addr: Addr; readonly node: string }[];
  /** Captured server ("a.b.c.d" or "a.b.c.d:port") -> where the replayed flows go; port null keeps the captured port. */
  readonly servers: readonly { readonly captured: string; readonly to: Target; readonly port: number | null }[];
  /** When the capture's first packet is replayed. */
  readonly start: Nanos;
  /** Use the captured client ports when they are free (default true). */
  readonly keepPorts: boolean;
  readonly pos: SourcePos;
}

/** How long to run and how much work to allow. */
export interface RunSpec {
  /** Stop at this simulated time, or null to run until nothing is left to do. */
  readonly until: Nanos | null;
  /** Stop after this many events, or null for no limit. */
  readonly budget: number | null;
}

// ------------------------------------------------------------------ nodes

/** The kinds of node. */
export type NodeKind = 'host' | 'switch' | 'router' | 'gateway' | 'lb' | 'dns';

/** A node, by kind. */
export type NodeSpec = HostSpec | RouterSpec | GatewaySpec | LbSpec | DnsSpec | SwitchSpec;

/** An interface of an IP node. */
export interface IfaceSpec {
  readonly name: string;
  /** Addresses in file order; the first is the primary (the one a bare node name stands for). */
  readonly addrs: readonly Prefix[];
  /** The MAC written in the file, or null to let the network allocate one. */
  readonly mac: Mac | null;
  readonly pos: SourcePos;
}

/** One path of a multipath route. */
export interface NexthopSpec {
  readonly via: Addr;
  /** The output interface: written with `dev`, or the one whose subnet holds `via`. */
  readonly dev: string;
  readonly weight: number;
}

/** A static route. */
export interface RouteSpec {
  readonly to: Prefix;
  /** The gateway, or null for a directly connected destination (`dev` only) or a multipath route. */
  readonly via: Addr | null;
  /** The output interface: written with `dev`, or the one whose subnet holds `via` (the first path's for ECMP). */
  readonly dev: string;
  /** ECMP paths, or null for a single path. */
  readonly nexthops: readonly NexthopSpec[] | null;
  readonly metric: number;
  readonly pos: SourcePos;
}

/** What every IP node (host, router, gateway, lb, dns) has. */
export interface IpNodeBase {
  readonly name: string;
  readonly description: string;
  /** Ethernet interfaces in file order. */
  readonly interfaces: readonly IfaceSpec[];
  /** The default gateway (`gateway:`), resolved to an address, with the interface that reaches it; null when none. */
  readonly gateway: { readonly via: Addr; readonly dev: string; readonly pos: SourcePos } | null;
  readonly routes: readonly RouteSpec[];
  /** Addresses on lo (`ip addr add VIP/32 dev lo`). */
  readonly loopback: readonly Prefix[];
  /** Sysctls by Linux name, in file order (booleans already 1 / 0). */
  readonly sysctls: readonly { readonly name: string; readonly value: number }[];
  /** Load IP-in-IP (tunl0). */
  readonly ipip: boolean;
  /** Permanent neighbour entries (`ip neigh add ... nud permanent`), in file order. */
  readonly neighbors: readonly NeighborSpec[];
  readonly pos: SourcePos;
}

/** A permanent ARP entry on an interface. */
export interface NeighborSpec { readonly addr: Addr; readonly mac: Mac; readonly dev: string; readonly pos: SourcePos }

/** A host. */
export interface HostSpec extends IpNodeBase {
  readonly kind: 'host';
}

/** A router (a host with forwarding on). */
export interface RouterSpec extends IpNodeBase {
  readonly kind: 'router';
}

/** A port forward of a NAT gateway. */
export interface ForwardSpec {
  readonly proto: 'tcp' | 'udp';
  readonly port: number;
  readonly to: Target;
  readonly toPort: number;
  readonly pos: SourcePos;
}

/** A NAT gateway. */
export interface GatewaySpec extends IpNodeBase {
  readonly kind: 'gateway';
  /** The interface masqueraded behind (the public side), or null. */
  readonly masquerade: string | null;
  readonly forwards: readonly ForwardSpec[];
}

/** A real server of a service. */
export interface ServerSpec {
  /** Display name: the node name, or `name:` of a raw address (else the address as text). */
  readonly name: string;
  /** The node it is, or null for a raw address. */
  readonly node: string | null;
  readonly addr: Addr;
  /** The server's port (default: the service's port). */
  readonly port: number;
  /** Weight (default 1). */
  readonly weight: number;
  readonly state: 'enabled' | 'draining' | 'disabled';
  /** This server's own health check; null = not checked; absent = the service's. */
  readonly health?: HealthCheckSpec | null;
  readonly pos: SourcePos;
}

/** A virtual service of a load balancer. */
export interface ServiceSpec {
  readonly name: string;
  /** The LB that serves it. */
  readonly lb: string;
  readonly vip: Addr;
  readonly port: number;
  readonly proto: 'tcp' | 'udp';
  readonly mode: LbMode;
  /** The scheduler's lblab name (aliases such as `rr` resolved); default round-robin. */
  readonly scheduler: SchedulerName;
  /** Source-IP persistence, or null. */
  readonly persistence: { readonly timeout: Nanos; readonly netmask: Addr | null } | null;
  readonly snatPool: readonly Addr[];
  /** DSR lesson switch: re-send with the router's source MAC (default false). */
  readonly keepSourceMac: boolean;
  /** DSR: what forwards the frames: IPVS (TTL - 1, ARP) or a tc/XDP/nft-netdev forwarder (TTL kept, configured MACs). */
  readonly forwarder: 'ipvs' | 'tc';
  /** The health check of every server without its own, or null. */
  readonly health: HealthCheckSpec | null;
  /** What a down server's open connections get: kept (default) or reset. */
  readonly onDown: 'keep' | 'reset';
  readonly servers: readonly ServerSpec[];
  readonly pos: SourcePos;
}

/** A load balancer. */
export interface LbSpec extends IpNodeBase {
  readonly kind: 'lb';
  /** Transparent mode: the bridged interfaces and the bridge's address; null when the LB does not bridge. */
  readonly bridge: { readonly ports: readonly string[]; readonly addr: Prefix; readonly mac: number | null; readonly pos: SourcePos } | null;
  readonly services: readonly ServiceSpec[];
  /** L7 proxies (docs/l7-proxy.md). */
  readonly proxies: readonly ProxySpec[];
  /** The VRRP instance, or null. */
  readonly vrrp: VrrpSpec | null;
  /** IPVS connection sync, or null when off. */
  readonly sync: { readonly iface: string; readonly syncid: number; readonly pos: SourcePos } | null;
}

/** An L7 proxy of a load balancer: the proxy's configuration, with where it was written. */
export interface ProxySpec extends L7ProxyConfig {
  readonly lb: string;
  readonly pos: SourcePos;
}

/** A VRRP instance of an lb (RFC 5798; keepalived's vrrp_instance). */
export interface VrrpSpec {
  readonly vrid: number;
  readonly priority: number;
  /** Advertisement interval (a whole number of centiseconds). */
  readonly interval: Nanos;
  readonly preempt: boolean;
  readonly vmac: boolean;
  /** The interface advertisements use. */
  readonly iface: string;
  /** Virtual addresses and the interface each goes on. */
  readonly addresses: readonly { readonly addr: Addr; readonly len: number; readonly iface: string }[];
  readonly garpRepeat: number;
  readonly garpDelay: Nanos;
  readonly pos: SourcePos;
}

/** A DNS zone entry: a name with its A records. */
export interface ZoneSpec {
  readonly name: string;
  readonly a: readonly Addr[];
  /** TTL (default 30 s). */
  readonly ttl: Nanos;
  readonly pos: SourcePos;
}

/** A DNS server. */
export interface DnsSpec extends IpNodeBase {
  readonly kind: 'dns';
  readonly zones: readonly ZoneSpec[];
}

/** A switch port. */
export interface PortSpec {
  readonly name: string;
  readonly mode: 'access' | 'trunk';
  /** Access VLAN, or the native VLAN of a trunk (default 1). */
  readonly vlan: number;
  /** A trunk's tagged VLANs ([] = all). */
  readonly allowed: readonly number[];
  /** True when no `ports` entry named it: a link took it (`[web1:eth0, sw2]`) or named it on a switch without a port list. */
  readonly auto: boolean;
  readonly pos: SourcePos;
}

/** An L2 switch. */
export interface SwitchSpec {
  readonly kind: 'switch';
  readonly name: string;
  readonly description: string;
  /** Ports in order: listed ones first, then the ones links took automatically. */
  readonly ports: readonly PortSpec[];
  /** Link aggregation groups (port names). */
  readonly aggregate: readonly (readonly string[])[];
  /** MAC aging time (default 300 s). */
  readonly aging: Nanos;
  readonly pos: SourcePos;
}

// ------------------------------------------------------------------ links

/** A link between two endpoints. */
export interface LinkSpec {
  readonly a: Endpoint;
  readonly b: Endpoint;
  /** Propagation delay (default 10 us). */
  readonly delay: Nanos;
  /** Bits per second; 0 = infinitely fast (default 1 Gb/s). */
  readonly bandwidth: number;
  /** Loss probability per frame and direction (default 0). */
  readonly loss: number;
  /** Transmit queue per direction in frames (default 1000). */
  readonly queue: number;
  /** A name for traces: `a.node:a.iface-b.node:b.iface`. */
  readonly name: string;
  readonly pos: SourcePos;
}

// ------------------------------------------------------------------ apps

/** A server of a service, resolved. */
export interface ServerRef {
  readonly lb: string;
  readonly service: string;
  readonly server: string;
}

/** A service, resolved. */
export interface ServiceRef {
  readonly lb: string;
  readonly service: string;
}

/** What a timeline event does. */
export type TimelineAction =
  | { readonly kind: 'fail'; readonly node: string }
  | { readonly kind: 'restore'; readonly node: string }
  | { readonly kind: 'link-down'; readonly link: number; readonly a: Endpoint; readonly b: Endpoint }
  | { readonly kind: 'link-up'; readonly link: number; readonly a: Endpoint; readonly b: Endpoint }
  | { readonly kind: 'server-state'; readonly server: ServerRef; readonly state: 'enabled' | 'draining' | 'disabled' }
  | { readonly kind: 'weight'; readonly server: ServerRef; readonly value: number }
  | { readonly kind: 'add-server'; readonly service: ServiceRef; readonly server: ServerSpec }
  | { readonly kind: 'remove-server'; readonly server: ServerRef }
  | { readonly kind: 'mode'; readonly service: ServiceRef; readonly value: LbMode }
  | { readonly kind: 'http-status'; readonly on: string; readonly port: number | null; readonly value: number }
  | { readonly kind: 'http-body'; readonly on: string; readonly port: number | null; readonly value: string }
  | { readonly kind: 'service-time'; readonly on: string; readonly port: number | null; readonly value: ServiceTimeSpec }
  | { readonly kind: 'stop-server'; readonly on: string; readonly port: number | null }
  | { readonly kind: 'start-server'; readonly on: string; readonly port: number | null }
  /** The server application stops (false) or resumes (true) calling accept(): overload. */
  | { readonly kind: 'accepting'; readonly on: string; readonly port: number | null; readonly value: boolean }
  | { readonly kind: 'vrrp-stop'; readonly node: string }
  | { readonly kind: 'vrrp-start'; readonly node: string };

/** Something that happens at a time. `link` in link actions is the index in Scenario.links. */
export interface TimelineEvent {
  readonly at: Nanos;
  readonly action: TimelineAction;
  readonly pos: SourcePos;
}

// ------------------------------------------------------------------ expectations

/** A value a frame field is compared with. */
export type FieldValue =
  | { readonly kind: 'number'; readonly value: number }
  /** TCP flags as letters in canonical order (FSRPAUEC), e.g. "SA". */
  | { readonly kind: 'flags'; readonly value: string }
  /** The MAC of an interface that the network allocates (known only after building). */
  | { readonly kind: 'mac-of'; readonly node: string; readonly iface: string };

/** One field test of a frame expectation. */
export interface FieldTest {
  readonly field: string;
  readonly value: FieldValue;
  /** As written. */
  readonly text: string;
}

/** What an expectation checks. */
export type Check =
  | { readonly kind: 'flow'; readonly from: string; readonly to: Target; readonly port: number | null; readonly outcome: 'completed' | 'reset' | 'timeout' | 'refused' | 'unreachable' }
  | { readonly kind: 'frame'; readonly at: Endpoint; readonly match: readonly FieldTest[]; readonly has: readonly FieldTest[]; readonly seen: boolean }
  | { readonly kind: 'drop'; readonly code: string; readonly node: string | null; readonly iface: string | null; readonly seen: boolean }
  | { readonly kind: 'rewrite'; readonly code: string; readonly node: string | null; readonly seen: boolean }
  | { readonly kind: 'distribution'; readonly service: ServiceRef; readonly over: readonly string[]; readonly tolerance: number }
  | { readonly kind: 'failover-gap'; readonly lessThan: Nanos; readonly client: string | null }
  /** One LB's VRRP state (node + state), or how many LBs are master (masters), at a time (null = the end of the run). */
  | { readonly kind: 'vrrp'; readonly node: string | null; readonly state: 'master' | 'backup' | 'init' | 'fault' | null; readonly masters: number | null; readonly at: Nanos | null }
  /** A health check takes a server down (or brings it up), optionally by a check kind and within [after, before]; seen: false = it never does. */
  | { readonly kind: 'health'; readonly server: ServerRef; readonly goes: 'down' | 'up'; readonly check: HealthCheckSpec['kind'] | null; readonly after: Nanos | null; readonly before: Nanos | null; readonly seen: boolean }
  /** `lblab diagnose` reports this finding id (finding null: `none`, no finding at all). */
  | { readonly kind: 'diagnose'; readonly finding: string | null }
  /** A number of the per-server report: counts bounded by atMost/atLeast/equals, times (mean, p99) by under/over. */
  | {
      readonly kind: 'server-stat';
      readonly server: ServerRef;
      readonly stat: 'connections' | 'requests' | 'bytes' | 'transitions' | 'mean' | 'p99';
      readonly atMost: number | null;
      readonly atLeast: number | null;
      readonly equals: number | null;
      readonly under: Nanos | null;
      readonly over: Nanos | null;
    }
  | {
      readonly kind: 'http';
      /** The server or LB whose requests are judged. */
      readonly node: string;
      readonly path: string | null;
      readonly method: string | null;
      readonly client: Target | null;
      readonly pool: string | null;
      readonly server: string | null;
      readonly verdict: string | null;
      readonly status: number | null;
      readonly how: string | null;
      readonly cache: string | null;
      readonly headers: readonly { readonly name: string; readonly value: string }[];
      readonly atMost: number | null;
      readonly atLeast: number | null;
      readonly equals: number | null;
    }
  | {
      readonly kind: 'counter';
      readonly name: 'frames' | 'drops' | 'rewrites' | 'forwards' | 'delivers' | 'dns-queries' | 'dns-answers' | 'dns-cache-hits' | 'requests';
      readonly node: string | null;
      /** dns-answers: only answers whose first address is this; else null. */
      readonly first: Target | null;
      /** requests: only the http-server on this port; else null. */
      readonly port: number | null;
      readonly atMost: number | null;
      readonly atLeast: number | null;
      readonly equals: number | null;
    };

/** A named, graded assertion. */
export interface Expectation {
  readonly name: string;
  readonly check: Check;
  readonly pos: SourcePos;
}

/**
 * Configuration facts detectors ask of the checked scenario: which node owns
 * an address, whether two addresses share a subnet, which services a mode
 * has, and the frame fields they compare (IPv4 and TCP/UDP ports).
 */
import type { Frame } from '../trace/events.js';
import type { LbSpec, NodeSpec, Scenario, ServiceSpec } from '../scenario/types.js';
import type { Ipv4 } from '../wire/types.js';

/** The nodes with IP interfaces. */
export type IpNode = Exclude<NodeSpec, { kind: 'switch' }>;

/** The IP nodes of a scenario. */
export function ipNodes(sc: Scenario): IpNode[] {
  return sc.nodes.filter((n): n is IpNode => n.kind !== 'switch');
}

/** The load balancer nodes of a scenario. */
export function lbNodes(sc: Scenario): LbSpec[] {
  return sc.nodes.filter((n): n is LbSpec => n.kind === 'lb');
}

/** Every L4 service of a scenario. */
export function services(sc: Scenario): ServiceSpec[] {
  return lbNodes(sc).flatMap((n) => n.services);
}

/** The node whose interface (or bridge) carries `addr`, or null. */
export function ownerOf(sc: Scenario, addr: number): IpNode | null {
  for (const n of ipNodes(sc)) {
    if (n.interfaces.some((i) => i.addrs.some((p) => p.addr === addr))) return n;
    if (n.kind === 'lb' && n.bridge?.addr.addr === addr) return n;
  }
  return null;
}

function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** True when `node` has an interface whose subnet holds `addr` (it reaches `addr` on the link, without a router). */
export function onLinkWith(node: IpNode, addr: number): boolean {
  const prefixes = node.interfaces.flatMap((i) => i.addrs);
  if (node.kind === 'lb' && node.bridge) prefixes.push(node.bridge.addr);
  return prefixes.some((p) => ((p.addr ^ addr) & maskOf(p.len)) >>> 0 === 0);
}

/** The value of a sysctl written on a node, or null when it is left at its default. */
export function sysctlOf(node: IpNode, name: string): number | null {
  return node.sysctls.find((s) => s.name === name)?.value ?? null;
}

/** A frame's IPv4 header, or null. */
export function ipOf(f: Frame): Ipv4 | null {
  return f.eth.payload.kind === 'ipv4' ? f.eth.payload : null;
}

/** A frame's TCP or UDP ports as [source, destination], or null. */
export function portsOf(ip: Ipv4): readonly [number, number] | null {
  const p = ip.payload;
  return p.kind === 'tcp' || p.kind === 'udp' ? [p.sport, p.dport] : null;
}

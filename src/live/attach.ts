/**
 * The attachments of a live run: `NODE:IFACE=DEVICE` names a simulated
 * interface and the real device it is bound to. This module parses them,
 * checks them against a built network (the interface exists and has no
 * link; a new name on a switch adds a port to it, so a real host can join a
 * simulated LAN), writes the BPF filter of the capture, and says in plain
 * words what will be injected on each device before anything is.
 */
import type { Iface } from '../net/iface.js';
import type { Network } from '../net/network.js';
import { ifaceOf } from '../net/node.js';
import { Switch } from '../net/switch.js';
import { fmtCidr, fmtMac } from '../wire/addr.js';

/** One attachment as written: node, interface (or new switch port), device. */
export interface AttachSpec {
  readonly node: string;
  readonly iface: string;
  readonly device: string;
}

/** An attachment checked against the network. */
export interface AttachPlan extends AttachSpec {
  /** The simulated interface to bind. */
  readonly peer: Iface;
  /** True when the interface is a switch port made for this attachment. */
  readonly newPort: boolean;
}

/** Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no '/', no whitespace. */
const DEVICE_RE = /^[A-Za-z0-9_.-]{1,15}$/;
const ATTACH_RE = /^([^:=\s]+):([^:=\s]+)=(.+)$/;

/** Parses `NODE:IFACE=DEVICE`; returns the spec, or a sentence saying what to write instead. */
export function parseAttach(text: string): AttachSpec | string {
  const m = ATTACH_RE.exec(text);
  if (!m) return `"${text}" is not an attachment: write NODE:IFACE=DEVICE, for example r1:eth0=lbl-c0 or sw1:real0=veth1`;
  const [, node, iface, device] = m as unknown as [string, string, string, string];
  if (!DEVICE_RE.test(device)) return `"${device}" is not a Linux device name (at most 15 letters, digits, '_', '.', '-')`;
  return { node, iface, device };
}

/**
 * Checks attachments against a network and prepares their interfaces: adds
 * the new switch ports. Returns the plans, or every problem as a sentence.
 */
export function planAttach(net: Network, specs: readonly AttachSpec[]): AttachPlan[] | string[] {
  const problems: string[] = [];
  const plans: AttachPlan[] = [];
  const devices = new Set<string>();
  const points = new Set<string>();
  for (const s of specs) {
    const where = `${s.node}:${s.iface}=${s.device}`;
    if (devices.has(s.device)) problems.push(`${where}: ${s.device} is attached twice; one device carries one simulated interface`);
    devices.add(s.device);
    if (points.has(`${s.node}:${s.iface}`)) problems.push(`${where}: ${s.node}:${s.iface} is attached twice`);
    points.add(`${s.node}:${s.iface}`);
    const node = net.node(s.node);
    if (!node) {
      problems.push(`${where}: the scenario has no node ${s.node} (nodes: ${[...net.nodes.keys()].join(', ')})`);
      continue;
    }
    let peer = ifaceOf(node, s.iface);
    let newPort = false;
    if (!peer) {
      if (node instanceof Switch) {
        peer = node.addPort(s.iface);
        newPort = true;
      } else {
        problems.push(`${where}: ${s.node} has no interface ${s.iface} (it has ${node.ifaces.map((i) => i.name).join(', ') || 'none'})`);
        continue;
      }
    }
    if (peer.end) {
      const far = peer.end.to;
      problems.push(
        `${where}: ${peer.label} is linked to ${far.label} in the scenario; the bridge needs an interface with no link. ` +
          (node instanceof Switch ? `Attach a new port instead (${s.node}:real0=${s.device}), or remove that link.` : 'Remove that link (the real machine takes its place).'),
      );
      continue;
    }
    plans.push({ ...s, peer, newPort });
  }
  return problems.length ? problems : plans;
}

/** Above this many simulated MACs the filter is left out (a BPF program is at most 4096 instructions). */
const MAX_FILTER_MACS = 256;

/**
 * The BPF filter of a bridged device: no frame whose source is a simulated
 * MAC, which is every frame lblab injects (each leaves a simulated
 * interface). Linux never loops a packet socket's own transmissions back to
 * it, so this is the guard against a frame of lblab's coming back through
 * the real network (a loop, a second attachment to the same LAN). The
 * `inbound` qualifier is not used: with libpcap 1.10 on a veth it loses the
 * first reply after a neighbour entry is created (measured), and a lost ARP
 * reply is a lost health check.
 */
export function liveFilter(net: Network): string {
  const macs = new Set<number>();
  for (const n of net.nodes.values()) for (const i of n.ifaces) if (i.mac !== 0) macs.add(i.mac);
  if (macs.size === 0 || macs.size > MAX_FILTER_MACS) return '';
  return `not (${[...macs].sort((a, b) => a - b).map((m) => `ether src ${fmtMac(m)}`).join(' or ')})`;
}

/** Says what will be injected on a device and what enters from it, before the run starts. */
export function describeAttach(p: AttachPlan): string {
  const node = p.peer.node;
  if (node instanceof Switch) {
    const v = p.peer.vlan;
    return (
      `${p.device} <-> ${p.peer.label}${p.newPort ? ' (a new port)' : ''}, ${v.mode} VLAN ${v.vlan}: lblab injects on ${p.device} every frame the simulated switch ${node.name} ` +
      `floods or forwards to that port (broadcasts such as ARP, and frames for MACs it learns there), from any simulated host of the VLAN; ` +
      `frames arriving on ${p.device} enter ${node.name} through that port`
    );
  }
  const addrs = p.peer.addrs.map((a) => fmtCidr(a.addr, a.len)).join(', ');
  return (
    `${p.device} <-> ${p.peer.label} (${addrs ? `${addrs}, ` : ''}MAC ${fmtMac(p.peer.mac)}): lblab injects on ${p.device} the frames ${node.name} sends out of ${p.peer.name} ` +
    `(ARP, and the IPv4 packets it routes or originates there); frames arriving on ${p.device} enter ${node.name} through ${p.peer.name}`
  );
}

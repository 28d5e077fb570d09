/**
 * Small topologies and trace filters for the net tests: hosts on one
 * switch, or two subnets joined by a router, built directly with the
 * classes, and accessors that pull TCP segments out of recorded frames.
 */
import { Network } from '../../src/net/network.js';
import { Host } from '../../src/net/host.js';
import type { TcpError, TcpHandlers } from '../../src/net/tcp.js';
import { Switch } from '../../src/net/switch.js';
import { attachHost } from '../helpers/build.js';
import { FullRecorder } from '../../src/trace/trace.js';
import type { DropEvent, StateEvent, TraceEvent, TxEvent } from '../../src/trace/events.js';
import { ip } from '../../src/wire/addr.js';
import type { Ipv4, Tcp } from '../../src/wire/types.js';

/** Adds a host with one interface on a new port of `sw`. */
export function hostOn(net: Network, sw: Switch, name: string, addr: string, len = 24, gw: string | null = null): Host {
  const h = net.add(new Host(net, name));
  const e = h.addIface('eth0');
  h.addAddress(e, ip(addr), len);
  net.connect(e, sw.addPort(`p${sw.ifaces.length + 1}`));
  if (gw) h.addDefaultRoute(ip(gw));
  return h;
}

/** client (10.0.0.1) and server (10.0.0.2) on one switch, with a full recorder. */
export function lan(seed = 1) {
  const net = new Network({ seed });
  const sw = net.add(new Switch(net, 'sw1'));
  const client = hostOn(net, sw, 'client', '10.0.0.1');
  const server = hostOn(net, sw, 'server', '10.0.0.2');
  const rec = new FullRecorder(net.trace);
  return { net, sw, client, server, rec };
}

/** client 10.0.0.10 -- sw1 -- (10.0.0.1) r1 (10.0.1.1) -- sw2 -- server 10.0.1.10, with a full recorder. */
export function routed(seed = 1) {
  const net = new Network({ seed });
  const sw1 = net.add(new Switch(net, 'sw1'));
  const sw2 = net.add(new Switch(net, 'sw2'));
  const r1 = net.add(new Host(net, 'r1', 'router'));
  const client = hostOn(net, sw1, 'client', '10.0.0.10', 24, '10.0.0.1');
  const e0 = r1.addIface('eth0');
  r1.addAddress(e0, ip('10.0.0.1'), 24);
  net.connect(e0, sw1.addPort('p2'));
  const e1 = r1.addIface('eth1');
  r1.addAddress(e1, ip('10.0.1.1'), 24);
  net.connect(e1, sw2.addPort('p1'));
  const server = hostOn(net, sw2, 'server', '10.0.1.10', 24, '10.0.1.1');
  const rec = new FullRecorder(net.trace);
  return { net, sw1, sw2, r1, client, server, rec };
}

/** Transmissions in the trace. */
export const txs = (evs: TraceEvent[]): TxEvent[] => evs.filter((e): e is TxEvent => e.kind === 'tx');
/** Drops in the trace. */
export const drops = (evs: TraceEvent[]): DropEvent[] => evs.filter((e): e is DropEvent => e.kind === 'drop');
/** TCP state changes in the trace, as "node from->to". */
export const tcpStates = (evs: TraceEvent[]): string[] =>
  evs
    .filter((e): e is StateEvent => e.kind === 'state' && e.change.what === 'tcp')
    .map((e) => {
      const c = e.change as { from: string; to: string };
      return `${e.node} ${c.from}->${c.to}`;
    });

/** The IPv4 packet of a transmission, or null (ARP). */
export const ipOf = (e: TxEvent): Ipv4 | null => (e.frame.eth.payload.kind === 'ipv4' ? e.frame.eth.payload : null);

/** TCP transmissions originated by `node` (its own tx, not forwarding), with their packets. */
export function tcpTx(evs: TraceEvent[], node?: string): { t: number; ev: TxEvent; ip: Ipv4; seg: Tcp }[] {
  const out: { t: number; ev: TxEvent; ip: Ipv4; seg: Tcp }[] = [];
  for (const e of txs(evs)) {
    if (node !== undefined && e.node !== node) continue;
    const p = ipOf(e);
    if (!p || p.payload.kind !== 'tcp') continue;
    out.push({ t: e.t, ev: e, ip: p, seg: p.payload });
  }
  return out;
}

/** Bytes of an ASCII string. */
export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
/** An ASCII string of bytes. */
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A handler set that records what the application sees. */
export function recorder() {
  const log: string[] = [];
  const got: string[] = [];
  let err: TcpError | null = null;
  let errAt = -1;
  const h: TcpHandlers = {
    connected: () => log.push('connected'),
    data: (_c, b) => got.push(text(b)),
    peerClosed: () => log.push('peerClosed'),
    closed: (_c, r) => log.push(`closed:${r}`),
    error: (c, e) => {
      err = e;
      errAt = c.stack.host.net.sim.now;
      log.push(`error:${e}`);
    },
  };
  return {
    h,
    log,
    got,
    get err() {
      return err;
    },
    get errAt() {
      return errAt;
    },
  };
}

/** h1 and h2 on one switch with a third, idle host to see flooding. */
export function switchLan() {
  const net = new Network({ seed: 1 });
  const sw = net.add(new Switch(net, 'sw1'));
  const h1 = attachHost(net, sw, 'h1', '10.0.0.1', 24, null);
  const h2 = attachHost(net, sw, 'h2', '10.0.0.2', 24, null);
  const h3 = attachHost(net, sw, 'h3', '10.0.0.3', 24, null);
  const rec = new FullRecorder(net.trace);
  return { net, sw, h1, h2, h3, rec };
}

/**
 * Topologies for the app tests: clients and servers on one switch over
 * ideal links (no serialisation delay, 10 us propagation), so that every
 * network time is a whole number of 10 us hops and response times can be
 * asserted exactly; and the routed net helper of the TCP tests.
 */
import { Network } from '../../src/net/network.js';
import { Host } from '../../src/net/host.js';
import { Switch } from '../../src/net/switch.js';
import { FullRecorder } from '../../src/trace/trace.js';
import { ip } from '../../src/wire/addr.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { tcpTx } from '../net/helpers.js';
import { latin1Text } from '../../src/wire/http.js';
import { TCP_FLAG } from '../../src/wire/types.js';

/** One hop over an ideal link (host -> switch or switch -> host). */
export const HOP = 10_000;

/** Adds a host on an ideal link to a new port of `sw`. */
export function idealHost(net: Network, sw: Switch, name: string, addr: string, len = 24): Host {
  const h = net.add(new Host(net, name));
  const e = h.addIface('eth0');
  h.addAddress(e, ip(addr), len);
  net.connect(e, sw.addPort(`p${sw.ifaces.length + 1}`), { bandwidth: 0 });
  return h;
}

/**
 * Servers 10.0.0.2, .3, ... (names given) and `clients` clients 10.0.0.11,
 * .12, ... named c1, c2, ... on one switch with ideal links; a full recorder.
 */
export function farm(clients: number, servers: string[] = ['web1'], seed = 1) {
  const net = new Network({ seed });
  const sw = net.add(new Switch(net, 'sw1'));
  const srv = servers.map((n, i) => idealHost(net, sw, n, `10.0.0.${2 + i}`));
  const cl = Array.from({ length: clients }, (_, i) => idealHost(net, sw, `c${i + 1}`, `10.0.0.${11 + i}`));
  const rec = new FullRecorder(net.trace);
  return { net, sw, servers: srv, clients: cl, rec };
}

const FLAG_NAMES: [number, string][] = [
  [TCP_FLAG.SYN, 'S'],
  [TCP_FLAG.FIN, 'F'],
  [TCP_FLAG.RST, 'R'],
  [TCP_FLAG.PSH, 'P'],
  [TCP_FLAG.ACK, '.'],
];

/** tcpdump-style flags: "S", "S.", ".", "P.", "F.", "R.". */
export function flagText(f: number): string {
  let s = '';
  for (const [bit, n] of FLAG_NAMES) if (f & bit) s += n;
  return s;
}

/** TCP segments sent by hosts (not forwarded by switches or routers), as "t node flags len". */
export function segLines(evs: TraceEvent[], skip: readonly string[] = ['sw1', 'sw2', 'r1'], t0 = 0): string[] {
  return tcpTx(evs)
    .filter((x) => !skip.includes(x.ev.node))
    .map((x) => `${x.t - t0} ${x.ev.node} ${flagText(x.seg.flags)} ${x.seg.payload.length}`);
}

/** The text of the payloads hosts sent, in order (non-empty only). */
export function payloads(evs: TraceEvent[], skip: readonly string[] = ['sw1', 'sw2', 'r1']): string[] {
  return tcpTx(evs)
    .filter((x) => !skip.includes(x.ev.node) && x.seg.payload.length > 0)
    .map((x) => `${x.ev.node}: ${latin1Text(x.seg.payload)}`);
}

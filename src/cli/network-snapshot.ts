/**
 * What the TUI needs of a built network before it runs: its topology
 * (nodes and the links between their interfaces) and its configuration as
 * state records (addresses, routes, static neighbours, load-balanced
 * services and their servers with the health their checks start from,
 * links already down). The build configures
 * the network before any recorder listens, so none of this is in the trace;
 * it is read here, once, from the built objects.
 */
import type { Network } from '../net/network.js';
import { Host } from '../net/host.js';
import { LoadBalancer } from '../lb/node.js';
import type { StateChange } from '../trace/events.js';
import type { InitialRecord } from '../view/state.js';
import type { Topology } from '../view/topology.js';

/** The nodes and links of a network, in creation order. */
export function topologyOf(net: Network): Topology {
  return {
    nodes: [...net.nodes.values()].map((n) => ({ name: n.name, kind: n.kind })),
    links: [...net.links.values()].map((l) => ({ name: l.name, a: { node: l.a.node.name, iface: l.a.name }, b: { node: l.b.node.name, iface: l.b.name } })),
  };
}

/** The configuration of every node as state records, as it stands before the run (call it before running). */
export function initialStateOf(net: Network): InitialRecord[] {
  const out: InitialRecord[] = [];
  const add = (node: string, change: StateChange): void => void out.push({ node, change });
  for (const n of net.nodes.values()) {
    if (n instanceof Host) {
      for (const i of [n.lo, ...n.ifaces]) {
        for (const a of i.addrs) add(n.name, { what: 'addr', op: 'add', iface: i.name, addr: a.addr, len: a.len });
        if (!i.up) add(n.name, { what: 'iface', iface: i.name, up: false });
      }
      for (const r of n.routes) add(n.name, { what: 'route', op: 'add', prefix: r.prefix, len: r.len, via: r.via, iface: r.iface.name });
      for (const e of n.neigh.values()) {
        if (e.state === 'delay' || e.state === 'probe') add(n.name, { what: 'arp', ip: e.ip, mac: e.mac, state: 'stale', iface: e.iface.name });
        else add(n.name, { what: 'arp', ip: e.ip, mac: e.state === 'incomplete' || e.state === 'failed' ? null : e.mac, state: e.state, iface: e.iface.name });
      }
    } else for (const i of n.ifaces) if (!i.up) add(n.name, { what: 'iface', iface: i.name, up: false });
    if (n instanceof LoadBalancer) {
      for (const svc of n.services)
        svc.backends.forEach((b, i) => {
          add(n.name, { what: 'lb-server', service: svc.cfg.name, server: b.name, state: b.state, weight: b.weight });
          // A checked server starts up, before any probe, as HAProxy and keepalived assume (src/lb/health.ts).
          const m = svc.monitors[i];
          if (m) add(n.name, { what: 'lb-health', service: svc.cfg.name, server: b.name, health: m.up ? 'up' : 'down', check: m.cfg.kind, reason: '' });
        });
      // An L7 proxy's pools, named "<proxy>/<pool>" as their lb-server and lb-health events name them.
      for (const px of n.proxies.values())
        for (const pool of px.pools) {
          const service = `${px.cfg.name}/${pool.cfg.name}`;
          pool.backends.forEach((b, i) => {
            add(n.name, { what: 'lb-server', service, server: b.name, state: b.state, weight: b.weight });
            const m = pool.monitors[i];
            if (m) add(n.name, { what: 'lb-health', service, server: b.name, health: m.up ? 'up' : 'down', check: m.cfg.kind, reason: '' });
          });
        }
    }
  }
  for (const l of net.links.values()) if (!l.up) add(l.a.node.name, { what: 'link', link: l.name, up: false });
  return out;
}

/**
 * Building blocks for tests that assemble networks by hand: a host plugged
 * into a switch with an address and a gateway, and a router leg.
 */
import { Network } from '../../src/net/network.js';
import { Host } from '../../src/net/host.js';
import type { Switch } from '../../src/net/switch.js';
import type { Iface } from '../../src/net/iface.js';
import { ip } from '../../src/wire/addr.js';

/** Adds a host with one interface, an address and a default gateway, plugged into a new switch port. */
export function attachHost(net: Network, sw: Switch, name: string, addr: string, len: number, gw: string | null): Host {
  const h = net.add(new Host(net, name));
  const e = h.addIface('eth0');
  h.addAddress(e, ip(addr), len);
  net.connect(e, sw.addPort(`p${sw.ifaces.length + 1}`));
  if (gw) h.addDefaultRoute(ip(gw));
  return h;
}

/** Adds an interface with an address to a router and plugs it into a new switch port. */
export function routerLeg(net: Network, r: Host, sw: Switch, name: string, addr: string, len: number): Iface {
  const i = r.addIface(name);
  r.addAddress(i, ip(addr), len);
  net.connect(i, sw.addPort(`p${sw.ifaces.length + 1}`));
  return i;
}

/**
 * The keys every IP node has (host, router, gateway, lb, dns): interfaces,
 * the default gateway, routes, loopback addresses, sysctls and ipip.
 */
import * as z from 'zod';
import { isKnownSysctl } from '../../net/sysctl.js';
import { obj, problem, want } from './messages.js';
import { cidr, count, hostCidr, IFNAME_RE, ifName, keysIn, macAddr, namedKeys, routeDest, sysctlCandidates, target } from './values.js';

const sysctlValueWant = want('a sysctl value', 'write a whole number (or true / false)');
const sysctls = z
  .record(z.string(), z.union([z.number(sysctlValueWant).int(sysctlValueWant), z.boolean(sysctlValueWant)], sysctlValueWant), want('a map of sysctls', 'write sysctls: { net.ipv4.conf.all.arp_ignore: 1 }'))
  .superRefine(keysIn('sysctl', isKnownSysctl, sysctlCandidates))
  .meta({ id: 'sysctls', description: 'Linux sysctls by name: net.ipv4.conf.all.arp_ignore: 1' });

const ifaceConfig = obj('an interface', {
  address: z.union([cidr, z.array(cidr)], want('an address with its prefix length, or a list of them', 'write 10.0.0.10/24')).optional(),
  mac: macAddr.optional(),
}).nullable();

/** An interface: a map, or just its address (`eth0: 10.0.0.10/24`), or empty. */
const iface = z.union([cidr, ifaceConfig], want('an interface', 'write eth0: 10.0.0.10/24, or eth0: { address: 10.0.0.10/24, mac: 02:00:00:00:00:10 }'));

const interfaces = z
  .record(z.string(), iface, want('a map of interfaces', 'write interfaces: { eth0: 10.0.0.10/24 }'))
  .superRefine(namedKeys('interface', IFNAME_RE, 'interface names start with a letter: eth0, wan0'))
  .meta({ id: 'interfaces', propertyNames: { type: 'string', pattern: IFNAME_RE.source } });

const nexthop = obj('a next hop', {
  via: target,
  weight: count('a weight', 1).optional(),
  dev: ifName.optional(),
});

const route = obj('a route', {
  to: routeDest,
  via: target.optional(),
  dev: ifName.optional(),
  nexthops: z.array(nexthop).min(1, want('a list of next hops', 'write at least one: [ { via: 10.0.0.2 } ]')).optional(),
  metric: count('a metric').optional(),
}).superRefine((r, ctx) => {
  if (r.via !== undefined && r.nexthops !== undefined) {
    problem(ctx, { code: 'bad-route', message: 'a route has either `via` or `nexthops`, not both', suggestion: 'keep one of them' }, ['nexthops']);
  }
});

/** A static neighbour entry, as `ip neigh add ADDR lladdr MAC dev IF nud permanent`. */
const neighbor = obj('a neighbour entry', {
  address: target.meta({ description: 'the neighbour: an address, or a node or interface name (web1, web1:eth0)' }),
  mac: macAddr,
  dev: ifName.optional().meta({ description: 'the interface (default: the one whose connected subnet holds the address)' }),
}).meta({ description: 'a permanent ARP entry (nud permanent): used without ARP, never aged, never changed by ARP replies' });

/** Keys every IP node has (host, router, gateway, lb, dns). */
export const ipNodeShape = {
  description: z.string(want('text')).optional(),
  interfaces: interfaces.optional(),
  gateway: target.optional().meta({ description: 'the default route: an address, or a name such as r1:eth0' }),
  routes: z.array(route).optional(),
  loopback: z.array(hostCidr).optional().meta({ description: 'addresses on lo, such as a VIP for DSR' }),
  sysctls: sysctls.optional(),
  neighbors: z.array(neighbor, want('a list of neighbour entries', 'write neighbors: [ { address: 10.0.1.11, mac: 02:00:00:00:00:11 } ]')).optional(),
  ipip: z.boolean(want('true or false')).optional().meta({ description: 'load ipip: tunl0 decapsulates IP-in-IP (for tunnel mode servers)' }),
};

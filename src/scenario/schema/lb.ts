/**
 * A load balancer node: its L4 services, L7 proxies, transparent bridge,
 * VRRP instance and connection sync.
 */
import * as z from 'zod';
import { canonicalMode, LB_MODE_ALIASES, LB_MODES, type LbMode } from '../../lb/modes.js';
import { obj, want } from './messages.js';
import { address, cidr, count, duration, hostCidr, ifName, macAddr, NAME_RE, namedKeys, port } from './values.js';
import { ipNodeShape } from './ip-node.js';
import { healthCheck, schedulerNames, serverItem } from './servers.js';
import { proxy } from './l7.js';

const persistence = z.union(
  [duration, obj('persistence', { timeout: duration, netmask: address.optional() })],
  want('a persistence timeout or a map', 'write persistence: 300s, or persistence: { timeout: 300s, netmask: 255.255.255.0 }'),
);

/** A forwarding mode, or one of its other names (masquerade, fullnat, dr, tun ...), read as the mode it names. */
export const lbMode = z
  .enum([...LB_MODES, ...Object.keys(LB_MODE_ALIASES)] as [string, ...string[]])
  .transform((m) => canonicalMode(m) as LbMode)
  .meta({ description: 'nat | snat | dsr | tunnel | transparent; also masquerade (nat), fullnat or full-nat (snat), dr or direct-routing (dsr), tun (tunnel)' });

const service = obj('a service', {
  vip: address,
  port,
  protocol: z.enum(['tcp', 'udp']).optional(),
  mode: lbMode,
  scheduler: z.enum(schedulerNames).optional(),
  persistence: persistence.optional(),
  snat_pool: z.array(address).optional(),
  keep_source_mac: z.boolean(want('true or false')).optional(),
  forwarder: z.enum(['ipvs', 'tc'], want('a DSR forwarder kind', 'write forwarder: ipvs (TTL decremented, server MAC by ARP) or forwarder: tc (tc/XDP/nft netdev: TTL kept, configured MAC, no ARP)')).optional().meta({ description: 'dsr mode: ipvs (default: TTL decremented, the server MAC resolved by ARP) or tc (a tc/XDP/nftables-netdev forwarder: TTL kept, the configured server MAC, no ARP)' }),
  health: healthCheck.optional(),
  on_down: z.enum(['keep', 'reset'], want('keep or reset', 'write on_down: keep (open connections stay) or on_down: reset (the LB resets them)')).optional(),
  servers: z.array(serverItem),
});

const byteWant = (what: string, min: number) => want(what, `write a whole number from ${min} to 255`);
const vrrpAddress = z
  .union([hostCidr, obj('a virtual address', { address: hostCidr, dev: ifName })], want('a virtual address', 'write 10.0.1.100, 10.0.1.100/24, or { address: 10.0.1.100, dev: eth1 }'))
  .meta({ description: 'a virtual address (a bare address is /32), optionally on another interface: { address: 10.0.1.100, dev: eth1 }' });

/** A VRRP instance (RFC 5798, keepalived's vrrp_instance): see docs/high-availability.md. */
const vrrpBlock = obj('a VRRP instance', {
  vrid: z.number(byteWant('a virtual router id', 1)).int(byteWant('a virtual router id', 1)).min(1, byteWant('a virtual router id', 1)).max(255, byteWant('a virtual router id', 1)),
  priority: z.number(byteWant('a priority', 1)).int(byteWant('a priority', 1)).min(1, byteWant('a priority', 1)).max(255, byteWant('a priority', 1)).optional().meta({ description: '1..255 (default 100); 255 = the address owner' }),
  interval: duration.optional().meta({ description: 'advertisement interval, whole centiseconds (default 1s)' }),
  preempt: z.boolean(want('true or false')).optional().meta({ description: 'a higher-priority backup takes over from a lower-priority master (default true)' }),
  vmac: z.boolean(want('true or false')).optional().meta({ description: 'use the virtual MAC 00:00:5e:00:01:VRID for the addresses (default false)' }),
  interface: ifName.meta({ description: 'the interface advertisements go out of' }),
  addresses: z.array(vrrpAddress).min(1, want('a list of virtual addresses', 'write addresses: [10.0.1.100]')),
  garp_repeat: count('a number of gratuitous ARPs').optional().meta({ description: 'gratuitous ARPs per address on becoming master (default 5)' }),
  garp_delay: duration.optional().meta({ description: 'delay of the second burst of gratuitous ARPs (default 5s; 0 = none)' }),
});

/** IPVS connection sync between the pair: true (on the VRRP interface), or where and with which sync id. */
const syncOption = z
  .union([z.boolean(), obj('a connection sync', { interface: ifName.optional(), syncid: z.number(byteWant('a sync id', 0)).int(byteWant('a sync id', 0)).min(0, byteWant('a sync id', 0)).max(255, byteWant('a sync id', 0)).optional() })], want('true, false or a map', 'write sync: true, or sync: { interface: eth1, syncid: 0 }'))
  .meta({ description: 'IPVS connection sync to the backup (multicast 224.0.0.81:8848): true, or { interface, syncid }' });

/** A load balancer node: an IP node with services, proxies, a bridge, VRRP and sync. */
export const lbNode = obj('a load balancer', {
  kind: z.literal('lb'),
  ...ipNodeShape,
  bridge: obj('a bridge', { ports: z.array(ifName).min(1, want('a list of interfaces')), address: cidr, mac: macAddr.optional().meta({ description: "br0's own MAC (default: the next allocated one)" }) }).optional(),
  vrrp: vrrpBlock.optional(),
  sync: syncOption.optional(),
  services: z.record(z.string(), service, want('a map of services', 'write services: { shop: { vip: ..., port: 80, mode: nat, servers: [web1] } }')).superRefine(namedKeys('service', NAME_RE, 'names are lower-case letters, digits and -')).optional(),
  proxies: z.record(z.string(), proxy, want('a map of L7 proxies', 'write proxies: { shop: { vip: ..., pools: { web: [web1] } } }')).superRefine(namedKeys('proxy', NAME_RE, 'names are lower-case letters, digits and -')).optional(),
});

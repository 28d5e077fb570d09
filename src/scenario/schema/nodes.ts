/**
 * The nodes section: a node by its `kind` (host, switch, router, gateway,
 * lb, dns), with the kinds that need no file of their own.
 */
import * as z from 'zod';
import { obj, want } from './messages.js';
import { duration, ifName, IFNAME_RE, namedKeys, port, target, vlanId } from './values.js';
import { ipNodeShape } from './ip-node.js';
import { lbNode } from './lb.js';

const hostNode = obj('a host', { kind: z.literal('host'), ...ipNodeShape });
const routerNode = obj('a router', { kind: z.literal('router'), ...ipNodeShape });

const forward = obj('a port forward', {
  proto: z.enum(['tcp', 'udp']).optional(),
  port,
  to: target,
  to_port: port.optional(),
});

const gatewayNode = obj('a gateway', {
  kind: z.literal('gateway'),
  ...ipNodeShape,
  masquerade: ifName.optional().meta({ description: 'the public interface to masquerade behind' }),
  forwards: z.array(forward).optional(),
});

const zone = obj('a DNS zone', {
  a: z.array(target).min(1, want('a list of addresses', 'write at least one: a: [10.0.1.11]')),
  ttl: duration.optional(),
});

/** A host name as DNS zones and resolvers take it: letters, digits and -, labels joined by dots. */
export const DNS_NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;

const dnsNode = obj('a DNS server', {
  kind: z.literal('dns'),
  ...ipNodeShape,
  zones: z
    .record(z.string(), zone)
    .superRefine(namedKeys('DNS', DNS_NAME_RE, 'write a domain name such as shop.example'))
    .optional(),
});

const portConfig = obj('a switch port', {
  mode: z.enum(['access', 'trunk']).optional(),
  vlan: vlanId.optional(),
  allowed: z.array(vlanId).optional(),
}).nullable();

const switchNode = obj('a switch', {
  kind: z.literal('switch'),
  description: z.string(want('text')).optional(),
  ports: z
    .union([z.array(ifName), z.record(z.string(), portConfig).superRefine(namedKeys('port', IFNAME_RE, 'port names start with a letter: p1'))], want('a list or a map of ports', 'write ports: [p1, p2], or ports: { p1: { vlan: 10 } }'))
    .optional(),
  aggregate: z.array(z.array(ifName).min(2, want('a group of two or more ports', 'write aggregate: [ [p5, p6] ]'))).optional(),
  aging: duration.optional(),
});

/** A node, by its `kind`. */
export const node = z.discriminatedUnion('kind', [hostNode, switchNode, routerNode, gatewayNode, lbNode, dnsNode]);

/** The node kinds, in the order the docs present them. */
export const NODE_KINDS = ['host', 'switch', 'router', 'gateway', 'lb', 'dns'] as const;

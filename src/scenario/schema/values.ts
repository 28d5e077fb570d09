/**
 * The primitive values of a scenario file: quantities (durations,
 * bandwidths, rates, percentages, probabilities), addresses, ports, names
 * and references, plus the key checks of named maps. Every section's
 * schema is built from these.
 */
import * as z from 'zod';
import { parseCidr, parseIpv4, parseMac } from '../../wire/addr.js';
import { knownSysctls } from '../../net/sysctl.js';
import { closest } from '../errors.js';
import {
  BANDWIDTH_HINT,
  BANDWIDTH_RE,
  DURATION_HINT,
  DURATION_RE,
  parseBandwidth,
  parseDuration,
  parsePercent,
  parseRate,
  PERCENT_HINT,
  PERCENT_RE,
  RATE_HINT,
  RATE_RE,
} from '../units.js';
import { parsed, problem, want } from './messages.js';

/** Node and service names: lower-case letters, digits and '-', starting with a letter. */
export const NAME_RE = /^[a-z][a-z0-9-]*$/;
/** Interface and switch port names (eth0, wan0, p1, eth0.10). */
export const IFNAME_RE = /^[A-Za-z][A-Za-z0-9._-]*$/;

const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;
const CIDR_RE = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const MAC_RE = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/;

const durationWant = want('a duration', DURATION_HINT);
/** A duration with a unit (or 0), in integer nanoseconds. */
export const duration = z
  .union([z.literal(0, durationWant), z.string(durationWant).regex(DURATION_RE, durationWant)], durationWant)
  .transform((v) => parseDuration(v)!)
  .meta({ id: 'duration', description: 'a duration with a unit: 10us, 1.5ms, 2s, 1m (or 0)' });

/** An IPv4 address as a uint32. */
export const address = parsed(IPV4_RE, parseIpv4, 'an IPv4 address', 'write a dotted quad such as 10.0.1.100').meta({ id: 'address', description: 'an IPv4 address: 10.0.1.100' });

/** An address with its prefix length. */
export const cidr = parsed(CIDR_RE, parseCidr, 'an address with its prefix length', 'write it as 10.0.0.10/24').meta({ id: 'cidr', description: 'an IPv4 address with its prefix length: 10.0.0.10/24' });

/** An address with an optional prefix length (a bare address is a /32), for loopback aliases. */
export const hostCidr = parsed(
  /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/,
  (s) => (s.includes('/') ? parseCidr(s) : ((a) => (a === null ? null : { addr: a, len: 32 }))(parseIpv4(s))),
  'an address (optionally with a prefix length)',
  'write 10.0.1.100 or 10.0.1.100/32',
).meta({ description: 'an IPv4 address, optionally with a prefix length (a bare address is /32)' });

/** A route destination: a prefix, or `default` (0.0.0.0/0). */
export const routeDest = parsed(
  /^(default|\d{1,3}(\.\d{1,3}){3}\/\d{1,2})$/,
  (s) => (s === 'default' ? { addr: 0, len: 0 } : parseCidr(s)),
  'a destination prefix',
  'write it as 10.9.0.0/16, or default',
).meta({ description: 'a destination prefix (10.9.0.0/16) or default' });

/** A MAC address as a 48-bit number. */
export const macAddr = parsed(MAC_RE, parseMac, 'a MAC address', 'write six hex pairs such as 02:00:00:00:00:10').meta({ id: 'mac', description: 'a MAC address: 02:00:00:00:00:10' });

const bandwidthWant = want('a bandwidth', BANDWIDTH_HINT);
/** A bandwidth in bits per second. */
export const bandwidth = z
  .union([z.number(bandwidthWant).min(0, bandwidthWant), z.string(bandwidthWant).regex(BANDWIDTH_RE, bandwidthWant)], bandwidthWant)
  .transform((v) => parseBandwidth(v)!)
  .meta({ description: 'a bandwidth: 1Gbps, 100Mbps, 10kbps, or bits per second (0 = infinitely fast)' });

/** A rate of requests. */
export const rate = parsed(RATE_RE, parseRate, 'a rate', RATE_HINT).meta({ description: 'a rate: 100/s, or poisson 100/s' });

/** A percentage as a fraction. */
export const percent = parsed(PERCENT_RE, parsePercent, 'a percentage', PERCENT_HINT).meta({ description: 'a percentage: 10%' });

const probWant = want('a probability', 'write a fraction between 0 and 1 (0.01) or a percentage (1%)');
/** A probability: a fraction in [0, 1] or a percentage. */
export const probability = z
  .union([z.number(probWant).min(0, probWant).max(1, probWant), z.string(probWant).regex(PERCENT_RE, probWant)], probWant)
  .transform((v, ctx) => {
    const p = typeof v === 'number' ? v : parsePercent(v)!;
    if (p > 1) ctx.addIssue({ code: 'custom', message: probWant.error(), input: v });
    return p;
  });

const portWant = want('a port number', 'write a number from 1 to 65535');
/** A TCP or UDP port. */
export const port = z.number(portWant).int(portWant).min(1, portWant).max(65535, portWant).meta({ id: 'port', description: 'a TCP or UDP port, 1 to 65535' });

/** A non-negative integer. */
export function count(what: string, min = 0) {
  const w = want(what, min === 0 ? 'write a whole number, 0 or more' : `write a whole number, ${min} or more`);
  return z.number(w).int(w).min(min, w);
}

const vlanWant = want('a VLAN id', 'write a number from 1 to 4094');
/** An 802.1Q VLAN id, 1 to 4094. */
export const vlanId = z.number(vlanWant).int(vlanWant).min(1, vlanWant).max(4094, vlanWant);

/** A node name. */
export const nodeName = z
  .string(want('a node name'))
  .regex(NAME_RE, want('a node name', 'names are lower-case letters, digits and -, starting with a letter'))
  .meta({ id: 'nodeName', description: 'a node name' });

/** An interface or switch port name. */
export const ifName = z.string(want('an interface name')).regex(IFNAME_RE, want('an interface name', 'write a name such as eth0'));

/** A reference to something with an address: a node, node:iface, vip:service, or a raw address. Checked by resolve.ts. */
export const target = z
  .string(want('a name or an address', 'write a node (web1), an interface (web1:eth0), a service VIP (vip:shop) or an address'))
  .min(1, want('a name or an address'))
  .meta({ id: 'target', description: 'a node (web1), an interface (web1:eth0), a service VIP (vip:shop or vip:lb1/shop) or an address' });

/** A link endpoint: node:iface, or a switch name alone (its next free port). */
export const endpoint = z
  .string(want('a link endpoint', 'write node:interface (client1:eth0), or a switch name alone for its next free port'))
  .regex(/^[a-z][a-z0-9-]*(:[A-Za-z][A-Za-z0-9._-]*)?$/, want('a link endpoint', 'write node:interface (client1:eth0), or a switch name alone for its next free port'))
  .meta({ id: 'endpoint', description: 'node:interface (client1:eth0), or a switch alone (its next free port)' });

/** A service: `shop`, or `lb1/shop` when two LBs have a service of that name. */
export const serviceRef = z.string(want('a service', 'write shop, or lb1/shop')).regex(/^([a-z][a-z0-9-]*\/)?[a-z][a-z0-9-]*$/, want('a service', 'write shop, or lb1/shop'));

/** A real server of a service: `lb1/shop/web1` (or `shop/web1`). */
export const serverRef = z
  .string(want('a server of a service', 'write lb1/shop/web1, or shop/web1'))
  .regex(/^([a-z][a-z0-9-]*\/)?[a-z][a-z0-9-]*\/[A-Za-z0-9._:-]+$/, want('a server of a service', 'write lb1/shop/web1, or shop/web1'));

/** A record whose keys must be one of `candidates` (sysctl names, frame fields); an unknown key gets the closest. */
export function keysIn(what: string, isKnown: (k: string) => boolean, candidates: (k: string) => string[]) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const k of Object.keys(v)) {
      if (isKnown(k)) continue;
      const c = closest(k, candidates(k));
      problem(
        ctx,
        {
          code: `unknown-${what.replace(/ /g, '-')}`,
          message: `unknown ${what} \`${k}\`${c ? `; did you mean \`${c}\`?` : ''}`,
          found: k,
          ...(c ? { suggestion: `did you mean \`${c}\`?` } : {}),
          atKey: true,
        },
        [k],
      );
    }
  };
}

/** Sysctl candidates for a suggestion: the global names, and per-interface names with the interface part the user wrote. */
export function sysctlCandidates(k: string): string[] {
  const m = /^net\.ipv4\.conf\.([^.]+)\./.exec(k);
  const dev = m ? m[1]! : 'all';
  return knownSysctls().map((s) => s.replace('<iface>', dev));
}

/** A name list of a record's keys checked by a regular expression (node names, service names). */
export function namedKeys(what: string, re: RegExp, hint: string) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const k of Object.keys(v)) {
      if (re.test(k)) continue;
      const fixed = k.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^[^a-z]+/, '');
      problem(
        ctx,
        {
          code: 'bad-name',
          message: `\`${k}\` is not a valid ${what} name; ${hint}${fixed && fixed !== k ? ` (\`${fixed}\`)` : ''}`,
          expected: `a ${what} name`,
          found: k,
          suggestion: hint,
          atKey: true,
        },
        [k],
      );
    }
  };
}

/**
 * The forwarding modes of a virtual service, on their own so that the
 * scenario format can name them without loading the load balancer.
 */

/** How a virtual service forwards to its servers (see node.ts for each mode's rewrites). */
export type LbMode = 'nat' | 'snat' | 'dsr' | 'tunnel' | 'transparent';

/** The forwarding modes, for validation and help. */
export const LB_MODES: readonly LbMode[] = ['nat', 'snat', 'dsr', 'tunnel', 'transparent'];

/**
 * Other names people know the modes by, accepted in scenario files: IPVS
 * calls NAT "masquerading" (`ipvsadm -m`), DSR "direct routing" (`-g`,
 * "gatewaying") and tunnelling `-i` ("tun"); "full NAT" is the name
 * of lblab's `snat` elsewhere (Alibaba's FULLNAT IPVS patch, F5's SNAT automap).
 */
export const LB_MODE_ALIASES: Readonly<Record<string, LbMode>> = {
  masquerade: 'nat',
  fullnat: 'snat',
  'full-nat': 'snat',
  dr: 'dsr',
  'direct-routing': 'dsr',
  tun: 'tunnel',
};

/** The mode a scenario's word names (a mode or one of its aliases); the word itself when it names none. */
export function canonicalMode(word: string): string {
  return Object.hasOwn(LB_MODE_ALIASES, word) ? LB_MODE_ALIASES[word]! : word;
}

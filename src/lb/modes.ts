/**
 * The forwarding modes of a virtual service, on their own so that the
 * scenario format can name them without loading the load balancer.
 */

/** How a virtual service forwards to its servers (see node.ts for each mode's rewrites). */
export type LbMode = 'nat' | 'snat' | 'dsr' | 'tunnel' | 'transparent';

/** The forwarding modes, for validation and help. */
export const LB_MODES: readonly LbMode[] = ['nat', 'snat', 'dsr', 'tunnel', 'transparent'];

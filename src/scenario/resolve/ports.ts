/**
 * A switch's ports and what is plugged into each, as far as the links
 * resolved so far say: the list an error shows when a name such as
 * `sw1:p9` matches no port, since ports a link takes by naming only the
 * switch are numbered automatically (p1, p2, ...) and written nowhere.
 */
import type { Ctx, NodeIdx } from './context.js';

/** Each port of a switch in order (declared ones, then automatic ones), with the endpoint at the far end of its link, or null. */
export function switchPorts(c: Ctx, n: NodeIdx): { name: string; peer: string | null }[] {
  const names = [...(n.ports?.keys() ?? []), ...n.autoPorts.map((p) => p.name)];
  return names.map((name) => {
    const where = c.linked.get(`${n.name}:${name}`);
    // A link endpoint's path is links.<i>[.between].<k>; the far end is the other item of the same pair.
    if (!where || where[0] !== 'links' || typeof where[1] !== 'number') return { name, peer: null };
    const l = (c.raw.links ?? [])[where[1]];
    const pair = l === undefined ? undefined : Array.isArray(l) ? l : l.between;
    const k = where[where.length - 1];
    return { name, peer: pair && typeof k === 'number' ? (pair[1 - k] ?? null) : null };
  });
}

/** "p1 (web1:eth0), p2 (web2:eth0), p3 (free)", or "none" for a switch without ports. */
export function portListText(ports: readonly { name: string; peer: string | null }[]): string {
  return ports.length === 0 ? 'none' : ports.map((p) => `${p.name} (${p.peer ?? 'free'})`).join(', ');
}

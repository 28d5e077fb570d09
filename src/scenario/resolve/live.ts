/**
 * The live section: each attachment names a node and an interface that
 * exists and has no link (the real device takes the link's place), or a
 * port of a switch that no link uses (a new name adds the port when
 * `lblab live` runs). Runs after the links, which it must not collide
 * with, and before the node specs, so an attached interface does not draw
 * the "not linked to anything" warning.
 */
import type { LiveAttachSpec } from '../types.js';
import type { Ctx } from './context.js';
import type { Names } from './names.js';

/** Resolves the live section's attachments. */
export function resolveLive(c: Ctx, nm: Names): LiveAttachSpec[] {
  const { raw, at, error, didYouMean, nodes, linked } = c;
  const out: LiveAttachSpec[] = [];
  const devices = new Map<string, number>();
  (raw.live?.attach ?? []).forEach((a, i) => {
    const path = ['live', 'attach', i];
    const [node, iface] = a.at.split(':') as [string, string];
    const n = nodes.get(node);
    if (!n) return nm.unknownNode([...path, 'at'], node);
    if (n.kind !== 'switch' && !n.ifaces.has(iface)) {
      return error([...path, 'at'], 'unknown-name', `${node} has no interface \`${iface}\`${didYouMean(iface, n.ifaces.keys())}`, { found: a.at });
    }
    const key = `${node}:${iface}`;
    if (linked.has(key)) {
      const why = n.kind === 'switch' ? `attach a port no link uses, such as ${node}:real${i + 1}` : 'remove that link: the real device takes its place';
      return error([...path, 'at'], 'live-linked', `${key} is linked in this scenario; ${why}`, { found: a.at });
    }
    const prev = devices.get(a.device);
    if (prev !== undefined) return error([...path, 'device'], 'live-device-twice', `${a.device} is attached already (live.attach[${prev}]); one device carries one simulated interface`, { found: a.device });
    devices.set(a.device, i);
    linked.set(key, path); // taken: no "not linked" warning, no second attachment
    out.push({ node, iface, device: a.device, pos: at(path) });
  });
  return out;
}

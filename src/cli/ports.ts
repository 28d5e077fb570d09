/**
 * `lblab validate --ports`: every switch port of a checked scenario with
 * what is plugged into it, so that ports a link took automatically
 * (`[web1:eth0, sw1]` makes p1, p2, ... in link order) can be named in
 * expectations, captures and the timeline.
 */
import type { Scenario } from '../scenario/index.js';

/** One block per switch: a line per port with its VLAN setting and the endpoint at the far end of its link ("free" when none). */
export function switchPortLines(sc: Scenario): string[] {
  const out: string[] = [];
  for (const n of sc.nodes) {
    if (n.kind !== 'switch') continue;
    out.push(`${n.name}: ${n.ports.length} port${n.ports.length === 1 ? '' : 's'}`);
    const w = Math.max(0, ...n.ports.map((p) => p.name.length));
    for (const p of n.ports) {
      const link = sc.links.find((l) => (l.a.node === n.name && l.a.iface === p.name) || (l.b.node === n.name && l.b.iface === p.name));
      const peer = link ? (link.a.node === n.name && link.a.iface === p.name ? link.b : link.a) : null;
      const vlan = p.mode === 'trunk' ? `trunk native ${p.vlan}${p.allowed.length ? ` tagged ${p.allowed.join(',')}` : ''}` : `access vlan ${p.vlan}`;
      out.push(`  ${p.name.padEnd(w)}  ${(peer ? `${peer.node}:${peer.iface}` : 'free').padEnd(16)}  ${vlan}${p.auto ? ', auto (in no ports list)' : ''}`);
    }
  }
  return out;
}

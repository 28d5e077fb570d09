/**
 * The replay section: a capture's client addresses mapped onto nodes, its
 * servers onto destinations of this scenario, and its file named relative
 * to the scenario file that names it.
 */
import { parseIpv4 } from '../../wire/addr.js';
import type { ReplaySpec, Target } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import type { Ctx } from './context.js';
import type { Names } from './names.js';

/** Resolves the replays. */
export function resolveReplay(c: Ctx, nm: Names): ReplaySpec[] {
  const { raw, at, error } = c;
  const { ipNode, target } = nm;
  const replay: ReplaySpec[] = [];
  (raw.replay ?? []).forEach((r, i) => {
    const path: PathSeg[] = ['replay', i];
    const pos = at(path);
    const clients: { addr: number; node: string }[] = [];
    for (const [k, node] of Object.entries(r.clients)) {
      const a = parseIpv4(k);
      if (a === null) {
        error([...path, 'clients', k], 'bad-value', `\`${k}\` is not an IPv4 address; write the captured client's address, such as 10.0.0.1`, { onKey: true, found: k });
        continue;
      }
      if (ipNode([...path, 'clients', k], node, 'a replayed client')) clients.push({ addr: a, node });
    }
    const servers: { captured: string; to: Target; port: number | null }[] = [];
    for (const [k, v] of Object.entries(r.servers ?? {})) {
      const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(k);
      if (!m || parseIpv4(m[1]!) === null || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
        error([...path, 'servers', k], 'bad-value', `\`${k}\` is not a captured server; write an address with an optional port, such as 10.0.0.2:8000`, { onKey: true, found: k });
        continue;
      }
      const text = typeof v === 'string' ? v : v.to;
      const t = target(text, [...path, 'servers', k]);
      if (t) servers.push({ captured: k, to: t, port: typeof v === 'string' ? null : (v.port ?? null) });
    }
    // The capture is named relative to the file that names it (a base file's replay stays its own).
    const dir = pos.file.includes('/') ? pos.file.slice(0, pos.file.lastIndexOf('/') + 1) : '';
    const file = r.file.startsWith('/') ? r.file : `${dir}${r.file}`;
    replay.push({ file, written: r.file, clients, servers, start: r.start ?? 0, keepPorts: r.keep_ports ?? true, pos });
  });
  return replay;
}

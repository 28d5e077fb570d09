/**
 * `extends`: a scenario built on a base scenario. Maps merge by key (the
 * extending file wins, recursively), lists replace, and `key: ~` removes a
 * key of the base. Positions merge the same way, so an error in a value
 * that came from the base file points into the base file.
 *
 * Because nodes merge by name, defining a node that the base already has
 * refines it (changes its gateway, adds an interface). When the two
 * definitions cannot be the same node (their kinds differ), that is a name
 * clash, reported with both places.
 */
import type { ScenarioError } from './errors.js';
import { errorAt, lineCol, pathKey, pathText, type PathSeg, type PosMap } from './yaml-source.js';

/** True for a plain map value (not a list, not null). */
function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Merges an extending document into its base: the merged value, merged positions, and name clashes. */
export function mergeDocs(base: unknown, basePos: PosMap, ext: unknown, extPos: PosMap): { value: unknown; pos: PosMap; errors: ScenarioError[] } {
  const errors: ScenarioError[] = [];
  const value = mergeValue(base, ext, []);
  const pos: PosMap = new Map(extPos);
  // A base position survives unless the extending file replaced that value or one of its parents with a non-map.
  for (const [k, info] of basePos) {
    if (pos.has(k)) continue;
    const segs = k === '' ? [] : k.split('\u0001');
    let shadowed = false;
    for (let n = 0; n < segs.length && !shadowed; n++) {
      const e = extPos.get(segs.slice(0, n).join('\u0001'));
      if (e && e.shape !== 'map') shadowed = true;
    }
    if (!shadowed) pos.set(k, info);
  }
  return { value, pos, errors };

  function mergeValue(b: unknown, e: unknown, path: PathSeg[]): unknown {
    if (!isMap(b) || !isMap(e)) return e;
    if (path.length === 2 && path[0] === 'nodes') checkKind(b, e, path);
    const out: Record<string, unknown> = { ...b };
    for (const [k, v] of Object.entries(e)) {
      if (v === null && Object.hasOwn(b, k)) delete out[k];
      else out[k] = Object.hasOwn(b, k) ? mergeValue(b[k], v, [...path, k]) : v;
    }
    return out;
  }

  function checkKind(b: Record<string, unknown>, e: Record<string, unknown>, path: PathSeg[]): void {
    const bk = b['kind'];
    const ek = e['kind'];
    if (typeof bk !== 'string' || typeof ek !== 'string' || bk === ek) return;
    const where = extPos.get(pathKey([...path, 'kind'])) ?? extPos.get(pathKey(path));
    const first = basePos.get(pathKey(path));
    if (!where || !first) return;
    const p = lineCol(first.key ?? first.value);
    errors.push(
      errorAt(where.value, {
        code: 'duplicate-node',
        path: pathText(path),
        message: `node \`${String(path[1])}\` is already defined as a ${bk} in ${first.value.src.file}:${p.line}:${p.col}; an extending file merges nodes by name, so this ${ek} would be merged into it; choose another name`,
        expected: `a new node name, or kind ${bk}`,
        found: ek,
        suggestion: 'choose another name',
      }),
    );
  }
}

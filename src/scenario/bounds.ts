/**
 * Bounds on what a scenario may ask for, checked on the document as written
 * (before the schema converts it), so every excess is reported at its place
 * whatever section it is in: no duration past the simulation's horizon
 * (src/sim/time.ts HORIZON), whose sums would no longer be exact integer
 * nanoseconds, and no `path_regex` outside the syntax the linear-time
 * matcher runs (src/lb/l7/safe-regex.ts), so no pattern can stall a run
 * inside one event.
 */
import { fmtDuration, HORIZON } from '../sim/time.js';
import type { ScenarioError } from './errors.js';
import { DURATION_RE, parseDuration } from './units.js';
import { compileSafeRegex } from '../lb/l7/safe-regex.js';
import { errorAt, pathKey, pathText, type PathSeg, type PosMap, type Span } from './yaml-source.js';

/** Every duration in the document longer than the horizon and every `path_regex` the matcher refuses, as errors at their values. */
export function boundErrors(value: unknown, pos: PosMap, fallback: Span): ScenarioError[] {
  const errors: ScenarioError[] = [];
  // An explicit stack: the document is already bounded in depth (yaml-source MAX_NESTING), but need not be walked recursively.
  const stack: [unknown, PathSeg[]][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string' && path[path.length - 1] === 'path_regex') {
      const re = compileSafeRegex(v);
      // A pattern JavaScript cannot read either is the resolver's to report (as not a regular expression).
      if (!re.ok && jsRegexOk(v)) {
        const where = pos.get(pathKey(path))?.value ?? fallback;
        errors.push(errorAt(where, { code: 'bad-value', path: pathText(path), message: `\`${v}\` cannot be used as a path pattern: ${re.error}; lblab matches patterns in linear time, without back-references or lookaround`, found: v }));
      }
    } else if (typeof v === 'string') {
      if (!DURATION_RE.test(v)) continue;
      const ns = parseDuration(v);
      if (ns === null || ns <= HORIZON) continue;
      const where = pos.get(pathKey(path))?.value ?? fallback;
      errors.push(
        errorAt(where, {
          code: 'past-horizon',
          path: pathText(path),
          message: `\`${v.trim()}\` is longer than the ${fmtDuration(HORIZON)} (30 days) lblab simulates; write a shorter time`,
          found: v,
        }),
      );
    } else if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, [...path, i]]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) stack.push([x, [...path, k]]);
  }
  return errors;
}

function jsRegexOk(v: string): boolean {
  try {
    new RegExp(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * Bounds on what a scenario may ask for, checked on the document as written
 * (before the schema converts it), so every excess is reported at its place
 * whatever section it is in: no duration past the simulation's horizon
 * (src/sim/time.ts HORIZON), whose sums would no longer be exact integer
 * nanoseconds, and no `path_regex` outside the syntax the linear-time
 * matcher runs (src/lb/l7/safe-regex.ts), so no pattern can stall a run
 * inside one event; and, on the checked scenario, no more planned work than
 * a run can do (workErrors).
 */
import { fmtDuration, HORIZON } from '../sim/time.js';
import type { ScenarioError } from './errors.js';
import type { Scenario, SourcePos } from './types.js';
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

/** The most requests, echo requests and lookups all applications of a scenario may plan, unless `run.budget` allows more. */
export const MAX_PLANNED = 1_000_000;

/** The most connections one HTTP client may hold open at once (the ephemeral port range of one address is about 28,000). */
export const MAX_CONCURRENCY = 28_232;

/**
 * Work a checked scenario plans before it runs: each application's count
 * of requests, echo requests or lookups, summed, against MAX_PLANNED (or
 * `run.budget` when that is larger, since every one costs several events),
 * and each client's concurrency. A count of 1e9 at a 1 ns interval once ran
 * for minutes writing gigabytes; now it is an error at the application.
 */
export function workErrors(sc: Scenario): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const limit = Math.max(MAX_PLANNED, sc.run.budget ?? 0);
  const at = (pos: SourcePos, message: string): ScenarioError => ({ severity: 'error', code: 'too-much-work', file: pos.file, line: pos.line, col: pos.col, endCol: pos.col + 1, path: '', message, sourceLine: '' });
  let total = 0;
  for (const a of sc.apps) {
    const n = a.kind === 'ping' ? a.count : a.kind === 'http-client' ? a.requests : a.kind === 'dns-lookup' ? a.repeat : 0;
    const what = a.kind === 'ping' ? 'echo requests' : a.kind === 'http-client' ? 'requests' : 'lookups';
    if (n > limit) errors.push(at(a.pos, `this ${a.kind} plans ${n} ${what}, more than the ${limit} a run may plan; write fewer, or raise the limit with \`run: { budget: N }\` (events)`));
    else total += n;
    if (a.kind === 'http-client' && a.concurrency > MAX_CONCURRENCY) {
      errors.push(at(a.pos, `concurrency ${a.concurrency} is more connections than one client address has ports for (${MAX_CONCURRENCY}); use several clients`));
    }
  }
  if (errors.length === 0 && total > limit && sc.apps.length > 0) {
    errors.push(at(sc.apps[0]!.pos, `the applications plan ${total} requests, echo requests and lookups in all, more than the ${limit} a run may plan; write fewer, or raise the limit with \`run: { budget: N }\` (events)`));
  }
  return errors;
}

/**
 * How schema parts explain themselves: an expectation (`want`) or a strict
 * map's key list is encoded into zod's issue message, and issues.ts decodes
 * it into "expected a duration, found `5`; write ...". Also the builders
 * every section uses: strict maps (`obj`), parsed strings, full problems.
 */
import * as z from 'zod';

const WANT = '\u0001want';
const KEYS = '\u0001keys';

/** An expectation a schema part carries for its messages: what it wants, and how to write it. */
export interface Want {
  readonly expected: string;
  readonly hint?: string;
}

/** A problem a refinement reports in full (code, sentence, suggestion), optionally placed on a map key rather than its value. */
export interface CustomProblem {
  readonly code: string;
  readonly message: string;
  readonly expected?: string;
  readonly found?: string;
  readonly suggestion?: string;
  readonly atKey?: boolean;
}

/** Decodes the expectation encoded in an issue message, or null for zod's own message. */
export function decodeWant(message: string): Want | null {
  return message.startsWith(WANT) ? (JSON.parse(message.slice(WANT.length)) as Want) : null;
}

/** Decodes the keys and the name of the object an unknown key was found in. */
export function decodeKeys(message: string): { what: string; keys: string[] } | null {
  return message.startsWith(KEYS) ? (JSON.parse(message.slice(KEYS.length)) as { what: string; keys: string[] }) : null;
}

/** The error parameter that makes every issue of a schema part say what it wants. */
export function want(expected: string, hint?: string): { error: () => string } {
  const m = WANT + JSON.stringify(hint === undefined ? { expected } : { expected, hint });
  return { error: () => m };
}

/** Reports a full problem from a refinement. */
export function problem(ctx: z.RefinementCtx, p: CustomProblem, path: (string | number)[] = []): void {
  ctx.addIssue({ code: 'custom', message: p.message, path, params: { scenario: p } });
}

/** A strict map with named keys; `what` names it in messages ("unknown key `gatway` in a host"). */
export function obj<S extends z.ZodRawShape>(what: string, shape: S) {
  const keys = Object.keys(shape);
  const typeMsg = WANT + JSON.stringify({ expected: `a map (${what})` });
  const keysMsg = KEYS + JSON.stringify({ what, keys });
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? keysMsg : iss.code === 'invalid_type' ? typeMsg : undefined),
  });
}

/** A string checked by a regular expression (published in the JSON Schema) and converted by a parser. */
export function parsed<T>(re: RegExp, parse: (s: string) => T | null, expected: string, hint: string) {
  const w = want(expected, hint);
  return z
    .string(w)
    .regex(re, w)
    .transform((s, ctx) => {
      const v = parse(s);
      if (v === null) {
        ctx.addIssue({ code: 'custom', message: w.error(), input: s });
        return z.NEVER;
      }
      return v;
    });
}

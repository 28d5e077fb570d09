/**
 * zod's issues, turned into errors a person can act on. Each issue gets the
 * position of its path (the key for an unknown or missing key, the value
 * otherwise), a sentence in the "expected X, found Y; how to fix" form, and
 * a suggestion by edit distance where the value is a misspelling. A union
 * (a value that may be written in several forms) is explained through the
 * form the writer evidently meant: the one that got furthest.
 */
import { own } from '../sim/own.js';
import type * as z from 'zod';
import { LB_MODE_ALIASES } from '../lb/modes.js';
import { choices, closest, type ScenarioError } from './errors.js';
import { decodeKeys, decodeWant, type CustomProblem } from './schema/messages.js';
import { errorAt, pathKey, pathText, type PathInfo, type PathSeg, type PosMap, type Span } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

/** Describes a found value the way a message shows it: `5`, `dssr`, a map, a list, nothing. */
export function describeFound(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return v === '' ? 'an empty text' : `\`${v}\``;
  return `\`${String(v)}\``;
}

/** The value at a path of the raw document (undefined when absent). */
export function valueAt(root: unknown, path: readonly PathSeg[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** The nearest recorded position of a path (walking up to a parent when a path has none of its own). */
export function infoAt(pos: PosMap, path: readonly PathSeg[]): { info: PathInfo; exact: boolean } | null {
  for (let n = path.length; n >= 0; n--) {
    const info = pos.get(pathKey(path.slice(0, n)));
    if (info) return { info, exact: n === path.length };
  }
  return null;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  array: 'a list',
  tuple: 'a list',
  null: 'nothing',
};

/** Converts the issues of one parse to errors (unsorted). */
export function issuesToErrors(issues: readonly Issue[], root: unknown, pos: PosMap, fallback: Span): ScenarioError[] {
  const out: ScenarioError[] = [];
  for (const i of issues) convert(i, []);
  // "needs one action" next to an unknown key in the same entry is the same mistake (`fial: web1`): keep the more precise one.
  const vague = new Set(['no-action', 'no-check', 'bad-distribution', 'bad-server']);
  return out.filter((e) => !vague.has(e.code) || !out.some((u) => u.code === 'unknown-key' && u.path.startsWith(`${e.path}.`)));

  function place(path: readonly PathSeg[], onKey: boolean): Span {
    const found = infoAt(pos, path);
    if (!found) return fallback;
    if (onKey || !found.exact) return found.info.key ?? found.info.value;
    return found.info.value;
  }

  function push(path: readonly PathSeg[], onKey: boolean, fields: Omit<ScenarioError, 'file' | 'line' | 'col' | 'endCol' | 'sourceLine' | 'severity' | 'path'>): void {
    out.push(errorAt(place(path, onKey), { ...fields, path: pathText(path) }));
  }

  function convert(issue: Issue, prefix: readonly PathSeg[]): void {
    const path = [...prefix, ...(issue.path as PathSeg[])];
    const value = valueAt(root, path);
    const found = describeFound(value);
    const w = decodeWant(issue.message);

    if (issue.code === 'custom' && issue.params && (issue.params as { scenario?: CustomProblem }).scenario) {
      const p = (issue.params as { scenario: CustomProblem }).scenario;
      push(path, p.atKey === true, {
        code: p.code,
        message: p.message,
        ...(p.expected !== undefined ? { expected: p.expected } : {}),
        ...(p.found !== undefined ? { found: p.found } : {}),
        ...(p.suggestion !== undefined ? { suggestion: p.suggestion } : {}),
      });
      return;
    }

    if (issue.code === 'unrecognized_keys') {
      const k = decodeKeys(issue.message);
      for (const key of issue.keys) {
        const c = k ? closest(key, k.keys) : null;
        const elsewhere = k ? belongsTo(key, k.what) : null;
        const suggestion = elsewhere ?? (c ? `did you mean \`${c}\`?` : k ? `expected one of ${choices(k.keys)}` : undefined);
        push([...path, key], true, {
          code: 'unknown-key',
          message: `unknown key \`${key}\`${k ? ` in ${k.what}` : ''}${suggestion ? `; ${suggestion}` : ''}`,
          found: key,
          ...(k ? { expected: `a key of ${k.what}` } : {}),
          ...(suggestion ? { suggestion } : {}),
        });
      }
      return;
    }

    if (issue.code === 'invalid_union') {
      if ('note' in issue && issue.note === 'No matching discriminator') {
        const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
        const key = String((issue as { discriminator?: unknown }).discriminator ?? 'kind');
        const parent = path[path.length - 1] === key ? path.slice(0, -1) : path;
        const kindValue = valueAt(root, [...parent, key]);
        if (kindValue === undefined) {
          push(parent, true, { code: 'missing-key', message: `missing \`${key}\`: write one of ${choices(options)}`, expected: choices(options), found: 'nothing' });
        } else {
          const c = typeof kindValue === 'string' ? closest(kindValue, options) : null;
          const suggestion = c ? `did you mean \`${c}\`?` : undefined;
          push([...parent, key], false, {
            code: 'bad-value',
            message: `expected ${key} ${choices(options)}, found ${describeFound(kindValue)}${suggestion ? `; ${suggestion}` : ''}`,
            expected: choices(options),
            found: describeFound(kindValue),
            ...(suggestion ? { suggestion } : {}),
          });
        }
        return;
      }
      const branches = issue.errors;
      // The form the writer meant: the one whose issues reach deepest into the value.
      let best = -1;
      let bestDepth = 0;
      for (let b = 0; b < branches.length; b++) {
        const depth = Math.max(0, ...branches[b]!.map((x) => x.path.length));
        if (depth > bestDepth) {
          best = b;
          bestDepth = depth;
        }
      }
      if (best < 0) {
        // Every form failed at the value itself: a form whose type matched (wrong text, not wrong kind) explains it best.
        const typed = branches.map((br, b) => (br.some((x) => x.code !== 'invalid_type') ? b : -1)).filter((b) => b >= 0);
        if (typed.length === 1) best = typed[0]!;
      }
      if (best >= 0) {
        for (const x of branches[best]!) convert(x, path);
        return;
      }
      const expected = w ? w.expected : unionExpected(branches);
      push(path, value === undefined, {
        code: value === undefined ? 'missing-key' : 'wrong-type',
        message: `expected ${expected}, found ${found}${w?.hint ? `; ${w.hint}` : ''}`,
        expected,
        found,
        ...(w?.hint ? { suggestion: w.hint } : {}),
      });
      return;
    }

    if (issue.code === 'invalid_key') {
      for (const x of issue.issues) convert({ ...x, path: [] } as Issue, path);
      return;
    }

    if (issue.code === 'invalid_value') {
      // Accepted other names (`fullnat` for snat) still count for "did you mean", but the list shows the real names only.
      const all = issue.values.map(String);
      const values = all.filter((v) => !Object.hasOwn(LB_MODE_ALIASES, v));
      if (value === undefined) {
        push(path, true, { code: 'missing-key', message: `missing \`${String(path[path.length - 1])}\`: write ${choices(values)}`, expected: choices(values), found: 'nothing' });
        return;
      }
      if (w) {
        push(path, false, { code: 'bad-value', message: `expected ${w.expected}, found ${found}${w.hint ? `; ${w.hint}` : ''}`, expected: w.expected, found, ...(w.hint ? { suggestion: w.hint } : {}) });
        return;
      }
      const c = typeof value === 'string' ? closest(value, all) : null;
      const last = String(path[path.length - 1] ?? 'value');
      const owner = path.length >= 2 ? String(path[path.length - 2]) : '';
      const what = last === 'code' && (owner === 'drop' || owner === 'rewrite') ? `${owner} code` : last.replace(/_/g, ' ');
      const list = values.length <= 12 ? choices(values) : `one of ${values.length} names`;
      const more = last === 'code' ? 'the codes are listed in docs/reason-codes.md' : `see docs/scenario-format.md for the ${values.length} names`;
      const suggestion = c ? `did you mean \`${c}\`?` : values.length > 12 ? more : undefined;
      push(path, false, {
        code: 'bad-value',
        message: values.length <= 12 ? `unknown ${what} ${found}; expected ${list}${c ? `; did you mean \`${c}\`?` : ''}` : `unknown ${what} ${found}; ${suggestion}`,
        expected: list,
        found,
        ...(suggestion ? { suggestion } : {}),
      });
      return;
    }

    if (issue.code === 'invalid_type' && value === undefined) {
      const key = String(path[path.length - 1]);
      const expected = w ? w.expected : (own(TYPE_NAMES, String(issue.expected)) ?? issue.expected);
      push(path, true, { code: 'missing-key', message: `missing \`${key}\` (${expected})${w?.hint ? `; ${w.hint}` : ''}`, expected, found: 'nothing' });
      return;
    }

    if (w) {
      push(path, false, {
        code: issue.code === 'invalid_type' ? 'wrong-type' : 'bad-value',
        message: `expected ${w.expected}, found ${found}${w.hint ? `; ${w.hint}` : ''}`,
        expected: w.expected,
        found,
        ...(w.hint ? { suggestion: w.hint } : {}),
      });
      return;
    }

    if (issue.code === 'invalid_type') {
      const expected = own(TYPE_NAMES, String(issue.expected)) ?? issue.expected;
      push(path, false, { code: 'wrong-type', message: `expected ${expected}, found ${found}`, expected, found });
      return;
    }
    if (issue.code === 'too_small' || issue.code === 'too_big') {
      const small = issue.code === 'too_small';
      const limit = small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum;
      const expected = issue.origin === 'array' ? `${small ? 'at least' : 'at most'} ${String(limit)} item${limit === 1 ? '' : 's'}` : `a number ${small ? 'of at least' : 'of at most'} ${String(limit)}`;
      push(path, false, { code: 'bad-value', message: `expected ${expected}, found ${Array.isArray(value) ? `${value.length} item${value.length === 1 ? '' : 's'}` : found}`, expected, found });
      return;
    }
    // Anything else is reported with zod's own words, still placed and sorted.
    push(path, false, { code: 'bad-value', message: `${issue.message}: found ${found}`, found });
  }
}

/** Keys that belong to one kind of node, for a key written on another kind. */
const KIND_KEYS: Readonly<Record<string, string>> = {
  services: 'an lb node (kind: lb)',
  bridge: 'an lb node (kind: lb)',
  masquerade: 'a gateway node (kind: gateway)',
  forwards: 'a gateway node (kind: gateway)',
  zones: 'a dns node (kind: dns)',
  ports: 'a switch (kind: switch)',
  aggregate: 'a switch (kind: switch)',
  aging: 'a switch (kind: switch)',
};

const NODE_WHATS = new Set(['a host', 'a router', 'a gateway', 'a load balancer', 'a DNS server', 'a switch']);

/** "`services` belongs to an lb node" when a node key is written on the wrong kind of node; null otherwise. */
function belongsTo(key: string, what: string): string | null {
  if (!NODE_WHATS.has(what)) return null;
  if (what === 'a switch' && ['interfaces', 'gateway', 'routes', 'loopback', 'sysctls', 'ipip'].includes(key)) return 'a switch has `ports`, not IP settings; those belong to hosts, routers, gateways, lbs and dns nodes';
  const owner = own(KIND_KEYS, key);
  return owner && !(what === 'a switch' && owner.startsWith('a switch')) ? `\`${key}\` belongs to ${owner}` : null;
}

/** "text or a map" from the root issues of every form of a union. */
function unionExpected(branches: readonly (readonly Issue[])[]): string {
  const names: string[] = [];
  for (const br of branches) {
    for (const x of br) {
      const w = decodeWant(x.message);
      const n = w ? w.expected : x.code === 'invalid_type' ? (own(TYPE_NAMES, String(x.expected)) ?? x.expected) : null;
      if (n !== null && !names.includes(n)) names.push(n);
    }
  }
  if (names.length === 0) return 'another form';
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

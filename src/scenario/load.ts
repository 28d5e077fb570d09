/**
 * Loading a scenario: read the file (and the chain of `extends` bases),
 * parse YAML with positions, merge, check the shape with the schema, then
 * resolve names and run the semantic checks. The result is either a
 * checked Scenario (with warnings) or every error found, sorted by place.
 * A user's mistake never throws; an exception inside lblab is caught and
 * reported as an internal error, so it is not mistaken for the user's.
 */
import * as path from 'node:path';
import { sortErrors, type ScenarioError } from './errors.js';
import { boundErrors, workErrors } from './bounds.js';
import { issuesToErrors } from './issues.js';
import { mergeDocs } from './merge.js';
import { resolveScenario } from './resolve.js';
import { scenarioSchema } from './schema.js';
import type { Scenario } from './types.js';
import { errorAt, pathKey, readYaml, type PosMap, type Span } from './yaml-source.js';

/** What loading a scenario gives: the checked scenario and its warnings, or the errors (and warnings) that stop it. */
export type LoadResult =
  | { readonly ok: true; readonly scenario: Scenario; readonly warnings: readonly ScenarioError[] }
  | { readonly ok: false; readonly errors: readonly ScenarioError[]; readonly warnings: readonly ScenarioError[] };

/** How the loader reaches files (injectable, so tests and the browser need no disk). */
export interface LoadOptions {
  /**
   * The canonical path of an existing file (symbolic links resolved), used to
   * keep `extends` inside the scenario's folder tree. Default: path.resolve
   * (the CLI passes fs.realpathSync, so a link cannot lead outside the tree).
   */
  readonly realPath?: (p: string) => string;
}

const MAX_EXTENDS = 16;

/**
 * Loads a scenario file and the bases it extends through `readFile` (only
 * src/cli touches the disk; it passes fs.readFileSync). File names in
 * messages are as given (bases relative to it).
 */
export function loadScenario(file: string, readFile: (p: string) => string, opts: LoadOptions = {}): LoadResult {
  const read = readFile;
  const real = opts.realPath ?? ((p: string) => path.resolve(p));
  return guard(file, () => {
    let text: string;
    try {
      text = read(file);
    } catch (e) {
      return fail([fileError(file, `cannot read the scenario: ${ioMessage(e)}`)]);
    }
    return load(text, file, { read, real });
  });
}

/** Checks a scenario given as text (`file` names it in messages). `extends` needs loadScenario, which can read the base. */
export function parseScenario(text: string, file: string): LoadResult {
  return guard(file, () => load(text, file, null));
}

interface Io {
  readonly read: (p: string) => string;
  readonly real: (p: string) => string;
}

function load(text: string, file: string, io: Io | null): LoadResult {
  const top = readYaml(text, file);
  if (top.errors.length > 0) return fail(top.errors);
  const fallback: Span = { src: top.src, start: 0, end: 0 };
  if (top.value === null || typeof top.value !== 'object' || Array.isArray(top.value)) {
    const message = top.value === null ? 'the file is empty; a scenario starts with `lblab: 1`, then `title:` and `nodes:`' : 'a scenario file is a map of sections (lblab, title, nodes, links, ...); this file is not';
    return fail([errorAt(fallback, { code: 'wrong-type', path: '', message, expected: 'a map' })]);
  }
  const files = [file];
  let doc: { value: unknown; pos: PosMap } = { value: top.value, pos: top.pos };
  const errors: ScenarioError[] = [];

  // The extends chain: each base is read relative to the file that names it, and must stay inside the top file's folder.
  let current = { value: top.value as Record<string, unknown>, pos: top.pos, file, src: top.src };
  const chain: { value: unknown; pos: PosMap }[] = [];
  const seen: string[] = [];
  if (io) {
    try {
      seen.push(io.real(file));
    } catch {
      seen.push(path.resolve(file));
    }
  }
  const rootDir = seen.length > 0 ? path.dirname(seen[0]!) : '';
  while (typeof current.value['extends'] === 'string') {
    const ext = current.value['extends'];
    const where = current.pos.get(pathKey(['extends']))!.value;
    if (!io) {
      errors.push(errorAt(where, { code: 'extends-needs-file', path: 'extends', message: '`extends` is resolved only when the scenario is loaded from a file (loadScenario)' }));
      break;
    }
    if (chain.length >= MAX_EXTENDS) {
      errors.push(errorAt(where, { code: 'extends-depth', path: 'extends', message: `more than ${MAX_EXTENDS} files extend one another; flatten some of them` }));
      break;
    }
    const display = path.normalize(path.join(path.dirname(current.file), ext));
    let realBase: string;
    try {
      realBase = io.real(display);
    } catch (e) {
      errors.push(errorAt(where, { code: 'extends-missing', path: 'extends', message: `cannot read the base scenario ${display}: ${ioMessage(e)}`, found: ext }));
      break;
    }
    const rel = path.relative(rootDir, realBase);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      errors.push(
        errorAt(where, {
          code: 'extends-outside',
          path: 'extends',
          message: `\`${ext}\` is outside the folder of ${file}; a scenario may extend only files in its own folder tree`,
          found: ext,
          suggestion: 'copy the base next to the scenario',
        }),
      );
      break;
    }
    const cycle = seen.indexOf(realBase);
    if (cycle >= 0) {
      errors.push(errorAt(where, { code: 'extends-cycle', path: 'extends', message: `\`${ext}\` leads back to ${files[cycle]}: the files extend one another in a cycle (${[...files, display].join(' -> ')})`, found: ext }));
      break;
    }
    seen.push(realBase);
    let baseText: string;
    try {
      baseText = io.read(display);
    } catch (e) {
      errors.push(errorAt(where, { code: 'extends-missing', path: 'extends', message: `cannot read the base scenario ${display}: ${ioMessage(e)}`, found: ext }));
      break;
    }
    files.push(display);
    const base = readYaml(baseText, display);
    if (base.errors.length > 0) {
      errors.push(...base.errors);
      break;
    }
    if (base.value === null || typeof base.value !== 'object' || Array.isArray(base.value)) {
      errors.push(errorAt({ src: base.src, start: 0, end: 0 }, { code: 'wrong-type', path: '', message: 'a base scenario is a map of sections, like any scenario' }));
      break;
    }
    chain.push({ value: current.value, pos: current.pos });
    current = { value: base.value as Record<string, unknown>, pos: base.pos, file: display, src: base.src };
  }
  if (errors.length > 0) return fail(errors);
  if (chain.length > 0) {
    // Merge from the deepest base up: each extending file is applied on top of what it extends.
    let acc: { value: unknown; pos: PosMap } = { value: current.value, pos: current.pos };
    for (let i = chain.length - 1; i >= 0; i--) {
      const m = mergeDocs(acc.value, acc.pos, chain[i]!.value, chain[i]!.pos);
      errors.push(...m.errors);
      acc = { value: m.value, pos: m.pos };
    }
    if (errors.length > 0) return fail(errors);
    doc = acc;
  }

  // Top-level keys starting with `x-` are free for the writer (anchors to reuse with `<<`, notes), as in Compose files.
  const value = Object.fromEntries(Object.entries(doc.value as Record<string, unknown>).filter(([k]) => !k.startsWith('x-')));
  const bounds = boundErrors(value, doc.pos, fallback);
  const parsed = scenarioSchema.safeParse(value);
  if (!parsed.success) return fail([...issuesToErrors(parsed.error.issues, value, doc.pos, fallback), ...bounds]);
  const r = resolveScenario(parsed.data, doc.pos, files, fallback);
  const problems = [...r.problems, ...bounds, ...(r.scenario !== null ? workErrors(r.scenario) : [])];
  const warnings = sortErrors(problems.filter((p) => p.severity === 'warning'));
  const errs = sortErrors(problems.filter((p) => p.severity === 'error'));
  if (r.scenario === null || errs.length > 0) return { ok: false, errors: errs, warnings };
  return { ok: true, scenario: r.scenario, warnings };
}

function fail(errors: readonly ScenarioError[]): LoadResult {
  const all = sortErrors(errors);
  return { ok: false, errors: all.filter((e) => e.severity === 'error'), warnings: all.filter((e) => e.severity === 'warning') };
}

/** Runs the loader; an exception is lblab's bug, reported as an internal error with its stack. */
function guard(file: string, f: () => LoadResult): LoadResult {
  try {
    return f();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return {
      ok: false,
      errors: [{ ...fileError(file, `internal error in lblab's scenario loader (this is a bug of lblab, not of the file; please report it): ${err.message}`), code: 'internal', detail: err.stack ?? err.message }],
      warnings: [],
    };
  }
}

function fileError(file: string, message: string): ScenarioError {
  return { severity: 'error', code: 'cannot-read', file, line: 1, col: 1, endCol: 2, path: '', message, sourceLine: '' };
}

function ioMessage(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return e instanceof Error ? e.message : String(e);
}


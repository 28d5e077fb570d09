/**
 * Finding and reading scenario files for the commands: a path, or the name
 * of a built-in scenario in the package's scenarios/ folder. The scenario
 * loader never touches the disk itself; this is where the reading happens.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatErrors, loadScenario, type LoadResult, type Scenario, type ScenarioError } from '../scenario/index.js';
import { buildScenario } from '../assemble/scenario.js';
import { BuildError, type BuildIo, type BuiltScenario } from '../assemble/built.js';

/** The package's built-in scenarios folder (dist/cli -> package root -> scenarios). */
export const BUILTIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../scenarios');

/** The scenario `npm start` and a bare `lblab` run. */
export const DEFAULT_SCENARIO = 'same-subnet-vip';

/** The built-in scenario names, sorted. */
export function builtinNames(): string[] {
  if (!existsSync(BUILTIN_DIR)) return [];
  return readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** The file a command argument names: an existing path, else a built-in name; null when neither. */
export function locate(arg: string): string | null {
  if (existsSync(arg)) return arg;
  if (/^[a-z0-9][a-z0-9-]*$/.test(arg)) {
    const f = join(BUILTIN_DIR, `${arg}.yaml`);
    if (existsSync(f)) return f;
  }
  return null;
}

/** Loads a scenario from disk (bases of `extends` included), with symbolic links resolved for the folder check. */
export function loadFromDisk(file: string): LoadResult {
  return loadScenario(file, (p) => readFileSync(p, 'utf8'), { realPath: (p) => realpathSync(p) });
}

/** What the builder needs from the disk: the captures a scenario replays. */
export const DISK_IO: BuildIo = { readBinary: (p: string) => readFileSync(p) };

/** The title of a built-in scenario, read from its `title:` line (cheap; for listings). */
export function titleOf(name: string): string {
  const text = readFileSync(join(BUILTIN_DIR, `${name}.yaml`), 'utf8');
  const m = /^title:\s*(.+)$/m.exec(text);
  return m ? m[1]!.replace(/^["']|["']$/g, '') : '';
}

/**
 * The prologue every scenario command shares: finds the file (a path or a
 * built-in name), loads and checks it, prints its errors (exit 1) or
 * warnings, and applies a --seed override. Returns the file and the
 * scenario, or the exit code when it cannot go on (2: no such scenario).
 * `warnings` false prints none; a function prints those it keeps.
 */
export function openScenario(arg: string, seed: number | undefined, err: (text: string) => void, warnings: boolean | ((w: ScenarioError) => boolean) = true): { file: string; scenario: Scenario } | number {
  const file = locate(arg);
  if (!file) {
    err(`lblab: no scenario file "${arg}", and no built-in scenario of that name. Built-in: ${builtinNames().join(', ')}\n`);
    return 2;
  }
  const loaded = loadFromDisk(file);
  if (!loaded.ok) {
    err(formatErrors([...loaded.errors, ...loaded.warnings]) + '\n');
    return 1;
  }
  const shown = warnings === false ? [] : warnings === true ? loaded.warnings : loaded.warnings.filter(warnings);
  if (shown.length) err(formatErrors(shown) + '\n');
  return { file, scenario: seed !== undefined ? { ...loaded.scenario, seed } : loaded.scenario };
}

/** Builds a scenario from disk; a BuildError is printed at its file:line:col and gives null. */
export function buildOrReport(sc: Scenario, err: (text: string) => void): BuiltScenario | null {
  try {
    return buildScenario(sc, DISK_IO);
  } catch (e) {
    if (e instanceof BuildError) {
      err(`${e.where()}\n`);
      return null;
    }
    throw e;
  }
}

/**
 * Finding and reading scenario files for the commands: a path, or the name
 * of a built-in scenario in the package's scenarios/ folder. The scenario
 * loader never touches the disk itself; this is where the reading happens.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatErrors, loadScenario, type LoadResult, type Scenario } from '../scenario/index.js';
import { buildScenario } from '../assemble/scenario.js';
import { BuildError, type BuildIo, type BuiltScenario } from '../assemble/built.js';
import { FileRefused, ioReason, MAX_SCENARIO_BYTES, readContained, readRegular } from './files.js';

const utf8 = new TextDecoder('utf-8');

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
  return loadScenario(file, (p) => utf8.decode(readRegular(p, MAX_SCENARIO_BYTES, 'a scenario is a .yaml file')), { realPath: (p) => realpathSync(p) });
}

/**
 * The folder tree a scenario's captures must lie in (a real path): the
 * scenario's own folder, or for a built-in scenario the package (they replay
 * the captures in fixtures/).
 */
export function captureRoot(scenarioFile: string): string {
  const dir = dirname(realpathSync(scenarioFile));
  return existsSync(BUILTIN_DIR) && dir === realpathSync(BUILTIN_DIR) ? dirname(dir) : dir;
}

/** What the builder needs from the disk: the captures a scenario replays, read only inside its folder tree (src/cli/files.ts). */
export const DISK_IO: BuildIo = {
  readBinary: (p: string, scenarioFile: string) => {
    let root: string;
    try {
      root = captureRoot(scenarioFile);
    } catch (e) {
      throw new FileRefused(`cannot find the folder of ${scenarioFile}: ${ioReason(e)}`);
    }
    return readContained(p, root, scenarioFile);
  },
};

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
 */
export function openScenario(arg: string, seed: number | undefined, err: (text: string) => void, warnings = true): { file: string; scenario: Scenario } | number {
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
  if (warnings && loaded.warnings.length) err(formatErrors(loaded.warnings) + '\n');
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

/**
 * Finding and reading scenario files for the commands: a path, or the name
 * of a built-in scenario in the package's scenarios/ folder. The scenario
 * loader never touches the disk itself; this is where the reading happens.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatErrors, loadScenario, type LoadResult, type Scenario, type ScenarioError } from '../scenario/index.js';
import { buildScenario } from '../assemble/scenario.js';
import { BuildError, type BuildIo, type BuiltScenario } from '../assemble/built.js';
import { BUILTIN_DIR, builtinNames, locate } from './builtins.js';
import { FileRefused, ioReason, MAX_SCENARIO_BYTES, readContained, readRegular } from './files.js';

const utf8 = new TextDecoder('utf-8');

export { BUILTIN_DIR, DEFAULT_SCENARIO, builtinNames, locate, titleOf } from './builtins.js';

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

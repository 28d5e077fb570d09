/**
 * The built-in scenarios: the package's scenarios/ folder, their names and
 * titles, and finding the file a command argument names. Kept apart from
 * the loader (scenarios.ts) so that listing them loads nothing heavy.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The title of a built-in scenario, read from its `title:` line (cheap; for listings). */
export function titleOf(name: string): string {
  const text = readFileSync(join(BUILTIN_DIR, `${name}.yaml`), 'utf8');
  const m = /^title:\s*(.+)$/m.exec(text);
  return m ? m[1]!.replace(/^["']|["']$/g, '') : '';
}

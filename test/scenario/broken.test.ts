/**
 * The corpus of broken scenarios: each file in test/scenario/broken/ starts
 * with comment lines stating every problem the loader must report, exactly:
 *
 *   # error unknown-key.yaml:7:5: unknown key `gatway` in a host; did you mean `gateway`?
 *   # warning ...
 *
 * (file relative to the corpus folder, line, column, message). Files in
 * subfolders are bases and cycles used by `extends`, not cases of their own.
 */
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatErrors, loadScenario, type ScenarioError } from '../../src/scenario/index.js';

const DIR = join(import.meta.dirname, 'broken');

/** Loads a corpus file with names relative to the corpus folder, so messages do not depend on where tests run. */
export function loadCorpus(file: string) {
  return loadScenario(file, (p) => readFileSync(join(DIR, p), 'utf8'), { realPath: (p) => realpathSync(join(DIR, p)) });
}

/** The one-line form the header comments use. */
export function line(e: ScenarioError): string {
  return `${e.severity} ${e.file}:${e.line}:${e.col}: ${e.message}`;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

describe('broken scenarios', () => {
  test('the corpus has at least 25 cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  for (const f of files) {
    test(f, () => {
      const text = readFileSync(join(DIR, f), 'utf8');
      const want = text
        .split('\n')
        .filter((l) => /^# (error|warning) /.test(l))
        .map((l) => l.slice(2));
      const r = loadCorpus(f);
      const got = r.ok ? r.warnings.map(line) : [...r.errors, ...r.warnings].map(line);
      expect(got).toEqual(want);
      if (want.some((w) => w.startsWith('error'))) expect(r.ok).toBe(false);
      // Every problem prints as a compiler line with a source excerpt, never a stack trace.
      const printed = formatErrors(r.ok ? r.warnings : r.errors);
      expect(printed).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      if (!r.ok) expect(r.errors.every((e) => e.code !== 'internal')).toBe(true);
    });
  }
});

/**
 * Golden fingerprints of every built-in scenario: the SHA-256 of its pcapng
 * export, of its full trace as JSON lines, and its check verdicts, compared
 * with fixtures/golden/fingerprints.json. A refactor must leave them all
 * equal; a change of behaviour that is meant (a new default that matches
 * the kernel better) rewrites the file with `UPDATE_GOLDEN=1 npx vitest run
 * test/golden`, and the diff of that file shows which lessons it touched.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, exportBuilt, scenarioFiles } from '../pcap/helpers.js';
import { eventJson } from '../../src/view/json.js';
import { grade } from '../../src/grade/grade.js';
import { gradeInputOf } from '../../src/cli/check.js';

const GOLDEN = 'fixtures/golden/fingerprints.json';

interface Fingerprint {
  readonly pcapng: string;
  readonly trace: string;
  readonly events: number;
  readonly verdicts: readonly string[];
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function fingerprint(file: string): Fingerprint {
  const built = build(file);
  if (typeof built === 'string') throw new Error(`${file} does not load: ${built}`);
  const exp = exportBuilt(built);
  const trace = createHash('sha256');
  for (const ev of exp.events) trace.update(JSON.stringify(eventJson(ev)) + '\n');
  const verdicts = grade(gradeInputOf(built, exp.events), built.scenario.expect).map((v) => `${v.passed ? 'pass' : 'FAIL'} ${v.name}: ${v.message}`);
  return { pcapng: sha256(exp.bytes), trace: trace.digest('hex'), events: exp.events.length, verdicts };
}

const files = scenarioFiles();
const actual: Record<string, Fingerprint> = {};
const golden: Record<string, Fingerprint> = existsSync(GOLDEN) ? (JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, Fingerprint>) : {};
const update = process.env['UPDATE_GOLDEN'] === '1';

describe('golden fingerprints of the built-in scenarios', () => {
  it('has a fingerprint for exactly the built-in scenarios', () => {
    if (update) return;
    expect(Object.keys(golden).sort()).toEqual(files.map((f) => basename(f, '.yaml')).sort());
  });
  for (const file of files) {
    const name = basename(file, '.yaml');
    it(`${name}: pcapng bytes, trace and verdicts are unchanged`, () => {
      actual[name] = fingerprint(file);
      if (update) {
        const sorted = Object.fromEntries(Object.entries(actual).sort(([a], [b]) => (a < b ? -1 : 1)));
        writeFileSync(GOLDEN, JSON.stringify(sorted, null, 1) + '\n');
        return;
      }
      expect(actual[name]).toEqual(golden[name]);
    });
  }
});

/**
 * The built-in lesson library: every scenario in scenarios/ loads without
 * errors or warnings, builds, runs to its end (never cut short by the event
 * budget), and has a lesson page in docs/lessons/ that names it. Grading
 * the scenarios' expectations is the grader's own test (test/grade).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatErrors, loadScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';

const ROOT = join(import.meta.dirname, '../..');
const SCENARIOS = join(ROOT, 'scenarios');
const LESSONS = join(ROOT, 'docs/lessons');

const names = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

describe('the built-in lesson library', () => {
  test('has the scenarios the lessons index promises, including the default one', () => {
    expect(names.length).toBeGreaterThanOrEqual(25);
    expect(names).toContain('same-subnet-vip');
  });

  test.each(names)('%s loads cleanly, builds and runs to its end', (name) => {
    const file = join(SCENARIOS, `${name}.yaml`);
    const r = loadScenario(file, (p) => readFileSync(p, 'utf8'));
    if (!r.ok) throw new Error(formatErrors([...r.errors, ...r.warnings]));
    expect(r.warnings.length === 0 ? '' : formatErrors(r.warnings)).toBe('');
    const sc = r.scenario;
    expect(sc.title.length).toBeGreaterThan(0);
    expect(sc.description.length).toBeGreaterThan(0);
    expect(sc.goals.length).toBeGreaterThan(0);
    expect(sc.expect.length).toBeGreaterThanOrEqual(3);
    expect(sc.expect.length).toBeLessThanOrEqual(6);
    const built = buildScenario(sc, { readBinary: (p) => readFileSync(p) });
    const res = built.net.run(sc.run.until ?? undefined);
    expect(res.reason, res.message).not.toBe('budget');
  });

  test.each(names)('%s has a lesson page that names it', (name) => {
    const page = join(LESSONS, `${name}.md`);
    expect(existsSync(page), `docs/lessons/${name}.md`).toBe(true);
    const text = readFileSync(page, 'utf8');
    expect(text).toContain(name);
    for (const part of ['## The concept', '## Topology', '## Run it', '## What to watch for', '## The frames that matter', '## Questions', '<details>', '## Break it, fix it']) {
      expect(text, `${name}.md: ${part}`).toContain(part);
    }
  });

  test('the lessons index links every lesson page', () => {
    const index = readFileSync(join(LESSONS, 'README.md'), 'utf8');
    for (const name of names) expect(index, name).toContain(`(${name}.md)`);
  });
});

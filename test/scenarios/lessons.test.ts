/**
 * The built-in lesson library: every scenario in scenarios/ loads without
 * errors or warnings, builds, runs to its end (never cut short by the event
 * budget), and has a lesson page in docs/lessons/ that names it. Grading
 * the scenarios' expectations is the grader's own test (test/grade).
 * Every lesson also has a Korean page in docs/ko/lessons/ whose code blocks
 * (commands, hop lines, topologies) are the English page's, byte for byte,
 * in the same order: only the prose is translated. Every relative link of
 * the English and Korean pages resolves to a file inside the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatErrors, loadScenario } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';

const ROOT = join(import.meta.dirname, '../..');
const SCENARIOS = join(ROOT, 'scenarios');
const LESSONS = join(ROOT, 'docs/lessons');
const KO = join(ROOT, 'docs/ko');
const KO_LESSONS = join(KO, 'lessons');

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

/** The fenced code blocks of a Markdown page, fences included, in order. */
const codeBlocks = (text: string): string[] => text.match(/```[\s\S]*?```/g) ?? [];

/** The relative link targets of a Markdown page outside its code blocks (external and in-page links left out). */
const relativeLinks = (text: string): string[] =>
  [...text.replace(/```[\s\S]*?```/g, '').matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((l) => !/^[a-z]+:/.test(l) && !l.startsWith('#'));

/** The links of a page that do not resolve to a file in the repository, as "page -> target". */
const brokenLinks = (page: string): string[] =>
  relativeLinks(readFileSync(page, 'utf8'))
    .map((l) => ({ l, to: resolve(dirname(page), decodeURIComponent(l.split('#')[0]!)) }))
    .filter(({ to }) => relative(ROOT, to).startsWith('..') || !existsSync(to))
    .map(({ l }) => `${relative(ROOT, page)} -> ${l}`);

describe('the Korean lesson pages (docs/ko/lessons)', () => {
  test.each(names)('%s has a Korean page with the English page\'s code blocks', (name) => {
    const page = join(KO_LESSONS, `${name}.md`);
    expect(existsSync(page), `docs/ko/lessons/${name}.md`).toBe(true);
    const text = readFileSync(page, 'utf8');
    expect(text).toContain(`scenarios/${name}.yaml`);
    for (const part of ['## 개념', '## 토폴로지', '## 실행하기', '## 살펴볼 점', '## 중요한 프레임', '## 질문', '<details>', '## 망가뜨리고 고치기']) {
      expect(text, `ko/lessons/${name}.md: ${part}`).toContain(part);
    }
    expect(/[\uac00-\ud7a3]/.test(text), 'written in Korean').toBe(true);
    expect(codeBlocks(text)).toEqual(codeBlocks(readFileSync(join(LESSONS, `${name}.md`), 'utf8')));
  });

  test.each(names)('the English page of %s links its Korean page, and back', (name) => {
    expect(readFileSync(join(LESSONS, `${name}.md`), 'utf8')).toContain(`(../ko/lessons/${name}.md)`);
    expect(readFileSync(join(KO_LESSONS, `${name}.md`), 'utf8')).toContain(`(../../lessons/${name}.md)`);
  });

  test('the Korean index links every Korean page, in the English teaching order', () => {
    const order = (index: string): string[] => [...index.matchAll(/^\d+\. \[([a-z0-9-]+)\]\(\1\.md\)/gm)].map((m) => m[1]!);
    const en = order(readFileSync(join(LESSONS, 'README.md'), 'utf8'));
    expect(en.length).toBe(names.length);
    expect(order(readFileSync(join(KO_LESSONS, 'README.md'), 'utf8'))).toEqual(en);
  });

  test('the docs index, the README and the glossary lead to the Korean pages', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('(docs/ko/README.md)');
    expect(readFileSync(join(LESSONS, 'README.md'), 'utf8')).toContain('(../ko/lessons/README.md)');
    const ko = readFileSync(join(KO, 'README.md'), 'utf8');
    for (const l of ['(glossary.md)', '(lessons/README.md)']) expect(ko, l).toContain(l);
  });

  test('every relative link of the English and Korean pages resolves inside the repository', () => {
    const pages = [
      ...readdirSync(LESSONS).map((f) => join(LESSONS, f)),
      ...readdirSync(KO).filter((f) => f.endsWith('.md')).map((f) => join(KO, f)),
      ...readdirSync(KO_LESSONS).map((f) => join(KO_LESSONS, f)),
    ].filter((p) => p.endsWith('.md'));
    expect(pages.flatMap(brokenLinks)).toEqual([]);
  });
});

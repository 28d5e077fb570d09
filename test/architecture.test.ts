/**
 * The layout rules of docs/architecture.md, checked on the source itself:
 * no file in src/ over 600 lines (the exceptions named in the doc), no
 * import circle between files (type-only imports count), and every import
 * from one folder to another follows the floors table: a folder imports only
 * folders on lower floors. The imports are read as text (static `import` /
 * `export ... from`, and `import()` of a literal path), as the compiler would
 * resolve them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The floors of docs/architecture.md, bottom first; a folder may import folders on lower floors only. */
const FLOORS: readonly (readonly string[])[] = [
  ['wire', 'sim'],
  ['trace'],
  ['net', 'pcap', 'view'],
  ['lb', 'apps', 'tui', 'live'],
  ['scenario', 'bench'],
  ['assemble', 'grade', 'diagnose'],
  ['cli', '(root)'],
];

/** Files allowed over the line limit (data tables), as the doc names them. */
const LONG_OK: ReadonlySet<string> = new Set([]);
const MAX_LINES = 600;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx)$/.test(name)) out.push(p);
  }
  return out.sort();
}

/** The src files a file imports (relative specifiers only), by path relative to the repository. */
function importsOf(file: string, text: string, known: ReadonlySet<string>): string[] {
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*'(\.[^']+)'/g),
    ...text.matchAll(/(?:^|\n)\s*import\s*'(\.[^']+)'/g),
    ...text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g),
  ].map((m) => m[1]!);
  const out: string[] = [];
  for (const s of specs) {
    const base = normalize(join(dirname(file), s));
    const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, join(base, 'index.ts')];
    const hit = candidates.find((c) => known.has(c));
    if (hit) out.push(hit);
  }
  return out;
}

function folderOf(file: string): string {
  const parts = relative('src', file).split('/');
  return parts.length > 1 ? parts[0]! : '(root)';
}

const files = sourceFiles('src');
const known = new Set(files);
const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'), known)]));

/** Tarjan's strongly connected components: every component of more than one file is a circle. */
function circles(): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      for (;;) {
        const w = stack.pop()!;
        on.delete(w);
        comp.push(w);
        if (w === v) break;
      }
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return out;
}

describe('the layout of src/ (docs/architecture.md)', () => {
  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files.filter((f) => !LONG_OK.has(f)).map((f) => [f, readFileSync(f, 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > MAX_LINES);
    expect(long.map(([f, n]) => `${f}: ${n} lines`)).toEqual([]);
  });

  it('has no import circle between files, type-only imports included', () => {
    expect(circles()).toEqual([]);
  });

  it('imports across folders only downwards, as the floors table says', () => {
    const floor = new Map<string, number>();
    FLOORS.forEach((names, k) => names.forEach((n) => floor.set(n, k)));
    const wrong: string[] = [];
    for (const [f, deps] of graph) {
      const from = folderOf(f);
      for (const d of deps) {
        const to = folderOf(d);
        if (to === from) continue;
        const a = floor.get(from);
        const b = floor.get(to);
        if (a === undefined || b === undefined) wrong.push(`${f} -> ${d}: folder not in the floors table`);
        else if (b >= a) wrong.push(`${f} -> ${d}: ${from} (floor ${a}) may not import ${to} (floor ${b})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reads the imports it checks (the parser finds the known arrows)', () => {
    // A parser that found nothing would pass the checks above vacuously.
    expect(graph.get('src/assemble/scenario.ts')).toContain('src/assemble/built.ts');
    expect(graph.get('src/cli/main.ts')!.length).toBeGreaterThan(5);
  });
});

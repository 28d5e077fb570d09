import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DROP_REASONS, REWRITE_REASONS } from '../../src/trace/reasons.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('reason codes', () => {
  it('every drop code used in src/ is declared in DROP_REASONS', () => {
    const used = new Set<string>();
    for (const f of sources('src')) {
      const text = readFileSync(f, 'utf8');
      // The code is the first kebab-case string literal after `.drop(` (nodes and frames are variables).
      for (const m of text.matchAll(/\.drop\(([^;]*?)'([a-z][a-z0-9]*(?:-[a-z0-9]+)+)'/gs)) used.add(m[2]!);
    }
    expect(used.size).toBeGreaterThan(10);
    const undeclared = [...used].filter((c) => !(c in DROP_REASONS));
    expect(undeclared).toEqual([]);
  });

  it('docs/reason-codes.md lists every code', () => {
    const doc = readFileSync('docs/reason-codes.md', 'utf8');
    const missing = [...Object.keys(DROP_REASONS), ...Object.keys(REWRITE_REASONS)].filter((c) => !doc.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  });
});

/**
 * The project carries its own facts: no doc, source comment, help text or
 * README points outside the repository (the design notes and the ns-3
 * sources a user of a plain clone does not have).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('docs and sources', () => {
  it('cite nothing outside the repository', () => {
    const outside = /DOMAIN\.md|ARCHITECTURE\.md|STYLE\.md|\.\.\/shared|\/work\/shared/;
    const hits = [...files('docs'), ...files('src'), 'README.md']
      .filter((f) => /\.(md|ts|tsx|cc|json)$/.test(f))
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => ({ where: `${f}:${i + 1}`, line })))
      .filter((l) => outside.test(l.line))
      .map((l) => `${l.where}: ${l.line.trim()}`);
    expect(hits).toEqual([]);
  });

  it('link only to files that exist', () => {
    const broken: string[] = [];
    for (const f of files('docs').filter((p) => p.endsWith('.md'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\]\(([^)#\s]+\.md)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(m[1]!)) continue;
        const target = path.resolve(path.dirname(f), m[1]!);
        try {
          statSync(target);
        } catch {
          broken.push(`${f}: ${m[1]}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

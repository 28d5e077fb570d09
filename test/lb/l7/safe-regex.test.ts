/**
 * The linear-time matcher for scenario patterns (issue 17 item 5b): the same
 * answers as JavaScript's RegExp on the syntax it accepts (a property over
 * generated patterns and paths), no catastrophic backtracking, and a
 * sentence for what it refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSafeRegex, SafeRegex } from '../../../src/lb/l7/safe-regex.js';

/** A generator of patterns in the accepted syntax, over a small alphabet so that matches happen. */
const pattern: fc.Arbitrary<string> = fc.letrec<{ re: string; atom: string }>((tie) => ({
  atom: fc.oneof(
    { maxDepth: 2, withCrossShrink: true },
    fc.constantFrom('a', 'b', '/', '.', '\\.', '\\d', '\\w', '\\W', '[ab]', '[^a]', '[a-c/]', '\\b', '1', '-'),
    tie('re').map((r) => `(${r})`),
    tie('re').map((r) => `(?:${r})`),
  ),
  re: fc
    .array(
      fc.tuple(tie('atom'), fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '{2,}', '*?', '+?')).map(([a, q]) => (a === '\\b' ? a : a + q)),
      { minLength: 1, maxLength: 4 },
    )
    .chain((parts) => fc.constantFrom(parts.join(''), `${parts.join('')}|${parts[0]}`, `^${parts.join('')}`, `${parts.join('')}$`)),
}))['re'];

describe('SafeRegex', () => {
  it('answers as RegExp does (property)', () => {
    fc.assert(
      fc.property(pattern, fc.stringMatching(/^[ab/.1\-c ]{0,12}$/), (p, s) => {
        fc.pre(compileSafeRegex(p).ok); // a rare pattern unrolls past the size bound
        expect(new SafeRegex(p).test(s), `/${p}/ on ${JSON.stringify(s)}`).toBe(new RegExp(p).test(s));
      }),
      { numRuns: 400, seed: 17 },
    );
  });

  it('examples from the lessons and the docs', () => {
    const css = new SafeRegex('\\.(css|js)$');
    expect([css.test('/static/site.css'), css.test('/static/site.js'), css.test('/site.css/x'), css.test('/a.jsx')]).toEqual([true, true, false, false]);
    expect(new SafeRegex('^/api/v[0-9]+/').test('/api/v12/users')).toBe(true);
    expect(new SafeRegex('^/(?<name>img|css)/\\w+\\.png$').test('/img/logo.png')).toBe(true);
  });

  it("'^/(a+)+$' against a long path returns at once (JavaScript's engine never returns on 34 characters)", () => {
    const re = new SafeRegex('^/(a+)+$');
    const evil = `/${'a'.repeat(10_000)}!`;
    expect(re.test(evil)).toBe(false);
    expect(re.test(`/${'a'.repeat(10_000)}`)).toBe(true);
    expect(new SafeRegex('(a|a)*b').test('a'.repeat(10_000))).toBe(false);
    expect(new SafeRegex('(x+x+)+y').test('x'.repeat(10_000))).toBe(false);
  });

  it('refuses what needs backtracking, and bad syntax, with a sentence', () => {
    expect(compileSafeRegex('(a)\\1')).toEqual({ ok: false, error: 'back-references are not supported (they need backtracking) at character 5' });
    expect(compileSafeRegex('a(?=b)')).toMatchObject({ ok: false, error: expect.stringMatching(/^lookahead and lookbehind are not supported/) });
    expect(compileSafeRegex('*.css')).toMatchObject({ ok: false, error: 'nothing to repeat at character 1' });
    expect(compileSafeRegex('(a')).toMatchObject({ ok: false, error: expect.stringMatching(/unterminated group/) });
    expect(compileSafeRegex('[a')).toMatchObject({ ok: false, error: expect.stringMatching(/unterminated \[ class/) });
    expect(compileSafeRegex('(a{1000}){1000}')).toMatchObject({ ok: false, error: expect.stringMatching(/too large/) });
  });
});

/**
 * The Korean reason meanings and the choice of language: every drop and
 * rewrite code has a Korean meaning (no code falls back to English), the
 * generated docs/ko/reason-codes.md lists them, and `--lang` / the locale
 * pick the language with English the default.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DROP_REASONS, REWRITE_REASONS } from '../../src/trace/reasons.js';
import { DROP_REASONS_KO, REWRITE_REASONS_KO, langOf, reasonMeanings } from '../../src/trace/lang.js';

const HANGUL = /[\uac00-\ud7a3]/;

describe('Korean reason meanings', () => {
  it.each([
    ['drop', DROP_REASONS, DROP_REASONS_KO],
    ['rewrite', REWRITE_REASONS, REWRITE_REASONS_KO],
  ] as const)('every %s code has a Korean meaning, and no other', (_kind, en, ko) => {
    expect(Object.keys(ko)).toEqual(Object.keys(en));
    for (const [code, text] of Object.entries(ko)) {
      expect(HANGUL.test(text), `${code}: ${text}`).toBe(true);
      expect(text, code).not.toBe((en as Record<string, string>)[code]);
    }
  });

  it('reasonMeanings gives the table of the language asked for', () => {
    expect(reasonMeanings('en').drops['tcp-no-socket']).toBe(DROP_REASONS['tcp-no-socket']);
    expect(reasonMeanings('ko').drops['tcp-no-socket']).toBe('세그먼트와 맞는 소켓이 없음. RST로 답함');
    expect(reasonMeanings('ko').rewrites['lb-dsr']).toContain('Direct Server Return');
  });

  it('docs/ko/reason-codes.md lists every code with its Korean meaning', () => {
    const doc = readFileSync('docs/ko/reason-codes.md', 'utf8');
    const rows = [...Object.entries(DROP_REASONS_KO), ...Object.entries(REWRITE_REASONS_KO)].map(([c, m]) => `| \`${c}\` | ${m} |`);
    expect(rows.filter((r) => !doc.includes(r))).toEqual([]);
  });
});

describe('langOf', () => {
  it('is English when nothing says otherwise', () => {
    expect(langOf(undefined, {})).toBe('en');
    expect(langOf(undefined, { LANG: 'C.UTF-8' })).toBe('en');
    expect(langOf(undefined, { LANG: 'en_US.UTF-8' })).toBe('en');
  });

  it('is Korean for a Korean locale, not for one that only starts with "ko"', () => {
    for (const LANG of ['ko_KR.UTF-8', 'ko_KR', 'ko', 'ko_KR.eucKR', 'KO_KR.utf8']) expect(langOf(undefined, { LANG }), LANG).toBe('ko');
    expect(langOf(undefined, { LANG: 'kok_IN' })).toBe('en'); // Konkani
  });

  it('reads LC_ALL, then LC_MESSAGES, then LANG, skipping empty ones', () => {
    expect(langOf(undefined, { LC_ALL: 'en_US.UTF-8', LANG: 'ko_KR.UTF-8' })).toBe('en');
    expect(langOf(undefined, { LC_MESSAGES: 'ko_KR.UTF-8', LANG: 'en_US.UTF-8' })).toBe('ko');
    expect(langOf(undefined, { LC_ALL: '', LANG: 'ko_KR.UTF-8' })).toBe('ko');
  });

  it('lets --lang win over the locale', () => {
    expect(langOf('en', { LANG: 'ko_KR.UTF-8' })).toBe('en');
    expect(langOf('ko', { LANG: 'en_US.UTF-8' })).toBe('ko');
  });
});

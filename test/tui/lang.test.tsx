/**
 * The TUI in Korean (`lblab tui --lang ko`): Korean labels, key help and
 * reason meanings, English still the default, and lines measured in
 * terminal columns so that Korean text (two columns a character) never
 * overflows the screen.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/tui/App.js';
import { KEYS, KEY_HINT } from '../../src/tui/keys.js';
import { labelsFor } from '../../src/tui/labels.js';
import { columns, fit, seg, wrapWords } from '../../src/tui/segments.js';
import { DROP_REASONS_KO } from '../../src/trace/lang.js';
import { recorded, tick } from './helpers.js';

const HANGUL = /[\uac00-\ud7a3]/;

afterEach(() => cleanup());

describe('Korean labels', () => {
  it('every key has a Korean help text, with the same keys', () => {
    const ko = labelsFor('ko');
    expect(ko.keys.map((k) => k.keys)).toEqual(KEYS.map((k) => k.keys));
    ko.keys.forEach((k, i) => {
      expect(HANGUL.test(k.does), k.keys).toBe(true);
      expect(k.does).not.toBe(KEYS[i]!.does);
    });
    for (const [name, text] of Object.entries(ko)) if (typeof text === 'string' && name !== 'verbose') expect(HANGUL.test(text), name).toBe(true);
    expect(labelsFor('en').keyHint).toBe(KEY_HINT);
  });
});

describe('terminal columns', () => {
  it('counts Hangul as two columns and ASCII and box drawing as one', () => {
    expect(columns('abc')).toBe(3);
    expect(columns('뜻: RST')).toBe(7);
    expect(columns('──┬──')).toBe(5);
  });

  it('cuts and wraps Korean text by columns', () => {
    const cut = fit([seg('가나다라마바사')], 7);
    expect(cut.map((s) => s.text).join('')).toBe('가나다…');
    expect(columns(cut.map((s) => s.text).join(''))).toBeLessThanOrEqual(7);
    for (const l of wrapWords('세그먼트와 맞는 소켓이 없음. RST로 답함', 12)) expect(columns(l), l).toBeLessThanOrEqual(12);
  });
});

describe('the TUI with lang ko', () => {
  const open = (lang?: 'ko') => {
    const r = recorded('same-subnet-vip');
    const ui = render(<App events={r.events} title={r.title} peers={r.peers} color={false} columns={80} rows={24} lang={lang} />);
    const press = async (...keys: string[]): Promise<string> => {
      for (const k of keys) {
        ui.stdin.write(k);
        await tick();
      }
      await tick();
      return ui.lastFrame() ?? '';
    };
    return { press, frame: () => ui.lastFrame() ?? '' };
  };

  it('shows Korean labels and, at a drop, the Korean meaning of its code under the English sentence', async () => {
    const t = open('ko');
    await tick();
    expect(t.frame()).toMatch(/이벤트 1\/\d+/);
    expect(t.frame()).toContain('←→ 이동  n 폐기');
    const f = await t.press('n');
    // The detail pane: the event's English sentence ("  arp-ignored: web1 is not ..."), then the code's Korean meaning, wrapped.
    const code = /^ {2}([a-z][a-z-]+): /m.exec(f)?.[1] as keyof typeof DROP_REASONS_KO | undefined;
    expect(code && code in DROP_REASONS_KO, f).toBe(true);
    expect(f.replace(/\s+/g, '')).toContain(`뜻:${DROP_REASONS_KO[code!]}`.replace(/\s+/g, ''));
    for (const line of f.split('\n')) expect(columns(line), line).toBeLessThanOrEqual(80);
  });

  it('shows the key help in Korean', async () => {
    const t = open('ko');
    await tick();
    const f = await t.press('?');
    expect(f).toContain('키');
    expect(f).toContain('다음 / 이전 폐기(drop)');
    for (const line of f.split('\n')) expect(columns(line), line).toBeLessThanOrEqual(80);
  });

  it('stays English without lang', async () => {
    const t = open();
    await tick();
    expect(t.frame()).toMatch(/event 1\/\d+/);
    const f = await t.press('n');
    expect(f).not.toMatch(HANGUL);
  });
});

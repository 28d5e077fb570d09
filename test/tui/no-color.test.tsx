/**
 * Colour on and off with a colour-capable output: Ink's chalk is forced to
 * colour (FORCE_COLOR, set before Ink is loaded: this file imports it
 * itself), so the colour screens have escape codes and the NO_COLOR ones
 * must have none.
 */
import { afterAll, describe, expect, it } from 'vitest';

process.env['FORCE_COLOR'] = '1';
afterAll(() => {
  delete process.env['FORCE_COLOR'];
});

const ESC = /\u001B\[/;

describe('colour', () => {
  it('draws colour with colour, and no escape code at all without', async () => {
    const { render, cleanup } = await import('ink-testing-library');
    const { App } = await import('../../src/tui/App.js');
    const { recorded, tick } = await import('./helpers.js');
    const r = recorded('one-arm-bug');
    const screens = async (color: boolean): Promise<string[]> => {
      const ui = render(<App events={r.events} title={r.title} peers={r.peers} color={color} columns={80} rows={24} />);
      await tick();
      const out = [ui.lastFrame()!];
      for (const k of ['r', 'n', 'f', 'p', '?', 'x', 'g', '1']) {
        ui.stdin.write(k);
        await tick();
        out.push(ui.lastFrame()!);
      }
      ui.unmount();
      return out;
    };
    const colour = await screens(true);
    expect(colour.every((s) => ESC.test(s))).toBe(true);
    const plain = await screens(false);
    for (const s of plain) expect(s).not.toMatch(ESC);
    // The same text either way.
    const strip = (s: string): string => s.replace(/\u001B\[[0-9;]*m/g, '');
    expect(plain.map((s) => s.replace(/\*(?=\w)/g, ''))).toEqual(colour.map(strip));
    cleanup();
  });
});


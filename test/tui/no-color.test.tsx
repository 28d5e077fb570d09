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
      await tick(50); // the input handler attaches in an effect after the first frame
      const out = [ui.lastFrame()!];
      for (const k of ['r', 'n', 'f', 'p', '?', 'x', 'g', '1']) {
        const before = ui.lastFrame();
        ui.stdin.write(k);
        // Every key here changes the screen; wait for the new one (Ink draws at most every 32 ms).
        for (let i = 0; i < 100 && ui.lastFrame() === before; i++) await tick(10);

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


/**
 * The screens quoted in docs/tui.md are the screens the TUI draws: each
 * one is drawn again here with the same scenario, size and keys, and must
 * match the page line for line (trailing spaces aside). When the UI or a
 * scenario changes on purpose, `UPDATE_TUI_DOCS=1 npx vitest run
 * test/tui/docs.test.tsx` writes the new screens into the page (check the
 * prose around them still holds).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cleanup, render } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/tui/App.js';
import { recorded, tick } from './helpers.js';

afterEach(() => cleanup());

let DOC = readFileSync('docs/tui.md', 'utf8');
const UPDATE = process.env['UPDATE_TUI_DOCS'] === '1';
afterAll(() => {
  if (UPDATE) writeFileSync('docs/tui.md', DOC);
});

/** Where the nth code block after a heading of the page lies: [start, end) of its inside. */
function blockSpan(heading: string, nth: number): [number, number] {
  const at = DOC.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`docs/tui.md has no heading "${heading}"`);
  let from = at;
  for (let i = 0; ; i++) {
    const open = DOC.indexOf('\n```\n', from); // an opening fence here has no language
    const close = DOC.indexOf('\n```\n', open + 5);
    if (open < 0 || close < 0) throw new Error(`docs/tui.md has no code block ${nth + 1} after "${heading}"`);
    if (i === nth) return [open + 5, close];
    from = close + 5;
  }
}

/** The lines of the nth code block after a heading. */
function blockAfter(heading: string, nth = 0): string[] {
  const [a, b] = blockSpan(heading, nth);
  return trim(DOC.slice(a, b).split('\n'));
}

function trim(lines: string[]): string[] {
  const out = lines.map((l) => l.replace(/\s+$/, ''));
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

async function screen(name: string, columns: number, rows: number, keys: string[]): Promise<string[]> {
  const r = recorded(name);
  const ui = render(<App events={r.events} title={r.title} peers={r.peers} topology={r.topology} initial={r.initial} color={false} columns={columns} rows={rows} />);
  await tick(50);
  for (const k of keys) {
    const before = ui.lastFrame();
    ui.stdin.write(k);
    for (let i = 0; i < 100 && ui.lastFrame() === before; i++) await tick(10);
  }
  return trim((ui.lastFrame() ?? '').split('\n'));
}

describe('the screens in docs/tui.md', () => {
  const cases: [string, number, string, number, number, string[]][] = [
    ['### The packet', 0, 'one-arm-bug', 80, 24, ['r']],
    ['### The bytes', 0, 'one-arm-bug', 80, 30, ['r', 'x']],
    ['### The state of a node', 0, 'one-arm-bug', 80, 24, ['r', '\t']],
    ['### The state of a node', 1, 'vrrp-master-dies', 80, 24, ['/node=lb2,kind=state\r', 'g', '13.023458524s\r', 'l', '\t']],
    ["### The topology and the packet's path", 0, 'one-arm-bug', 80, 24, ['r', '\t', '\t']],
    ["### The topology and the packet's path", 1, 'l3-ecmp', 80, 30, ['/node=web1,proto=tcp,kind=deliver\r', '\t', '\t']],
    ['### Filtering the list', 0, 'one-arm-bug', 80, 24, ['/node=client,kind=drop\r']],
    ['### A wide terminal', 0, 'one-arm-bug', 160, 44, ['r']],
    ['## Keys', 0, 'one-arm-bug', 80, 24, ['?']],
  ];
  for (const [heading, nth, name, columns, rows, keys] of cases) {
    it(`${heading.replace(/^#+ /, '')}${nth ? ` (${nth + 1})` : ''}: ${name} at ${columns}x${rows}`, async () => {
      const drawn = await screen(name, columns, rows, keys);
      if (UPDATE) {
        const [a, b] = blockSpan(heading, nth);
        DOC = DOC.slice(0, a) + drawn.join('\n') + DOC.slice(b);
      }
      expect(drawn).toEqual(blockAfter(heading, nth));
    });
  }
});

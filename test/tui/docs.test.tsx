/**
 * The screens quoted in docs/tui.md are the screens the TUI draws: each
 * one is drawn again here with the same scenario, size and keys, and must
 * match the page line for line (trailing spaces aside). When the UI
 * changes, recapture them (docs/tui.md says how they were made).
 */
import { readFileSync } from 'node:fs';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/tui/App.js';
import { recorded, tick } from './helpers.js';

afterEach(() => cleanup());

const DOC = readFileSync('docs/tui.md', 'utf8');

/** The first code block after a heading of the page. */
function blockAfter(heading: string, nth = 0): string[] {
  const at = DOC.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`docs/tui.md has no heading "${heading}"`);
  const blocks = DOC.slice(at).split('\n```\n');
  // blocks[1], [3], ... are the insides of code blocks (an opening fence has no language here).
  const inside = blocks[1 + 2 * nth]!;
  return trim(inside.split('\n'));
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
    ["### The topology and the packet's path", 0, 'one-arm-bug', 80, 24, ['r', '\t', '\t']],
    ["### The topology and the packet's path", 1, 'l3-ecmp', 80, 30, ['/node=web1,proto=tcp,kind=deliver\r', '\t', '\t']],
    ['### Filtering the list', 0, 'one-arm-bug', 80, 24, ['/node=client,kind=drop\r']],
    ['### A wide terminal', 0, 'one-arm-bug', 160, 44, ['r']],
    ['## Keys', 0, 'one-arm-bug', 80, 24, ['?']],
  ];
  for (const [heading, nth, name, columns, rows, keys] of cases) {
    it(`${heading.replace(/^#+ /, '')}${nth ? ` (${nth + 1})` : ''}: ${name} at ${columns}x${rows}`, async () => {
      expect(await screen(name, columns, rows, keys)).toEqual(blockAfter(heading, nth));
    });
  }
});

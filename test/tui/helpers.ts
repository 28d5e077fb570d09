/** Shared helpers of the TUI tests: recorded traces of built-in scenarios, and key codes. */
import { recordScenario, type TuiRun } from '../../src/cli/tui.js';

const cache = new Map<string, TuiRun>();

/** A built-in scenario run with the full recorder (cached per name). */
export function recorded(name: string): TuiRun {
  let r = cache.get(name);
  if (!r) {
    const got = recordScenario(name, {}, { err: (s) => { throw new Error(s); }, progress: { write: () => {}, isTTY: false } });
    if (typeof got === 'number') throw new Error(`cannot run ${name}: exit ${got}`);
    r = got;
    cache.set(name, r);
  }
  return r;
}

/** Terminal key sequences. */
export const KEY = {
  right: '\u001B[C',
  left: '\u001B[D',
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  escape: '\u001B',
  pageDown: '\u001B[6~',
  home: '\u001B[H',
  end: '\u001B[F',
} as const;

/** Lets Ink process pending input and re-render. */
export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

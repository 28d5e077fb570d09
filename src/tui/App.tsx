/**
 * The terminal UI: steps through a recorded trace one event at a time. The
 * screen is a status line, a window of the event list around the current
 * event, the detail of that event (why it happened, what a rewrite changed,
 * the packet layer by layer) and a line of key hints or a prompt. Everything
 * shown is read from the immutable trace at the current position, so going
 * back shows exactly what was shown before.
 */
import { Box, useApp, useInput } from 'ink';
import { useEffect, useMemo, useReducer, useRef } from 'react';
import type { TraceEvent } from '../trace/events.js';
import { fmtTimeFixed } from '../sim/time.js';
import { KEY_HINT, KEYS } from './keys.js';
import { LadderCache, ladderPaneLines } from './ladder-pane.js';
import { INITIAL_STATE, reduce, type KeyContext, type TuiAction, type TuiState } from './keymap.js';
import { shownEvents } from './navigation.js';
import { Pane } from './Pane.js';
import { detailLines, listColumns, listLines } from './screen-lines.js';
import { ScreenLine } from './ScreenLine.js';
import { seg, wrapWords, type Line } from './segments.js';
import { SPEEDS, usePlayer } from './use-player.js';
import { useTerminalSize } from './use-terminal-size.js';

/** Props of App. */
export interface AppProps {
  /** The recorded trace, in order. */
  readonly events: readonly TraceEvent[];
  /** The scenario's title, for the status line. */
  readonly title: string;
  /** Colour and reverse video (false for NO_COLOR: no escape codes). */
  readonly color?: boolean;
  /** "node:iface" -> the label at the other end of its link, named in transmissions' explanations. */
  readonly peers?: ReadonlyMap<string, string>;
  /** Draw for this many columns / rows instead of the terminal's (tests). */
  readonly columns?: number;
  readonly rows?: number;
}

const MIN_ROWS = 10;

/** The TUI's root component. */
export function App({ events, title, color = true, peers, columns, rows }: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize({ columns, rows });
  const width = Math.max(20, size.columns);
  const height = Math.max(MIN_ROWS, size.rows) - 1; // one row spare: a full screen would scroll the terminal
  const listH = Math.max(4, Math.floor((height - 2) * 0.3));
  const detailH = height - 2 - listH;

  // The shown-event lists of both verbosities, made when first needed and kept for the trace.
  const cache = useMemo(() => new Map<boolean, Int32Array>(), [events]);
  const shownFor = (verbose: boolean): Int32Array => {
    let s = cache.get(verbose);
    if (!s) cache.set(verbose, (s = shownEvents(events, verbose)));
    return s;
  };
  const ctx = useRef<KeyContext>({ events, shown: shownFor, page: listH });
  ctx.current = { events, shown: shownFor, page: listH };
  const [state, dispatch] = useReducer((s: TuiState, a: TuiAction) => reduce(s, a, ctx.current), INITIAL_STATE);
  const { verbose, help, prompt, message, playing, speed } = state;
  const shown = shownFor(verbose);
  const cols = useMemo(() => listColumns(events, shown), [events, shown]);
  const ladders = useMemo(() => new LadderCache(events), [events]);
  const count = shown.length;
  const pos = Math.min(state.cursor, Math.max(0, count - 1));
  const current = count ? events[shown[pos]!]! : null;

  useEffect(() => {
    if (state.quit) exit();
  }, [state.quit, exit]);
  usePlayer(playing, SPEEDS[speed]!, () => dispatch({ type: 'tick' }));
  useInput((input, key) => dispatch({ type: 'key', input, key }));

  const status: Line = [
    seg('lblab ', { bold: true }),
    seg(title, { bold: true, color: 'cyan' }),
    seg(count ? `  event ${pos + 1}/${count}  ${fmtTimeFixed(current!.t)}` : '  no events'),
    seg(verbose ? '  verbose' : ''),
    seg(playing ? `  ▶ playing ${SPEEDS[speed]}/s` : `  speed ${SPEEDS[speed]}/s`, playing ? { color: 'green' } : { dim: true }),
  ];
  const bottom: Line =
    prompt !== null
      ? [seg('go to time: ', { bold: true }), seg(`${prompt}_`), seg('  (Enter jumps, Esc cancels)', { dim: true })]
      : message
        ? [seg(message, { color: 'yellow' })]
        : [seg(KEY_HINT, { dim: true })];

  let body: Line[];
  if (help) {
    const w = Math.max(...KEYS.map((k) => k.keys.length)) + 2;
    body = [[seg('Keys', { bold: true })], []];
    for (const k of KEYS) wrapWords(k.does, width - w - 2).forEach((l, i) => body.push([seg(`  ${(i ? '' : k.keys).padEnd(w)}`, { bold: true, color: 'cyan' }), seg(l)]));
  } else if (count === 0) {
    const empty = 'The trace is empty: nothing happened in this run (no frame was sent, no state changed).';
    body = [[], ...wrapWords(empty, width - 2).map((l): Line => [seg(`  ${l}`)]), [seg('  Press q to quit.', { dim: true })]];
  } else body = [];

  return (
    <Box flexDirection="column" width={width} height={height}>
      <ScreenLine line={status} color={color} />
      {body.length || count === 0 ? (
        <Pane lines={body} height={height - 2} color={color} />
      ) : (
        <>
          <Pane lines={listLines(events, shown, pos, listH, width, cols)} height={listH} color={color} />
          <Pane lines={state.ladder ? ladderPaneLines(ladders, current!, width, detailH) : detailLines(current!, width, { color, peers })} height={detailH} color={color} />
        </>
      )}
      <ScreenLine line={bottom} color={color} />
    </Box>
  );
}

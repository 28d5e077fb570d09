/**
 * The terminal UI: steps through a recorded trace one event at a time. The
 * screen is a status line, a window of the event list around the current
 * event, the detail of that event (why it happened, what a rewrite changed,
 * the packet layer by layer) and a line of key hints or a prompt. Everything
 * shown is read from the immutable trace at the current position, so going
 * back shows exactly what was shown before.
 */
import { Box, useApp, useInput } from 'ink';
import { useEffect, useMemo, useReducer, useRef, type ReactNode } from 'react';
import type { TraceEvent } from '../trace/events.js';
import { fmtTimeFixed } from '../sim/time.js';
import { parseFilter, FILTER_HELP_FLOWS, type FilterContext } from '../view/filter.js';
import { PacketPaths } from '../view/packet-path.js';
import { StateTimeline, type InitialRecord } from '../view/state.js';
import { drawTopology, type Topology } from '../view/topology.js';
import type { Lang } from '../trace/lang.js';
import { reasonMeanings } from '../trace/lang.js';
import { labelsFor } from './labels.js';
import { LadderCache, ladderPaneLines } from './ladder-pane.js';
import { INITIAL_STATE, reduce, type KeyContext, type PaneName, type TuiAction, type TuiState } from './keymap.js';
import { shownEvents } from './navigation.js';
import { Pane } from './Pane.js';
import { detailLines, listColumns, listLines } from './screen-lines.js';
import { ScreenLine } from './ScreenLine.js';
import { seg, wrapWords, type Line } from './segments.js';
import { statePaneLines } from './state-pane.js';
import { topologyPaneLines } from './topology-pane.js';
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
  /** The network's nodes and links, for the topology pane. */
  readonly topology?: Topology;
  /** The network's configuration before the first event (addresses, routes, services), for the state pane. */
  readonly initial?: readonly InitialRecord[];
  /**
   * A live run's status (lblab live: real time, frames, lag), shown in the
   * status line. The trace then keeps growing, and the cursor follows the
   * newest event while it is on the last one (a step back stops following).
   */
  readonly live?: string;
  /** Draw for this many columns / rows instead of the terminal's (tests). */
  readonly columns?: number;
  readonly rows?: number;
  /** The language of the labels, the key help and the reason meanings (the trace's sentences stay English); English by default. */
  readonly lang?: Lang;
}

const MIN_ROWS = 10;

/** The key of one character of a chunk: Enter, Tab and Backspace by their codes, else a plain character. */
function charKey(ch: string): { return?: boolean; tab?: boolean; backspace?: boolean } {
  if (ch === '\r' || ch === '\n') return { return: true };
  if (ch === '\t') return { tab: true };
  if (ch === '\u007F' || ch === '\b') return { backspace: true };
  return {};
}
/** From this many columns the panes stand side by side: packet (or flow) on the left, topology and state on the right. */
export const WIDE_COLUMNS = 140;

/** The TUI's root component. */
export function App({ events, title, color = true, peers, topology, initial, live, columns, rows, lang = 'en' }: AppProps) {
  const L = labelsFor(lang);
  const meanings = reasonMeanings(lang);
  // The reason meaning in the chosen language, shown under the event's (English) sentence.
  const meaningOf = (ev: TraceEvent): string | null => {
    const m = ev.kind === 'drop' ? meanings.drops[ev.code] : ev.kind === 'rewrite' ? meanings.rewrites[ev.code] : undefined;
    return m === undefined ? null : `${L.meaning}: ${m}`;
  };
  const { exit } = useApp();
  const size = useTerminalSize({ columns, rows });
  const width = Math.max(20, size.columns);
  const height = Math.max(MIN_ROWS, size.rows) - 1; // one row spare: a full screen would scroll the terminal
  const wide = width >= WIDE_COLUMNS;
  const listH = Math.max(4, Math.floor((height - 2) * 0.3));
  const lowerH = height - 2 - listH;

  const ladders = useMemo(() => new LadderCache(events), [events]);
  const timeline = useMemo(() => new StateTimeline(events, initial ?? []), [events, initial]);
  const paths = useMemo(() => new PacketPaths(events), [events]);
  const drawing = useMemo(() => (topology ? drawTopology(topology) : null), [topology]);
  const nodes = useMemo(() => (topology ? topology.nodes.map((n) => n.name) : timeline.nodeNames()), [topology, timeline]);
  const filterCtx = useMemo((): FilterContext => ({ flowOf: (ev) => ladders.flowOf(ev)?.n ?? null }), [ladders]);

  // The shown-event lists per verbosity and filter, made when first needed and kept for the trace.
  const cache = useMemo(() => new Map<string, Int32Array>(), [events]);
  const shownFor = (verbose: boolean, filter: string): Int32Array => {
    const key = `${verbose ? 'v' : '-'}${filter}`;
    let s = cache.get(key);
    if (!s) {
      const base = shownEvents(events, verbose);
      const f = filter === '' ? null : parseFilter(filter, filterCtx);
      s = typeof f === 'function' ? base.filter((i) => f(events[i]!)) : base;
      cache.set(key, s);
    }
    return s;
  };
  const filterError = (filter: string): string | null => {
    const f = parseFilter(filter, filterCtx);
    return typeof f === 'string' ? f : null;
  };
  const ctx = useRef<KeyContext>({ events, shown: shownFor, filterError, page: listH, nodes, wide });
  ctx.current = { events, shown: shownFor, filterError, page: listH, nodes, wide };
  const [state, dispatch] = useReducer((s: TuiState, a: TuiAction) => reduce(s, a, ctx.current), INITIAL_STATE);
  const { verbose, help, prompt, filterInput, filter, message, playing, speed } = state;
  const shown = shownFor(verbose, filter);
  const cols = useMemo(() => listColumns(events, shown), [events, shown]);
  const count = shown.length;
  const pos = Math.min(state.cursor, Math.max(0, count - 1));
  const index = count ? shown[pos]! : -1;
  const current = count ? events[index]! : null;

  useEffect(() => {
    if (state.quit) exit();
  }, [state.quit, exit]);
  // Live: new events arrived; if the cursor was on the newest one, it moves to the new newest (the End key).
  const seenCount = useRef(count);
  useEffect(() => {
    if (live !== undefined && count > seenCount.current && pos >= seenCount.current - 1) dispatch({ type: 'key', input: '', key: { end: true } });
    seenCount.current = count;
  }, [count, live, pos]);
  usePlayer(playing, SPEEDS[speed]!, () => dispatch({ type: 'tick' }));
  useInput((input, key) => {
    // Ink hands a pasted or fast-typed chunk ("/kind=drop" then Enter) over as one input; each character is a key.
    if (input.length > 1 && !key.ctrl && !key.meta && !input.startsWith('\u001B')) for (const ch of input) dispatch({ type: 'key', input: ch, key: charKey(ch) });
    else dispatch({ type: 'key', input, key });
  });

  const status: Line = [
    seg('lblab ', { bold: true }),
    seg(live !== undefined ? `${live}  ` : '', { color: 'yellow' }), // first: a long title must not cut the lag off
    seg(title, { bold: true, color: 'cyan' }),
    seg(count ? `  ${L.event} ${pos + 1}/${count}  ${fmtTimeFixed(current!.t)}` : `  ${L.noEvents}`),
    seg(filter ? `  ${L.filter} ${filter}` : '', { color: 'magenta' }),
    seg(verbose ? `  ${L.verbose}` : ''),
    seg(playing ? `  ▶ ${L.playing} ${SPEEDS[speed]}/s` : `  ${L.speed} ${SPEEDS[speed]}/s`, playing ? { color: 'green' } : { dim: true }),
  ];
  const bottom: Line =
    filterInput !== null
      ? [seg(L.filterPrompt, { bold: true }), seg(`${filterInput}_`), seg(`  ${L.filterPromptHint}  ${FILTER_HELP_FLOWS}`, { dim: true })]
      : prompt !== null
        ? [seg(L.gotoPrompt, { bold: true }), seg(`${prompt}_`), seg(`  ${L.gotoPromptHint}`, { dim: true })]
        : message
          ? [seg(message, { color: 'yellow' })]
          : [seg(L.keyHint, { dim: true })];

  let body: Line[];
  if (help) {
    const w = Math.max(...L.keys.map((k) => k.keys.length)) + 2;
    body = [[seg(L.keysTitle, { bold: true })], []];
    for (const k of L.keys) wrapWords(k.does, width - w - 2).forEach((l, i) => body.push([seg(`  ${(i ? '' : k.keys).padEnd(w)}`, { bold: true, color: 'cyan' }), seg(l)]));
  } else if (count === 0) {
    body = [[], ...wrapWords(L.emptyTrace, width - 2).map((l): Line => [seg(`  ${l}`)]), [seg(`  ${L.pressQ}`, { dim: true })]];
  } else body = [];

  const selected = state.node ?? current?.node ?? null;
  const paneLines = (p: PaneName, w: number, h: number): Line[] => {
    const ev = current!;
    switch (p) {
      case 'packet':
        return detailLines(ev, w, { color, peers, hex: state.hex, originOf: (id) => paths.originOf(id), meaning: lang === 'en' ? undefined : meaningOf });
      case 'flow':
        return ladderPaneLines(ladders, ev, w, h);
      case 'state':
        return statePaneLines(timeline, selected!, index, ev, w, { color, picked: state.node !== null, maxRows: Math.max(3, Math.floor(h / 3)) });
      case 'topology':
        if (!drawing) return [[seg('Topology', { bold: true })], [seg('  (no topology: this trace was opened without its network)', { dim: true })]];
        return topologyPaneLines(drawing, paths, ev, index, w, { selected, down: timeline.linksDownAt(index), color }, h);
    }
  };

  let lower: ReactNode = null;
  if (body.length === 0 && count > 0) {
    if (wide) {
      const leftW = Math.floor(width * 0.55);
      const rightW = width - leftW;
      const left: PaneName = state.pane === 'flow' ? 'flow' : 'packet';
      const topoMax = Math.max(3, Math.floor(lowerH * 0.45));
      const topo = paneLines('topology', rightW - 2, topoMax);
      const topoH = Math.min(topo.length, topoMax);
      const bar = (ls: Line[]): Line[] => ls.map((l) => [seg('│ ', { dim: true }), ...l]);
      const right = [...bar(topo.slice(0, topoH)), ...(topo.length > topoH ? [[seg('│ ', { dim: true }), seg(`  … ${topo.length - topoH} more lines`, { dim: true })]] : []), [seg('│', { dim: true })]];
      const rest = Math.max(1, lowerH - right.length);
      lower = (
        <Box flexDirection="row" height={lowerH}>
          <Box width={leftW} flexDirection="column">
            <Pane lines={paneLines(left, leftW - 1, lowerH)} height={lowerH} color={color} />
          </Box>
          <Box width={rightW} flexDirection="column">
            <Pane lines={[...right, ...bar(paneLines('state', rightW - 2, rest))].slice(0, lowerH + 1)} height={lowerH} color={color} />
          </Box>
        </Box>
      );
    } else lower = <Pane lines={paneLines(state.pane, width, lowerH)} height={lowerH} color={color} />;
  }

  return (
    <Box flexDirection="column" width={width} height={height}>
      <ScreenLine line={status} color={color} />
      {body.length || count === 0 ? (
        <Pane lines={body} height={height - 2} color={color} />
      ) : (
        <>
          <Pane lines={listLines(events, shown, pos, listH, width, cols)} height={listH} color={color} />
          {lower}
        </>
      )}
      <ScreenLine line={bottom} color={color} />
    </Box>
  );
}

/**
 * What each key does, as a pure function from the TUI's state and a key
 * to the next state. Keeping it out of the component means keys typed
 * faster than the screen redraws (a held arrow, a typed time) each apply
 * to the state the previous one left, never to a stale copy.
 */
import type { TraceEvent } from '../trace/events.js';
import { fmtTimeFixed, parseDuration } from '../sim/time.js';
import { findFrom, followPacket, positionAtTime, positionOf } from './navigation.js';
import { SPEEDS } from './use-player.js';

/** What the lower pane shows (at 80x24 one at a time; `tab` cycles them). */
export type PaneName = 'packet' | 'state' | 'topology' | 'flow';

/** The order `tab` cycles the lower pane in a narrow terminal. */
export const PANES: readonly PaneName[] = ['packet', 'state', 'topology', 'flow'];

/** The TUI's state. */
export interface TuiState {
  /** The position of the current event in the list of shown events. */
  readonly cursor: number;
  /** Whether receptions and ignored flooded frames are listed too. */
  readonly verbose: boolean;
  readonly help: boolean;
  /** The lower pane (in a wide terminal: the left one, packet or flow; state and topology are always shown). */
  readonly pane: PaneName;
  /** The time being typed after `g`, or null. */
  readonly prompt: string | null;
  /** The filter being typed after `/`, or null. */
  readonly filterInput: string | null;
  /** The filter in force ('' for none): which events the list shows. */
  readonly filter: string;
  /** The node the state pane shows, or null to follow the current event's node. */
  readonly node: string | null;
  /** Whether the packet pane shows the frame's bytes instead of its layers. */
  readonly hex: boolean;
  /** A one-line note in place of the key hints ("no drop after this event"). */
  readonly message: string | null;
  readonly playing: boolean;
  /** Index into SPEEDS. */
  readonly speed: number;
  readonly quit: boolean;
}

/** The state the TUI opens in: the first event, paused. */
export const INITIAL_STATE: TuiState = { cursor: 0, verbose: false, help: false, pane: 'packet', prompt: null, filterInput: null, filter: '', node: null, hex: false, message: null, playing: false, speed: 2, quit: false };

/** What the key handler reads besides the state. */
export interface KeyContext {
  readonly events: readonly TraceEvent[];
  /** The shown events at a verbosity and filter (cached by the caller); call `filterError` first for a new filter. */
  shown(verbose: boolean, filter: string): Int32Array;
  /** Why a filter text is not a filter, or null when it is one. */
  filterError(filter: string): string | null;
  /** Rows of the event list: PgUp/PgDn move this far. */
  readonly page: number;
  /** The nodes `s` cycles through, in order. */
  readonly nodes: readonly string[];
  /** Whether the screen is wide enough for the panes side by side (`tab` then only switches packet and flow). */
  readonly wide: boolean;
}

/** The keys Ink reports that the TUI uses. */
export interface KeyPress {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly ctrl?: boolean;
  readonly tab?: boolean;
}

/** An action on the state: a key, or a tick of the player. */
export type TuiAction = { readonly type: 'key'; readonly input: string; readonly key: KeyPress } | { readonly type: 'tick' };

function goTo(s: TuiState, p: number | null, none: string): TuiState {
  return p === null ? { ...s, message: none } : { ...s, cursor: p, message: null };
}

/** The state after an action. */
export function reduce(s: TuiState, a: TuiAction, ctx: KeyContext): TuiState {
  const { events } = ctx;
  const shown = ctx.shown(s.verbose, s.filter);
  const count = shown.length;
  const pos = Math.min(s.cursor, Math.max(0, count - 1));
  if (a.type === 'tick') {
    if (!s.playing) return s;
    return pos + 1 < count ? { ...s, cursor: pos + 1 } : { ...s, playing: false, message: 'end of the trace' };
  }
  const { input, key } = a;
  if (s.filterInput !== null) return filterKey(s, input, key, ctx, shown, pos);
  if (s.prompt !== null) {
    if (key.escape) return { ...s, prompt: null };
    if (key.return) {
      const t = parseDuration(s.prompt);
      const done = { ...s, prompt: null };
      if (t === null) return { ...done, message: `"${s.prompt}" is not a time: write 1.5s, 300ms, 20us or 250ns` };
      return goTo(done, positionAtTime(events, shown, t), `the trace ends before ${fmtTimeFixed(t)}`);
    }
    if (key.backspace || key.delete) return { ...s, prompt: s.prompt.slice(0, -1) };
    if (/^[0-9a-zµ.]+$/i.test(input)) return { ...s, prompt: s.prompt + input };
    return s;
  }
  if (input === 'q' || (key.ctrl && input === 'c')) return { ...s, quit: true, playing: false };
  if (s.help) return { ...s, help: false };
  switch (input) {
    case '?':
      return { ...s, help: true };
    case 'v': {
      const next = ctx.shown(!s.verbose, s.filter);
      const at = count ? shown[pos]! : 0;
      return { ...s, verbose: !s.verbose, cursor: next.length ? positionOf(next, at) : 0, message: s.verbose ? 'receptions and ignored frames hidden' : 'verbose: every event listed' };
    }
    case '+':
      return { ...s, speed: Math.min(SPEEDS.length - 1, s.speed + 1) };
    case '-':
      return { ...s, speed: Math.max(0, s.speed - 1) };
    case ' ':
      return { ...s, playing: !s.playing && pos + 1 < count, message: null };
    case 'g':
      return { ...s, prompt: '', playing: false };
    case 'f':
      return { ...s, pane: s.pane === 'flow' ? 'packet' : 'flow', message: null };
    case '\t':
      return { ...s, pane: nextPane(s.pane, ctx.wide), message: null };
    case '/':
      return { ...s, filterInput: s.filter, playing: false, message: null };
    case 's':
    case 'S':
      return selectNode(s, ctx, input === 's' ? 1 : -1);
    case 'x':
      return { ...s, hex: !s.hex, pane: s.pane === 'flow' || (!ctx.wide && s.pane !== 'packet') ? 'packet' : s.pane, message: null };
  }
  if (key.tab) return { ...s, pane: nextPane(s.pane, ctx.wide), message: null };
  if (key.escape && s.filter !== '') {
    const next = ctx.shown(s.verbose, '');
    return { ...s, filter: '', cursor: count ? positionOf(next, shown[pos]!) : 0, message: 'filter cleared: every event listed' };
  }
  if (count === 0) return s;
  if (key.rightArrow || key.downArrow || input === 'l' || input === 'j') return goTo(s, pos + 1 < count ? pos + 1 : null, 'end of the trace');
  if (key.leftArrow || key.upArrow || input === 'h' || input === 'k') return goTo(s, pos > 0 ? pos - 1 : null, 'start of the trace');
  if (key.pageDown) return goTo(s, Math.min(count - 1, pos + ctx.page), '');
  if (key.pageUp) return goTo(s, Math.max(0, pos - ctx.page), '');
  if (key.home) return goTo(s, 0, '');
  if (key.end) return goTo(s, count - 1, '');
  switch (input) {
    case 'n':
      return goTo(s, findFrom(events, shown, pos, 1, (e) => e.kind === 'drop'), 'no drop after this event');
    case 'N':
      return goTo(s, findFrom(events, shown, pos, -1, (e) => e.kind === 'drop'), 'no drop before this event');
    case 'r':
      return goTo(s, findFrom(events, shown, pos, 1, (e) => e.kind === 'rewrite'), 'no rewrite after this event');
    case 'R':
      return goTo(s, findFrom(events, shown, pos, -1, (e) => e.kind === 'rewrite'), 'no rewrite before this event');
    case 'p':
      return goTo(s, followPacket(events, shown, pos), events[shown[pos]!]!.kind === 'state' ? 'no packet at this event to follow' : 'this packet goes no further');
  }
  return s;
}

function nextPane(p: PaneName, wide: boolean): PaneName {
  if (wide) return p === 'flow' ? 'packet' : 'flow';
  return PANES[(PANES.indexOf(p) + 1) % PANES.length]!;
}

/**
 * `s` / `S`: the next / previous node for the state pane; past the last one
 * it follows the current event again. In a narrow terminal the state pane
 * comes up (unless the topology, which marks the node, is showing).
 */
function selectNode(s: TuiState, ctx: KeyContext, dir: 1 | -1): TuiState {
  const nodes = ctx.nodes;
  if (nodes.length === 0) return { ...s, message: 'this trace has no node with state to show' };
  const ring: (string | null)[] = [null, ...nodes];
  const at = Math.max(0, ring.indexOf(s.node));
  const node = ring[(at + dir + ring.length) % ring.length]!;
  const pane = ctx.wide || s.pane === 'state' || s.pane === 'topology' ? s.pane : 'state';
  return { ...s, node, pane, message: node === null ? 'state pane follows the current event\'s node again' : `state pane shows ${node} (s next, S previous)` };
}

/** A key while the filter is being typed: Enter applies it (an empty one clears it), Esc cancels. */
function filterKey(s: TuiState, input: string, key: KeyPress, ctx: KeyContext, shown: Int32Array, pos: number): TuiState {
  const text = s.filterInput ?? '';
  if (key.escape) return { ...s, filterInput: null };
  if (key.return) {
    const f = text.trim();
    const done = { ...s, filterInput: null };
    const err = ctx.filterError(f);
    if (err !== null) return { ...done, message: err };
    const next = ctx.shown(s.verbose, f);
    if (next.length === 0) {
      const rx = !s.verbose && /(^|,)\s*kind=rx\s*(,|$)/.test(f) ? ' (v lists receptions)' : '';
      return { ...done, message: `no event matches "${f}"; the filter is unchanged${rx}` };
    }
    const at = shown.length ? shown[pos]! : 0;
    return { ...done, filter: f, cursor: positionOf(next, at), message: f === '' ? 'filter cleared: every event listed' : `${next.length} events match ${f} (Esc clears)` };
  }
  if (key.backspace || key.delete) return { ...s, filterInput: text.slice(0, -1) };
  if (!key.ctrl && input.length > 0 && /^[ -~]+$/.test(input)) return { ...s, filterInput: text + input };
  return s;
}

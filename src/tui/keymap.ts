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

/** The TUI's state. */
export interface TuiState {
  /** The position of the current event in the list of shown events. */
  readonly cursor: number;
  /** Whether receptions and ignored flooded frames are listed too. */
  readonly verbose: boolean;
  readonly help: boolean;
  /** Whether the lower pane shows the current event's flow as a ladder diagram instead of the packet. */
  readonly ladder: boolean;
  /** The time being typed after `g`, or null. */
  readonly prompt: string | null;
  /** A one-line note in place of the key hints ("no drop after this event"). */
  readonly message: string | null;
  readonly playing: boolean;
  /** Index into SPEEDS. */
  readonly speed: number;
  readonly quit: boolean;
}

/** The state the TUI opens in: the first event, paused. */
export const INITIAL_STATE: TuiState = { cursor: 0, verbose: false, help: false, ladder: false, prompt: null, message: null, playing: false, speed: 2, quit: false };

/** What the key handler reads besides the state. */
export interface KeyContext {
  readonly events: readonly TraceEvent[];
  /** The shown events at a verbosity (cached by the caller). */
  shown(verbose: boolean): Int32Array;
  /** Rows of the event list: PgUp/PgDn move this far. */
  readonly page: number;
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
}

/** An action on the state: a key, or a tick of the player. */
export type TuiAction = { readonly type: 'key'; readonly input: string; readonly key: KeyPress } | { readonly type: 'tick' };

function goTo(s: TuiState, p: number | null, none: string): TuiState {
  return p === null ? { ...s, message: none } : { ...s, cursor: p, message: null };
}

/** The state after an action. */
export function reduce(s: TuiState, a: TuiAction, ctx: KeyContext): TuiState {
  const { events } = ctx;
  const shown = ctx.shown(s.verbose);
  const count = shown.length;
  const pos = Math.min(s.cursor, Math.max(0, count - 1));
  if (a.type === 'tick') {
    if (!s.playing) return s;
    return pos + 1 < count ? { ...s, cursor: pos + 1 } : { ...s, playing: false, message: 'end of the trace' };
  }
  const { input, key } = a;
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
      const next = ctx.shown(!s.verbose);
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
      return { ...s, ladder: !s.ladder, message: null };
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

/** The TUI's keys, as the help screen (`?`) and docs/tui.md list them. */

/** One help row: the keys and what they do. */
export interface KeyHelp {
  readonly keys: string;
  readonly does: string;
}

/** Every key of the TUI, in the order the help screen shows them. */
export const KEYS: readonly KeyHelp[] = [
  { keys: '→ l j ↓', does: 'next event' },
  { keys: '← h k ↑', does: 'previous event' },
  { keys: 'PgDn PgUp', does: 'a page of events forward / back' },
  { keys: 'Home End', does: 'first / last event' },
  { keys: 'n  N', does: 'next / previous drop' },
  { keys: 'r  R', does: 'next / previous rewrite' },
  { keys: 'p', does: "follow this packet: the next event about it or a frame made from it (routed, rewritten, encapsulated)" },
  { keys: 'g', does: 'go to a time: type it (1.5s, 300ms, 20us), Enter jumps to the first event then, Esc cancels' },
  { keys: 'f', does: "flow ladder: the current event's flow as a ladder diagram, scrolled to the event (f again: the packet)" },
  { keys: 'space', does: 'play / pause (one event a step)' },
  { keys: '+  -', does: 'play faster / slower' },
  { keys: 'v', does: 'verbose: also list receptions and flooded frames hosts ignore' },
  { keys: '?', does: 'this help (any key closes it)' },
  { keys: 'q  Ctrl-C', does: 'quit' },
];

/** The one-line reminder at the bottom of the screen. */
export const KEY_HINT = '←→ step  n drop  r rewrite  p follow  f flow  g time  space play  ? keys  q quit';

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
  { keys: 'p', does: 'follow this packet: its next event, or that of a frame made from it' },
  { keys: 'g', does: 'go to a time: type it (1.5s, 300ms, 20us), Enter jumps, Esc cancels' },
  { keys: '/', does: 'filter: node=web1,proto=tcp,kind=drop,flow=2; empty clears' },
  { keys: 'Esc', does: 'clear the filter (the current event stays current)' },
  { keys: 'tab', does: 'lower pane: packet, state, topology, flow (wide: packet, flow)' },
  { keys: 'x', does: "the frame's bytes in hex, those a rewrite changed marked" },
  { keys: 'f', does: "the current event's flow as a ladder diagram (f again: packet)" },
  { keys: 's  S', does: "state pane: next / previous node (then the event's own again)" },
  { keys: 'space', does: 'play / pause (one event a step)' },
  { keys: '+  -', does: 'play faster / slower' },
  { keys: 'v', does: 'verbose: also list receptions and flooded frames hosts ignore' },
  { keys: '?', does: 'this help (any key closes it)' },
  { keys: 'q  Ctrl-C', does: 'quit' },
];

/** The one-line reminder at the bottom of the screen. */
export const KEY_HINT = '←→ step  n drop  r rewrite  p follow  / filter  tab pane  s node  ? keys  q quit';

/**
 * Text from a file made safe to echo on a terminal or into a log. It sits
 * on the lowest floor because every output that quotes a user's string
 * needs it: scenario errors, hop lines, the grader's reports, the CLI.
 */

/**
 * Characters a terminal acts on rather than shows: C0 controls but tab,
 * DEL, C1 controls (U+0080-U+009F: CSI U+009B alone starts an escape
 * sequence on many terminals), the line and paragraph separators and the
 * bidirectional overrides that make text read differently from what it is.
 */
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A string from a file as it is safe to echo: every character a terminal
 * would act on is written as an escape (`\n`, `\r`, `\x1b`, `\x9b`, `\u202e`), so a
 * title or a quoted value can neither move the cursor, clear a grader's
 * screen, set the window title nor split a message into unlocated lines.
 */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

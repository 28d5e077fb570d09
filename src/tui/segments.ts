/**
 * Styled text for the TUI's screen: a line is a list of segments, each
 * with an optional colour, and lines are cut to the terminal's width here
 * so that Ink never wraps one (a wrapped line would push the screen past
 * the terminal's height and make it scroll and flicker).
 */

/** A run of text with one style. */
export interface Segment {
  readonly text: string;
  /** An Ink colour name; ignored without colour. */
  readonly color?: string;
  readonly bold?: boolean;
  readonly dim?: boolean;
  /** Reverse video (the current event). */
  readonly inverse?: boolean;
}

/** One screen line. */
export type Line = readonly Segment[];

/** A plain segment. */
export function seg(text: string, style: Omit<Segment, 'text'> = {}): Segment {
  return { text, ...style };
}

/**
 * Whether a code point takes two terminal columns (East Asian Wide or
 * Fullwidth, UAX #11): Hangul, CJK, fullwidth forms. Korean labels
 * (`--lang ko`) are made of these, so widths count columns, not characters.
 */
function wide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** The columns a string takes in a terminal (its length for text without wide characters). */
export function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += wide(ch.codePointAt(0)!) ? 2 : 1;
  return n;
}

/** The longest start of `text` that fits in `width` columns. */
function headColumns(text: string, width: number): string {
  let n = 0;
  let i = 0;
  for (const ch of text) {
    const w = wide(ch.codePointAt(0)!) ? 2 : 1;
    if (n + w > width) break;
    n += w;
    i += ch.length;
  }
  return text.slice(0, i);
}

/** The line cut to `width` columns, the last visible character replaced by '…' when something was cut. */
export function fit(line: Line, width: number): Line {
  const w = Math.max(1, width);
  let used = 0;
  const out: Segment[] = [];
  for (const s of line) {
    const sw = columns(s.text);
    if (used + sw <= w) {
      out.push(s);
      used += sw;
      continue;
    }
    const room = w - used;
    if (room > 0) out.push({ ...s, text: headColumns(s.text, room - 1) + '…' });
    else if (out.length) {
      const last = out[out.length - 1]!;
      out[out.length - 1] = { ...last, text: last.text.slice(0, -1) + '…' };
    }
    return out;
  }
  return out;
}

/** The width of a line in columns. */
export function lineWidth(line: Line): number {
  let n = 0;
  for (const s of line) n += columns(s.text);
  return n;
}

/** Words wrapped to `width` columns, each continuation line indented by `indent` spaces. */
export function wrapWords(text: string, width: number, indent = 0): string[] {
  const w = Math.max(8, width);
  const out: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const pad = out.length ? ' '.repeat(indent) : '';
    if (cur && pad.length + columns(cur) + 1 + columns(word) > w) {
      out.push(pad + cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur || !out.length) out.push((out.length ? ' '.repeat(indent) : '') + cur);
  return out;
}

/**
 * Segments packed into lines of at most `width` columns, `sep` between
 * them, continuation lines starting with `indent` spaces; a segment is
 * never split (one wider than a line is cut later by `fit`).
 */
export function pack(items: readonly Line[], width: number, indent: number, sep = '  '): Line[] {
  const lines: Segment[][] = [];
  let cur: Segment[] = [seg(' '.repeat(indent))];
  let used = indent;
  let empty = true;
  for (const item of items) {
    const w = lineWidth(item);
    if (!empty && used + sep.length + w > width) {
      lines.push(cur);
      cur = [seg(' '.repeat(indent))];
      used = indent;
      empty = true;
    }
    if (!empty) {
      cur.push(seg(sep));
      used += sep.length;
    }
    cur.push(...item);
    used += w;
    empty = false;
  }
  if (!empty) lines.push(cur);
  return lines;
}

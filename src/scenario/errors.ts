/**
 * What the scenario loader tells a person about a file: each problem with
 * its place (file, line, column, the path inside the document), what was
 * expected, what was found and a suggestion, printed the way a compiler
 * prints them. Teachers and students meet these more than any other output
 * of lblab, so every message is a whole sentence that says how to fix it.
 */
import { printable } from '../sim/printable.js';

/** Re-exported: scenario errors escape what they echo with it. */
export { printable };

/** An error stops the scenario from loading; a warning points at something legal but suspicious. */
export type Severity = 'error' | 'warning';

/** One problem in a scenario file, with its place and a way to fix it. */
export interface ScenarioError {
  readonly severity: Severity;
  /**
   * A stable code for tools and tests (`yaml-syntax`, `unknown-key`,
   * `wrong-type`, `bad-value`, `missing-key`, `duplicate-key`, `unknown-name`,
   * `duplicate-address`, `off-subnet`, ..., and `internal` for a bug of lblab).
   */
  readonly code: string;
  /** The file as it was named (the top-level file as given, a base file relative to it). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
  /** 1-based column just past the offending text on `line` (for the caret underline). */
  readonly endCol: number;
  /** Where in the document, as keys joined by dots (`nodes.lb1.services.shop.mode`); '' for the whole file. */
  readonly path: string;
  /** The whole sentence shown to a person (it includes `expected`, `found` and `suggestion` when they exist). */
  readonly message: string;
  /** What the format wants at this place, when that can be said. */
  readonly expected?: string;
  /** What the file has at this place, as written. */
  readonly found?: string;
  /** How to fix it ("did you mean `gateway`?"). */
  readonly suggestion?: string;
  /** The text of the source line, for the excerpt ('' when unknown). */
  readonly sourceLine: string;
  /** For `internal` errors only: the stack of the bug, for the report. */
  readonly detail?: string;
}

/** Orders problems by file, line and column, and drops exact repeats (a value reported twice through a union or a merge). */
export function sortErrors(errors: readonly ScenarioError[]): ScenarioError[] {
  const seen = new Set<string>();
  const out: ScenarioError[] = [];
  for (const e of errors) {
    const k = `${e.severity}\u0000${e.file}\u0000${e.line}\u0000${e.col}\u0000${e.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  // Stable sort: problems at the same place keep the order they were found in.
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.col - b.col);
}

/** One problem as its first line: `file:line:col: error: message` (echoed values escaped: the line is always one line). */
export function formatErrorLine(e: ScenarioError): string {
  return `${printable(e.file)}:${e.line}:${e.col}: ${e.severity}: ${printable(e.message)}`;
}

/** The widest source excerpt printed: a long line is cut to a window around the place. */
const EXCERPT = 160;

/** The source line as printed (escaped, cut to a window around the column) and where the caret goes in it. */
function excerpt(line: string, col: number, endCol: number): { text: string; lead: string; width: number } {
  const len = Math.max(1, Math.min(endCol, line.length + 1) - col);
  let from = 0;
  let to = line.length;
  if (line.length > EXCERPT) {
    from = Math.max(0, Math.min(col - 1 - EXCERPT / 4, line.length - EXCERPT));
    to = from + EXCERPT;
  }
  const before = printable(line.slice(from, col - 1));
  const mid = printable(line.slice(col - 1, Math.min(col - 1 + len, to)));
  const text = (from > 0 ? '...' : '') + before + mid + printable(line.slice(Math.min(col - 1 + len, to), to)) + (to < line.length ? '...' : '');
  // Tabs are kept as tabs in the gutter so the caret lines up under them.
  const lead = (from > 0 ? '   ' : '') + before.replace(/[^\t]/g, ' ');
  return { text, lead, width: Math.max(1, mid.length) };
}

/**
 * Prints problems like a compiler: the `file:line:col: error: message` line,
 * the source line with a caret under the place, and the document path.
 * An internal error also prints its stack, because that one is lblab's bug.
 */
export function formatErrors(errors: readonly ScenarioError[]): string {
  const out: string[] = [];
  for (const e of errors) {
    out.push(formatErrorLine(e));
    if (e.sourceLine !== '') {
      const num = String(e.line);
      const pad = ' '.repeat(num.length);
      const x = excerpt(e.sourceLine, e.col, e.endCol);
      out.push(` ${num} | ${x.text}`);
      out.push(` ${pad} | ${x.lead}${'^'.repeat(x.width)}`);
    }
    if (e.path !== '') out.push(`   in ${printable(e.path)}`);
    if (e.detail) out.push(e.detail);
  }
  const n = errors.filter((e) => e.severity === 'error').length;
  const w = errors.length - n;
  if (errors.length > 0) out.push(`${n} error${n === 1 ? '' : 's'}, ${w} warning${w === 1 ? '' : 's'}`);
  return out.join('\n');
}

/**
 * Optimal string alignment distance (Levenshtein with adjacent
 * transpositions), so `hots` is one edit from `host` as a typist would think.
 */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = [];
  for (let i = 0; i <= m; i++) d.push(new Array<number>(n + 1).fill(0));
  for (let i = 0; i <= m; i++) d[i]![0] = i;
  for (let j = 0; j <= n; j++) d[0]![j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}

/**
 * The candidate a mistyped word most likely meant, or null when none is
 * close: same letters in another case first, then the fewest edits (at most
 * about a third of the word, so `x` never "means" `to`), then a candidate
 * that contains the word or is contained in it (`no-socket` -> `tcp-no-socket`).
 */
export function closest(word: string, candidates: Iterable<string>): string | null {
  const list = [...candidates];
  const lower = word.toLowerCase();
  for (const c of list) if (c.toLowerCase() === lower) return c;
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of list) {
    const dist = editDistance(lower, c.toLowerCase());
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  const limit = Math.max(1, Math.floor(word.length * 0.4));
  if (best !== null && bestD <= limit) return best;
  if (lower.length >= 3) {
    // Several may contain the word (`no-socket`: tcp-no-socket, udp-no-socket-broadcast): the nearest one wins.
    const hits = list.filter((c) => c.toLowerCase().includes(lower) || (c.length >= 3 && lower.includes(c.toLowerCase())));
    hits.sort((x, y) => editDistance(lower, x.toLowerCase()) - editDistance(lower, y.toLowerCase()));
    if (hits.length > 0) return hits[0]!;
  }
  return null;
}

/** Formats a list of choices for a message: "`a`, `b` or `c`". */
export function choices(xs: readonly string[], conj = 'or'): string {
  const q = xs.map((x) => `\`${x}\``);
  if (q.length <= 1) return q.join('');
  return `${q.slice(0, -1).join(', ')} ${conj} ${q[q.length - 1]}`;
}

/** The suggestion for a word that is not one of `candidates`: the closest one, or the list when it is short. */
export function suggest(word: string, candidates: readonly string[], listUpTo = 12): string | undefined {
  const c = closest(word, candidates);
  if (c !== null) return `did you mean \`${c}\`?`;
  if (candidates.length === 0) return undefined;
  if (candidates.length <= listUpTo) return `expected ${choices(candidates)}`;
  return undefined;
}

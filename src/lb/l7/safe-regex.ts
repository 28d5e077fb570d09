/**
 * Regular expressions a scenario supplies (`path_regex`), matched in time
 * linear in the text whatever the pattern. JavaScript's engine backtracks:
 * `^/(a+)+$` against a 34-character path never returns, inside one event,
 * where the event budget cannot stop it. This is a Thompson NFA run as a
 * Pike VM (Russ Cox, "Regular Expression Matching Can Be Simple And Fast",
 * 2007; the approach of RE2 and Go's regexp): every thread advances one
 * character at a time, so a match costs at most (pattern size x text length)
 * steps.
 *
 * The syntax is JavaScript's without what needs backtracking: literals, `.`,
 * classes (`[a-z]`, `[^/]`, `\d \w \s` and their negations), anchors `^ $`,
 * word boundaries `\b \B`, groups `( )`, `(?: )`, `(?<name> )`, alternation,
 * and the quantifiers `* + ? {n} {n,} {n,m}` (lazy forms too: only whether
 * it matches is asked). Back-references and lookaround are refused with a
 * sentence saying so.
 */

/** A character class: sorted inclusive ranges of UTF-16 code units, possibly negated. */
interface Cls {
  readonly ranges: readonly number[];
  readonly negate: boolean;
}

type Ast =
  | { readonly k: 'cls'; readonly cls: Cls }
  | { readonly k: 'cat'; readonly xs: readonly Ast[] }
  | { readonly k: 'alt'; readonly xs: readonly Ast[] }
  | { readonly k: 'rep'; readonly x: Ast; readonly min: number; readonly max: number }
  | { readonly k: 'assert'; readonly what: 'bol' | 'eol' | 'word' | 'nonword' };

const enum Op {
  Char,
  Split,
  Jmp,
  Assert,
  Match,
}

interface Inst {
  op: Op;
  cls?: Cls;
  x: number;
  y: number;
  what?: 'bol' | 'eol' | 'word' | 'nonword';
}

/** The most instructions a pattern may compile to (counted repetitions are unrolled). */
export const MAX_PROGRAM = 10_000;

const DIGIT: Cls = { ranges: [48, 57], negate: false };
const WORD: Cls = { ranges: [48, 57, 65, 90, 95, 95, 97, 122], negate: false };
const SPACE: Cls = { ranges: [9, 13, 32, 32, 160, 160, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff], negate: false };
const ANY_BUT_NEWLINE: Cls = { ranges: [10, 10, 13, 13, 0x2028, 0x2029], negate: true };

function inCls(c: Cls, ch: number): boolean {
  const r = c.ranges;
  let hit = false;
  for (let i = 0; i < r.length; i += 2) {
    if (ch >= r[i]! && ch <= r[i + 1]!) {
      hit = true;
      break;
    }
  }
  return hit !== c.negate;
}

function isWord(s: string, i: number): boolean {
  return i >= 0 && i < s.length && inCls(WORD, s.charCodeAt(i));
}

class Syntax extends Error {}

/** Parses a pattern (recursive descent; the scenario loader bounds the nesting of what it reads, and groups here are bounded by MAX_PROGRAM). */
function parse(src: string): Ast {
  let i = 0;
  let groups = 0;
  const peek = (): string | undefined => src[i];
  const fail = (what: string): never => {
    throw new Syntax(`${what} at character ${Math.max(1, i)}`);
  };

  function alt(): Ast {
    const xs = [cat()];
    while (peek() === '|') {
      i++;
      xs.push(cat());
    }
    return xs.length === 1 ? xs[0]! : { k: 'alt', xs };
  }

  function cat(): Ast {
    const xs: Ast[] = [];
    while (i < src.length && peek() !== '|' && peek() !== ')') xs.push(repeat(atom()));
    return { k: 'cat', xs };
  }

  function repeat(x: Ast): Ast {
    for (;;) {
      const c = peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
        if (!m) return x; // JavaScript reads a `{` that starts no quantifier as a literal
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min) fail('numbers out of order in {} quantifier');
        if (min > 1000 || (max !== Infinity && max > 1000)) fail('a {} quantifier above 1000');
        i += m[0].length - 1;
      } else return x;
      i++;
      if (peek() === '?') i++; // lazy: the same language
      if (x.k === 'assert') fail('nothing to repeat');
      x = { k: 'rep', x, min, max };
      if (peek() === '*' || peek() === '+' || peek() === '?') fail('nothing to repeat');
    }
  }

  function atom(): Ast {
    const c = src[i++]!;
    switch (c) {
      case '.':
        return { k: 'cls', cls: ANY_BUT_NEWLINE };
      case '^':
        return { k: 'assert', what: 'bol' };
      case '$':
        return { k: 'assert', what: 'eol' };
      case '*':
      case '+':
      case '?':
        return fail('nothing to repeat');
      case '(': {
        if (src.startsWith('?:', i)) i += 2;
        else if (src.startsWith('?<', i) && src[i + 2] !== '=' && src[i + 2] !== '!') {
          const end = src.indexOf('>', i);
          if (end < 0) fail('an unterminated group name');
          i = end + 1;
        } else if (peek() === '?') fail('lookahead and lookbehind are not supported (they need backtracking)');
        if (++groups > 1000) fail('more than 1000 groups');
        const x = alt();
        if (peek() !== ')') fail('an unterminated group');
        i++;
        return x;
      }
      case ')':
        return fail('an unmatched )');
      case '[':
        return { k: 'cls', cls: klass() };
      case '\\':
        return escape(false);
      default:
        return { k: 'cls', cls: { ranges: [c.charCodeAt(0), c.charCodeAt(0)], negate: false } };
    }
  }

  function single(n: number): Ast {
    return { k: 'cls', cls: { ranges: [n, n], negate: false } };
  }

  /** After a backslash: a class escape, an assertion, or one code unit. In a class, \b is backspace. */
  function escape(inClass: boolean): Ast {
    if (i >= src.length) fail('\\ at the end of the pattern');
    const c = src[i++]!;
    switch (c) {
      case 'd':
        return { k: 'cls', cls: DIGIT };
      case 'D':
        return { k: 'cls', cls: { ...DIGIT, negate: true } };
      case 'w':
        return { k: 'cls', cls: WORD };
      case 'W':
        return { k: 'cls', cls: { ...WORD, negate: true } };
      case 's':
        return { k: 'cls', cls: SPACE };
      case 'S':
        return { k: 'cls', cls: { ...SPACE, negate: true } };
      case 'b':
        return inClass ? single(8) : { k: 'assert', what: 'word' };
      case 'B':
        if (inClass) fail('\\B in a class');
        return { k: 'assert', what: 'nonword' };
      case 't':
        return single(9);
      case 'n':
        return single(10);
      case 'v':
        return single(11);
      case 'f':
        return single(12);
      case 'r':
        return single(13);
      case '0':
        return single(0);
      case 'x':
      case 'u': {
        const len = c === 'x' ? 2 : 4;
        const hex = src.slice(i, i + len);
        if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) fail(`\\${c} without ${len} hex digits`);
        i += len;
        return single(parseInt(hex, 16));
      }
      default:
        if (/[1-9k]/.test(c)) fail('back-references are not supported (they need backtracking)');
        if (/[A-Za-z]/.test(c)) fail(`unknown escape \\${c}`);
        return single(c.charCodeAt(0));
    }
  }

  function klass(): Cls {
    const negate = peek() === '^';
    if (negate) i++;
    const ranges: number[] = [];
    const unit = (): Cls => {
      if (i >= src.length) fail('an unterminated [ class');
      const c = src[i++]!;
      if (c !== '\\') return { ranges: [c.charCodeAt(0), c.charCodeAt(0)], negate: false };
      const e = escape(true);
      if (e.k !== 'cls') return fail('an assertion in a class');
      return e.cls;
    };
    let first = true;
    while (first || peek() !== ']') {
      if (i >= src.length) fail('an unterminated [ class');
      first = false;
      if (peek() === ']') break;
      const a = unit();
      if (peek() === '-' && src[i + 1] !== ']' && src[i + 1] !== undefined && !a.negate && a.ranges.length === 2 && a.ranges[0] === a.ranges[1]) {
        i++;
        const b = unit();
        if (b.negate || b.ranges.length !== 2 || b.ranges[0] !== b.ranges[1]) fail('a range ending in a class');
        if (b.ranges[0]! < a.ranges[0]!) fail('a range out of order in a class');
        ranges.push(a.ranges[0]!, b.ranges[0]!);
      } else if (a.negate) {
        // \D, \W, \S inside a class: their complement as ranges.
        let lo = 0;
        for (let k = 0; k < a.ranges.length; k += 2) {
          if (a.ranges[k]! > lo) ranges.push(lo, a.ranges[k]! - 1);
          lo = a.ranges[k + 1]! + 1;
        }
        if (lo <= 0xffff) ranges.push(lo, 0xffff);
      } else ranges.push(...a.ranges);
    }
    i++; // ]
    return { ranges, negate };
  }

  const ast = alt();
  if (i < src.length) fail('an unmatched )');
  return ast;
}

/** Compiles the tree to a program (the Thompson construction); counted repetition is unrolled. */
function compile(ast: Ast): Inst[] {
  const prog: Inst[] = [];
  const emit = (inst: Inst): number => {
    if (prog.length >= MAX_PROGRAM) throw new Syntax(`the pattern is too large (more than ${MAX_PROGRAM} steps once its {} repetitions are written out)`);
    prog.push(inst);
    return prog.length - 1;
  };
  const gen = (a: Ast): void => {
    switch (a.k) {
      case 'cls':
        emit({ op: Op.Char, cls: a.cls, x: 0, y: 0 });
        return;
      case 'assert':
        emit({ op: Op.Assert, what: a.what, x: 0, y: 0 });
        return;
      case 'cat':
        for (const x of a.xs) gen(x);
        return;
      case 'alt': {
        const jumps: number[] = [];
        a.xs.forEach((x, n) => {
          if (n === a.xs.length - 1) return gen(x);
          const split = emit({ op: Op.Split, x: 0, y: 0 });
          prog[split]!.x = prog.length;
          gen(x);
          jumps.push(emit({ op: Op.Jmp, x: 0, y: 0 }));
          prog[split]!.y = prog.length;
        });
        for (const j of jumps) prog[j]!.x = prog.length;
        return;
      }
      case 'rep': {
        for (let n = 0; n < a.min; n++) gen(a.x);
        if (a.max === Infinity) {
          const split = emit({ op: Op.Split, x: 0, y: 0 });
          prog[split]!.x = prog.length;
          gen(a.x);
          emit({ op: Op.Jmp, x: split, y: 0 });
          prog[split]!.y = prog.length;
        } else {
          const splits: number[] = [];
          for (let n = a.min; n < a.max; n++) {
            const split = emit({ op: Op.Split, x: 0, y: 0 });
            prog[split]!.x = prog.length;
            splits.push(split);
            gen(a.x);
          }
          for (const s of splits) prog[s]!.y = prog.length;
        }
        return;
      }
    }
  };
  gen(ast);
  emit({ op: Op.Match, x: 0, y: 0 });
  return prog;
}

/** A compiled pattern: test() answers whether it matches somewhere in a string, in linear time. */
export class SafeRegex {
  private readonly prog: Inst[];
  // Thread lists reused across calls: a match allocates nothing once they have grown.
  private readonly cur: Int32Array;
  private readonly next: Int32Array;
  private readonly mark: Int32Array;
  private readonly stack: Int32Array;
  private gen = 0;

  /** Compiles `source`; throws an Error whose message says what is wrong and where (use compileSafeRegex for a result instead). */
  constructor(readonly source: string) {
    this.prog = compile(parse(source));
    const n = this.prog.length;
    this.cur = new Int32Array(n);
    this.next = new Int32Array(n);
    this.mark = new Int32Array(n);
    this.stack = new Int32Array(2 * n + 2); // each instruction is expanded once and pushes at most two
  }

  /** True when the pattern matches somewhere in `s` (as RegExp.prototype.test without flags). */
  test(s: string): boolean {
    const prog = this.prog;
    // cur: threads that have just consumed character i-1 (their next pc); next: the Char steps waiting at i.
    let nCur = 0;
    for (let i = 0; i <= s.length; i++) {
      this.gen++;
      let nNext = 0;
      for (let t = 0; t < nCur; t++) {
        nNext = this.closure(s, i, this.cur[t]!, nNext);
        if (nNext < 0) return true;
      }
      // Unanchored search: a new thread starts at every position.
      nNext = this.closure(s, i, 0, nNext);
      if (nNext < 0) return true;
      if (i === s.length) break;
      const ch = s.charCodeAt(i);
      nCur = 0;
      for (let t = 0; t < nNext; t++) {
        const pc = this.next[t]!;
        if (inCls(prog[pc]!.cls!, ch)) this.cur[nCur++] = pc + 1;
      }
      if (nCur === 0 && prog[0]!.op === Op.Assert && prog[0]!.what === 'bol') return false; // anchored at the start, and every thread died
    }
    return false;
  }

  /** Adds the threads reachable from `pc0` without consuming a character (at position i) to `next` from index `count`; -1 when one reaches Match. */
  private closure(s: string, i: number, pc0: number, count: number): number {
    const prog = this.prog;
    const stack = this.stack;
    const mark = this.mark;
    const gen = this.gen;
    let sp = 0;
    stack[sp++] = pc0;
    while (sp > 0) {
      const pc = stack[--sp]!;
      if (mark[pc] === gen) continue;
      mark[pc] = gen;
      const inst = prog[pc]!;
      switch (inst.op) {
        case Op.Jmp:
          stack[sp++] = inst.x;
          break;
        case Op.Split:
          stack[sp++] = inst.y;
          stack[sp++] = inst.x;
          break;
        case Op.Assert:
          if (holds(inst.what!, s, i)) stack[sp++] = pc + 1;
          break;
        case Op.Match:
          return -1;
        case Op.Char:
          this.next[count++] = pc;
          break;
      }
    }
    return count;
  }
}

function holds(what: 'bol' | 'eol' | 'word' | 'nonword', s: string, i: number): boolean {
  switch (what) {
    case 'bol':
      return i === 0;
    case 'eol':
      return i === s.length;
    case 'word':
      return isWord(s, i - 1) !== isWord(s, i);
    case 'nonword':
      return isWord(s, i - 1) === isWord(s, i);
  }
}

/** Compiles a scenario's pattern, or says in a sentence why it cannot be used. */
export function compileSafeRegex(source: string): { ok: true; value: SafeRegex } | { ok: false; error: string } {
  try {
    return { ok: true, value: new SafeRegex(source) };
  } catch (e) {
    if (e instanceof Syntax) return { ok: false, error: e.message };
    throw e;
  }
}

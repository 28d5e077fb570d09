/**
 * The fuzz suite of issue 17: mutated built-in scenarios and corrupt
 * captures, read as a grader running students' files would. Properties: no
 * exception escapes (no crash, no stack trace), every problem is located
 * (file:line:col, or a byte offset inside the file), no message says
 * `undefined`, `NaN` or `[object Object]`, and a run that loads ends within
 * an event budget (work is bounded by counts, never by the clock, so no
 * test depends on the machine's speed). `npm test` runs a few hundred cases;
 * `npm run fuzz` (FUZZ_RUNS=10000) runs ten thousand of each.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatErrors, loadScenario, type ScenarioError } from '../../src/scenario/index.js';
import { buildScenario } from '../../src/assemble/scenario.js';
import { BuildError } from '../../src/assemble/built.js';
import { readCapture } from '../../src/pcap/read.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 150);
/** Events a mutated scenario may run: enough to exercise it, small enough for hundreds of cases. */
const BUDGET = 20_000;
const BAD_WORDS = /\bundefined\b|\bNaN\b|\[object Object\]/;

const DIR = 'scenarios';
const names = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const texts = new Map(names.map((n) => [n, readFileSync(join(DIR, n), 'utf8')]));

/** Values a hostile or careless file puts where a value goes. */
// No `undefined` or `NaN` among them: those words in a message must then be lblab's own.
const HOSTILE = ['1e20ns', '100000000000000000000ns', '1000000000000000s', '-1', '0', '1e9', '4294967296', 'null', '~', '""', "''", '[]', '{}', '[[[[', '*a', '&a x', '!!js/function x', 'toString', 'hasOwnProperty', '__proto__', '"\\e[2J\\e]0;t\\a"', '"a\\nb"', '"\\u009b2K"', 'x'.repeat(300), "'^/(a+)+$'", '255.255.255.255/33', '10.0.0.1/24', 'sw1', 'lb1:eth9', '1ns', '0.0000001s', 'poisson 1e9/s', '100%', '1Tbps'];

interface Mutation {
  readonly kind: 'delete' | 'duplicate' | 'value' | 'indent' | 'swap' | 'cut';
  readonly line: number;
  readonly pick: number;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'duplicate', 'value', 'value', 'value', 'indent', 'swap', 'cut'),
  line: fc.nat(),
  pick: fc.nat(),
});

/** Applies mutations to a scenario's lines: deleting, duplicating, swapping, re-indenting or cutting lines, and putting hostile values after a key. */
function mutate(text: string, ms: readonly Mutation[]): string {
  let lines = text.split('\n');
  for (const m of ms) {
    if (lines.length === 0) break;
    const i = m.line % lines.length;
    const l = lines[i]!;
    switch (m.kind) {
      case 'delete':
        lines.splice(i, 1);
        break;
      case 'duplicate':
        lines.splice(i, 0, l);
        break;
      case 'swap':
        lines[i] = lines[(i + 1) % lines.length]!;
        lines[(i + 1) % lines.length] = l;
        break;
      case 'indent':
        lines[i] = m.pick % 2 ? ` ${l}` : l.replace(/^ /, '');
        break;
      case 'cut':
        lines = lines.slice(0, i);
        break;
      case 'value': {
        // The value after the n-th `key:` on the line (or the whole line when it has none).
        const keys = [...l.matchAll(/([A-Za-z_][\w-]*):\s+([^,{}[\]\n]+)/g)];
        const v = HOSTILE[m.pick % HOSTILE.length]!;
        if (keys.length === 0) lines[i] = `${l} ${v}`;
        else {
          const k = keys[m.pick % keys.length]!;
          const at = k.index! + k[0].length - k[2]!.length;
          lines[i] = l.slice(0, at) + v + l.slice(at + k[2]!.trimEnd().length);
        }
        break;
      }
    }
  }
  return lines.join('\n');
}

function checkErrors(errors: readonly ScenarioError[], where: string): void {
  for (const e of errors) {
    expect(e.code, `${where}: ${e.message}\n${e.detail ?? ''}`).not.toBe('internal');
    expect(e.line >= 1 && e.col >= 1 && Number.isInteger(e.line) && Number.isInteger(e.col), `${where}: unlocated ${JSON.stringify(e)}`).toBe(true);
    expect(e.file).not.toBe('');
    expect(e.message, where).not.toMatch(BAD_WORDS);
  }
  const printed = formatErrors(errors);
  expect(printed).not.toMatch(/\n\s+at .*:\d+:\d+\)?$/m);
  expect(printed).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
}

/** Loads, builds and runs a scenario text as `lblab check` would, checking every message on the way. */
function exercise(name: string, text: string): void {
  const file = join(DIR, `fuzz-${name}`);
  // Bases and captures are read from the real folder (the built-ins extend and replay real files).
  const r = loadScenario(file, (p) => (p === file ? text : readFileSync(p, 'utf8')));
  if (!r.ok) {
    expect(r.errors.length).toBeGreaterThan(0);
    checkErrors([...r.errors, ...r.warnings], name);
    return;
  }
  checkErrors(r.warnings, name);
  let built;
  try {
    built = buildScenario(r.scenario, { readBinary: (p) => new Uint8Array(readFileSync(p)) });
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    expect(e.pos, `${name}: unlocated build error ${e.message}`).not.toBeNull();
    expect(e.where()).toMatch(/:\d+:\d+: error: /);
    expect(e.message).not.toMatch(BAD_WORDS);
    return;
  }
  built.net.sim.budget = BUDGET;
  const res = built.net.run(r.scenario.run.until ?? undefined);
  expect(res.message).not.toMatch(BAD_WORDS);
}

describe('fuzz: mutated built-in scenarios', () => {
  it(`${RUNS} cases: no crash, every problem located, no undefined/NaN/[object Object], runs bounded by events`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(mutation, { minLength: 1, maxLength: 4 }), (name, ms) => {
        exercise(name, mutate(texts.get(name)!, ms));
      }),
      { numRuns: RUNS, seed: Number(process.env['FUZZ_SEED'] ?? 17) },
    );
  });
});

/** Captures to corrupt: tcpdump's classic pcap and lblab's own pcapng (one small export). */
const captures = readdirSync('fixtures/wire')
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => new Uint8Array(readFileSync(join('fixtures/wire', f))))
  .concat([new Uint8Array(readFileSync('fixtures/replay/http-udp.pcap'))]);

const corruption = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('cut' as const), at: fc.nat(), v: fc.constant(0) }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('word' as const), at: fc.nat(), v: fc.constantFrom(0, 0xffffffff, 0x7fffffff, 0x80000000, 1, 0x0a0d0d0a) }),
  ),
  { minLength: 1, maxLength: 6 },
);

describe('fuzz: corrupt captures', () => {
  it(`${RUNS} cases: the reader never throws, every error has a byte offset inside the file, no undefined/NaN`, () => {
    fc.assert(
      fc.property(fc.nat(captures.length - 1), corruption, (k, ops) => {
        let b: Uint8Array = captures[k]!.slice();
        for (const o of ops) {
          const at = b.length === 0 ? 0 : o.at % b.length;
          if (o.op === 'set') b[at] = o.v;
          else if (o.op === 'cut') b = b.subarray(0, at);
          else if (o.op === 'insert') b = new Uint8Array([...b.subarray(0, at), o.v, ...b.subarray(at)]);
          else if (at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, o.v, true);
        }
        const r = readCapture(b, 'fuzz.pcap');
        if (r.ok) {
          for (const p of r.value.packets) expect(Number.isSafeInteger(p.t) && p.t >= 0).toBe(true);
          return;
        }
        expect(r.error.offset >= 0 && r.error.offset <= b.length).toBe(true);
        expect(r.error.message).toMatch(/^fuzz\.pcap: byte \d+: /);
        expect(r.error.message).not.toMatch(BAD_WORDS);
      }),
      { numRuns: RUNS, seed: Number(process.env['FUZZ_SEED'] ?? 17) },
    );
  });
});

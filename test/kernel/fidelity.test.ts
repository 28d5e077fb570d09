/**
 * The kernel differential suite: every case in test/kernel/cases/ runs once
 * in lblab and once in real Linux network namespaces, and the captures are
 * compared frame by frame (harness/compare.ts). Each case must give the
 * verdict its file records (`kernel.expect`), so a change in lblab that
 * moves it closer to or further from the kernel shows up here.
 *
 * Runs with `npm run test:kernel`, and inside `npm test` when the process is
 * root and has ip, nft, tcpdump and python3; otherwise it skips with the
 * reason. `UPDATE_FIDELITY=1 npm run test:kernel` rewrites docs/fidelity.md
 * from the results (and records instead of asserting).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCase, type KernelCase, type Verdict } from './harness/case.js';
import { compareCaptures, type CaseResult } from './harness/compare.js';
import { runLblab } from './harness/lblab-side.js';
import { kernelUnavailable, removeNamespaces, runKernel, SCRIPT_LIMIT_MS, Unsupported, writeScript } from './harness/netns.js';
import { fidelityDoc, type Row } from './harness/doc.js';

const CASES = fileURLToPath(new URL('./cases/', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/fidelity.md', import.meta.url));
const update = process.env['UPDATE_FIDELITY'] === '1';
/** KERNEL_KEEP=1 keeps the work folder (scripts, captures, both sides' frame listings) and prints where it is. */
const keep = process.env['KERNEL_KEEP'] === '1';
const unavailable = kernelUnavailable();
/** KERNEL_CASE=name[,name] runs only those cases (the doc is then not rewritten). */
const only = process.env['KERNEL_CASE']?.split(',') ?? null;
const files = readdirSync(CASES)
  .filter((f) => f.endsWith('.yaml') && (!only || only.includes(f.replace(/\.yaml$/, ''))))
  .sort();
const rows: Row[] = [];
let workDir: string | null = null;
/** The work folder (scripts, captures, listings), made on first use so a skipped suite leaves nothing behind. */
function work(): string {
  workDir ??= mkdtempSync(join(tmpdir(), 'lblab-kernel-'));
  return workDir;
}

/** A case passes with the verdict it records; a case recorded as interleaving may also come out exact when the real apps' timing happens to match lblab's order. */
function matches(verdict: Verdict, expected: Verdict): boolean {
  return verdict === expected || (expected === 'interleaving' && verdict === 'exact');
}

function runCase(kc: KernelCase, index: number): { result: CaseResult | null; note: string } {
  const run = runLblab(kc.scenario, kc.kernel.settle);
  let script;
  try {
    script = writeScript(kc, run, index, join(work(), kc.name));
  } catch (e) {
    if (e instanceof Unsupported) return { result: null, note: `the harness cannot build it: ${e.message}` };
    throw e;
  }
  const kernel = runKernel(script.script, script.captures);
  const macNames = new Map<number, string>();
  for (const n of run.built.net.nodes.values()) for (const i of n.ifaces) if (i.name !== 'lo') macNames.set(i.mac, i.label);
  const result = compareCaptures(run.frames, kernel, kc.kernel.window, macNames);
  writeFileSync(join(work(), kc.name, 'lblab.txt'), result.listing.lblab);
  writeFileSync(join(work(), kc.name, 'linux.txt'), result.listing.kernel);
  return { result, note: '' };
}

describe.skipIf(unavailable !== null)('kernel differential suite', () => {
  afterAll(() => {
    removeNamespaces();
    if (workDir && keep) console.log(`kernel suite: work folder kept at ${workDir}`);
    else if (workDir) rmSync(workDir, { recursive: true, force: true });
    if (update && !only && rows.length === files.length) {
      const kernel = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
      const tmp = `${DOC}.${process.pid}.partial`;
      writeFileSync(tmp, fidelityDoc(rows, kernel));
      renameSync(tmp, DOC);
    }
  });

  files.forEach((f, index) => {
    const kc = loadCase(join(CASES, f));
    it(`${kc.name}: ${kc.scenario.title}`, () => {
      if (kc.kernel.skip) {
        rows.push({ kc, verdict: null, detail: kc.kernel.skip });
        return;
      }
      const { result, note } = runCase(kc, index);
      const verdict: Verdict | null = result?.verdict ?? null;
      // The points that differ first, then those that interleave.
      const worst = result ? [...result.points.filter((p) => p.verdict === 'differs'), ...result.points.filter((p) => p.verdict === 'interleaving')] : [];
      const detail = result ? worst.map((p) => `${p.point}: ${p.detail}`).join('\n') : note;
      rows.push({ kc, verdict, detail, frames: result?.frames });
      if (update) return;
      expect(verdict === null ? `not run: ${detail}` : matches(verdict, kc.kernel.expect) ? kc.kernel.expect : `${verdict}\n${detail}`).toBe(kc.kernel.expect);
    }, SCRIPT_LIMIT_MS + 60_000);
  });
});

if (unavailable !== null) {
  describe('kernel differential suite', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}

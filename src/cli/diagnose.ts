/**
 * `lblab diagnose`: runs a scenario with every detector of src/diagnose
 * listening to its trace, and prints the findings worst first (text, JSON
 * or Markdown). With --fix-preview each finding's fix is applied to a copy
 * of the file in memory, the copy is run again, and the report says whether
 * the finding is gone and how many flows completed before and after.
 *
 * Exit status: 0 when nothing is found, 1 when a finding is (or the
 * scenario cannot be loaded or built), 2 for usage mistakes.
 */
import { readFileSync, realpathSync } from 'node:fs';
import type { Command } from 'commander';
import { DIAGNOSE_FORMATS, declareDiagnose } from './commands.js';
export { DIAGNOSE_FORMATS } from './commands.js';
import { formatErrors, loadScenario, type Scenario } from '../scenario/index.js';
import { diagnoser, type Finding } from '../diagnose/index.js';
import { applyChanges, lineDiff, pathText } from '../diagnose/fix.js';
import { fmtTime } from '../sim/time.js';
import type { Evidence } from '../view/evidence.js';
import { buildOrReport, builtinNames, locate } from './scenarios.js';
import { gradeInputOf } from './check.js';


/** Options of `lblab diagnose`. */
export interface DiagnoseOptions {
  readonly format?: (typeof DIAGNOSE_FORMATS)[number];
  readonly fixPreview?: boolean;
}

/** How many client attempts completed in a run, of how many. */
export interface FlowCount {
  readonly completed: number;
  readonly total: number;
}

/** One diagnosed run: its findings and flow count, or why it could not run. */
export type Diagnosis = { readonly ok: true; readonly scenario: Scenario; readonly findings: Finding[]; readonly flows: FlowCount } | { readonly ok: false; readonly error: string };

/** What --fix-preview found for one finding: the diff, and the run of the fixed copy. */
export interface FixPreview {
  readonly diff: readonly string[];
  /** Null when the fix could not be applied or the fixed copy not run (the error says why). */
  readonly after: { readonly gone: boolean; readonly findings: readonly string[]; readonly flows: FlowCount } | null;
  readonly error: string | null;
}

/** Loads (from `text` when given, instead of the file's contents), builds and runs a scenario with the detectors listening. */
export function diagnoseFile(file: string, text?: string): Diagnosis {
  const read = (p: string): string => (text !== undefined && p === file ? text : readFileSync(p, 'utf8'));
  const loaded = loadScenario(file, read, { realPath: (p) => realpathSync(p) });
  if (!loaded.ok) return { ok: false, error: formatErrors([...loaded.errors, ...loaded.warnings]) };
  const sc = loaded.scenario;
  let buildError = '';
  const built = buildOrReport(sc, (t) => (buildError += t));
  if (!built) return { ok: false, error: buildError.trimEnd() };
  const d = diagnoser(sc);
  built.net.trace.listen(d.onEvent);
  built.net.run(sc.run.until ?? undefined);
  const attempts = gradeInputOf(built, []).clients.flatMap((c) => c.attempts);
  return { ok: true, scenario: sc, findings: d.finish(), flows: { completed: attempts.filter((a) => a.outcome === 'completed').length, total: attempts.length } };
}

/** Applies one finding's fix to the file's text and runs the copy. */
export function previewFix(file: string, text: string, f: Finding): FixPreview {
  const edited = applyChanges(text, f.fix.changes);
  if (!edited.ok) return { diff: [], after: null, error: edited.error };
  const diff = lineDiff(text, edited.text);
  const r = diagnoseFile(file, edited.text);
  if (!r.ok) return { diff, after: null, error: r.error };
  const ids = r.findings.map((x) => x.id);
  return { diff, after: { gone: !r.findings.some((x) => x.id === f.id && x.where === f.where), findings: ids, flows: r.flows }, error: null };
}

function evidenceLine(e: Evidence): string {
  const at = e.t !== null ? `${fmtTime(e.t)} ` : '';
  const ids = e.seq !== null ? ` (#${e.seq}${e.frame !== null ? `, frame ${e.frame}` : ''})` : '';
  return `${at}${e.place ?? ''}: ${e.text}${ids}`;
}

function flowsText(f: FlowCount): string {
  return `${f.completed}/${f.total} flows completed`;
}

function textReport(file: string, d: Extract<Diagnosis, { ok: true }>, previews: readonly (FixPreview | null)[], md: boolean): string {
  const out: string[] = [];
  const h = (s: string): string => (md ? `## ${s}` : s);
  out.push(md ? `# lblab diagnose: ${d.scenario.title}` : `lblab diagnose: ${d.scenario.title} (${file})`, '', `${flowsText(d.flows)}.`, '');
  if (d.findings.length === 0) out.push('No known bug found.');
  d.findings.forEach((f, k) => {
    out.push(h(`${k + 1}. [${f.severity}] ${f.title} (${f.id}, at ${f.where})`), '', f.explanation, '', md ? 'Evidence:' : '  Evidence:');
    if (md) out.push('');
    for (const e of f.evidence) out.push(md ? `- \`${evidenceLine(e)}\`` : `    ${evidenceLine(e)}`);
    out.push('', md ? `Fix: ${f.fix.summary}:` : `  Fix: ${f.fix.summary}:`);
    if (md) out.push('');
    for (const c of f.fix.changes) out.push(md ? `- \`${pathText(c.path)}: ${String(c.value)}\`` : `    ${pathText(c.path)}: ${String(c.value)}`);
    const p = previews[k];
    if (p) {
      out.push('', md ? '```diff' : '  Diff of the file:');
      for (const l of p.diff) out.push(md ? l.replace(/^([-+ ]) /, '$1') : `    ${l}`);
      if (md) out.push('```');
      if (p.after)
        out.push(
          '',
          `${md ? '' : '  '}Fix preview: ${p.after.gone ? 'the finding is gone' : 'THE FINDING IS STILL THERE (a detector bug)'}; ` +
            `${flowsText(d.flows)} before, ${p.after.flows.completed}/${p.after.flows.total} after` +
            `${p.after.findings.length ? `; findings after: ${p.after.findings.join(', ')}` : '; no finding after'}.`,
        );
      else out.push('', `${md ? '' : '  '}Fix preview failed: ${p.error ?? ''}`);
    }
    out.push('');
  });
  return out.join('\n').trimEnd() + '\n';
}

/** Runs `lblab diagnose` on one scenario argument and returns the exit status. */
export function runDiagnose(arg: string, opts: DiagnoseOptions, io: { out: (s: string) => void; err: (s: string) => void }): number {
  const file = locate(arg);
  if (!file) {
    io.err(`lblab: no scenario file "${arg}", and no built-in scenario of that name. Built-in: ${builtinNames().join(', ')}\n`);
    return 2;
  }
  const d = diagnoseFile(file);
  if (!d.ok) {
    io.err(d.error + '\n');
    return 1;
  }
  const text = opts.fixPreview ? readFileSync(file, 'utf8') : '';
  const previews = d.findings.map((f) => (opts.fixPreview ? previewFix(file, text, f) : null));
  const format = opts.format ?? 'text';
  if (format === 'json') {
    const findings = d.findings.map((f, k) => ({ ...f, fix: { ...f.fix, changes: f.fix.changes.map((c) => ({ ...c, key: pathText(c.path) })) }, ...(previews[k] ? { preview: previews[k] } : {}) }));
    io.out(JSON.stringify({ file, title: d.scenario.title, flows: d.flows, findings }, null, 2) + '\n');
  } else io.out(textReport(file, d, previews, format === 'markdown'));
  return d.findings.length ? 1 : 0;
}

/** Adds `lblab diagnose <scenario>` to the program. */
export function registerDiagnose(program: Command): void {
  declareDiagnose(program, diagnoseAction);
}

/** What `lblab diagnose` does with its parsed arguments, on the process's streams. */
export function diagnoseAction(scenario: string, opts: DiagnoseOptions): void {
  process.exitCode = runDiagnose(scenario, opts, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
}

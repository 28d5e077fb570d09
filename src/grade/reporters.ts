/**
 * The grader's reporters: the verdicts of one or more scenarios as text
 * for people, or as JSON, JUnit XML or TAP 13 for autograders and CI. Each
 * returns the whole document as a string (the CLI writes it), and every
 * format is deterministic: no wall-clock times, no machine names.
 */
import { Chalk } from 'chalk';
import { fmtTimeFixed } from '../sim/time.js';
import type { Evidence, Verdict } from './types.js';
import { printable } from '../sim/printable.js';

/** The graded result of one scenario file. */
export interface ScenarioReport {
  /** The file as the user named it (or the built-in's path). */
  readonly file: string;
  /** The scenario's title, or null when it could not be loaded. */
  readonly title: string | null;
  /** The seed it ran with, or null when it never ran. */
  readonly seed: number | null;
  /** How the run ended ("finished at 1.2s: no events left"), or null when it never ran. */
  readonly stopped: string | null;
  /** Why it could not be graded (the load or build errors, as printed), or null. */
  readonly error: string | null;
  /** One verdict per expectation, in file order. */
  readonly verdicts: readonly Verdict[];
}

/** The reporter names `lblab check --reporter` accepts. */
export const REPORTERS = ['text', 'json', 'junit', 'tap'] as const;

/** A reporter name. */
export type ReporterName = (typeof REPORTERS)[number];

/** Passed and failed expectations over all scenarios, and the scenarios that could not be run. */
export function totals(reports: readonly ScenarioReport[]): { passed: number; failed: number; errors: number } {
  let passed = 0;
  let failed = 0;
  for (const r of reports) for (const v of r.verdicts) v.passed ? passed++ : failed++;
  return { passed, failed, errors: reports.filter((r) => r.error !== null).length };
}

/** The short name of a scenario file: its base name without `.yaml`. */
export function scenarioName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.ya?ml$/, '');
}

function where(v: Verdict): string {
  return `${v.pos.file}:${v.pos.line}:${v.pos.col}`;
}

/** One evidence line without colour: "0.000123456s  web2:eth0  10.0.1.11:80 > ...". */
export function evidenceLine(e: Evidence): string {
  return [e.t !== null ? fmtTimeFixed(e.t) : null, e.place, e.text].filter((x) => x !== null).join('  ');
}

// ------------------------------------------------------------------ text

/** Options of the text reporter. */
export interface TextOptions {
  /** Colour and the ✓ / ✗ marks; without it, plain ASCII `PASS` / `FAIL` for logs and CI. */
  readonly color: boolean;
}

/** The report for people: per scenario, each expectation's mark, name and message, and for failures where it is written and the evidence; then the total line. */
export function textReport(reports: readonly ScenarioReport[], opts: TextOptions): string {
  const ch = new Chalk({ level: opts.color ? 1 : 0 });
  const out: string[] = [];
  for (const r of reports) {
    const head = r.title !== null ? `${scenarioName(r.file)}: ${r.title} (${r.file}${r.seed !== null ? `, seed ${r.seed}` : ''})` : r.file;
    out.push(ch.bold(printable(head)));
    if (r.error !== null) {
      // The error once, in the compiler form every command prints (file:line:col: error: ...), so `: error:` finds it.
      out.push(`  ${opts.color ? ch.red('✗') : 'ERROR'} could not be run:`, r.error.replace(/\n+$/, ''));
      out.push('');
      continue;
    }
    if (r.stopped !== null) out.push(ch.dim(`  ${r.stopped}`));
    if (r.verdicts.length === 0) out.push('  (no expectations)');
    for (const v of r.verdicts) {
      const mark = opts.color ? (v.passed ? ch.green('✓') : ch.red('✗')) : v.passed ? 'PASS' : 'FAIL';
      out.push(`  ${mark} ${printable(v.name)}`);
      out.push(`      ${v.passed ? printable(v.message) : ch.red(printable(v.message))}`);
      if (v.passed) continue;
      out.push(ch.dim(`      at ${where(v)}`));
      for (const e of v.evidence) out.push(`        ${printable(evidenceLine(e))}`);
    }
    out.push('');
  }
  const t = totals(reports);
  const n = t.passed + t.failed;
  const scen = `${reports.length} scenario${reports.length === 1 ? '' : 's'}${t.errors ? ` (${t.errors} could not be run)` : ''}`;
  out.push(`${scen}, ${n} expectation${n === 1 ? '' : 's'}: ${t.passed} passed, ${t.failed} failed`);
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------------ json

/** One JSON document: every scenario with its verdicts (evidence included for passes too), and the totals. */
export function jsonReport(reports: readonly ScenarioReport[]): string {
  const t = totals(reports);
  const doc = {
    passed: t.passed,
    failed: t.failed,
    errors: t.errors,
    scenarios: reports.map((r) => ({
      file: r.file,
      name: scenarioName(r.file),
      title: r.title,
      seed: r.seed,
      stopped: r.stopped,
      error: r.error,
      expectations: r.verdicts.map((v) => ({
        name: v.name,
        kind: v.kind,
        passed: v.passed,
        message: v.message,
        pos: v.pos,
        evidence: v.evidence.map((e) => ({ ...e, time: e.t !== null ? fmtTimeFixed(e.t) : null, line: evidenceLine(e) })),
      })),
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

// ------------------------------------------------------------------ junit

/** Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** JUnit XML: a testsuite per scenario, a testcase per expectation, a failure with the message and the evidence; a scenario that cannot be run is one testcase with an error. */
export function junitReport(reports: readonly ScenarioReport[]): string {
  const t = totals(reports);
  const a = (s: string) => `"${xmlEscape(s)}"`;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="lblab check" tests="${t.passed + t.failed + t.errors}" failures="${t.failed}" errors="${t.errors}">`);
  for (const r of reports) {
    const name = scenarioName(r.file);
    const failures = r.verdicts.filter((v) => !v.passed).length;
    const err = r.error !== null ? 1 : 0;
    out.push(`  <testsuite name=${a(r.title ?? name)} tests="${r.verdicts.length + err}" failures="${failures}" errors="${err}" skipped="0" file=${a(r.file)}>`);
    if (r.error !== null) {
      out.push(`    <testcase name=${a('load and build')} classname=${a(name)} file=${a(r.file)}>`);
      out.push(`      <error message=${a(r.error.split('\n')[0]!)} type="scenario">${xmlEscape(r.error)}</error>`);
      out.push('    </testcase>');
    }
    for (const v of r.verdicts) {
      const open = `    <testcase name=${a(v.name)} classname=${a(name)} file=${a(v.pos.file)} line="${v.pos.line}"`;
      if (v.passed) {
        out.push(`${open}>`);
        out.push(`      <system-out>${xmlEscape(v.message)}</system-out>`);
        out.push('    </testcase>');
        continue;
      }
      const body = [`${where(v)}: ${v.message}`, ...v.evidence.map(evidenceLine)].join('\n');
      out.push(`${open}>`);
      out.push(`      <failure message=${a(v.message)} type=${a(v.kind)}>${xmlEscape(body)}</failure>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------------ tap

/** A YAML double-quoted scalar (a JSON string is one), with DEL, C1 and the separators JSON leaves raw escaped too. */
function yq(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A TAP test point's description: one line (controls escaped: a newline in a name could forge a test point), no '#' (it starts a directive). */
function tapName(s: string): string {
  return printable(s).replace(/#/g, '\\#');
}

/** TAP 13: the plan, then `ok` / `not ok` per expectation ("scenario: name") with a YAML block (message, kind, where it is written; evidence for failures). */
export function tapReport(reports: readonly ScenarioReport[]): string {
  const t = totals(reports);
  const out: string[] = ['TAP version 13', `1..${t.passed + t.failed + t.errors}`];
  let i = 0;
  for (const r of reports) {
    const name = scenarioName(r.file);
    if (r.error !== null) {
      out.push(`not ok ${++i} - ${tapName(name)}: could not be run`);
      out.push('  ---', `  message: ${yq(r.error)}`, '  severity: fail', `  file: ${yq(r.file)}`, '  ...');
      continue;
    }
    for (const v of r.verdicts) {
      out.push(`${v.passed ? 'ok' : 'not ok'} ${++i} - ${tapName(`${name}: ${v.name}`)}`);
      out.push('  ---', `  message: ${yq(v.message)}`, `  kind: ${v.kind}`);
      out.push('  at:', `    file: ${yq(v.pos.file)}`, `    line: ${v.pos.line}`, `    column: ${v.pos.col}`);
      if (!v.passed) {
        out.push('  severity: fail');
        if (v.evidence.length) {
          out.push('  evidence:');
          for (const e of v.evidence) out.push(`    - ${yq(evidenceLine(e))}`);
        }
      }
      out.push('  ...');
    }
  }
  out.push(`# ${t.passed} passed, ${t.failed} failed`);
  return out.join('\n') + '\n';
}

/** The report in the named format. */
export function report(name: ReporterName, reports: readonly ScenarioReport[], opts: TextOptions): string {
  switch (name) {
    case 'text':
      return textReport(reports, opts);
    case 'json':
      return jsonReport(reports);
    case 'junit':
      return junitReport(reports);
    case 'tap':
      return tapReport(reports);
  }
}

/**
 * Judging `{ diagnose: <id> }` and `{ diagnose: none }`: the findings of
 * `lblab diagnose` on the same run (the CLI runs the detectors alongside the
 * grader's recorder and hands their findings in), so a teacher can grade
 * "this file has the one-arm bug" or "this file has no known bug".
 */
import type { Check } from '../scenario/types.js';
import { countEvidence, MAX_EVIDENCE, type Judged } from './evidence.js';
import type { GradeInput } from './types.js';

/** Judges a diagnose expectation against the run's findings. */
export function judgeDiagnose(input: GradeInput, c: Extract<Check, { kind: 'diagnose' }>): Judged {
  const d = input.diagnosis;
  if (!d) return { passed: false, message: 'the detectors were not run for this scenario (a bug of the caller)', evidence: [] };
  const list = d.findings.map((f) => `${f.id} at ${f.where}`).join(', ');
  if (c.finding === null) {
    const passed = d.findings.length === 0;
    return {
      passed,
      message: passed ? 'no known bug found' : `diagnose found ${d.findings.length}: ${list}`,
      evidence: d.findings.slice(0, MAX_EVIDENCE).flatMap((f) => [countEvidence(f.where, `${f.id}: ${f.title}`), ...f.evidence.slice(0, 1)]),
    };
  }
  if (!d.ids.includes(c.finding)) return { passed: false, message: `no detector has the id "${c.finding}"; the ids are ${d.ids.join(', ')} (docs/diagnose.md)`, evidence: [] };
  const hits = d.findings.filter((f) => f.id === c.finding);
  return hits.length
    ? { passed: true, message: `diagnose found ${c.finding} at ${hits.map((f) => f.where).join(', ')}`, evidence: hits[0]!.evidence.slice(0, MAX_EVIDENCE) }
    : { passed: false, message: `diagnose did not find ${c.finding}${d.findings.length ? `; it found ${list}` : '; it found nothing'}`, evidence: [] };
}

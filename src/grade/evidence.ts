/**
 * Evidence: how an expectation cites what decided it (a trace event's time,
 * place and one line, or a count), and the verdict shape every judge
 * returns. Below the judges, so that each of them can cite events.
 */
import type { Evidence } from './types.js';

/** At most this many events are listed as evidence for one expectation (the message gives the full count). */
export const MAX_EVIDENCE = 5;

/** What judging one expectation gives: the verdict, its message and the evidence behind it. */
export type Judged = { readonly passed: boolean; readonly message: string; readonly evidence: readonly Evidence[] };

/** The evidence lines of trace events and counts (shared with src/diagnose). */
export { countEvidence, eventEvidence } from '../view/evidence.js';

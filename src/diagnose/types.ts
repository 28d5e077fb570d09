/**
 * The shapes of diagnose: a detector is a listener fed the trace one event
 * at a time (so it works with a streaming recorder that keeps no events),
 * and a finding is what it reports at the end: the classic mistake it
 * recognised, the events that show it, and the scenario change that fixes it.
 */
import type { TraceEvent } from '../trace/events.js';
import type { Scenario } from '../scenario/types.js';
import type { Evidence } from '../view/evidence.js';

/** How bad a finding is; findings are listed worst first. */
export type Severity = 'error' | 'warning' | 'info';

/** The rank of each severity (lower is listed first). */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/** One change to the scenario file: the YAML key path (map keys, from the top) and the value to write there. */
export interface FixChange {
  readonly path: readonly string[];
  readonly value: string | number | boolean;
}

/** The fix of a finding: a sentence and the exact changes to the user's file. */
export interface Fix {
  readonly summary: string;
  readonly changes: readonly FixChange[];
}

/** What a detector reports: a known bug, where it is, the events that show it and its fix. */
export interface Finding {
  /** The detector's stable id (what `{ diagnose: <id> }` names). */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** Where the cause sits: "lb1/shop", "web1". */
  readonly where: string;
  /** One paragraph: what goes wrong and why. */
  readonly explanation: string;
  readonly evidence: readonly Evidence[];
  readonly fix: Fix;
}

/** A running detector: fed every trace event in order, then asked for its findings. */
export interface DetectorRun {
  onEvent(ev: TraceEvent): void;
  finish(): readonly Finding[];
}

/** A detector: its id and title, and how to start it on one scenario's run. */
export interface Detector {
  readonly id: string;
  /** Every finding id it can report (its own id, and more when it tells cases apart). */
  readonly ids: readonly string[];
  readonly title: string;
  readonly severity: Severity;
  /** What it looks for, for `docs/diagnose.md` and the JSON. */
  readonly looksFor: string;
  start(sc: Scenario): DetectorRun;
}

/** At most this many evidence lines per finding. */
export const MAX_FINDING_EVIDENCE = 6;

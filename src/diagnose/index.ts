/**
 * Diagnose: detectors that recognise the classic load-balancing mistakes in
 * one run's trace, each with its evidence and the scenario change that
 * fixes it. `diagnoser` starts every detector on a scenario and returns one
 * listener to feed the trace to (event by event: nothing is kept but what
 * the detectors need), and the ranked findings at the end.
 */
import type { TraceEvent } from '../trace/events.js';
import type { Scenario } from '../scenario/types.js';
import { SEVERITY_RANK, type Detector, type Finding } from './types.js';
import { returnPathDetector } from './detectors/return-path.js';
import { dsrArpDetector, dsrMacDetector } from './detectors/dsr.js';
import { ipForwardDetector } from './detectors/ip-forward.js';

export type { Detector, Finding, Fix, FixChange, Severity } from './types.js';

/** Every detector, in the order of docs/diagnose.md. */
export const DETECTORS: readonly Detector[] = [returnPathDetector, dsrArpDetector, dsrMacDetector, ipForwardDetector];

/** Every finding id a detector can report (what `{ diagnose: <id> }` may name). */
export const FINDING_IDS: readonly string[] = DETECTORS.flatMap((d) => d.ids);

/** A diagnosis in progress: feed it the trace, then ask for the findings. */
export interface Diagnoser {
  readonly onEvent: (ev: TraceEvent) => void;
  /** The findings, worst first (then by id and place, so the order is stable). */
  finish(): Finding[];
}

/** Starts every detector on one scenario's run. */
export function diagnoser(sc: Scenario, detectors: readonly Detector[] = DETECTORS): Diagnoser {
  const runs = detectors.map((d) => d.start(sc));
  return {
    onEvent(ev: TraceEvent): void {
      for (const r of runs) r.onEvent(ev);
    },
    finish(): Finding[] {
      return runs
        .flatMap((r) => r.finish())
        .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.id.localeCompare(b.id) || a.where.localeCompare(b.where));
    },
  };
}

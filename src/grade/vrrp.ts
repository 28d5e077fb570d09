/**
 * The `vrrp` expectation: which LB is VRRP master at a time, or how many
 * are (two means split brain). Judged from the trace's 'vrrp' state
 * events alone: an LB's state at time t is the last one it entered at or
 * before t (an LB that never ran VRRP has none and is not counted).
 */
import type { StateEvent, TraceEvent } from '../trace/events.js';
import type { Check } from '../scenario/types.js';
import { fmtTime } from '../sim/time.js';
import type { Evidence, GradeInput } from './types.js';

type VrrpCheck = Extract<Check, { kind: 'vrrp' }>;

/** The VRRP state of every LB at `t` (Infinity = the end of the run), with the event that set it. */
export function vrrpStatesAt(events: readonly TraceEvent[], t: number): Map<string, StateEvent> {
  const out = new Map<string, StateEvent>();
  for (const e of events) {
    if (e.t > t) break;
    if (e.kind === 'state' && e.change.what === 'vrrp') out.set(e.node, e);
  }
  return out;
}

function stateOf(e: StateEvent): string {
  return e.change.what === 'vrrp' ? e.change.state : '?';
}

function evidence(e: StateEvent): Evidence {
  return { t: e.t, place: e.node, text: e.text, seq: e.seq, frame: null };
}

/** Judges a vrrp expectation. */
export function judgeVrrp(input: GradeInput, c: VrrpCheck): { passed: boolean; message: string; evidence: readonly Evidence[] } {
  const t = c.at ?? Infinity;
  const when = c.at === null ? 'at the end of the run' : `at ${fmtTime(c.at)}`;
  const states = vrrpStatesAt(input.events, t);
  if (c.node !== null && c.state !== null) {
    const e = states.get(c.node);
    const found = e ? stateOf(e) : 'no VRRP state yet';
    return { passed: e !== undefined && stateOf(e) === c.state, message: `expected ${c.node} to be VRRP ${c.state} ${when}; found ${found}`, evidence: e ? [evidence(e)] : [] };
  }
  const masters = [...states.values()].filter((e) => stateOf(e) === 'master');
  const names = masters.map((e) => e.node).join(', ');
  return {
    passed: masters.length === c.masters,
    message: `expected ${c.masters} VRRP master${c.masters === 1 ? '' : 's'} ${when}; found ${masters.length}${names ? ` (${names})` : ''}`,
    evidence: [...states.values()].map(evidence),
  };
}

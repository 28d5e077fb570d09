/**
 * The health-check expectations: `health` (a check takes a server down or
 * brings it back, optionally by a given check kind and within a time
 * window; or, with seen: false, never does) judged from the trace's
 * 'lb-health' state events, and `server_stat` (a number of the per-server
 * report: connections, requests, bytes, health transitions, mean or p99
 * response time) judged from the grader's service counts.
 */
import type { StateEvent, TraceEvent } from '../trace/events.js';
import type { Check } from '../scenario/types.js';
import { fmtDuration, fmtTime } from '../sim/time.js';
import { eventEvidence, type Judged } from './evidence.js';
import type { GradeInput } from './types.js';


function isHealth(e: TraceEvent): e is StateEvent & { change: { what: 'lb-health' } } {
  return e.kind === 'state' && e.change.what === 'lb-health';
}

/** Judges a `health` expectation. */
export function judgeHealth(input: GradeInput, c: Extract<Check, { kind: 'health' }>): Judged {
  const who = `${c.server.lb}/${c.server.service}/${c.server.server}`;
  const mine = input.events.filter(isHealth).filter((e) => e.node === c.server.lb && e.change.service === c.server.service && e.change.server === c.server.server);
  const match = mine.filter((e) => e.change.health === c.goes && (c.check === null || e.change.check === c.check) && (c.after === null || e.t >= c.after) && (c.before === null || e.t <= c.before));
  const by = c.check !== null ? ` by its ${c.check} check` : '';
  const window = c.after !== null && c.before !== null ? ` between ${fmtTime(c.after)} and ${fmtTime(c.before)}` : c.after !== null ? ` after ${fmtTime(c.after)}` : c.before !== null ? ` by ${fmtTime(c.before)}` : '';
  const found =
    mine.length === 0
      ? 'its health never changed'
      : `its health changes: ${mine.map((e) => `${e.change.health} at ${fmtTime(e.t)} (${e.change.check}: ${e.change.reason})`).join('; ')}`;
  const expected = c.seen ? `expected ${who} to go ${c.goes}${by}${window}` : `expected ${who} never to go ${c.goes}${by}${window}`;
  const passed = c.seen ? match.length > 0 : match.length === 0;
  const evidence = (match.length > 0 ? match : mine).slice(0, 5).map((e) => eventEvidence(e));
  return { passed, message: `${expected}; ${found}`, evidence };
}

/** Judges a `server_stat` expectation. */
export function judgeServerStat(input: GradeInput, c: Extract<Check, { kind: 'server-stat' }>): Judged {
  const who = `${c.server.lb}/${c.server.service}/${c.server.server}`;
  const svc = input.services.find((s) => s.lb === c.server.lb && s.name === c.server.service);
  const srv = svc?.servers.find((s) => s.name === c.server.server);
  const time = c.stat === 'mean' || c.stat === 'p99';
  const bounds: string[] = [];
  if (c.equals !== null) bounds.push(`equal ${c.equals}`);
  if (c.atLeast !== null) bounds.push(`be at least ${c.atLeast}`);
  if (c.atMost !== null) bounds.push(`be at most ${c.atMost}`);
  if (c.over !== null) bounds.push(`be over ${fmtDuration(c.over)}`);
  if (c.under !== null) bounds.push(`be under ${fmtDuration(c.under)}`);
  const label = { connections: 'connections scheduled to', requests: 'client requests answered by', bytes: 'bytes sent by', transitions: 'health transitions of', mean: 'mean response time of', p99: 'p99 response time of' }[c.stat];
  const expected = `expected the ${label} ${who} to ${bounds.join(' and ')}`;
  if (!srv) return { passed: false, message: `${expected}; the run has no such server`, evidence: [] };
  const v: number | null | undefined =
    c.stat === 'connections' ? srv.served : c.stat === 'requests' ? srv.requests : c.stat === 'bytes' ? srv.bytes : c.stat === 'transitions' ? srv.transitions : c.stat === 'mean' ? srv.meanNs : srv.p99Ns;
  if (v === null || v === undefined) {
    return { passed: false, message: `${expected}; there is no such number (${time ? 'no client request was answered by it' : 'not measured in this run'})`, evidence: [] };
  }
  const passed =
    (c.equals === null || v === c.equals) &&
    (c.atLeast === null || v >= c.atLeast) &&
    (c.atMost === null || v <= c.atMost) &&
    (c.over === null || v > c.over) &&
    (c.under === null || v < c.under);
  const text = time ? fmtDuration(Math.round(v)) : String(v);
  return { passed, message: `${expected}; found ${text}`, evidence: [{ t: null, place: who, text: `${c.stat}: ${text}`, seq: null, frame: null }] };
}

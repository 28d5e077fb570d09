/**
 * The grader: judges each expectation of a scenario against what a run
 * left behind (a GradeInput: the trace, the clients' outcomes, the LB's
 * counts) and says, in one sentence per expectation, what was expected and
 * what was found, with the evidence that decided it. It reads data only, so
 * it is as deterministic as the trace; docs/grading.md is the teachers'
 * description of every rule here.
 */
import type { TraceEvent } from '../trace/events.js';
import type { EventKind } from '../trace/trace.js';
import type { Check, Expectation, Target } from '../scenario/types.js';
import { fmtIp } from '../wire/addr.js';
import { fmtDuration, fmtTime } from '../sim/time.js';
import type { AttemptRecord, ClientRecord, Evidence, GradeInput, Verdict } from './types.js';
import { judgeServerStat } from './health.js';
import { countEvidence, MAX_EVIDENCE, type Judged } from './evidence.js';
import { collectorOf, type Collector } from './collect.js';
import { judgeDiagnose } from './diagnose.js';

/**
 * Grades as the events go by: built before the run from the expectations
 * (and the MACs the network allocated), it names the kinds of event its
 * checks read (`kinds`: attach it to the trace for just those), takes each
 * one (`add`), and judges every expectation in the order written once the
 * run is over (`verdicts`), from what its collectors kept and the run's
 * records (clients, services, requests).
 */
export class GradeStream {
  /** The kinds of event some expectation reads; none when every check reads only the run's records. */
  readonly kinds: readonly EventKind[];
  private readonly collectors: (Collector | null)[];
  private readonly byKind = new Map<EventKind, Collector[]>();

  /** Prepares the collectors of `expectations`; `macs` resolves the `mac-of` values of frame tests. */
  constructor(
    private readonly expectations: readonly Expectation[],
    macs: GradeInput['macs'],
  ) {
    this.collectors = expectations.map((e) => collectorOf(e.check, macs));
    for (const c of this.collectors) {
      if (!c) continue;
      for (const k of c.kinds) {
        const list = this.byKind.get(k);
        if (list) list.push(c);
        else this.byKind.set(k, [c]);
      }
    }
    this.kinds = [...this.byKind.keys()];
  }

  /** Takes one trace event, in trace order. */
  add(ev: TraceEvent): void {
    const list = this.byKind.get(ev.kind);
    if (list) for (let i = 0; i < list.length; i++) list[i]!.add(ev);
  }

  /** Judges every expectation, in the order written. */
  verdicts(input: Omit<GradeInput, 'events'>): Verdict[] {
    return this.expectations.map((e, i) => {
      const col = this.collectors[i];
      const j = col ? col.judge(input) : judge({ ...input, events: [] }, e.check);
      return { name: e.name, kind: e.check.kind, pos: e.pos, passed: j.passed, message: j.message, evidence: j.evidence };
    });
  }
}

/** Judges every expectation, in the order written, against a recorded trace. */
export function grade(input: GradeInput, expectations: readonly Expectation[]): Verdict[] {
  const stream = new GradeStream(expectations, input.macs);
  for (const ev of input.events) stream.add(ev);
  return stream.verdicts(input);
}

/** Judges the checks that read only the run's records (the others have collectors). */
function judge(input: GradeInput, c: Check): Judged {
  switch (c.kind) {
    case 'flow':
      return judgeFlow(input, c);
    case 'distribution':
      return judgeDistribution(input, c);
    case 'failover-gap':
      return judgeFailoverGap(input, c);
    case 'server-stat':
      return judgeServerStat(input, c);
    case 'diagnose':
      return judgeDiagnose(input, c);
    default:
      throw new Error(`a ${c.kind} check is judged by its collector`);
  }
}

// ------------------------------------------------------------------ flow

/** How a client app calls its attempts. */
function attemptWord(c: ClientRecord): string {
  return c.app === 'http-client' ? 'request' : c.app === 'replay' ? 'replayed flow' : 'connection attempt';
}

function clientPlace(c: ClientRecord): string {
  return `${c.node} ${c.app} ${c.id}`;
}

function attemptEvidence(c: ClientRecord, a: AttemptRecord): Evidence {
  const why = a.error !== null ? ` (${a.error})` : a.server !== null ? ` (${a.server})` : '';
  const started = a.startedAt >= 0 ? `started at ${fmtTime(a.startedAt)}` : 'never started';
  const ended = a.doneAt >= 0 ? `, ended at ${fmtTime(a.doneAt)}` : '';
  return {
    t: a.doneAt >= 0 ? a.doneAt : a.startedAt >= 0 ? a.startedAt : null,
    place: clientPlace(c),
    text: `${attemptWord(c)} ${a.index} ${started}${ended}: ${a.outcome}${why}`,
    seq: null,
    frame: null,
  };
}

/** Outcome codes in the order messages list them. */
const OUTCOME_ORDER = ['completed', 'reset', 'timeout', 'refused', 'unreachable', 'closed', 'bad-response', 'host-down', 'pending'];

function outcomeCounts(attempts: readonly AttemptRecord[]): string {
  const n = new Map<string, number>();
  for (const a of attempts) n.set(a.outcome, (n.get(a.outcome) ?? 0) + 1);
  const keys = [...n.keys()].sort((x, y) => rank(x) - rank(y));
  return keys.map((k) => `${k} ${n.get(k)}`).join(', ');
}

function rank(outcome: string): number {
  const i = OUTCOME_ORDER.indexOf(outcome);
  return i < 0 ? OUTCOME_ORDER.length : i;
}

function targetText(t: Target): string {
  if (t.kind === 'name') return t.text;
  const a = fmtIp(t.addr);
  return t.text === a ? a : `${t.text} (${a})`;
}

function judgeFlow(input: GradeInput, c: Extract<Check, { kind: 'flow' }>): Judged {
  const dest = `${targetText(c.to)}${c.port !== null ? ` port ${c.port}` : ''}`;
  // A DNS name stands for the clients that look it up (whatever address each lookup gave).
  const goesTo = (a: ClientRecord) => (c.to.kind === 'name' ? a.name?.toLowerCase() === c.to.text.toLowerCase() : a.name === undefined && a.dst === c.to.addr);
  const apps = input.clients.filter((a) => a.node === c.from && goesTo(a) && (c.port === null || a.port === c.port));
  const words = new Set(apps.map(attemptWord));
  const noun = words.size === 1 ? `${[...words][0]}` : 'request and connection attempt';
  const expected = `expected every ${apps.length ? noun : 'request'} from ${c.from} to ${dest} to end as ${c.outcome}`;
  if (apps.length === 0) {
    const others = input.clients.filter((a) => a.node === c.from);
    const also = others.length ? ` (its apps send to ${[...new Set(others.map((a) => `${a.name ?? fmtIp(a.dst)}:${a.port}`))].join(', ')})` : '';
    return { passed: false, message: `${expected}; found no http-client, tcp-connect or replayed flow on ${c.from} that sends there${also}`, evidence: [] };
  }
  const all = apps.flatMap((a) => a.attempts.map((x) => ({ app: a, x })));
  if (all.length === 0) return { passed: false, message: `${expected}; found no ${noun} made`, evidence: [] };
  const wrong = all.filter((p) => p.x.outcome !== c.outcome);
  const passed = wrong.length === 0;
  const shown = (passed ? all : wrong).slice(0, MAX_EVIDENCE).map((p) => attemptEvidence(p.app, p.x));
  return { passed, message: `${expected}; found ${outcomeCounts(all.map((p) => p.x))} (of ${all.length})`, evidence: shown };
}

// ------------------------------------------------------------------ distribution

/** A fraction as a percentage with at most one decimal: 0.125 -> "12.5%". */
export function pct(x: number): string {
  return `${+(x * 100).toFixed(1)}%`;
}

/** Shares compare with a little slack, so 6 of 10 is within 10% of 50% despite floating point. */
const EPS = 1e-9;

function judgeDistribution(input: GradeInput, c: Extract<Check, { kind: 'distribution' }>): Judged {
  const svc = `${c.service.lb}/${c.service.service}`;
  const s = input.services.find((x) => x.lb === c.service.lb && x.name === c.service.service);
  const over = c.over.join(', ');
  const head = `expected ${svc}'s new connections spread over ${over} by weight`;
  if (!s) return { passed: false, message: `${head} within ${pct(c.tolerance)}; found no service ${svc} in the run`, evidence: [] };
  const rows = c.over.map((name) => s.servers.find((x) => x.name === name) ?? { name, weight: 0, served: 0 });
  const wsum = rows.reduce((a, r) => a + r.weight, 0);
  const total = rows.reduce((a, r) => a + r.served, 0);
  const wanted = rows.map((r) => (wsum > 0 ? r.weight / wsum : 0));
  const expected = `${head} (${wanted.map(pct).join(', ')}) within ${pct(c.tolerance)}`;
  const evidence = rows.map((r, i) =>
    countEvidence(`${svc}/${r.name}`, `${r.name}: ${r.served} connection${r.served === 1 ? '' : 's'}${total ? ` (${pct(r.served / total)})` : ''}, weight ${r.weight} (expected ${pct(wanted[i]!)})`),
  );
  if (wsum === 0) return { passed: false, message: `${expected}; found that every listed server has weight 0`, evidence };
  if (total === 0) return { passed: false, message: `${expected}; found no connection scheduled to any of them`, evidence };
  const off = rows.map((r, i) => Math.abs(r.served / total - wanted[i]!));
  const found = rows.map((r) => `${r.name} ${r.served} (${pct(r.served / total)})`).join(', ');
  let worst = 0;
  for (let i = 1; i < off.length; i++) if (off[i]! > off[worst]! + EPS) worst = i;
  const passed = off.every((d) => d <= c.tolerance + EPS);
  const tail = passed ? '' : `, ${rows[worst]!.name} is ${pct(off[worst]!)} off`;
  return { passed, message: `${expected}; found ${found} of ${total}${tail}`, evidence };
}

// ------------------------------------------------------------------ failover gap

function judgeFailoverGap(input: GradeInput, c: Extract<Check, { kind: 'failover-gap' }>): Judged {
  const of = c.client !== null ? ` of ${c.client}` : '';
  const expected = `expected the longest time without a completed request${of} to be less than ${fmtDuration(c.lessThan)}`;
  const apps = input.clients.filter((a) => a.app === 'http-client' && (c.client === null || a.node === c.client));
  if (apps.length === 0) return { passed: false, message: `${expected}; found no http-client${c.client !== null ? ` on ${c.client}` : ''}`, evidence: [] };
  const all = apps.flatMap((app) => app.attempts.map((x) => ({ app, x })));
  const done = all.filter((p) => p.x.outcome === 'completed').sort((a, b) => a.x.doneAt - b.x.doneAt);
  if (done.length === 0) {
    const ended = all.filter((p) => p.x.doneAt >= 0).slice(0, MAX_EVIDENCE);
    return { passed: false, message: `${expected}; found no completed request (of ${all.length})`, evidence: ended.map((p) => attemptEvidence(p.app, p.x)) };
  }
  type P = (typeof all)[number];
  let gap = -1;
  let from: P | null = null;
  let to: P | null = null;
  let kind: 'between' | 'head' | 'tail' = 'between';
  for (let i = 1; i < done.length; i++) {
    const g = done[i]!.x.doneAt - done[i - 1]!.x.doneAt;
    if (g > gap) [gap, from, to, kind] = [g, done[i - 1]!, done[i]!, 'between'];
  }
  // An outage at the start or at the end has only one completed request beside it; it counts as a gap too,
  // so a failover that never happens cannot pass. The edges are the requests that failed there.
  const firstDone = done[0]!.x.doneAt;
  const lastDone = done[done.length - 1]!.x.doneAt;
  const failed = all.filter((p) => p.x.outcome !== 'completed' && p.x.doneAt >= 0);
  const early = failed.filter((p) => p.x.doneAt < firstDone).sort((a, b) => a.x.startedAt - b.x.startedAt)[0];
  if (early && firstDone - early.x.startedAt > gap) [gap, from, to, kind] = [firstDone - early.x.startedAt, early, done[0]!, 'head'];
  const late = failed.filter((p) => p.x.doneAt > lastDone).sort((a, b) => b.x.doneAt - a.x.doneAt)[0];
  if (late && late.x.doneAt - lastDone > gap) [gap, from, to, kind] = [late.x.doneAt - lastDone, done[done.length - 1]!, late, 'tail'];
  if (gap < 0 || !from || !to) {
    return { passed: true, message: `${expected}; found a single completed request and no failure around it`, evidence: [attemptEvidence(done[0]!.app, done[0]!.x)] };
  }
  const passed = gap < c.lessThan;
  const name = (p: P) => `${p.app.node}'s ${attemptWord(p.app)} ${p.x.index}`;
  const span =
    kind === 'between'
      ? `between ${name(from)} (completed at ${fmtTime(from.x.doneAt)}) and ${name(to)} (completed at ${fmtTime(to.x.doneAt)})`
      : kind === 'head'
        ? `from the start of ${name(from)} (${from.x.outcome}, started at ${fmtTime(from.x.startedAt)}) to the first completion, ${name(to)} at ${fmtTime(to.x.doneAt)}`
        : `from ${name(from)} (completed at ${fmtTime(from.x.doneAt)}) to the end of ${name(to)} (${to.x.outcome} at ${fmtTime(to.x.doneAt)}), with no completed request after it`;
  return { passed, message: `${expected}; found ${fmtDuration(gap)}, ${span}`, evidence: [attemptEvidence(from.app, from.x), attemptEvidence(to.app, to.x)] };
}

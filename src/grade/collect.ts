/**
 * Streaming judges: every expectation that reads the trace gets a collector
 * that is handed the events of the kinds it names, one at a time, and keeps
 * only what it needs to decide and to cite its evidence (counts, the first
 * few matches, a histogram of codes, the best near misses), so grading a run
 * of a million connections keeps a few events, not the run. `check` feeds
 * collectors as the run goes; grade() feeds them a recorded array. Either way
 * the same code judges, so the verdicts, messages and evidence are the same.
 *
 * The judges of rarer state events (http, vrrp, health, DNS counters) keep
 * the events their check reads (a filter of the trace by the same test the
 * judge applies) and judge them with their batch code at the end.
 */
import type { DropEvent, RewriteEvent, RxEvent, TraceEvent, TxEvent } from '../trace/events.js';
import type { EventKind } from '../trace/trace.js';
import type { Check, FieldTest } from '../scenario/types.js';
import { fmtTime } from '../sim/time.js';
import type { Evidence, GradeInput } from './types.js';
import { fieldValue, fmtField, fmtTest, testHolds } from './fields.js';
import { judgeHttp } from './http.js';
import { countDns, dnsCounted, DNS_COUNTERS } from './dns-counters.js';
import { judgeVrrp } from './vrrp.js';
import { judgeHealth } from './health.js';
import { countEvidence, eventEvidence, MAX_EVIDENCE, type Judged } from './evidence.js';

/** What judges one expectation from the events of some kinds, then from the rest of the run. */
export interface Collector {
  /** The kinds of event it reads. */
  readonly kinds: readonly EventKind[];
  /** Takes one event (of one of its kinds), in trace order. */
  add(ev: TraceEvent): void;
  /** Judges, once every event has been added. */
  judge(input: Omit<GradeInput, 'events'>): Judged;
}

/** The MACs of the run's interfaces, keyed "node:iface" (frame tests may name one). */
type Macs = GradeInput['macs'];

/** The collector of a check that reads the trace, or null for a check that reads only the run's records. */
export function collectorOf(c: Check, macs: Macs): Collector | null {
  switch (c.kind) {
    case 'frame':
      return new FrameCollector(c, macs);
    case 'drop':
      return new CodeCollector('drop', c);
    case 'rewrite':
      return new CodeCollector('rewrite', c);
    case 'counter':
      return DNS_COUNTERS.has(c.name) ? dnsCollector(c) : new CountCollector(c, COUNTED[c.name] ?? 'tx');
    case 'http':
      return new Kept(['state'], (e) => e.kind === 'state' && e.node === c.node && e.change.what === 'http', (input) => judgeHttp(input, c));
    case 'vrrp':
      return new Kept(['state'], (e) => e.kind === 'state' && e.change.what === 'vrrp', (input) => judgeVrrp(input, c));
    case 'health':
      return new Kept(['state'], (e) => e.kind === 'state' && e.change.what === 'lb-health', (input) => judgeHealth(input, c));
    default:
      return null;
  }
}

/** Keeps the events a batch judge would read, and runs that judge on them. */
class Kept implements Collector {
  private readonly events: TraceEvent[] = [];

  constructor(
    readonly kinds: readonly EventKind[],
    private readonly reads: (e: TraceEvent) => boolean,
    private readonly judgeAll: (input: GradeInput) => Judged,
  ) {}

  add(ev: TraceEvent): void {
    if (this.reads(ev)) this.events.push(ev);
  }

  judge(input: Omit<GradeInput, 'events'>): Judged {
    return this.judgeAll({ ...input, events: this.events });
  }
}

type Counter = Extract<Check, { kind: 'counter' }>;

function dnsCollector(c: Counter): Collector {
  const judgeAll = (input: GradeInput) => judgeCounted(c, countDns(input, c));
  if (c.name === 'requests') return new Kept([], () => false, judgeAll);
  const kinds: EventKind[] = c.name === 'dns-cache-hits' ? ['state'] : ['tx', 'deliver'];
  return new Kept(kinds, (e) => dnsCounted(c, e), judgeAll);
}

// ------------------------------------------------------------------ frame

function testsText(tests: readonly FieldTest[], macs: Macs): string {
  return tests.map((t) => fmtTest(t, macs)).join(', ');
}

/** A frame that crossed an interface: received there (rx) or sent from it (tx). */
type Crossing = RxEvent | TxEvent;

/** A crossing as evidence, saying which way the frame went. */
function crossingEvidence(e: Crossing, link: boolean): Evidence {
  const ev = eventEvidence(e, link);
  return { ...ev, text: `${e.kind === 'rx' ? 'received' : 'sent'}: ${ev.text}` };
}

type FrameCheck = Extract<Check, { kind: 'frame' }>;

/**
 * A frame check, like tcpdump on one interface: it counts the frames that
 * cross it and those that match, keeps the first matches and, for a check
 * that expects a frame, the near misses (the frames that pass the most
 * `match` tests, ties to the earliest).
 */
class FrameCollector implements Collector {
  readonly kinds: readonly EventKind[] = ['rx', 'tx'];
  private crossed = 0;
  private matched = 0;
  /** The first MAX_EVIDENCE matching crossings. */
  private readonly firsts: Crossing[] = [];
  /** The best near misses so far, best first, with their scores. */
  private readonly near: { e: Crossing; score: number }[] = [];
  private readonly filter;

  constructor(
    private readonly c: FrameCheck,
    private readonly macs: Macs,
  ) {
    // With seen: false the `has` tests join the filter: "no frame like this (with these fields) crosses it".
    this.filter = c.seen ? c.match : [...c.match, ...c.has];
  }

  add(e: TraceEvent): void {
    const c = this.c;
    if ((e.kind !== 'rx' && e.kind !== 'tx') || e.node !== c.at.node || e.iface !== c.at.iface) return;
    this.crossed++;
    const macs = this.macs;
    if (this.filter.every((t) => testHolds(e.frame.eth, t, macs))) {
      this.matched++;
      if (this.firsts.length < MAX_EVIDENCE) this.firsts.push(e);
    }
    if (!c.seen || this.matched > 0) return;
    // Near misses matter only while nothing matches; the order is score descending, then seq.
    let score = 0;
    for (const t of c.match) if (testHolds(e.frame.eth, t, macs)) score++;
    const near = this.near;
    let i = near.length;
    while (i > 0 && (near[i - 1]!.score < score || (near[i - 1]!.score === score && near[i - 1]!.e.seq > e.seq))) i--;
    if (i < MAX_EVIDENCE) {
      near.splice(i, 0, { e, score });
      if (near.length > MAX_EVIDENCE) near.pop();
    }
  }

  judge(): Judged {
    const c = this.c;
    const at = `${c.at.node}:${c.at.iface}`;
    const macs = this.macs;
    const link = [...c.match, ...c.has].some((t) => t.field.startsWith('eth.') || t.field === 'vlan.id');
    const what = this.filter.length ? `a frame matching ${testsText(this.filter, macs)}` : 'a frame';
    const ev = (e: Crossing) => crossingEvidence(e, link);
    const nSeen = `${this.crossed} frame${this.crossed === 1 ? '' : 's'} seen there`;
    const matching = this.firsts;
    if (!c.seen) {
      const expected = `expected no ${what.slice(2)} at ${at}`;
      if (this.matched === 0) return { passed: true, message: `${expected}; found none (of ${nSeen})`, evidence: [] };
      return { passed: false, message: `${expected}; found ${this.matched}, the first at ${fmtTime(matching[0]!.t)}`, evidence: matching.map(ev) };
    }
    const hasText = c.has.length ? ` with ${testsText(c.has, macs)}` : '';
    if (this.matched === 0) {
      const near = this.near.map((x) => x.e).sort((a, b) => a.seq - b.seq);
      return { passed: false, message: `expected ${what} at ${at}${hasText}; found none (of ${nSeen})`, evidence: near.map(ev) };
    }
    const first = matching[0]!;
    const bad = c.has.filter((t) => !testHolds(first.frame.eth, t, macs));
    const expected = c.has.length ? `expected the first ${what.slice(2)} at ${at} to have ${testsText(c.has, macs)}` : `expected ${what} at ${at}`;
    if (bad.length === 0) {
      const found = c.has.length ? `it does (at ${fmtTime(first.t)}, the first of ${this.matched})` : `${this.matched}, the first at ${fmtTime(first.t)}`;
      return { passed: true, message: `${expected}; found ${found}`, evidence: [ev(first)] };
    }
    const has = bad.map((t) => `${t.field}=${fmtField(t.field, fieldValue(first.frame.eth, t.field))}`).join(', ');
    return { passed: false, message: `${expected}; found ${has} (at ${fmtTime(first.t)}, the first of ${this.matched})`, evidence: [ev(first)] };
  }
}

// ------------------------------------------------------------------ drop and rewrite

type CodeCheck = Extract<Check, { kind: 'drop' }> | Extract<Check, { kind: 'rewrite' }>;

/**
 * A drop or rewrite check: the events of that kind at the place, how many
 * of each code (in order of first appearance) and the first few of them and
 * of those with the expected code.
 */
class CodeCollector implements Collector {
  readonly kinds: readonly EventKind[];
  private readonly codes = new Map<string, number>();
  private readonly there: (DropEvent | RewriteEvent)[] = [];
  private hits = 0;
  private readonly firstHits: (DropEvent | RewriteEvent)[] = [];

  constructor(
    private readonly what: 'drop' | 'rewrite',
    private readonly c: CodeCheck,
  ) {
    this.kinds = [what];
  }

  add(e: TraceEvent): void {
    const c = this.c;
    if (e.kind !== this.what || (c.node !== null && e.node !== c.node)) return;
    if (e.kind === 'drop' && c.kind === 'drop' && c.iface !== null && e.iface !== c.iface) return;
    if (e.kind !== 'drop' && e.kind !== 'rewrite') return;
    this.codes.set(e.code, (this.codes.get(e.code) ?? 0) + 1);
    if (this.there.length < MAX_EVIDENCE) this.there.push(e);
    if (e.code !== c.code) return;
    this.hits++;
    if (this.firstHits.length < MAX_EVIDENCE) this.firstHits.push(e);
  }

  judge(): Judged {
    const c = this.c;
    const what = this.what;
    const place = c.node === null ? null : c.kind === 'drop' && c.iface !== null ? `${c.node}:${c.iface}` : c.node;
    const where = place !== null ? ` at ${place}` : '';
    const first = this.firstHits[0];
    const hitsEvidence = () => this.firstHits.map((e) => eventEvidence(e));
    if (c.seen) {
      const expected = `expected a ${what} with code ${c.code}${where}`;
      if (first) return { passed: true, message: `${expected}; found ${this.hits}, the first at ${fmtTime(first.t)}`, evidence: hitsEvidence() };
      const histogram = [...this.codes.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
      const others = this.there.length ? `; ${what}s${where}: ${histogram}` : `; there was no ${what}${where} at all`;
      return { passed: false, message: `${expected}; found none${others}`, evidence: this.there.map((e) => eventEvidence(e)) };
    }
    const expected = `expected no ${what} with code ${c.code}${where}`;
    if (!first) return { passed: true, message: `${expected}; found none`, evidence: [] };
    return { passed: false, message: `${expected}; found ${this.hits}, the first at ${fmtTime(first.t)}`, evidence: hitsEvidence() };
  }
}

// ------------------------------------------------------------------ counter

/** The trace event kind each counter counts. */
const COUNTED: Readonly<Partial<Record<Counter['name'], EventKind>>> = {
  frames: 'tx',
  drops: 'drop',
  rewrites: 'rewrite',
  forwards: 'forward',
  delivers: 'deliver',
};

/** At most this many counted events are listed as evidence (a counter can be large). */
const MAX_COUNTED = 10;

/** A counter of trace events of one kind (at a node, or everywhere): the count and the first few. */
class CountCollector implements Collector {
  readonly kinds: readonly EventKind[];
  private n = 0;
  private readonly firsts: TraceEvent[] = [];

  constructor(
    private readonly c: Counter,
    kind: EventKind,
  ) {
    this.kinds = [kind];
  }

  add(e: TraceEvent): void {
    if (e.kind !== this.kinds[0] || (this.c.node !== null && e.node !== this.c.node)) return;
    this.n++;
    if (this.firsts.length < MAX_COUNTED) this.firsts.push(e);
  }

  judge(): Judged {
    return judgeCounted(this.c, { n: this.n, events: this.firsts, what: this.c.name === 'frames' ? 'frames sent' : this.c.name });
  }
}

/** The verdict of a counter from its count and the events behind it. */
function judgeCounted(c: Counter, counted: { n: number; events: readonly TraceEvent[]; what: string }): Judged {
  const n = counted.n;
  const bounds: string[] = [];
  if (c.equals !== null) bounds.push(`equal ${c.equals}`);
  if (c.atLeast !== null && c.atMost !== null) bounds.push(`be at least ${c.atLeast} and at most ${c.atMost}`);
  else if (c.atLeast !== null) bounds.push(`be at least ${c.atLeast}`);
  else if (c.atMost !== null) bounds.push(`be at most ${c.atMost}`);
  const passed = (c.equals === null || n === c.equals) && (c.atLeast === null || n >= c.atLeast) && (c.atMost === null || n <= c.atMost);
  const what = counted.what;
  const where = c.node !== null ? ` at ${c.node}` : ' in the whole network';
  const evidence = [countEvidence(c.node, `${c.name}${where}: ${n}`), ...counted.events.slice(0, MAX_COUNTED).map((e) => eventEvidence(e))];
  return { passed, message: `expected the ${what}${where} to ${bounds.join(' and ')}; found ${n}`, evidence };
}

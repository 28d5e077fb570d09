/**
 * The `http` expectation: HTTP requests as an application recorded them in
 * the trace (state events `http`: a server answering, an L7 proxy deciding).
 * The filters pick requests at one node (path prefix, method, client, pool,
 * server, verdict, status, how the server was chosen, cache outcome); the
 * check is how many there are (at least one unless a bound is written) and,
 * with `headers`, that every one of them carried those header values (all
 * lines of a field joined with ", ", as a list-valued field reads).
 */
import type { StateEvent } from '../trace/events.js';
import type { Check } from '../scenario/types.js';
import { fmtIp } from '../wire/addr.js';
import { fmtTime } from '../sim/time.js';
import type { Evidence, GradeInput } from './types.js';
import type { Judged } from './evidence.js';

type HttpCheck = Extract<Check, { kind: 'http' }>;
type HttpChange = Extract<StateEvent['change'], { what: 'http' }>;

/** At most this many requests are listed as evidence. */
const MAX = 5;

/** The value of a header as a list field reads it: every line's value joined with ", ", or null when absent. */
export function joinedHeader(headers: HttpChange['headers'], name: string): string | null {
  const n = name.toLowerCase();
  const vs = headers.filter((h) => h.name.toLowerCase() === n).map((h) => h.value);
  return vs.length === 0 ? null : vs.join(', ');
}

function line(e: StateEvent, c: HttpChange, header: string | null): Evidence {
  const where = c.role === 'proxy' ? `${c.verdict}${c.pool ? ` pool ${c.pool}` : ''}${c.server ? ` server ${c.server}` : ''}${c.how ? ` (${c.how})` : ''}${c.cache ? ` cache ${c.cache}` : ''}` : 'served';
  const h = header !== null ? `; ${header}: ${joinedHeader(c.headers, header) ?? '(absent)'}` : '';
  return { t: e.t, place: e.node, text: `${c.method} ${c.target} from ${c.client} -> ${c.status} ${where}${h}`, seq: e.seq, frame: null };
}

/** Judges an http expectation. */
export function judgeHttp(input: GradeInput, c: HttpCheck): Judged {
  const filters: string[] = [];
  if (c.path !== null) filters.push(`path ${c.path}*`);
  if (c.method !== null) filters.push(`method ${c.method}`);
  if (c.client !== null) filters.push(`client ${fmtIp(c.client.addr)}`);
  if (c.pool !== null) filters.push(`pool ${c.pool}`);
  if (c.server !== null) filters.push(`server ${c.server}`);
  if (c.verdict !== null) filters.push(`verdict ${c.verdict}`);
  if (c.status !== null) filters.push(`status ${c.status}`);
  if (c.how !== null) filters.push(`chosen by ${c.how}`);
  if (c.cache !== null) filters.push(`cache ${c.cache}`);
  const all: { e: StateEvent; c: HttpChange }[] = [];
  for (const e of input.events) {
    if (e.kind !== 'state' || e.node !== c.node || e.change.what !== 'http') continue;
    all.push({ e, c: e.change });
  }
  const client = c.client ? fmtIp(c.client.addr) : null;
  const hits = all.filter(
    ({ c: h }) =>
      (c.path === null || h.target.startsWith(c.path)) &&
      (c.method === null || h.method === c.method) &&
      (client === null || h.client === client) &&
      (c.pool === null || h.pool === c.pool) &&
      (c.server === null || h.server === c.server) &&
      (c.verdict === null || h.verdict === c.verdict) &&
      (c.status === null || h.status === c.status) &&
      (c.how === null || h.how === c.how) &&
      (c.cache === null || h.cache === c.cache),
  );
  const n = hits.length;
  const atLeast = c.atLeast ?? (c.equals === null && c.atMost === null ? 1 : null);
  const one = c.equals === 1 || (c.equals === null && c.atMost === null && atLeast === 1);
  const what = `HTTP request${one ? '' : 's'} at ${c.node}${filters.length ? ` with ${filters.join(', ')}` : ''}`;
  const bounds: string[] = [];
  if (c.equals !== null) bounds.push(`exactly ${c.equals}`);
  if (atLeast !== null) bounds.push(`at least ${atLeast}`);
  if (c.atMost !== null) bounds.push(`at most ${c.atMost}`);
  const countOk = (c.equals === null || n === c.equals) && (atLeast === null || n >= atLeast) && (c.atMost === null || n <= c.atMost);
  const firstHeader = c.headers.length ? c.headers[0]!.name : null;
  const headerText = c.headers.map((h) => `${h.name}: ${h.value}`).join(', ');
  const expected = `expected ${bounds.join(' and ')} ${what}${c.headers.length ? `, each with ${headerText}` : ''}`;
  if (!countOk) {
    const ev = (n > 0 ? hits : all).slice(0, MAX).map((x) => line(x.e, x.c, firstHeader));
    return { passed: false, message: `${expected}; found ${n}${n === 0 ? ` (of ${all.length} request${all.length === 1 ? '' : 's'} there)` : ''}`, evidence: ev };
  }
  // An empty expected value means the field is absent (or empty).
  const bad = hits.filter(({ c: h }) => c.headers.some((t) => (joinedHeader(h.headers, t.name) ?? '') !== t.value));
  if (bad.length > 0) {
    const b = bad[0]!;
    const wrong = c.headers.find((t) => (joinedHeader(b.c.headers, t.name) ?? '') !== t.value)!;
    return {
      passed: false,
      message: `${expected}; found ${bad.length} of ${n} without it, the first at ${fmtTime(b.e.t)} with ${wrong.name}: ${joinedHeader(b.c.headers, wrong.name) ?? '(absent)'}`,
      evidence: bad.slice(0, MAX).map((x) => line(x.e, x.c, wrong.name)),
    };
  }
  return { passed: true, message: `${expected}; found ${n}${n > 0 ? `, the first at ${fmtTime(hits[0]!.e.t)}` : ''}`, evidence: hits.slice(0, MAX).map((x) => line(x.e, x.c, firstHeader)) };
}

/**
 * Evidence: how an expectation cites what decided it (a trace event's time,
 * place and one line, or a count), and the verdict shape every judge
 * returns. Below the judges, so that each of them can cite events.
 */
import type { TraceEvent } from '../trace/events.js';
import { summarize } from '../wire/summary.js';
import type { Evidence } from './types.js';

/** At most this many events are listed as evidence for one expectation (the message gives the full count). */
export const MAX_EVIDENCE = 5;

/** What judging one expectation gives: the verdict, its message and the evidence behind it. */
export type Judged = { readonly passed: boolean; readonly message: string; readonly evidence: readonly Evidence[] };

/** One trace event as evidence: its time, place and one line. */
export function eventEvidence(ev: TraceEvent, link = false): Evidence {
  const sum = (f: { eth: Parameters<typeof summarize>[0] }) => summarize(f.eth, { link });
  switch (ev.kind) {
    case 'tx':
    case 'rx':
      return { t: ev.t, place: `${ev.node}:${ev.iface}`, text: sum(ev.frame), seq: ev.seq, frame: ev.frame.id };
    case 'forward':
      return { t: ev.t, place: ev.node, text: `forward ${ev.inIface} -> ${ev.outIface}: ${sum(ev.frame)}`, seq: ev.seq, frame: ev.frame.id };
    case 'deliver':
      return { t: ev.t, place: ev.node, text: `deliver to ${ev.to}: ${sum(ev.frame)}`, seq: ev.seq, frame: ev.frame.id };
    case 'drop':
      return {
        t: ev.t,
        place: ev.iface !== null ? `${ev.node}:${ev.iface}` : ev.node,
        text: `${ev.code}: ${ev.text}${ev.frame ? ` [${sum(ev.frame)}]` : ''}`,
        seq: ev.seq,
        frame: ev.frame ? ev.frame.id : null,
      };
    case 'rewrite':
      return { t: ev.t, place: ev.node, text: `${ev.code}: ${ev.text} [${sum(ev.before)} => ${sum(ev.after)}]`, seq: ev.seq, frame: ev.after.id };
    case 'state':
      return { t: ev.t, place: ev.node, text: ev.text, seq: ev.seq, frame: null };
    default:
      return assertNever(ev);
  }
}

/** A count as evidence: a place and a line, no event. */
export function countEvidence(place: string | null, text: string): Evidence {
  return { t: null, place, text, seq: null, frame: null };
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

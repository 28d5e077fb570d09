/**
 * The evidence line: how a grading verdict or a diagnose finding cites a
 * trace event (its time, place and one line, with seq and frame id) or a
 * count. Here, below grade and diagnose, so that both print the same shape.
 */
import type { TraceEvent } from '../trace/events.js';
import { summarize } from '../wire/summary.js';

/** One piece of evidence: a trace event (a frame, drop or rewrite), a request, or a count; always printable as one line. */
export interface Evidence {
  /** Simulated time in ns, or null for a count. */
  readonly t: number | null;
  /** Where: "web2:eth0", "lb1", a client ("client http-client 0"), or null. */
  readonly place: string | null;
  /** The line itself: a frame's summary, a drop's code and sentence, a request's outcome, or a count. */
  readonly text: string;
  /** The trace event's position (seq), when the evidence is a trace event. */
  readonly seq: number | null;
  /** The frame id, when the evidence concerns a frame. */
  readonly frame: number | null;
}

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

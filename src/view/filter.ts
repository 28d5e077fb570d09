/**
 * Trace filters for the command line: `node=web1`, `proto=tcp`,
 * `kind=drop`, comma-separated, all of which must match. A filter is parsed
 * once into a predicate over trace events.
 */
import { framesOf, type Frame, type TraceEvent } from '../trace/events.js';

/** A parsed filter: true for the events to show. */
export type EventFilter = (ev: TraceEvent) => boolean;

const PROTOS = ['arp', 'ip', 'icmp', 'tcp', 'udp', 'ipip'] as const;
const KINDS = ['tx', 'rx', 'forward', 'rewrite', 'deliver', 'drop', 'state'] as const;

/** What a filter text can say, for help and errors. */
export const FILTER_HELP = `node=NAME, proto=${PROTOS.join('|')}, kind=${KINDS.join('|')} (comma-separated, all must match)`;

function protoOf(f: Frame | null): string[] {
  if (!f) return [];
  const p = f.eth.payload;
  if (p.kind === 'arp') return ['arp'];
  if (p.kind !== 'ipv4') return [];
  const inner = p.payload;
  return inner.kind === 'ipv4' ? ['ip', 'ipip', inner.payload.kind] : ['ip', inner.kind];
}

/** What a filter can also test when the whole trace is known (the TUI): the flow an event belongs to. */
export interface FilterContext {
  /** The number of the flow an event belongs to (as `lblab explain` numbers them), or null. */
  flowOf(ev: TraceEvent): number | null;
}

/** The filter terms with `flow=N`, for the TUI's prompt. */
export const FILTER_HELP_FLOWS = `${FILTER_HELP.replace(' (comma', ', flow=N (comma')}`;

/**
 * Parses a filter; returns an error sentence instead when the text is not a
 * filter. `flow=N` needs a context that knows the flows (a recorded trace).
 */
export function parseFilter(text: string, ctx?: FilterContext): EventFilter | string {
  const tests: EventFilter[] = [];
  for (const term of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    const m = /^(node|proto|kind|flow)=([A-Za-z0-9_-]+)$/.exec(term);
    if (!m) return `"${term}" is not a filter term; write ${ctx ? FILTER_HELP_FLOWS : FILTER_HELP}`;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'flow') {
      if (!ctx) return `flow=${value} needs the whole trace; use it in lblab tui, or lblab explain --flow ${value}`;
      const n = Number(value);
      if (!/^[1-9][0-9]*$/.test(value)) return `"${value}" is not a flow number; write flow=1, flow=2, ... as lblab explain numbers them`;
      tests.push((ev) => ctx.flowOf(ev) === n);
    } else if (key === 'node') tests.push((ev) => ev.node === value);
    else if (key === 'proto') {
      if (!(PROTOS as readonly string[]).includes(value)) return `unknown protocol "${value}"; use one of ${PROTOS.join(', ')}`;
      tests.push((ev) => framesOf(ev).some((f) => protoOf(f).includes(value)));
    } else {
      if (!(KINDS as readonly string[]).includes(value)) return `unknown event kind "${value}"; use one of ${KINDS.join(', ')}`;
      tests.push((ev) => ev.kind === value);
    }
  }
  return (ev) => tests.every((t) => t(ev));
}

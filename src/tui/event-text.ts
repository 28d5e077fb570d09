/**
 * The words the TUI shows for one trace event: its kind label, where it
 * happened and a one-line summary for the event list, and the explanation
 * sentence for the detail pane. Plain strings only; the components colour them.
 */
import type { Frame, TraceEvent, TraceKind } from '../trace/events.js';
import { summarize } from '../wire/summary.js';
import { diffFrames, fmtChanges } from '../view/diff.js';

/** The short upper-case label of an event kind, as hop lines write it. */
export const KIND_LABEL: Readonly<Record<TraceKind, string>> = {
  tx: 'TX',
  rx: 'RX',
  forward: 'FORWARD',
  rewrite: 'REWRITE',
  deliver: 'DELIVER',
  drop: 'DROP',
  state: 'STATE',
};

/** The colour of each event kind in the list (Ink colour names). */
export const KIND_COLOR: Readonly<Record<TraceKind, string>> = {
  tx: 'cyan',
  rx: 'gray',
  forward: 'blue',
  rewrite: 'yellow',
  deliver: 'green',
  drop: 'red',
  state: 'magenta',
};

/** Where an event happened: "node:iface", or the node alone. */
export function whereOf(ev: TraceEvent): string {
  switch (ev.kind) {
    case 'tx':
    case 'rx':
      return `${ev.node}:${ev.iface}`;
    case 'drop':
      return ev.iface ? `${ev.node}:${ev.iface}` : ev.node;
    case 'forward':
      return `${ev.node}:${ev.inIface}>${ev.outIface}`;
    default:
      return ev.node;
  }
}

/** The one-line summary of an event in the list. */
export function summaryOf(ev: TraceEvent): string {
  switch (ev.kind) {
    case 'tx':
    case 'rx':
      return summarize(ev.frame.eth);
    case 'forward':
      return `${ev.how} #${ev.frame.id} from #${ev.frame.parent}: ${summarize(ev.frame.eth)}`;
    case 'rewrite':
      return `${ev.code}: ${ev.text}`;
    case 'deliver':
      return `to ${ev.to}: ${summarize(ev.frame.eth)}`;
    case 'drop':
      return `${ev.code}: ${ev.text}`;
    case 'state':
      return ev.text;
  }
}

/** The frame the detail pane shows: what leaves (a rewrite's `after`), or null. */
export function shownFrame(ev: TraceEvent): Frame | null {
  if (ev.kind === 'rewrite') return ev.after;
  if (ev.kind === 'state') return null;
  if (ev.kind === 'drop') return ev.frame;
  return ev.frame;
}

/**
 * The explanation of an event for the detail pane: what happened, where,
 * and why (a drop's or rewrite's reason code and sentence, a state change's
 * text, a transmission's link and the frame's lineage). `originOf` names
 * the node that made a frame (its first event), when known.
 */
export function explanationOf(ev: TraceEvent, peers?: ReadonlyMap<string, string>, originOf?: (frameId: number) => string | null): string {
  // A switch passes the frame a host made on unchanged, so "originated here" is only true at its maker.
  const origin = (f: Frame): string => {
    const by = originOf?.(f.id) ?? ev.node;
    return by === ev.node ? 'originated here' : `originated by ${by}`;
  };
  const lineage = (f: Frame): string => `frame #${f.id}${f.parent ? ` (made from #${f.parent})` : ` (${origin(f)})`}, ${f.len} bytes`;
  switch (ev.kind) {
    case 'tx': {
      const to = peers?.get(`${ev.node}:${ev.iface}`);
      return `${ev.node} transmits on ${ev.iface} (link ${ev.link}${to ? ` to ${to}` : ''}): ${lineage(ev.frame)}.`;
    }
    case 'rx':
      return `${ev.node} receives on ${ev.iface}: ${lineage(ev.frame)}.`;
    case 'forward':
      return `${ev.node} ${ev.how === 'route' ? 'routes' : ev.how === 'flood' ? 'floods' : 'switches'} from ${ev.inIface} to ${ev.outIface}: ${lineage(ev.frame)}.`;
    case 'rewrite':
      return `${ev.code}: ${ev.text}`;
    case 'deliver':
      return `${ev.node} delivers to ${ev.to}: ${lineage(ev.frame)}.`;
    case 'drop':
      return `${ev.code}: ${ev.text}`;
    case 'state':
      return ev.text;
  }
}

/** A rewrite's changed fields as one line ("ip.dst 10.0.1.100 -> 10.0.1.11, ..."), or '' for other events. */
export function changesOf(ev: TraceEvent): string {
  return ev.kind === 'rewrite' ? fmtChanges(diffFrames(ev.before.eth, ev.after.eth)) : '';
}

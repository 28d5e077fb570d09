/**
 * The trace as JSON lines, for machines: one object per event, frames as
 * their id, parent, length, one-line summary and hex bytes.
 */
import type { Frame, TraceEvent } from '../trace/events.js';
import { encode } from '../wire/encode.js';
import { summarize } from '../wire/summary.js';

function hexOf(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

/** A frame as plain data. */
export function frameJson(f: Frame | null): Record<string, unknown> | null {
  if (!f) return null;
  return { id: f.id, parent: f.parent, len: f.len, summary: summarize(f.eth), hex: hexOf(encode(f.eth)) };
}

/** One trace event as plain data (JSON.stringify-able). */
export function eventJson(ev: TraceEvent): Record<string, unknown> {
  switch (ev.kind) {
    case 'tx':
      return { t: ev.t, seq: ev.seq, kind: ev.kind, node: ev.node, iface: ev.iface, link: ev.link, frame: frameJson(ev.frame) };
    case 'rx':
      return { t: ev.t, seq: ev.seq, kind: ev.kind, node: ev.node, iface: ev.iface, frame: frameJson(ev.frame) };
    case 'forward':
      return { t: ev.t, seq: ev.seq, kind: ev.kind, node: ev.node, in: ev.inIface, out: ev.outIface, how: ev.how, frame: frameJson(ev.frame) };
    case 'rewrite':
      return { t: ev.t, seq: ev.seq, kind: ev.kind, node: ev.node, code: ev.code, text: ev.text, before: frameJson(ev.before), after: frameJson(ev.after) };
    case 'deliver':
      return { t: ev.t, seq: ev.seq, kind: ev.kind, node: ev.node, to: ev.to, frame: frameJson(ev.frame) };
    case 'drop':
      return { t: ev.t, seq: ev.seq, kind: ev.kind, node: ev.node, iface: ev.iface, code: ev.code, text: ev.text, frame: frameJson(ev.frame) };
    case 'state':
      return { t: ev.t, seq: ev.seq, kind: ev.kind, node: ev.node, change: ev.change, text: ev.text };
  }
}

/**
 * The ladder pane: the flow of the current event drawn as a ladder diagram
 * (src/view/ladder.ts), scrolled to the current event's time, with the
 * node names kept at the top. Flows are found once per trace, and a flow's
 * diagram is drawn once per width, when first asked for.
 */
import type { TraceEvent } from '../trace/events.js';
import { findFlows, type Flow } from '../view/flows.js';
import { renderLadder } from '../view/ladder.js';
import { seg, wrapWords, type Line } from './segments.js';

/** Flows of a trace and their drawings, computed on demand. */
export class LadderCache {
  private flows: Flow[] | null = null;
  private byEvent: Map<TraceEvent, Flow> | null = null;
  private readonly drawn = new Map<string, string[]>();

  /** Creates a cache over a recorded trace. */
  constructor(private readonly events: readonly TraceEvent[]) {}

  /** The flow an event belongs to, or null (ARP exchanges, switch learning and other events outside any flow). */
  flowOf(ev: TraceEvent): Flow | null {
    if (!this.byEvent) {
      this.flows = findFlows(this.events);
      this.byEvent = new Map();
      for (const f of this.flows) for (const e of f.events) this.byEvent.set(e, f);
    }
    return this.byEvent.get(ev) ?? null;
  }

  /** The lines of a flow's ladder diagram at a width. */
  lines(flow: Flow, width: number): string[] {
    const key = `${flow.n}:${width}`;
    let l = this.drawn.get(key);
    if (!l) {
      l = renderLadder(flow, { width, color: false }).replace(/\n+$/, '').split('\n');
      this.drawn.set(key, l);
    }
    return l;
  }
}

const TIME_ROW = /^\s*(\d+)\.(\d{9})s/;

/**
 * The pane's lines: a title, the node names, then `height - 3` rows of the
 * diagram around the row of the current event's time (the last row at or
 * before it), that row marked with '>'.
 */
export function ladderPaneLines(cache: LadderCache, ev: TraceEvent, width: number, height: number): Line[] {
  const flow = cache.flowOf(ev);
  if (!flow) {
    const why =
      'This event belongs to no flow: ARP exchanges, switch learning and other events outside a TCP, UDP or ICMP ' +
      'conversation are not drawn as ladders. Step to a packet of one, or press f to see the packet again.';
    return [[seg('Flow ladder', { bold: true })], ...wrapWords(why, width - 2).map((l): Line => [seg(`  ${l}`, { dim: true })])];
  }
  const all = cache.lines(flow, width);
  const first = all.findIndex((l) => TIME_ROW.test(l));
  const head = first > 0 ? all.slice(Math.max(0, first - 2), first) : [];
  const body = first >= 0 ? all.slice(first) : all;
  let at = 0;
  body.forEach((l, i) => {
    const m = TIME_ROW.exec(l);
    if (m && timeOf(m) <= ev.t) at = i;
  });
  const rows = Math.max(1, height - 1 - head.length);
  const start = Math.max(0, Math.min(at - Math.floor(rows / 3), body.length - rows));
  const out: Line[] = [[seg(`Flow ${flow.n} of the current event (f: back to the packet)  `, { bold: true }), seg(flow.description, { dim: true })]];
  for (const l of head) out.push([seg(l, { bold: true })]);
  body.slice(start, start + rows).forEach((l, i) => {
    out.push(start + i === at ? [seg('>', { bold: true, color: 'yellow' }), seg(l.slice(1), { color: 'yellow' })] : [seg(l)]);
  });
  return out;
}

function timeOf(m: RegExpExecArray): number {
  return Number(m[1]) * 1e9 + Number(m[2]);
}

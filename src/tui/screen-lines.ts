/**
 * The lines of the TUI's panes, built as plain data from the trace: the
 * window of the event list around the cursor, and the detail of the current
 * event (its explanation, the fields a rewrite changed, and the packet layer
 * by layer). Components only draw these lines, so what a screen shows is a
 * pure function of the trace, the position and the terminal's size.
 */
import type { TraceEvent } from '../trace/events.js';
import { fmtTimeFixed } from '../sim/time.js';
import { summarizeLayer } from '../wire/summary.js';
import { changesOf, explanationOf, KIND_COLOR, KIND_LABEL, shownFrame, summaryOf, whereOf } from './event-text.js';
import { hexLines } from './hex-view.js';
import { layersOf, packetLayers } from './packet-layers.js';
import { fit, pack, seg, wrapWords, type Line, type Segment } from './segments.js';

/** Column widths of the event list, fixed for a whole trace so the list never reflows while scrolling. */
export interface ListColumns {
  readonly time: number;
  readonly where: number;
}

/** The list's columns for a trace: the widest time, and the widest place (at most 24). */
export function listColumns(events: readonly TraceEvent[], shown: Int32Array): ListColumns {
  const last = shown.length ? events[shown[shown.length - 1]!]! : null;
  let where = 8;
  // A sample is enough for huge traces: a place wider than the column is cut, never wrapped.
  const step = Math.max(1, Math.floor(shown.length / 5000));
  for (let p = 0; p < shown.length && where < 24; p += step) where = Math.max(where, whereOf(events[shown[p]!]!).length);
  return { time: last ? fmtTimeFixed(last.t).length : 12, where: Math.min(24, where) };
}

/** The first position of the list's window: the cursor in the middle, the window inside the trace. */
export function windowStart(cursor: number, count: number, height: number): number {
  return Math.max(0, Math.min(cursor - Math.floor(height / 2), count - height));
}

/** The visible lines of the event list: `height` rows around the cursor, the current one marked. */
export function listLines(events: readonly TraceEvent[], shown: Int32Array, cursor: number, height: number, width: number, cols: ListColumns): Line[] {
  const start = windowStart(cursor, shown.length, height);
  const out: Line[] = [];
  for (let p = start; p < Math.min(shown.length, start + height); p++) {
    const ev = events[shown[p]!]!;
    const cur = p === cursor;
    const inv = cur ? { inverse: true } : {};
    const line: Segment[] = [
      seg(cur ? '> ' : '  ', { bold: cur, ...inv }),
      seg(fmtTimeFixed(ev.t).padStart(cols.time) + ' ', { dim: !cur, ...inv }),
      seg(KIND_LABEL[ev.kind].padEnd(8), { color: KIND_COLOR[ev.kind], bold: ev.kind === 'drop' || ev.kind === 'rewrite', ...inv }),
      seg(cut(whereOf(ev), cols.where).padEnd(cols.where + 1), inv),
      seg(summaryOf(ev), ev.kind === 'drop' ? { color: 'red', ...inv } : inv),
    ];
    out.push(fit(cur ? padTo(line, width) : line, width));
  }
  return out;
}

function cut(s: string, w: number): string {
  return s.length <= w ? s : s.slice(0, w - 1) + '…';
}

function padTo(line: Segment[], width: number): Segment[] {
  const used = line.reduce((n, s) => n + s.text.length, 0);
  if (used >= width) return line;
  const last = line[line.length - 1]!;
  return [...line.slice(0, -1), { ...last, text: last.text + ' '.repeat(width - used) }];
}

/** Options of the detail pane. */
export interface DetailOptions {
  /** Without colour, changed fields are also marked with '*' (reverse video and colour are the highlight otherwise). */
  readonly color: boolean;
  /** "node:iface" -> the label at the other end of its link. */
  readonly peers?: ReadonlyMap<string, string>;
  /** The node that made a frame, by id (see PacketPaths.originOf). */
  readonly originOf?: (frameId: number) => string | null;
  /** Show the frame's bytes as a hex dump instead of its layers. */
  readonly hex?: boolean;
  /** A line under the explanation, such as a drop's reason meaning in another language (`--lang ko`), or null for none. */
  readonly meaning?: (ev: TraceEvent) => string | null;
}

/** Every line of the detail of one event, fitted to `width` (the caller cuts them to its height). */
export function detailLines(ev: TraceEvent, width: number, opts: DetailOptions): Line[] {
  const out: Line[] = [];
  const kindColor = KIND_COLOR[ev.kind];
  out.push([
    seg(`${KIND_LABEL[ev.kind]} `, { color: kindColor, bold: true }),
    seg(`${whereOf(ev)}  at ${fmtTimeFixed(ev.t)}  (event ${ev.seq})`, { bold: true }),
  ]);
  const why = explanationOf(ev, opts.peers, opts.originOf);
  const whyStyle = ev.kind === 'drop' || ev.kind === 'rewrite' ? { color: kindColor } : {};
  for (const l of wrapWords(why, width - 2, 2)) out.push([seg(`  ${l}`, whyStyle)]);
  const meaning = opts.meaning?.(ev) ?? null;
  if (meaning) for (const l of wrapWords(meaning, width - 2, 2)) out.push([seg(`  ${l}`, whyStyle)]);
  const changes = changesOf(ev);
  if (changes) for (const l of wrapWords(`changed: ${changes}`, width - 2, 4)) out.push([seg(`  ${l}`, { color: 'yellow', bold: true })]);
  const frame = shownFrame(ev);
  if (!frame) {
    out.push([seg('  (no packet at this event)', { dim: true })]);
    return out.map((l) => fit(l, width));
  }
  const before = ev.kind === 'rewrite' ? ev.before.eth : undefined;
  if (opts.hex) return [...out, ...hexLines(frame.eth, width, { color: opts.color, before })].map((l) => fit(l, width));
  const raw = layersOf(frame.eth);
  packetLayers(frame.eth, before).forEach((layer, i) => {
    const head: Segment[] = [seg(`${layer.title}`, { bold: true, color: 'white' }), seg(`  ${layer.summary ?? summarizeLayer(raw[i]!)}`, { dim: true })];
    if (layer.added) head.push(seg('  (added by this rewrite)', { color: 'yellow' }));
    out.push(head);
    const items: Line[] = layer.fields.map((f) =>
      f.before === null
        ? [seg(`${f.name} `, { dim: true }), seg(f.value)]
        : [seg(`${opts.color ? '' : '*'}${f.name} `, { color: 'yellow', bold: true }), seg(`${f.before} -> ${f.value}`, { color: 'yellow', bold: true, inverse: opts.color })],
    );
    out.push(...pack(items, width, 2));
  });
  return out.map((l) => fit(l, width));
}

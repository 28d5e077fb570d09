/**
 * The ladder diagram of one flow: one column per node the flow touched, in
 * the order its packets reached them (the client first), time running down
 * the left, and one arrow per frame hop from the node that transmitted it
 * to the node that received it. The frame's summary is written above its
 * arrow; a NAT or LB rewrite is written on the arrow leaving the rewriting
 * node, with the fields it changed (before -> after); a drop is a `✗ code`
 * at the node where it happened, with its sentence. TCP state changes, the
 * LB's connection entries and the ARP resolutions the packets waited for
 * are notes at their node's column; quiet stretches of time are cut with
 * a "... 1.000000s later ..." line, so retries stay readable.
 *
 * L2 switches are hidden by default (an arrow then runs from the sender to
 * the node the switch delivered to); routed hops' MAC and TTL changes are
 * not drawn (every routed hop has them; `lblab run -v` shows them). The
 * output is plain text, deterministic, fitted to a width, with an ASCII
 * variant and optional colour.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { DropEvent, Frame, RewriteEvent, RxEvent, StateEvent, TraceEvent, TxEvent } from '../trace/events.js';
import { fmtIp, fmtMac } from '../wire/addr.js';
import { summarize } from '../wire/summary.js';
import { fmtDuration, fmtTime, fmtTimeFixed, MS } from '../sim/time.js';
import { diffFrames } from './diff.js';
import type { ArpWait, Flow } from './flows.js';

/** Options of the ladder renderer. */
export interface LadderOptions {
  /** Target width in columns (default 100); labels wrap to it, the columns spread over it. */
  readonly width?: number;
  /** Draw with ASCII only (`|`, `-->`, `x`) instead of box-drawing characters. */
  readonly ascii?: boolean;
  /** Colour with ANSI escapes (default false). */
  readonly color?: boolean;
  /** Show L2 switches as columns (default false: arrows skip them). */
  readonly switches?: boolean;
  /** The names of the L2 switches; inferred from the trace (nodes that only switch frames) when absent. */
  readonly switchNodes?: ReadonlySet<string>;
  /** "node:iface" -> "node:iface" at the other end of its link; inferred from link names and the trace when absent. */
  readonly peers?: ReadonlyMap<string, string>;
  /** Quiet stretches at least this long (ns) get a "... later ..." line (default 1 ms). */
  readonly gap?: number;
}

interface Glyphs {
  readonly v: string;
  readonly h: string;
  readonly fromL: string;
  readonly fromR: string;
  readonly cross: string;
  readonly headR: string;
  readonly headL: string;
  readonly drop: string;
  readonly rw: string;
  readonly gap: string;
  readonly note: string;
}

const UNICODE: Glyphs = { v: '│', h: '─', fromL: '├', fromR: '┤', cross: '┼', headR: '>', headL: '<', drop: '✗', rw: '◆', gap: '⋮', note: '•' };
const ASCII: Glyphs = { v: '|', h: '-', fromL: '+', fromR: '+', cross: '+', headR: '>', headL: '<', drop: 'x', rw: '*', gap: ':', note: 'o' };

type Style = 'arrow' | 'label' | 'rewrite' | 'drop' | 'note' | 'gap' | 'name' | null;

type Row =
  | { readonly kind: 'hop'; readonly seq: number; readonly t: number; readonly from: string; readonly to: string; readonly frame: Frame; readonly rewrites: readonly RewriteEvent[] }
  | { readonly kind: 'drop'; readonly seq: number; readonly t: number; readonly node: string; readonly ev: DropEvent; readonly via: string | null }
  | { readonly kind: 'note'; readonly seq: number; readonly t: number; readonly node: string; readonly text: string; readonly style: 'note' | 'rewrite' };

/** One line of the drawing: characters with a style each, coloured in runs at the end. */
class Line {
  readonly ch: string[];
  readonly st: Style[];

  constructor(width: number) {
    this.ch = new Array<string>(width).fill(' ');
    this.st = new Array<Style>(width).fill(null);
  }

  put(x: number, s: string, style: Style): void {
    const chars = [...s];
    for (let i = 0; i < chars.length; i++) {
      const at = x + i;
      if (at < 0) continue;
      while (at >= this.ch.length) {
        this.ch.push(' ');
        this.st.push(null);
      }
      this.ch[at] = chars[i]!;
      this.st[at] = style;
    }
  }

  render(c: ChalkInstance): string {
    let end = this.ch.length;
    while (end > 0 && this.ch[end - 1] === ' ') end--;
    let out = '';
    let i = 0;
    while (i < end) {
      const style = this.st[i]!;
      let j = i;
      while (j < end && this.st[j] === style) j++;
      out += paint(c, style, this.ch.slice(i, j).join(''));
      i = j;
    }
    return out;
  }
}

function paint(c: ChalkInstance, style: Style, s: string): string {
  switch (style) {
    case 'arrow':
      return c.cyan(s);
    case 'rewrite':
      return c.yellow(s);
    case 'drop':
      return c.red(s);
    case 'note':
    case 'gap':
      return c.dim(s);
    case 'name':
      return c.bold(s);
    default:
      return s;
  }
}

/** Splits text into lines of at most `w` characters, at spaces where it can. */
function wrap(text: string, w: number): string[] {
  const out: string[] = [];
  let rest = text;
  const max = Math.max(8, w);
  while ([...rest].length > max) {
    let cut = rest.lastIndexOf(' ', max);
    if (cut <= 0) cut = max;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^ /, '');
  }
  out.push(rest);
  return out;
}

/** Which nodes only switch frames (never route, deliver or rewrite them): the L2 switches. */
function inferSwitches(events: readonly TraceEvent[]): Set<string> {
  const l2 = new Set<string>();
  const l3 = new Set<string>();
  for (const e of events) {
    if (e.kind === 'forward') (e.how === 'route' ? l3 : l2).add(e.node);
    else if (e.kind === 'deliver' || e.kind === 'rewrite') l3.add(e.node);
  }
  for (const n of l3) l2.delete(n);
  return l2;
}

/** The state change a TCP state event describes, without the node and connection that the column already says. */
function stateNote(ev: StateEvent): string {
  const c = ev.change;
  if (c.what === 'tcp') {
    const why = /\((.*)\)$/.exec(ev.text)?.[1];
    return `${c.from} -> ${c.to}${why ? ` (${why})` : ''}`;
  }
  const t = ev.text;
  return t.startsWith(ev.node) ? t.slice(ev.node.length).replace(/^:?\s*/, '') : t;
}

function arpNote(a: ArpWait): string {
  const took = fmtDuration(a.end - a.start);
  return a.mac !== null
    ? `waits for ARP: ${fmtIp(a.ip)} is-at ${fmtMac(a.mac)} after ${took}`
    : `waits for ARP: ${fmtIp(a.ip)} unanswered after ${a.requests} request${a.requests === 1 ? '' : 's'} (${took})`;
}

/**
 * The fields a rewrite changed, checksums summarised: "lb-dnat: ip.dst
 * 10.0.1.100 -> 10.0.1.11, checksums updated". A rewrite that leaves the
 * headers alone and only picks the next hop (DSR) is shown by the MAC
 * addresses of the frame it sent, `sent`, when there is one.
 */
export function rewriteText(ev: RewriteEvent, sent?: Frame): string {
  const cs = diffFrames(ev.before.eth, ev.after.eth);
  const main = cs.filter((c) => !c.field.endsWith('.checksum'));
  const sums = cs.length - main.length;
  if (main.length === 0 && sent) {
    const l2 = diffFrames(ev.before.eth, sent.eth).filter((c) => c.field.startsWith('eth.'));
    if (l2.length) return `${ev.code}: ${l2.map((c) => `${c.field} ${c.before} -> ${c.after}`).join(', ')} (the IP packet unchanged)`;
  }
  const body = main.map((c) => `${c.field} ${c.before} -> ${c.after}`).join(', ');
  return `${ev.code}: ${body || 'no header change'}${sums ? ', checksums updated' : ''}`;
}

/** Builds the rows of the ladder from the flow's events. */
function buildRows(flow: Flow, opts: LadderOptions): Row[] {
  const evs = flow.events;
  const switches = opts.switchNodes ?? inferSwitches(evs);
  const hidden = (node: string): boolean => !opts.switches && switches.has(node);
  const txOf = new Map<number, TxEvent[]>();
  const rxOf = new Map<number, RxEvent[]>();
  const parentOf = new Map<number, number>();
  const rxAt = new Set<string>();
  const notForMe = new Set<string>();
  const rewriteOf = new Map<number, RewriteEvent>();
  for (const e of evs) {
    if (e.kind === 'tx') push(txOf, e.frame.id, e);
    else if (e.kind === 'rx') {
      push(rxOf, e.frame.id, e);
      rxAt.add(`${e.node}|${e.frame.id}`);
    } else if (e.kind === 'drop' && e.frame && e.code === 'not-for-me') notForMe.add(`${e.node}|${e.frame.id}|${e.t}`);
    else if (e.kind === 'rewrite') rewriteOf.set(e.after.id, e);
    if (e.kind !== 'state') {
      for (const f of e.kind === 'rewrite' ? [e.before, e.after] : e.frame ? [e.frame] : []) parentOf.set(f.id, f.parent);
    }
  }
  const usedRx = new Set<RxEvent>();
  const usedTx = new Set<TxEvent>();

  const peerOf = (tx: TxEvent): string | null => {
    const from = `${tx.node}:${tx.iface}`;
    const p = opts.peers?.get(from);
    if (p) return p;
    // Links are named "a-b" after their ends unless a scenario names them.
    if (tx.link.startsWith(`${from}-`)) return tx.link.slice(from.length + 1);
    if (tx.link.endsWith(`-${from}`)) return tx.link.slice(0, -from.length - 1);
    return null;
  };
  const rxFor = (tx: TxEvent): RxEvent | null => {
    const peer = peerOf(tx);
    for (const rx of rxOf.get(tx.frame.id) ?? []) {
      if (usedRx.has(rx) || rx.seq < tx.seq) continue;
      if (peer ? `${rx.node}:${rx.iface}` === peer : rx.node !== tx.node) {
        usedRx.add(rx);
        return rx;
      }
    }
    return null;
  };
  // Where a transmission ends up: through hidden switches, to the nodes that took the frame in.
  const reach = (tx: TxEvent, depth: number): string[] => {
    const rx = rxFor(tx);
    if (!rx) {
      const peer = peerOf(tx);
      const node = peer ? peer.slice(0, peer.indexOf(':')) : null;
      return node && !hidden(node) ? [node] : [];
    }
    if (hidden(rx.node) && depth < 16) {
      const onward = (txOf.get(tx.frame.id) ?? []).filter((o) => o.node === rx.node && o.seq > rx.seq && o.t === rx.t && !usedTx.has(o));
      return onward.flatMap((o) => {
        usedTx.add(o);
        return reach(o, depth + 1);
      });
    }
    return notForMe.has(`${rx.node}|${rx.frame.id}|${rx.t}`) ? [] : [rx.node];
  };

  const rows: Row[] = [];
  const lastSender = new Map<number, string>();
  const used = new Set<RewriteEvent>();
  for (const e of evs) {
    switch (e.kind) {
      case 'tx': {
        if (usedTx.has(e) || hidden(e.node)) break;
        usedTx.add(e);
        lastSender.set(e.frame.id, e.node);
        // The rewrites made at this node on the way from the frame it received to the frame it sends.
        const rws: RewriteEvent[] = [];
        let id = e.frame.id;
        for (let i = 0; i < 16 && id !== 0; i++) {
          const rw = rewriteOf.get(id);
          if (rw && rw.node === e.node && !used.has(rw)) {
            rws.unshift(rw);
            used.add(rw);
          }
          if (rxAt.has(`${e.node}|${id}`)) break;
          id = parentOf.get(id) ?? 0;
        }
        for (const to of reach(e, 0)) rows.push({ kind: 'hop', seq: e.seq, t: e.t, from: e.node, to, frame: e.frame, rewrites: rws });
        break;
      }
      case 'drop': {
        if (e.code === 'not-for-me') break;
        if (!hidden(e.node)) rows.push({ kind: 'drop', seq: e.seq, t: e.t, node: e.node, ev: e, via: null });
        else {
          const at = e.frame ? lastSender.get(e.frame.id) : undefined;
          if (at) rows.push({ kind: 'drop', seq: e.seq, t: e.t, node: at, ev: e, via: e.node });
        }
        break;
      }
      case 'state':
        if (!hidden(e.node)) rows.push({ kind: 'note', seq: e.seq, t: e.t, node: e.node, text: stateNote(e), style: 'note' });
        break;
      default:
        break;
    }
  }
  // A rewrite whose packet never left the node (dropped there) is shown where it happened.
  for (const e of evs) {
    if (e.kind === 'rewrite' && !used.has(e)) rows.push({ kind: 'note', seq: e.seq, t: e.t, node: e.node, text: rewriteText(e), style: 'rewrite' });
  }
  for (const a of flow.arp) {
    if (!hidden(a.node)) rows.push({ kind: 'note', seq: a.seq, t: a.start, node: a.node, text: arpNote(a), style: 'note' });
  }
  return rows.sort((a, b) => a.seq - b.seq);
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** Renders one flow as a ladder diagram (see the module comment). */
export function renderLadder(flow: Flow, opts: LadderOptions = {}): string {
  const width = opts.width ?? 100;
  const g = opts.ascii ? ASCII : UNICODE;
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const gapNs = opts.gap ?? MS;
  const rows = buildRows(flow, opts);

  // Columns in the order the flow reached them, the client first.
  const order: string[] = [flow.client];
  const add = (n: string): void => {
    if (!order.includes(n)) order.push(n);
  };
  for (const r of rows) {
    if (r.kind === 'hop') {
      add(r.from);
      add(r.to);
    } else add(r.node);
  }
  const timeW = Math.max(12, ...rows.map((r) => fmtTimeFixed(r.t).length)) + 2;
  const nameW = Math.max(...order.map((n) => n.length));
  const first = timeW + Math.max(1, Math.ceil(order[0]!.length / 2));
  const lastHalf = Math.ceil(order[order.length - 1]!.length / 2);
  const minStep = Math.max(8, nameW + 2);
  const step = order.length > 1 ? Math.max(minStep, Math.min(28, Math.floor((width - first - lastHalf - 1) / (order.length - 1)))) : 0;
  const col = new Map(order.map((n, i) => [n, first + i * step]));
  const xs = [...col.values()];
  const canvasW = Math.max(width, xs[xs.length - 1]! + lastHalf + 1);

  const lines: string[] = [];
  const emit = (l: Line): void => {
    lines.push(l.render(c));
  };
  const base = (time: string | null, glyph = g.v, style: Style = null): Line => {
    const l = new Line(canvasW);
    if (time) l.put(timeW - 1 - time.length, time, null);
    for (const x of xs) l.put(x, glyph, style);
    return l;
  };
  const minStart = xs[0]! + 2;
  /**
   * Writes text beside a column: to its right when it fits, else (for a
   * note) to its left, else wrapped on whichever side has room. A note that
   * cannot stay beside its column names its node.
   */
  const text = (time: string | null, x: number, s: string, style: Style, mark: { glyph: string; style: Style } | null, node: string | null): void => {
    const len = [...s].length;
    let start = x + 2;
    let parts = [s];
    if (start + len > width) {
      const right = width - start;
      const left = x - 2 - minStart;
      if (node !== null && len <= left) start = x - 2 - len;
      else if (node === null && len <= width - minStart) start = width - len;
      else if (node === null ? right >= 48 : right >= 24 && right >= left) parts = wrap(s, right);
      else if (node !== null && left >= 24) {
        parts = wrap(s, left);
        start = x - 2 - Math.max(...parts.map((p) => [...p].length));
      } else {
        start = minStart;
        parts = wrap(node !== null ? `${node}: ${s}` : s, width - start);
      }
    }
    // When the text has to run over its own column, the mark gets a line of its own first.
    if (mark && start <= x && x < start + [...parts[0]!].length) {
      const l = base(time);
      l.put(x, mark.glyph, mark.style);
      emit(l);
      time = null;
      mark = null;
    }
    parts.forEach((p, i) => {
      const l = base(i === 0 ? time : null);
      if (mark && i === 0) l.put(x, mark.glyph, mark.style);
      l.put(start, p, style);
      emit(l);
    });
  };

  for (const line of wrap(`flow ${flow.n}: ${flow.description}`, width)) lines.push(c.bold(line));
  lines.push('');
  const names = new Line(canvasW);
  for (const n of order) names.put(col.get(n)! - Math.floor((n.length - 1) / 2), n, 'name');
  emit(names);

  let prevT: number | null = null;
  let prevHop: Extract<Row, { kind: 'hop' }> | null = null;
  for (const r of rows) {
    if (prevT !== null && r.t - prevT >= gapNs) {
      const l = base(null, g.gap, 'gap');
      l.put(xs[0]! + 2, `... ${fmtTime(r.t - prevT)} later ...`, 'gap');
      emit(l);
    } else if (prevT === null) emit(base(null));
    let time: string | null = r.t !== prevT ? fmtTimeFixed(r.t) : null;
    prevT = r.t;
    if (r.kind === 'hop') {
      const x1 = col.get(r.from)!;
      const x2 = col.get(r.to)!;
      const summary = summarize(r.frame.eth);
      // A frame carried on unchanged from the previous arrow's end needs no second label.
      const same =
        prevHop !== null &&
        prevHop.to === r.from &&
        r.rewrites.length === 0 &&
        (prevHop.frame.id === r.frame.id || prevHop.frame.id === r.frame.parent) &&
        summarize(prevHop.frame.eth) === summary;
      const anchor = Math.min(x1, x2) + 2;
      if (!same) {
        text(time, anchor - 2, summary, 'label', null, null);
        time = null;
      }
      for (const rw of r.rewrites) {
        text(time, anchor - 2, rewriteText(rw, r.frame), 'rewrite', null, null);
        time = null;
      }
      const l = base(time);
      if (x1 === x2) l.put(x1 + 1, `${g.h}${g.h}${g.headL} (back to itself)`, 'arrow');
      else {
        const lo = Math.min(x1, x2);
        const hi = Math.max(x1, x2);
        for (let x = lo + 1; x < hi; x++) l.put(x, xs.includes(x) ? g.cross : g.h, 'arrow');
        if (x2 > x1) {
          l.put(x1, g.fromL, 'arrow');
          l.put(x2 - 1, g.headR, 'arrow');
        } else {
          l.put(x1, g.fromR, 'arrow');
          l.put(x2 + 1, g.headL, 'arrow');
        }
        const code = r.rewrites.length ? ` ${r.rewrites.map((w) => w.code).join(', ')} ` : '';
        if (code && hi - lo - 3 >= code.length) l.put(lo + 2 + Math.floor((hi - lo - 3 - code.length) / 2), code, 'rewrite');
      }
      emit(l);
      prevHop = r;
      continue;
    }
    prevHop = null;
    const x = col.get(r.node)!;
    if (r.kind === 'drop') {
      const where = r.via ? `at ${r.via}: ` : '';
      text(time, x, `${r.ev.code}: ${where}${r.ev.text}`, 'drop', { glyph: g.drop, style: 'drop' }, r.node);
    } else if (r.style === 'rewrite') {
      text(time, x, r.text, 'rewrite', { glyph: g.rw, style: 'rewrite' }, r.node);
    } else {
      text(time, x, r.text, 'note', { glyph: g.note, style: 'note' }, r.node);
    }
  }
  emit(base(null));
  return lines.join('\n') + '\n';
}

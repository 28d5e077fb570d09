/**
 * Hop lines: one line of text per interesting trace event, the printed
 * form of a run. Transmissions show where a frame goes and what it is;
 * rewrites show the fields before -> after; drops show their reason code
 * and sentence; deliveries and state changes (ARP, MAC tables, routes,
 * links, TCP states) say what changed. Receptions and plain forwards are
 * implied by the next transmission and shown only in verbose mode.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { TraceEvent } from '../trace/events.js';
import { fmtTimeFixed } from '../sim/time.js';
import { summarize } from '../wire/summary.js';
import { printable } from '../sim/printable.js';
import { fmtMac } from '../wire/addr.js';
import { diffFrames, fmtChanges } from './diff.js';

/** Options of the hop-line renderer. */
export interface HopLineOptions {
  /** Colour the output (default true; pass false for NO_COLOR or pipes). */
  readonly color?: boolean;
  /** Also show receptions and forwards. */
  readonly verbose?: boolean;
  /** "node:iface" -> the label of the interface at the other end of its link, to show where a frame goes. */
  readonly peers?: ReadonlyMap<string, string>;
  /** Also show the Ethernet addresses of IP frames (ARP lines always show them). */
  readonly macs?: boolean;
}

/** Renders trace events as hop lines. */
export class HopLines {
  private readonly c: ChalkInstance;

  /** Creates a renderer. */
  constructor(private readonly opts: HopLineOptions = {}) {
    this.c = new Chalk({ level: opts.color === false ? 0 : 1 });
  }

  /** The line for one event, or null when the event is not shown at this verbosity. */
  line(ev: TraceEvent): string | null {
    const c = this.c;
    const t = c.dim(fmtTimeFixed(ev.t).padStart(13));
    switch (ev.kind) {
      case 'tx': {
        const from = `${ev.node}:${ev.iface}`;
        const to = this.opts.peers?.get(from);
        const where = to ? `${from} -> ${to}` : `${from} -> ${ev.link}`;
        const eth = ev.frame.eth;
        const l2 = this.opts.macs && eth.payload.kind !== 'arp' ? `${fmtMac(eth.src)} > ${fmtMac(eth.dst)} ` : '';
        return `${t}  ${c.cyan(where.padEnd(28))} ${c.dim(l2)}${summarize(eth)}`;
      }
      case 'rx':
        return this.opts.verbose ? `${t}  ${c.dim(`${ev.node}:${ev.iface} <-`.padEnd(28))} ${c.dim(summarize(ev.frame.eth))}` : null;
      case 'forward':
        return this.opts.verbose ? `${t}  ${c.dim(`${ev.node} ${ev.how} ${ev.inIface}->${ev.outIface}`.padEnd(28))} ${c.dim(`frame #${ev.frame.id} from #${ev.frame.parent}`)}` : null;
      case 'rewrite': {
        const changes = fmtChanges(diffFrames(ev.before.eth, ev.after.eth));
        return `${t}  ${c.yellow(`REWRITE ${ev.node}`.padEnd(28))} ${c.yellow(ev.code)}: ${printable(ev.text)}${changes ? `\n${' '.repeat(44)}${c.yellow(changes)}` : ''}`;
      }
      case 'deliver':
        return `${t}  ${c.green(`DELIVER ${ev.node}`.padEnd(28))} ${ev.to}`;
      case 'drop':
        if (!this.opts.verbose && ev.code === 'not-for-me') return null; // flooded frames other hosts ignore
        return `${t}  ${c.red(`DROP ${ev.node}${ev.iface ? `:${ev.iface}` : ''}`.padEnd(28))} ${c.red(ev.code)}: ${printable(ev.text)}`;
      case 'state':
        return `${t}  ${c.magenta(`STATE ${ev.node}`.padEnd(28))} ${c.dim(printable(ev.text))}`;
    }
  }
}

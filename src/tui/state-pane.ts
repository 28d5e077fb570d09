/**
 * The state pane: what one node holds at the current event, rebuilt from
 * the trace (src/view/state.ts), in the words of the Linux tools that show
 * it where lblab has the same facts: addresses (`ip addr`), routes (`ip
 * route`), the ARP cache (`ip neigh`), a switch's MAC table (`bridge
 * fdb`); and TCP sockets, NAT entries, a load balancer's servers with their
 * health, its connection table and persistence entries, VRRP instances and
 * a resolver's cache. The row the
 * current event changed is highlighted (`*` without colour), and the rows
 * about the current packet (its LB connection, its socket, its NAT entry)
 * are marked `›`. Tables that change as packets flow
 * come first and the configuration (addresses, routes) last, so a short
 * pane at 80x24 shows what moves.
 */
import type { StateEvent, TraceEvent } from '../trace/events.js';
import { fmtTimeFixed } from '../sim/time.js';
import { fmtIp, fmtMac } from '../wire/addr.js';
import { tupleOf } from '../view/flows.js';
import { rowOf, type NodeState, type StateTimeline } from '../view/state.js';
import { framesOf } from '../trace/events.js';
import { fit, seg, wrapWords, type Line } from './segments.js';

/** Options of the state pane. */
export interface StatePaneOptions {
  readonly color: boolean;
  /** True when the node was picked with `s` (false: it follows the current event). */
  readonly picked: boolean;
  /** Rows a section shows before saying how many more it has. */
  readonly maxRows?: number;
}

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);
/** Nanoseconds as whole seconds when they are, else to the millisecond ("30s", "29.5s"). */
const fmtSeconds = (ns: number): string => `${Number((ns / 1e9).toFixed(3))}s`;
const fmtPrefix = (p: number, len: number): string => (len === 0 ? 'default' : `${fmtIp(p)}/${len}`);

/** One table of the pane: a title and its rows, each with the key of the entry it shows. */
interface Section {
  readonly title: string;
  readonly table: keyof NodeState;
  readonly rows: readonly { readonly key: string; readonly text: string }[];
}

function sections(s: NodeState, now: number): Section[] {
  const out: Section[] = [];
  const add = <T>(title: string, table: keyof NodeState, m: Map<string, T>, order: (a: T, b: T) => number, text: (r: T, key: string) => string): void => {
    if (m.size === 0) return;
    const rows = [...m].sort((a, b) => order(a[1], b[1]) || cmp(a[0], b[0])).map(([key, r]) => ({ key, text: text(r, key) }));
    out.push({ title, table, rows });
  };
  add('Down', 'down', s.down, () => 0, (what, name) => `${what} ${name} is down`);
  add('LB servers', 'servers', s.servers, () => 0, (r) =>
    `${r.service} ${r.server} ${r.state} weight ${r.weight}` + (r.health === null ? '' : ` health ${r.health.toUpperCase()}${r.check ? ` (${r.check}${r.reason ? `: ${r.reason}` : ''})` : ''}`),
  );
  add('LB connections', 'conns', s.conns, (a, b) => cmp(a.service, b.service) || cmp(a.client, b.client), (c) => `${c.service} ${c.client} -> ${c.server} ${c.state}`);
  add('Persistence', 'persist', s.persist, (a, b) => cmp(a.service, b.service) || cmp(a.key, b.key), (p) => `${p.service} ${p.key} -> ${p.server}`);
  add('VRRP', 'vrrp', s.vrrp, (a, b) => a.vrid - b.vrid, (v) => `vrid ${v.vrid} on ${v.iface} ${v.state.toUpperCase()} priority ${v.priority}`);
  add('DNS cache', 'dns', s.dns, () => 0, (d) => {
    const ttl = d.ttl < 0 ? 'kept forever' : `ttl ${fmtSeconds(d.ttl)}`;
    const left = d.ttl < 0 || d.since < 0 ? '' : `, ${fmtSeconds(Math.max(0, d.ttl - (now - d.since)))} left`;
    return `${d.name} -> ${d.addrs.map(fmtIp).join(' ') || '(no address)'} ${ttl}${left}`;
  });
  add('NAT (conntrack)', 'nat', s.nat, () => 0, (k) => k);
  add('ARP cache (ip neigh)', 'arp', s.arp, (a, b) => cmp(a.iface, b.iface) || a.ip - b.ip, (n) => `${fmtIp(n.ip)} dev ${n.iface}${n.mac !== null ? ` lladdr ${fmtMac(n.mac)}` : ''} ${n.state.toUpperCase()}`);
  add('MAC table (bridge fdb)', 'macs', s.macs, (a, b) => a.vlan - b.vlan || a.mac - b.mac, (m) => `${fmtMac(m.mac)} dev ${m.port} vlan ${m.vlan}`);
  // ss prints the state first; the key is the connection's name.
  add('TCP sockets', 'tcp', s.tcp, () => 0, (st, conn) => `${st.padEnd(12)} ${conn}`);
  add('Addresses (ip addr)', 'addrs', s.addrs, (a, b) => cmp(a.iface, b.iface), (a) => `${a.iface.padEnd(5)} ${fmtIp(a.addr)}/${a.len}`);
  add('Routes (ip route)', 'routes', s.routes, (a, b) => b.len - a.len || cmp(a.prefix, b.prefix), (r) => `${fmtPrefix(r.prefix, r.len)}${r.via !== null ? ` via ${fmtIp(r.via)}` : ''} dev ${r.iface}`);
  return out;
}

/** The "ip:port" pairs of the packets an event is about (both frames of a rewrite; a tunnel's inner packet). */
function endpointsOf(ev: TraceEvent): [string, string][] {
  const out: [string, string][] = [];
  for (const f of framesOf(ev)) {
    const t = tupleOf(f.eth);
    if (t && (t.proto === 'tcp' || t.proto === 'udp')) out.push([`${fmtIp(t.src)}:${t.sport}`, `${fmtIp(t.dst)}:${t.dport}`]);
  }
  return out;
}

const has = (text: string, endpoint: string): boolean => {
  const i = text.indexOf(endpoint);
  return i >= 0 && !/[0-9]/.test(text.charAt(i + endpoint.length)) && !/[0-9.]/.test(text.charAt(i - 1));
};

/**
 * Whether a row is about the current packet: an LB connection whose client
 * is one of its ends, or a socket or NAT entry that names both its ends
 * (so a server's other connections to the same port are not marked).
 */
function related(table: keyof NodeState, text: string, ends: readonly [string, string][]): boolean {
  if (table === 'conns') return ends.some(([a, b]) => has(text, a) || has(text, b));
  if (table === 'tcp' || table === 'nat') return ends.some(([a, b]) => has(text, a) && has(text, b));
  return false;
}

/** The lines of the state pane for `node` at trace index `index`. */
export function statePaneLines(timeline: StateTimeline, node: string, index: number, ev: TraceEvent, width: number, opts: StatePaneOptions): Line[] {
  const { state } = timeline.nodeAt(node, index);
  const maxRows = opts.maxRows ?? 12;
  const out: Line[] = [
    [
      seg(`State of ${node}`, { bold: true }),
      seg(` after event ${ev.seq} at ${fmtTimeFixed(ev.t)}`),
      seg(opts.picked ? '  (picked; s S: other nodes)' : '  (follows the event; s: pick)', { dim: true }),
    ],
  ];
  const here = ev.kind === 'state' && ev.node === node ? (ev as StateEvent) : null;
  const touched = here ? rowOf(here.change) : null;
  if (here && here.change.what !== 'note') for (const l of wrapWords(`this event: ${here.text}`, width - 2, 4)) out.push([seg(`  ${l}`, { color: 'magenta' })]);
  const secs = sections(state, ev.t);
  const ends = endpointsOf(ev);
  if (secs.length === 0) {
    out.push([seg('  Nothing yet: no address, route, cache entry or table entry at this instant.', { dim: true })]);
    return out.map((l) => fit(l, width));
  }
  for (const sec of secs) {
    out.push([seg(sec.title, { bold: true, color: 'white' }), seg(`  ${sec.rows.length}`, { dim: true })]);
    const hit = touched && touched.table === sec.table ? touched.key : null;
    let rows = sec.rows;
    // Keep the changed row on screen even in a long table.
    if (rows.length > maxRows) {
      const at = hit === null ? -1 : rows.findIndex((r) => r.key === hit);
      const start = at < 0 ? 0 : Math.max(0, Math.min(at - Math.floor(maxRows / 2), rows.length - maxRows + 1));
      rows = rows.slice(start, start + maxRows - 1);
    }
    for (const r of rows) {
      if (r.key === hit) out.push([seg(opts.color ? '  ' : ' *'), seg(r.text, { color: 'yellow', bold: true, inverse: opts.color })]);
      else if (ends.length && related(sec.table, r.text, ends)) out.push([seg(' ›', { color: 'cyan', bold: true }), seg(r.text, { color: 'cyan' })]);
      else out.push([seg(`  ${r.text}`)]);
    }
    if (rows.length < sec.rows.length) out.push([seg(`  … ${sec.rows.length - rows.length} more`, { dim: true })]);
  }
  return out.map((l) => fit(l, width));
}

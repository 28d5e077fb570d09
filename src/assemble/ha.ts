/**
 * The active/standby part of a built scenario: the VRRP instance and the
 * IPVS sync daemon of every lb with a `vrrp:` block, the timeline actions
 * that concern them (a node failing or coming back, VRRP stopped or
 * started gracefully), and the lines `lblab run` prints about them at the
 * end: each LB's VRRP state, every takeover with its time and reason, the
 * gratuitous ARPs sent, and for each takeover the failover gap the clients
 * saw and the client frames lost in it.
 */
import { fmtIp } from '../wire/addr.js';
import type { Network } from '../net/network.js';
import { LoadBalancer } from '../lb/node.js';
import { VrrpInstance } from '../lb/vrrp.js';
import { ConnSync } from '../lb/conn-sync.js';
import { fmtDuration, fmtTime } from '../sim/time.js';
import type { TraceEvent } from '../trace/events.js';
import type { LbSpec, Scenario } from '../scenario/types.js';
import type { HttpClient } from '../apps/http-client.js';

/** The HA machinery of one LB. */
export interface HaNode {
  readonly lb: LoadBalancer;
  readonly vrrp: VrrpInstance;
  readonly sync: ConnSync | null;
}

/** The HA side of a built network, and the drops of client frames (to or from a virtual address) with their times. */
interface HaState {
  readonly nodes: HaNode[];
  /** Times and frame ids of dropped client frames (a flooded frame dropped by several hosts is one frame). */
  readonly lost: { readonly t: number; readonly id: number }[];
}

const byNet = new WeakMap<Network, HaState>();

/** Marks the virtual addresses of every VRRP lb as floating, before its services are added (they must not add the VIP themselves). */
export function prepareHa(net: Network, sc: Scenario): void {
  for (const spec of sc.nodes) {
    if (spec.kind !== 'lb' || !spec.vrrp) continue;
    const lb = net.node(spec.name) as LoadBalancer;
    for (const a of spec.vrrp.addresses) lb.floating.add(a.addr);
  }
}

/** Starts the VRRP instances and sync daemons (RFC 5798 6.4.1: every instance begins in Initialize). Throws Error with a sentence on a bad configuration. */
export function startHa(net: Network, sc: Scenario): void {
  const nodes: HaNode[] = [];
  for (const spec of sc.nodes) {
    if (spec.kind !== 'lb' || !spec.vrrp) continue;
    nodes.push(haNode(net, spec));
  }
  if (nodes.length === 0) return;
  const vips = new Set(nodes.flatMap((n) => n.vrrp.addresses()));
  const state: HaState = { nodes, lost: [] };
  byNet.set(net, state);
  // The report counts client frames dropped in a failover gap: a listener that keeps only their times.
  net.trace.listen((ev: TraceEvent) => {
    if (ev.kind !== 'drop' || !ev.frame) return;
    const p = ev.frame.eth.payload;
    if (p.kind === 'ipv4' && (vips.has(p.src) || vips.has(p.dst)) && p.payload.kind !== 'vrrp') state.lost.push({ t: ev.t, id: ev.frame.id });
  });
  // Started by an event at time 0, not here: the readers (hop lines, the grader's recorder) attach after the build.
  net.sim.post(0, { label: 'vrrp start', onEvent: () => nodes.forEach((n) => n.vrrp.start()), kindName: () => 'VRRP start' }, 0);
}

function haNode(net: Network, spec: LbSpec): HaNode {
  const lb = net.node(spec.name) as LoadBalancer;
  const v = spec.vrrp!;
  const vrrp = new VrrpInstance(lb, {
    vrid: v.vrid,
    priority: v.priority,
    interval: v.interval,
    preempt: v.preempt,
    vmac: v.vmac,
    iface: v.iface,
    addresses: v.addresses,
    garpRepeat: v.garpRepeat,
    garpDelay: v.garpDelay,
  });
  lb.linkHook = (iface, up) => vrrp.linkChanged(iface, up);
  let sync: ConnSync | null = null;
  if (spec.sync) {
    sync = new ConnSync(lb, { iface: spec.sync.iface, syncid: spec.sync.syncid });
    vrrp.listeners.push(sync);
  }
  return { lb, vrrp, sync };
}

/** The HA machinery of a built network (empty when no lb runs VRRP). */
export function haNodes(net: Network): readonly HaNode[] {
  return byNet.get(net)?.nodes ?? [];
}

/** A node failed or came back (timeline fail / restore): its VRRP instance dies or restarts with it. */
export function haPower(net: Network, node: string, up: boolean): void {
  for (const n of haNodes(net)) if (n.lb.name === node) n.vrrp.power(up);
}

/** Timeline vrrp_stop / vrrp_start. */
export function haVrrp(net: Network, node: string, start: boolean): void {
  for (const n of haNodes(net)) {
    if (n.lb.name !== node) continue;
    if (start) n.vrrp.start('is started again');
    else n.vrrp.stop();
  }
}

/** One takeover: a backup (or a restarted node) becoming master after the first election. */
export interface Takeover {
  readonly t: number;
  readonly node: string;
  readonly why: string;
  /** The time without a completed client request around it: from the last completion before to the first after (null without a completion on both sides). */
  readonly gap: { readonly from: number; readonly to: number } | null;
  /** Distinct client frames (to or from a virtual address) dropped within the gap. */
  readonly lost: number;
}

/** Every takeover after the first election, with its gap and lost frames. */
export function takeovers(net: Network, clients: readonly HttpClient[]): Takeover[] {
  const st = byNet.get(net);
  if (!st) return [];
  const masters = st.nodes.flatMap((n) => n.vrrp.history.filter((h) => h.state === 'master').map((h) => ({ ...h, node: n.lb.name })));
  masters.sort((a, b) => a.t - b.t);
  const done = clients.flatMap((c) => c.results.filter((r) => r.outcome === 'completed').map((r) => r.doneAt)).sort((a, b) => a - b);
  return masters.slice(1).map((m) => {
    let gap: Takeover['gap'] = null;
    let before = -1;
    let after = -1;
    for (const d of done) {
      if (d <= m.t) before = d;
      else if (after < 0) after = d;
    }
    if (before >= 0 && after >= 0) gap = { from: before, to: after };
    const lost = gap ? new Set(st.lost.filter((x) => x.t >= gap!.from && x.t <= gap!.to).map((x) => x.id)).size : 0;
    return { t: m.t, node: m.node, why: m.why, gap, lost };
  });
}

/** The lines `lblab run` prints about VRRP and sync after a run (nothing when no lb runs VRRP). */
export function haReport(net: Network, clients: readonly HttpClient[]): string[] {
  const nodes = haNodes(net);
  if (nodes.length === 0) return [];
  const out: string[] = ['VRRP:'];
  for (const n of nodes) {
    const v = n.vrrp;
    const masterFor = v.history.filter((h) => h.state === 'master').length;
    const sync = n.sync ? `; sync ${n.sync.role}: ${n.sync.stats.messagesSent} messages (${n.sync.stats.connsSent} connections) sent, ${n.sync.stats.connsInstalled} connections installed` : '';
    out.push(`  ${n.lb.name} vrid ${v.cfg.vrid} priority ${v.priority}${v.preempt ? '' : ' (no preempt)'}: ${v.state.toUpperCase()} at the end; master ${masterFor} time${masterFor === 1 ? '' : 's'}, ${v.stats.adverts} advertisements, ${v.stats.garps} gratuitous ARPs${sync}`);
  }
  const end = net.sim.now;
  const masters = nodes.filter((n) => n.vrrp.state === 'master');
  if (masters.length > 1) out.push(`  split brain: ${masters.map((n) => n.lb.name).join(' and ')} are both master at ${fmtTime(end)}, each holding ${nodes[0]!.vrrp.addresses().map(fmtIp).join(', ')}`);
  const hist = nodes.flatMap((n) => n.vrrp.history.map((h) => ({ ...h, node: n.lb.name })));
  hist.sort((a, b) => a.t - b.t); // stable: same-time changes keep node order
  const w = Math.max(0, ...hist.map((h) => fmtTime(h.t).length));
  for (const h of hist) out.push(`  ${fmtTime(h.t).padStart(w)}  ${h.node} ${h.state.toUpperCase()}: ${h.why}`);
  for (const k of takeovers(net, clients)) {
    const gap = k.gap ? `clients had no completed request for ${fmtDuration(k.gap.to - k.gap.from)} (${fmtTime(k.gap.from)} to ${fmtTime(k.gap.to)}), ${k.lost} client frame${k.lost === 1 ? '' : 's'} lost` : 'no completed client request on both sides of it to measure a gap';
    out.push(`  takeover at ${fmtTime(k.t)} by ${k.node}: ${gap}`);
  }
  return out;
}

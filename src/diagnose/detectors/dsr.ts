/**
 * Detectors 3 and 4, the two classic direct-server-return mistakes.
 *
 * ARP: in DSR (and IP-in-IP) every server holds the VIP on its loopback.
 * Linux answers ARP for any local address on any interface by default
 * (arp_ignore=0, net/ipv4/arp.c arp_ignore()), and may use the VIP as the
 * source of its own ARP requests (arp_announce=0), so a server claims the
 * VIP on the LAN and the router sends clients straight to it: the LB never
 * balances. The fix is arp_ignore=1 and arp_announce=2 on every server.
 *
 * Source MAC: an LB that re-sends the request with the router's source MAC
 * (keep_source_mac) makes the switch learn the router's MAC on the LB's
 * port, so the servers' replies to the router are switched to the LB, which
 * drops them (not-for-me). The fix is to re-send from the LB's own MAC.
 */
import type { TraceEvent } from '../../trace/events.js';
import type { Scenario, ServiceSpec } from '../../scenario/types.js';
import { fmtIp, fmtMac } from '../../wire/addr.js';
import { eventEvidence, type Evidence } from '../../view/evidence.js';
import { MAX_FINDING_EVIDENCE, type Detector, type DetectorRun, type Finding, type FixChange } from '../types.js';
import { ipNodes, services, sysctlOf } from '../facts.js';

/** The id of the DSR ARP finding. */
export const DSR_ARP = 'dsr-arp-unsuppressed';
/** The id of the DSR source-MAC finding. */
export const DSR_MAC = 'dsr-keep-source-mac';

const ARP_IGNORE = 'net.ipv4.conf.all.arp_ignore';
const ARP_ANNOUNCE = 'net.ipv4.conf.all.arp_announce';

/** A server of a DSR or tunnel service answering (or announcing) ARP for the VIP. */
export const dsrArpDetector: Detector = {
  id: DSR_ARP,
  ids: [DSR_ARP],
  title: 'DSR servers answer ARP for the VIP',
  severity: 'error',
  looksFor: 'an ARP reply or request with the VIP of a DSR or tunnel service as its sender address, sent by a node that is not the LB',
  start(sc: Scenario): DetectorRun {
    const vips = new Map<number, ServiceSpec>();
    for (const s of services(sc)) if (s.mode === 'dsr' || s.mode === 'tunnel') vips.set(s.vip, s);
    // Only a real server claims the VIP by mistake: switches transmit the frames they forward, and the LBs
    // (VRRP pairs included) own it.
    const hosts = new Set(ipNodes(sc).filter((n) => n.kind !== 'lb').map((n) => n.name));
    const found = new Map<string, { svc: ServiceSpec; nodes: Set<string>; evidence: Evidence[] }>();
    return {
      onEvent(ev: TraceEvent): void {
        if (ev.kind !== 'tx' || vips.size === 0) return;
        const arp = ev.frame.eth.payload;
        if (arp.kind !== 'arp') return;
        const svc = vips.get(arp.spa);
        if (!svc || ev.node === svc.lb || !hosts.has(ev.node)) return;
        const key = `${svc.lb}/${svc.name}`;
        let f = found.get(key);
        if (!f) found.set(key, (f = { svc, nodes: new Set(), evidence: [] }));
        f.nodes.add(ev.node);
        if (f.evidence.length < MAX_FINDING_EVIDENCE) f.evidence.push(eventEvidence(ev));
      },
      finish(): Finding[] {
        return [...found.values()].map(({ svc, nodes, evidence }) => {
          const changes: FixChange[] = [];
          for (const n of ipNodes(sc)) {
            if (!svc.servers.some((s) => s.node === n.name)) continue;
            if (sysctlOf(n, ARP_IGNORE) !== 1) changes.push({ path: ['nodes', n.name, 'sysctls', ARP_IGNORE], value: 1 });
            if (sysctlOf(n, ARP_ANNOUNCE) !== 2) changes.push({ path: ['nodes', n.name, 'sysctls', ARP_ANNOUNCE], value: 2 });
          }
          const who = [...nodes].join(', ');
          return {
            id: DSR_ARP,
            title: 'DSR without arp_ignore/arp_announce: a server claims the VIP',
            severity: 'error',
            where: who,
            explanation:
              `In ${svc.mode} mode every server of ${svc.name} holds the VIP ${fmtIp(svc.vip)} on its loopback. With Linux's defaults ` +
              `(arp_ignore=0, arp_announce=0) a host answers ARP for any of its addresses on any interface, so ${who} told the LAN that the VIP ` +
              `is at its own MAC. Whoever learns that (the router) sends clients straight to that server: the LB never balances, and which ` +
              `server wins is a race. arp_ignore=1 (answer only for addresses of the asking interface) and arp_announce=2 (never use a loopback ` +
              `address as ARP source) on every server leave the VIP to the LB.`,
            evidence,
            fix: { summary: 'set arp_ignore=1 and arp_announce=2 on every server', changes },
          };
        });
      },
    };
  },
};

/** An LB re-sending DSR requests with the router's source MAC, whose servers' replies then come back to it. */
export const dsrMacDetector: Detector = {
  id: DSR_MAC,
  ids: [DSR_MAC],
  title: "DSR re-sent with the router's source MAC",
  severity: 'error',
  looksFor: 'an lb-dsr rewrite that keeps the source MAC, then a not-for-me drop at the same LB of a frame addressed to that MAC',
  start(sc: Scenario): DetectorRun {
    const kept = services(sc).filter((s) => s.mode === 'dsr' && s.keepSourceMac);
    // LB name -> the MACs it re-sent frames from that are not its own, with the rewrite that did it
    const macs = new Map<string, Map<number, Evidence>>();
    const found = new Map<string, { evidence: Evidence[]; mac: number }>();
    return {
      onEvent(ev: TraceEvent): void {
        if (kept.length === 0) return;
        if (ev.kind === 'rewrite' && ev.code === 'lb-dsr' && ev.after.eth.src === ev.before.eth.src) {
          let m = macs.get(ev.node);
          if (!m) macs.set(ev.node, (m = new Map()));
          if (!m.has(ev.after.eth.src)) m.set(ev.after.eth.src, eventEvidence(ev));
          return;
        }
        if (ev.kind !== 'drop' || ev.code !== 'not-for-me' || !ev.frame) return;
        const rewrite = macs.get(ev.node)?.get(ev.frame.eth.dst);
        if (!rewrite) return;
        let f = found.get(ev.node);
        if (!f) found.set(ev.node, (f = { evidence: [rewrite], mac: ev.frame.eth.dst }));
        if (f.evidence.length < MAX_FINDING_EVIDENCE) f.evidence.push(eventEvidence(ev));
      },
      finish(): Finding[] {
        return [...found.entries()].flatMap(([lb, f]) => {
          const svcs = kept.filter((s) => s.lb === lb);
          return svcs.map((svc) => ({
            id: DSR_MAC,
            title: "DSR re-sent with the router's source MAC: replies are switched to the LB",
            severity: 'error' as const,
            where: `${lb}/${svc.name}`,
            explanation:
              `${lb} re-sends each request of ${svc.name} to the server with the source MAC it arrived with (${fmtMac(f.mac)}, the router's) ` +
              `instead of its own. The switch learns a MAC on the port a frame comes from, so it now believes the router is on ${lb}'s port; ` +
              `the servers' replies to the router are switched to ${lb}, which is not their destination and drops them (not-for-me). ` +
              `Re-sending from the LB's own MAC, as IPVS does, keeps the switch's table right.`,
            evidence: f.evidence,
            fix: { summary: `re-send from ${lb}'s own MAC`, changes: [{ path: ['nodes', lb, 'services', svc.name, 'keep_source_mac'], value: false }] },
          }));
        });
      },
    };
  },
};

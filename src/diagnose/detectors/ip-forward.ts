/**
 * Detector 14: a transparent (bridging) LB with IP forwarding off. A bridge
 * that rewrites a packet must route it (br_netfilter hands it to the IP
 * layer), and with net.ipv4.ip_forward=0 Linux drops it silently: no ICMP,
 * no counter the student sees, just a client that waits.
 */
import type { TraceEvent } from '../../trace/events.js';
import type { Scenario } from '../../scenario/types.js';
import { eventEvidence, type Evidence } from '../../view/evidence.js';
import { MAX_FINDING_EVIDENCE, type Detector, type DetectorRun, type Finding } from '../types.js';
import { lbNodes } from '../facts.js';

/** The id of the finding. */
export const LB_NO_FORWARD = 'lb-ip-forward-off';

/** An LB dropping balanced traffic because net.ipv4.ip_forward is 0. */
export const ipForwardDetector: Detector = {
  id: LB_NO_FORWARD,
  ids: [LB_NO_FORWARD],
  title: 'Transparent LB without ip_forward',
  severity: 'error',
  looksFor: 'an ip-forward-off drop at a load balancer node',
  start(sc: Scenario): DetectorRun {
    const lbs = new Set(lbNodes(sc).map((n) => n.name));
    const found = new Map<string, Evidence[]>();
    return {
      onEvent(ev: TraceEvent): void {
        if (ev.kind !== 'drop' || ev.code !== 'ip-forward-off' || !lbs.has(ev.node)) return;
        let e = found.get(ev.node);
        if (!e) found.set(ev.node, (e = []));
        if (e.length < MAX_FINDING_EVIDENCE) e.push(eventEvidence(ev));
      },
      finish(): Finding[] {
        return [...found.entries()].map(([lb, evidence]) => ({
          id: LB_NO_FORWARD,
          title: 'Transparent LB without ip_forward: balanced packets dropped silently',
          severity: 'error',
          where: lb,
          explanation:
            `${lb} rewrites the packets it balances and must then route them, but net.ipv4.ip_forward is 0 on it, so Linux drops every one ` +
            `silently (no ICMP error): the client only sees its connection time out. A load balancer that forwards needs ip_forward=1.`,
          evidence,
          fix: { summary: `turn IP forwarding on at ${lb}`, changes: [{ path: ['nodes', lb, 'sysctls', 'net.ipv4.ip_forward'], value: 1 }] },
        }));
      },
    };
  },
};

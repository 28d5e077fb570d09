/**
 * Detectors 1 and 2 (and 5, the hairpin): a destination-NAT load balancer
 * whose server answers the client directly. The LB rewrote only the
 * destination (client -> server), so the server's reply carries its own
 * address as source; unless that reply crosses the LB on its way back it is
 * never un-NATed, and the client, which called the VIP, resets it (Linux
 * tcp_v4_rcv finds no socket for server:port and sends a RST).
 *
 * One-arm: the servers' gateway is a router, not the LB. Same subnet: the
 * caller is on the servers' own subnet (a server calling its VIP, the
 * hairpin), so the reply goes straight to it on the link whatever the
 * gateway. The fix of both is full NAT (mode snat): the server then answers
 * the LB, which reverses both rewrites.
 */
import type { TraceEvent } from '../../trace/events.js';
import type { Scenario, ServiceSpec } from '../../scenario/types.js';
import { fmtIp } from '../../wire/addr.js';
import { eventEvidence, type Evidence } from '../../view/evidence.js';
import { MAX_FINDING_EVIDENCE, type Detector, type DetectorRun, type Finding } from '../types.js';
import { ipOf, onLinkWith, ownerOf, portsOf, services } from '../facts.js';

/** The id of the one-arm return-path finding. */
export const ONE_ARM = 'one-arm-return-path';
/** The id of the same-subnet VIP (hairpin) finding. */
export const SAME_SUBNET = 'same-subnet-vip';

interface Bypass {
  readonly id: string;
  readonly service: ServiceSpec;
  readonly caller: string;
  readonly server: string;
  readonly evidence: Evidence[];
}

function explanation(id: string, svc: ServiceSpec, caller: string, server: string): string {
  const vip = `${fmtIp(svc.vip)}:${svc.port}`;
  return id === ONE_ARM
    ? `${svc.lb} balances ${svc.name} (${vip}) with destination NAT only: the request reaches ${server} with the client's address as source, ` +
        `so ${server} answers ${caller} directly through its default gateway, which is not ${svc.lb}. The reply never crosses the LB, keeps ` +
        `${server}'s own address as source, and ${caller}, which called the VIP, resets it and retries its SYN until connect() gives up. ` +
        `Either make the LB rewrite the source too (mode snat), or make ${svc.lb} the servers' default gateway so that replies cross it.`
    : `${caller} is on the same subnet as ${server} and calls the VIP ${vip}. ${svc.lb} rewrites only the destination, so ${server} sees a source ` +
        `on its own link and answers ${caller} directly, from its own address, bypassing the LB whatever its gateway. ${caller} never called ` +
        `${server}, so it resets the answer (the hairpin problem). Full NAT (mode snat) makes ${server} answer the LB instead.`;
}

/** The one-arm return path and the same-subnet VIP call: a NAT reply reaching the caller from the server's own address. */
export const returnPathDetector: Detector = {
  id: ONE_ARM,
  ids: [ONE_ARM, SAME_SUBNET],
  title: 'NAT replies bypass the load balancer',
  severity: 'error',
  looksFor: "a reply from a server's own address reaching the client whose request the LB destination-NATed to that server",
  start(sc: Scenario): DetectorRun {
    // reply key "server:port>client:port" -> the service and the DNAT rewrite that made the connection
    const conns = new Map<string, { svc: ServiceSpec; ev: Evidence }>();
    const found = new Map<string, Bypass>();
    const byReplyFrame = new Map<number, Bypass>();
    const svcs = services(sc);
    return {
      onEvent(ev: TraceEvent): void {
        if (ev.kind === 'rewrite' && ev.code === 'lb-dnat') {
          const b = ipOf(ev.before);
          const a = ipOf(ev.after);
          const pb = b && portsOf(b);
          const pa = a && portsOf(a);
          if (!a || !b || !pa || !pb) return;
          const svc = svcs.find((s) => s.lb === ev.node && s.vip === b.dst && s.port === pb[1]);
          if (!svc) return;
          const key = `${a.dst}:${pa[1]}>${a.src}:${pa[0]}`;
          if (!conns.has(key)) conns.set(key, { svc, ev: eventEvidence(ev) });
          return;
        }
        if (ev.kind === 'drop' && ev.frame) {
          const seen = byReplyFrame.get(ev.frame.id);
          if (seen && seen.evidence.length < MAX_FINDING_EVIDENCE) seen.evidence.push(eventEvidence(ev));
          return;
        }
        if (ev.kind !== 'rx') return;
        const ip = ipOf(ev.frame);
        const ports = ip && portsOf(ip);
        if (!ip || !ports) return;
        const c = conns.get(`${ip.src}:${ports[0]}>${ip.dst}:${ports[1]}`);
        if (!c) return;
        const caller = ownerOf(sc, ip.dst);
        if (!caller || caller.name !== ev.node) return;
        const server = ownerOf(sc, ip.src)?.name ?? fmtIp(ip.src);
        const id = onLinkWith(caller, ip.src) ? SAME_SUBNET : ONE_ARM;
        const fkey = `${id} ${c.svc.lb}/${c.svc.name}`;
        let f = found.get(fkey);
        if (!f) {
          f = { id, service: c.svc, caller: caller.name, server, evidence: [c.ev] };
          found.set(fkey, f);
        }
        if (f.evidence.length < MAX_FINDING_EVIDENCE) {
          f.evidence.push(eventEvidence(ev));
          byReplyFrame.set(ev.frame.id, f);
        }
      },
      finish(): Finding[] {
        return [...found.values()].map((f) => ({
          id: f.id,
          title: f.id === ONE_ARM ? 'One-arm return path: replies bypass the NAT load balancer' : 'Same-subnet VIP call (hairpin) without SNAT',
          severity: 'error',
          where: `${f.service.lb}/${f.service.name}`,
          explanation: explanation(f.id, f.service, f.caller, f.server),
          evidence: f.evidence,
          fix: {
            summary: `make ${f.service.lb} rewrite the source too (full NAT), so that ${f.server} answers the LB`,
            changes: [{ path: ['nodes', f.service.lb, 'services', f.service.name, 'mode'], value: 'snat' }],
          },
        }));
      },
    };
  },
};

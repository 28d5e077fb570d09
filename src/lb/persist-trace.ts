/**
 * Persistence entries in the trace: a source-IP entry made when a client is
 * first scheduled, and one dropped when a lookup finds it expired or its
 * server unavailable (IPVS drops a template lazily like this when the next
 * connection of the client finds it), and the entries of a server a health
 * check takes down, dropped at once (service-health.ts). The TUI's state pane and graders read
 * these 'lb-persist' events; nothing here changes what the table decides.
 */
import { fmtIp } from '../wire/addr.js';
import type { Ipv4Addr } from '../wire/types.js';
import type { StateChange } from '../trace/events.js';
import type { Host } from '../net/host.js';
import type { LbService } from './service.js';

/** What a counters-only trace is given: the count is kept, nothing is formatted (as tcp-conn.ts does). */
const UNRECORDED: StateChange = Object.freeze({ what: 'note', detail: Object.freeze({}) }) as StateChange;

/** Traces the entry a lookup dropped (expired, or its server down or disabled); nothing for a hit or a miss. */
export function traceLookupDrop(lb: Host, svc: LbService): void {
  const p = svc.persist;
  if (!p) return;
  const d = p.explain();
  if (d.outcome !== 'expired' && d.outcome !== 'server-unavailable') return;
  if (!lb.net.trace.detailed) return void lb.net.trace.state(lb.name, UNRECORDED, '');
  const key = fmtIp(p.keyOf(d.client));
  lb.net.trace.state(lb.name, { what: 'lb-persist', op: 'del', service: svc.cfg.name, key, server: d.server ?? '' }, () => `${lb.name} drops the persistence entry ${key} -> ${d.server}: ${d.sentence}`);
}

/** Traces the entry made for `client` sticking to `server`. */
export function traceBind(lb: Host, svc: LbService, client: Ipv4Addr, server: string): void {
  const p = svc.persist;
  if (!p) return;
  if (!lb.net.trace.detailed) return void lb.net.trace.state(lb.name, UNRECORDED, '');
  const key = fmtIp(p.keyOf(client));
  lb.net.trace.state(
    lb.name,
    { what: 'lb-persist', op: 'add', service: svc.cfg.name, key, server },
    () => `${lb.name} remembers that client ${key} sticks to ${server} (persistence timeout ${p.timeoutNs / 1e9}s after its last connection)`,
  );
}

/** Traces the entry of `key` dropped because its server went down (the client's next connection is scheduled afresh). */
export function traceServerDrop(lb: Host, svc: LbService, key: Ipv4Addr, server: string): void {
  lb.net.trace.state(
    lb.name,
    () => ({ what: 'lb-persist', op: 'del', service: svc.cfg.name, key: fmtIp(key), server }),
    () => `${lb.name}: ${server} is down, so client ${fmtIp(key)} no longer sticks to it; its next connection is scheduled afresh (its session on ${server} is lost)`,
  );
}

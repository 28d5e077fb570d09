/**
 * What a load balancer does with its health checks' verdicts (the glue
 * between src/lb/health.ts and the virtual service table):
 *
 * - down: the server's state becomes 'down', so every scheduler skips it
 *   (keepalived removes the real server from IPVS; HAProxy marks it DOWN);
 *   the persistence entries that stick to it are dropped at once (traced
 *   'lb-persist' del), so those clients are rescheduled on their next
 *   connection and lose their server-side session; with `on_down: reset`
 *   its open connections are reset: the LB sends RST|ACK to the client
 *   (from the VIP) and to the server (as the client, or from the SNAT
 *   address), then forgets the connection. This is F5's "action on service
 *   down: reset" and HAProxy's `on-marked-down shutdown-sessions`; with the
 *   default `keep`, IPVS keeps forwarding them (expire_nodest_conn=0) and
 *   the clients find out by their own timeouts.
 * - up (after `rise` passes): the state an operator last gave the server
 *   comes back (enabled, or draining if it was drained, even while down).
 */
import { tcp as mkTcp } from '../wire/build.js';
import { IPPROTO, TCP_FLAG } from '../wire/types.js';
import type { Host } from '../net/host.js';
import type { BackendState } from './sched/backend.js';
import { HealthMonitor } from './health.js';
import type { HealthCheckConfig } from './health-config.js';
import { LB_TCP, type LbConn } from './conn.js';
import type { LbService } from './service.js';
import { traceServerDrop } from './persist-trace.js';

/**
 * What the verdicts need of their load balancer: a host that tells its
 * scheduler and trace about a server's new state, lists its connections and
 * forgets one. LbServiceTable is one; this file does not import it, since
 * the table starts the monitors.
 */
export interface HealthHost extends Host {
  /** After a server's state changed: the scheduler is told, and the trace. */
  serverChanged(svc: LbService, idx: number): void;
  /** The live connections. */
  connections(): readonly LbConn[];
  /** Removes a connection from the table now; traced as lb-conn del. */
  forget(c: LbConn, why: string): void;
}

/**
 * Creates and starts the monitor of server `idx` of `svc` (none when `cfg`
 * is null). The first probes of a pool are spread over one interval, as
 * HAProxy does at startup (srv position * inter / servers).
 */
export function startServerHealth(lb: HealthHost, svc: LbService, idx: number, cfg: HealthCheckConfig | null): void {
  while (svc.monitors.length <= idx) svc.monitors.push(null);
  if (!cfg) return;
  const srv = svc.servers[idx]!;
  const n = svc.cfg.servers.length;
  const firstDelay = idx < n ? Math.floor((cfg.interval * idx) / n) : 0;
  svc.checked.start(idx, svc.backends[idx]!.state);
  const m = new HealthMonitor(
    lb,
    `${svc.cfg.name}/${srv.name}`,
    srv.addr,
    srv.port,
    cfg,
    (up) => {
      applyState(lb, svc, idx, svc.checked.verdict(idx, up));
      if (!up) serverDown(lb, svc, idx);
    },
    { firstDelay },
  );
  svc.monitors[idx] = m;
  m.start();
}

/** Sets a server's state on a verdict and tells the scheduler; traced as lb-server, as LoadBalancer.setServer does. */
function applyState(lb: HealthHost, svc: LbService, idx: number, state: BackendState): void {
  const b = svc.backends[idx]!;
  if (b.state === state) return;
  b.state = state;
  lb.serverChanged(svc, idx);
}

/** Drops the persistence entries of a server that went down and, with on_down: reset, resets its connections. */
function serverDown(lb: HealthHost, svc: LbService, idx: number): void {
  const name = svc.servers[idx]!.name;
  if (svc.persist) {
    for (const e of svc.persist.dropServer(idx)) traceServerDrop(lb, svc, e.client, name);
  }
  if ((svc.cfg.onDown ?? 'keep') !== 'reset') return;
  for (const c of lb.connections()) {
    if (c.service !== svc.index || c.backend.index !== idx) continue;
    // Entries of connections that are already over (TIME_WAIT, CLOSE) have nobody left to reset: they just expire.
    if (c.proto === IPPROTO.TCP && (c.state === LB_TCP.TIME_WAIT || c.state === LB_TCP.CLOSE)) continue;
    resetConnection(lb, c, name);
  }
}

/** Sends RST|ACK to both ends of a connection (TCP), then removes it from the table. */
function resetConnection(lb: HealthHost, c: LbConn, name: string): void {
  if (c.proto === IPPROTO.TCP) {
    const srvSeq = c.sawOutput ? c.srvNxt : c.cliAck;
    // To the client, from the VIP: in its window exactly at RCV.NXT, so RFC 5961 accepts it.
    const toClient = mkTcp(c.vip, c.client, { sport: c.vport, dport: c.cport, seq: srvSeq, ack: c.cliNxt, flags: TCP_FLAG.RST | TCP_FLAG.ACK, window: 0 });
    lb.sendPayload(c.vip, c.client, toClient, { df: true, id: 0 });
    // To the server, from the address it knows the client by (the client's, or the SNAT one); DSR servers answer the client directly, so only the client is told.
    if (!c.inputOnly) {
      const toServer = mkTcp(c.laddr, c.server, { sport: c.lport, dport: c.sport, seq: c.cliNxt, ack: srvSeq, flags: TCP_FLAG.RST | TCP_FLAG.ACK, window: 0 });
      lb.sendPayload(c.laddr, c.server, toServer, { df: true, id: 0 });
    }
  }
  lb.forget(c, `${name} is down and the service resets its connections (on_down: reset): RST to ${c.inputOnly ? 'the client' : 'the client and the server'}`);
}

/**
 * Health checks of real servers, as a load balancer runs them (keepalived's
 * checkers, HAProxy's `check`): every probe is real traffic from the LB's
 * own stack, so the trace and the pcap show each one.
 *
 * - `icmp`: an echo request (iputils ping's 56-byte payload), the echo reply
 *   is a pass; it only says the host's kernel is alive.
 * - `tcp`: connect() through the LB's TCP stack; the handshake completing is
 *   a pass, and the checker closes at once: SYN, SYN-ACK, ACK, FIN...
 *   (keepalived TCP_CHECK).
 * - `tcp-half-open`: a SYN from a raw socket (as nmap -sS or a "TCP
 *   half-open" monitor): the SYN-ACK is a pass. No kernel socket owns the
 *   port, so the LB's kernel answers the SYN-ACK with a bare RST
 *   (tcp_v4_send_reset, seq = the SYN-ACK's ack): exactly SYN, SYN-ACK,
 *   RST on the wire, and the server never sees an accepted connection.
 *   The port is reserved in the TCP stack while the probe is out, so no
 *   connect() takes it.
 * - `http`: connect, `GET <path> HTTP/1.1` with `Connection: close`, and the
 *   status must be `expectStatus` (keepalived HTTP_GET status_code,
 *   HAProxy `http-check expect status`).
 * - `http-content`: as `http`, and the body must contain `contains`
 *   (HAProxy `http-check expect string`).
 *
 * Timing (documented in docs/health-checks.md): probes start on a fixed
 * grid, one every `interval`; a probe that has no answer after `timeout`
 * fails (the checker aborts its socket: nothing is sent in SYN_SENT, RST
 * once connected). A server starts up, as HAProxy and keepalived assume;
 * `fall` failures in a row take it down, `rise` passes in a row bring it
 * back. Each verdict change is a 'lb-health' trace state event and a call
 * of `onChange`.
 */
import { fmtIp } from '../wire/addr.js';
import { icmp as mkIcmp, tcp as mkTcp } from '../wire/build.js';
import { HttpParser, httpRequest, latin1Text, serializeRequest, type HttpParsed, type HttpResponse } from '../wire/http.js';
import type { Icmp, Ipv4, Ipv4Addr, Tcp } from '../wire/types.js';
import { ICMP_TYPE, TCP_FLAG } from '../wire/types.js';
import type { Frame } from '../trace/events.js';
import type { EventTarget, Timer } from '../sim/sim.js';
import { fmtDuration, SEC } from '../sim/time.js';
import { checkConfig, type HealthCheckConfig } from './health-config.js';
import type { HookContext, Host, HostProcess } from '../net/host.js';
import type { TcpCloseReason, TcpConnection, TcpError, TcpHandlers } from '../net/tcp.js';
import type { BackendState } from './sched/backend.js';

export { HEALTH_CHECK_KINDS, HEALTH_DEFAULTS, checkConfig, healthCheck, type HealthCheckConfig, type HealthCheckKind } from './health-config.js';

/** A verdict change of a monitor. */
export interface HealthTransition {
  /** When it changed (ns). */
  readonly at: number;
  readonly up: boolean;
  /** The last probe's result that decided it ("timeout", "refused (RST)", "status 500", ...). */
  readonly reason: string;
}

/** One finished probe. */
export interface ProbeResult {
  /** When the probe started and ended (ns). */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ok: boolean;
  /** "ok", "timeout", "refused (RST)", "unreachable", "status 500", "content mismatch", "reset". */
  readonly reason: string;
}

/** What a probe in flight holds. */
interface Probe {
  readonly n: number;
  readonly startedAt: number;
  timer: Timer | null;
  conn: TcpConnection | null;
  /** tcp-half-open: the raw socket's port and initial sequence number. */
  rawPort: number;
  iss: number;
  parser: HttpParser | null;
  done: boolean;
  /** A whole response was read: the server closes, and so does the checker (no RST), pass or fail. */
  answered: boolean;
}

const EV_PROBE = 1;
const EV_TIMEOUT = 2;

/** Raw TCP sockets of half-open checks on one host: local port -> monitor. */
const rawTaps = new WeakMap<Host, Map<number, HealthMonitor>>();

function rawTap(host: Host): Map<number, HealthMonitor> {
  let m = rawTaps.get(host);
  if (m) return m;
  const taps = new Map<number, HealthMonitor>();
  rawTaps.set(host, taps);
  // A raw socket sees a copy of each TCP segment for the host (Linux raw_v4_input runs before
  // tcp_v4_rcv); the segment then goes on to TCP, which answers for the port it has no socket for.
  host.hooks.input.push((ip: Ipv4, ctx: HookContext) => {
    if (taps.size > 0 && ip.payload.kind === 'tcp') {
      const mon = taps.get(ip.payload.dport);
      if (mon) mon.rawSegment(ip, ip.payload, ctx.frame);
    }
    return ip;
  });
  m = taps;
  return m;
}

/** Runs one health check against one server from an LB host. */
export class HealthMonitor implements EventTarget, TcpHandlers, HostProcess {
  /** Names the monitor in budget messages. */
  readonly label: string;
  /** Verdict changes, oldest first. */
  readonly transitions: HealthTransition[] = [];
  /** Probes finished, passed and failed. */
  probes = 0;
  passes = 0;
  failures = 0;
  /** The last finished probe, or null. */
  last: ProbeResult | null = null;
  private isUp = true;
  private okRun = 0;
  private failRun = 0;
  private running = false;
  private tick: Timer | null = null;
  private cur: Probe | null = null;
  private n = 0;
  private icmpId = -1;
  private readonly probePort: number;
  private readonly service: string;
  private readonly server: string;
  private readonly firstDelay: number;

  /**
   * A monitor of `addr:port` run from `host`. `label` is "service/server"
   * (the trace's 'lb-health' event names both). `opts.firstDelay` delays the
   * first probe after start() (HAProxy spreads a backend's first checks
   * over one interval); default 0.
   */
  constructor(
    readonly host: Host,
    label: string,
    readonly addr: Ipv4Addr,
    readonly port: number,
    readonly cfg: HealthCheckConfig,
    private readonly onChange: (up: boolean, reason: string) => void,
    opts: { readonly firstDelay?: number } = {},
  ) {
    checkConfig(cfg);
    const slash = label.lastIndexOf('/');
    this.service = slash >= 0 ? label.slice(0, slash) : label;
    this.server = slash >= 0 ? label.slice(slash + 1) : label;
    this.label = `health check ${label} (${cfg.kind})`;
    this.probePort = cfg.port ?? port;
    this.firstDelay = opts.firstDelay ?? 0;
    host.addProcess(this);
  }

  /** Its probe timers die with the host. */
  targets(): readonly EventTarget[] {
    return [this];
  }

  private runBeforeHalt = false;

  /** The host lost power: probing stops (the probe in flight vanished with the sockets). */
  halt(): void {
    this.runBeforeHalt = this.running;
    this.stop();
  }

  /** The host booted: the checker (keepalived, HAProxy) probes again, its first probe after `firstDelay`. */
  boot(): void {
    if (this.runBeforeHalt) this.start();
  }

  /** True while the verdict is up. */
  get up(): boolean {
    return this.isUp;
  }

  /** Starts probing (the first probe after `firstDelay`). */
  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.cfg.kind === 'icmp') {
      const h = this.host;
      let id = h.rng.int(65536);
      while (h.pingHandlers.has(id)) id = (id + 1) & 0xffff;
      this.icmpId = id;
      h.pingHandlers.set(id, (m, ip) => this.icmpAnswer(m, ip));
    }
    this.tick = this.host.net.sim.timer(this.firstDelay, this, EV_PROBE);
  }

  /** Stops probing; a probe in flight is abandoned (its socket aborted). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.host.net.sim.cancel(this.tick);
    this.tick = null;
    const p = this.cur;
    if (p && !p.done) {
      p.done = true;
      this.host.net.sim.cancel(p.timer);
      p.timer = null;
      this.release(p, false);
    }
    this.cur = null;
    if (this.icmpId >= 0) this.host.pingHandlers.delete(this.icmpId);
    this.icmpId = -1;
  }

  /** Timer events: the next probe is due, or the one in flight timed out. */
  onEvent(kind: number, a: unknown): void {
    if (kind === EV_PROBE) {
      this.tick = null;
      if (!this.running) return;
      this.tick = this.host.net.sim.timer(this.cfg.interval, this, EV_PROBE);
      this.probe();
      return;
    }
    if (kind === EV_TIMEOUT) {
      const p = a as Probe;
      p.timer = null;
      if (p === this.cur && !p.done) this.finish(p, false, `timeout (no answer in ${fmtDuration(this.cfg.timeout)})`);
    }
  }

  /** Names the event kind. */
  kindName(kind: number): string {
    return kind === EV_PROBE ? 'health probe' : 'health probe timeout';
  }

  // ---------------------------------------------------------------- probes

  private probe(): void {
    // The grid guarantees timeout <= interval, so the previous probe is over; if not (same instant), it failed.
    if (this.cur && !this.cur.done) this.finish(this.cur, false, 'timeout');
    const sim = this.host.net.sim;
    const p: Probe = { n: ++this.n, startedAt: sim.now, timer: null, conn: null, rawPort: -1, iss: 0, parser: null, done: false, answered: false };
    this.cur = p;
    p.timer = sim.timer(this.cfg.timeout, this, EV_TIMEOUT, p);
    switch (this.cfg.kind) {
      case 'icmp':
        this.sendEcho(p);
        return;
      case 'tcp':
      case 'http':
      case 'http-content':
        p.conn = this.host.tcp.connect(this.addr, this.probePort, this);
        p.conn.ctx = p;
        return;
      case 'tcp-half-open':
        this.sendRawSyn(p);
        return;
    }
  }

  private sendEcho(p: Probe): void {
    const h = this.host;
    const now = h.net.sim.now;
    // iputils ping's payload: a timeval, then the bytes 0x10, 0x11, ...
    const d = new Uint8Array(56);
    for (let i = 16; i < 56; i++) d[i] = (i - 16 + 0x10) & 255;
    const v = new DataView(d.buffer);
    v.setUint32(4, Math.floor(now / SEC), false);
    v.setUint32(12, Math.floor((now % SEC) / 1000), false);
    const src = h.sourceTo(this.addr);
    const seq = p.n & 0xffff;
    const r = h.sendPayload(src ?? 0, this.addr, mkIcmp(ICMP_TYPE.ECHO_REQUEST, 0, ((this.icmpId << 16) | seq) >>> 0, d), { df: true });
    if (r === 'no-route') this.finish(p, false, 'no route');
  }

  private icmpAnswer(m: Icmp, _ip: Ipv4): void {
    const p = this.cur;
    if (!p || p.done) return;
    if (m.type === ICMP_TYPE.ECHO_REPLY) {
      if ((m.rest & 0xffff) === (p.n & 0xffff)) this.finish(p, true, 'ok');
      return;
    }
    // An error quoting our request (host unreachable from the LB's own ARP, or a router's).
    this.finish(p, false, m.type === ICMP_TYPE.DEST_UNREACH ? 'unreachable (ICMP)' : `ICMP error ${m.type}/${m.code}`);
  }

  private sendRawSyn(p: Probe): void {
    const h = this.host;
    const src = h.sourceTo(this.addr);
    const port = h.tcp.ephemeral();
    if (src === null || port < 0) {
      this.finish(p, false, src === null ? 'no route' : 'no free local port');
      return;
    }
    h.tcp.reservePort(port);
    rawTap(h).set(port, this);
    p.rawPort = port;
    p.iss = h.rng.next();
    // A prober's SYN (nmap -sS): window 1024, only an MSS option; no kernel socket behind it.
    const syn = mkTcp(src, this.addr, { sport: port, dport: this.probePort, seq: p.iss, ack: 0, flags: TCP_FLAG.SYN, window: 1024, options: [{ kind: 'mss', mss: 1460 }] });
    h.sendPayload(src, this.addr, syn, { df: true });
  }

  /** A TCP segment for a raw half-open port (called from the host's INPUT hook, before TCP sees it). */
  rawSegment(ip: Ipv4, seg: Tcp, frame: Frame | null): void {
    const p = this.cur;
    if (!p || p.done || seg.dport !== p.rawPort || ip.src !== this.addr || seg.sport !== this.probePort) return;
    const f = seg.flags;
    if ((f & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === (TCP_FLAG.SYN | TCP_FLAG.ACK) && seg.ack === ((p.iss + 1) >>> 0)) {
      if (frame) {
        const trace = this.host.net.trace;
        trace.deliver(this.host.name, trace.wantsKind('deliver') ? `raw socket of the half-open check of ${this.service}/${this.server} (the kernel has no socket on port ${seg.dport}: it answers RST)` : '', frame);
      }
      this.finish(p, true, 'ok');
      return;
    }
    if (f & TCP_FLAG.RST) this.finish(p, false, 'refused (RST)');
  }

  // ---------------------------------------------------------------- TCP handlers (tcp, http, http-content)

  /** The handshake completed. */
  connected(c: TcpConnection): void {
    const p = c.ctx as Probe;
    if (p !== this.cur || p.done) return;
    if (this.cfg.kind === 'tcp') {
      this.finish(p, true, 'ok');
      return;
    }
    const host = this.cfg.host ?? fmtIp(this.addr);
    const req = httpRequest({
      method: 'GET',
      target: this.cfg.path,
      headers: [
        { name: 'Host', value: host },
        { name: 'User-Agent', value: 'lblab-health-check' },
        { name: 'Connection', value: 'close' },
      ],
    });
    p.parser = new HttpParser('response');
    p.parser.expectResponseTo('GET');
    c.send(serializeRequest(req));
  }

  /** Response bytes. */
  data(c: TcpConnection, bytes: Uint8Array): void {
    const p = c.ctx as Probe;
    if (p !== this.cur || p.done || !p.parser) return;
    for (const r of p.parser.feed(bytes)) {
      this.judge(p, r);
      if (p.done) return;
    }
  }

  /** The server closed: a close-delimited response ends here. */
  peerClosed(c: TcpConnection): void {
    const p = c.ctx as Probe;
    if (p === this.cur && !p.done && p.parser) {
      const r = p.parser.end();
      if (r) this.judge(p, r);
      if (!p.done) this.finish(p, false, 'closed without a response');
    }
    c.close();
  }

  /** connect() failed. */
  error(c: TcpConnection, code: TcpError): void {
    const p = c.ctx as Probe;
    if (p !== this.cur || p.done) return;
    this.finish(p, false, code === 'ECONNREFUSED' ? 'refused (RST)' : code === 'ECONNRESET' ? 'reset' : `${code === 'ETIMEDOUT' ? 'timeout' : 'unreachable'} (${code})`);
  }

  /** The connection ended. */
  closed(c: TcpConnection, reason: TcpCloseReason): void {
    const p = c.ctx as Probe;
    if (p === this.cur && !p.done && reason === 'reset') this.finish(p, false, 'reset');
  }

  private judge(p: Probe, r: HttpParsed): void {
    if (!r.ok) {
      this.finish(p, false, `bad response (${r.error.reason})`);
      return;
    }
    const res = r.value as HttpResponse;
    if (res.kind !== 'response') return;
    p.answered = true;
    if (res.status !== this.cfg.expectStatus) {
      this.finish(p, false, `status ${res.status} (expected ${this.cfg.expectStatus})`);
      return;
    }
    if (this.cfg.kind === 'http-content' && this.cfg.contains !== null && !latin1Text(res.body).includes(this.cfg.contains)) {
      this.finish(p, false, `content mismatch (the body has no "${this.cfg.contains}")`);
      return;
    }
    this.finish(p, true, 'ok');
  }

  // ---------------------------------------------------------------- verdicts

  private finish(p: Probe, ok: boolean, reason: string): void {
    if (p.done) return;
    p.done = true;
    this.host.net.sim.cancel(p.timer);
    p.timer = null;
    this.release(p, ok);
    const now = this.host.net.sim.now;
    this.probes++;
    if (ok) this.passes++;
    else this.failures++;
    this.last = { startedAt: p.startedAt, endedAt: now, ok, reason };
    if (ok) {
      this.failRun = 0;
      if (!this.isUp && ++this.okRun >= this.cfg.rise) this.change(true, reason);
    } else {
      this.okRun = 0;
      if (this.isUp && ++this.failRun >= this.cfg.fall) this.change(false, reason);
    }
  }

  /**
   * Lets go of a probe's socket: a TCP check closes after the handshake
   * (FIN); an HTTP check whose response was read waits for the server's
   * close (Connection: close) and closes too, pass or fail; a probe that
   * timed out or broke is aborted (RST once connected; in SYN_SENT close()
   * just drops the attempt, nothing goes on the wire).
   */
  private release(p: Probe, ok: boolean): void {
    if (p.conn) {
      const c = p.conn;
      if ((ok && this.cfg.kind === 'tcp') || c.state === 'SYN_SENT') c.close();
      else if (!ok && !p.answered) c.abort();
    }
    if (p.rawPort >= 0) {
      rawTap(this.host).delete(p.rawPort);
      this.host.tcp.releasePort(p.rawPort);
      p.rawPort = -1;
    }
  }

  private change(up: boolean, reason: string): void {
    this.isUp = up;
    this.okRun = 0;
    this.failRun = 0;
    const at = this.host.net.sim.now;
    this.transitions.push({ at, up, reason });
    const cfg = this.cfg;
    this.host.net.trace.state(
      this.host.name,
      () => ({ what: 'lb-health', service: this.service, server: this.server, health: up ? 'up' : 'down', check: cfg.kind, reason }),
      () =>
        up
          ? `${this.host.name}: ${this.service}/${this.server} is up again: ${cfg.rise === 1 ? `its ${cfg.kind} check passed` : `${cfg.rise} ${cfg.kind} checks in a row passed`}`
          : `${this.host.name}: ${this.service}/${this.server} is down: ${cfg.fall === 1 ? `its ${cfg.kind} check failed` : `${cfg.fall} ${cfg.kind} checks in a row failed`} (last: ${reason})`,
    );
    this.onChange(up, reason);
  }
}


/**
 * The two states of the checked servers of a pool (an L4 service or an L7
 * pool), kept apart as HAProxy keeps the administrative and the operational
 * state: a server takes traffic only when both allow it. An operator's
 * change (drain, enable, disable) is remembered and applied at once unless
 * the check holds the server down; a passing verdict brings back the state
 * the operator last gave it.
 */
export class CheckedStates {
  private readonly operator: BackendState[] = [];

  /** A checked server starts in `state` (its check assumes it up). */
  start(idx: number, state: BackendState): void {
    this.operator[idx] = state;
  }

  /** An operator's change of server `idx`: the state to set now. */
  change(idx: number, state: BackendState, monitor: HealthMonitor | null | undefined): BackendState {
    if (!monitor) return state;
    this.operator[idx] = state;
    return monitor.up ? state : 'down';
  }

  /** A verdict on server `idx`: the state to set. */
  verdict(idx: number, up: boolean): BackendState {
    return up ? (this.operator[idx] ?? 'enabled') : 'down';
  }
}

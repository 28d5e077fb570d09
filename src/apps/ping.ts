/**
 * ping, as iputils ping sends it on Linux: ICMP echo requests with a random
 * identifier, sequence numbers from 1, and 56 bytes of data (a 16-byte
 * timeval followed by the byte pattern 0x10, 0x11, ...), one per interval.
 * It records each reply's round-trip time and each error (host
 * unreachable, time exceeded) it hears about.
 */
import { fmtIp } from '../wire/addr.js';
import { icmp as mkIcmp } from '../wire/build.js';
import type { Icmp, Ipv4, Ipv4Addr } from '../wire/types.js';
import { ICMP_TYPE } from '../wire/types.js';
import { SEC } from '../sim/time.js';
import type { Deferred, Host } from '../net/host.js';

/** Options of a ping run. */
export interface PingOptions {
  /** Number of echo requests (default 3). */
  readonly count?: number;
  /** Time between requests in ns (default 1 s). */
  readonly interval?: number;
  /** Bytes of data after the ICMP header (default 56). */
  readonly size?: number;
  /** Time to wait for a reply before counting a request as lost, in ns (default 10 s, as ping -W). */
  readonly timeout?: number;
}

/** What happened to one echo request. */
export interface PingResult {
  readonly seq: number;
  readonly sentAt: number;
  /** Round-trip time in ns, or null when no reply came. */
  rtt: number | null;
  /** A sentence when an ICMP error came back instead ("Destination Host Unreachable from 10.0.1.1"). */
  error: string | null;
}

const ERRORS: Record<string, string> = {
  '3/0': 'Destination Net Unreachable',
  '3/1': 'Destination Host Unreachable',
  '3/3': 'Destination Port Unreachable',
  '11/0': 'Time to live exceeded',
};

/** A ping process on a host. */
export class Ping implements Deferred {
  /** One entry per request sent. */
  readonly results: PingResult[] = [];
  readonly id: number;
  private seq = 0;
  private readonly count: number;
  private readonly interval: number;
  private readonly data: Uint8Array;

  /** Starts pinging `dst` from `host` after `delay` ns. */
  constructor(
    readonly host: Host,
    readonly dst: Ipv4Addr,
    opts: PingOptions = {},
    delay = 0,
  ) {
    this.count = opts.count ?? 3;
    this.interval = opts.interval ?? SEC;
    this.id = host.rng.int(65536);
    const size = opts.size ?? 56;
    this.data = new Uint8Array(size);
    for (let i = 16; i < size; i++) this.data[i] = (i - 16 + 0x10) & 255;
    host.pingHandlers.set(this.id, (m, ip) => this.reply(m, ip));
    host.defer(delay, this);
  }

  /** Sends the next request (timer callback). */
  run(): void {
    if (this.seq >= this.count) return;
    this.seq++;
    const now = this.host.net.sim.now;
    // The timeval is the send time in seconds and microseconds, as ping writes it.
    const d = this.data.slice();
    const sec = Math.floor(now / SEC);
    const usec = Math.floor((now % SEC) / 1000);
    new DataView(d.buffer).setUint32(4, sec, false);
    new DataView(d.buffer).setUint32(12, usec, false);
    const src = this.host.sourceTo(this.dst);
    this.results.push({ seq: this.seq, sentAt: now, rtt: null, error: null });
    const m = mkIcmp(ICMP_TYPE.ECHO_REQUEST, 0, ((this.id << 16) | this.seq) >>> 0, d);
    // iputils ping's socket does PMTU discovery ("want"), so the request carries DF; its IP id
    // comes from the host's id generator (captured on Linux 6.18: non-zero).
    this.host.sendPayload(src ?? 0, this.dst, m, { df: true });
    if (this.seq < this.count) this.host.defer(this.interval, this);
  }

  private reply(m: Icmp, ip: Ipv4): void {
    if (m.type === ICMP_TYPE.ECHO_REPLY) {
      const r = this.results.find((x) => x.seq === (m.rest & 0xffff));
      if (r && r.rtt === null) r.rtt = this.host.net.sim.now - r.sentAt;
      return;
    }
    // An error quoting one of our requests: the quoted ICMP header holds our id and seq.
    const q = m.body;
    const ihl = (q[0]! & 15) * 4;
    const seq = (q[ihl + 6]! << 8) | q[ihl + 7]!;
    const r = this.results.find((x) => x.seq === seq);
    if (r) r.error = `${ERRORS[`${m.type}/${m.code}`] ?? `ICMP ${m.type}/${m.code}`} from ${fmtIp(ip.src)}`;
  }

  /** Stops listening for replies. */
  close(): void {
    this.host.pingHandlers.delete(this.id);
  }
}

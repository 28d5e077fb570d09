/**
 * The capacity model of a server application, so that slow and overloaded
 * servers exist and the load balancer's least-connections and
 * least-response-time schedulers have something to react to.
 *
 * Three stages, as in a real server process:
 *   1. the kernel's accept queue (the listen backlog): connections that
 *      completed the handshake but that the application has not accepted;
 *      when it is full, SYNs are dropped ('tcp-listen-overflow') and clients
 *      retry on their SYN timer;
 *   2. the application accepts a connection only while it holds fewer than
 *      `maxConnections` and no more than `queue` requests wait for a worker
 *      (a server that is behind stops calling accept(), which is what fills
 *      the accept queue);
 *   3. `workers` requests are in service at once, each for a service time
 *      (fixed, or drawn from a seeded distribution); the others wait in a
 *      FIFO.
 *
 * Service times come from the named random stream `app:<host>:<port>`, drawn
 * when a request enters service, so the same scenario and seed give the same
 * times whatever else runs. A service time of 0 completes at once, inside
 * the receive event, without a timer.
 */
import type { EventTarget } from '../sim/sim.js';
import type { Rng } from '../sim/rng.js';
import type { Nanos } from '../sim/time.js';
import type { Host } from '../net/host.js';
import type { AcceptHandler, TcpListener } from '../net/tcp.js';

/** How long a request takes to serve: fixed nanoseconds, or a distribution drawn per request from the app's seeded stream. */
export type ServiceTime =
  | Nanos
  | { readonly dist: 'fixed'; readonly ns: Nanos }
  | { readonly dist: 'exponential'; readonly mean: Nanos }
  | { readonly dist: 'uniform'; readonly min: Nanos; readonly max: Nanos }
  /** Normal, redrawn until positive (a service never takes negative or zero time). */
  | { readonly dist: 'normal'; readonly mean: Nanos; readonly stddev: Nanos };

/** The capacity knobs of a server application (every one optional). */
export interface CapacityOptions {
  /** Service time per request (default 0: answered at once). */
  readonly serviceTime?: ServiceTime;
  /** Requests in service at once (default unlimited). */
  readonly workers?: number;
  /** The application stops accepting connections while more than this many requests wait for a worker (default unlimited). */
  readonly queue?: number;
  /** Connections the application holds at once (a worker per connection, as Apache's MaxRequestWorkers); default unlimited. */
  readonly maxConnections?: number;
  /** The listen(2) backlog (default 511, as nginx and Apache pass it); the accept queue holds backlog + 1. */
  readonly backlog?: number;
}

/** A unit of work: `done()` runs when its service time is over. */
export interface CapacityJob {
  done(): void;
}

/** Throws when a service time is not a valid specification (configuration errors are thrown, not traced). */
export function checkServiceTime(st: ServiceTime): void {
  const bad = (why: string) => {
    throw new Error(`invalid service time: ${why}`);
  };
  const nonneg = (v: number, what: string) => {
    if (!Number.isFinite(v) || v < 0) bad(`${what} must be a finite number of ns >= 0, got ${v}`);
  };
  if (typeof st === 'number') return nonneg(st, 'a fixed time');
  switch (st.dist) {
    case 'fixed':
      return nonneg(st.ns, 'ns');
    case 'exponential':
      return nonneg(st.mean, 'mean');
    case 'uniform':
      nonneg(st.min, 'min');
      nonneg(st.max, 'max');
      if (st.max < st.min) bad(`max ${st.max} < min ${st.min}`);
      return;
    case 'normal':
      if (!Number.isFinite(st.mean) || st.mean <= 0) bad(`mean must be > 0, got ${st.mean}`);
      nonneg(st.stddev, 'stddev');
      return;
    default:
      bad(`unknown distribution ${(st as { dist: string }).dist}`);
  }
}

/** Draws one service time in whole nanoseconds (>= 0; > 0 for 'normal'). */
export function drawServiceTime(st: ServiceTime, rng: Rng): Nanos {
  if (typeof st === 'number') return Math.round(st);
  switch (st.dist) {
    case 'fixed':
      return Math.round(st.ns);
    case 'exponential':
      return Math.round(rng.exp(st.mean));
    case 'uniform':
      return Math.round(st.min + (st.max - st.min) * rng.float());
    case 'normal': {
      // Truncated normal by rejection: a few draws at most unless stddev dwarfs the mean.
      for (let i = 0; i < 64; i++) {
        const v = Math.round(rng.normal(st.mean, st.stddev));
        if (v > 0) return v;
      }
      return Math.round(st.mean);
    }
  }
}

/** Event kind of a service completion. */
const EV_DONE = 1;

/** The capacity of one server application: the accept gate, the workers and the FIFO of waiting requests. */
export class Capacity implements EventTarget {
  /** Names the model in budget messages. */
  readonly label: string;
  /** The seeded stream service times are drawn from (`app:<host>:<port>`). */
  readonly rng: Rng;
  /** Requests in service now. */
  busy = 0;
  /** Requests completed. */
  served = 0;
  /** Connections the application holds (accepted and not yet closed). */
  open = 0;
  /** The most requests that ever waited at once. */
  maxWaiting = 0;
  /** Total time requests spent waiting for a worker (ns), for the mean queueing delay. */
  waitTotal = 0;
  /** Total service time of the requests started (ns). */
  serviceTotal = 0;
  private readonly fifo: CapacityJob[] = [];
  private readonly since: number[] = [];
  private head = 0;
  private serviceTime: ServiceTime;
  private workers: number;
  private readonly queueLimit: number;
  private readonly maxConnections: number;
  /** The backlog given to listen(). */
  readonly backlog: number;
  private listener: TcpListener | null = null;

  /** Creates the model for the application on `host:port`. */
  constructor(
    readonly host: Host,
    readonly port: number,
    opts: CapacityOptions = {},
  ) {
    this.label = `app ${host.name}:${port}`;
    this.rng = host.net.sim.stream(`app:${host.name}:${port}`);
    this.serviceTime = opts.serviceTime ?? 0;
    checkServiceTime(this.serviceTime);
    this.workers = positive(opts.workers, 'workers');
    this.queueLimit = positive(opts.queue, 'queue', true);
    this.maxConnections = positive(opts.maxConnections, 'maxConnections');
    this.backlog = opts.backlog ?? 511;
  }

  /** Requests waiting for a worker now. */
  get waiting(): number {
    return this.fifo.length - this.head;
  }

  /** Changes the service time of requests that start from now on. */
  setServiceTime(st: ServiceTime): void {
    checkServiceTime(st);
    this.serviceTime = st;
  }

  /** Changes the number of workers; more start waiting requests at once, fewer let the busy ones finish. */
  setWorkers(n: number): void {
    this.workers = positive(n, 'workers');
    this.startWaiting();
    this.pump();
  }

  /**
   * Listens on the port in manual accept mode: a connection leaves the
   * kernel's accept queue only while the application has room for it.
   */
  listen(onAccept: AcceptHandler): TcpListener {
    const l = this.host.tcp.listen(this.port, { backlog: this.backlog, manual: true, onQueued: () => this.pump() }, (c, lst) => {
      this.open++;
      return onAccept(c, lst);
    });
    this.listener = l;
    return l;
  }

  /** The application let go of a connection it had accepted. */
  connectionClosed(): void {
    this.open--;
    this.pump();
  }

  /** The process died (its host lost power): no request in service or waiting, no connection held, accepting again. */
  reset(): void {
    this.busy = 0;
    this.open = 0;
    this.fifo.length = 0;
    this.since.length = 0;
    this.head = 0;
    this.listener = null;
    this.accepting = true;
  }

  /** Forgets the listener (it was closed). */
  unlisten(): void {
    this.listener = null;
  }

  /** False while the application is stuck and calls accept() no more (an overloaded or hung process). */
  accepting = true;

  /**
   * Stops or resumes the application's accept() loop: while stopped, handshakes
   * still complete in the kernel and wait in the accept queue; once it holds
   * backlog + 1 connections, new SYNs are dropped (tcp_abort_on_overflow=0).
   */
  setAccepting(on: boolean): void {
    this.accepting = on;
    if (on) this.pump();
  }

  /** True when the application would call accept() now. */
  canAccept(): boolean {
    return this.accepting && this.open < this.maxConnections && this.waiting <= this.queueLimit;
  }

  /** Accepts waiting connections while there is room (Linux: the application's accept() loop). */
  pump(): void {
    const l = this.listener;
    if (!l || !l.open) return;
    while (l.queue.length > 0 && this.canAccept()) l.accept();
  }

  /** Hands a request to the workers: served now if one is free, else queued in FIFO order. */
  submit(job: CapacityJob): void {
    if (this.busy < this.workers && this.waiting === 0) {
      this.begin(job);
      return;
    }
    this.fifo.push(job);
    this.since.push(this.host.net.sim.now);
    if (this.waiting > this.maxWaiting) this.maxWaiting = this.waiting;
  }

  private begin(job: CapacityJob): void {
    const d = drawServiceTime(this.serviceTime, this.rng);
    this.serviceTotal += d;
    if (d === 0) {
      this.served++;
      job.done();
      return;
    }
    this.busy++;
    this.host.net.sim.post(d, this, EV_DONE, job);
  }

  /** A service time is over: the job completes, then the next waiting request takes the worker. */
  onEvent(kind: number, a: unknown): void {
    if (kind !== EV_DONE) return;
    this.busy--;
    this.served++;
    (a as CapacityJob).done();
    this.startWaiting();
    this.pump();
  }

  /** Names the event kind. */
  kindName(): string {
    return 'service completion';
  }

  private startWaiting(): void {
    while (this.busy < this.workers && this.waiting > 0) {
      const job = this.fifo[this.head]!;
      this.waitTotal += this.host.net.sim.now - this.since[this.head]!;
      this.head++;
      if (this.head > 64 && this.head * 2 > this.fifo.length) {
        this.fifo.splice(0, this.head);
        this.since.splice(0, this.head);
        this.head = 0;
      }
      this.begin(job);
    }
  }
}

function positive(v: number | undefined, what: string, zeroOk = false): number {
  if (v === undefined) return Infinity;
  if (!(v > 0 || (zeroOk && v === 0)) || (Number.isFinite(v) && !Number.isInteger(v))) {
    throw new Error(`${what} must be a positive integer, got ${v}`);
  }
  return v;
}

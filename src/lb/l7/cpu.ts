/**
 * The CPU of an L7 proxy as a queue: every request (and every accepted
 * connection) costs a fixed CPU time, `cores` of them run at once and the
 * rest wait in FIFO order. It is the same shape as the servers' capacity
 * model, and it is what makes an L7 LB slower and busier than an L4 one
 * under the same load: an L4 LB rewrites headers per packet in the kernel,
 * an L7 proxy parses, routes and re-serialises every request in user space.
 * Utilisation is busy core-time over elapsed core-time.
 */
import type { EventTarget, Sim } from '../../sim/sim.js';

/** Work for the CPU: `run()` when its CPU time has been spent. */
export interface CpuJob {
  run(): void;
}

const EV_DONE = 1;

/** A FIFO multi-core CPU with fixed costs per job. */
export class Cpu implements EventTarget {
  readonly label: string;
  private busy = 0;
  private readonly waiting: { job: CpuJob; cost: number; at: number }[] = [];
  /** Total CPU time spent (ns, all cores). */
  spent = 0;
  /** Jobs run. */
  jobs = 0;
  /** Total time jobs waited for a core (ns). */
  waited = 0;
  /** When the first costly job arrived, and when the last one finished (ns; -1 before any). */
  firstAt = -1;
  lastAt = -1;

  /** A CPU of `cores` cores on a simulation. */
  constructor(
    private readonly sim: Sim,
    readonly cores: number,
    name: string,
  ) {
    this.label = `cpu ${name}`;
  }

  /** Runs a job after `cost` ns of CPU time (at once, inside this event, when the cost is 0). */
  submit(job: CpuJob, cost: number): void {
    if (cost <= 0) {
      this.jobs++;
      job.run();
      return;
    }
    if (this.firstAt < 0) this.firstAt = this.sim.now;
    if (this.busy < this.cores) this.start(job, cost);
    else this.waiting.push({ job, cost, at: this.sim.now });
  }

  private start(job: CpuJob, cost: number): void {
    this.busy++;
    this.spent += cost;
    this.sim.timer(cost, this, EV_DONE, job);
  }

  /** A job's CPU time is over: run it and start the next waiting one. */
  onEvent(_kind: number, a: unknown): void {
    this.busy--;
    this.jobs++;
    this.lastAt = this.sim.now;
    const next = this.waiting.shift();
    if (next) {
      this.waited += this.sim.now - next.at;
      this.start(next.job, next.cost);
    }
    (a as CpuJob).run();
  }

  /** Names the event kind. */
  kindName(): string {
    return 'cpu job done';
  }

  /** Busy core-time over elapsed core-time while there was work, from the first job's arrival to the last one's end (0..1). */
  utilisation(): number {
    const span = this.lastAt - this.firstAt;
    return span > 0 ? this.spent / (span * this.cores) : 0;
  }
}

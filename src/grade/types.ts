/**
 * What the grader reads and what it returns. The grader never sees the
 * network's classes: src/cli fills a GradeInput from a built and run
 * scenario (the trace events, what each client app recorded, the LB's
 * per-server counts, the MACs the network allocated), so every check can
 * also be tested on hand-made data.
 */
import type { TraceEvent } from '../trace/events.js';
import type { Check, SourcePos } from '../scenario/types.js';
import type { Evidence } from '../view/evidence.js';

/** One request of an HTTP client, or the one attempt of a tcp-connect app. */
export interface AttemptRecord {
  /** 0-based number of the attempt within its app. */
  readonly index: number;
  /** The app's outcome code: completed, reset, timeout, refused, unreachable, or (HTTP) closed, bad-response; pending when it never ended. */
  readonly outcome: string;
  /** The socket error behind a failure (ECONNRESET...), 'max-time' for a client's own limit, or null. */
  readonly error: string | null;
  /** When it started (ns), or -1 when it never started. */
  readonly startedAt: number;
  /** When it ended (ns), or -1 while pending. */
  readonly doneAt: number;
  /** The server that answered (HTTP, completed only), else null. */
  readonly server: string | null;
}

/** A client application whose attempts have outcomes (http-client, tcp-connect), or the TCP flows a `replay:` entry replays from one captured client. */
export interface ClientRecord {
  readonly app: 'http-client' | 'tcp-connect' | 'replay';
  /** The node it runs on. */
  readonly node: string;
  /** Its id among apps of its kind on that node. */
  readonly id: string;
  /** Destination address (uint32) and port; 0 for a client that looks up a DNS name. */
  readonly dst: number;
  /** The DNS name the client looks up before each connection, when it targets one. */
  readonly name?: string;
  readonly port: number;
  /** Its attempts in start order. */
  readonly attempts: readonly AttemptRecord[];
}

/** One real server of a service with its weight and how many connections the LB scheduled to it. */
export interface ServerCount {
  readonly name: string;
  /** The weight written in the scenario (the service's server list or `add_server`). */
  readonly weight: number;
  /** Connections the LB ever scheduled to it. */
  readonly served: number;
  /** The report's other numbers (src/assemble/server-stats.ts), when the run filled them. */
  readonly requests?: number;
  readonly bytes?: number | null;
  readonly meanNs?: number | null;
  readonly p99Ns?: number | null;
  /** Health verdict changes (count). */
  readonly transitions?: number;
}

/** A virtual service of a load balancer and its per-server counts. */
export interface ServiceCounts {
  readonly lb: string;
  readonly name: string;
  readonly servers: readonly ServerCount[];
}

/** Everything the grader judges against. */
export interface GradeInput {
  /** The whole trace of the run, in order (a full recorder's events). */
  readonly events: readonly TraceEvent[];
  /** Client apps with outcomes. */
  readonly clients: readonly ClientRecord[];
  /** LB services with per-server counts. */
  readonly services: readonly ServiceCounts[];
  /** HTTP requests each http-server answered (the `requests` counter). */
  readonly requests?: readonly { readonly node: string; readonly port: number; readonly requests: number }[];
  /** The MAC of every interface, keyed "node:iface" (resolves `mac-of` field values). */
  readonly macs: Readonly<Record<string, number>>;
  /** The findings of the diagnose detectors on this run and every id a detector can report (present when an expectation asks). */
  readonly diagnosis?: { readonly ids: readonly string[]; readonly findings: readonly { readonly id: string; readonly where: string; readonly title: string; readonly evidence: readonly Evidence[] }[] };
}

/** One piece of evidence (defined with the evidence line in src/view/evidence.ts, so that diagnose shares it). */
export type { Evidence } from '../view/evidence.js';

/** The grader's judgement of one expectation. */
export interface Verdict {
  /** The expectation's name, as written. */
  readonly name: string;
  /** The check kind (flow, frame, drop, rewrite, distribution, failover-gap, counter). */
  readonly kind: Check['kind'];
  /** Where the expectation is written. */
  readonly pos: SourcePos;
  readonly passed: boolean;
  /** One sentence: what was expected and what was found. */
  readonly message: string;
  /** What decided it: the deciding trace events, requests or counts. */
  readonly evidence: readonly Evidence[];
}

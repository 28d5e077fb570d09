/**
 * The settings of a health check and their defaults, apart from the
 * monitor that runs it (src/lb/health.ts), so the scenario layer can
 * resolve them without the network.
 */
import { fmtDuration, MS, SEC } from '../sim/time.js';

/** The kinds of health check. */
export type HealthCheckKind = 'icmp' | 'tcp' | 'tcp-half-open' | 'http' | 'http-content';

/** Every health check kind, in the order docs list them. */
export const HEALTH_CHECK_KINDS: readonly HealthCheckKind[] = ['icmp', 'tcp', 'tcp-half-open', 'http', 'http-content'];

/** A health check's settings; times in nanoseconds. */
export interface HealthCheckConfig {
  readonly kind: HealthCheckKind;
  /** Time between probe starts. */
  readonly interval: number;
  /** How long a probe waits for its answer (at most `interval`). */
  readonly timeout: number;
  /** Passes in a row that bring a down server back. */
  readonly rise: number;
  /** Failures in a row that take an up server down. */
  readonly fall: number;
  /** The port probed; null = the server's own port. */
  readonly port: number | null;
  /** HTTP checks: the path requested. */
  readonly path: string;
  /** HTTP checks: the status that passes. */
  readonly expectStatus: number;
  /** http-content: the text the body must contain. */
  readonly contains: string | null;
  /** HTTP checks: the Host header (null = the server's address). */
  readonly host: string | null;
}

/**
 * Defaults, as keepalived and HAProxy use them: probe every 2 s (HAProxy
 * `inter 2s`), time out after 1 s, down after 3 failures (`fall 3`), up
 * after 2 passes (`rise 2`), GET / expecting 200.
 */
export const HEALTH_DEFAULTS = {
  interval: 2 * SEC,
  timeout: 1 * SEC,
  rise: 2,
  fall: 3,
  path: '/',
  expectStatus: 200,
} as const;

/** A complete configuration from a kind and any of the other settings (the rest from HEALTH_DEFAULTS). */
export function healthCheck(kind: HealthCheckKind, over: Partial<Omit<HealthCheckConfig, 'kind'>> = {}): HealthCheckConfig {
  return {
    kind,
    interval: over.interval ?? HEALTH_DEFAULTS.interval,
    timeout: over.timeout ?? HEALTH_DEFAULTS.timeout,
    rise: over.rise ?? HEALTH_DEFAULTS.rise,
    fall: over.fall ?? HEALTH_DEFAULTS.fall,
    port: over.port ?? null,
    path: over.path ?? HEALTH_DEFAULTS.path,
    expectStatus: over.expectStatus ?? HEALTH_DEFAULTS.expectStatus,
    contains: over.contains ?? null,
    host: over.host ?? null,
  };
}

/** Throws when a configuration cannot run (the scenario layer reports these with file positions first). */
export function checkConfig(cfg: HealthCheckConfig): void {
  const bad = (why: string): never => {
    throw new Error(`health check: ${why}`);
  };
  if (!(cfg.interval >= MS)) bad(`interval must be at least 1ms, got ${fmtDuration(cfg.interval)}`);
  if (!(cfg.timeout > 0) || cfg.timeout > cfg.interval) bad(`timeout must be > 0 and at most the interval (${fmtDuration(cfg.interval)}), got ${fmtDuration(cfg.timeout)}`);
  if (!Number.isInteger(cfg.rise) || cfg.rise < 1) bad(`rise must be an integer >= 1, got ${cfg.rise}`);
  if (!Number.isInteger(cfg.fall) || cfg.fall < 1) bad(`fall must be an integer >= 1, got ${cfg.fall}`);
  if (cfg.kind === 'http-content' && !cfg.contains) bad('an http-content check needs the text the body must contain');
}

/** What happens to a down server's open connections. */
export type OnDown = 'keep' | 'reset';

/** The options for `on_down`. */
export const ON_DOWN: readonly OnDown[] = ['keep', 'reset'];

/**
 * A kernel differential case: one file under test/kernel/cases/ that drives
 * both sides. The file's first YAML document is an ordinary lblab scenario
 * (checked by parseScenario, so its errors point at the right line); a
 * second document, after a `---` line, holds only what the kernel side
 * needs beyond the scenario: how long to compare, the verdict this case is
 * known to give (the test fails when it changes), the reason when it
 * differs, and the kernel-only settings a case needs because lblab has no
 * knob for them yet (each named in `why`).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseScenario, formatErrors, parseDuration, type Scenario } from '../../../src/scenario/index.js';

/** The three verdicts of a case (docs/fidelity.md). */
export type Verdict = 'exact' | 'interleaving' | 'differs';

/** The kernel side's settings of a case (the second YAML document). */
export interface KernelSpec {
  /** The verdict this case gives on the recorded kernel; the test fails when it changes. */
  readonly expect: Verdict;
  /** For `differs`: why, and the lblab knob that would make it exact. */
  readonly why: string | null;
  /** Frames are compared from the first frame of the run for this long (ns, default 1 s); both sides. */
  readonly window: number;
  /** How long the real run lasts after the last client started (ns, default window + 300 ms). */
  readonly settle: number;
  /** DSR services: 'ipvs' (routed: TTL - 1, ARP for the server) or 'netdev' (nft netdev fwd: TTL kept, fixed MAC). */
  readonly forwarder: 'ipvs' | 'netdev';
  /** Extra nftables rules per node, as `nft -f` text (a drop rule for a lost tail, say). */
  readonly nft: Readonly<Record<string, string>>;
  /** Extra sysctls per node, set after the scenario's (kernel-only knobs). */
  readonly sysctls: Readonly<Record<string, Readonly<Record<string, string | number>>>>;
  /** When set, the case cannot run on this kernel and is reported with this reason. */
  readonly skip: string | null;
}

/** A loaded case. */
export interface KernelCase {
  /** The file name without .yaml. */
  readonly name: string;
  readonly file: string;
  readonly scenario: Scenario;
  readonly kernel: KernelSpec;
}

const SEPARATOR = /^---[ \t]*(#.*)?$/m;

function duration(v: unknown, what: string, file: string, dflt: number): number {
  if (v === undefined) return dflt;
  const r = parseDuration(String(v));
  if (r === null) throw new Error(`${file}: kernel.${what}: "${String(v)}" is not a duration (write 500ms, 2s)`);
  return r;
}

/** Reads and checks a case file; throws an Error naming the file and the problem. */
export function loadCase(file: string): KernelCase {
  const text = readFileSync(file, 'utf8');
  const m = SEPARATOR.exec(text);
  const scenarioText = m ? text.slice(0, m.index) : text;
  const res = parseScenario(scenarioText, file);
  if (!res.ok) throw new Error(formatErrors(res.errors));
  const doc = (m ? parseYaml(text.slice(m.index + m[0].length)) : null) as { kernel?: Record<string, unknown> } | null;
  const k = doc?.kernel ?? {};
  const expect = k['expect'] ?? 'exact';
  if (expect !== 'exact' && expect !== 'interleaving' && expect !== 'differs') throw new Error(`${file}: kernel.expect: write exact, interleaving or differs`);
  const forwarder = k['forwarder'] ?? 'ipvs';
  if (forwarder !== 'ipvs' && forwarder !== 'netdev') throw new Error(`${file}: kernel.forwarder: write ipvs or netdev`);
  const window = duration(k['window'], 'window', file, 1_000_000_000);
  return {
    name: basename(file).replace(/\.ya?ml$/, ''),
    file,
    scenario: res.scenario,
    kernel: {
      expect,
      why: typeof k['why'] === 'string' ? k['why'].trim() : null,
      window,
      settle: duration(k['settle'], 'settle', file, window + 300_000_000),
      forwarder,
      nft: (k['nft'] ?? {}) as Record<string, string>,
      sysctls: (k['sysctls'] ?? {}) as Record<string, Record<string, string | number>>,
      skip: typeof k['skip'] === 'string' ? k['skip'].trim() : null,
    },
  };
}

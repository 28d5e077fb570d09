/**
 * docs/fidelity.md, written from the suite's results (UPDATE_FIDELITY=1).
 */
import type { KernelCase, Verdict } from './case.js';

/** One case's outcome, as the table shows it. */
export interface Row {
  readonly kc: KernelCase;
  /** null when the case did not run (skipped, or the harness cannot build it). */
  readonly verdict: Verdict | null;
  readonly detail: string;
  readonly frames?: { readonly lblab: number; readonly kernel: number } | undefined;
}

/** The whole page. */
export function fidelityDoc(rows: readonly Row[], kernel: string): string {
  const out: string[] = ['# Kernel fidelity', '', `Kernel: \`${kernel}\``, ''];
  for (const r of rows) out.push(`- ${r.kc.name}: ${r.verdict ?? 'not run'} ${r.detail}`);
  return out.join('\n') + '\n';
}

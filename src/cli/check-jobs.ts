/**
 * `lblab check --jobs N`: a class's submissions checked on every core. The
 * parent checks files itself and hands others to N-1 worker processes
 * (check-worker.ts) one at a time, as each finishes the last (the parent has
 * loaded the simulator already; a worker costs a second start-up). Each
 * result is kept at its input position, so the report and the standard error
 * text are those of a serial run. Each process gets its share of the default
 * memory budget.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ScenarioReport } from '../grade/reporters.js';
import { defaultMemoryBudget } from './memory.js';

/** What a worker sends back for one file: its report and the standard error text a serial run prints for it. */
export interface CheckedFile {
  readonly report: ScenarioReport;
  readonly err: string;
}

/** A worker's answer: a file's result, or the stack of an internal error. */
export type WorkerAnswer = { readonly index: number; readonly done: CheckedFile } | { readonly index: number; readonly fatal: string };

/** What the parent needs of check's options: the memory budget and the number of jobs, which it sets for each worker. */
interface JobOptions {
  readonly memory?: number;
  readonly jobs?: number;
}

/** A job for a worker: a file, its position, and check's options. */
export interface WorkerJob<O extends JobOptions> {
  readonly index: number;
  readonly file: string;
  readonly opts: O;
}

const WORKER = fileURLToPath(new URL('./check-worker.js', import.meta.url));

/** Checks `files` here (with `local`) and in `jobs - 1` worker processes; resolves to their results in input order. */
export function checkInWorkers<O extends JobOptions>(files: readonly string[], opts: O, jobs: number, local: (file: string, opts: O) => CheckedFile): Promise<CheckedFile[]> {
  const out: (CheckedFile | undefined)[] = new Array(files.length);
  // Workers share the machine: each has its share of the default budget unless --memory says otherwise.
  const jobOpts: O = { ...opts, jobs: 1, memory: opts.memory ?? defaultMemoryBudget() / jobs };
  let next = 0;
  let left = files.length;
  return new Promise((resolve, reject) => {
    let failed = false;
    const start = (): void => {
      const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
      const give = (): void => {
        if (next >= files.length) return void child.disconnect();
        const index = next++;
        child.send({ index, file: files[index]!, opts: jobOpts } satisfies WorkerJob<O>);
      };
      child.on('message', (m: WorkerAnswer) => {
        if ('fatal' in m) {
          failed = true;
          child.kill();
          return reject(new Error(`checking ${files[m.index]}: ${m.fatal}`));
        }
        out[m.index] = m.done;
        give(); // the next file, or a disconnect that lets the worker exit
        if (--left === 0) resolve(out as CheckedFile[]);
      });
      child.on('exit', (code, signal) => {
        if (!failed && left > 0 && (code !== 0 || signal !== null)) {
          failed = true;
          reject(new Error(`a check worker stopped (${signal ?? `exit ${code}`}) with ${left} file${left === 1 ? '' : 's'} unchecked`));
        }
      });
      give();
    };
    for (let i = 1; i < jobs; i++) start();
    // The parent is a worker too; between files it yields, so the others' answers are read and they get more work.
    const here = (): void => {
      if (failed || next >= files.length) return;
      const index = next++;
      try {
        out[index] = local(files[index]!, jobOpts);
      } catch (e) {
        failed = true;
        return reject(e);
      }
      if (--left === 0) resolve(out as CheckedFile[]);
      else setImmediate(here);
    };
    setImmediate(here);
  });
}

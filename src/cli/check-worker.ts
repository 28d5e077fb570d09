/**
 * A worker process of `lblab check --jobs`: takes files from its parent
 * (check-jobs.ts) one at a time, checks each exactly as a serial run would,
 * and sends back the report and the standard error text. It exits when the
 * parent disconnects.
 */
import { checkCollected, type CheckOptions } from './check.js';
import type { WorkerAnswer, WorkerJob } from './check-jobs.js';

process.on('message', (job: WorkerJob<CheckOptions>) => {
  let answer: WorkerAnswer;
  try {
    answer = { index: job.index, done: checkCollected(job.file, job.opts) };
  } catch (e) {
    answer = { index: job.index, fatal: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  process.send!(answer);
});

/**
 * The child process of `lblab bench`: builds and runs one size of the
 * benchmark with the counters-only recorder (no trace listener), then
 * prints one JSON line with the counts, the setup and run wall times and
 * the process's peak RSS. A fresh process per size keeps one size's heap
 * and JIT state from colouring the next, as ns-3 runs one process per size.
 *
 * usage: node dist/cli/bench-child.js '{"topo":"lan","clients":10,"servers":2,"packets":10000,"arp":"dynamic"}'
 */
import { performance } from 'node:perf_hooks';
import { buildWorkload, runWorkload, type BenchSpec } from '../bench/workload.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as BenchSpec;
const t0 = performance.now();
const w = buildWorkload(spec);
const t1 = performance.now();
const r = runWorkload(w);
const t2 = performance.now();
const mem = process.memoryUsage();
process.stdout.write(
  JSON.stringify({
    ...r,
    setupS: (t1 - t0) / 1e3,
    runS: (t2 - t1) / 1e3,
    // Time from process start to the end of the run (node's own start-up included).
    processS: t2 / 1e3,
    rssKb: process.resourceUsage().maxRSS,
    heapUsedMb: mem.heapUsed / 2 ** 20,
  }) + '\n',
);

/**
 * The child process of an LB row of `lblab bench`: writes nothing, reads
 * nothing; it makes the row's scenario text (src/bench/lb-scenario.ts),
 * loads it as `lblab check` loads a file, runs it with check's streaming
 * grader (one flow expectation per client, so no event is built), and
 * prints one JSON line: connections made and completed, verdicts passed,
 * events, frame-hops, setup and run wall times, peak RSS and how the run
 * ended. A fresh process per row, as for the UDP rows.
 *
 * usage: node dist/cli/bench-lb-child.js '{"mode":"snat","connections":10000}'
 */
import { performance } from 'node:perf_hooks';
import { parseScenario, formatErrors } from '../scenario/index.js';
import { buildScenario } from '../assemble/scenario.js';
import { GradeStream } from '../grade/grade.js';
import { lbScenarioYaml, type LbBenchSpec } from '../bench/lb-scenario.js';
import { gradeInputOf, macsOf } from './check.js';
import { DISK_IO } from './scenarios.js';
import { guardMemory, MEMORY_ADVICE } from './memory.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as LbBenchSpec;
const t0 = performance.now();
const loaded = parseScenario(lbScenarioYaml(spec), `lb-${spec.mode}-${spec.connections}.yaml`);
if (!loaded.ok) {
  process.stderr.write(formatErrors(loaded.errors) + '\n');
  process.exit(1);
}
const built = buildScenario(loaded.scenario, DISK_IO);
// A million connections are some 80 million events: above the default event budget, which guards lessons from loops.
built.net.sim.budget = Number.MAX_SAFE_INTEGER;
guardMemory(built.net, undefined, MEMORY_ADVICE.stream);
const stream = new GradeStream(loaded.scenario.expect, macsOf(built));
if (stream.kinds.length) built.net.trace.listen((ev) => stream.add(ev), stream.kinds);
const t1 = performance.now();
const res = built.net.run();
const input = gradeInputOf(built, []);
const verdicts = stream.verdicts(input);
const t2 = performance.now();
let made = 0;
let completed = 0;
for (const c of input.clients) {
  made += c.attempts.length;
  for (const a of c.attempts) if (a.outcome === 'completed') completed++;
}
process.stdout.write(
  JSON.stringify({
    connections: made,
    completed,
    passed: verdicts.filter((v) => v.passed).length,
    expectations: verdicts.length,
    events: built.net.sim.processed,
    hops: built.net.trace.counters.tx,
    stopped: res.reason,
    message: res.message,
    setupS: (t1 - t0) / 1e3,
    runS: (t2 - t1) / 1e3,
    processS: t2 / 1e3,
    rssKb: process.resourceUsage().maxRSS,
  }) + '\n',
);

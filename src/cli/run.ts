/**
 * `lblab run` and `lblab validate`, and the text of `lblab reasons`: the
 * commands main.ts declares itself, loaded only when one of them runs.
 * `run` prints hop lines (or JSON lines) as the events happen and keeps
 * none of them.
 */
import { buildScenario } from '../assemble/scenario.js';
import { BuildError } from '../assemble/built.js';
import { appReport } from '../assemble/report.js';
import { formatErrors, printable } from '../scenario/index.js';
import { buildOrReport, DISK_IO, loadFromDisk, locate, openScenario } from './scenarios.js';
import type { EventFilter } from '../view/filter.js';
import type { TraceEvent } from '../trace/events.js';
import { fmtTime } from '../sim/time.js';
import { HopLines } from '../view/hop-lines.js';
import { reasonMeanings, type Lang } from '../trace/lang.js';
import { peersOf, runWithProgress } from './explain.js';
import { Progress } from '../view/progress.js';
import { eventJson } from '../view/json.js';
import { guardMemory, MEMORY_ADVICE } from './memory.js';
import { switchPortLines } from './ports.js';
import { taskText } from './task.js';

/** The options of `lblab run`, as commander parses them. */
export interface RunOptions {
  seed?: number;
  until?: number;
  budget?: number;
  /** The memory budget in bytes (--memory). */
  memory?: number;
  /** stream (the default): print every event as it happens; counters: print only the summary. */
  record?: 'stream' | 'counters';
  json?: boolean;
  verbose?: boolean;
  macs?: boolean;
  filter?: EventFilter;
  color: boolean;
}

/** Loads, builds and runs a scenario, printing hop lines (or JSON lines) and a summary. Returns the exit code. */
export function runScenario(arg: string, opts: RunOptions): number {
  const err = (t: string): void => void process.stderr.write(t);
  const opened = openScenario(arg, opts.seed, err, !opts.json);
  if (typeof opened === 'number') return opened;
  const { file, scenario: sc } = opened;
  const built = buildOrReport(sc, err);
  if (!built) return 1;
  const net = built.net;
  if (opts.budget) net.sim.budget = opts.budget;
  guardMemory(net, opts.memory, MEMORY_ADVICE.stream);
  const color = opts.color && !process.env['NO_COLOR'] && process.stdout.isTTY === true;
  const view = new HopLines({ color, verbose: opts.verbose, macs: opts.macs, peers: peersOf(net) });
  const out: string[] = [];
  const flush = (): void => {
    if (out.length) process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  };
  const filter = opts.filter;
  // Hop lines are printed as the events happen and none is kept; with --record counters no event is even built.
  if (opts.record !== 'counters')
    net.trace.listen((ev: TraceEvent) => {
      if (filter && !filter(ev)) return;
      const line = opts.json ? JSON.stringify(eventJson(ev)) : view.line(ev);
      if (line !== null) out.push(line);
      if (out.length >= 256) flush();
    });
  if (!opts.json) process.stdout.write(`lblab: ${printable(sc.title)} (${printable(file)}, seed ${sc.seed})\n\n${taskText(sc)}`);
  // A progress line on stderr only when the trace is not drawn on the same terminal.
  const until = opts.until ?? sc.run.until ?? Number.MAX_SAFE_INTEGER;
  const showProgress = process.stderr.isTTY === true && process.stdout.isTTY !== true;
  const res = showProgress
    ? runWithProgress(net, until, new Progress({ write: (t: string) => process.stderr.write(t), isTTY: true }, { until: until === Number.MAX_SAFE_INTEGER ? null : until }))
    : net.run(until);
  flush();
  const failed = res.reason === 'budget' || res.reason === 'memory';
  if (opts.json) {
    if (res.reason === 'memory') process.stderr.write(`lblab: ${res.message}\n`);
    return failed ? 1 : 0;
  }
  const c = net.trace.counters;
  const lines = [
    '',
    `${res.message}.`,
    `${c.tx} frame-hops, ${c.deliver} deliveries, ${c.drop} drops${c.drops.size ? ` (${[...c.drops.entries()].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}, ${net.sim.processed} events, simulated ${fmtTime(net.sim.now)}.`,
    ...appReport(built),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return failed ? 1 : 0;
}

/** Checks scenario files without running them. */
export function validate(files: string[], opts: { ports?: boolean } = {}): number {
  let bad = 0;
  for (const arg of files) {
    const file = locate(arg);
    if (!file) {
      process.stderr.write(`lblab: no scenario file "${arg}"\n`);
      bad++;
      continue;
    }
    const r = loadFromDisk(file);
    const problems = r.ok ? r.warnings : [...r.errors, ...r.warnings];
    if (problems.length) process.stderr.write(formatErrors(problems) + '\n');
    if (r.ok) {
      try {
        buildScenario(r.scenario, DISK_IO);
        process.stdout.write(`${file}: ok${r.warnings.length ? ` (${r.warnings.length} warning${r.warnings.length > 1 ? 's' : ''})` : ''}\n`);
        if (opts.ports) for (const line of switchPortLines(r.scenario)) process.stdout.write(`  ${line}\n`);
      } catch (e) {
        if (!(e instanceof BuildError)) throw e;
        process.stderr.write(`${e.where()}\n`);
        bad++;
      }
    } else bad++;
  }
  return bad ? 1 : 0;
}

/** `lblab reasons`: every code with its meaning, one per line. */
export function reasonsText(lang: Lang): string {
  const { drops, rewrites } = reasonMeanings(lang);
  const w = Math.max(...[...Object.keys(drops), ...Object.keys(rewrites)].map((k) => k.length));
  const rows = (o: Readonly<Record<string, string>>): string => Object.entries(o).map(([k, v]) => `  ${k.padEnd(w)}  ${v}\n`).join('');
  return lang === 'ko' ? `폐기(drop):\n${rows(drops)}\n변환(rewrite):\n${rows(rewrites)}` : `Drops:\n${rows(drops)}\nRewrites:\n${rows(rewrites)}`;
}

/** `lblab reasons --markdown`: the page docs/reason-codes.md (and, in Korean, docs/ko/reason-codes.md) is. */
export function reasonsMarkdown(lang: Lang): string {
  const { drops, rewrites } = reasonMeanings(lang);
  const rows = (o: Readonly<Record<string, string>>): string => Object.entries(o).map(([k, v]) => `| \`${k}\` | ${v} |\n`).join('');
  if (lang === 'ko')
    return (
      '# 이유 코드(reason code)\n\n트레이스의 모든 폐기와 변환에는 이 바뀌지 않는 코드 가운데 하나(채점, 필터, pcap 주석에 쓰임)와 ' +
      '사람을 위한 설명 문장이 붙습니다. 코드는 이름이 바뀌지 않고 새 코드만 더해집니다. 코드와 트레이스 문장은 영어 그대로이며, ' +
      '이 페이지는 그 뜻을 한국어로 옮긴 것입니다(영어판: [reason-codes.md](../reason-codes.md)). ' +
      '`lblab reasons --lang ko --markdown`이 만듭니다.\n\n## 폐기(drop)\n\n| 코드 | 뜻 |\n|---|---|\n' +
      rows(drops) +
      '\n## 변환(rewrite)\n\n| 코드 | 뜻 |\n|---|---|\n' +
      rows(rewrites)
    );
  return (
    '# Reason codes\n\nEvery drop and rewrite in the trace carries one of these stable codes (for grading, filters and pcap comments) ' +
    'and a sentence written for people. Codes are never renamed; new ones are added. This page is generated by ' +
    '`lblab reasons --markdown`.\n\n## Drops\n\n| code | meaning |\n|---|---|\n' +
    rows(drops) +
    '\n## Rewrites\n\n| code | meaning |\n|---|---|\n' +
    rows(rewrites)
  );
}

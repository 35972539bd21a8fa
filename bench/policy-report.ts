/**
 * What bench:policy prints and writes for one model: PASS/MISS per trace with the numbers, the summary
 * per family (median and worst of ours against KEDA+HPA and the best baseline), why each miss happened,
 * and the per-trace rows as JSON and CSV for inspection.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  corpusTargets,
  policyNames,
  type FamilySummary,
  type Spread,
  type Tally,
  type TraceCheck,
} from '#simulator/index';
import { table } from './support';
import type { JobOutcome } from './policy-jobs';

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** One row per trace: each target's numbers and verdict. */
export function traceTable(checks: readonly TraceCheck[]): string {
  return table(
    [
      'trace',
      'min over target: ours / best baseline',
      'result',
      `rebalances: ours / KEDA (<= ${corpusTargets.rebalanceShare}x if KEDA >= ${corpusTargets.kedaMinRebalances})`,
      'result',
      'task-min: ours / KEDA',
      `<= ${corpusTargets.taskMinutesRatio}x`,
    ],
    checks.map((check) => [
      check.trace,
      `${fixed(check.overTarget.ours, 1)} / ${fixed(check.overTarget.best, 1)} (${check.overTarget.bestPolicy})`,
      check.overTarget.verdict,
      `${check.rebalances.ours} / ${check.rebalances.keda}`,
      check.rebalances.verdict,
      `${fixed(check.taskMinutes.ours, 0)} / ${fixed(check.taskMinutes.keda, 0)} = ${fixed(check.taskMinutes.ratio, 2)}x`,
      check.taskMinutes.verdict,
    ]),
  );
}

const spread = (value: Spread | undefined, digits: number, unit = '') =>
  value === undefined ? '-' : `${fixed(value.median, digits)}${unit} / ${fixed(value.worst, digits)}${unit}`;

const counts = (value: Tally) =>
  `${value.pass} PASS, ${value.miss} MISS${value.notApplicable > 0 ? `, ${value.notApplicable} n/a` : ''}`;

/** One row per family (and `all`): medians and worst cases, and the verdict counts per target. */
export function familyTable(summaries: readonly FamilySummary[]): string {
  return table(
    [
      'family',
      'traces',
      'task-min ours/KEDA median / worst',
      'min over target ours - best baseline median / worst',
      'rebalances ours/KEDA median / worst',
      'over target <= baselines',
      `rebalances <= ${corpusTargets.rebalanceShare}x KEDA`,
      `task-min <= ${corpusTargets.taskMinutesRatio}x KEDA`,
      `median task-min <= ${corpusTargets.medianTaskMinutesRatio}x`,
    ],
    summaries.map((summary) => [
      summary.family,
      String(summary.traces),
      spread(summary.taskMinutesRatio, 2, 'x'),
      spread(summary.overTargetDifference, 1),
      spread(summary.rebalanceRatio, 2, 'x'),
      counts(summary.overTarget),
      counts(summary.rebalances),
      counts(summary.taskMinutes),
      `${summary.medianTaskMinutes} (${fixed(summary.taskMinutesRatio.median, 2)}x)`,
    ]),
  );
}

/** Each missed target with its numbers and the trace facts behind it. */
export function missList(checks: readonly TraceCheck[], inspect: (trace: string) => string): string {
  const missed = checks.filter((check) => check.why.length > 0);
  if (missed.length === 0) return 'no MISS';
  return missed
    .map((check) =>
      [`${check.trace}:  (${inspect(check.trace)})`, ...check.why.map((line) => `    ${line}`)].join('\n'),
    )
    .join('\n');
}

/** One line: every target's verdict over all traces. */
export function verdictLine(all: FamilySummary): string {
  return [
    `over target <= every baseline: ${counts(all.overTarget)}`,
    `rebalances <= ${corpusTargets.rebalanceShare}x KEDA: ${counts(all.rebalances)}`,
    `task-min <= ${corpusTargets.taskMinutesRatio}x KEDA: ${counts(all.taskMinutes)}`,
    `median task-min <= ${corpusTargets.medianTaskMinutesRatio}x KEDA: ${all.medianTaskMinutes} (${fixed(all.taskMinutesRatio.median, 2)}x)`,
  ].join('; ');
}

const CSV_METRICS = ['taskMinutes', 'minutesOverDrainTarget', 'rebalances', 'maxTimeLagSeconds'] as const;

/** Per-trace rows as CSV: facts, each policy's metrics, each verdict. */
export function csvOf(outcomes: readonly JobOutcome[]): string {
  const head = [
    'model',
    'trace',
    'family',
    'partitions',
    'durationMinutes',
    'peakLoadTasks',
    'peakPartitionLoadTasks',
    'lowerBoundTaskMinutes',
    ...policyNames.flatMap((policy) => CSV_METRICS.map((metric) => `${policy}.${metric}`)),
    'overTarget',
    'rebalances',
    'taskMinutes',
  ];
  const rows = outcomes.map(({ model, check, runs }) => [
    model,
    check.trace,
    check.family,
    check.facts.partitions,
    check.facts.durationMinutes,
    fixed(check.facts.peakLoadTasks, 3),
    fixed(check.facts.peakPartitionLoadTasks, 3),
    fixed(check.taskMinutes.lowerBound, 1),
    ...policyNames.flatMap((policy) => {
      const run = runs.find((candidate) => candidate.policy === policy);
      return CSV_METRICS.map((metric) => (run === undefined ? '' : fixed(run[metric], 2)));
    }),
    check.overTarget.verdict,
    check.rebalances.verdict,
    check.taskMinutes.verdict,
  ]);
  return [head, ...rows].map((row) => row.join(',')).join('\n') + '\n';
}

/** Writes the rows of one model as `<base>.json` and `<base>.csv` under `out`; returns the two paths. */
export function writeRows(
  out: string,
  base: string,
  report: {
    readonly command: string;
    readonly outcomes: readonly JobOutcome[];
    readonly families: readonly FamilySummary[];
  },
): string[] {
  mkdirSync(out, { recursive: true });
  const json = join(out, `${base}.json`);
  const csv = join(out, `${base}.csv`);
  const rows = report.outcomes.map(({ check, runs, milliseconds }) => ({ ...check, runs, milliseconds }));
  writeFileSync(
    json,
    `${JSON.stringify({ command: report.command, families: report.families, traces: rows }, null, 2)}\n`,
  );
  writeFileSync(csv, csvOf(report.outcomes));
  return [json, csv];
}

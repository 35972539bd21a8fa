/**
 * The targets `npm run bench:policy` reports for every trace, shipped or from the corpus, and their
 * summary per family. A benchmark, not a test: a MISS is printed with its numbers and the facts of the
 * trace that explain it, never hidden. Pure: results in, verdicts out.
 *
 * Per trace: minutes over the drain target <= every baseline's; rebalances <= 0.5x KEDA+HPA's (only
 * where KEDA rebalances at least 4 times); task-minutes <= 1.15x KEDA+HPA's. Per family (and over all
 * traces): the median of ours/KEDA task-minutes <= 1.0.
 */
import { weightSchedule } from './cluster';
import type { SimulationResult } from './model';
import { traceDurationSeconds, type Trace } from './trace';

export const corpusTargets = {
  /** Ours may rebalance at most this share of KEDA+HPA's rebalances ... */
  rebalanceShare: 0.5,
  /** ... on traces where KEDA+HPA rebalances at least this often. */
  kedaMinRebalances: 4,
  /** Ours/KEDA task-minutes on every trace. */
  taskMinutesRatio: 1.15,
  /** Ours/KEDA task-minutes, median over a family's traces. */
  medianTaskMinutesRatio: 1,
} as const;

/** The numbers of one run the targets read (a result without its series). */
export type RunMetrics = Pick<
  SimulationResult,
  | 'policy'
  | 'taskMinutes'
  | 'lowerBoundTaskMinutes'
  | 'minutesOverDrainTarget'
  | 'rebalances'
  | 'maxTimeLagSeconds'
  | 'scaleActions'
>;

/** A result's metrics only (what crosses a worker boundary and goes into the report files). */
export function runMetrics(result: SimulationResult): RunMetrics {
  const { policy, taskMinutes, lowerBoundTaskMinutes, minutesOverDrainTarget, rebalances, maxTimeLagSeconds } = result;
  return {
    policy,
    taskMinutes,
    lowerBoundTaskMinutes,
    minutesOverDrainTarget,
    rebalances,
    maxTimeLagSeconds,
    scaleActions: result.scaleActions,
  };
}

/** Facts of a trace that explain a miss: what no policy can do anything about. */
export interface TraceFacts {
  readonly durationMinutes: number;
  /** Partitions of the largest topic: more tasks than this do nothing. */
  readonly partitions: number;
  /** The highest production of the whole trace, in tasks' worth. */
  readonly peakLoadTasks: number;
  /** The highest production of one partition, in tasks' worth (> 1: one task cannot keep up). */
  readonly peakPartitionLoadTasks: number;
  readonly poisoned: boolean;
  /** A poisoned partition moves again before the end: its old backlog then counts, for every policy alike. */
  readonly poisonRecovers: boolean;
}

/** The highest production (msg/s) of one partition of `topic`: each skew period's peak rate x its largest share. */
function hottestPartitionRate(topic: Trace['topics'][number], rates: readonly number[], stepSeconds: number): number {
  const schedule = weightSchedule(topic);
  return schedule.reduce((max, change, index) => {
    const until = schedule[index + 1]?.fromSecond ?? Infinity;
    const first = Math.floor(change.fromSecond / stepSeconds);
    const last = Math.min(rates.length, Math.ceil(until / stepSeconds));
    const peakRate = rates.slice(first, last).reduce((top, rate) => Math.max(top, rate), 0);
    return Math.max(max, (peakRate * Math.max(...change.weights)) / change.total);
  }, 0);
}

export function traceFacts(trace: Trace): TraceFacts {
  const samples = trace.production[trace.topics[0]?.name ?? ''] ?? [];
  const totals = samples.map((_, index) =>
    trace.topics.reduce((sum, topic) => sum + (trace.production[topic.name]?.[index] ?? 0), 0),
  );
  const hottest = trace.topics.reduce(
    (max, topic) => Math.max(max, hottestPartitionRate(topic, trace.production[topic.name] ?? [], trace.stepSeconds)),
    0,
  );
  return {
    durationMinutes: traceDurationSeconds(trace) / 60,
    partitions: trace.topics.reduce((max, topic) => Math.max(max, topic.partitions), 0),
    peakLoadTasks: totals.reduce((max, rate) => Math.max(max, rate), 0) / trace.taskThroughputPerSecond,
    peakPartitionLoadTasks: hottest / trace.taskThroughputPerSecond,
    poisoned: trace.poisoned.length > 0,
    poisonRecovers: trace.poisoned.some((poison) => poison.untilSecond !== undefined),
  };
}

export type Verdict = 'PASS' | 'MISS' | 'n/a';

/** One trace against the targets (ours vs the baselines). */
export interface TraceCheck {
  readonly trace: string;
  readonly family: string;
  readonly facts: TraceFacts;
  readonly overTarget: {
    readonly verdict: Verdict;
    readonly ours: number;
    readonly best: number;
    readonly bestPolicy: string;
  };
  readonly rebalances: { readonly verdict: Verdict; readonly ours: number; readonly keda: number };
  readonly taskMinutes: {
    readonly verdict: Verdict;
    readonly ours: number;
    readonly keda: number;
    /** Ours / KEDA+HPA. */
    readonly ratio: number;
    readonly lowerBound: number;
  };
  /** For each MISS: the numbers and the trace's facts. */
  readonly why: readonly string[];
}

const EPSILON = 1e-9;

/** Checks one trace's runs (ours and at least KEDA+HPA). Throws if either is missing: the bench always runs them. */
export function checkTrace(
  identity: { readonly trace: string; readonly family: string },
  facts: TraceFacts,
  runs: readonly RunMetrics[],
): TraceCheck {
  const ours = runs.find((run) => run.policy === 'ours');
  const keda = runs.find((run) => run.policy === 'keda');
  if (ours === undefined || keda === undefined) throw new Error(`${identity.trace}: the targets need ours and keda`);
  const baselines = runs.filter((run) => run.policy !== 'ours');
  const best = baselines.reduce((min, run) => (run.minutesOverDrainTarget < min.minutesOverDrainTarget ? run : min));
  const counted = keda.rebalances >= corpusTargets.kedaMinRebalances;
  const ratio = keda.taskMinutes > 0 ? ours.taskMinutes / keda.taskMinutes : Infinity;
  const check: Omit<TraceCheck, 'why'> = {
    ...identity,
    facts,
    overTarget: {
      verdict: ours.minutesOverDrainTarget <= best.minutesOverDrainTarget + EPSILON ? 'PASS' : 'MISS',
      ours: ours.minutesOverDrainTarget,
      best: best.minutesOverDrainTarget,
      bestPolicy: best.policy,
    },
    rebalances: {
      verdict: !counted ? 'n/a' : ours.rebalances <= corpusTargets.rebalanceShare * keda.rebalances ? 'PASS' : 'MISS',
      ours: ours.rebalances,
      keda: keda.rebalances,
    },
    taskMinutes: {
      verdict: ratio <= corpusTargets.taskMinutesRatio + EPSILON ? 'PASS' : 'MISS',
      ours: ours.taskMinutes,
      keda: keda.taskMinutes,
      ratio,
      lowerBound: ours.lowerBoundTaskMinutes,
    },
  };
  return { ...check, why: whyMissed(check, ours) };
}

/** What a reader needs to judge each miss: the numbers, and what the trace makes impossible. */
function whyMissed(check: Omit<TraceCheck, 'why'>, ours: RunMetrics): string[] {
  const why: string[] = [];
  const { facts, overTarget, rebalances, taskMinutes } = check;
  if (overTarget.verdict === 'MISS') {
    why.push(
      `over target: ours ${overTarget.ours.toFixed(1)} min vs ${overTarget.bestPolicy} ${overTarget.best.toFixed(1)} min (ours' largest time lag ${ours.maxTimeLagSeconds.toFixed(0)} s)`,
    );
    if (facts.peakPartitionLoadTasks > 1)
      why.push(
        `one partition alone needs ${facts.peakPartitionLoadTasks.toFixed(2)} tasks at its peak: no task count drains it`,
      );
    if (facts.poisonRecovers)
      why.push(
        'a poisoned partition moves again with a backlog older than the drain target: one task drains it, over target for every policy',
      );
    if (facts.peakLoadTasks > facts.partitions)
      why.push(`peak load ${facts.peakLoadTasks.toFixed(1)} tasks is above the ${facts.partitions} partitions' worth`);
  }
  if (rebalances.verdict === 'MISS')
    why.push(
      `rebalances: ours ${rebalances.ours} vs KEDA+HPA ${rebalances.keda} (at most ${corpusTargets.rebalanceShare * rebalances.keda})`,
    );
  if (taskMinutes.verdict === 'MISS') {
    const bound = taskMinutes.lowerBound;
    why.push(
      `task-minutes: ours ${taskMinutes.ours.toFixed(0)} = ${taskMinutes.ratio.toFixed(2)}x KEDA+HPA ${taskMinutes.keda.toFixed(0)}; ` +
        `lower bound ${bound.toFixed(0)} (ours ${(taskMinutes.ours / bound).toFixed(2)}x, KEDA ${(taskMinutes.keda / bound).toFixed(2)}x)`,
    );
  }
  return why;
}

/** Median and worst (largest) of some numbers; undefined for none. */
export interface Spread {
  readonly median: number;
  readonly worst: number;
}

export function spreadOf(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
  return { median, worst: sorted[sorted.length - 1] ?? NaN };
}

/** Counts of verdicts for one target. */
export interface Tally {
  readonly pass: number;
  readonly miss: number;
  readonly notApplicable: number;
}

const tally = (verdicts: readonly Verdict[]): Tally => ({
  pass: verdicts.filter((verdict) => verdict === 'PASS').length,
  miss: verdicts.filter((verdict) => verdict === 'MISS').length,
  notApplicable: verdicts.filter((verdict) => verdict === 'n/a').length,
});

/** One family's traces against the targets. */
export interface FamilySummary {
  readonly family: string;
  readonly traces: number;
  /** Ours / KEDA+HPA task-minutes. */
  readonly taskMinutesRatio: Spread;
  /** Ours minus the best baseline, minutes over the drain target. */
  readonly overTargetDifference: Spread;
  /** Ours / KEDA+HPA rebalances, over the traces where the target applies. */
  readonly rebalanceRatio: Spread | undefined;
  readonly overTarget: Tally;
  readonly rebalances: Tally;
  readonly taskMinutes: Tally;
  /** The family's median ours/KEDA task-minutes against `medianTaskMinutesRatio`. */
  readonly medianTaskMinutes: Verdict;
}

/** One family's summary (or every trace's, under the name given). */
export function summarizeChecks(family: string, checks: readonly TraceCheck[]): FamilySummary {
  const taskMinutesRatio = spreadOf(checks.map((check) => check.taskMinutes.ratio)) ?? { median: NaN, worst: NaN };
  const counted = checks.filter((check) => check.rebalances.verdict !== 'n/a');
  return {
    family,
    traces: checks.length,
    taskMinutesRatio,
    overTargetDifference: spreadOf(checks.map((check) => check.overTarget.ours - check.overTarget.best)) ?? {
      median: NaN,
      worst: NaN,
    },
    rebalanceRatio: spreadOf(counted.map((check) => check.rebalances.ours / check.rebalances.keda)),
    overTarget: tally(checks.map((check) => check.overTarget.verdict)),
    rebalances: tally(checks.map((check) => check.rebalances.verdict)),
    taskMinutes: tally(checks.map((check) => check.taskMinutes.verdict)),
    medianTaskMinutes: taskMinutesRatio.median <= corpusTargets.medianTaskMinutesRatio + EPSILON ? 'PASS' : 'MISS',
  };
}

/** Per family in order of first appearance, then `all` over every trace. */
export function summarizeFamilies(checks: readonly TraceCheck[]): readonly FamilySummary[] {
  const families = [...new Set(checks.map((check) => check.family))];
  return [
    ...families.map((family) =>
      summarizeChecks(
        family,
        checks.filter((check) => check.family === family),
      ),
    ),
    summarizeChecks('all', checks),
  ];
}

/**
 * What the CLI and the bench print and draw: the standard policy line-up with shared parameters, the
 * result table's rows, the targets, and a self-contained HTML page of inline SVG charts (drawn
 * by ./chart). Pure: strings and numbers in, strings out; the callers do the I/O.
 */
import { policyConfigOrThrow, type PolicyConfig, type PolicyConfigInput } from '#domain/policy/index';
import type { SeriesPoint, SimulationOptions, SimulationResult } from '../model';
import { cloudRunPolicy, ecsTargetTrackingPolicy, kedaHpaPolicy, oursPolicy, type Policy } from '../policies';
import type { Trace } from '../trace';
import { chartSvg, escapeXml, type ChartSpec } from './chart';

export type PolicyName = 'ours' | 'keda' | 'ecs' | 'cloudrun';
export const policyNames: readonly PolicyName[] = ['ours', 'keda', 'ecs', 'cloudrun'];

/** Parameters every policy shares in a comparison, so none is tuned differently. */
export interface LineupParameters {
  readonly minTasks: number;
  readonly maxTasks: number;
  /**
   * Lag per task (messages) for KEDA's lagThreshold, ECS's target and our cold-start fallback.
   * @default one minute of one task's throughput
   */
  readonly lagPerTask: number;
  /** Cloud Run's total-lag target. @default half the drain target's worth of one task's throughput */
  readonly cloudRunLagTarget: number;
  /** Extra fields for our policy's config (validated by PolicyConfigSchema). */
  readonly ours: PolicyConfigInput;
}

/** The shared parameters derived from a trace and the simulation options. */
export function defaultLineupParameters(trace: Trace, options: SimulationOptions): LineupParameters {
  return {
    minTasks: 1,
    maxTasks: 48,
    lagPerTask: trace.taskThroughputPerSecond * 60,
    cloudRunLagTarget: (trace.taskThroughputPerSecond * options.drainTargetSeconds) / 2,
    ours: {},
  };
}

/** Our policy's config for a comparison: shared bounds and target, the simulated pause. */
export function oursConfig(parameters: LineupParameters, options: SimulationOptions): PolicyConfig {
  return policyConfigOrThrow({
    drainTargetSeconds: options.drainTargetSeconds,
    lagPerTaskThreshold: parameters.lagPerTask,
    minTasks: parameters.minTasks,
    maxTasks: parameters.maxTasks,
    rebalancePauseSeconds: options.rebalancePauseSeconds,
    // The operator sets this from their service's observed start time; the model's is that.
    taskStartSeconds: options.taskStartSeconds,
    rateWindowSeconds: options.rateWindowSeconds,
    // The operator configures the assignor their consumers use; here it is the model's.
    assignor: options.assignor,
    ...parameters.ours,
  });
}

/** Build one named policy with the shared parameters. */
export function buildPolicy(
  name: PolicyName,
  parameters: LineupParameters,
  options: SimulationOptions,
): Policy<unknown> {
  const bounds = { minTasks: parameters.minTasks, maxTasks: parameters.maxTasks };
  switch (name) {
    case 'ours':
      return oursPolicy(oursConfig(parameters, options));
    case 'keda':
      return kedaHpaPolicy({ ...bounds, lagThreshold: parameters.lagPerTask });
    case 'ecs':
      return ecsTargetTrackingPolicy({ ...bounds, lagPerTaskTarget: parameters.lagPerTask });
    case 'cloudrun':
      return cloudRunPolicy({ ...bounds, lagTarget: parameters.cloudRunLagTarget });
  }
}

export const tableHead: readonly string[] = [
  'trace',
  'policy',
  'task-min',
  'x lower bound',
  'min over target',
  'max time lag s',
  'rebalances',
  'paused part-s',
];

/** One table row per result, numbers rounded for reading. */
export function tableRow(result: SimulationResult): readonly string[] {
  return [
    result.trace,
    result.policy,
    result.taskMinutes.toFixed(0),
    Number.isFinite(result.ratioToLowerBound) ? result.ratioToLowerBound.toFixed(2) : '-',
    result.minutesOverDrainTarget.toFixed(1),
    result.maxTimeLagSeconds.toFixed(0),
    String(result.rebalances),
    result.pausedPartitionSeconds.toFixed(0),
  ];
}

export interface TargetCheck {
  readonly trace: string;
  readonly target: string;
  readonly pass: boolean;
  readonly detail: string;
}

/** The targets for one trace's results (ours against the baselines). */
export function checkTargets(
  results: readonly SimulationResult[],
  steadyTraces: readonly string[],
): readonly TargetCheck[] {
  const ours = results.find((result) => result.policy === 'ours');
  if (ours === undefined) return [];
  const baselines = results.filter((result) => result.policy !== 'ours');
  const checks: TargetCheck[] = [];
  if (baselines.length > 0) {
    const best = baselines.reduce((min, result) =>
      result.minutesOverDrainTarget < min.minutesOverDrainTarget ? result : min,
    );
    checks.push({
      trace: ours.trace,
      target: 'minutes over drain target <= every baseline',
      pass: ours.minutesOverDrainTarget <= best.minutesOverDrainTarget + 1e-9,
      detail: `ours ${ours.minutesOverDrainTarget.toFixed(1)} vs best baseline ${best.policy} ${best.minutesOverDrainTarget.toFixed(1)}`,
    });
  }
  const keda = baselines.find((result) => result.policy === 'keda');
  if (keda !== undefined) {
    checks.push({
      trace: ours.trace,
      target: 'rebalances <= half of KEDA+HPA',
      pass: ours.rebalances <= keda.rebalances / 2,
      detail: `ours ${ours.rebalances} vs keda ${keda.rebalances}`,
    });
  }
  if (steadyTraces.includes(ours.trace)) {
    checks.push({
      trace: ours.trace,
      target: 'task-minutes <= 1.25 x lower bound',
      pass: ours.ratioToLowerBound <= 1.25,
      detail: `ours ${ours.ratioToLowerBound.toFixed(2)}x (${ours.taskMinutes.toFixed(0)} / ${ours.lowerBoundTaskMinutes.toFixed(0)})`,
    });
  }
  return checks;
}

const COLORS: Readonly<Record<string, string>> = {
  ours: '#1b7f3b',
  keda: '#c0392b',
  ecs: '#d68910',
  cloudrun: '#2e5fa8',
};

/** The chart's title: the run's headline numbers. */
function runTitle(result: SimulationResult): string {
  return `${result.policy}: ${result.taskMinutes.toFixed(0)} task-min (${result.ratioToLowerBound.toFixed(2)}x), ${result.minutesOverDrainTarget.toFixed(1)} min over target, ${result.rebalances} rebalances`;
}

/**
 * One run as small multiples on a shared time axis, each panel on its own y-scale: tasks billed (step)
 * against tasks needed just to keep up (dashed); drainable lag (area) and, if any, lag of poisoned
 * partitions; the largest drainable time lag against the drain target.
 */
export function runChart(result: SimulationResult): ChartSpec {
  const color = COLORS[result.policy] ?? '#333';
  const points = (pick: (point: SeriesPoint) => number) => result.series.map((p) => ({ x: p.second, y: pick(p) }));
  const stuck = result.series.some((point) => point.stuckLag > 0);
  return {
    title: runTitle(result),
    titleColor: color,
    durationSeconds: result.durationSeconds,
    panelHeight: 110,
    panels: [
      {
        title: 'tasks',
        yLabel: 'tasks',
        wholeNumbers: true,
        series: [
          { name: 'tasks (billed)', color, step: true, points: points((p) => p.tasks) },
          { name: 'needed to keep up', color: '#555', dashed: true, points: points((p) => p.neededTasks) },
        ],
      },
      {
        title: 'lag',
        yLabel: 'messages',
        series: [
          { name: 'drainable lag', color: '#5b7fb8', area: true, points: points((p) => p.lag) },
          ...(stuck ? [{ name: 'stuck lag (poisoned)', color: '#888', points: points((p) => p.stuckLag) }] : []),
        ],
      },
      {
        title: 'time lag',
        yLabel: 'seconds',
        series: [{ name: 'max drainable time lag', color, points: points((p) => p.timeLagSeconds) }],
        threshold:
          result.drainTargetSeconds === undefined
            ? undefined
            : { y: result.drainTargetSeconds, label: `drain target ${result.drainTargetSeconds} s` },
      },
    ],
  };
}

/** A self-contained HTML page: for each trace, one chart per policy. */
export function htmlReport(groups: readonly (readonly SimulationResult[])[], heading: string): string {
  const sections = groups.map((results) => {
    const trace = results[0]?.trace ?? '';
    return `<section><h2>${escapeXml(trace)}</h2>\n${results.map((result) => chartSvg(runChart(result))).join('\n')}</section>`;
  });
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>lagscaler simulate</title>',
    '<style>body{font-family:system-ui,sans-serif;margin:16px}svg{display:block;margin:6px 0 18px}</style></head><body>',
    `<h1>${escapeXml(heading)}</h1>`,
    '<p>One chart per policy, each panel on its own scale. Tasks: billed (step line) and needed just to keep up with production (dashed). Lag: drainable backlog, and the backlog of poisoned partitions no policy can drain. Time lag: the oldest drainable message against the drain target.</p>',
    ...sections,
    '</body></html>',
  ].join('\n');
}

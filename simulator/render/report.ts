/**
 * What the CLI and the bench print and draw: the standard policy line-up with shared parameters, the
 * result table's rows, the targets, and a self-contained HTML page of inline SVG charts.
 * Pure: strings and numbers in, strings out; the callers do the I/O.
 */
import { policyConfigOrThrow, type PolicyConfig, type PolicyConfigInput } from '#domain/policy/index';
import type { SimulationOptions, SimulationResult } from '../model';
import { cloudRunPolicy, ecsTargetTrackingPolicy, kedaHpaPolicy, oursPolicy, type Policy } from '../policies';
import type { Trace } from '../trace';

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

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS: Readonly<Record<string, string>> = {
  ours: '#1b7f3b',
  keda: '#c0392b',
  ecs: '#d68910',
  cloudrun: '#2e5fa8',
};

/**
 * One inline SVG for one run: lag (area, left axis), tasks (step line, right axis), tasks needed just to
 * keep up (dashed), stuck lag (grey). Axes are shared across a trace's charts via `scale`.
 */
export function svgChart(
  result: SimulationResult,
  scale: { readonly maxLag: number; readonly maxTasks: number },
): string {
  const width = 900;
  const height = 220;
  const left = 60;
  const right = 40;
  const top = 24;
  const bottom = 28;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const duration = Math.max(result.durationSeconds, 1);
  const x = (second: number) => left + (second / duration) * plotW;
  const yLag = (lag: number) => top + plotH - (lag / Math.max(scale.maxLag, 1)) * plotH;
  const yTasks = (tasks: number) => top + plotH - (tasks / Math.max(scale.maxTasks, 1)) * plotH;
  const points = result.series;
  const lagArea =
    points.length === 0
      ? ''
      : `M${x(points[0]?.second ?? 0).toFixed(1)},${yLag(0).toFixed(1)} ` +
        points.map((p) => `L${x(p.second).toFixed(1)},${yLag(p.lag).toFixed(1)}`).join(' ') +
        ` L${x(points[points.length - 1]?.second ?? 0).toFixed(1)},${yLag(0).toFixed(1)} Z`;
  const stuck = points.map((p) => `${x(p.second).toFixed(1)},${yLag(p.stuckLag).toFixed(1)}`).join(' ');
  let previous: number | undefined;
  const steps: string[] = [];
  for (const p of points) {
    if (previous !== undefined) steps.push(`${x(p.second).toFixed(1)},${yTasks(previous).toFixed(1)}`);
    steps.push(`${x(p.second).toFixed(1)},${yTasks(p.tasks).toFixed(1)}`);
    previous = p.tasks;
  }
  const needed = points.map((p) => `${x(p.second).toFixed(1)},${yTasks(p.neededTasks).toFixed(1)}`).join(' ');
  const color = COLORS[result.policy] ?? '#333';
  const hours = Math.ceil(duration / 3600);
  const ticks = Array.from({ length: hours + 1 }, (_, h) => h)
    .filter((h) => h * 3600 <= duration)
    .map(
      (h) =>
        `<line x1="${x(h * 3600).toFixed(1)}" y1="${top + plotH}" x2="${x(h * 3600).toFixed(1)}" y2="${top + plotH + 4}" stroke="#666"/>` +
        `<text x="${x(h * 3600).toFixed(1)}" y="${height - 8}" font-size="10" text-anchor="middle">${h}h</text>`,
    )
    .join('');
  const title = `${result.policy}: ${result.taskMinutes.toFixed(0)} task-min (${result.ratioToLowerBound.toFixed(2)}x), ${result.minutesOverDrainTarget.toFixed(1)} min over target, ${result.rebalances} rebalances`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#ccc"/>`,
    `<text x="${left}" y="16" font-size="12" font-weight="bold" fill="${color}">${escapeXml(title)}</text>`,
    `<path d="${lagArea}" fill="#9db4d6" fill-opacity="0.6" stroke="none"/>`,
    `<polyline points="${stuck}" fill="none" stroke="#888" stroke-width="1"/>`,
    `<polyline points="${needed}" fill="none" stroke="#555" stroke-width="1" stroke-dasharray="4 3"/>`,
    `<polyline points="${steps.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
    `<text x="${left - 6}" y="${top + 10}" font-size="10" text-anchor="end">${Math.round(scale.maxLag).toLocaleString('en-US')}</text>`,
    `<text x="${left - 6}" y="${top + plotH}" font-size="10" text-anchor="end">0</text>`,
    `<text x="14" y="${top + plotH / 2}" font-size="10" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">lag (msgs)</text>`,
    `<text x="${width - right + 6}" y="${top + 10}" font-size="10">${scale.maxTasks}</text>`,
    `<text x="${width - right + 6}" y="${top + plotH}" font-size="10">0</text>`,
    `<text x="${width - 8}" y="${top + plotH / 2}" font-size="10" transform="rotate(90 ${width - 8} ${top + plotH / 2})" text-anchor="middle">tasks</text>`,
    ticks,
    '</svg>',
  ].join('\n');
}

/** A self-contained HTML page: for each trace, one chart per policy on shared axes. */
export function htmlReport(groups: readonly (readonly SimulationResult[])[], heading: string): string {
  const sections = groups.map((results) => {
    const maxLag = Math.max(1, ...results.flatMap((r) => r.series.map((p) => Math.max(p.lag, p.stuckLag))));
    const maxTasks = Math.max(1, ...results.flatMap((r) => r.series.map((p) => Math.max(p.tasks, p.neededTasks))));
    const trace = results[0]?.trace ?? '';
    return `<section><h2>${escapeXml(trace)}</h2>\n${results.map((r) => svgChart(r, { maxLag, maxTasks: Math.ceil(maxTasks) })).join('\n')}</section>`;
  });
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>lagscaler simulate</title>',
    '<style>body{font-family:system-ui,sans-serif;margin:16px}svg{display:block;margin:6px 0}</style></head><body>',
    `<h1>${escapeXml(heading)}</h1>`,
    '<p>Blue area: drainable lag (left axis). Grey line: lag of poisoned partitions. Coloured step line: tasks (right axis). Dashed: tasks needed just to keep up with production.</p>',
    ...sections,
    '</body></html>',
  ].join('\n');
}

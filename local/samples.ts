/**
 * Local mode's record of a run: one sample per target per tick (from the tick's report, the metrics
 * it published and the snapshot it read), for the live view, the reaction and the report. The tick
 * loop itself is the Lambda's (`runTickLoop` in lambdas/application/polls.ts).
 */
import { targetId, type ScalerConfig } from '#domain/config/scaler-config';
import type { GroupSnapshot, GroupState } from '#domain/lag/snapshot';
import type { ScalingDecision } from '#domain/policy/index';
import { ScalerMetricName as M, type MetricDatum, type ScalerMetricName } from '#ports/metrics-sink';
import type { TargetOutcome, TickReport } from '#application/tick';

/** What one target looked like at one tick: the numbers the view and the report show. */
export interface TargetSample {
  readonly atMs: number;
  readonly target: string;
  readonly group: string;
  /** Sum of offset lag over the group's partitions (messages). */
  readonly lag: number | undefined;
  readonly timeLagSeconds: number | undefined;
  readonly productionRate: number | undefined;
  readonly consumptionRate: number | undefined;
  readonly health: 'OK' | 'WARN' | 'ERR' | undefined;
  readonly desired: number | undefined;
  readonly running: number | undefined;
  readonly groupState: GroupState | undefined;
  readonly members: number | undefined;
  /** Partitions held by each member, largest first. */
  readonly partitionsPerMember: readonly number[];
  readonly partitions: number | undefined;
  readonly outcome: TargetOutcome['kind'];
  readonly decision: ScalingDecision | undefined;
  readonly error: string | undefined;
}

const healthNames = ['OK', 'WARN', 'ERR'] as const;

function valueOf(
  metrics: readonly MetricDatum[],
  name: ScalerMetricName,
  dimensions: Readonly<Record<string, string>>,
) {
  const keys = Object.keys(dimensions);
  return metrics.find(
    (m) =>
      m.name === name &&
      Object.keys(m.dimensions).length === keys.length &&
      keys.every((key) => m.dimensions[key] === dimensions[key]),
  )?.value;
}

/**
 * One sample per target from a tick's report, the metrics it published and the snapshot it read.
 * Pure: the loop passes in what the recording adapters kept.
 */
export function sampleTick(
  config: ScalerConfig,
  report: TickReport,
  metrics: readonly MetricDatum[],
  snapshotOf: (group: string) => GroupSnapshot | undefined,
): TargetSample[] {
  return config.targets.map((target): TargetSample => {
    const id = targetId(target);
    const outcome = report.targets.find((o) => o.target === id);
    const group = { ConsumerGroup: target.group };
    const scaler = { Target: id };
    const snapshot = snapshotOf(target.group);
    const health = valueOf(metrics, M.HEALTH_STATUS, group);
    const partitionsPerMember = (snapshot?.members ?? [])
      .map((m) => m.assignment.reduce((sum, t) => sum + t.partitions.length, 0))
      .sort((a, b) => b - a);
    return {
      atMs: report.startedAtMs,
      target: id,
      group: target.group,
      lag: valueOf(metrics, M.SUM_OFFSET_LAG, group),
      timeLagSeconds: valueOf(metrics, M.ESTIMATED_MAX_TIME_LAG, group),
      productionRate: sumOver(metrics, M.PRODUCTION_RATE, target.group),
      consumptionRate: sumOver(metrics, M.CONSUMPTION_RATE, target.group),
      health: health === undefined ? undefined : healthNames[health],
      desired: valueOf(metrics, M.DESIRED_TASKS, scaler),
      running: valueOf(metrics, M.RUNNING_TASKS, scaler),
      groupState: snapshot?.state,
      members: snapshot?.members.length,
      partitionsPerMember,
      partitions: snapshot?.partitions.length,
      outcome: outcome?.kind ?? 'error',
      decision: outcome !== undefined && outcome.kind !== 'error' ? outcome.decision : undefined,
      error: outcome?.kind === 'error' ? outcome.message : report.kafkaError,
    };
  });
}

/** Rates are published per topic: the group's rate is their sum. */
function sumOver(metrics: readonly MetricDatum[], name: ScalerMetricName, group: string): number | undefined {
  const values = metrics
    .filter((m) => m.name === name && m.dimensions.ConsumerGroup === group && m.dimensions.Topic !== undefined)
    .map((m) => m.value);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

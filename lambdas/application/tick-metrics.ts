import type { ScalingDecision } from '../domain/policy';
import { ScalerMetricName as M, type MetricDatum } from '../ports/metrics-sink';
import type { ServiceStatus } from '../ports/service-capacity';
import type { TargetMeasurement } from '#domain/lag/targets';
import { perSecond, seconds } from '#domain/policy/observe';

const healthValue = { OK: 0, WARN: 1, ERR: 2 } as const;

/**
 * Lag metrics of one group and of each of its topics (MSK's names where they mean the same:
 * SumOffsetLag, MaxOffsetLag). Nothing is published for a group that could not be read: a missing
 * point is honest where a zero would hide the failure (alarms treat missing data explicitly).
 */
export function lagMetrics(
  group: string,
  m: TargetMeasurement | undefined,
  timestampMs: number,
  options: { readonly partitionMetrics: boolean } = { partitionMetrics: false },
): MetricDatum[] {
  if (m?.kind !== 'measured') return [];
  const { summary, timeLag, rates, health } = m.lag;
  const groupDims = { ConsumerGroup: group };
  const scopes = [
    { dimensions: groupDims, totals: summary, timeLag: timeLag.group, rate: undefined },
    ...summary.topics.map((t) => ({
      dimensions: { ConsumerGroup: group, Topic: t.topic },
      totals: t,
      timeLag: timeLag.topics.find((x) => x.topic === t.topic)?.timeLag,
      rate: rates.find((r) => r.topic === t.topic),
    })),
  ];
  const out = scopes.flatMap(({ dimensions, totals, timeLag: lag, rate }): MetricDatum[] => {
    const metrics: MetricDatum[] = [
      { name: M.SUM_OFFSET_LAG, value: Number(totals.totalLag), unit: 'Count', dimensions, timestampMs },
      { name: M.MAX_OFFSET_LAG, value: Number(totals.maxPartitionLag), unit: 'Count', dimensions, timestampMs },
      { name: M.PARTITIONS_WITH_LAG, value: totals.partitionsWithLag, unit: 'Count', dimensions, timestampMs },
      { name: M.OFFSETS_LOST, value: Number(totals.lostRecords), unit: 'Count', dimensions, timestampMs },
    ];
    const timeLagSeconds = lag ? seconds(lag) : undefined;
    if (timeLagSeconds !== undefined) {
      metrics.push({ name: M.ESTIMATED_MAX_TIME_LAG, value: timeLagSeconds, unit: 'Seconds', dimensions, timestampMs });
    }
    const production = rate ? perSecond(rate.production) : undefined;
    const consumption = rate ? perSecond(rate.consumption) : undefined;
    if (production !== undefined)
      metrics.push({ name: M.PRODUCTION_RATE, value: production, unit: 'Count/Second', dimensions, timestampMs });
    if (consumption !== undefined)
      metrics.push({ name: M.CONSUMPTION_RATE, value: consumption, unit: 'Count/Second', dimensions, timestampMs });
    return metrics;
  });
  out.push({
    name: M.HEALTH_STATUS,
    value: healthValue[health.status],
    unit: 'None',
    dimensions: groupDims,
    timestampMs,
  });
  if (options.partitionMetrics) {
    // One point per partition (they cost more: opt in with partitionMetrics). Unknown lag is left out.
    for (const p of m.lag.partitions) {
      if (p.kind === 'unavailable') continue;
      out.push({
        name: M.PARTITION_OFFSET_LAG,
        value: Number(p.lag),
        unit: 'Count',
        dimensions: { ConsumerGroup: group, Topic: p.topic, Partition: String(p.partition) },
        timestampMs,
      });
    }
  }
  return out;
}

/** What a target's tick did, as its metrics report it. */
export interface ScalerFacts {
  readonly service?: ServiceStatus;
  readonly decision?: ScalingDecision;
  /** The desired count was changed this tick. */
  readonly acted?: boolean;
  /** The tick failed for this target, or its data was missing (ScalerErrors); absent on a conflict. */
  readonly error?: boolean;
  /** This tick's action failed. */
  readonly failed?: boolean;
  /** An action an earlier invocation left pending turned out to have failed (known only now). */
  readonly failedEarlier?: boolean;
  /** The action's outcome could not be saved (the next tick settles it). */
  readonly unrecorded?: boolean;
  /** Another invocation held the claim. */
  readonly conflict?: boolean;
  /** The stored state was replaced by a fresh one. */
  readonly reset?: boolean;
  /** Other autoscalers registered on the service; undefined when not checked. */
  readonly conflictingScalers?: number;
}

/**
 * The scaler's own metrics for a target: task counts, the recommendation, actions, errors, and one
 * metric for every outcome that does not act (ScalerErrors, ScalingFailures, StateConflicts,
 * StateReset), so an alarm can watch each. The event counters are published only when they happen.
 */
export function scalerMetrics(target: string, facts: ScalerFacts, timestampMs: number): MetricDatum[] {
  const dimensions = { Target: target };
  const metric = (name: M, value: number): MetricDatum => ({
    name,
    value,
    unit: 'Count',
    dimensions,
    timestampMs,
  });
  const out: MetricDatum[] = [];
  if (facts.error !== undefined || facts.failed || facts.unrecorded)
    out.push(metric(M.SCALER_ERRORS, facts.error || facts.failed || facts.unrecorded ? 1 : 0));
  if (facts.failed || facts.failedEarlier) out.push(metric(M.SCALING_FAILURES, 1));
  if (facts.conflict) out.push(metric(M.STATE_CONFLICTS, 1));
  if (facts.reset) out.push(metric(M.STATE_RESET, 1));
  if (facts.conflictingScalers !== undefined) out.push(metric(M.CONFLICTING_SCALERS, facts.conflictingScalers));
  if (facts.service)
    out.push(
      metric(
        M.DESIRED_TASKS,
        facts.acted && facts.decision?.kind === 'scale' ? facts.decision.to : facts.service.desired,
      ),
      metric(M.RUNNING_TASKS, facts.service.running),
    );
  if (facts.decision) {
    out.push(
      metric(M.RECOMMENDED_TASKS, facts.decision.kind === 'scale' ? facts.decision.to : facts.decision.recommended),
      metric(M.SCALING_ACTIONS, facts.acted ? 1 : 0),
      metric(M.HOT_PARTITIONS, facts.decision.inputs.hotPartitions),
    );
  }
  return out;
}

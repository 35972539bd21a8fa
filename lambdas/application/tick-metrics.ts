import type { ScalingDecision } from '../domain/policy';
import type { MetricDatum } from '../ports/metrics-sink';
import type { ServiceStatus } from '../ports/service-capacity';
import type { GroupMeasurement } from './measure';

/**
 * Lag metrics of one group and of each of its topics (MSK's names where they mean the same:
 * SumOffsetLag, MaxOffsetLag). Nothing is published for a group that could not be read: a missing
 * point is honest where a zero would hide the failure (alarms treat missing data explicitly).
 */
export function lagMetrics(group: string, m: GroupMeasurement | undefined, timestampMs: number): MetricDatum[] {
  if (m?.kind !== 'measured') return [];
  const scopes = [
    { dimensions: { ConsumerGroup: group }, totals: m.summary },
    ...m.summary.topics.map((t) => ({ dimensions: { ConsumerGroup: group, Topic: t.topic }, totals: t })),
  ];
  return scopes.flatMap(({ dimensions, totals }): MetricDatum[] => [
    { name: 'SumOffsetLag', value: Number(totals.totalLag), unit: 'Count', dimensions, timestampMs },
    { name: 'MaxOffsetLag', value: Number(totals.maxPartitionLag), unit: 'Count', dimensions, timestampMs },
    { name: 'PartitionsWithLag', value: totals.partitionsWithLag, unit: 'Count', dimensions, timestampMs },
    { name: 'OffsetsLost', value: Number(totals.lostRecords), unit: 'Count', dimensions, timestampMs },
  ]);
}

/** The scaler's own metrics for a target: task counts, the recommendation, actions and errors. */
export function scalerMetrics(
  target: string,
  facts: { service?: ServiceStatus; decision?: ScalingDecision; acted?: boolean; error: boolean },
  timestampMs: number,
): MetricDatum[] {
  const dimensions = { Target: target };
  const metric = (name: string, value: number): MetricDatum => ({
    name,
    value,
    unit: 'Count',
    dimensions,
    timestampMs,
  });
  const out = [metric('ScalerErrors', facts.error ? 1 : 0)];
  if (facts.service)
    out.push(
      metric(
        'DesiredTasks',
        facts.acted && facts.decision?.kind === 'scale' ? facts.decision.to : facts.service.desired,
      ),
      metric('RunningTasks', facts.service.running),
    );
  if (facts.decision) {
    out.push(
      metric('RecommendedTasks', facts.decision.kind === 'scale' ? facts.decision.to : facts.decision.recommended),
      metric('ScalingActions', facts.acted ? 1 : 0),
    );
  }
  return out;
}

import { isReconciled, type MaxTimeLag, type Rate } from '../domain/lag';
import type { DataFreshness, PolicyObservation, TopicObservation } from '../domain/policy';
import type { ServiceStatus } from '../ports/service-capacity';
import type { TargetMeasurement } from './measure';

export const seconds = (t: MaxTimeLag): number | undefined => (t.kind === 'known' ? t.ms / 1000 : undefined);
export const perSecond = (r: Rate): number | undefined => (r.kind === 'known' ? r.perSecond : undefined);

/**
 * What the policy sees of one target this tick. A read that failed or found no group is `missing`
 * data (the policy then holds); unreadable partitions make it `partial` (it never scales in on that).
 * The lag of STALLED partitions is excluded: more tasks do not move a partition its member holds still.
 */
export function observe(measurement: TargetMeasurement | undefined, service: ServiceStatus): PolicyObservation {
  if (measurement?.kind !== 'measured') {
    return { topics: [], group: { state: 'Unknown', members: 0, freshness: 'missing' }, service };
  }
  const { summary, scaling, rates } = measurement.lag;
  const members = summary.memberCount;
  const topics = scaling.map((s): TopicObservation => {
    const topic = summary.topics.find((t) => t.topic === s.topic);
    const rate = rates.find((r) => r.topic === s.topic);
    const consumption = rate ? perSecond(rate.consumption) : undefined;
    return {
      topic: s.topic,
      partitions: topic?.partitionCount ?? 0,
      scalableLag: Number(s.scalableLag),
      excludedLag: Number(s.excludedLag),
      maxPartitionLag: Number(s.maxScalablePartitionLag),
      productionRate: rate ? perSecond(rate.production) : undefined,
      maxPartitionProductionRate: undefined,
      consumptionRatePerTask: consumption !== undefined && members > 0 ? consumption / members : undefined,
      timeLagSeconds: seconds(s.scalableTimeLag),
    };
  });
  const freshness: DataFreshness = summary.lagIsLowerBound ? 'partial' : 'complete';
  const { snapshot } = measurement;
  const group = {
    state: summary.state,
    members,
    freshness,
    protocol: snapshot.protocol,
    reconciled: isReconciled(snapshot),
  };
  return { topics, group, service };
}

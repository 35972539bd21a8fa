import type { DataFreshness, PolicyObservation, TopicObservation } from '../domain/policy';
import type { ServiceStatus } from '../ports/service-capacity';
import type { GroupMeasurement } from './measure';

/** Numbers the lag engine derives from history (time lag, rates, stalled partitions), per topic. */
export interface TopicHistoryFacts {
  readonly timeLagSeconds: number | undefined;
  readonly productionRate: number | undefined;
  readonly consumptionRate: number | undefined;
  /** The busiest partition's production rate (msg/s): a hot partition bounds what more tasks can do. */
  readonly maxPartitionProductionRate: number | undefined;
  /** Lag of partitions the health rules found STALLED: scaling cannot fix it. */
  readonly stalledLag: bigint;
}

const noHistory: TopicHistoryFacts = {
  timeLagSeconds: undefined,
  productionRate: undefined,
  consumptionRate: undefined,
  maxPartitionProductionRate: undefined,
  stalledLag: 0n,
};

/**
 * What the policy sees of one target this tick. A read that failed or found no group is `missing`
 * data (the policy then holds); some unreadable partitions make it `partial` (never scales in).
 */
export function observe(
  measurement: GroupMeasurement | undefined,
  service: ServiceStatus,
  history: ReadonlyMap<string, TopicHistoryFacts>,
): PolicyObservation {
  if (measurement?.kind !== 'measured') {
    return { topics: [], group: { state: 'Unknown', members: 0, freshness: 'missing' }, service };
  }
  const { summary } = measurement;
  const members = summary.memberCount;
  const topics = summary.topics.map((t): TopicObservation => {
    const facts = history.get(t.topic) ?? noHistory;
    const stalled = facts.stalledLag > t.totalLag ? t.totalLag : facts.stalledLag;
    return {
      topic: t.topic,
      partitions: t.partitionCount,
      scalableLag: Number(t.totalLag - stalled),
      excludedLag: Number(stalled),
      maxPartitionLag: Number(t.maxPartitionLag),
      productionRate: facts.productionRate,
      maxPartitionProductionRate: facts.maxPartitionProductionRate,
      consumptionRatePerTask:
        facts.consumptionRate !== undefined && members > 0 ? facts.consumptionRate / members : undefined,
      timeLagSeconds: facts.timeLagSeconds,
    };
  });
  const freshness: DataFreshness = summary.kinds.unavailable > 0 ? 'partial' : 'complete';
  return { topics, group: { state: summary.state, members, freshness }, service };
}

/**
 * From the lag engine's measurement of a target to what the policy reads: the one mapping the tick
 * and the simulator share.
 */
import type { GroupMeasurement, TopicScalingInputs } from '../lag/measure';
import { isReconciled } from '../lag/membership';
import { isKnownLag } from '../lag/partition-lag';
import type { Rate } from '../lag/rates';
import type { TargetMeasurement } from '../lag/targets';
import type { PartitionRates, TopicThroughput } from '../lag/throughput';
import { maxTimeLag, type MaxTimeLag, type TimeLag } from '../lag/time-lag';
import type { DataFreshness, PolicyObservation, ServiceObservation, TopicObservation } from './input';

export const seconds = (t: MaxTimeLag): number | undefined => (t.kind === 'known' ? t.ms / 1000 : undefined);
export const perSecond = (r: Rate): number | undefined => (r.kind === 'known' ? r.perSecond : undefined);
const timeLagSeconds = (t: TimeLag): number | undefined => ('ms' in t ? t.ms / 1000 : undefined);

/** A read older than this (ms) is stale: an answer from an earlier poll is no basis for acting now. */
export const STALE_READ_MS = 60_000;

/**
 * What the policy sees of one target this tick. A read that failed or found no group is `missing`
 * data (the policy then holds); unreadable partitions make it `partial` (it never scales in on that);
 * a read older than {@link STALE_READ_MS} is `stale`. The lag of STALLED partitions is excluded: more
 * tasks do not move a partition its member holds still.
 */
export function observe(
  measurement: TargetMeasurement | undefined,
  service: ServiceObservation,
  now?: number,
): PolicyObservation {
  if (measurement?.kind !== 'measured') {
    return { topics: [], group: { state: 'Unknown', members: 0, freshness: 'missing' }, service };
  }
  const { summary } = measurement.lag;
  const topics = measurement.lag.scaling.map((s) => topicObservation(measurement.lag, s));
  const stale = now !== undefined && now - measurement.lag.observedAtMs > STALE_READ_MS;
  const freshness: DataFreshness = stale ? 'stale' : summary.lagIsLowerBound ? 'partial' : 'complete';
  const { snapshot } = measurement;
  const group = {
    state: summary.state,
    members: summary.memberCount,
    freshness,
    protocol: snapshot.protocol,
    reconciled: isReconciled(snapshot),
  };
  return { topics, group, service };
}

/** One topic as the policy reads it: lag, rates, the capacity evidence and the hottest partition. */
function topicObservation(lag: GroupMeasurement, scaling: TopicScalingInputs): TopicObservation {
  const topic = lag.summary.topics.find((t) => t.topic === scaling.topic);
  const throughput = lag.throughput.find((t) => t.topic === scaling.topic);
  const stalled = stalledOf(lag, scaling.topic);
  const production = scalableSum(throughput, stalled, (p) => p.production);
  const consumption = scalableSum(throughput, stalled, (p) => p.consumption);
  const members = lag.summary.memberCount;
  const hottest = hottestPartitionOf(lag, scaling.topic, throughput);
  return {
    topic: scaling.topic,
    partitions: topic?.partitionCount ?? 0,
    scalableLag: Number(scaling.scalableLag),
    excludedLag: Number(scaling.excludedLag),
    maxPartitionLag: Number(scaling.maxScalablePartitionLag),
    productionRate: production,
    maxPartitionProductionRate: hottest?.productionRate,
    consumptionRate: consumption,
    consumptionRatePerTask: consumption !== undefined && members > 0 ? consumption / members : undefined,
    ...capacityEvidence(throughput),
    timeLagSeconds: seconds(scaling.scalableTimeLag),
    hottestPartition: hottest,
    timeLagSecondsWithoutHottest: timeLagWithout(lag, scaling.topic, hottest?.partition),
    recentProduction: (throughput?.production ?? []).map((interval) => ({
      seconds: (interval.toMs - interval.fromMs) / 1000,
      perSecond: interval.perSecond,
    })),
    partitionsWithoutCommit: lag.partitions.filter((p) => p.topic === scaling.topic && p.kind === 'no-commit').length,
  };
}

/** The STALLED partitions of a topic: their production is not something more tasks can consume. */
function stalledOf(lag: GroupMeasurement, topic: string): ReadonlySet<number> {
  return new Set(lag.health.stalledPartitions.filter((p) => p.topic === topic).map((p) => p.partition));
}

/** A rate summed over the topic's partitions that are not STALLED; undefined when none is known. */
function scalableSum(
  throughput: TopicThroughput | undefined,
  stalled: ReadonlySet<number>,
  pick: (rates: PartitionRates) => number | undefined,
): number | undefined {
  const known = (throughput?.partitions ?? [])
    .filter((p) => !stalled.has(p.partition))
    .map(pick)
    .filter((rate): rate is number => rate !== undefined);
  return known.length === 0 ? undefined : known.reduce((sum, rate) => sum + rate, 0);
}

/** The median rate of the saturated members (a capacity sample) and the fastest member's rate (a lower bound). */
function capacityEvidence(
  throughput: TopicThroughput | undefined,
): Pick<TopicObservation, 'saturatedRatePerTask' | 'fastestMemberRate'> {
  const rates = throughput?.members ?? [];
  const saturated = rates.filter((member) => member.saturated).map((member) => member.perSecond);
  const fastest = rates.reduce<number | undefined>((max, member) => Math.max(max ?? 0, member.perSecond), undefined);
  return { saturatedRatePerTask: median(saturated), fastestMemberRate: fastest };
}

function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The hottest partition's production, lag and time lag, when it is scalable (not STALLED). */
function hottestPartitionOf(
  lag: GroupMeasurement,
  topic: string,
  throughput: TopicThroughput | undefined,
): TopicObservation['hottestPartition'] {
  const hot = throughput?.hottestPartition;
  if (hot === undefined) return undefined;
  const stalled = lag.health.stalledPartitions.some((p) => p.topic === topic && p.partition === hot.partition);
  if (stalled) return undefined;
  const partitionLag = lag.partitions.find((p) => p.topic === topic && p.partition === hot.partition);
  const timeLag = lag.timeLag.partitions.find((p) => p.topic === topic && p.partition === hot.partition);
  return {
    partition: hot.partition,
    productionRate: hot.perSecond,
    lag: partitionLag !== undefined && isKnownLag(partitionLag) ? Number(partitionLag.lag) : 0,
    timeLagSeconds: timeLag === undefined ? undefined : timeLagSeconds(timeLag.timeLag),
  };
}

/** The oldest unconsumed message over the scalable partitions other than `exclude`. */
function timeLagWithout(lag: GroupMeasurement, topic: string, exclude: number | undefined): number | undefined {
  const stalled = stalledOf(lag, topic);
  const others = lag.timeLag.partitions.filter(
    (p) => p.topic === topic && p.partition !== exclude && !stalled.has(p.partition),
  );
  return seconds(maxTimeLag(others));
}

/**
 * One "measure" step of a tick, for one group: the previous history and a fresh snapshot in, every
 * lag figure and the history to keep out. Pure: the caller loads and saves the history.
 */
import { appendObservation, pointsOf } from './history';
import type { HistoryLimits, OffsetHistory } from './history';
import { combineHealth, ownershipOf, partitionHealth } from './health';
import type { GroupHealth, HealthOptions } from './health';
import { computePartitionLags, isKnownLag, partitionKey } from './partition-lag';
import type { PartitionLag, PartitionLagOptions } from './partition-lag';
import { topicRates } from './rates';
import type { TopicRates } from './rates';
import { summarizeGroup } from './summary';
import { topicThroughput, type TopicThroughput } from './throughput';
import type { GroupLagSummary } from './summary';
import { maxTimeLag, partitionTimeLag } from './time-lag';
import type { MaxTimeLag, PartitionTimeLag } from './time-lag';
import type { GroupSnapshot } from './snapshot';

/** Everything that shapes a measurement. */
export interface MeasureOptions extends PartitionLagOptions {
  /** How much offset history to keep between ticks. */
  readonly historyLimits: HistoryLimits;
  readonly health?: HealthOptions;
  /**
   * Window for the rates (ms).
   * @default the whole history
   */
  readonly rateWindowMs?: number;
}

/** The inputs of {@link measureGroup}. */
export interface MeasureInput {
  /** The history saved by the previous tick (`emptyOffsetHistory` the first time). */
  readonly previous: OffsetHistory;
  readonly snapshot: GroupSnapshot;
  readonly options: MeasureOptions;
  /** The instant time lags are measured at (epoch ms), normally the tick's clock. */
  readonly now: number;
}

/**
 * What scaling can act on, per topic: the lag of STALL partitions is reported but excluded, since a
 * member holds them and more tasks will not move them.
 */
export interface TopicScalingInputs {
  readonly topic: string;
  readonly scalableLag: bigint;
  readonly excludedLag: bigint;
  readonly excludedPartitions: number;
  /** Largest lag of one scalable partition. */
  readonly maxScalablePartitionLag: bigint;
  /** Largest time lag over the scalable partitions. */
  readonly scalableTimeLag: MaxTimeLag;
}

/** Time lags at every level. */
export interface TimeLagMeasurement {
  readonly group: MaxTimeLag;
  readonly topics: readonly { readonly topic: string; readonly timeLag: MaxTimeLag }[];
  readonly partitions: readonly PartitionTimeLag[];
}

/** The result of {@link measureGroup}. */
export interface GroupMeasurement {
  readonly group: string;
  readonly observedAtMs: number;
  readonly partitions: readonly PartitionLag[];
  readonly summary: GroupLagSummary;
  readonly timeLag: TimeLagMeasurement;
  readonly rates: readonly TopicRates[];
  /** Per topic: members' rates and saturation, the hottest partition, production per interval. */
  readonly throughput: readonly TopicThroughput[];
  readonly health: GroupHealth;
  readonly scaling: readonly TopicScalingInputs[];
  /** The history to save for the next tick. */
  readonly nextHistory: OffsetHistory;
}

function scalingInputs(
  topic: string,
  partitions: readonly PartitionLag[],
  timeLags: readonly PartitionTimeLag[],
  stalled: ReadonlySet<string>,
): TopicScalingInputs {
  let scalableLag = 0n;
  let excludedLag = 0n;
  let excludedPartitions = 0;
  let maxScalablePartitionLag = 0n;
  for (const p of partitions) {
    if (p.topic !== topic || !isKnownLag(p)) continue;
    if (stalled.has(partitionKey(p))) {
      excludedLag += p.lag;
      excludedPartitions += 1;
      continue;
    }
    scalableLag += p.lag;
    if (p.lag > maxScalablePartitionLag) maxScalablePartitionLag = p.lag;
  }
  const scalableTimeLag = maxTimeLag(timeLags.filter((t) => t.topic === topic && !stalled.has(partitionKey(t))));
  return { topic, scalableLag, excludedLag, excludedPartitions, maxScalablePartitionLag, scalableTimeLag };
}

/** Whether any partition other than `except` moved its commit after `atMs`. */
function committedSince(history: OffsetHistory, atMs: number, except: { topic: string; partition: number }): boolean {
  return history.partitions.some((p) => {
    if (p.topic === except.topic && p.partition === except.partition) return false;
    const from = p.points.findLast((point) => point.atMs <= atMs)?.committed;
    const to = p.points.at(-1)?.committed;
    return from !== undefined && to !== undefined && to > from;
  });
}

/**
 * Measures one group: appends the snapshot to the history, then computes partition lags, summaries,
 * time lags, rates and health from it. Deterministic for equal inputs.
 */
export function measureGroup(input: MeasureInput): GroupMeasurement {
  const { previous, snapshot, options, now } = input;
  const nextHistory = appendObservation(previous, snapshot, options.historyLimits);
  const partitions = computePartitionLags(snapshot.partitions, options);
  const summary = summarizeGroup(snapshot, partitions);
  const ownership = ownershipOf(snapshot);

  const timeLags = partitions.map((lag): PartitionTimeLag => ({
    topic: lag.topic,
    partition: lag.partition,
    timeLag: partitionTimeLag(lag, pointsOf(nextHistory, lag), now),
  }));
  const health = combineHealth(
    partitions.map((lag) =>
      partitionHealth(
        {
          lag,
          points: pointsOf(nextHistory, lag),
          ownership: ownership(lag),
          othersCommittedSince: (atMs) => committedSince(nextHistory, atMs, lag),
        },
        options.health,
      ),
    ),
  );
  const stalled = new Set(health.stalledPartitions.map(partitionKey));
  const topics = summary.topics.map((t) => t.topic);
  const rateOptions = options.rateWindowMs === undefined ? { now } : { now, windowMs: options.rateWindowMs };

  return {
    group: snapshot.group,
    observedAtMs: snapshot.observedAtMs,
    partitions,
    summary,
    timeLag: {
      group: maxTimeLag(timeLags),
      topics: topics.map((topic) => ({ topic, timeLag: maxTimeLag(timeLags.filter((t) => t.topic === topic)) })),
      partitions: timeLags,
    },
    rates: topicRates(nextHistory, partitions, rateOptions),
    throughput: topics.map((topic) =>
      topicThroughput(
        nextHistory,
        { topic, partitions: partitions.filter((p) => p.topic === topic).map((p) => p.partition) },
        snapshot.members,
        {
          ...rateOptions,
          exclude: new Set(health.stalledPartitions.filter((p) => p.topic === topic).map((p) => p.partition)),
        },
      ),
    ),
    health,
    scaling: topics.map((topic) => scalingInputs(topic, partitions, timeLags, stalled)),
    nextHistory,
  };
}

/**
 * Per-task capacity (msg/s) per topic, the number drain-time sizing divides by. It is learned only
 * from saturated members (queued work at every point of a settled rate window), kept as a few samples
 * whose median is the estimate, and forgotten a day after the last sample.
 */
import type { PolicyConfig } from './config';
import type { CapacitySample, PolicyMemory, TopicObservation } from './input';
import type { TopicLoad } from './sizing';

/** Capacity samples kept per topic: the estimate is their median, so one odd window cannot move it. */
export const CAPACITY_SAMPLES = 5;

/** A sample older than this no longer counts: the estimate decays to unknown when nothing re-measures it. */
export const CAPACITY_SAMPLE_MAX_AGE_MS = 24 * 3_600_000;

/** This tick's capacity estimate and what to remember. */
export interface Capacity {
  /** Capacity estimate per topic (msg/s per task), undefined where none is known. */
  readonly perTopic: readonly (number | undefined)[];
  /** The estimate per topic, as remembered (the decision log reads it). */
  readonly remembered: Readonly<Record<string, number>>;
  readonly samples: Readonly<Record<string, readonly CapacitySample[]>>;
}

/** Whether this tick's member rates may be taken as capacity samples. */
export interface RateTrust {
  /**
   * Settled for a whole rate window: same members, same assignment, no rebalance pause inside it,
   * so a saturated member's rate is what one task can do.
   */
  readonly exact: boolean;
}

/** The trust this tick's rates earn from how long the group has been settled. */
export function rateTrust(
  history: Pick<PolicyMemory, 'settledSinceMs'>,
  config: Pick<PolicyConfig, 'rateWindowSeconds'>,
  now: number,
): RateTrust {
  const windowMs = config.rateWindowSeconds * 1000;
  return { exact: history.settledSinceMs !== undefined && now - history.settledSinceMs >= windowMs };
}

function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return undefined;
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The samples remembered for a topic; a state from before samples existed seeds one from its estimate. */
function rememberedSamples(memory: PolicyMemory, topic: string, now: number): readonly CapacitySample[] {
  const samples = memory.capacitySamples?.[topic];
  if (samples !== undefined) return samples.filter((sample) => now - sample.atMs <= CAPACITY_SAMPLE_MAX_AGE_MS);
  const legacy = memory.capacityPerTask[topic];
  return legacy === undefined ? [] : [{ atMs: now, perSecond: legacy }];
}

/**
 * This tick's sample for a topic, if any: the saturated members' median rate over a settled window,
 * or, when no member was saturated, the fastest member's rate if it beats the estimate (a task did at
 * least that much, so the estimate was too low). Never a rate from a window with silence or idle members.
 */
function sampleOf(topic: TopicObservation, estimate: number | undefined, trust: RateTrust): number | undefined {
  if (!trust.exact) return undefined;
  if (topic.saturatedRatePerTask !== undefined && topic.saturatedRatePerTask > 0) return topic.saturatedRatePerTask;
  const fastest = topic.fastestMemberRate;
  return fastest !== undefined && estimate !== undefined && fastest > estimate ? fastest : undefined;
}

/**
 * Per-task capacity per topic: the median of the last {@link CAPACITY_SAMPLES} samples, each taken
 * only from members that had queued work for a whole settled window (see `sampleOf`).
 */
export function estimateCapacity(
  topics: readonly TopicObservation[],
  memory: PolicyMemory,
  trust: RateTrust,
  now: number,
): Capacity {
  const remembered: Record<string, number> = {};
  const samples: Record<string, readonly CapacitySample[]> = {};
  const perTopic = topics.map((topic) => {
    const kept = rememberedSamples(memory, topic.topic, now);
    const sample = sampleOf(topic, median(kept.map((s) => s.perSecond)), trust);
    const next = sample === undefined ? kept : [...kept, { atMs: now, perSecond: sample }].slice(-CAPACITY_SAMPLES);
    const estimate = median(next.map((s) => s.perSecond));
    if (next.length > 0) samples[topic.topic] = next;
    if (estimate !== undefined) remembered[topic.topic] = estimate;
    return estimate;
  });
  carryUnseenTopics(memory, topics, now, samples, remembered);
  return { perTopic, remembered, samples };
}

/**
 * Topics in memory that this tick did not observe (a read that missed them, a topic list being
 * edited) keep their samples until they age out: capacity is forgotten a day after its last sample,
 * never because one read left a topic out.
 */
function carryUnseenTopics(
  memory: PolicyMemory,
  topics: readonly TopicObservation[],
  now: number,
  samples: Record<string, readonly CapacitySample[]>,
  remembered: Record<string, number>,
): void {
  const seen = new Set(topics.map((topic) => topic.topic));
  const known = new Set([...Object.keys(memory.capacitySamples ?? {}), ...Object.keys(memory.capacityPerTask)]);
  for (const topic of known) {
    if (seen.has(topic)) continue;
    const kept = rememberedSamples(memory, topic, now);
    const estimate = median(kept.map((s) => s.perSecond));
    if (kept.length > 0) samples[topic] = kept;
    if (estimate !== undefined) remembered[topic] = estimate;
  }
}

/**
 * A partition no count can drain: it alone produces more than one task consumes at the target
 * utilization. Its lag is named, not chased: sizing leaves it out and serves the rest of the group.
 */
export interface HotPartition {
  readonly topic: string;
  readonly partition: number;
  /** Partitions of its topic. */
  readonly partitions: number;
  /** Its production (msg/s) against one task's capacity (msg/s). */
  readonly productionRate: number;
  readonly capacityPerTask: number;
  readonly lag: number;
}

/** The unfixable hot partition of each topic that has one (given its capacity). */
export function unfixableHotPartitions(
  topics: readonly TopicObservation[],
  capacity: Capacity,
  utilization: number,
): readonly HotPartition[] {
  return topics.flatMap((topic, index) => {
    const capacityPerTask = capacity.perTopic[index];
    const hot = topic.hottestPartition;
    if (capacityPerTask === undefined || hot === undefined || topic.partitions <= 1) return [];
    if (hot.productionRate <= capacityPerTask * utilization) return [];
    const { partition, productionRate, lag } = hot;
    return [{ topic: topic.topic, partition, partitions: topic.partitions, productionRate, capacityPerTask, lag }];
  });
}

/** One topic's load for sizing: forecast production, and without its unfixable hot partition. */
function loadOf(
  topic: TopicObservation,
  capacityPerTask: number,
  production: number,
  hot: HotPartition | undefined,
): TopicLoad {
  // The forecast scales the topic's rate; the hottest partition's share of it stays what it is now.
  const scale = topic.productionRate !== undefined && topic.productionRate > 0 ? production / topic.productionRate : 1;
  if (hot === undefined) {
    return {
      partitions: topic.partitions,
      scalableLag: topic.scalableLag,
      maxPartitionLag: topic.maxPartitionLag,
      productionRate: production,
      maxPartitionProductionRate:
        topic.maxPartitionProductionRate === undefined ? undefined : topic.maxPartitionProductionRate * scale,
      capacityPerTask,
    };
  }
  const rest = Math.max(topic.partitions - 1, 1);
  const restLag = Math.max(0, topic.scalableLag - hot.lag);
  return {
    partitions: rest,
    scalableLag: restLag,
    // The rest is taken as even: the second-hottest partition is not known.
    maxPartitionLag: restLag / rest,
    productionRate: Math.max(0, production - hot.productionRate * scale),
    maxPartitionProductionRate: undefined,
    capacityPerTask,
  };
}

/**
 * The topics as drain-time sizing sees them (production as forecast, unfixable hot partitions left
 * out); undefined unless every topic has a capacity and a production forecast.
 */
export function toLoads(
  topics: readonly TopicObservation[],
  capacity: Capacity,
  production: readonly (number | undefined)[],
  hot: readonly HotPartition[] = [],
): readonly TopicLoad[] | undefined {
  const loads: TopicLoad[] = [];
  for (const [index, topic] of topics.entries()) {
    const capacityPerTask = capacity.perTopic[index];
    const forecast = production[index];
    if (capacityPerTask === undefined || forecast === undefined) return undefined;
    loads.push(
      loadOf(
        topic,
        capacityPerTask,
        forecast,
        hot.find((h) => h.topic === topic.topic),
      ),
    );
  }
  return loads;
}

/** The smallest known per-task capacity (msg/s) across topics, for the decision's numbers. */
export function smallestCapacity(capacity: Capacity): number | undefined {
  return capacity.perTopic.reduce<number | undefined>(
    (min, value) => (value === undefined ? min : Math.min(min ?? value, value)),
    undefined,
  );
}

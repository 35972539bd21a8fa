/**
 * The simulated partitions: their offsets and histories, poison windows, time lag, and how a task's
 * throughput is shared among the partitions it owns.
 */
import type { Trace } from './trace';

/** Offsets closer than this are equal: fractional messages accumulate float error. */
export const OFFSET_EPSILON = 1e-9;

/** A partition's share of its topic's production (0..1) from `fromSecond` on. */
export interface ShareChange {
  readonly fromSecond: number;
  readonly share: number;
}

/** One topic-partition in the model; offsets are fractional messages. */
export interface SimPartition {
  readonly topicIndex: number;
  readonly partition: number;
  /** This partition's share of its topic's production over time: the first from second 0, in order (skew). */
  readonly shares: readonly ShareChange[];
  readonly poisonFrom: number | undefined;
  readonly poisonUntil: number | undefined;
  end: number;
  committed: number;
  /** End offset after each second (index t = after second t-1); non-decreasing, for time lag. */
  readonly endHistory: Float64Array;
  /** Committed offset after each second, for per-member consumption rates. */
  readonly committedHistory: Float64Array;
}

/** Every topic-partition of the trace at second 0, with history room for `durationSeconds`. */
export function createPartitions(trace: Trace, durationSeconds: number): SimPartition[] {
  return trace.topics.flatMap((topic, topicIndex) => {
    const schedule = weightSchedule(topic);
    return Array.from({ length: topic.partitions }, (_, partition): SimPartition => {
      const poison = trace.poisoned.find((p) => p.topic === topic.name && p.partition === partition);
      const endHistory = new Float64Array(durationSeconds + 1);
      endHistory[0] = topic.initialLagPerPartition;
      return {
        topicIndex,
        partition,
        shares: schedule.map(({ fromSecond, weights, total }) => ({
          fromSecond,
          share: (weights[partition] ?? 0) / total,
        })),
        poisonFrom: poison?.fromSecond,
        poisonUntil: poison?.untilSecond,
        end: topic.initialLagPerPartition,
        committed: 0,
        endHistory,
        committedHistory: new Float64Array(durationSeconds + 1),
      };
    });
  });
}

/**
 * A topic's weights over time: its `weights` (or even) from second 0, then each skew change from its
 * second (a change at second 0 replaces the first).
 */
export function weightSchedule(
  topic: Trace['topics'][number],
): readonly { fromSecond: number; weights: readonly number[]; total: number }[] {
  const first = topic.weights ?? Array.from({ length: topic.partitions }, () => 1);
  const changes = [{ fromSecond: 0, weights: first }, ...(topic.skew ?? [])];
  return changes
    .filter((change, index) => changes[index + 1]?.fromSecond !== change.fromSecond)
    .map(({ fromSecond, weights }) => ({
      fromSecond,
      weights,
      total: weights.reduce((sum, weight) => sum + weight, 0),
    }));
}

/** The partition's share of its topic's production at `second`: the last change at or before it. */
export function shareAt(partition: SimPartition, second: number): number {
  const { shares } = partition;
  for (let index = shares.length - 1; index >= 0; index -= 1) {
    const change = shares[index];
    if (change !== undefined && change.fromSecond <= second) return change.share;
  }
  return 0;
}

/** Whether a poison message blocks this partition's consumption at `second`. */
export function poisonedAt(partition: SimPartition, second: number): boolean {
  return (
    partition.poisonFrom !== undefined &&
    second >= partition.poisonFrom &&
    (partition.poisonUntil === undefined || second < partition.poisonUntil)
  );
}

/** Messages produced and not yet committed (fractional). */
export function backlogOf(partition: SimPartition): number {
  return partition.end - partition.committed;
}

/** Age (s) of the oldest unconsumed message: when did the end offset first pass the committed one. */
export function timeLagOf(partition: SimPartition, second: number): number {
  if (partition.committed >= partition.end - OFFSET_EPSILON) return 0;
  let lo = 0;
  let hi = second + 1;
  // First index whose end offset exceeds the committed offset: the oldest unconsumed message.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((partition.endHistory[mid] ?? Infinity) > partition.committed + OFFSET_EPSILON) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(0, second + 1 - lo);
}

/**
 * Share one task's capacity (messages this second) among its lagging, unpoisoned partitions, smallest
 * backlog first (water filling), so a small backlog is finished and its unused share goes to the rest.
 */
export function drainWithCapacity(
  partitions: readonly SimPartition[],
  indexes: readonly number[],
  capacity: number,
  second: number,
): void {
  const open = indexes
    .map((index) => partitions[index])
    .filter((partition): partition is SimPartition => partition !== undefined && !poisonedAt(partition, second))
    .filter((partition) => backlogOf(partition) > OFFSET_EPSILON)
    .sort((a, b) => backlogOf(a) - backlogOf(b));
  let remaining = capacity;
  open.forEach((partition, position) => {
    const fair = remaining / (open.length - position);
    const take = Math.min(backlogOf(partition), fair);
    partition.committed += take;
    remaining -= take;
  });
}

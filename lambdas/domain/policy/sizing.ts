/**
 * Drain-time sizing. Per topic, the busiest of n members holds k = ceil(P/n) partitions. Its load is
 * the larger of an even share (k/P of production and lag) and the hottest partition plus k-1 average
 * others (skewed keys), and it must absorb that production and clear that backlog with one task's
 * capacity c (msg/s):
 *   drain(n) = pause + (backlog + production x pause) / (c - production)   (Infinity when c <= production).
 * A change of count first pauses the group for the rebalance, during which the backlog grows.
 */
import { busiestMemberPartitions, usefulCounts } from './assignment';

/** The per-topic numbers sizing needs; capacity is the per-task capacity estimate (msg/s). */
export interface TopicLoad {
  readonly partitions: number;
  readonly scalableLag: number;
  readonly maxPartitionLag: number;
  readonly productionRate: number;
  /** Production of the hottest partition (msg/s); undefined = assume an even spread. */
  readonly maxPartitionProductionRate: number | undefined;
  readonly capacityPerTask: number;
}

/** Production (msg/s) and backlog (messages) of the busiest member when `tasks` share the topic. */
export function busiestMemberLoad(load: TopicLoad, tasks: number): { production: number; backlog: number } {
  const held = busiestMemberPartitions(load.partitions, Math.max(tasks, 1));
  const share = held / load.partitions;
  const others = Math.max(load.partitions - 1, 1);
  const hot = load.maxPartitionProductionRate;
  const skewedProduction = hot === undefined ? 0 : hot + ((held - 1) * Math.max(0, load.productionRate - hot)) / others;
  const skewedBacklog =
    load.maxPartitionLag + ((held - 1) * Math.max(0, load.scalableLag - load.maxPartitionLag)) / others;
  return {
    production: Math.max(share * load.productionRate, skewedProduction),
    backlog: Math.max(share * load.scalableLag, skewedBacklog),
  };
}

/** Seconds the busiest member of one topic needs to drain its backlog with `tasks` tasks. */
export function topicDrainSeconds(load: TopicLoad, tasks: number, pauseSeconds: number): number {
  if (tasks <= 0) return load.scalableLag > 0 || load.productionRate > 0 ? Infinity : 0;
  const busiest = busiestMemberLoad(load, tasks);
  const spare = load.capacityPerTask - busiest.production;
  const backlog = busiest.backlog + busiest.production * pauseSeconds;
  if (backlog <= 0) return spare >= 0 ? pauseSeconds : Infinity;
  if (spare <= 0) return Infinity;
  return pauseSeconds + backlog / spare;
}

/** The group drains when its slowest topic does. */
export function drainSeconds(loads: readonly TopicLoad[], tasks: number, pauseSeconds: number): number {
  return loads.reduce((worst, load) => Math.max(worst, topicDrainSeconds(load, tasks, pauseSeconds)), 0);
}

/** True when every topic's busiest member absorbs production within `utilization` of its capacity. */
export function keepsUp(loads: readonly TopicLoad[], tasks: number, utilization: number): boolean {
  if (tasks <= 0) return loads.every((load) => load.productionRate <= 0);
  return loads.every((load) => busiestMemberLoad(load, tasks).production <= utilization * load.capacityPerTask);
}

export interface DrainSizing {
  readonly tasks: number;
  /** True when the count meets both the utilization and the drain target. */
  readonly meetsTarget: boolean;
}

export interface DrainSizingRequest {
  readonly loads: readonly TopicLoad[];
  readonly current: number;
  readonly drainTargetSeconds: number;
  readonly utilization: number;
  readonly pauseSeconds: number;
  /** Seconds before an added task consumes (start + join); the backlog keeps growing meanwhile. */
  readonly startSeconds: number;
}

/**
 * The load as it will be when added tasks start consuming: for `startSeconds` the current count keeps
 * running, so whatever it cannot absorb piles up (on the group and on its busiest member).
 */
export function projectLoad(load: TopicLoad, current: number, startSeconds: number): TopicLoad {
  if (startSeconds <= 0) return load;
  const busiest = busiestMemberLoad(load, current);
  const held = busiestMemberPartitions(load.partitions, Math.max(current, 1));
  const groupGrowth = Math.max(0, load.productionRate - current * load.capacityPerTask) * startSeconds;
  const busiestGrowth =
    current <= 0 ? groupGrowth : Math.max(0, busiest.production - load.capacityPerTask) * startSeconds;
  return {
    ...load,
    scalableLag: load.scalableLag + Math.max(groupGrowth, busiestGrowth),
    maxPartitionLag: load.maxPartitionLag + busiestGrowth / held,
  };
}

/** Seconds to drain at `tasks`, counting the start delay and the pause a change costs. */
export function drainSecondsAfterChange(
  request: Pick<DrainSizingRequest, 'loads' | 'current' | 'pauseSeconds' | 'startSeconds'>,
  tasks: number,
): number {
  const { loads, current, pauseSeconds, startSeconds } = request;
  if (tasks === current) return drainSeconds(loads, tasks, 0);
  if (tasks < current) return drainSeconds(loads, tasks, pauseSeconds);
  const projected = loads.map((load) => projectLoad(load, current, startSeconds));
  return startSeconds + drainSeconds(projected, tasks, pauseSeconds);
}

/**
 * The smallest useful count that keeps up and drains within the target, counting one rebalance pause
 * for any count other than the current one, and for added tasks their start delay (the backlog they
 * will find is larger than today's: one right-sized step instead of several small ones). When none can, the smallest count (useful, or the current
 * one) whose drain time is within 10 % of the best achievable, pauses included: chasing the last few percent with more tasks is how a single
 * slow partition drives a group to max.
 */
export function sizeForDrainTarget(request: DrainSizingRequest): DrainSizing {
  const { loads, current, drainTargetSeconds, utilization } = request;
  const candidates = usefulCounts(loads.map((load) => load.partitions));
  const drainAt = (tasks: number): number => drainSecondsAfterChange(request, tasks);
  for (const tasks of candidates) {
    if (keepsUp(loads, tasks, utilization) && drainAt(tasks) <= drainTargetSeconds) return { tasks, meetsTarget: true };
  }
  const largest = candidates[candidates.length - 1] ?? 1;
  // The current count is a candidate too: it costs no pause, so it may beat every change.
  const best = [...candidates, current].reduce(
    (min, tasks) => (tasks > 0 ? Math.min(min, drainAt(tasks)) : min),
    Infinity,
  );
  if (!Number.isFinite(best)) return { tasks: largest, meetsTarget: false };
  const good =
    [...candidates, current].filter((tasks) => tasks > 0 && drainAt(tasks) <= best * 1.1).sort((a, b) => a - b)[0] ??
    largest;
  return { tasks: good, meetsTarget: false };
}

/**
 * The task range a decision must stay inside, and the step bound that moves toward a target within it.
 * Both snap to useful counts: a count with the same busiest-member load as a smaller one only adds a
 * rebalance.
 */
import { capPartitions, usefulAtLeast, usefulAtMost } from './assignment';
import type { PolicyConfig } from './config';

/** The task range this observation allows: [lower, upper], both useful counts where possible. */
export interface TaskBounds {
  readonly lower: number;
  readonly upper: number;
}

/**
 * The cap: the largest topic's partition count unless allowIdleConsumers, snapped down to a useful
 * count (maxTasks 5 on 12 partitions means 4). minTasks is snapped up to a useful count when one fits,
 * because a count with the same busiest-member load as a smaller one only adds a rebalance.
 */
export function taskBounds(partitionCounts: readonly number[], config: PolicyConfig): TaskBounds {
  const cap = capPartitions(partitionCounts);
  if (config.allowIdleConsumers) {
    const lower = Math.max(config.minTasks, 1);
    const snapped = lower <= cap ? usefulAtLeast(partitionCounts, lower) : undefined;
    return { lower: snapped !== undefined && snapped <= config.maxTasks ? snapped : lower, upper: config.maxTasks };
  }
  const floor = Math.min(config.minTasks, cap);
  // Snapping maxTasks down must not undercut minTasks: min = max = 4 on 5 partitions means 4.
  const upper = Math.max(usefulAtMost(partitionCounts, Math.min(config.maxTasks, cap)) ?? 1, floor);
  const snapped = usefulAtLeast(partitionCounts, floor);
  const lower = snapped !== undefined && snapped <= upper ? snapped : floor;
  return { lower, upper };
}

/** One step from the current count toward a target, at most `maxStep` tasks (undefined = no bound). */
export interface StepRequest {
  readonly from: number;
  readonly to: number;
  readonly maxStep: number | undefined;
}

/** Step bound, rounded to a useful count in the direction of travel (a useless count buys only a rebalance). */
export function boundStep(partitionCounts: readonly number[], move: StepRequest, bounds: TaskBounds): number {
  const { from, to, maxStep } = move;
  if (to > from) {
    const limit = maxStep === undefined ? to : Math.min(to, from + maxStep);
    const within = usefulAtMost(partitionCounts, limit);
    if (within !== undefined && within > from) return within;
    return Math.min(usefulAtLeast(partitionCounts, from + 1) ?? to, bounds.upper);
  }
  if (to === 0) return 0;
  // Scale-in keeps the busiest member at least as light as the target asks: snap the target up.
  const wanted = Math.max(usefulAtLeast(partitionCounts, to) ?? to, bounds.lower);
  if (wanted >= from || maxStep === undefined || wanted >= from - maxStep) return wanted;
  const within = usefulAtLeast(partitionCounts, from - maxStep);
  if (within !== undefined && within < from) return within;
  return Math.max(usefulAtMost(partitionCounts, from - 1) ?? wanted, wanted);
}

/**
 * The recommended task count and the sizing rule behind it: zero when idle (scaleToZero), else by drain
 * time from measured capacity, else by the lag threshold until a capacity is known; then kept inside
 * the task range. The gates after sizing decide whether and how far to move toward it.
 */
import { usefulAtLeast } from './assignment';
import type { TaskBounds } from './bounds';
import type { PolicyRule } from './input';
import { sizeForDrainTarget, type TopicLoad } from './sizing';
import type { TickContext } from './tick';

/** The rules sizing can name: how the recommendation was reached. */
export type SizingRule = Extract<PolicyRule, 'scale-to-zero' | 'drain-target' | 'lag-threshold' | 'activation'>;

/** What sizing alone would run, and by which rule. */
export interface Sizing {
  /** Tasks sizing alone would run. */
  readonly recommended: number;
  readonly sizingRule: SizingRule;
  /** False when no count meets both the utilization and the drain target (drain-target sizing only). */
  readonly meetsTarget: boolean;
}

/** Idle: scaleToZero is on, the lag is within activationLag and no topic produces anything. */
export function isIdle(tick: TickContext): boolean {
  const { config, totals, observation } = tick;
  return (
    config.scaleToZero &&
    totals.scalableLag <= config.activationLag &&
    observation.topics.every((topic) => topic.productionRate === 0)
  );
}

/** The smallest useful count that keeps up and drains within drainTargetSeconds (see sizing.ts). */
export function sizeByDrainTarget(tick: TickContext, loads: readonly TopicLoad[]): Sizing {
  const { current, config } = tick;
  const sizing = sizeForDrainTarget({
    loads,
    current,
    drainTargetSeconds: config.drainTargetSeconds,
    utilization: config.targetUtilization,
    pauseSeconds: config.rebalancePauseSeconds,
    startSeconds: config.taskStartSeconds,
  });
  return { recommended: sizing.tasks, sizingRule: 'drain-target', meetsTarget: sizing.meetsTarget };
}

/** Until a capacity is known: ceil(lag / lagPerTaskThreshold), snapped up to a useful count. */
export function sizeByLagThreshold(tick: TickContext): Sizing {
  const { partitionCounts, config, current, bounds, totals } = tick;
  const byLag =
    usefulAtLeast(partitionCounts, Math.ceil(totals.scalableLag / config.lagPerTaskThreshold)) ?? bounds.upper;
  // Old data behind a threshold set too high: the time lag still says the group is late.
  const late = totals.timeLagSeconds !== undefined && totals.timeLagSeconds > config.drainTargetSeconds;
  const recommended = late && byLag <= current ? (usefulAtLeast(partitionCounts, current + 1) ?? byLag) : byLag;
  return { recommended, sizingRule: 'lag-threshold', meetsTarget: true };
}

/** A non-zero recommendation inside the task range (zero stays zero: only idle sizing asks for it). */
export function clampToBounds(recommended: number, bounds: TaskBounds): number {
  return recommended === 0 ? 0 : Math.min(bounds.upper, Math.max(bounds.lower, recommended, 1));
}

/** Recommend a task count for this tick: by the first sizing rule that applies, inside the task range. */
export function recommend(tick: TickContext, loads: readonly TopicLoad[] | undefined): Sizing {
  const sized: Sizing = isIdle(tick)
    ? { recommended: 0, sizingRule: 'scale-to-zero', meetsTarget: true }
    : loads !== undefined
      ? sizeByDrainTarget(tick, loads)
      : sizeByLagThreshold(tick);
  const recommended = clampToBounds(sized.recommended, tick.bounds);
  // Starting a stopped group is its own rule, whatever sized it, so the log says why tasks appeared.
  const starts = tick.current === 0 && recommended > 0 && sized.sizingRule !== 'scale-to-zero';
  return { ...sized, recommended, sizingRule: starts ? 'activation' : sized.sizingRule };
}

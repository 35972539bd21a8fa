/**
 * The recommended task count and the sizing rule behind it: zero when idle (scaleToZero), else by drain
 * time from measured capacity, else by the lag threshold until a capacity is known; then kept inside
 * the task range. The gates after sizing decide whether and how far to move toward it.
 */
import { capPartitions, usefulAtLeast } from './assignment';
import type { TaskBounds } from './bounds';
import type { PolicyConfig } from './config';
import type { PolicyRule } from './input';
import { toLoads, type HotPartition } from './capacity';
import { sizeForDrainTarget, type TopicLoad } from './sizing';
import type { TickContext } from './tick';

/** The rules sizing can name: how the recommendation was reached. */
export type SizingRule = Extract<
  PolicyRule,
  'scale-to-zero' | 'drain-target' | 'lag-threshold' | 'activation' | 'hot-partition' | 'behind'
>;

/** What sizing alone would run, and by which rule. */
export interface Sizing {
  /** Tasks sizing alone would run. */
  readonly recommended: number;
  readonly sizingRule: SizingRule;
  /** False when no count meets both the utilization and the drain target (drain-target sizing only). */
  readonly meetsTarget: boolean;
  /** Why, in words, when the rule needs more than its name (hot partitions, falling behind). */
  readonly reason?: string;
  /**
   * Tasks production alone needs, without the backlog: what the scale-in stabilization window
   * remembers, so that a burst's backlog (drained by then) does not hold its size for the window.
   */
  readonly sustained?: number;
}

/** What sizing reads besides the tick: the loads and the partitions it leaves out. */
export interface SizingInputs {
  readonly loads: readonly TopicLoad[] | undefined;
  readonly hot: readonly HotPartition[];
  /** A capacity a task has certainly shown this tick (msg/s, fastest member over a settled window). */
  readonly lowerBoundCapacity: readonly (number | undefined)[];
  readonly production: readonly (number | undefined)[];
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

/**
 * Until a capacity is known: ceil(lag / lagPerTaskThreshold) snapped up to a useful count, never
 * fewer than now (a scale-in needs a measured capacity), unless a capacity a task has certainly
 * shown (the fastest member over a settled window) already sizes the group below the current count.
 */
export function sizeByLagThreshold(tick: TickContext, inputs: SizingInputs): Sizing {
  const { partitionCounts, config, current, bounds, totals } = tick;
  // More tasks than the largest topic has partitions add no throughput, idle consumers allowed or not.
  const byLag =
    usefulAtLeast(partitionCounts, Math.ceil(totals.scalableLag / config.lagPerTaskThreshold)) ??
    Math.min(bounds.upper, Math.max(capPartitions(partitionCounts), 1));
  const conservative = conservativeLoads(tick, inputs);
  // Sizing on a capacity tasks have certainly shown can only overstate the need: it may lower the
  // threshold's guess, and it is the only evidence that allows a scale-in.
  const bySeen = conservative === undefined ? undefined : sizeByDrainTarget(tick, conservative).recommended;
  const sustained = conservative === undefined ? undefined : sustainedNeed(tick, conservative);
  const rule = { sizingRule: 'lag-threshold', meetsTarget: true, sustained } as const;
  if (byLag > current) return { ...rule, recommended: bySeen === undefined ? byLag : Math.min(byLag, bySeen) };
  return { ...rule, recommended: Math.min(current, Math.max(byLag, bySeen ?? current)) };
}

/** The smallest useful count that keeps up with production alone (no backlog, no start delay). */
export function sustainedNeed(tick: TickContext, loads: readonly TopicLoad[]): number {
  const production = loads.map((load) => ({ ...load, scalableLag: 0, maxPartitionLag: 0 }));
  return sizeForDrainTarget({
    loads: production,
    current: tick.current,
    drainTargetSeconds: tick.config.drainTargetSeconds,
    utilization: tick.config.targetUtilization,
    pauseSeconds: 0,
    startSeconds: 0,
  }).tasks;
}

/** The loads with the lower-bound capacity: sizing on them can only overstate the tasks needed. */
function conservativeLoads(tick: TickContext, inputs: SizingInputs): readonly TopicLoad[] | undefined {
  // A member that consumed nothing shows no capacity; an epsilon still lets a group with nothing to do
  // (no production, no backlog) size down, and sizes any real load as undrainable (no scale-in).
  if (inputs.lowerBoundCapacity.some((c) => c === undefined)) return undefined;
  const perTopic = inputs.lowerBoundCapacity.map((c) => Math.max(c ?? 0, MIN_CAPACITY));
  return toLoads(tick.observation.topics, { perTopic, remembered: {}, samples: {} }, inputs.production);
}

/**
 * Late, or falling behind: the time lag (without unfixable hot partitions) is past the drain target,
 * or the group consumes clearly less than is produced while a backlog of more than a poll's worth waits.
 */
export function behindSchedule(tick: TickContext, hot: readonly HotPartition[]): string | undefined {
  const { config } = tick;
  for (const topic of tick.observation.topics) {
    const excluded = hot.some((h) => h.topic === topic.topic);
    const timeLag = excluded ? topic.timeLagSecondsWithoutHottest : topic.timeLagSeconds;
    if (timeLag !== undefined && timeLag > config.drainTargetSeconds) {
      return `${topic.topic}: time lag ${timeLag.toFixed(0)} s above the drain target ${config.drainTargetSeconds} s`;
    }
    const { productionRate, consumptionRate } = topic;
    const backlog = topic.scalableLag - (excluded ? (topic.hottestPartition?.lag ?? 0) : 0);
    const falling =
      productionRate !== undefined &&
      consumptionRate !== undefined &&
      consumptionRate < productionRate * FALLING_BEHIND_RATIO &&
      backlog > productionRate * config.rateWindowSeconds;
    if (falling) {
      return `${topic.topic}: consumes ${consumptionRate.toFixed(0)}/s of ${productionRate.toFixed(0)}/s produced with ${backlog} waiting`;
    }
  }
  return undefined;
}

/** The capacity (msg/s) assumed for a member that consumed nothing in a settled window. */
const MIN_CAPACITY = 1e-6;

/**
 * The smallest count from `from` up to the task range's upper bound at which every unfixable hot
 * partition is its member's only partition under the configured assignor; undefined when none is.
 */
export function ownMemberCount(tick: TickContext, hot: readonly HotPartition[], from: number): number | undefined {
  for (let tasks = Math.max(from, 1); tasks <= tick.bounds.upper; tasks += 1) {
    if (hot.every((h) => holdsAlone(tick.config.assignor, h.partitions, h.partition, tasks))) return tasks;
  }
  return undefined;
}

/** Whether partition `p` of `partitions` is its member's only partition with `tasks` members. */
export function holdsAlone(assignor: PolicyConfig['assignor'], partitions: number, p: number, tasks: number): boolean {
  if (tasks >= partitions) return true;
  if (assignor === 'roundrobin') return tasks > Math.max(p, partitions - 1 - p);
  if (assignor !== 'range') return false;
  // Range: the first (partitions mod tasks) members take one partition more than the others.
  const share = Math.floor(partitions / tasks);
  const larger = partitions % tasks;
  return share === 1 && p >= larger * 2;
}

/** Consumption below this share of production, with a backlog, is falling behind. */
export const FALLING_BEHIND_RATIO = 0.9;

/** A non-zero recommendation inside the task range (zero stays zero: only idle sizing asks for it). */
export function clampToBounds(recommended: number, bounds: TaskBounds): number {
  return recommended === 0 ? 0 : Math.min(bounds.upper, Math.max(bounds.lower, recommended, 1));
}

/** The first sizing rule that applies: idle, drain target (serving the rest around hot partitions), lag threshold. */
function sizeFirst(tick: TickContext, inputs: SizingInputs): Sizing {
  if (isIdle(tick)) return { recommended: 0, sizingRule: 'scale-to-zero', meetsTarget: true };
  if (inputs.loads === undefined) return sizeByLagThreshold(tick, inputs);
  const sized = { ...sizeByDrainTarget(tick, inputs.loads), sustained: sustainedNeed(tick, inputs.loads) };
  if (inputs.hot.length === 0) return sized;
  const names = inputs.hot.map(
    (h) => `${h.topic}/${h.partition} (${h.productionRate.toFixed(0)}/s > ${h.capacityPerTask.toFixed(0)}/s per task)`,
  );
  // A member of its own consumes the partition at a task's full capacity instead of what its
  // neighbours leave over: its backlog grows slower and drains sooner once the hot key cools.
  const own = ownMemberCount(tick, inputs.hot, sized.recommended);
  const dedicated = own === undefined ? '' : `; ${own} tasks give it a member of its own`;
  return {
    ...sized,
    recommended: Math.max(sized.recommended, own ?? 0),
    sizingRule: 'hot-partition',
    reason: `no count drains ${names.join(', ')}${dedicated}`,
  };
}

/**
 * Recommend a task count for this tick: by the first sizing rule that applies, inside the task range;
 * one useful step more when the group is late or falling behind and sizing says it fits.
 */
export function recommend(tick: TickContext, inputs: SizingInputs): Sizing {
  const sized = sizeFirst(tick, inputs);
  const recommended = clampToBounds(sized.recommended, tick.bounds);
  const sustained = sized.sustained === undefined ? recommended : clampToBounds(sized.sustained, tick.bounds);
  let result: Sizing = { ...sized, recommended, sustained: Math.min(sustained, recommended) };
  const behind = sized.sizingRule === 'scale-to-zero' ? undefined : behindSchedule(tick, inputs.hot);
  const canStep = tick.current < tick.bounds.upper;
  if (behind !== undefined && (canStep ? result.recommended <= tick.current : result.recommended < tick.current)) {
    // One useful step out; with none left, hold: scaling in a group that is short makes it fall behind faster.
    const step = canStep ? (usefulAtLeast(tick.partitionCounts, tick.current + 1) ?? tick.bounds.upper) : tick.current;
    result = { ...result, recommended: clampToBounds(step, tick.bounds), sizingRule: 'behind', reason: behind };
  }
  // Starting a stopped group is its own rule, whatever sized it, so the log says why tasks appeared.
  const starts = tick.current === 0 && result.recommended > 0 && result.sizingRule !== 'scale-to-zero';
  return starts ? { ...result, sizingRule: 'activation' } : result;
}

/**
 * The decision context: the tick context plus everything sizing computes, once, after the settle gate:
 * capacity, loads, the recommendation and its rule, the drain numbers, the memory to persist and the
 * stabilization window. Every gate after sizing reads it; none recomputes.
 */
import {
  CAPACITY_SAMPLE_MAX_AGE_MS,
  estimateCapacity,
  rateTrust,
  smallestCapacity,
  toLoads,
  unfixableHotPartitions,
} from './capacity';
import { forecastProduction } from './forecast';
import type { CapacitySample, DecisionInputs, PolicyMemory, TopicObservation } from './input';
import { recommend, type Sizing } from './recommendation';
import { drainSeconds, drainSecondsAfterChange, type TopicLoad } from './sizing';
import { recordRecommendation, stabilizedRecommendation, type StabilizedRecommendation } from './stabilization';
import type { TickContext } from './tick';

/** The numbers every decision after sizing reports. */
export type DrainNumbers = Pick<DecisionInputs, 'capacityPerTask' | 'drainSecondsNow' | 'drainSecondsRecommended'> &
  Partial<Pick<DecisionInputs, 'hotPartitions'>>;

/** Everything the gates after sizing read. */
export interface DecisionContext extends TickContext, Sizing {
  /** The topics as drain-time sizing sees them; undefined while any lacks a capacity or a production rate. */
  readonly loads: readonly TopicLoad[] | undefined;
  readonly numbers: DrainNumbers;
  /** The memory to persist: this tick's recommendation, settle state and capacity (a scale adds its action). */
  readonly next: PolicyMemory;
  /** The stabilization window's highest recommendation, this tick's included. */
  readonly stabilized: StabilizedRecommendation;
  /** Milliseconds since the last scale action; Infinity when there was none. */
  readonly sinceLastActionMs: number;
}

/** Drain seconds now and at the recommendation (a change pays its pause), and the slowest capacity. */
export function drainNumbers(
  tick: TickContext,
  loads: readonly TopicLoad[] | undefined,
  capacityPerTask: number | undefined,
  recommended: number,
): DrainNumbers {
  if (loads === undefined) return { capacityPerTask, drainSecondsNow: undefined, drainSecondsRecommended: undefined };
  const { current, config } = tick;
  const change = { loads, current, pauseSeconds: config.rebalancePauseSeconds, startSeconds: config.taskStartSeconds };
  return {
    capacityPerTask,
    drainSecondsNow: drainSeconds(loads, current, 0),
    drainSecondsRecommended: drainSecondsAfterChange(change, recommended),
  };
}

/**
 * A per-task capacity the group has certainly shown (msg/s): the fastest member over a settled window,
 * or the group's consumption over the window shared by the most tasks that can have done it (no
 * scale-in inside the window: more members than counted would have done the work). Undefined when
 * neither applies. Sizing on it can only overstate the tasks needed, so it may justify a scale-in.
 */
export function lowerBoundCapacityOf(tick: TickContext, topic: TopicObservation, settled: boolean): number | undefined {
  const { memory, config, now, current, observation } = tick;
  const fastest = settled ? topic.fastestMemberRate : undefined;
  const lastIn = memory.lastAction?.direction === 'in' ? memory.lastAction.atMs : undefined;
  const scaledInRecently = lastIn !== undefined && now - lastIn < config.rateWindowSeconds * 1000;
  const tasks = Math.max(observation.group.members, current);
  const shared =
    scaledInRecently || topic.consumptionRate === undefined || tasks <= 0 ? undefined : topic.consumptionRate / tasks;
  if (fastest === undefined) return shared;
  return shared === undefined ? fastest : Math.max(fastest, shared);
}

/** The remembered capacity floors, raised by this tick's lower bounds; a floor older than a day is dropped. */
export function capacityFloors(
  memory: PolicyMemory,
  topics: readonly TopicObservation[],
  lowerBound: (topic: TopicObservation) => number | undefined,
  now: number,
): Record<string, CapacitySample> {
  const floors: Record<string, CapacitySample> = {};
  // A topic this tick did not observe keeps its floor until the floor ages out.
  for (const [topic, kept] of Object.entries(memory.capacityFloor ?? {}))
    if (now - kept.atMs <= CAPACITY_SAMPLE_MAX_AGE_MS) floors[topic] = kept;
  for (const topic of topics) {
    const kept = memory.capacityFloor?.[topic.topic];
    const fresh = kept !== undefined && now - kept.atMs <= CAPACITY_SAMPLE_MAX_AGE_MS ? kept : undefined;
    const seen = lowerBound(topic);
    const raised = seen !== undefined && (fresh === undefined || seen >= fresh.perSecond);
    const floor = raised ? { atMs: now, perSecond: seen } : fresh;
    if (floor !== undefined) floors[topic.topic] = floor;
  }
  return floors;
}

/** Size a tick that passed the settle gate: compute the decision context once. */
export function sizeTick(tick: TickContext): DecisionContext {
  const { observation, memory, config, now, settle } = tick;
  const { topics, group } = observation;
  const trust = rateTrust({ settledSinceMs: settle.settledSinceMs }, config, now);
  const capacity = estimateCapacity(topics, memory, trust, now);
  const production = topics.map((topic) => forecastProduction(topic, config.drainTargetSeconds)?.perSecond);
  const hot = unfixableHotPartitions(topics, capacity, config.targetUtilization);
  const loads = toLoads(topics, capacity, production, hot);
  const floor = capacityFloors(memory, topics, (topic) => lowerBoundCapacityOf(tick, topic, trust.exact), now);
  const lowerBoundCapacity = topics.map((topic) => floor[topic.topic]?.perSecond);
  const sizing = recommend(tick, { loads, hot, lowerBoundCapacity, production });
  const hotPartitions = hot.length;
  const windowMs = config.scaleInStabilizationSeconds * 1000;
  // The window remembers what production needed, not the backlog a burst left (it is drained by then).
  const latest = { atMs: now, tasks: sizing.sustained ?? sizing.recommended };
  const recommendations = recordRecommendation(memory.recommendations, latest, group.freshness, windowMs);
  const { settleWaitStartMs, settledSinceMs } = settle;
  return {
    ...tick,
    ...sizing,
    loads,
    numbers: { ...drainNumbers(tick, loads, smallestCapacity(capacity), sizing.recommended), hotPartitions },
    next: {
      ...memory,
      recommendations,
      settleWaitStartMs,
      settledSinceMs,
      capacityPerTask: capacity.remembered,
      capacitySamples: capacity.samples,
      capacityFloor: floor,
    },
    stabilized: stabilizedRecommendation(recommendations, now, windowMs),
    sinceLastActionMs: memory.lastAction === undefined ? Infinity : now - memory.lastAction.atMs,
  };
}

/**
 * The decision context: the tick context plus everything sizing computes, once, after the settle gate:
 * capacity, loads, the recommendation and its rule, the drain numbers, the memory to persist and the
 * stabilization window. Every gate after sizing reads it; none recomputes.
 */
import { estimateCapacity, rateTrust, smallestCapacity, toLoads, unfixableHotPartitions } from './capacity';
import { forecastProduction } from './forecast';
import type { DecisionInputs, PolicyMemory } from './input';
import { recommend, type Sizing } from './recommendation';
import { drainSeconds, drainSecondsAfterChange, type TopicLoad } from './sizing';
import { recordRecommendation, stabilizedRecommendation, type StabilizedRecommendation } from './stabilization';
import type { TickContext } from './tick';

/** The numbers every decision after sizing reports. */
export type DrainNumbers = Pick<DecisionInputs, 'capacityPerTask' | 'drainSecondsNow' | 'drainSecondsRecommended'>;

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

/** Size a tick that passed the settle gate: compute the decision context once. */
export function sizeTick(tick: TickContext): DecisionContext {
  const { observation, memory, config, now, settle } = tick;
  const { topics, group } = observation;
  const trust = rateTrust({ settledSinceMs: settle.settledSinceMs }, config, now);
  const capacity = estimateCapacity(topics, memory, trust, now);
  const production = topics.map((topic) => forecastProduction(topic, config.drainTargetSeconds)?.perSecond);
  const hot = unfixableHotPartitions(topics, capacity, config.targetUtilization);
  const loads = toLoads(topics, capacity, production, hot);
  const lowerBoundCapacity = topics.map((topic) => (trust.exact ? topic.fastestMemberRate : undefined));
  const sizing = recommend(tick, { loads, hot, lowerBoundCapacity, production });
  const windowMs = config.scaleInStabilizationSeconds * 1000;
  const latest = { atMs: now, tasks: sizing.recommended };
  const recommendations = recordRecommendation(memory.recommendations, latest, group.freshness, windowMs);
  const { settleWaitStartMs, settledSinceMs } = settle;
  return {
    ...tick,
    ...sizing,
    loads,
    numbers: drainNumbers(tick, loads, smallestCapacity(capacity), sizing.recommended),
    next: {
      ...memory,
      recommendations,
      settleWaitStartMs,
      settledSinceMs,
      capacityPerTask: capacity.remembered,
      capacitySamples: capacity.samples,
    },
    stabilized: stabilizedRecommendation(recommendations, now, windowMs),
    sinceLastActionMs: memory.lastAction === undefined ? Infinity : now - memory.lastAction.atMs,
  };
}

/**
 * Observe: the `PolicyObservation` production would build at a poll, from the simulated offsets. Lag
 * and rates over the rate window, time lag, STALLED partitions by the lag engine's rule, the group's
 * state during rebalances, and the service's desired/running/pending counts.
 */
import type { DataFreshness, PolicyObservation, TopicObservation } from '#domain/policy/index';
import { OFFSET_EPSILON, timeLagOf, type SimPartition } from './cluster';
import type { SimState } from './state';
import type { Trace } from './trace';

/** Observe: applies the STALL rule for this poll, then builds what the policy sees at `second`. */
export function observe<S>(state: SimState<S>, second: number): PolicyObservation {
  const freshness = freshnessAt(state.trace, second);
  applyStallRule(state.partitions, state.options.stallPolls);
  const rates = rateWindow(state.options.rateWindowSeconds, second);
  const topics = state.trace.topics.map((topic, topicIndex) => ({
    topic: topic.name,
    partitions: topic.partitions,
    ...topicLag(state.partitions, topicIndex, freshness, rates, second),
    consumptionRatePerTask: rates.seconds <= 0 ? undefined : busiestMemberRate(state, topicIndex, rates),
  }));
  const { members, starting } = state;
  return {
    topics,
    group: {
      state:
        members.length === 0 ? 'Empty' : state.rebalanceUntilSecond !== undefined ? 'PreparingRebalance' : 'Stable',
      members: members.length,
      freshness,
    },
    service: {
      desired: members.length + starting.length,
      running: members.length,
      pending: starting.length,
      deploymentSteady: starting.length === 0,
    },
  };
}

/** The trace's data-gap freshness at `second`, or 'complete' outside every gap. */
export function freshnessAt(trace: Trace, second: number): DataFreshness {
  const gap = trace.dataGaps.find(
    (candidate) =>
      second >= candidate.fromSecond && (candidate.untilSecond === undefined || second < candidate.untilSecond),
  );
  return gap?.freshness ?? 'complete';
}

/**
 * The lag engine's STALL rule, evaluated once per poll: a lagging partition whose commit has not moved
 * for `stallPolls` polls is STALLED, but only while other partitions moved (a paused or empty group is
 * not a poisoned partition); any commit move clears it.
 */
export function applyStallRule(partitions: readonly SimPartition[], stallPolls: number): void {
  const othersMoved = partitions.some(
    (partition) =>
      partition.lastPolledCommitted !== undefined &&
      partition.committed > partition.lastPolledCommitted + OFFSET_EPSILON,
  );
  for (const partition of partitions) {
    const unchanged =
      partition.lastPolledCommitted !== undefined &&
      partition.committed <= partition.lastPolledCommitted + OFFSET_EPSILON;
    partition.unchangedPolls = unchanged && partition.end - partition.committed >= 1 ? partition.unchangedPolls + 1 : 0;
    partition.lastPolledCommitted = partition.committed;
    if (partition.unchangedPolls === 0) partition.stalled = false;
    else if (partition.unchangedPolls >= stallPolls && othersMoved) partition.stalled = true;
  }
}

/** A rate measured over the last `seconds` of an offset history, ending after `second`. */
export interface RateWindow {
  /** The window's length: the configured one, shorter at the start of the run. */
  readonly seconds: number;
  /** Messages/s an offset history advanced over the window (0 for an empty window). */
  readonly rateOf: (history: Float64Array) => number;
}

/** The rate window ending after `second`: `rateWindowSeconds`, or every second so far if fewer. */
export function rateWindow(rateWindowSeconds: number, second: number): RateWindow {
  const seconds = Math.min(rateWindowSeconds, second + 1);
  return {
    seconds,
    rateOf: (history) =>
      seconds <= 0 ? 0 : ((history[second + 1] ?? 0) - (history[second + 1 - seconds] ?? 0)) / seconds,
  };
}

type TopicLag = Pick<
  TopicObservation,
  'scalableLag' | 'excludedLag' | 'maxPartitionLag' | 'productionRate' | 'maxPartitionProductionRate' | 'timeLagSeconds'
>;

/** One topic's lag and production as the lag engine reports it: whole messages, STALLED lag excluded. */
export function topicLag(
  partitions: readonly SimPartition[],
  topicIndex: number,
  freshness: DataFreshness,
  rates: RateWindow,
  second: number,
): TopicLag {
  let scalableLag = 0;
  let excludedLag = 0;
  let maxPartitionLag = 0;
  let maxPartitionProductionRate = 0;
  let productionRate = 0;
  let timeLagSeconds = 0;
  for (const partition of partitions) {
    if (partition.topicIndex !== topicIndex) continue;
    const partitionRate = rates.rateOf(partition.endHistory);
    productionRate += partitionRate;
    // Partial data: half the partitions could not be read this tick.
    if (freshness === 'partial' && partition.partition % 2 === 1) continue;
    const lag = Math.floor(partition.end) - Math.floor(partition.committed);
    if (partition.stalled) {
      excludedLag += lag;
      continue;
    }
    scalableLag += lag;
    maxPartitionLag = Math.max(maxPartitionLag, lag);
    maxPartitionProductionRate = Math.max(maxPartitionProductionRate, partitionRate);
    timeLagSeconds = Math.max(timeLagSeconds, timeLagOf(partition, second));
  }
  const measured = rates.seconds > 0;
  return {
    scalableLag,
    excludedLag,
    maxPartitionLag,
    productionRate: measured ? productionRate : undefined,
    maxPartitionProductionRate: measured ? maxPartitionProductionRate : undefined,
    timeLagSeconds,
  };
}

/**
 * What the busiest member consumed of this topic over the window (messages/s): the per-task capacity
 * signal a lag engine with assignments can give. Undefined with no members.
 */
export function busiestMemberRate<S>(state: SimState<S>, topicIndex: number, rates: RateWindow): number | undefined {
  let busiest: number | undefined;
  for (const member of state.members) {
    let rate = 0;
    for (const index of state.assignment.get(member) ?? []) {
      const partition = state.partitions[index];
      if (partition?.topicIndex === topicIndex) rate += rates.rateOf(partition.committedHistory);
    }
    busiest = Math.max(busiest ?? 0, rate);
  }
  return busiest;
}

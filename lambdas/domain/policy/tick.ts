/**
 * What one tick observed, read once into an immutable context: the totals every decision reports, the
 * allowed task range and the settle state. The gates before sizing (no-data, bounds, settling) need
 * nothing more, so a tick they decide never estimates capacity.
 */
import { capPartitions } from './assignment';
import { taskBounds, type TaskBounds } from './bounds';
import type { PolicyConfig } from './config';
import type { DecisionInputs, PolicyInput, PolicyMemory, PolicyObservation, TopicObservation } from './input';
import { settleState, type SettleState } from './settle';

/** This tick's totals, as every decision reports them. */
export type ObservedTotals = Pick<
  DecisionInputs,
  'current' | 'capPartitions' | 'scalableLag' | 'excludedLag' | 'productionRate' | 'timeLagSeconds' | 'freshness'
>;

/** Everything the gates before sizing read. */
export interface TickContext {
  readonly observation: PolicyObservation;
  readonly memory: PolicyMemory;
  readonly config: PolicyConfig;
  /** Epoch milliseconds of this tick. */
  readonly now: number;
  /** The desired count we last asked for (tasks): every decision is relative to it. */
  readonly current: number;
  /** Partitions per observed topic, in observation order. */
  readonly partitionCounts: readonly number[];
  readonly totals: ObservedTotals;
  readonly bounds: TaskBounds;
  readonly settle: SettleState;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The sum, or undefined when any value is unknown (a partial total would read as a low one). */
function knownSum(values: readonly (number | undefined)[]): number | undefined {
  let total = 0;
  for (const value of values) {
    if (value === undefined) return undefined;
    total += value;
  }
  return total;
}

/** The oldest unconsumed message's age (seconds) over the topics that report one. */
function oldestTimeLagSeconds(topics: readonly TopicObservation[]): number | undefined {
  return topics.reduce<number | undefined>(
    (max, topic) =>
      topic.timeLagSeconds === undefined ? max : Math.max(max ?? topic.timeLagSeconds, topic.timeLagSeconds),
    undefined,
  );
}

/** The group's totals over its topics; production is unknown unless every topic's is known. */
export function observedTotals(observation: PolicyObservation): ObservedTotals {
  const { topics, group, service } = observation;
  return {
    current: service.desired,
    capPartitions: capPartitions(topics.map((topic) => topic.partitions)),
    scalableLag: sum(topics.map((topic) => topic.scalableLag)),
    excludedLag: sum(topics.map((topic) => topic.excludedLag)),
    productionRate: knownSum(topics.map((topic) => topic.productionRate)),
    timeLagSeconds: oldestTimeLagSeconds(topics),
    freshness: group.freshness,
  };
}

/** The config with the pause of the group's own protocol as `rebalancePauseSeconds`. */
export function withProtocolPause(
  config: PolicyConfig,
  protocol: PolicyObservation['group']['protocol'],
): PolicyConfig {
  return protocol === 'consumer'
    ? { ...config, rebalancePauseSeconds: config.consumerProtocolRebalancePauseSeconds }
    : config;
}

/** Read a tick once: its totals, the allowed task range and the settle state. */
export function readTick(input: PolicyInput, now: number): TickContext {
  const { observation, memory } = input;
  const config = withProtocolPause(input.config, observation.group.protocol);
  const partitionCounts = observation.topics.map((topic) => topic.partitions);
  return {
    observation,
    memory,
    config,
    now,
    current: observation.service.desired,
    partitionCounts,
    totals: observedTotals(observation),
    bounds: taskBounds(partitionCounts, config),
    settle: settleState(observation, memory, config, now),
  };
}

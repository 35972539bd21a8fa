import type { HotPartition } from '#domain/policy/capacity';
import {
  defaultPolicyConfig,
  emptyPolicyMemory,
  type CapacitySample,
  type PolicyConfig,
  type PolicyInput,
  type PolicyMemory,
  type PolicyObservation,
  type TopicObservation,
} from '#domain/policy/index';
import { sizeTick, type DecisionContext } from '#domain/policy/context';
import type { SizingInputs } from '#domain/policy/recommendation';
import type { TopicLoad } from '#domain/policy/sizing';
import { readTick, type TickContext } from '#domain/policy/tick';

/** A topic with sensible defaults: 12 partitions, no lag, rates unknown. */
export function topic(overrides: Partial<TopicObservation> = {}): TopicObservation {
  return {
    topic: 'orders',
    partitions: 12,
    scalableLag: 0,
    excludedLag: 0,
    maxPartitionLag: 0,
    productionRate: undefined,
    maxPartitionProductionRate: undefined,
    consumptionRatePerTask: undefined,
    timeLagSeconds: undefined,
    consumptionRate: undefined,
    saturatedRatePerTask: undefined,
    fastestMemberRate: undefined,
    hottestPartition: undefined,
    timeLagSecondsWithoutHottest: undefined,
    recentProduction: [],
    partitionsWithoutCommit: 0,
    ...overrides,
  };
}

/** A settled group of `tasks` members on one service, complete data. */
export function observation(
  tasks: number,
  topics: readonly TopicObservation[] = [topic()],
  overrides: { group?: Partial<PolicyObservation['group']>; service?: Partial<PolicyObservation['service']> } = {},
): PolicyObservation {
  return {
    topics,
    group: { state: tasks === 0 ? 'Empty' : 'Stable', members: tasks, freshness: 'complete', ...overrides.group },
    service: { desired: tasks, running: tasks, pending: 0, deploymentSteady: true, ...overrides.service },
  };
}

/** Defaults, except no task start delay, so each rule's numbers stay small enough to check by hand. */
export function config(overrides: Partial<PolicyConfig> = {}): PolicyConfig {
  return { ...defaultPolicyConfig, taskStartSeconds: 0, ...overrides };
}

/** Memory of a group that has been settled for a long time and whose capacity is known. */
export function settledMemory(now: number, overrides: Partial<PolicyMemory> = {}): PolicyMemory {
  return { ...emptyPolicyMemory, settledSinceMs: now - 3_600_000, ...overrides };
}

export function input(
  obs: PolicyObservation,
  memory: PolicyMemory = emptyPolicyMemory,
  cfg: PolicyConfig = config(),
): PolicyInput {
  return { observation: obs, memory, config: cfg };
}

export const NOW = 1_800_000_000_000;

/** 12 partitions, 1000 msg/s produced, 200 msg/s per task measured, 30 s behind: a group at work. */
export function busyTopic(overrides: Partial<TopicObservation> = {}): TopicObservation {
  return topic({ productionRate: 1000, consumptionRatePerTask: 200, timeLagSeconds: 30, ...overrides });
}

/**
 * Settled memory that already knows each topic's capacity per task (msg/s), 200 for 'orders' unless told,
 * as a state saved before capacity samples existed: the first tick seeds one sample from it.
 */
export function knownCapacity(overrides: Partial<PolicyMemory> = {}, now: number = NOW): PolicyMemory {
  return settledMemory(now, { capacityPerTask: { orders: 200 }, ...overrides });
}

/** The context the gates before sizing read, for testing one of them on its own. */
export function tickContext(policyInput: PolicyInput, now: number = NOW): TickContext {
  return readTick(policyInput, now);
}

/** The context the gates after sizing read (the tick sized once), for testing one of them on its own. */
export function decisionContext(policyInput: PolicyInput, now: number = NOW): DecisionContext {
  return sizeTick(readTick(policyInput, now));
}

/** Capacity samples (msg/s per task), oldest first, all taken at `atMs` unless given as [atMs, perSecond]. */
export function samples(
  rates: readonly (number | readonly [atMs: number, perSecond: number])[],
  atMs: number = NOW,
): CapacitySample[] {
  return rates.map((rate) =>
    typeof rate === 'number' ? { atMs, perSecond: rate } : { atMs: rate[0], perSecond: rate[1] },
  );
}

/** Settled memory whose capacity samples per topic are given (msg/s per task, taken at `now`). */
export function sampledCapacity(
  perTopic: Readonly<Record<string, readonly number[]>>,
  overrides: Partial<PolicyMemory> = {},
  now: number = NOW,
): PolicyMemory {
  const capacitySamples = Object.fromEntries(
    Object.entries(perTopic).map(([name, rates]) => [name, samples(rates, now)]),
  );
  return settledMemory(now, { capacitySamples, ...overrides });
}

/** 12 partitions, 12 000 behind (1000 on the worst partition), 1000 msg/s produced, 200 msg/s per task. */
export function load(overrides: Partial<TopicLoad> = {}): TopicLoad {
  return {
    partitions: 12,
    scalableLag: 12_000,
    maxPartitionLag: 1000,
    productionRate: 1000,
    maxPartitionProductionRate: undefined,
    capacityPerTask: 200,
    ...overrides,
  };
}

/** Partition 0 of 'orders' (12 partitions) producing 300 msg/s against 200 msg/s per task, 5000 behind. */
export function hotPartition(overrides: Partial<HotPartition> = {}): HotPartition {
  return {
    topic: 'orders',
    partition: 0,
    partitions: 12,
    productionRate: 300,
    capacityPerTask: 200,
    lag: 5000,
    ...overrides,
  };
}

/** What sizing reads besides the tick, for `topics` topics: no loads, no hot partition, nothing seen yet. */
export function sizingInputs(overrides: Partial<SizingInputs> = {}, topics = 1): SizingInputs {
  const unknown = Array.from({ length: topics }, () => undefined);
  return { loads: undefined, hot: [], lowerBoundCapacity: unknown, production: unknown, ...overrides };
}

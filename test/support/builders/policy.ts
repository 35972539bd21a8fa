import {
  defaultPolicyConfig,
  emptyPolicyMemory,
  type PolicyConfig,
  type PolicyInput,
  type PolicyMemory,
  type PolicyObservation,
  type TopicObservation,
} from '#domain/policy/index';

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

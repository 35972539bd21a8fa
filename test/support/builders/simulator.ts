import type { PolicyObservation } from '#domain/policy/index';
import type { SimPartition } from '#simulator/cluster';
import {
  defaultSimulationOptions,
  TraceSchema,
  type Policy,
  type SimulationOptions,
  type Trace,
} from '#simulator/index';
import { createSimState, type SimState } from '#simulator/state';

/** A small trace: one topic, constant production, `minutes` long. */
export function constantTrace(
  overrides: Partial<Trace> & { rate?: number; minutes?: number; partitions?: number } = {},
): Trace {
  const { rate = 600, minutes = 30, partitions = 6, ...rest } = overrides;
  return TraceSchema.parse({
    name: 'test',
    stepSeconds: 60,
    taskThroughputPerSecond: 200,
    initialTasks: 2,
    topics: [{ name: 'orders', partitions }],
    production: { orders: Array.from({ length: minutes }, () => rate) },
    ...rest,
  });
}

/** A scripted policy: desired count by second (the last entry at or before now wins); records what it saw. */
export function scriptedPolicy(
  script: readonly (readonly [second: number, tasks: number])[],
  seen: PolicyObservation[] = [],
  pollSeconds = 10,
): Policy<null> {
  return {
    name: 'scripted',
    pollSeconds,
    initialState: null,
    decide(observation, state, now) {
      seen.push(observation);
      const second = (now - START) / 1000;
      const entry = [...script].reverse().find(([at]) => at <= second);
      return { desired: entry?.[1] ?? observation.service.desired, reason: 'script', state };
    },
  };
}

export const START = 1_767_225_600_000;

/** A fresh simulation state (second 0) over `constantTrace(traceOverrides)`; the policy holds unless given. */
export function simState(
  traceOverrides: Parameters<typeof constantTrace>[0] = {},
  options: Partial<SimulationOptions> = {},
  policy: Policy<null> = scriptedPolicy([]),
): SimState<null> {
  return createSimState(constantTrace(traceOverrides), policy, { ...defaultSimulationOptions, ...options });
}

/** One partition for cluster/observe tests: topic 0, partition 0, no poison; `endHistory` as plain numbers. */
export function simPartition(
  overrides: Partial<Omit<SimPartition, 'endHistory'>> & { endHistory?: number[] } = {},
): SimPartition {
  const { endHistory = [0], ...rest } = overrides;
  return {
    topicIndex: 0,
    partition: 0,
    shares: [{ fromSecond: 0, share: 1 }],
    poisonFrom: undefined,
    poisonUntil: undefined,
    end: endHistory.at(-1) ?? 0,
    committed: 0,
    endHistory: Float64Array.from(endHistory),
    committedHistory: new Float64Array(endHistory.length),
    lastPolledCommitted: undefined,
    unchangedPolls: 0,
    stalled: false,
    ...rest,
  };
}

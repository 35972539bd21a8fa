import type { PolicyObservation } from '#domain/policy/index';
import { TraceSchema, type Policy, type Trace } from '#simulator/index';

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

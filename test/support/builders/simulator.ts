import type { PartitionSnapshot } from '#domain/lag/snapshot';
import type { ClusterView } from '#simulator/observe';
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
  seen: ClusterView[] = [],
  pollSeconds = 10,
): Policy<null> {
  return {
    name: 'scripted',
    pollSeconds,
    initialState: null,
    decide(view, state, now) {
      seen.push(view);
      const second = (now - START) / 1000;
      const entry = [...script].reverse().find(([at]) => at <= second);
      return { desired: entry?.[1] ?? view.service.desired, reason: 'script', state };
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
    ...rest,
  };
}

/**
 * A view for baseline tests: `lag` spread evenly over `partitions` of one topic (whole messages),
 * `members` members (default: the task count), read at `nowMs`; `missing` means no read at all and
 * `unreadable` partitions have no leader.
 */
export function clusterView(options: {
  readonly tasks: number;
  readonly lag: number;
  readonly partitions?: number;
  readonly members?: number;
  readonly missing?: boolean;
  readonly unreadable?: number;
  readonly nowMs?: number;
}): ClusterView {
  const { tasks, lag, partitions = 12, members = tasks, nowMs = START, unreadable = 0 } = options;
  const service = { desired: tasks, running: tasks, pending: 0, deploymentSteady: true };
  if (options.missing === true) return { read: undefined, service, nowMs };
  const share = (index: number): number => Math.floor(lag / partitions) + (index < lag % partitions ? 1 : 0);
  const snapshotPartitions = Array.from({ length: partitions }, (_, index): PartitionSnapshot => ({
    topic: 'orders',
    partition: index,
    committed: { kind: 'committed', offset: 1000n },
    end:
      index < unreadable
        ? { kind: 'unavailable', reason: 'no-leader', detail: 'test' }
        : { kind: 'available', logStart: 0n, end: 1000n + BigInt(share(index)) },
  }));
  const memberList = Array.from({ length: members }, (_, id) => ({
    memberId: `m-${id}`,
    clientId: 'c',
    host: 'h',
    assignment: [],
  }));
  const snapshot = {
    group: 'g',
    observedAtMs: nowMs,
    state: 'Stable' as const,
    isolation: 'read_uncommitted' as const,
    protocol: 'classic' as const,
    members: memberList,
    partitions: snapshotPartitions,
  };
  return { read: { kind: 'ok', snapshot }, service, nowMs };
}

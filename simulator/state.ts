/**
 * The one mutable object a simulation run steps through: the partitions, the group's membership and
 * assignment, tasks still starting, the policy's state, and the running totals the result is built from.
 */
import type { GroupSnapshot } from '#domain/lag/snapshot';
import { assignPartitions, movedPartitions, stickyAssignment, type Assignment } from './assignment';
import { createPartitions, type SimPartition } from './cluster';
import type { ScaleEvent, SeriesPoint, SimulationOptions } from './model';
import type { Policy } from './policies';
import { traceDurationSeconds, type Trace } from './trace';

/** A task requested from the service that has not joined the group yet. */
export interface StartingTask {
  readonly id: number;
  /** The second from which it is ready to join. */
  readonly readyAtSecond: number;
}

/** Sums over the run, turned into the result's minutes at the end. */
export interface SimTotals {
  /** Task-seconds billed (members and starting tasks). */
  taskSeconds: number;
  /** Task-seconds needed just to keep up with drainable production. */
  lowerBoundTaskSeconds: number;
  /** Seconds in which the largest drainable time lag exceeded the drain target. */
  overTargetSeconds: number;
  maxTimeLagSeconds: number;
  rebalances: number;
  /** Partition-seconds without a consumer because the group was rebalancing. */
  pausedPartitionSeconds: number;
}

/** Everything one run of `simulate` changes, second by second; every step takes it. */
export interface SimState<S> {
  readonly trace: Trace;
  readonly policy: Policy<S>;
  readonly options: SimulationOptions;
  readonly durationSeconds: number;
  readonly partitions: readonly SimPartition[];
  /** Production (messages/s for the whole topic) per topic index and trace step. */
  readonly topicRates: readonly (readonly number[])[];
  nextTaskId: number;
  /** Task ids in the group, oldest first (scale-in stops the newest). */
  members: number[];
  starting: StartingTask[];
  assignment: Assignment;
  /** Set while the group rebalances: the second the pause ends. */
  rebalanceUntilSecond: number | undefined;
  /** Cooperative only: partitions that changed owner and wait for the rebalance to finish. */
  movedPartitions: Set<number>;
  policyState: S;
  /** The last snapshot read: what a `stale` data gap serves again. */
  lastSnapshot: GroupSnapshot | undefined;
  readonly totals: SimTotals;
  readonly series: SeriesPoint[];
  readonly scaleEvents: ScaleEvent[];
}

/** The state at second 0: the trace's initial tasks are members with a settled assignment. */
export function createSimState<S>(trace: Trace, policy: Policy<S>, options: SimulationOptions): SimState<S> {
  const durationSeconds = traceDurationSeconds(trace);
  const partitions = createPartitions(trace, durationSeconds);
  const members = Array.from({ length: trace.initialTasks }, (_, id) => id);
  return {
    trace,
    policy,
    options,
    durationSeconds,
    partitions,
    topicRates: trace.topics.map((topic) => trace.production[topic.name] ?? []),
    nextTaskId: members.length,
    members,
    starting: [],
    assignment: assignPartitions(partitions, members, options.assignor),
    rebalanceUntilSecond: undefined,
    movedPartitions: new Set(),
    policyState: policy.initialState,
    lastSnapshot: undefined,
    totals: {
      taskSeconds: 0,
      lowerBoundTaskSeconds: 0,
      overTargetSeconds: 0,
      maxTimeLagSeconds: 0,
      rebalances: 0,
      pausedPartitionSeconds: 0,
    },
    series: [],
    scaleEvents: [],
  };
}

/** Whether rebalances pause only the partitions that move (cooperative-sticky) rather than the whole group. */
export function isCooperative<S>(state: SimState<S>): boolean {
  return state.options.assignor === 'cooperative-sticky';
}

/** Tasks the service runs and bills: group members plus tasks still starting. */
export function billedTasks<S>(state: SimState<S>): number {
  return state.members.length + state.starting.length;
}

/**
 * A membership change at `second`: counts a rebalance unless one is already under way, and extends the
 * pause. Cooperative-sticky reassigns at once and pauses only the partitions that changed owner.
 */
export function startRebalance<S>(state: SimState<S>, second: number): void {
  if (state.rebalanceUntilSecond === undefined) state.totals.rebalances += 1;
  state.rebalanceUntilSecond = Math.max(state.rebalanceUntilSecond ?? 0, second + state.options.rebalancePauseSeconds);
  if (!isCooperative(state)) return;
  const next = stickyAssignment(state.partitions.length, state.assignment, state.members);
  movedPartitions(state.assignment, next).forEach((index) => state.movedPartitions.add(index));
  state.assignment = next;
}

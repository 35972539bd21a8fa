/**
 * The steps of one simulated second, in the order `simulate` runs them: produce, assign, consume,
 * record, account, then (on a poll second) decide on what `observe` built. Each mutates the `SimState`.
 */
import { assignPartitions } from './assignment';
import { backlogOf, drainWithCapacity, poisonedAt, shareAt, timeLagOf } from './cluster';
import type { SeriesPoint } from './model';
import type { ClusterView } from './observe';
import { billedTasks, isCooperative, startRebalance, type SimState } from './state';

/**
 * Produce: every partition's end offset grows by its share (the skew in force) of the topic's rate;
 * returns tasks needed to keep up.
 */
export function produce<S>(state: SimState<S>, second: number): number {
  const step = Math.floor(second / state.trace.stepSeconds);
  let neededTasks = 0;
  for (const partition of state.partitions) {
    const rate = (state.topicRates[partition.topicIndex]?.[step] ?? 0) * shareAt(partition, second);
    partition.end += rate;
    if (!poisonedAt(partition, second)) neededTasks += rate / state.trace.taskThroughputPerSecond;
  }
  return neededTasks;
}

/** Assign: started tasks join the group (a rebalance), and a rebalance whose pause is over settles. */
export function assign<S>(state: SimState<S>, second: number): void {
  joinReadyTasks(state, second);
  finishRebalance(state, second);
}

/** Tasks whose start delay is over become members; their joining starts a rebalance. */
function joinReadyTasks<S>(state: SimState<S>, second: number): void {
  const ready = state.starting.filter((task) => task.readyAtSecond <= second);
  if (ready.length === 0) return;
  state.starting = state.starting.filter((task) => task.readyAtSecond > second);
  state.members = [...state.members, ...ready.map((task) => task.id)];
  startRebalance(state, second);
}

/** Ends the pause; eager assignors hand out the new assignment only now (cooperative did it at the start). */
function finishRebalance<S>(state: SimState<S>, second: number): void {
  if (state.rebalanceUntilSecond === undefined || second < state.rebalanceUntilSecond) return;
  state.rebalanceUntilSecond = undefined;
  state.movedPartitions = new Set();
  if (!isCooperative(state))
    state.assignment = assignPartitions(state.partitions, state.members, state.options.assignor);
}

/** Consume: each member drains its partitions at the task throughput, except what a rebalance pauses. */
export function consume<S>(state: SimState<S>, second: number): void {
  const throughput = state.trace.taskThroughputPerSecond;
  const paused = state.rebalanceUntilSecond !== undefined;
  if (paused && !isCooperative(state)) {
    state.totals.pausedPartitionSeconds += state.partitions.length;
    return;
  }
  for (const member of state.members) {
    // Cooperative: only moved partitions wait; the rest keep being consumed by their (unchanged) owners.
    const owned = state.assignment.get(member) ?? [];
    const working = paused ? owned.filter((index) => !state.movedPartitions.has(index)) : owned;
    drainWithCapacity(state.partitions, working, throughput, second);
  }
  if (paused) state.totals.pausedPartitionSeconds += state.movedPartitions.size;
}

/** Record: end and committed offsets after this second, for time lag and windowed rates. */
export function record<S>(state: SimState<S>, second: number): void {
  for (const partition of state.partitions) {
    partition.endHistory[second + 1] = partition.end;
    partition.committedHistory[second + 1] = partition.committed;
  }
}

/** Account: billed and needed task-seconds, the largest drainable time lag, seconds over target, chart samples. */
export function account<S>(state: SimState<S>, second: number, neededTasks: number): void {
  const { totals, options } = state;
  totals.taskSeconds += billedTasks(state);
  totals.lowerBoundTaskSeconds += neededTasks;
  const timeLagSeconds = drainableTimeLagSeconds(state, second);
  totals.maxTimeLagSeconds = Math.max(totals.maxTimeLagSeconds, timeLagSeconds);
  if (timeLagSeconds > options.drainTargetSeconds) totals.overTargetSeconds += 1;
  if (second % options.seriesEverySeconds === 0) {
    state.series.push(seriesPoint(state, second, timeLagSeconds, neededTasks));
  }
}

/** The largest time lag (s) over partitions that are not poisoned: what scaling can do something about. */
export function drainableTimeLagSeconds<S>(state: SimState<S>, second: number): number {
  let timeLagSeconds = 0;
  for (const partition of state.partitions) {
    if (!poisonedAt(partition, second)) timeLagSeconds = Math.max(timeLagSeconds, timeLagOf(partition, second));
  }
  return timeLagSeconds;
}

/** One chart sample: drainable and stuck lag, billed tasks, time lag and tasks needed. */
function seriesPoint<S>(state: SimState<S>, second: number, timeLagSeconds: number, neededTasks: number): SeriesPoint {
  let lag = 0;
  let stuckLag = 0;
  for (const partition of state.partitions) {
    if (poisonedAt(partition, second)) stuckLag += backlogOf(partition);
    else lag += backlogOf(partition);
  }
  return { second, lag, stuckLag, tasks: billedTasks(state), timeLagSeconds, neededTasks };
}

/** The poll's clock: the end of `second`, in epoch ms. */
export function pollTimeMs<S>(state: SimState<S>, second: number): number {
  return state.options.startEpochMs + (second + 1) * 1000;
}

/** Whether the policy polls at `second` (second 0 included). */
export function isPollSecond<S>(state: SimState<S>, second: number): boolean {
  return second % state.policy.pollSeconds === 0;
}

/** Decide: ask the policy, then start or stop tasks to reach its (rounded, non-negative) count. */
export function decide<S>(state: SimState<S>, view: ClusterView, second: number): void {
  const current = view.service.desired;
  const step = state.policy.decide(view, state.policyState, view.nowMs);
  state.policyState = step.state;
  const desired = Math.max(0, Math.round(step.desired));
  if (desired > current) requestTasks(state, desired - current, second);
  else if (desired < current) stopTasks(state, current - desired, second);
  if (desired !== current)
    state.scaleEvents.push({ second: second + 1, from: current, to: desired, reason: step.reason });
}

/** Asks the service for `count` tasks; they join after the start delay. */
function requestTasks<S>(state: SimState<S>, count: number, second: number): void {
  for (let i = 0; i < count; i += 1) {
    state.starting.push({ id: state.nextTaskId++, readyAtSecond: second + 1 + state.options.taskStartSeconds });
  }
}

/** Cancels tasks still starting first (no rebalance), then stops the newest members gracefully (one rebalance). */
function stopTasks<S>(state: SimState<S>, count: number, second: number): void {
  let toStop = count;
  while (toStop > 0 && state.starting.length > 0) {
    state.starting = state.starting.slice(0, -1);
    toStop -= 1;
  }
  if (toStop <= 0) return;
  state.members = state.members.slice(0, state.members.length - toStop);
  startRebalance(state, second + 1);
}

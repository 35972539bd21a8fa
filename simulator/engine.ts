/**
 * A deterministic discrete-time model of one consumer group on an ECS-like service, stepped once a
 * second: production per partition from a trace, tasks with a fixed throughput and a start delay,
 * partition assignment (range or round-robin with an eager rebalance that pauses the whole group on
 * every membership change, or cooperative-sticky that pauses only the partitions that move), and
 * graceful stop on scale-in (the task commits and leaves at once).
 *
 * Policies see what production's ports would return: the offset reader's snapshot (whole committed
 * and end offsets, members and assignment, group state) and the service's desired/running/pending
 * counts. Ours runs the tick's own pure pipeline on it (lag engine with its history, rates, time lag,
 * Burrow health -> observation -> policy); the baselines read the metrics their originals read.
 * No randomness: the same trace and policy give the same result.
 *
 * The state lives in one `SimState` (state.ts); each simulated second runs the steps in steps.ts and,
 * on a poll, observe.ts builds what the policy sees.
 */
import { defaultSimulationOptions, type SimulationOptions, type SimulationResult } from './model';
import { observe } from './observe';
import type { Policy } from './policies';
import { createSimState, type SimState } from './state';
import { account, assign, consume, decide, isPollSecond, pollTimeMs, produce, record } from './steps';
import type { Trace } from './trace';

// The engine's public names from before the split into model/assignment, so their importers keep working.
export { defaultSimulationOptions } from './model';
export type { ScaleEvent, SeriesPoint, SimulationOptions, SimulationResult } from './model';
export { assignPartitions, stickyAssignment, type Assignor } from './assignment';

/** Run one policy over one trace. Pure and deterministic. */
export function simulate<S>(
  trace: Trace,
  policy: Policy<S>,
  options: SimulationOptions = defaultSimulationOptions,
): SimulationResult {
  const state = createSimState(trace, policy, options);
  for (let second = 0; second < state.durationSeconds; second += 1) {
    const neededTasks = produce(state, second);
    assign(state, second);
    consume(state, second);
    record(state, second);
    account(state, second, neededTasks);
    if (isPollSecond(state, second)) decide(state, observe(state, second, pollTimeMs(state, second)), second);
  }
  return summarize(state);
}

/** The result of a finished run: totals in minutes, the ratio to the lower bound, samples and events. */
export function summarize<S>(state: SimState<S>): SimulationResult {
  const { totals } = state;
  const taskMinutes = totals.taskSeconds / 60;
  const lowerBoundTaskMinutes = totals.lowerBoundTaskSeconds / 60;
  return {
    trace: state.trace.name,
    policy: state.policy.name,
    durationSeconds: state.durationSeconds,
    taskMinutes,
    lowerBoundTaskMinutes,
    ratioToLowerBound: lowerBoundTaskMinutes > 0 ? taskMinutes / lowerBoundTaskMinutes : Infinity,
    minutesOverDrainTarget: totals.overTargetSeconds / 60,
    drainTargetSeconds: state.options.drainTargetSeconds,
    maxTimeLagSeconds: totals.maxTimeLagSeconds,
    rebalances: totals.rebalances,
    scaleActions: state.scaleEvents.length,
    pausedPartitionSeconds: totals.pausedPartitionSeconds,
    series: state.series,
    scaleEvents: state.scaleEvents,
  };
}

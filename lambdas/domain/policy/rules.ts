/**
 * The policy's gates, one small function per row of the README's rule table. Each returns a decision,
 * or `undefined` to let the next gate decide; `decideScaling` tries them in order, so a gate may assume
 * every gate before it passed. Gates before sizing read the tick; the rest read the sized context.
 */
import { boundStep } from './bounds';
import type { DecisionContext } from './context';
import type { PolicyOutcome } from './input';
import { hold, holdAfterSizing, scale, scaleAfterSizing } from './outcome';
import { keepsUp } from './sizing';
import type { TickContext } from './tick';

// Before sizing.

/** No fresh read, or no topics: nothing to size on, so hold and change no memory (fail safe). */
export function noData(tick: TickContext): PolicyOutcome | undefined {
  const { current, memory } = tick;
  const { topics, group } = tick.observation;
  const fresh = topics.length > 0 && group.freshness !== 'missing' && group.freshness !== 'stale';
  if (fresh) return undefined;
  const detail = topics.length === 0 ? 'no topics observed' : `data is ${group.freshness}`;
  return hold(tick, 'no-data', current, { lower: current, upper: current, detail }, memory);
}

/** Desired outside the task range: move inside, even on an unsettled group (configuration is not data). */
export function outsideBounds(tick: TickContext): PolicyOutcome | undefined {
  const { current, bounds, config, memory } = tick;
  if (current > bounds.upper && current > 0) {
    const detail = `desired ${current} above the cap ${bounds.upper}`;
    return scale(tick, 'bounds', bounds.upper, { detail }, memory);
  }
  // Zero is inside the range when scaleToZero allows it.
  if (current < bounds.lower && (current > 0 || !config.scaleToZero)) {
    const detail = `desired ${current} below the floor ${bounds.lower}`;
    return scale(tick, 'bounds', bounds.lower, { detail }, memory);
  }
  return undefined;
}

/** Group or service not settled and the settle timeout not reached: wait, remembering since when. */
export function settling(tick: TickContext): PolicyOutcome | undefined {
  const { settle, memory, current } = tick;
  if (settle.settled || settle.timedOut) return undefined;
  const { group, service } = tick.observation;
  const membership = `group ${group.state}, members ${group.members}`;
  const tasks = `running ${service.running}/${service.desired}, pending ${service.pending}`;
  const detail = `${membership}, ${tasks}, deployment ${service.deploymentSteady ? 'steady' : 'rolling'}`;
  const { settleWaitStartMs, settledSinceMs } = settle;
  return hold(tick, 'settling', current, { detail }, { ...memory, settleWaitStartMs, settledSinceMs });
}

// After sizing.

/** The recommendation is the current count: nothing to change. */
export function atTarget(context: DecisionContext): PolicyOutcome | undefined {
  const { recommended, current, sizingRule, reason } = context;
  if (recommended !== current) return undefined;
  // Held because a partition no count drains: say so under its own rule, with the partition named.
  if (sizingRule === 'hot-partition')
    return holdAfterSizing(context, 'hot-partition', `${reason ?? ''}; ${current} tasks serve the rest`);
  return holdAfterSizing(context, 'at-target', `${sizingRule}: ${current} tasks fit`);
}

// Scale-out gates: the recommendation is above the current count.

/**
 * At zero tasks with the lag within activationLag: stay stopped. Not when records are produced to
 * partitions the group never committed on: under `latest` their lag reads 0 however much arrives, and
 * what is produced before the first commit is skipped, so waiting for lag would wait forever.
 */
export function belowActivationLag(context: DecisionContext): PolicyOutcome | undefined {
  const { current, config } = context;
  const { scalableLag } = context.totals;
  if (!(current === 0 && scalableLag <= config.activationLag)) return undefined;
  const producedUncommitted = context.observation.topics.some(
    (topic) => topic.partitionsWithoutCommit > 0 && (topic.productionRate ?? 0) > 0,
  );
  if (producedUncommitted) return undefined;
  return holdAfterSizing(context, 'activation', `lag ${scalableLag} <= activationLag ${config.activationLag}`);
}

/** The last action was a scale-out less than scaleOutCooldownSeconds ago: wait for its effect. */
export function scaleOutCooldown(context: DecisionContext): PolicyOutcome | undefined {
  const { memory, sinceLastActionMs, config } = context;
  const cooling = memory.lastAction?.direction === 'out' && sinceLastActionMs < config.scaleOutCooldownSeconds * 1000;
  if (!cooling) return undefined;
  return holdAfterSizing(context, 'scale-out-cooldown', `last scale-out ${sinceLastActionMs / 1000}s ago`);
}

/**
 * The current count keeps up, and drains within the target already or saves less drain time by the
 * step than the step's rebalance pause costs: skip it.
 */
export function notWorthRebalance(context: DecisionContext): PolicyOutcome | undefined {
  const { loads, current, config, meetsTarget, sizingRule } = context;
  const { drainSecondsNow, drainSecondsRecommended } = context.numbers;
  // Late or falling behind: the drain target is already missed, so the step is worth its pause. A
  // hot partition's own member is not about drain time (no count drains it) but its rate of decay.
  if (sizingRule === 'behind' || sizingRule === 'hot-partition') return undefined;
  if (loads === undefined || drainSecondsNow === undefined || drainSecondsRecommended === undefined) return undefined;
  // A count that falls behind production must grow, whatever the pause costs.
  if (!(current > 0 && keepsUp(loads, current, config.targetUtilization))) return undefined;
  const savedSeconds = drainSecondsNow - drainSecondsRecommended;
  const notWorth = drainSecondsNow <= config.drainTargetSeconds || savedSeconds <= config.rebalancePauseSeconds;
  if (!notWorth) return undefined;
  const unreachable = meetsTarget ? '' : ' (target unreachable)';
  const pause = `${config.rebalancePauseSeconds}s pause`;
  return holdAfterSizing(
    context,
    'not-worth-rebalance',
    `saves ${savedSeconds.toFixed(1)}s of drain for a ${pause}${unreachable}`,
  );
}

/**
 * Scale out toward the recommendation, at most maxStepUp at a time (from zero: straight to it). A
 * hot partition's count is exact, not snapped to a useful count: it is the count at which the
 * assignor gives the partition a member of its own, and one more or less would not.
 */
export function scaleOut(context: DecisionContext): PolicyOutcome {
  const { current, recommended, sizingRule, partitionCounts, config, bounds, reason } = context;
  const maxStep = config.maxStepUp;
  const exact =
    current === 0 || (sizingRule === 'hot-partition' && (maxStep === undefined || recommended - current <= maxStep));
  const to = exact ? recommended : boundStep(partitionCounts, { from: current, to: recommended, maxStep }, bounds);
  const why = reason === undefined ? '' : `: ${reason}`;
  return scaleAfterSizing(context, sizingRule, to, `${sizingRule} recommends ${recommended}${why}`);
}

// Scale-in gates: the recommendation is below the current count.

/** Partial lag is a lower bound: it may justify a scale-out, never a scale-in. */
export function partialDataNoScaleIn(context: DecisionContext): PolicyOutcome | undefined {
  if (context.totals.freshness === 'complete') return undefined;
  return holdAfterSizing(context, 'partial-data-no-scale-in', 'lag is a lower bound');
}

/** Past the settle timeout a scale-out may go ahead, but a scale-in still waits for a settled group. */
export function settlingAfterTimeout(context: DecisionContext): PolicyOutcome | undefined {
  if (context.settle.settled) return undefined;
  return holdAfterSizing(context, 'settling', 'settle timeout passed; scale-in waits for a settled group');
}

/** Any action less than scaleInCooldownSeconds ago: no scale-in yet. */
export function scaleInCooldown(context: DecisionContext): PolicyOutcome | undefined {
  const { sinceLastActionMs, config } = context;
  const cooling = sinceLastActionMs < config.scaleInCooldownSeconds * 1000;
  if (!cooling) return undefined;
  return holdAfterSizing(context, 'scale-in-cooldown', `last action ${sinceLastActionMs / 1000}s ago`);
}

/** Scale in only once history covers the window, and only if the window's highest recommendation is below current. */
export function stabilization(context: DecisionContext): PolicyOutcome | undefined {
  const { stabilized, current, recommended } = context;
  const allowsScaleIn =
    stabilized.covered && stabilized.tasks !== undefined && Math.max(stabilized.tasks, recommended) < current;
  if (allowsScaleIn) return undefined;
  const detail = stabilized.covered
    ? `highest recommendation in the window is ${stabilized.tasks ?? current}`
    : 'history does not cover the stabilization window yet';
  return holdAfterSizing(context, 'stabilization', detail);
}

/**
 * Scale in to the window's highest recommendation, at most maxStepDown at a time; hold ('stabilization')
 * when the step snaps back to the current count because no useful count lies between.
 */
export function scaleIn(context: DecisionContext): PolicyOutcome {
  const { current, partitionCounts, config, bounds, sizingRule } = context;
  // The stabilization gate passed, so the window's highest recommendation is known and below `current`.
  const target = Math.max(context.stabilized.tasks ?? current, context.recommended);
  const to =
    target === 0 ? 0 : boundStep(partitionCounts, { from: current, to: target, maxStep: config.maxStepDown }, bounds);
  if (to >= current) {
    return holdAfterSizing(context, 'stabilization', `no useful count between ${target} and ${current}`);
  }
  return scaleAfterSizing(context, target === 0 ? 'scale-to-zero' : sizingRule, to, `window max ${target}`);
}

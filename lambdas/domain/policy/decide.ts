/**
 * The scaling policy: one pure function from (observation, memory, config, now) to a decision and the
 * memory to persist. Rules run in a fixed order and the first that decides names itself in the result.
 */
import { usefulAtLeast } from './assignment';
import { boundStep } from './bounds';
import { estimateCapacity, rateTrust, smallestCapacity, toLoads } from './capacity';
import type { DecisionInputs, PolicyInput, PolicyMemory, PolicyOutcome, PolicyRule } from './input';
import { hold, scale } from './outcome';
import { recordRecommendation, stabilizedRecommendation } from './stabilization';
import { drainSeconds, drainSecondsAfterChange, keepsUp, sizeForDrainTarget } from './sizing';
import { readTick } from './tick';

/**
 * Decide the desired task count for one consumer group's service.
 *
 * @param input - this tick's observation, the remembered state and the validated config
 * @param now - epoch milliseconds of this tick
 * @returns a `scale` or `hold` decision naming its rule and numbers, and the memory to persist
 */
export function decideScaling(input: PolicyInput, now: number): PolicyOutcome {
  const tick = readTick(input, now);
  const { observation, memory, config, current, partitionCounts, bounds } = tick;
  const { topics, group, service } = observation;
  const { scalableLag, timeLagSeconds } = tick.totals;

  // Fail safe: without a fresh read there is nothing to size on, and no memory changes.
  if (topics.length === 0 || group.freshness === 'missing' || group.freshness === 'stale') {
    const detail = topics.length === 0 ? 'no topics observed' : `data is ${group.freshness}`;
    return hold(tick, 'no-data', current, { lower: current, upper: current, detail }, memory);
  }

  // Configuration bounds are not data: correct them even before the group settles.
  if (current > bounds.upper && current > 0) {
    return scale(tick, 'bounds', bounds.upper, { detail: `desired ${current} above the cap ${bounds.upper}` }, memory);
  }
  if (current < bounds.lower && (current > 0 || !config.scaleToZero)) {
    return scale(
      tick,
      'bounds',
      bounds.lower,
      { detail: `desired ${current} below the floor ${bounds.lower}` },
      memory,
    );
  }

  // Settle gate: decide only on a group whose membership matches the service, or after the timeout.
  const { settled, settleWaitStartMs, settledSinceMs, timedOut } = tick.settle;
  if (!settled && !timedOut) {
    return hold(
      tick,
      'settling',
      current,
      {
        detail: `group ${group.state}, members ${group.members}, running ${service.running}/${service.desired}, pending ${service.pending}, deployment ${service.deploymentSteady ? 'steady' : 'rolling'}`,
      },
      { ...memory, settleWaitStartMs, settledSinceMs },
    );
  }

  const capacity = estimateCapacity(
    topics,
    memory,
    rateTrust({ settledSinceMs, lastAction: memory.lastAction }, config, now),
    group.members,
  );
  const loads = toLoads(topics, capacity);
  const capacityPerTask = smallestCapacity(capacity);

  // Size: scale to zero when idle, else by drain target from measured rates, else by the lag threshold.
  const idle =
    config.scaleToZero && scalableLag <= config.activationLag && topics.every((topic) => topic.productionRate === 0);
  let recommended: number;
  let sizingRule: PolicyRule;
  let meetsTarget = true;
  if (idle) {
    recommended = 0;
    sizingRule = 'scale-to-zero';
  } else if (loads !== undefined) {
    const sizing = sizeForDrainTarget({
      loads,
      current,
      drainTargetSeconds: config.drainTargetSeconds,
      utilization: config.targetUtilization,
      pauseSeconds: config.rebalancePauseSeconds,
      startSeconds: config.taskStartSeconds,
    });
    recommended = sizing.tasks;
    meetsTarget = sizing.meetsTarget;
    sizingRule = 'drain-target';
  } else {
    const byLag = usefulAtLeast(partitionCounts, Math.ceil(scalableLag / config.lagPerTaskThreshold)) ?? bounds.upper;
    // Old data behind a threshold set too high: the time lag still says the group is late.
    const late = timeLagSeconds !== undefined && timeLagSeconds > config.drainTargetSeconds;
    recommended = late && byLag <= current ? (usefulAtLeast(partitionCounts, current + 1) ?? byLag) : byLag;
    sizingRule = 'lag-threshold';
  }
  if (recommended !== 0) recommended = Math.min(bounds.upper, Math.max(bounds.lower, recommended, 1));
  if (current === 0 && recommended > 0 && sizingRule !== 'scale-to-zero') sizingRule = 'activation';

  const drainSecondsNow = loads === undefined ? undefined : drainSeconds(loads, current, 0);
  const drainSecondsRecommended =
    loads === undefined
      ? undefined
      : drainSecondsAfterChange(
          { loads, current, pauseSeconds: config.rebalancePauseSeconds, startSeconds: config.taskStartSeconds },
          recommended,
        );

  const numbers: Partial<DecisionInputs> = { capacityPerTask, drainSecondsNow, drainSecondsRecommended };

  // Partial lag is a lower bound: it may raise the window's maximum but must never lower it.
  const windowMs = config.scaleInStabilizationSeconds * 1000;
  const recommendations = recordRecommendation(
    memory.recommendations,
    { atMs: now, tasks: recommended },
    group.freshness,
    windowMs,
  );
  const next: PolicyMemory = {
    ...memory,
    recommendations,
    settleWaitStartMs,
    settledSinceMs,
    capacityPerTask: capacity.remembered,
  };

  if (recommended === current) {
    return hold(tick, 'at-target', recommended, { ...numbers, detail: `${sizingRule}: ${current} tasks fit` }, next);
  }

  const sinceLastActionMs = memory.lastAction === undefined ? Infinity : now - memory.lastAction.atMs;

  if (recommended > current) {
    if (current === 0 && scalableLag <= config.activationLag) {
      return hold(
        tick,
        'activation',
        recommended,
        { ...numbers, detail: `lag ${scalableLag} <= activationLag ${config.activationLag}` },
        next,
      );
    }
    if (memory.lastAction?.direction === 'out' && sinceLastActionMs < config.scaleOutCooldownSeconds * 1000) {
      return hold(
        tick,
        'scale-out-cooldown',
        recommended,
        { ...numbers, detail: `last scale-out ${sinceLastActionMs / 1000}s ago` },
        next,
      );
    }
    // Weigh the pause: when the current count keeps up, a step must save more drain time than it costs.
    if (
      loads !== undefined &&
      current > 0 &&
      keepsUp(loads, current, config.targetUtilization) &&
      drainSecondsNow !== undefined &&
      drainSecondsRecommended !== undefined &&
      (drainSecondsNow <= config.drainTargetSeconds ||
        drainSecondsNow - drainSecondsRecommended <= config.rebalancePauseSeconds)
    ) {
      return hold(
        tick,
        'not-worth-rebalance',
        recommended,
        {
          ...numbers,
          detail: `saves ${(drainSecondsNow - drainSecondsRecommended).toFixed(1)}s of drain for a ${config.rebalancePauseSeconds}s pause${meetsTarget ? '' : ' (target unreachable)'}`,
        },
        next,
      );
    }
    const to =
      current === 0
        ? recommended
        : boundStep(partitionCounts, { from: current, to: recommended, maxStep: config.maxStepUp }, bounds);
    return scale(tick, sizingRule, to, { ...numbers, detail: `${sizingRule} recommends ${recommended}` }, next);
  }

  // Scale-in: only on complete data, on a settled group, after the cooldown and the stabilization window.
  if (group.freshness !== 'complete') {
    return hold(tick, 'partial-data-no-scale-in', recommended, { ...numbers, detail: 'lag is a lower bound' }, next);
  }
  if (!settled) {
    return hold(
      tick,
      'settling',
      recommended,
      { ...numbers, detail: 'settle timeout passed; scale-in waits for a settled group' },
      next,
    );
  }
  if (sinceLastActionMs < config.scaleInCooldownSeconds * 1000) {
    return hold(
      tick,
      'scale-in-cooldown',
      recommended,
      { ...numbers, detail: `last action ${sinceLastActionMs / 1000}s ago` },
      next,
    );
  }
  const stabilized = stabilizedRecommendation(recommendations, now, windowMs);
  if (!stabilized.covered || stabilized.tasks === undefined || stabilized.tasks >= current) {
    return hold(
      tick,
      'stabilization',
      recommended,
      {
        ...numbers,
        detail: stabilized.covered
          ? `highest recommendation in the window is ${stabilized.tasks ?? current}`
          : 'history does not cover the stabilization window yet',
      },
      next,
    );
  }
  const target = stabilized.tasks;
  const to =
    target === 0 ? 0 : boundStep(partitionCounts, { from: current, to: target, maxStep: config.maxStepDown }, bounds);
  if (to >= current) {
    return hold(
      tick,
      'stabilization',
      recommended,
      { ...numbers, detail: `no useful count between ${target} and ${current}` },
      next,
    );
  }
  return scale(
    tick,
    target === 0 ? 'scale-to-zero' : sizingRule,
    to,
    { ...numbers, detail: `window max ${target}` },
    next,
  );
}

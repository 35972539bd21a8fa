/**
 * The scaling policy: one pure function from (observation, memory, config, now) to a decision and the
 * memory to persist. Rules run in a fixed order and the first that decides names itself in the result.
 */
import { boundStep } from './bounds';
import { sizeTick } from './context';
import type { PolicyInput, PolicyOutcome } from './input';
import { hold, holdAfterSizing, scale, scaleAfterSizing } from './outcome';
import { keepsUp } from './sizing';
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
  const { scalableLag } = tick.totals;

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

  const context = sizeTick(tick);
  const { recommended, sizingRule, meetsTarget, loads, numbers, stabilized, sinceLastActionMs } = context;
  const { drainSecondsNow, drainSecondsRecommended } = numbers;

  if (recommended === current) {
    return holdAfterSizing(context, 'at-target', `${sizingRule}: ${current} tasks fit`);
  }

  if (recommended > current) {
    if (current === 0 && scalableLag <= config.activationLag) {
      return holdAfterSizing(context, 'activation', `lag ${scalableLag} <= activationLag ${config.activationLag}`);
    }
    if (memory.lastAction?.direction === 'out' && sinceLastActionMs < config.scaleOutCooldownSeconds * 1000) {
      return holdAfterSizing(context, 'scale-out-cooldown', `last scale-out ${sinceLastActionMs / 1000}s ago`);
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
      return holdAfterSizing(
        context,
        'not-worth-rebalance',
        `saves ${(drainSecondsNow - drainSecondsRecommended).toFixed(1)}s of drain for a ${config.rebalancePauseSeconds}s pause${meetsTarget ? '' : ' (target unreachable)'}`,
      );
    }
    const to =
      current === 0
        ? recommended
        : boundStep(partitionCounts, { from: current, to: recommended, maxStep: config.maxStepUp }, bounds);
    return scaleAfterSizing(context, sizingRule, to, `${sizingRule} recommends ${recommended}`);
  }

  // Scale-in: only on complete data, on a settled group, after the cooldown and the stabilization window.
  if (group.freshness !== 'complete') {
    return holdAfterSizing(context, 'partial-data-no-scale-in', 'lag is a lower bound');
  }
  if (!settled) {
    return holdAfterSizing(context, 'settling', 'settle timeout passed; scale-in waits for a settled group');
  }
  if (sinceLastActionMs < config.scaleInCooldownSeconds * 1000) {
    return holdAfterSizing(context, 'scale-in-cooldown', `last action ${sinceLastActionMs / 1000}s ago`);
  }
  if (!stabilized.covered || stabilized.tasks === undefined || stabilized.tasks >= current) {
    return holdAfterSizing(
      context,
      'stabilization',
      stabilized.covered
        ? `highest recommendation in the window is ${stabilized.tasks ?? current}`
        : 'history does not cover the stabilization window yet',
    );
  }
  const target = stabilized.tasks;
  const to =
    target === 0 ? 0 : boundStep(partitionCounts, { from: current, to: target, maxStep: config.maxStepDown }, bounds);
  if (to >= current) {
    return holdAfterSizing(context, 'stabilization', `no useful count between ${target} and ${current}`);
  }
  return scaleAfterSizing(context, target === 0 ? 'scale-to-zero' : sizingRule, to, `window max ${target}`);
}

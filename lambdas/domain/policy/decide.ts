/**
 * The scaling policy: one pure function from (observation, memory, config, now) to a decision and the
 * memory to persist. It reads like the README's rule table: gates (rules.ts) run in a fixed order, each
 * deciding or passing to the next, and the first that decides names itself in the result.
 */
import { sizeTick, type DecisionContext } from './context';
import type { PolicyInput, PolicyOutcome } from './input';
import {
  atTarget,
  belowActivationLag,
  noData,
  notWorthRebalance,
  outsideBounds,
  partialDataNoScaleIn,
  scaleIn,
  scaleInCooldown,
  scaleOut,
  scaleOutCooldown,
  settling,
  settlingAfterTimeout,
  stabilization,
} from './rules';
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
  // Sizing (capacity, loads, recommendation) runs only for a tick that passes these three.
  return noData(tick) ?? outsideBounds(tick) ?? settling(tick) ?? decideOnSizing(sizeTick(tick));
}

/** At the recommendation: hold; above it: the scale-out gates; below it: the scale-in gates. */
function decideOnSizing(context: DecisionContext): PolicyOutcome {
  return (
    atTarget(context) ?? (context.recommended > context.current ? decideScaleOut(context) : decideScaleIn(context))
  );
}

/** The activation lag, the cooldown and the rebalance's cost may hold a scale-out; else step out. */
function decideScaleOut(context: DecisionContext): PolicyOutcome {
  return belowActivationLag(context) ?? scaleOutCooldown(context) ?? notWorthRebalance(context) ?? scaleOut(context);
}

/** Scale-in waits for complete data, a settled group, the cooldown and the stabilization window; then steps in. */
function decideScaleIn(context: DecisionContext): PolicyOutcome {
  return (
    partialDataNoScaleIn(context) ??
    settlingAfterTimeout(context) ??
    scaleInCooldown(context) ??
    stabilization(context) ??
    scaleIn(context)
  );
}

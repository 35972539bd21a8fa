/**
 * The two shapes a decision takes, `hold` and `scale`, built from a tick's context so that every rule
 * reports the same numbers in the same order (the log, the state store and the metrics read them).
 */
import type { DecisionContext } from './context';
import type { DecisionInputs, PolicyMemory, PolicyOutcome, PolicyRule, ScaleDirection } from './input';
import type { TickContext } from './tick';

/** The numbers behind a decision: the tick's totals and task range, with a rule's own numbers and detail on top. */
export function decisionInputs(
  tick: TickContext,
  recommended: number,
  explanation: Partial<DecisionInputs>,
): DecisionInputs {
  return {
    ...tick.totals,
    recommended,
    lower: tick.bounds.lower,
    upper: tick.bounds.upper,
    capacityPerTask: undefined,
    drainSecondsNow: undefined,
    drainSecondsRecommended: undefined,
    hotPartitions: 0,
    detail: '',
    ...explanation,
  };
}

/** Keep the current count; `recommended` is what sizing alone would have chosen. */
export function hold(
  tick: TickContext,
  rule: PolicyRule,
  recommended: number,
  explanation: Partial<DecisionInputs>,
  memory: PolicyMemory,
): PolicyOutcome {
  return {
    decision: { kind: 'hold', rule, recommended, inputs: decisionInputs(tick, recommended, explanation) },
    memory,
  };
}

/** Change the desired count to `to` tasks; a real change (not a dry run) starts the cooldowns and a new settle wait. */
export function scale(
  tick: TickContext,
  rule: PolicyRule,
  to: number,
  explanation: Partial<DecisionInputs>,
  memory: PolicyMemory,
): PolicyOutcome {
  const { current, config, now } = tick;
  const direction: ScaleDirection = to > current ? 'out' : 'in';
  return {
    decision: {
      kind: 'scale',
      from: current,
      to,
      direction,
      rule,
      dryRun: config.dryRun,
      inputs: decisionInputs(tick, to, explanation),
    },
    // A dry run changes nothing, so it must not start cooldowns either.
    memory: config.dryRun
      ? memory
      : {
          ...memory,
          lastAction: { atMs: now, direction, from: current, to },
          settleWaitStartMs: undefined,
          settledSinceMs: undefined,
        },
  };
}

/** Hold after sizing: what sizing recommended, its drain numbers, and the memory this tick built. */
export function holdAfterSizing(context: DecisionContext, rule: PolicyRule, detail: string): PolicyOutcome {
  return hold(context, rule, context.recommended, { ...context.numbers, detail }, context.next);
}

/** Scale to `to` tasks after sizing, reporting the drain numbers. */
export function scaleAfterSizing(
  context: DecisionContext,
  rule: PolicyRule,
  to: number,
  detail: string,
): PolicyOutcome {
  return scale(context, rule, to, { ...context.numbers, detail }, context.next);
}

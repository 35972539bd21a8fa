import type { TargetSample } from '#local/samples';
import type { DecisionInputs, ScalingDecision } from '#domain/policy/index';

const inputs: DecisionInputs = {
  current: 1,
  recommended: 1,
  capPartitions: 12,
  lower: 1,
  upper: 6,
  scalableLag: 0,
  excludedLag: 0,
  productionRate: 60,
  capacityPerTask: 150,
  drainSecondsNow: 0,
  drainSecondsRecommended: 0,
  timeLagSeconds: 0,
  freshness: 'complete',
  hotPartitions: 0,
  detail: '',
};

export const hold = (current: number, rule: ScalingDecision['rule'] = 'at-target'): ScalingDecision => ({
  kind: 'hold',
  rule,
  recommended: current,
  inputs: { ...inputs, current, recommended: current },
});

export const scale = (from: number, to: number): ScalingDecision => ({
  kind: 'scale',
  from,
  to,
  direction: to > from ? 'out' : 'in',
  rule: 'drain-target',
  dryRun: false,
  inputs: {
    ...inputs,
    current: from,
    recommended: to,
    drainSecondsRecommended: 12,
    detail: 'drain-target recommends 4',
  },
});

/** A sample at second `s` with the given numbers; the rest are a calm, settled group. */
export function sample(s: number, extra: Partial<TargetSample> = {}): TargetSample {
  return {
    atMs: s * 1000,
    target: 'billing',
    group: 'billing',
    lag: 0,
    timeLagSeconds: 0,
    productionRate: 60,
    consumptionRate: 60,
    health: 'OK',
    desired: 1,
    running: 1,
    groupState: 'Stable',
    members: 1,
    partitionsPerMember: [12],
    partitions: 12,
    outcome: 'held',
    decision: hold(1),
    error: undefined,
    ...extra,
  };
}

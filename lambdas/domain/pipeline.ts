/**
 * The tick's pure pipeline for one target, in two halves: measure (the read and the saved history
 * through the lag engine) and decide (the measurement and the service through the observation into
 * the policy). The Lambda's tick, local mode and the simulator all run exactly these functions, so a
 * simulated decision is evidence about the deployed scaler.
 */
import type { OffsetHistory } from './lag/history';
import type { OffsetResetPolicy } from './lag/partition-lag';
import type { GroupReadResult } from './lag/snapshot';
import { measureRead, type TargetMeasurement } from './lag/targets';
import { decideScaling } from './policy/decide';
import type { PolicyConfig } from './policy/config';
import type { PolicyMemory, PolicyObservation, ScalingDecision, ServiceObservation } from './policy/input';
import { observe } from './policy/observe';

/** What measuring one target needs: this tick's read (undefined when Kafka could not be read). */
export interface MeasureTargetInput {
  readonly read: GroupReadResult | undefined;
  /** The history saved by the previous tick. */
  readonly history: OffsetHistory;
  readonly offsetResetPolicy: OffsetResetPolicy;
  /** The policy's rate window: rates follow a change of load instead of averaging all history. */
  readonly rateWindowSeconds: number;
  readonly now: number;
}

/** Measure: the lag engine over the read; undefined when there was no read at all. */
export function measureTarget(input: MeasureTargetInput): TargetMeasurement | undefined {
  if (input.read === undefined) return undefined;
  return measureRead(input.read, {
    now: input.now,
    history: input.history,
    offsetResetPolicy: input.offsetResetPolicy,
    rateWindowMs: input.rateWindowSeconds * 1000,
  });
}

/** What deciding for one target needs besides its measurement. */
export interface DecideTargetInput {
  readonly measurement: TargetMeasurement | undefined;
  readonly service: ServiceObservation;
  readonly memory: PolicyMemory;
  readonly config: PolicyConfig;
  readonly now: number;
}

/** One target's decision and everything to keep from it. */
export interface TargetDecision {
  readonly observation: PolicyObservation;
  readonly decision: ScalingDecision;
  readonly memory: PolicyMemory;
  /** The history to save: the measurement's, or the previous one when nothing was measured. */
  readonly nextHistory: OffsetHistory | undefined;
}

/** Decide: the observation the policy reads, then the policy. */
export function decideTarget(input: DecideTargetInput): TargetDecision {
  const observation = observe(input.measurement, input.service, input.now);
  const { decision, memory } = decideScaling({ observation, memory: input.memory, config: input.config }, input.now);
  const nextHistory = input.measurement?.kind === 'measured' ? input.measurement.lag.nextHistory : undefined;
  return { observation, decision, memory, nextHistory };
}

/** Both halves in one call (the simulator's entry): measure, then decide. */
export function runTargetPipeline(
  input: Omit<MeasureTargetInput, 'rateWindowSeconds'> & Omit<DecideTargetInput, 'measurement'>,
): TargetDecision & { readonly measurement: TargetMeasurement | undefined } {
  const measurement = measureTarget({ ...input, rateWindowSeconds: input.config.rateWindowSeconds });
  return { ...decideTarget({ ...input, measurement }), measurement };
}

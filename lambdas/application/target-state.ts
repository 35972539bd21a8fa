import { emptyPolicyMemory, type PolicyMemory, type ScalingDecision } from '../domain/policy';

/** What one target remembers between ticks (JSON-safe: the StateStore stores it as JSON). */
export interface TargetState {
  readonly schema: 1;
  readonly policy: PolicyMemory;
  /** The lag engine's history, serialized by the lag domain (end and committed offsets over time). */
  readonly lagHistory: unknown;
  readonly lastDecision: RecordedDecision | undefined;
}

/** A decision as stored and logged: when, what, and whether it was carried out. */
export interface RecordedDecision {
  readonly atMs: number;
  readonly decision: ScalingDecision;
  readonly acted: boolean;
  readonly dryRun: boolean;
}

export const initialTargetState: TargetState = {
  schema: 1,
  policy: emptyPolicyMemory,
  lagHistory: undefined,
  lastDecision: undefined,
};

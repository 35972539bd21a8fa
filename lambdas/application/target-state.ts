/**
 * What one target remembers between ticks, its versions and how a stored item is read back: validated
 * on load (the store holds JSON any version of the scaler, or a person, may have written), older
 * versions migrated, and anything unreadable or foreign replaced by a fresh state with the reason, so
 * a bad item never blocks its target.
 */
import * as z from 'zod';
import { formatPath, formatSchemaError } from '#domain/config/schema-issues';
import { emptyPolicyMemory, type PolicyMemory, type ScalingDecision } from '../domain/policy';

/** The version of the state this scaler writes. */
export const TARGET_STATE_SCHEMA = 2;

/**
 * What became of a decision: `held` and `dry-run` have nothing to carry out; `pending` is claimed (saved)
 * and its UpdateService not yet known to have succeeded or failed; `acted` and `failed` are the call's result.
 */
export type ActionOutcome = 'held' | 'dry-run' | 'pending' | 'acted' | 'failed';

/** A decision as stored and logged: when, what, and what became of it. */
export interface RecordedDecision {
  readonly atMs: number;
  readonly decision: ScalingDecision;
  readonly outcome: ActionOutcome;
  readonly dryRun: boolean;
  /** `pending`: the claiming invocation may still be acting until then (its own deadline). */
  readonly leaseUntilMs?: number;
  /** `pending` and `failed`: the cooldown and settle facts of before, in force again when the action did not happen. */
  readonly previous?: Partial<MemoryBeforeAction>;
  /** `failed`: why the action failed. */
  readonly error?: string;
}

/** The parts of the policy memory an action changes (it starts the cooldowns and a new settle wait). */
export type MemoryBeforeAction = Pick<PolicyMemory, 'lastAction' | 'settleWaitStartMs' | 'settledSinceMs'>;

/** What the memory was before a decision acted, to restore if the action did not happen. */
export const memoryBeforeAction = (memory: PolicyMemory): MemoryBeforeAction => ({
  lastAction: memory.lastAction,
  settleWaitStartMs: memory.settleWaitStartMs,
  settledSinceMs: memory.settledSinceMs,
});

/** What one target remembers between ticks (JSON-safe: the StateStore stores it as JSON). */
export interface TargetState {
  readonly schema: typeof TARGET_STATE_SCHEMA;
  readonly policy: PolicyMemory;
  /** The lag engine's history, serialized by the lag domain (end and committed offsets over time). */
  readonly lagHistory: unknown;
  readonly lastDecision: RecordedDecision | undefined;
}

export const initialTargetState: TargetState = {
  schema: TARGET_STATE_SCHEMA,
  policy: emptyPolicyMemory,
  lagHistory: undefined,
  lastDecision: undefined,
};

const time = z.number();
const count = z.number().int().nonnegative();
const rate = z.number().nonnegative();

const LastActionSchema = z.object({
  atMs: time,
  direction: z.enum(['out', 'in']),
  from: count,
  to: count,
});

const CapacitySampleSchema = z.object({ atMs: time, perSecond: rate });

/** What the policy reads from its memory; optional fields default as the policy's own empty memory. */
const PolicyMemorySchema = z
  .object({
    recommendations: z.array(z.object({ atMs: time, tasks: count })).default([]),
    lastAction: LastActionSchema.optional(),
    settleWaitStartMs: time.optional(),
    settledSinceMs: time.optional(),
    capacityPerTask: z.record(z.string(), rate).default({}),
    capacitySamples: z.record(z.string(), z.array(CapacitySampleSchema)).default({}),
    capacityFloor: z.record(z.string(), CapacitySampleSchema).default({}),
  })
  .transform((memory): PolicyMemory => ({
    recommendations: memory.recommendations,
    lastAction: memory.lastAction,
    settleWaitStartMs: memory.settleWaitStartMs,
    settledSinceMs: memory.settledSinceMs,
    capacityPerTask: memory.capacityPerTask,
    capacitySamples: memory.capacitySamples,
    capacityFloor: memory.capacityFloor,
  }));

/** The parts of a stored decision the tick reads back (the rest is the record for people). */
const DecisionShape = z
  .union([
    z.looseObject({ kind: z.literal('scale'), from: count, to: count, direction: z.enum(['out', 'in']) }),
    z.looseObject({ kind: z.literal('hold'), recommended: z.number() }),
  ])
  .and(z.looseObject({ rule: z.string() }));

const DecisionSchema = z.custom<ScalingDecision>(
  (value) => DecisionShape.safeParse(value).success,
  'not a scaling decision (kind scale with from, to and direction, or hold with recommended; and a rule)',
);

const RecordedDecisionSchema = z.object({
  atMs: time,
  decision: DecisionSchema,
  outcome: z.enum(['held', 'dry-run', 'pending', 'acted', 'failed']),
  dryRun: z.boolean(),
  leaseUntilMs: time.optional(),
  previous: z
    .object({
      lastAction: LastActionSchema.optional(),
      settleWaitStartMs: time.optional(),
      settledSinceMs: time.optional(),
    })
    .optional(),
  error: z.string().optional(),
});

const TargetStateSchema = z.object({
  schema: z.literal(TARGET_STATE_SCHEMA),
  policy: PolicyMemorySchema,
  lagHistory: z.unknown().optional(),
  lastDecision: RecordedDecisionSchema.optional(),
});

/** Schema 1 (before outcomes were recorded): `acted` said what was intended, not what happened. */
const TargetStateV1Schema = z.object({
  schema: z.literal(1),
  policy: PolicyMemorySchema,
  lagHistory: z.unknown().optional(),
  lastDecision: z.object({ atMs: time, decision: DecisionSchema, acted: z.boolean(), dryRun: z.boolean() }).optional(),
});

/** Schema 1 -> 2: a decision recorded as acted is taken as acted (the version before could not tell). */
function migrateV1(v1: z.output<typeof TargetStateV1Schema>): TargetState {
  const last = v1.lastDecision;
  const outcome: ActionOutcome =
    last === undefined
      ? 'held'
      : last.acted
        ? 'acted'
        : last.dryRun && last.decision.kind === 'scale'
          ? 'dry-run'
          : 'held';
  return {
    schema: TARGET_STATE_SCHEMA,
    policy: v1.policy,
    lagHistory: v1.lagHistory,
    lastDecision:
      last === undefined ? undefined : { atMs: last.atMs, decision: last.decision, outcome, dryRun: last.dryRun },
  };
}

/** A stored state read back: usable (possibly migrated), or replaced by a fresh state and why. */
export type LoadedTargetState =
  | { readonly kind: 'valid'; readonly state: TargetState; readonly migratedFrom: number | undefined }
  | { readonly kind: 'reset'; readonly state: TargetState; readonly reason: string };

const reset = (reason: string): LoadedTargetState => ({ kind: 'reset', state: initialTargetState, reason });

/** Every problem of a failed parse, on one line. */
const problemsOf = (error: z.ZodError): string =>
  formatSchemaError(error, { label: (path) => formatPath(['state', ...path]) }).join('; ');

/**
 * Reads a stored state of any version this scaler knows. Anything else (not an object, no or an
 * unknown `schema`, a field of the wrong shape) becomes a fresh state with the reason.
 */
export function parseTargetState(raw: unknown): LoadedTargetState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return reset(
      `the stored state is ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}, not an object`,
    );
  }
  const schema = (raw as { schema?: unknown }).schema;
  if (schema === 1) {
    const v1 = TargetStateV1Schema.safeParse(raw);
    if (!v1.success) return reset(`schema 1 state is malformed: ${problemsOf(v1.error)}`);
    return { kind: 'valid', state: migrateV1(v1.data), migratedFrom: 1 };
  }
  if (schema === TARGET_STATE_SCHEMA) {
    const parsed = TargetStateSchema.safeParse(raw);
    if (!parsed.success) return reset(`schema ${TARGET_STATE_SCHEMA} state is malformed: ${problemsOf(parsed.error)}`);
    const { policy, lagHistory, lastDecision } = parsed.data;
    const state: TargetState = { schema: TARGET_STATE_SCHEMA, policy, lagHistory, lastDecision };
    return { kind: 'valid', state, migratedFrom: undefined };
  }
  return reset(
    schema === undefined
      ? 'the stored state has no schema field'
      : `schema ${JSON.stringify(schema)} is not one this version reads (1-${TARGET_STATE_SCHEMA}); a newer version of the scaler may have written it`,
  );
}

/** What a decision left `pending` by an earlier invocation turned out to be. */
export type PendingResolution =
  | { readonly kind: 'none' }
  | { readonly kind: 'in-flight'; readonly claimedAtMs: number; readonly leaseUntilMs: number }
  | {
      readonly kind: 'resolved';
      readonly outcome: 'acted' | 'failed';
      /** The state with the decision's outcome recorded (and, when it failed, the cooldown of before). */
      readonly state: TargetState;
      readonly detail: string;
    };

/**
 * A decision stays `pending` when the invocation that claimed it ended before recording the outcome
 * (it ran past its timeout, or the save failed). The service says what happened: at the decision's
 * count, it acted; otherwise it is still in flight until the claimer's lease ends, and failed after
 * (the cooldown and settle facts of before restored).
 */
export function resolvePending(state: TargetState, desired: number, now: number): PendingResolution {
  const last = state.lastDecision;
  if (last?.outcome !== 'pending' || last.decision.kind !== 'scale') return { kind: 'none' };
  const { to } = last.decision;
  if (desired === to) {
    const detail = `the service's desired count is ${to}, as decided at ${new Date(last.atMs).toISOString()}`;
    return { kind: 'resolved', outcome: 'acted', detail, state: withOutcome(state, 'acted', undefined) };
  }
  const leaseUntilMs = last.leaseUntilMs ?? last.atMs;
  if (now < leaseUntilMs) return { kind: 'in-flight', claimedAtMs: last.atMs, leaseUntilMs };
  const detail = `the invocation that claimed it ended without recording the outcome, and the service's desired count is ${desired}, not ${to}`;
  const failed = withOutcome(state, 'failed', detail);
  return {
    kind: 'resolved',
    outcome: 'failed',
    detail,
    state: { ...failed, policy: memoryAfterFailedAction(failed.policy, last.previous ?? {}) },
  };
}

function withOutcome(state: TargetState, outcome: 'acted' | 'failed', error: string | undefined): TargetState {
  const last = state.lastDecision;
  return last === undefined ? state : { ...state, lastDecision: settledDecision(last, outcome, error) };
}

/**
 * A claimed decision with its action's outcome: `acted`, or `failed` with why and the last action of
 * before (the lease ends: nothing is in flight any more).
 */
export function settledDecision(
  claim: RecordedDecision,
  outcome: 'acted' | 'failed',
  error: string | undefined,
): RecordedDecision {
  const { atMs, decision, dryRun, previous } = claim;
  return outcome === 'acted'
    ? { atMs, decision, dryRun, outcome }
    : { atMs, decision, dryRun, outcome, previous, error };
}

/**
 * The memory to keep when an action failed: what the policy learned this tick (recommendations,
 * capacity), with the cooldown and settle facts of before, since the service did not change.
 */
export function memoryAfterFailedAction(next: PolicyMemory, before: Partial<MemoryBeforeAction>): PolicyMemory {
  return {
    ...next,
    lastAction: before.lastAction,
    settleWaitStartMs: before.settleWaitStartMs,
    settledSinceMs: before.settledSinceMs,
  };
}

import pLimit from 'p-limit';
import type { ScalerConfig, TargetConfig } from '../domain/config/scaler-config';
import { clusterOf, targetId } from '../domain/config/scaler-config';
import type { GroupReadResult } from '../domain/lag/snapshot';
import type { ScalingDecision } from '../domain/policy';
import type { Clock } from '../ports/clock';
import type { StructuredLogger } from '../ports/logger';
import { ScalerMetricName, type MetricDatum, type MetricsSink } from '../ports/metrics-sink';
import type { OffsetReader } from '../ports/offset-reader';
import type { ServiceCapacity, ServiceStatus } from '../ports/service-capacity';
import { StateConflictError, type StateStore } from '../ports/state-store';
import { emptyOffsetHistory, historyFromJson, historyToJson, type OffsetHistory } from '../domain/lag';
import { decideTarget, measureTarget } from '#domain/pipeline';
import type { TargetMeasurement } from '#domain/lag/targets';
import { describeExternalScaler, type ExternalScaler, type ExternalScalerFinder } from '#ports/external-scalers';
import {
  initialTargetState,
  memoryAfterFailedAction,
  memoryBeforeAction,
  parseTargetState,
  resolvePending,
  settledDecision,
  TARGET_STATE_SCHEMA,
  type RecordedDecision,
  type TargetState,
} from './target-state';
import { scalerMetrics, lagMetrics, type ScalerFacts } from './tick-metrics';
import { describeError } from '#domain/errors';
import { prefetchServices, prefetchStates } from './prefetch';

export interface TickDependencies {
  readonly reader: OffsetReader;
  readonly capacity: ServiceCapacity;
  /** Each target's state as JSON; the tick validates what it loads (any version, or garbage). */
  readonly store: StateStore<unknown>;
  readonly metrics: MetricsSink;
  readonly clock: Clock;
  readonly logger: StructuredLogger;
  /** Other autoscalers on the watched services (Application Auto Scaling). @default not checked */
  readonly externalScalers?: ExternalScalerFinder;
  /**
   * When this invocation ends at the latest (epoch ms; Lambda: now + the remaining time): an action it
   * claims may be in flight until then, so no other invocation acts on the target before.
   * @default 60 s after the decision
   */
  readonly deadline?: () => number;
}

/** What happened to one target in a tick. */
export type TargetOutcome =
  | { readonly target: string; readonly kind: 'acted' | 'held' | 'dry-run'; readonly decision: ScalingDecision }
  /** The action (UpdateService) failed: recorded as failed, no cooldown started, decided again next tick. */
  | { readonly target: string; readonly kind: 'failed'; readonly decision: ScalingDecision; readonly message: string }
  /** Another invocation claimed the target (an overlapping tick, or an action still in flight): not acting. */
  | {
      readonly target: string;
      readonly kind: 'conflict';
      readonly decision: ScalingDecision | undefined;
      readonly message: string;
    }
  | { readonly target: string; readonly kind: 'error'; readonly message: string };

export interface TickReport {
  readonly startedAtMs: number;
  readonly durationMs: number;
  readonly kafkaError: string | undefined;
  readonly targets: readonly TargetOutcome[];
}

/** How long a claimed action may be in flight when the caller gives no deadline (and the margin after one). */
const DEFAULT_ACTION_LEASE_MS = 60_000;
export const LEASE_MARGIN_MS = 10_000;

/**
 * One tick for every target: load every state and read all groups at once, then for each target
 * (bounded concurrency, isolated from the others) measure, decide, save the decision (which claims
 * it: of two overlapping ticks only one can save), act, record what the action did, and publish.
 */
export async function runTick(config: ScalerConfig, deps: TickDependencies): Promise<TickReport> {
  const startedAtMs = deps.clock.now();
  const ids = config.targets.map(targetId);
  // States (batched where the store can), every group, other autoscalers and every service (batched
  // where ECS can) at once.
  const [loaded, kafka, external, capacity] = await Promise.all([
    prefetchStates(deps.store, ids).then((store) => loadStates({ ...deps, store }, ids)),
    readGroups(config, deps),
    findExternalScalers(config, deps),
    prefetchServices(
      deps.capacity,
      config.targets.map((t) => t.service),
    ),
  ]);
  const limit = pLimit(config.concurrency);
  const results = await Promise.all(
    config.targets.map((target) =>
      limit(() =>
        tickTarget(
          config,
          target,
          {
            read: kafka.reads.get(targetId(target)),
            stored: loaded.get(targetId(target)),
            kafkaError: kafka.error,
            externalScalers: external.scalers?.filter((s) => sameService(s, target)),
          },
          { ...deps, capacity },
        ),
      ),
    ),
  );
  const report = {
    startedAtMs,
    durationMs: deps.clock.now() - startedAtMs,
    kafkaError: kafka.error,
    targets: results.map((r) => r.outcome),
  };
  const tickMetric = (name: ScalerMetricName, value: number, unit: MetricDatum['unit']): MetricDatum => ({
    name,
    value,
    unit,
    dimensions: {},
    timestampMs: startedAtMs,
  });
  await publish(deps, [
    ...results.flatMap((r) => r.metrics),
    ...(external.failed ? [tickMetric(ScalerMetricName.EXTERNAL_SCALER_CHECK_FAILURES, 1, 'Count')] : []),
    tickMetric(ScalerMetricName.TICK_DURATION, report.durationMs, 'Milliseconds'),
  ]);
  return report;
}

async function publish(deps: TickDependencies, metrics: readonly MetricDatum[]): Promise<void> {
  try {
    await deps.metrics.publish(metrics);
  } catch (error) {
    // Not silent: TickDuration is missing for this tick, which the ticks-missing alarm watches.
    deps.logger.error('publishing metrics failed', { error: describeError(error), metrics: metrics.length });
  }
}

/** Every group at once (one reader per cluster); when Kafka cannot be read every target still runs and holds (never scales in). */
async function readGroups(
  config: ScalerConfig,
  deps: TickDependencies,
): Promise<{ reads: ReadonlyMap<string, GroupReadResult | undefined>; error: string | undefined }> {
  try {
    const results = await deps.reader.read(
      config.targets.map((t) => ({ group: t.group, topics: t.topics, isolation: t.isolation, cluster: clusterOf(t) })),
    );
    // One result per selection, in order, by target: the same group name may live on two clusters.
    return { reads: new Map(config.targets.map((t, index) => [targetId(t), results[index]])), error: undefined };
  } catch (error) {
    const message = describeError(error);
    deps.logger.error('kafka read failed; every target holds this tick', { error: message });
    return { reads: new Map(), error: message };
  }
}

/**
 * Other autoscalers on the targets' services; `scalers` undefined when not checked or the check failed
 * (logged, and `failed` publishes ExternalScalerCheckFailures: scaling goes on, the check is what is missing).
 */
async function findExternalScalers(
  config: ScalerConfig,
  deps: TickDependencies,
): Promise<{ scalers: readonly ExternalScaler[] | undefined; failed: boolean }> {
  if (deps.externalScalers === undefined) return { scalers: undefined, failed: false };
  try {
    return { scalers: await deps.externalScalers.find(config.targets.map((t) => t.service)), failed: false };
  } catch (error) {
    deps.logger.error('cannot check the services for other autoscalers', { error: describeError(error) });
    return { scalers: undefined, failed: true };
  }
}

const sameService = (scaler: ExternalScaler, target: TargetConfig): boolean =>
  scaler.service.cluster === target.service.cluster && scaler.service.service === target.service.service;

/** A target's state as loaded: usable, or fresh after a reset (with why), or the load's error. */
interface StoredTarget {
  readonly version: number | undefined;
  readonly state: TargetState;
  readonly history: OffsetHistory;
  /** Why (part of) the stored state was discarded and started afresh; undefined when it was read whole. */
  readonly reset: string | undefined;
  readonly error: string | undefined;
}

async function loadStates(deps: TickDependencies, ids: readonly string[]): Promise<Map<string, StoredTarget>> {
  const entries = await Promise.all(ids.map(async (id) => [id, await loadState(deps, id)] as const));
  return new Map(entries);
}

/**
 * One target's state, validated: an unreadable item, a foreign shape or an unknown schema is replaced
 * by a fresh state at the stored version (so the next save overwrites it), named in the log.
 */
async function loadState(deps: TickDependencies, id: string): Promise<StoredTarget> {
  let stored: Awaited<ReturnType<TickDependencies['store']['load']>>;
  try {
    stored = await deps.store.load(id);
  } catch (error) {
    const message = describeError(error);
    return {
      version: undefined,
      state: initialTargetState,
      history: emptyOffsetHistory,
      reset: undefined,
      error: message,
    };
  }
  if (stored === undefined) {
    return {
      version: undefined,
      state: initialTargetState,
      history: emptyOffsetHistory,
      reset: undefined,
      error: undefined,
    };
  }
  const parsed =
    'unreadable' in stored
      ? ({
          kind: 'reset',
          state: initialTargetState,
          reason: `the stored item is unreadable: ${stored.unreadable}`,
        } as const)
      : parseTargetState(stored.state);
  if (parsed.kind === 'valid' && parsed.migratedFrom !== undefined) {
    deps.logger.info('state migrated', { target: id, from: parsed.migratedFrom, to: TARGET_STATE_SCHEMA });
  }
  const history = parsed.state.lagHistory === undefined ? undefined : historyFromJson(parsed.state.lagHistory);
  const reset =
    parsed.kind === 'reset'
      ? parsed.reason
      : history?.kind === 'invalid'
        ? `the stored lag history is unreadable (${history.field}: ${history.problem}); it starts anew`
        : undefined;
  if (reset !== undefined) {
    deps.logger.warn('state reset: starting this target afresh (history lost; no scale-in on it)', {
      target: id,
      reason: reset,
    });
  }
  return {
    version: stored.version,
    state: parsed.state,
    history: history?.kind === 'valid' ? history.history : emptyOffsetHistory,
    reset,
    error: undefined,
  };
}

/** What one target's tick found before it decided. */
interface TargetFacts {
  readonly read: GroupReadResult | undefined;
  readonly stored: StoredTarget | undefined;
  readonly kafkaError: string | undefined;
  readonly externalScalers: readonly ExternalScaler[] | undefined;
}

interface TargetResult {
  readonly outcome: TargetOutcome;
  readonly metrics: MetricDatum[];
}

async function tickTarget(
  config: ScalerConfig,
  target: TargetConfig,
  facts: TargetFacts,
  deps: TickDependencies,
): Promise<TargetResult> {
  const id = targetId(target);
  const now = deps.clock.now();
  const measurement = measureTarget({
    read: facts.read,
    history: facts.stored?.history ?? emptyOffsetHistory,
    offsetResetPolicy: target.offsetResetPolicy,
    rateWindowSeconds: target.policy.rateWindowSeconds,
    now,
  });
  const group = lagMetrics(target.group, measurement, now, { partitionMetrics: config.partitionMetrics });
  const base = {
    reset: facts.stored?.reset !== undefined,
    conflictingScalers: facts.externalScalers?.length,
  } satisfies Partial<ScalerFacts>;
  for (const scaler of facts.externalScalers ?? []) {
    deps.logger.warn('another autoscaler sets this service', { target: id, problem: describeExternalScaler(scaler) });
  }
  try {
    const stored = facts.stored;
    if (!stored || stored.error !== undefined)
      throw new Error(`cannot load the state of target ${id}: ${stored?.error ?? 'not loaded'}`);
    const step = await decideAndAct({ config, target, stored, measurement, now, kafkaError: facts.kafkaError }, deps);
    const error = step.outcome.kind === 'failed' || facts.kafkaError !== undefined || measurement?.kind === 'error';
    const scaler = step.outcome.kind === 'conflict' ? { conflict: true } : { ...step.facts, error };
    return { outcome: step.outcome, metrics: [...group, ...scalerMetrics(id, { ...base, ...scaler }, now)] };
  } catch (error) {
    const message = describeError(error);
    deps.logger.error('target failed', { target: id, group: target.group, error: message });
    return {
      outcome: { target: id, kind: 'error', message },
      metrics: [...group, ...scalerMetrics(id, { ...base, error: true }, now)],
    };
  }
}

/** Everything one target's decision needs. */
interface DecisionStep {
  readonly config: ScalerConfig;
  readonly target: TargetConfig;
  readonly stored: StoredTarget;
  readonly measurement: TargetMeasurement | undefined;
  readonly now: number;
  readonly kafkaError: string | undefined;
}

/** A target's outcome and the facts its metrics report. */
interface StepResult {
  readonly outcome: TargetOutcome;
  readonly facts: Omit<ScalerFacts, 'error'>;
}

/**
 * Settle what an earlier invocation left pending, decide, claim the decision by saving it, carry it
 * out, and record what the action did. Throws when the service cannot be described or the state
 * cannot be saved (the target's error).
 */
async function decideAndAct(step: DecisionStep, deps: TickDependencies): Promise<StepResult> {
  const { target, stored, now } = step;
  const id = targetId(target);
  const service = await deps.capacity.describe(target.service);
  const pending = resolvePending(stored.state, service.desired, now);
  if (pending.kind === 'in-flight') {
    const message = `an action claimed at ${iso(pending.claimedAtMs)} may still be in flight until ${iso(pending.leaseUntilMs)}; not acting`;
    deps.logger.warn('another invocation is acting on this target', { target: id, detail: message });
    return { outcome: { target: id, kind: 'conflict', decision: undefined, message }, facts: {} };
  }
  if (pending.kind === 'resolved') {
    const fields = { target: id, outcome: pending.outcome, detail: pending.detail };
    const message = 'a decision left pending by an earlier invocation is settled';
    if (pending.outcome === 'failed') deps.logger.error(message, fields);
    else deps.logger.info(message, fields);
  }
  const state = pending.kind === 'resolved' ? pending.state : stored.state;
  const leaseUntilMs = deps.deadline === undefined ? now + DEFAULT_ACTION_LEASE_MS : deps.deadline() + LEASE_MARGIN_MS;
  const decided = decide(step, state, service, leaseUntilMs);
  let version: number;
  try {
    version = await deps.store.save(id, decided.next, stored.version);
  } catch (error) {
    if (!(error instanceof StateConflictError)) throw error;
    deps.logger.warn('another invocation handled this target; not acting', { target: id });
    const message = describeError(error);
    return { outcome: { target: id, kind: 'conflict', decision: decided.decision, message }, facts: {} };
  }
  const action = decided.willAct ? await act(step, { ...decided, version, before: state }, deps) : undefined;
  const failedEarlier = pending.kind === 'resolved' && pending.outcome === 'failed';
  return {
    outcome: recordOutcome(step, decided, action, deps),
    facts: {
      service,
      decision: decided.decision,
      acted: action?.ok === true,
      failed: action?.ok === false,
      failedEarlier,
      unrecorded: action !== undefined && !action.recorded,
    },
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The decision and the state that claims it. */
interface Decided {
  readonly decision: ScalingDecision;
  readonly willAct: boolean;
  readonly next: TargetState;
}

/** The policy's decision on the (settled) state; after a reset, never a scale-in on the lost history. */
function decide(step: DecisionStep, state: TargetState, service: ServiceStatus, leaseUntilMs: number): Decided {
  const { config, target, stored, measurement, now } = step;
  const dryRun = target.policy.dryRun || config.dryRun;
  const policy = { ...target.policy, dryRun };
  const decided = decideTarget({ measurement, service, memory: state.policy, config: policy, now });
  const held = stored.reset === undefined ? undefined : noScaleInAfterReset(decided.decision, stored.reset);
  const decision = held ?? decided.decision;
  const memory = held === undefined ? decided.memory : state.policy;
  const willAct = decision.kind === 'scale' && !decision.dryRun;
  const record: RecordedDecision = willAct
    ? { atMs: now, decision, outcome: 'pending', dryRun, leaseUntilMs, previous: memoryBeforeAction(state.policy) }
    : { atMs: now, decision, outcome: decision.kind === 'scale' ? 'dry-run' : 'held', dryRun };
  const lagHistory = decided.nextHistory === undefined ? state.lagHistory : historyToJson(decided.nextHistory);
  return { decision, willAct, next: { schema: TARGET_STATE_SCHEMA, policy: memory, lagHistory, lastDecision: record } };
}

/**
 * A scale-in decided on a state that was just reset is held: its history is gone, and missing data
 * never scales in. (A scale-out may go ahead: it cannot leave the group short.)
 */
function noScaleInAfterReset(decision: ScalingDecision, reason: string): ScalingDecision | undefined {
  if (decision.kind !== 'scale' || decision.direction !== 'in') return undefined;
  return {
    kind: 'hold',
    rule: 'stabilization',
    recommended: decision.to,
    inputs: { ...decision.inputs, detail: `state reset this tick (${reason}): no scale-in on a lost history` },
  };
}

/** What the action did, and whether that was recorded. */
interface ActionResult {
  readonly ok: boolean;
  readonly message: string | undefined;
  readonly recorded: boolean;
}

/**
 * UpdateService, then its outcome saved over the claim: `acted`, or `failed` with the reason and the
 * cooldown of before, so that the next tick decides again at once. When that save fails the decision
 * stays `pending`, and the next tick settles it from the service's desired count.
 */
async function act(
  step: DecisionStep,
  claimed: Decided & { readonly version: number; readonly before: TargetState },
  deps: TickDependencies,
): Promise<ActionResult> {
  const { target } = step;
  const id = targetId(target);
  const { decision, next } = claimed;
  const last = next.lastDecision;
  if (decision.kind !== 'scale' || last === undefined) throw new Error('act: only a claimed scale decision acts');
  let message: string | undefined;
  try {
    await deps.capacity.setDesired(target.service, decision.to);
  } catch (error) {
    message = describeError(error);
    deps.logger.error('scaling action failed; recorded as failed, no cooldown: decided again next tick', {
      target: id,
      service: target.service,
      from: decision.from,
      to: decision.to,
      error: message,
    });
  }
  const recorded: TargetState =
    message === undefined
      ? { ...next, lastDecision: settledDecision(last, 'acted', undefined) }
      : {
          ...next,
          policy: memoryAfterFailedAction(next.policy, claimed.before.policy),
          lastDecision: settledDecision(last, 'failed', message),
        };
  try {
    await deps.store.save(id, recorded, claimed.version);
    return { ok: message === undefined, message, recorded: true };
  } catch (error) {
    deps.logger.error("the action's outcome could not be saved; the next tick settles it from the service", {
      target: id,
      outcome: message === undefined ? 'acted' : 'failed',
      error: describeError(error),
    });
    return { ok: message === undefined, message, recorded: false };
  }
}

/** The target's outcome, logged as the decision record. */
function recordOutcome(
  step: DecisionStep,
  decided: Decided,
  action: ActionResult | undefined,
  deps: TickDependencies,
): TargetOutcome {
  const { target, kafkaError } = step;
  const id = targetId(target);
  const { decision } = decided;
  const kind = decision.kind === 'hold' ? 'held' : action === undefined ? 'dry-run' : action.ok ? 'acted' : 'failed';
  deps.logger.info('decision', {
    target: id,
    group: target.group,
    service: target.service,
    outcome: kind,
    decision,
    kafkaError,
    ...(action?.message === undefined ? {} : { error: action.message }),
    ...(step.stored.reset === undefined ? {} : { stateReset: step.stored.reset }),
  });
  if (kind === 'failed') return { target: id, kind, decision, message: action?.message ?? 'the action failed' };
  return { target: id, kind, decision };
}

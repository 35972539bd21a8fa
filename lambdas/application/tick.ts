import pLimit from 'p-limit';
import type { ScalerConfig, TargetConfig } from '../domain/config/scaler-config';
import { clusterOf, targetId } from '../domain/config/scaler-config';
import type { GroupReadResult } from '../domain/lag/snapshot';
import type { ScalingDecision } from '../domain/policy';
import type { Clock } from '../ports/clock';
import type { StructuredLogger } from '../ports/logger';
import { ScalerMetricName, type MetricDatum, type MetricsSink } from '../ports/metrics-sink';
import type { OffsetReader } from '../ports/offset-reader';
import type { ServiceCapacity } from '../ports/service-capacity';
import { StateConflictError, type StateStore } from '../ports/state-store';
import { emptyOffsetHistory, historyFromJson, historyToJson, type OffsetHistory } from '../domain/lag';
import { decideTarget, measureTarget } from '#domain/pipeline';
import { initialTargetState, type TargetState } from './target-state';
import { scalerMetrics, lagMetrics } from './tick-metrics';
import { describeError } from '#domain/errors';
import { prefetchServices, prefetchStates } from './prefetch';

export interface TickDependencies {
  readonly reader: OffsetReader;
  readonly capacity: ServiceCapacity;
  readonly store: StateStore<TargetState>;
  readonly metrics: MetricsSink;
  readonly clock: Clock;
  readonly logger: StructuredLogger;
}

/** What happened to one target in a tick. */
export type TargetOutcome =
  | { readonly target: string; readonly kind: 'acted' | 'held' | 'dry-run'; readonly decision: ScalingDecision }
  | { readonly target: string; readonly kind: 'conflict'; readonly decision: ScalingDecision }
  | { readonly target: string; readonly kind: 'error'; readonly message: string };

export interface TickReport {
  readonly startedAtMs: number;
  readonly durationMs: number;
  readonly kafkaError: string | undefined;
  readonly targets: readonly TargetOutcome[];
}

/**
 * One tick for every target: read all groups at once, then for each target (bounded concurrency,
 * isolated from the others) measure, decide, save the decision (which claims it: of two
 * overlapping ticks only one can save), act, and publish metrics.
 */
export async function runTick(config: ScalerConfig, deps: TickDependencies): Promise<TickReport> {
  const startedAtMs = deps.clock.now();
  const readOf = new Map<string, GroupReadResult | undefined>();
  let kafkaError: string | undefined;
  // History lives in each target's state; load it before measuring (batched where the store can).
  const store = await prefetchStates(deps.store, config.targets.map(targetId));
  const loaded = new Map<string, StoredTarget>();
  await Promise.all(
    config.targets.map(async (t) => {
      const id = targetId(t);
      loaded.set(id, await loadState({ ...deps, store }, id));
    }),
  );
  // Every service described at once (batched where ECS can), while Kafka is read.
  const describing = prefetchServices(
    deps.capacity,
    config.targets.map((t) => t.service),
  );
  try {
    const results: readonly GroupReadResult[] = await deps.reader.read(
      config.targets.map((t) => ({ group: t.group, topics: t.topics, isolation: t.isolation, cluster: clusterOf(t) })),
    );
    // One result per selection, in order: the same group name may live on two clusters.
    config.targets.forEach((t, index) => readOf.set(targetId(t), results[index]));
  } catch (error) {
    // Every target still runs: with missing data the policy holds (never scales in).
    kafkaError = describeError(error);
    deps.logger.error('kafka read failed; every target holds this tick', { error: kafkaError });
  }

  const capacity = await describing;
  const limit = pLimit(config.concurrency);
  const outcomes = await Promise.all(
    config.targets.map((target) =>
      limit(() =>
        tickTarget(
          config,
          target,
          { read: readOf.get(targetId(target)), stored: loaded.get(targetId(target)), kafkaError },
          { ...deps, capacity, store },
        ),
      ),
    ),
  );
  const report = {
    startedAtMs,
    durationMs: deps.clock.now() - startedAtMs,
    kafkaError,
    targets: outcomes.map((o) => o.outcome),
  };
  try {
    await deps.metrics.publish([
      ...outcomes.flatMap((o) => o.metrics),
      {
        name: ScalerMetricName.TICK_DURATION,
        value: report.durationMs,
        unit: 'Milliseconds',
        dimensions: {},
        timestampMs: startedAtMs,
      },
    ]);
  } catch (error) {
    deps.logger.error('publishing metrics failed', { error: describeError(error) });
  }
  return report;
}

interface StoredTarget {
  readonly version: number | undefined;
  readonly state: TargetState;
  readonly history: OffsetHistory;
  readonly error: string | undefined;
}

async function loadState(deps: TickDependencies, id: string): Promise<StoredTarget> {
  try {
    const stored = await deps.store.load(id);
    const state = stored?.state ?? initialTargetState;
    const parsed = state.lagHistory === undefined ? undefined : historyFromJson(state.lagHistory);
    if (parsed?.kind === 'invalid') {
      deps.logger.warn('stored lag history is unreadable; starting a new one', {
        target: id,
        field: parsed.field,
        problem: parsed.problem,
      });
    }
    return {
      version: stored?.version,
      state,
      history: parsed?.kind === 'valid' ? parsed.history : emptyOffsetHistory,
      error: undefined,
    };
  } catch (error) {
    return { version: undefined, state: initialTargetState, history: emptyOffsetHistory, error: describeError(error) };
  }
}

async function tickTarget(
  config: ScalerConfig,
  target: TargetConfig,
  facts: {
    read: GroupReadResult | undefined;
    stored: StoredTarget | undefined;
    kafkaError: string | undefined;
  },
  deps: TickDependencies,
): Promise<{ outcome: TargetOutcome; metrics: MetricDatum[] }> {
  const { stored, kafkaError } = facts;
  const id = targetId(target);
  const now = deps.clock.now();
  const measurement = measureTarget({
    read: facts.read,
    history: stored?.history ?? emptyOffsetHistory,
    offsetResetPolicy: target.offsetResetPolicy,
    rateWindowSeconds: target.policy.rateWindowSeconds,
    now,
  });
  const group = lagMetrics(target.group, measurement, now, { partitionMetrics: config.partitionMetrics });
  try {
    if (!stored || stored.error !== undefined)
      throw new Error(`cannot load the state of target ${id}: ${stored?.error ?? 'not loaded'}`);
    const state = stored.state;
    const service = await deps.capacity.describe(target.service);
    const policy = { ...target.policy, dryRun: target.policy.dryRun || config.dryRun };
    const { decision, memory, nextHistory } = decideTarget({
      measurement,
      service,
      memory: state.policy,
      config: policy,
      now,
    });
    const willAct = decision.kind === 'scale' && !decision.dryRun;
    const next: TargetState = {
      schema: 1,
      policy: memory,
      lagHistory: nextHistory === undefined ? state.lagHistory : historyToJson(nextHistory),
      lastDecision: { atMs: now, decision, acted: willAct, dryRun: policy.dryRun },
    };
    // Saving first claims the decision: an overlapping tick that loaded the same version fails here.
    try {
      await deps.store.save(id, next, stored.version);
    } catch (error) {
      if (!(error instanceof StateConflictError)) throw error;
      deps.logger.warn('another invocation handled this target; not acting', { target: id });
      return { outcome: { target: id, kind: 'conflict', decision }, metrics: group };
    }
    if (willAct) await deps.capacity.setDesired(target.service, decision.to);
    const kind = decision.kind === 'hold' ? 'held' : willAct ? 'acted' : 'dry-run';
    deps.logger.info('decision', {
      target: id,
      group: target.group,
      service: target.service,
      outcome: kind,
      decision,
      kafkaError,
    });
    return {
      outcome: { target: id, kind, decision },
      metrics: [
        ...group,
        ...scalerMetrics(
          id,
          { service, decision, acted: willAct, error: kafkaError !== undefined || measurement?.kind === 'error' },
          now,
        ),
      ],
    };
  } catch (error) {
    const message = describeError(error);
    deps.logger.error('target failed', { target: id, group: target.group, error: message });
    return {
      outcome: { target: id, kind: 'error', message },
      metrics: [...group, ...scalerMetrics(id, { error: true }, now)],
    };
  }
}

/**
 * The scaler's main job outside Lambda: the same `runTick` on an interval, with whatever adapters
 * the caller hands in (local processes, files, the console), and one sample per target per tick
 * for the live view and the report.
 */
import { targetId, type ScalerConfig } from '#domain/config/scaler-config';
import type { GroupSnapshot, GroupState } from '#domain/lag/snapshot';
import type { ScalingDecision } from '#domain/policy/index';
import type { MetricDatum } from '#ports/metrics-sink';
import { runTick, type TargetOutcome, type TickDependencies, type TickReport } from '#application/tick';

/** What one target looked like at one tick: the numbers the view and the report show. */
export interface TargetSample {
  readonly atMs: number;
  readonly target: string;
  readonly group: string;
  /** Sum of offset lag over the group's partitions (messages). */
  readonly lag: number | undefined;
  readonly timeLagSeconds: number | undefined;
  readonly productionRate: number | undefined;
  readonly consumptionRate: number | undefined;
  readonly health: 'OK' | 'WARN' | 'ERR' | undefined;
  readonly desired: number | undefined;
  readonly running: number | undefined;
  readonly groupState: GroupState | undefined;
  readonly members: number | undefined;
  /** Partitions held by each member, largest first. */
  readonly partitionsPerMember: readonly number[];
  readonly partitions: number | undefined;
  readonly outcome: TargetOutcome['kind'];
  readonly decision: ScalingDecision | undefined;
  readonly error: string | undefined;
}

const healthNames = ['OK', 'WARN', 'ERR'] as const;

function valueOf(metrics: readonly MetricDatum[], name: string, dimensions: Readonly<Record<string, string>>) {
  const keys = Object.keys(dimensions);
  return metrics.find(
    (m) =>
      m.name === name &&
      Object.keys(m.dimensions).length === keys.length &&
      keys.every((key) => m.dimensions[key] === dimensions[key]),
  )?.value;
}

/**
 * One sample per target from a tick's report, the metrics it published and the snapshot it read.
 * Pure: the loop passes in what the recording adapters kept.
 */
export function sampleTick(
  config: ScalerConfig,
  report: TickReport,
  metrics: readonly MetricDatum[],
  snapshotOf: (group: string) => GroupSnapshot | undefined,
): TargetSample[] {
  return config.targets.map((target): TargetSample => {
    const id = targetId(target);
    const outcome = report.targets.find((o) => o.target === id);
    const group = { ConsumerGroup: target.group };
    const scaler = { Target: id };
    const snapshot = snapshotOf(target.group);
    const health = valueOf(metrics, 'HealthStatus', group);
    const partitionsPerMember = (snapshot?.members ?? [])
      .map((m) => m.assignment.reduce((sum, t) => sum + t.partitions.length, 0))
      .sort((a, b) => b - a);
    return {
      atMs: report.startedAtMs,
      target: id,
      group: target.group,
      lag: valueOf(metrics, 'SumOffsetLag', group),
      timeLagSeconds: valueOf(metrics, 'EstimatedMaxTimeLag', group),
      productionRate: sumOver(metrics, 'ProductionRate', target.group),
      consumptionRate: sumOver(metrics, 'ConsumptionRate', target.group),
      health: health === undefined ? undefined : healthNames[health],
      desired: valueOf(metrics, 'DesiredTasks', scaler),
      running: valueOf(metrics, 'RunningTasks', scaler),
      groupState: snapshot?.state,
      members: snapshot?.members.length,
      partitionsPerMember,
      partitions: snapshot?.partitions.length,
      outcome: outcome?.kind ?? 'error',
      decision: outcome !== undefined && outcome.kind !== 'error' ? outcome.decision : undefined,
      error: outcome?.kind === 'error' ? outcome.message : report.kafkaError,
    };
  });
}

/** Rates are published per topic: the group's rate is their sum. */
function sumOver(metrics: readonly MetricDatum[], name: string, group: string): number | undefined {
  const values = metrics
    .filter((m) => m.name === name && m.dimensions.ConsumerGroup === group && m.dimensions.Topic !== undefined)
    .map((m) => m.value);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

export interface TickLoopOptions {
  readonly config: ScalerConfig;
  readonly deps: TickDependencies;
  readonly intervalMs: number;
  /** Ends the loop; a tick in progress finishes first (it may be acting on a service). */
  readonly signal: AbortSignal;
  /** After each tick, with its report; errors thrown here end the loop. */
  readonly onTick: (report: TickReport) => void | Promise<void>;
}

/**
 * Runs a tick now and then every `intervalMs` (measured start to start, like the schedule) until the
 * signal aborts. A tick never throws for a target's fault (`runTick` isolates them).
 */
export async function runTickLoop(options: TickLoopOptions): Promise<number> {
  const { config, deps, intervalMs, signal } = options;
  let ticks = 0;
  while (!signal.aborted) {
    const startedMs = deps.clock.now();
    const report = await runTick(config, deps);
    ticks += 1;
    await options.onTick(report);
    const waitMs = Math.max(0, startedMs + intervalMs - deps.clock.now());
    await abortableSleep(waitMs, signal);
  }
  return ticks;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

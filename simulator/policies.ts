/**
 * Policies the simulator can run, all behind one interface: ours, and faithful baselines built from
 * the documented formulas of KEDA + HPA, ECS target tracking and Google's Cloud Run Kafka autoscaler.
 * Every policy gets the same `ClusterView` (the reader's snapshot and the service): ours runs the
 * tick's own pure pipeline on it; baselines read only the metrics their originals read (total lag =
 * end - committed over the readable partitions, partition and member counts, the current count).
 */
import { emptyOffsetHistory, type OffsetHistory } from '#domain/lag/history';
import { isKnownLag, computePartitionLags } from '#domain/lag/partition-lag';
import { runTargetPipeline } from '#domain/pipeline';
import { emptyPolicyMemory, type PolicyConfig, type PolicyMemory, type ScalingDecision } from '#domain/policy/index';
import type { ClusterView } from './observe';

/** One decision of any policy: the count it wants and why, plus its next state. */
export interface PolicyStep<S> {
  readonly desired: number;
  readonly reason: string;
  readonly state: S;
  /** Our policy's full decision, for the log and the chart; undefined for baselines. */
  readonly decision?: ScalingDecision;
}

/**
 * A scaling policy as the simulator (and a replay tool) drives it. `decide` is pure: the state goes in
 * and comes back out, so runs are deterministic and policies can be compared tick for tick.
 */
export interface Policy<S> {
  readonly name: string;
  /** Seconds between two decisions (how often the original polls). */
  readonly pollSeconds: number;
  readonly initialState: S;
  decide(view: ClusterView, state: S, now: number): PolicyStep<S>;
}

/** A baseline's metrics: what an admin client or a CloudWatch lag metric gives it. */
export interface LagMetrics {
  /** Sum of end - committed over the readable partitions (a stalled partition counts like any other). */
  readonly totalLag: number;
  /** Partitions of every topic the group reads. */
  readonly partitions: number;
  /** Partitions of the largest topic. */
  readonly largestTopicPartitions: number;
  readonly members: number;
  /** Every partition could be read. */
  readonly complete: boolean;
}

/** An answer older than this is no metric at all (the baselines' originals read afresh each poll). */
const STALE_MS = 60_000;

/** The metrics a baseline reads from this poll's view, or undefined when there are none. */
export function lagMetricsOf(view: ClusterView): LagMetrics | undefined {
  const snapshot = view.read?.kind === 'ok' ? view.read.snapshot : undefined;
  if (snapshot === undefined || view.nowMs - snapshot.observedAtMs > STALE_MS) return undefined;
  const lags = computePartitionLags(snapshot.partitions);
  const perTopic = new Map<string, number>();
  for (const partition of snapshot.partitions) perTopic.set(partition.topic, (perTopic.get(partition.topic) ?? 0) + 1);
  return {
    totalLag: lags.reduce((sum, lag) => sum + (isKnownLag(lag) ? Number(lag.lag) : 0), 0),
    partitions: snapshot.partitions.length,
    largestTopicPartitions: Math.max(0, ...perTopic.values()),
    members: snapshot.members.length,
    complete: lags.every(isKnownLag),
  };
}

/** What our policy keeps between polls: the policy's memory and the lag engine's history (the state item). */
export interface OursState {
  readonly memory: PolicyMemory;
  readonly history: OffsetHistory;
}

/** Our policy: the tick's pure pipeline (lambdas/domain/pipeline.ts) on the reader's snapshot. */
export function oursPolicy(config: PolicyConfig, pollSeconds = 60): Policy<OursState> {
  return {
    name: 'ours',
    pollSeconds,
    initialState: { memory: emptyPolicyMemory, history: emptyOffsetHistory },
    decide(view, state, now) {
      const step = runTargetPipeline({
        read: view.read,
        history: state.history,
        offsetResetPolicy: 'latest',
        service: view.service,
        memory: state.memory,
        config,
        now,
      });
      const { decision } = step;
      const desired = decision.kind === 'scale' && !decision.dryRun ? decision.to : view.service.desired;
      const next = { memory: step.memory, history: step.nextHistory ?? state.history };
      return { desired, reason: `${decision.kind}:${decision.rule}`, state: next, decision };
    },
  };
}

interface Bounds {
  readonly minTasks: number;
  readonly maxTasks: number;
}

const clamp = (value: number, bounds: Bounds): number => Math.min(bounds.maxTasks, Math.max(bounds.minTasks, value));

interface TimedCount {
  readonly atMs: number;
  readonly tasks: number;
}

export interface KedaState {
  readonly recommendations: readonly TimedCount[];
}

/**
 * KEDA Kafka scaler + HPA, defaults: total lag capped at partitions x lagThreshold (allowIdleConsumers
 * false), replicas = ceil(total / lagThreshold), +-10 % tolerance on the usage ratio, scale-up at once
 * limited to max(+4 pods, +100 %) per 15 s, scale-down to the highest recommendation of the last 300 s,
 * polled every 30 s. No metrics -> no change (HPA keeps the current count).
 */
export function kedaHpaPolicy(options: Bounds & { readonly lagThreshold: number }): Policy<KedaState> {
  const windowMs = 300_000;
  return {
    name: 'keda',
    pollSeconds: 30,
    initialState: { recommendations: [] },
    decide(view, state, now) {
      const current = view.service.desired;
      const metrics = lagMetricsOf(view);
      if (metrics === undefined) return { desired: current, reason: 'no metrics', state };
      const metric = Math.min(metrics.totalLag, metrics.partitions * options.lagThreshold);
      const usageRatio = current > 0 ? metric / current / options.lagThreshold : Infinity;
      const raw = current > 0 && Math.abs(usageRatio - 1) <= 0.1 ? current : Math.ceil(metric / options.lagThreshold);
      const recommendation = clamp(raw, options);
      const recommendations = [
        ...state.recommendations.filter((rec) => rec.atMs > now - windowMs),
        { atMs: now, tasks: recommendation },
      ];
      let desired = recommendation;
      if (recommendation > current) desired = Math.min(recommendation, Math.max(current + 4, current * 2));
      if (recommendation < current) desired = Math.min(current, Math.max(...recommendations.map((rec) => rec.tasks)));
      return { desired, reason: `ceil(${metric}/${options.lagThreshold})=${raw}`, state: { recommendations } };
    },
  };
}

export interface EcsState {
  readonly above: number;
  readonly below: number;
  readonly lastScaleOutMs: number | undefined;
  readonly lastScaleMs: number | undefined;
}

/**
 * ECS service auto scaling, target tracking on a custom lag-per-task metric (total lag / running
 * tasks), as Application Auto Scaling builds it: one datapoint a minute; the scale-out alarm fires
 * after 3 datapoints above target, the scale-in alarm after 15 datapoints below 90 % of target;
 * new capacity = ceil(current x metric / target); cooldowns 300 s out and 300 s in (the AAS
 * defaults for ECS); a scale-in also waits out the scale-out cooldown. No partition cap, no rebalance
 * awareness; missing data -> INSUFFICIENT_DATA -> nothing.
 */
export function ecsTargetTrackingPolicy(
  options: Bounds & { readonly lagPerTaskTarget: number; readonly cooldownSeconds?: number },
): Policy<EcsState> {
  const cooldownMs = (options.cooldownSeconds ?? 300) * 1000;
  return {
    name: 'ecs',
    pollSeconds: 60,
    initialState: { above: 0, below: 0, lastScaleOutMs: undefined, lastScaleMs: undefined },
    decide(view, state, now) {
      const current = view.service.desired;
      const metrics = lagMetricsOf(view);
      if (metrics === undefined || !metrics.complete) return { desired: current, reason: 'insufficient data', state };
      const running = Math.max(view.service.running, 1);
      const metric = metrics.totalLag / running;
      const above = metric > options.lagPerTaskTarget ? state.above + 1 : 0;
      const below = metric < 0.9 * options.lagPerTaskTarget ? state.below + 1 : 0;
      const wanted = clamp(Math.ceil((Math.max(current, 1) * metric) / options.lagPerTaskTarget), options);
      const inCooldown = (at: number | undefined) => at !== undefined && now - at < cooldownMs;
      if (above >= 3 && wanted > current && !inCooldown(state.lastScaleOutMs)) {
        return {
          desired: wanted,
          reason: `alarm high: ${metric.toFixed(0)}/task`,
          state: { above: 0, below: 0, lastScaleOutMs: now, lastScaleMs: now },
        };
      }
      if (below >= 15 && wanted < current && !inCooldown(state.lastScaleMs)) {
        return {
          desired: wanted,
          reason: `alarm low: ${metric.toFixed(0)}/task`,
          state: { ...state, above: 0, below: 0, lastScaleMs: now },
        };
      }
      return { desired: current, reason: `metric ${metric.toFixed(0)}/task`, state: { ...state, above, below } };
    },
  };
}

export interface CloudRunState {
  readonly recommendations: readonly TimedCount[];
  readonly scaleUps: readonly TimedCount[];
}

/**
 * Cloud Run's stabilization of a recommendation: scale-up bounded by the window's lowest recommendation
 * and by max(+100 %, +4) over the scale-ups of the last 15 s; scale-down by the window's highest.
 */
function cloudRunStabilized(
  members: number,
  recommendation: number,
  inWindow: readonly TimedCount[],
  scaleUps: readonly TimedCount[],
  now: number,
): number {
  if (recommendation > members) {
    const stabilized = Math.min(recommendation, ...inWindow.map((rec) => rec.tasks));
    const added = scaleUps.filter((event) => event.atMs > now - 15_000).reduce((sum, event) => sum + event.tasks, 0);
    const periodStart = members - added;
    return Math.max(members, Math.min(stabilized, Math.max(periodStart * 2, periodStart + 4)));
  }
  if (recommendation < members) return Math.min(Math.max(recommendation, ...inWindow.map((rec) => rec.tasks)), members);
  return members;
}

/**
 * Google's Cloud Run Kafka autoscaler with its default behavior: wait while group members differ from
 * the requested count; recommended = ceil(max(members, 1) x totalLag / target) unless the lag is within
 * +-10 % of the target; capped at the (largest) topic's partition count; HPA-style stabilization of
 * 300 s in both directions (scale-up bounded by the window's lowest recommendation, scale-down by its
 * highest); scale-up rate limit max(+100 %, +4) per 15 s; no cooldown. Runs once a minute.
 */
export function cloudRunPolicy(options: Bounds & { readonly lagTarget: number }): Policy<CloudRunState> {
  const windowMs = 300_000;
  return {
    name: 'cloudrun',
    pollSeconds: 60,
    initialState: { recommendations: [], scaleUps: [] },
    decide(view, state, now) {
      const requested = view.service.desired;
      const metrics = lagMetricsOf(view);
      if (metrics === undefined) return { desired: requested, reason: 'no lag read', state };
      const members = metrics.members;
      if (members !== requested)
        return { desired: requested, reason: `waiting: ${members} members != ${requested} requested`, state };
      const lag = metrics.totalLag;
      const withinTolerance = lag <= 1.1 * options.lagTarget && lag >= 0.9 * options.lagTarget;
      const cap = metrics.largestTopicPartitions;
      const raw = withinTolerance ? members : Math.ceil((Math.max(members, 1) * lag) / options.lagTarget);
      const recommendation = clamp(Math.min(raw, cap), options);
      // The scaler records the instance count it found at startup as its first recommendation.
      const history = state.recommendations.length === 0 ? [{ atMs: now, tasks: members }] : state.recommendations;
      const inWindow = history.filter((rec) => rec.atMs > now - windowMs);
      const desired = cloudRunStabilized(members, recommendation, inWindow, state.scaleUps, now);
      const recommendations = [
        ...history.filter((rec) => rec.atMs > now - windowMs),
        { atMs: now, tasks: recommendation },
      ];
      const scaleUps =
        desired > members ? [...state.scaleUps, { atMs: now, tasks: desired - members }] : state.scaleUps;
      return {
        desired,
        reason: `ceil(${members}x${lag}/${options.lagTarget})=${raw}`,
        state: { recommendations, scaleUps },
      };
    },
  };
}

/**
 * Policies the simulator can run, all behind one interface: ours, and faithful baselines built from
 * the documented formulas of KEDA + HPA, ECS target tracking and Google's Cloud Run Kafka autoscaler.
 * Every policy sees the same `PolicyObservation` production would build; baselines use only the parts
 * their originals can see (total lag, member count, current count).
 */
import {
  decideScaling,
  emptyPolicyMemory,
  type PolicyConfig,
  type PolicyMemory,
  type PolicyObservation,
  type ScalingDecision,
} from '#domain/policy/index';

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
  decide(observation: PolicyObservation, state: S, now: number): PolicyStep<S>;
}

/** Total lag as the baselines see it: they cannot tell a stalled partition from a busy one. */
function totalLag(observation: PolicyObservation): number {
  return observation.topics.reduce((sum, topic) => sum + topic.scalableLag + topic.excludedLag, 0);
}

function freshEnough(observation: PolicyObservation): boolean {
  return observation.group.freshness === 'complete' || observation.group.freshness === 'partial';
}

/** Our policy (lambdas/domain/policy) through the simulator interface. */
export function oursPolicy(config: PolicyConfig, pollSeconds = 60): Policy<PolicyMemory> {
  return {
    name: 'ours',
    pollSeconds,
    initialState: emptyPolicyMemory,
    decide(observation, state, now) {
      const { decision, memory } = decideScaling({ observation, memory: state, config }, now);
      const desired = decision.kind === 'scale' && !decision.dryRun ? decision.to : observation.service.desired;
      return { desired, reason: `${decision.kind}:${decision.rule}`, state: memory, decision };
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
    decide(observation, state, now) {
      const current = observation.service.desired;
      if (!freshEnough(observation)) return { desired: current, reason: 'no metrics', state };
      const partitions = observation.topics.reduce((sum, topic) => sum + topic.partitions, 0);
      const metric = Math.min(totalLag(observation), partitions * options.lagThreshold);
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
    decide(observation, state, now) {
      const current = observation.service.desired;
      if (observation.group.freshness !== 'complete') return { desired: current, reason: 'insufficient data', state };
      const running = Math.max(observation.service.running, 1);
      const metric = totalLag(observation) / running;
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
    decide(observation, state, now) {
      const requested = observation.service.desired;
      const members = observation.group.members;
      if (!freshEnough(observation)) return { desired: requested, reason: 'no lag read', state };
      if (members !== requested)
        return { desired: requested, reason: `waiting: ${members} members != ${requested} requested`, state };
      const lag = totalLag(observation);
      const withinTolerance = lag <= 1.1 * options.lagTarget && lag >= 0.9 * options.lagTarget;
      const cap = observation.topics.reduce((max, topic) => Math.max(max, topic.partitions), 0);
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

/** The alarms of a target and the ticks-missing alarm: defaults, merging of settings, synth-time checks. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { ScalerAlarmOptions, ScalerAlarmsProps } from './scaler-alarm-props';
import type { ScalerTarget } from './scaler-target';

/** The alarm names of {@link ScalerAlarmsProps}. */
export type ScalerAlarmKind = keyof ScalerAlarmsProps;

const ALARM_KINDS: readonly ScalerAlarmKind[] = [
  'timeLag',
  'healthError',
  'scalerErrors',
  'atMaxTasksLagGrowing',
  'offsetsLost',
  'conflictingScalers',
  'stateConflicts',
  'hotPartition',
];

/** Everything an alarm needs to know about its target. */
export interface AlarmTarget {
  /** The target id (`Target` dimension). */
  readonly id: string;
  /** The consumer group (`ConsumerGroup` dimension). */
  readonly group: string;
  /** The policy's drain target: the time-lag alarm's default threshold. */
  readonly drainTargetSeconds: number;
  /** The policy's maxTasks: what "at max" means. */
  readonly maxTasks: number;
}

/** An alarm's settings after merging the layers with the defaults. */
export interface ResolvedAlarm {
  readonly enabled: boolean;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

const defaults = (target: AlarmTarget): Record<ScalerAlarmKind, { threshold: number; evaluationPeriods: number }> => ({
  timeLag: { threshold: target.drainTargetSeconds, evaluationPeriods: 5 },
  healthError: { threshold: 2, evaluationPeriods: 3 },
  scalerErrors: { threshold: 1, evaluationPeriods: 3 },
  atMaxTasksLagGrowing: { threshold: 1, evaluationPeriods: 5 },
  offsetsLost: { threshold: 0, evaluationPeriods: 1 },
  conflictingScalers: { threshold: 1, evaluationPeriods: 1 },
  stateConflicts: { threshold: 1, evaluationPeriods: 3 },
  hotPartition: { threshold: 1, evaluationPeriods: 10 },
});

/** An alarm's settings after merging: the layers in order, then the defaults; field by field. */
export function resolveAlarm(
  kind: ScalerAlarmKind,
  target: AlarmTarget,
  layers: readonly (ScalerAlarmsProps | undefined)[],
): ResolvedAlarm {
  const base = defaults(target)[kind];
  const merged = layers.reduce<ScalerAlarmOptions>((acc, layer) => ({ ...acc, ...stripUndefined(layer?.[kind]) }), {});
  const evaluationPeriods = merged.evaluationPeriods ?? base.evaluationPeriods;
  return {
    enabled: merged.enabled ?? true,
    threshold: kind === 'atMaxTasksLagGrowing' ? base.threshold : (merged.threshold ?? base.threshold),
    evaluationPeriods,
    datapointsToAlarm: merged.datapointsToAlarm ?? evaluationPeriods,
  };
}

/** Evaluation periods of a construct-level alarm (ticksMissingAlarm, externalScalerCheckAlarm) by default. */
export const CONSTRUCT_ALARM_PERIODS = 3;

/** Synth-time problems of alarm options, each naming the prop path and the fix. */
export function alarmOptionProblems(path: string, options: ScalerAlarmsProps | undefined): string[] {
  if (!options) return [];
  return Object.entries(options).flatMap(([kind, value]: [string, ScalerAlarmOptions | undefined]) => {
    const at = `${path}.${kind}`;
    const problems = singleAlarmProblems(at, value);
    if (value?.threshold !== undefined && kind === 'atMaxTasksLagGrowing') {
      problems.push(
        `${at}.threshold: this alarm has no threshold (it compares RunningTasks with policy.maxTasks); remove it`,
      );
    }
    return problems;
  });
}

/**
 * Synth-time problems of one alarm's options (`at` is its prop path): periods and datapoints, the
 * datapoints checked against `defaultPeriods` when the periods are not set.
 */
export function singleAlarmProblems(
  at: string,
  value: ScalerAlarmOptions | undefined,
  defaultPeriods?: number,
): string[] {
  const problems: string[] = [];
  const periods = value?.evaluationPeriods;
  const datapoints = value?.datapointsToAlarm;
  if (periods !== undefined && (!Number.isInteger(periods) || periods < 1)) {
    problems.push(`${at}.evaluationPeriods: must be a whole number >= 1; got ${periods}`);
  }
  if (datapoints !== undefined && (!Number.isInteger(datapoints) || datapoints < 1)) {
    problems.push(`${at}.datapointsToAlarm: must be a whole number >= 1; got ${datapoints}`);
  }
  const effectivePeriods = periods ?? defaultPeriods;
  if (effectivePeriods !== undefined && datapoints !== undefined && datapoints > effectivePeriods) {
    problems.push(
      `${at}.datapointsToAlarm: ${datapoints} is more than evaluationPeriods (${effectivePeriods}${periods === undefined ? ', the default' : ''}); lower it or raise evaluationPeriods`,
    );
  }
  return problems;
}

/** Problems of the construct-level and target-level settings taken together. */
export function mergedAlarmProblems(path: string, layers: readonly (ScalerAlarmsProps | undefined)[]): string[] {
  // Only counts are checked here, so the target's drain time and maxTasks do not matter.
  const target: AlarmTarget = { id: '', group: '', drainTargetSeconds: 1, maxTasks: 1 };
  return ALARM_KINDS.flatMap((kind) => {
    const resolved = resolveAlarm(kind, target, layers);
    return resolved.enabled && resolved.datapointsToAlarm > resolved.evaluationPeriods
      ? [
          `${path}.${kind}.datapointsToAlarm: ${resolved.datapointsToAlarm} (with the construct's alarms) is more than evaluationPeriods (${resolved.evaluationPeriods}); set both at the same level`,
        ]
      : [];
  });
}

function stripUndefined(options: ScalerAlarmOptions | undefined): ScalerAlarmOptions {
  return Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined));
}

/** The alarms of one target, by kind (absent: disabled). */
export type TargetAlarmSet = Partial<Record<ScalerAlarmKind, cloudwatch.Alarm>>;

/** What the alarms of a target need: its settings, metrics and the topic they notify. */
export interface TargetAlarmsInput {
  /** The target the alarms watch. */
  readonly target: AlarmTarget;
  /** Alarm settings, most general first (construct, then target); later layers win field by field. */
  readonly layers: readonly (ScalerAlarmsProps | undefined)[];
  /** Where ALARM and OK notifications go. */
  readonly topic: sns.ITopic;
  /** The target's metrics. */
  readonly metrics: Pick<
    ScalerTarget,
    | 'metricEstimatedMaxTimeLag'
    | 'metricHealthStatus'
    | 'metricScalerErrors'
    | 'metricRunningTasks'
    | 'metricSumOffsetLag'
    | 'metricOffsetsLost'
    | 'metricConflictingScalers'
    | 'metricStateConflicts'
    | 'metricHotPartitions'
  >;
}

/** The alarms of one target in `scope`, wired to the alarm topic (ALARM and OK, so an incident also closes). */
export function createTargetAlarms(scope: Construct, input: TargetAlarmsInput): TargetAlarmSet {
  const { target, metrics } = input;
  const alarms: TargetAlarmSet = {};
  const action = new cw_actions.SnsAction(input.topic);
  const add: AddAlarm = (kind, metric, comparisonOperator, description) => {
    const resolved = resolveAlarm(kind, target, input.layers);
    if (!resolved.enabled) return;
    const alarm = new cloudwatch.Alarm(scope, kind, {
      metric,
      threshold: resolved.threshold,
      evaluationPeriods: resolved.evaluationPeriods,
      datapointsToAlarm: resolved.datapointsToAlarm,
      comparisonOperator,
      // Every lag/health metric goes missing when the group cannot be read; scalerErrors (and the
      // construct's ticksMissing alarm) report that, so these alarms do not fire twice for it.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `[kafka-lag-autoscaler] target '${target.id}' (group '${target.group}'): ${description(resolved.threshold)}`,
    });
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    alarms[kind] = alarm;
  };
  const gt = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
  const gte = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;

  add(
    'timeLag',
    metrics.metricEstimatedMaxTimeLag(),
    gt,
    (t) => `estimated time lag above ${t} s (the drain target); the group is falling behind`,
  );
  add(
    'healthError',
    metrics.metricHealthStatus(),
    gte,
    () => 'group health is ERR (stalled, stopped or rewound); scaling cannot fix this, look at the consumers',
  );
  add(
    'scalerErrors',
    metrics.metricScalerErrors(),
    gte,
    () => 'the scaler is failing for this target (see the function logs); the service is not being scaled',
  );
  add(
    'atMaxTasksLagGrowing',
    // One metric-math alarm rather than a composite of two: the condition is "at max AND lag grew"
    // within the same period, and a composite would AND two alarm states over unrelated windows
    // (and still need math for the trend). DIFF is the lag change since the previous tick.
    new cloudwatch.MathExpression({
      expression: `IF(running >= ${target.maxTasks} AND DIFF(lag) > 0, 1, 0)`,
      usingMetrics: { running: metrics.metricRunningTasks(), lag: metrics.metricSumOffsetLag() },
      label: 'at maxTasks and lag growing',
      period: metrics.metricSumOffsetLag().period,
    }),
    gte,
    () =>
      `running at maxTasks (${target.maxTasks}) while lag keeps growing: under-provisioned; raise maxTasks or add partitions`,
  );
  add(
    'offsetsLost',
    metrics.metricOffsetsLost(),
    gt,
    (t) => `more than ${t} records were deleted by retention before the group consumed them`,
  );
  add(
    'hotPartition',
    metrics.metricHotPartitions(),
    gte,
    () =>
      'a partition alone produces more than one task consumes: no task count drains it (the scaler holds the count that gives it a member of its own); spread its key over more partitions or make the consumer faster',
  );
  addOutcomeAlarms(add, metrics);
  return alarms;
}

type AddAlarm = (
  kind: ScalerAlarmKind,
  metric: cloudwatch.IMetric,
  comparisonOperator: cloudwatch.ComparisonOperator,
  description: (threshold: number) => string,
) => void;

/** Alarms on the tick's outcomes for a target: another autoscaler on its service, claims it never gets. */
function addOutcomeAlarms(add: AddAlarm, metrics: TargetAlarmsInput['metrics']): void {
  const gte = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
  add(
    'conflictingScalers',
    metrics.metricConflictingScalers(),
    gte,
    () =>
      'the ECS service is also registered with Application Auto Scaling and both set its desired count; deregister the scalable target (see the warning in the function logs) to hand the service to the scaler',
  );
  add(
    'stateConflicts',
    metrics.metricStateConflicts(),
    gte,
    () => 'another invocation holds this target every tick, so it is not scaled (see the function logs)',
  );
}

/** One construct-level alarm: its metric and defaults, merged with the user's options. */
interface ConstructAlarm {
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly options: ScalerAlarmOptions | undefined;
  readonly topic: sns.ITopic;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  readonly description: string;
}

/** A construct-level alarm (3 periods by default) wired to the alarm topic, unless disabled. */
function constructAlarm(scope: Construct, alarm: ConstructAlarm): cloudwatch.Alarm | undefined {
  if (alarm.options?.enabled === false) return undefined;
  const evaluationPeriods = alarm.options?.evaluationPeriods ?? CONSTRUCT_ALARM_PERIODS;
  const created = new cloudwatch.Alarm(scope, alarm.id, {
    metric: alarm.metric,
    threshold: alarm.options?.threshold ?? alarm.threshold,
    comparisonOperator: alarm.comparisonOperator,
    evaluationPeriods,
    datapointsToAlarm: alarm.options?.datapointsToAlarm ?? evaluationPeriods,
    treatMissingData: alarm.treatMissingData,
    alarmDescription: `[kafka-lag-autoscaler] ${alarm.description}`,
  });
  const action = new cw_actions.SnsAction(alarm.topic);
  created.addAlarmAction(action);
  created.addOkAction(action);
  return created;
}

/** Alarm raised when no tick completes: the function is not running, fails at start, or cannot publish. */
export function ticksMissingAlarm(
  scope: Construct,
  props: { tickDuration: cloudwatch.Metric; options: ScalerAlarmOptions | undefined; topic: sns.ITopic },
): cloudwatch.Alarm | undefined {
  return constructAlarm(scope, {
    id: 'TicksMissingAlarm',
    metric: props.tickDuration.with({ statistic: 'SampleCount' }),
    options: props.options,
    topic: props.topic,
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    // No data is exactly the failure this alarm exists for (a bad config fails at cold start).
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    description: 'no scaler tick completed: no target is being scaled or measured',
  });
}

/**
 * Alarm raised when the check for other autoscalers fails tick after tick: scaling goes on, but a
 * second autoscaler on a service would go unseen.
 */
export function externalScalerCheckAlarm(
  scope: Construct,
  props: { failures: cloudwatch.Metric; options: ScalerAlarmOptions | undefined; topic: sns.ITopic },
): cloudwatch.Alarm | undefined {
  return constructAlarm(scope, {
    id: 'ExternalScalerCheckAlarm',
    metric: props.failures,
    options: props.options,
    topic: props.topic,
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description:
      'the check for other autoscalers on the watched services fails (see the function logs: Application Auto Scaling permissions or throttling); scaling goes on, a conflicting autoscaler would go unseen',
  });
}

import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import type { TargetConfig } from '../lambdas/domain/config/scaler-config';
import { ScalerMetricName } from '../lambdas/ports/metrics-sink';
import type { KafkaLagScaler } from './kafka-lag-scaler';
import type { ScalerAlarmsProps } from './scaler-alarm-props';
import { createTargetAlarms, type TargetAlarmSet } from './scaler-alarms';
import type { ScalerMetricOptions } from './scaler-metrics';
import type { ScalingPolicyProps } from './scaling-policy-props';

/** Which end offset a consumer's lag is measured against. */
export enum ConsumerIsolation {
  /** The high watermark (Kafka's own tools, most monitors). */
  READ_UNCOMMITTED = 'read_uncommitted',
  /** The last stable offset: open transactions and their markers are not lag for such a consumer. */
  READ_COMMITTED = 'read_committed',
}

/** Where a partition without a committed offset will be read from (the consumers' `auto.offset.reset`). */
export enum OffsetResetPolicy {
  /** From the log start: the whole log counts as lag. */
  EARLIEST = 'earliest',
  /** From the end: no lag until the first commit (flagged in the log). */
  LATEST = 'latest',
}

/** Cluster and service name of the service a target scales. */
interface ServiceNames {
  readonly clusterName: string;
  readonly serviceName: string;
}

/** The ECS service a target scales: a service of the CDK app, or one named by cluster and service. */
export abstract class ScaledService {
  /** A service of this CDK app (or one imported with the ECS module's `from...Attributes` methods). */
  static fromService(service: ecs.IBaseService): ScaledService {
    return new CdkService(service);
  }

  /** A service named by its cluster and name, in the scaler's account and region (e.g. one deployed outside CDK). */
  static fromServiceName(clusterName: string, serviceName: string): ScaledService {
    return new NamedService({ clusterName, serviceName });
  }

  /** @internal */
  abstract _names(): ServiceNames;
  /** @internal */
  abstract _arn(scope: Construct): string;
}

class CdkService extends ScaledService {
  constructor(private readonly service: ecs.IBaseService) {
    super();
  }
  override _names(): ServiceNames {
    return { clusterName: this.service.cluster.clusterName, serviceName: this.service.serviceName };
  }
  override _arn(): string {
    return this.service.serviceArn;
  }
}

class NamedService extends ScaledService {
  constructor(private readonly names: ServiceNames) {
    super();
  }
  override _names(): ServiceNames {
    return this.names;
  }
  override _arn(scope: Construct): string {
    return Stack.of(scope).formatArn({
      service: 'ecs',
      resource: 'service',
      resourceName: `${this.names.clusterName}/${this.names.serviceName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}

/** One consumer group and the ECS service whose tasks are its members: what `addTarget` takes. */
export interface ScalerTargetOptions {
  /** The Kafka consumer group (group.id) of the service's consumers. */
  readonly consumerGroup: string;
  /** The ECS service to scale. */
  readonly service: ScaledService;
  /**
   * The Kafka cluster the group lives on: a name in the scaler's `kafkaClusters`.
   * @default - the scaler's `kafka` cluster
   */
  readonly kafkaCluster?: string;
  /**
   * Names the target in metrics (`Target` dimension), logs, alarms and the state table; unique
   * within the scaler. Letters, digits, `.`, `_` and `-`.
   * @default - the consumer group
   */
  readonly targetId?: string;
  /**
   * Topics to measure.
   * @default - every topic the group has committed offsets on
   */
  readonly topics?: readonly string[];
  /**
   * The end offset lag is measured against.
   * @default ConsumerIsolation.READ_UNCOMMITTED
   */
  readonly isolation?: ConsumerIsolation;
  /**
   * Where a partition without a committed offset will be read from.
   * @default OffsetResetPolicy.LATEST
   */
  readonly offsetResetPolicy?: OffsetResetPolicy;
  /**
   * The scaling policy.
   * @default - the policy defaults (drain within 300 s, 1 to 64 tasks, ...)
   */
  readonly policy?: ScalingPolicyProps;
  /**
   * Alarm settings for this target, overriding the scaler's `alarms` field by field.
   * @default - the scaler's `alarms`
   */
  readonly alarms?: ScalerAlarmsProps;
}

/** Props of {@link ScalerTarget}. */
export interface ScalerTargetProps extends ScalerTargetOptions {
  /** The scaler that watches this target. */
  readonly scaler: KafkaLagScaler;
}

/**
 * A consumer group the scaler watches and the ECS service it scales for it: the group's metrics,
 * the target's alarms. Create it with `scaler.addTarget(...)` (or the scaler's `targets` prop).
 */
export class ScalerTarget extends Construct {
  /** The scaler that watches this target. */
  readonly scaler: KafkaLagScaler;
  /** Names the target in metrics (`Target` dimension), logs, alarms and the state table. */
  readonly targetId: string;
  /** The consumer group. */
  readonly consumerGroup: string;
  /** The service the scaler scales for the group. */
  readonly service: ScaledService;
  /** Every alarm of this target (the enabled ones). */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** EstimatedMaxTimeLag above the drain target, unless disabled. */
  readonly timeLagAlarm?: cloudwatch.IAlarm;
  /** Group health ERR, unless disabled. */
  readonly healthErrorAlarm?: cloudwatch.IAlarm;
  /** The scaler failing for this target, unless disabled. */
  readonly scalerErrorsAlarm?: cloudwatch.IAlarm;
  /** Running at maxTasks while lag grows, unless disabled. */
  readonly atMaxTasksLagGrowingAlarm?: cloudwatch.IAlarm;
  /** Records lost to retention, unless disabled. */
  readonly offsetsLostAlarm?: cloudwatch.IAlarm;
  /** Another autoscaler (Application Auto Scaling) on the service, unless disabled. */
  readonly conflictingScalersAlarm?: cloudwatch.IAlarm;
  /** Another invocation holding the target's claim tick after tick, unless disabled. */
  readonly stateConflictsAlarm?: cloudwatch.IAlarm;
  /** A partition no task count can drain, unless disabled. */
  readonly hotPartitionAlarm?: cloudwatch.IAlarm;
  /**
   * The target's validated configuration, defaults applied.
   * @internal
   */
  readonly _config: TargetConfig;

  constructor(scope: Construct, id: string, props: ScalerTargetProps) {
    super(scope, id);
    this.scaler = props.scaler;
    this.service = props.service;
    const accepted = props.scaler._acceptTarget(props);
    this._config = accepted.config;
    this.targetId = accepted.config.id ?? accepted.config.group;
    this.consumerGroup = accepted.config.group;
    const alarms: TargetAlarmSet = createTargetAlarms(this, {
      target: {
        id: this.targetId,
        group: this.consumerGroup,
        drainTargetSeconds: accepted.config.policy.drainTargetSeconds,
        maxTasks: accepted.config.policy.maxTasks,
      },
      layers: accepted.alarmLayers,
      topic: props.scaler.alarmTopic,
      metrics: this,
    });
    this.timeLagAlarm = alarms.timeLag;
    this.healthErrorAlarm = alarms.healthError;
    this.scalerErrorsAlarm = alarms.scalerErrors;
    this.atMaxTasksLagGrowingAlarm = alarms.atMaxTasksLagGrowing;
    this.offsetsLostAlarm = alarms.offsetsLost;
    this.conflictingScalersAlarm = alarms.conflictingScalers;
    this.stateConflictsAlarm = alarms.stateConflicts;
    this.hotPartitionAlarm = alarms.hotPartition;
    this.alarms = Object.values(alarms);
    props.scaler._linkTarget(this);
  }

  /** Total lag of the group, in messages. @default statistic Maximum */
  metricSumOffsetLag(options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.SUM_OFFSET_LAG, 'Maximum', options);
  }

  /** Largest lag of one partition of the group, in messages. @default statistic Maximum */
  metricMaxOffsetLag(options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.MAX_OFFSET_LAG, 'Maximum', options);
  }

  /** Largest estimated time lag of the group, in seconds. @default statistic Maximum */
  metricEstimatedMaxTimeLag(options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.ESTIMATED_MAX_TIME_LAG, 'Maximum', options);
  }

  /** Partitions of the group with lag. @default statistic Maximum */
  metricPartitionsWithLag(options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.PARTITIONS_WITH_LAG, 'Maximum', options);
  }

  /** Records lost to retention before the group read them. @default statistic Maximum */
  metricOffsetsLost(options?: ScalerMetricOptions): cloudwatch.Metric {
    // Maximum, not Sum: the Lambda reports the current gap each tick, so summing would count it again.
    return this.groupMetric(ScalerMetricName.OFFSETS_LOST, 'Maximum', options);
  }

  /** Group health: 0 OK, 1 WARN, 2 ERR. @default statistic Maximum */
  metricHealthStatus(options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.HEALTH_STATUS, 'Maximum', options);
  }

  /** Records produced per second to the group's topics. @default statistic Average */
  metricProductionRate(options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.PRODUCTION_RATE, 'Average', options);
  }

  /** Records consumed per second by the group. @default statistic Average */
  metricConsumptionRate(options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.CONSUMPTION_RATE, 'Average', options);
  }

  /** The desired count of the service. @default statistic Maximum */
  metricDesiredTasks(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.DESIRED_TASKS, 'Maximum', options);
  }

  /** The running count of the service. @default statistic Minimum */
  metricRunningTasks(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    // Minimum: "running at max" must hold for the whole period, not for one point of it.
    return this.targetMetric(ScalerMetricName.RUNNING_TASKS, 'Minimum', options);
  }

  /** The task count the policy recommended (acted on or not). @default statistic Maximum */
  metricRecommendedTasks(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.RECOMMENDED_TASKS, 'Maximum', options);
  }

  /** Changes of the service's desired count. @default statistic Sum */
  metricScalingActions(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.SCALING_ACTIONS, 'Sum', options);
  }

  /**
   * Partitions the policy found no task count can drain (each produces more than one task consumes).
   * @default statistic Maximum
   */
  metricHotPartitions(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.HOT_PARTITIONS, 'Maximum', options);
  }

  /** Failed ticks of this target. @default statistic Sum */
  metricScalerErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.SCALER_ERRORS, 'Sum', options);
  }

  /** UpdateService calls that failed (recorded as failed, decided again next tick). @default statistic Sum */
  metricScalingFailures(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.SCALING_FAILURES, 'Sum', options);
  }

  /** Ticks in which another invocation held the target's claim. @default statistic Sum */
  metricStateConflicts(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.STATE_CONFLICTS, 'Sum', options);
  }

  /** Stored states found unreadable or foreign and replaced. @default statistic Sum */
  metricStateReset(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.STATE_RESET, 'Sum', options);
  }

  /** Application Auto Scaling scalable targets on the service. @default statistic Maximum */
  metricConflictingScalers(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.CONFLICTING_SCALERS, 'Maximum', options);
  }

  private groupMetric(name: string, statistic: string, options: ScalerMetricOptions | undefined): cloudwatch.Metric {
    const { topic, ...rest } = options ?? {};
    const dimensionsMap: Record<string, string> =
      topic === undefined ? { ConsumerGroup: this.consumerGroup } : { ConsumerGroup: this.consumerGroup, Topic: topic };
    return this.scaler.metric(name, { statistic, ...rest, dimensionsMap: { ...dimensionsMap, ...rest.dimensionsMap } });
  }

  private targetMetric(
    name: string,
    statistic: string,
    options: cloudwatch.MetricOptions | undefined,
  ): cloudwatch.Metric {
    return this.scaler.metric(name, {
      statistic,
      ...options,
      dimensionsMap: { Target: this.targetId, ...options?.dimensionsMap },
    });
  }
}

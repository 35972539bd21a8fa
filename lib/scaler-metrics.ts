import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ScalerMetricName } from '../lambdas/ports/metrics-sink';

export { ScalerMetricName };

/** The CloudWatch namespace used when none is given (the Lambda's schema has the same default). */
export const DEFAULT_METRICS_NAMESPACE = 'KafkaLagAutoscaler';

/** Options of a metric helper: CloudWatch's own options plus the topic for per-topic lag metrics. */
export interface ScalerMetricOptions extends cloudwatch.MetricOptions {
  /**
   * Narrow a group-level lag metric to one topic (adds the `Topic` dimension).
   * @default - the group's total over all its topics
   */
  readonly topic?: string;
}

/**
 * Builds the scaler's metrics with the right namespace, dimensions, statistic and unit. The period
 * defaults to the tick interval, because the Lambda publishes one point per tick: a shorter period
 * would show gaps that are not failures.
 */
export class ScalerMetricFactory {
  constructor(
    private readonly namespace: string,
    private readonly defaultPeriod: Duration,
  ) {}

  /** Total lag of a group, in messages. @default statistic Maximum */
  metricSumOffsetLag(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.SUM_OFFSET_LAG, consumerGroup, 'Maximum', options);
  }

  /** Largest lag of one partition of a group, in messages. @default statistic Maximum */
  metricMaxOffsetLag(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.MAX_OFFSET_LAG, consumerGroup, 'Maximum', options);
  }

  /** Largest estimated time lag of a group, in seconds. @default statistic Maximum */
  metricEstimatedMaxTimeLag(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.ESTIMATED_MAX_TIME_LAG, consumerGroup, 'Maximum', options);
  }

  /** Partitions of a group with lag. @default statistic Maximum */
  metricPartitionsWithLag(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.PARTITIONS_WITH_LAG, consumerGroup, 'Maximum', options);
  }

  /** Records lost to retention before the group read them. @default statistic Maximum */
  metricOffsetsLost(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    // Maximum, not Sum: the Lambda reports the current gap each tick, so summing would count it again.
    return this.groupMetric(ScalerMetricName.OFFSETS_LOST, consumerGroup, 'Maximum', options);
  }

  /** Group health: 0 OK, 1 WARN, 2 ERR. @default statistic Maximum */
  metricHealthStatus(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.HEALTH_STATUS, consumerGroup, 'Maximum', options);
  }

  /** Records produced per second to the group's topics. @default statistic Average */
  metricProductionRate(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.PRODUCTION_RATE, consumerGroup, 'Average', options);
  }

  /** Records consumed per second by the group. @default statistic Average */
  metricConsumptionRate(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.groupMetric(ScalerMetricName.CONSUMPTION_RATE, consumerGroup, 'Average', options);
  }

  /** The desired count of a target's ECS service. @default statistic Maximum */
  metricDesiredTasks(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.DESIRED_TASKS, target, 'Maximum', options);
  }

  /** The running count of a target's ECS service. @default statistic Minimum */
  metricRunningTasks(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    // Minimum: "running at max" must hold for the whole period, not for one point of it.
    return this.targetMetric(ScalerMetricName.RUNNING_TASKS, target, 'Minimum', options);
  }

  /** The task count the policy recommended. @default statistic Maximum */
  metricRecommendedTasks(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.RECOMMENDED_TASKS, target, 'Maximum', options);
  }

  /** Changes of the desired count. @default statistic Sum */
  metricScalingActions(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.SCALING_ACTIONS, target, 'Sum', options);
  }

  /** Failed ticks of a target. @default statistic Sum */
  metricScalerErrors(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.SCALER_ERRORS, target, 'Sum', options);
  }

  /** UpdateService calls that failed (recorded as failed, decided again next tick). @default statistic Sum */
  metricScalingFailures(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.SCALING_FAILURES, target, 'Sum', options);
  }

  /** Ticks in which another invocation held the target's claim. @default statistic Sum */
  metricStateConflicts(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.STATE_CONFLICTS, target, 'Sum', options);
  }

  /** Stored states found unreadable or foreign and replaced. @default statistic Sum */
  metricStateReset(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.STATE_RESET, target, 'Sum', options);
  }

  /** Application Auto Scaling scalable targets on the target's service. @default statistic Maximum */
  metricConflictingScalers(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetMetric(ScalerMetricName.CONFLICTING_SCALERS, target, 'Maximum', options);
  }

  /** Duration of a tick over all targets, in milliseconds. @default statistic Maximum */
  metricTickDuration(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(ScalerMetricName.TICK_DURATION, {}, { statistic: 'Maximum', ...options });
  }

  private groupMetric(
    name: string,
    consumerGroup: string,
    statistic: string,
    options: ScalerMetricOptions | undefined,
  ): cloudwatch.Metric {
    const { topic, ...rest } = options ?? {};
    const dimensions: Record<string, string> =
      topic === undefined ? { ConsumerGroup: consumerGroup } : { ConsumerGroup: consumerGroup, Topic: topic };
    return this.metric(name, dimensions, { statistic, ...rest });
  }

  private targetMetric(
    name: string,
    target: string,
    statistic: string,
    options: cloudwatch.MetricOptions | undefined,
  ): cloudwatch.Metric {
    return this.metric(name, { Target: target }, { statistic, ...options });
  }

  private metric(
    metricName: string,
    dimensionsMap: Record<string, string>,
    options: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap,
      period: this.defaultPeriod,
      ...options,
    });
  }
}

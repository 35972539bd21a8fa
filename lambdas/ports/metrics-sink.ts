/**
 * Names of the metrics the scaler Lambda publishes. MSK's names are kept where they mean the same
 * thing, so dashboards and runbooks written for MSK read the same here.
 */
export const ScalerMetricName = {
  /** Sum of the lag of every partition (messages). Dimensions: ConsumerGroup [, Topic]. */
  SUM_OFFSET_LAG: 'SumOffsetLag',
  /** Largest lag of one partition (messages). Dimensions: ConsumerGroup [, Topic]. */
  MAX_OFFSET_LAG: 'MaxOffsetLag',
  /** Largest estimated time lag of one partition (seconds). Dimensions: ConsumerGroup [, Topic]. */
  ESTIMATED_MAX_TIME_LAG: 'EstimatedMaxTimeLag',
  /** Partitions with lag > 0. Dimensions: ConsumerGroup [, Topic]. */
  PARTITIONS_WITH_LAG: 'PartitionsWithLag',
  /** Records deleted by retention before the group consumed them. Dimensions: ConsumerGroup [, Topic]. */
  OFFSETS_LOST: 'OffsetsLost',
  /** Group health: 0 OK, 1 WARN, 2 ERR. Dimensions: ConsumerGroup. */
  HEALTH_STATUS: 'HealthStatus',
  /** Records produced per second. Dimensions: ConsumerGroup [, Topic]. */
  PRODUCTION_RATE: 'ProductionRate',
  /** Records consumed (committed) per second. Dimensions: ConsumerGroup [, Topic]. */
  CONSUMPTION_RATE: 'ConsumptionRate',
  /** The ECS service's desired count after this tick. Dimensions: Target. */
  DESIRED_TASKS: 'DesiredTasks',
  /** The ECS service's running count. Dimensions: Target. */
  RUNNING_TASKS: 'RunningTasks',
  /** What the policy recommended (acted on or not). Dimensions: Target. */
  RECOMMENDED_TASKS: 'RecommendedTasks',
  /** 1 when the tick changed the desired count. Dimensions: Target. */
  SCALING_ACTIONS: 'ScalingActions',
  /** 1 when the target's tick failed (Kafka unreadable, state or service unreachable, a failed action). Dimensions: Target. */
  SCALER_ERRORS: 'ScalerErrors',
  /** 1 when the target's UpdateService failed: recorded as failed, no cooldown, decided again next tick. Dimensions: Target. */
  SCALING_FAILURES: 'ScalingFailures',
  /** 1 when another invocation held the target's claim (an overlapping tick, or an action still in flight). Dimensions: Target. */
  STATE_CONFLICTS: 'StateConflicts',
  /** 1 when the target's stored state was unreadable or foreign and replaced by a fresh one. Dimensions: Target. */
  STATE_RESET: 'StateReset',
  /** Application Auto Scaling scalable targets on the target's service: another scaler also sets it. Dimensions: Target. */
  CONFLICTING_SCALERS: 'ConflictingScalers',
  /** 1 when the tick could not ask Application Auto Scaling for other autoscalers (ConflictingScalers unknown). No dimensions. */
  EXTERNAL_SCALER_CHECK_FAILURES: 'ExternalScalerCheckFailures',
  /** Duration of one tick over all targets (milliseconds). No dimensions. */
  TICK_DURATION: 'TickDuration',
  /** Partitions no task count can drain (each produces more than a task consumes): named, not chased. Dimensions: Target. */
  HOT_PARTITIONS: 'HotPartition',
  /** Lag of one partition (messages), only with partitionMetrics. Dimensions: ConsumerGroup, Topic, Partition. */
  PARTITION_OFFSET_LAG: 'PartitionOffsetLag',
  /** 1 per shard whose invocation failed (published by the fan-out state machine, not the tick). No dimensions. */
  SHARD_FAILURES: 'ShardFailures',
} as const;

/** One of the metric names above. */
export type ScalerMetricName = (typeof ScalerMetricName)[keyof typeof ScalerMetricName];

/** One metric value, as the sink publishes it. Names and dimensions are documented in the README. */
export interface MetricDatum {
  readonly name: ScalerMetricName;
  readonly value: number;
  readonly unit: 'Count' | 'Seconds' | 'Milliseconds' | 'Count/Second' | 'None';
  readonly dimensions: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  readonly timestampMs: number;
}

export interface MetricsSink {
  publish(metrics: readonly MetricDatum[]): Promise<void>;
}

/** Settings of one alarm; every field falls back to that alarm's documented default. */
export interface ScalerAlarmOptions {
  /**
   * Create this alarm.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The threshold, in the metric's unit.
   * @default - the alarm's default (see ScalerAlarmsProps)
   */
  readonly threshold?: number;
  /**
   * Periods (one period = the schedule interval) the alarm looks at.
   * @default - the alarm's default (see ScalerAlarmsProps)
   */
  readonly evaluationPeriods?: number;
  /**
   * Breaching periods among evaluationPeriods that raise the alarm.
   * @default - evaluationPeriods
   */
  readonly datapointsToAlarm?: number;
}

/** The alarms of one target; target-level settings override the construct-level ones field by field. */
export interface ScalerAlarmsProps {
  /**
   * EstimatedMaxTimeLag above the drain target: the group is further behind than the policy promises.
   * @default threshold policy.drainTargetSeconds, 5 periods
   */
  readonly timeLag?: ScalerAlarmOptions;
  /**
   * HealthStatus ERR (>= 2): the group is stalled, stopped or rewound; scaling cannot fix it.
   * @default threshold 2, 3 periods
   */
  readonly healthError?: ScalerAlarmOptions;
  /**
   * ScalerErrors >= threshold: the scaler cannot read, decide or act for this target (missing data is
   * not breaching; the construct's ticksMissing alarm covers a scaler that does not run at all).
   * @default threshold 1, 3 periods
   */
  readonly scalerErrors?: ScalerAlarmOptions;
  /**
   * Running at policy.maxTasks while SumOffsetLag grows in every period: under-provisioned, raise
   * maxTasks or add partitions. The threshold is ignored.
   * @default 5 periods
   */
  readonly atMaxTasksLagGrowing?: ScalerAlarmOptions;
  /**
   * OffsetsLost above threshold: retention deleted records the group never read.
   * @default threshold 0, 1 period
   */
  readonly offsetsLost?: ScalerAlarmOptions;
  /**
   * ConflictingScalers >= threshold: the service is also registered with Application Auto Scaling,
   * and both set its desired count (the alarm says how to hand the service to the scaler).
   * @default threshold 1, 1 period
   */
  readonly conflictingScalers?: ScalerAlarmOptions;
  /**
   * StateConflicts >= threshold in every period: another invocation holds the target's claim tick
   * after tick, so this target is not acted on.
   * @default threshold 1, 3 periods
   */
  readonly stateConflicts?: ScalerAlarmOptions;
  /**
   * HotPartition >= threshold in every period: a partition alone produces more than one task
   * consumes, so no task count drains it (the scaler holds the count that gives it a member of its
   * own and says so). Spread its key, or make the consumer faster.
   * @default threshold 1, 10 periods
   */
  readonly hotPartition?: ScalerAlarmOptions;
}

/**
 * The scaling policy of one target. The names, units and defaults are the Lambda configuration's
 * (README "Configuration", `lambdas/domain/policy/config.ts`), so one vocabulary serves the construct,
 * the Lambda's JSON and the command line; every field is validated at synth time by the same schema.
 */
export interface ScalingPolicyProps {
  /**
   * Clear the scalable backlog within this many seconds while absorbing production.
   * @default 300
   */
  readonly drainTargetSeconds?: number;
  /**
   * Messages of lag one task is expected to handle; sizes the service only until a per-task
   * consumption rate is measured (cold start, after scale from zero).
   * @default 10000
   */
  readonly lagPerTaskThreshold?: number;
  /**
   * Share of a task's measured capacity that production alone may use on the busiest member (0-1].
   * @default 0.95
   */
  readonly targetUtilization?: number;
  /**
   * Fewest tasks while the group has work (at least 1; scaling to zero is `scaleToZero`).
   * @default 1
   */
  readonly minTasks?: number;
  /**
   * Most tasks ever. The partition count caps it too, unless `allowIdleConsumers`.
   * @default 64
   */
  readonly maxTasks?: number;
  /**
   * Allow more tasks than partitions (idle standby members).
   * @default false
   */
  readonly allowIdleConsumers?: boolean;
  /**
   * Stop every task when the group is idle; start again above `activationLag`.
   * @default false
   */
  readonly scaleToZero?: boolean;
  /**
   * Scalable lag (messages) above which a group at zero tasks is started again.
   * @default 0
   */
  readonly activationLag?: number;
  /**
   * How long consumption pauses on a membership change, weighed against the drain time a scale-out
   * saves (see `npm run bench:rebalance`); raise it for consumers with long in-flight work.
   * @default 1
   */
  readonly rebalancePauseSeconds?: number;
  /**
   * Seconds from asking for a task to its consuming (placement, image pull, boot, group join).
   * @default 60
   */
  readonly taskStartSeconds?: number;
  /**
   * No further scale-out for this long after one.
   * @default 60
   */
  readonly scaleOutCooldownSeconds?: number;
  /**
   * No scale-in for this long after any scaling action.
   * @default 300
   */
  readonly scaleInCooldownSeconds?: number;
  /**
   * Scale in only to the highest recommendation of this window.
   * @default 600
   */
  readonly scaleInStabilizationSeconds?: number;
  /**
   * Most tasks added in one step, rounded up to the next useful count.
   * @default - no bound
   */
  readonly maxStepUp?: number;
  /**
   * Most tasks removed in one step, rounded to the next useful count.
   * @default - no bound
   */
  readonly maxStepDown?: number;
  /**
   * Decide anyway after waiting this long for the group to settle after a change.
   * @default 300
   */
  readonly settleTimeoutSeconds?: number;
  /**
   * A per-task consumption rate counts as capacity only after the group was settled this long.
   * @default 60
   */
  readonly rateWindowSeconds?: number;
  /**
   * Decide and record for this target, but never change its service.
   * @default false
   */
  readonly dryRun?: boolean;
}

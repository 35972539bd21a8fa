/**
 * What a simulation takes and gives: the model's options with their calibrated defaults, and the
 * result (totals, chart samples, scale events) that the table, the targets and the charts read.
 */
import type { Assignor } from './assignment';

export interface SimulationOptions {
  /** Seconds the whole group stops consuming after a membership change. @default 1 */
  readonly rebalancePauseSeconds: number;
  /** Seconds from a task's start request to its joining the group (ECS placement + pull + boot). @default 40 */
  readonly taskStartSeconds: number;
  /** @default 'range' */
  readonly assignor: Assignor;
  /** Time lag (s) above which a second counts as "over the drain target". @default 300 */
  readonly drainTargetSeconds: number;
  /** Window (s) over which production and consumption rates are measured. @default 60 */
  readonly rateWindowSeconds: number;
  /** Seconds between two chart samples. @default 30 */
  readonly seriesEverySeconds: number;
  /** Epoch ms of second 0 (policies get `now` = this + t x 1000). */
  readonly startEpochMs: number;
}

export const defaultSimulationOptions: SimulationOptions = {
  // Calibrated by `npm run bench:rebalance`: kafkajs on the local broker paused 0.06-0.25 s per join or
  // leave; 1 s is that maximum rounded up to the model's one-second step.
  rebalancePauseSeconds: 1,
  taskStartSeconds: 40,
  assignor: 'range',
  drainTargetSeconds: 300,
  rateWindowSeconds: 60,
  seriesEverySeconds: 30,
  startEpochMs: 1_767_225_600_000, // 2026-01-01T00:00:00Z
};

/** One chart sample. */
export interface SeriesPoint {
  readonly second: number;
  /** Lag (messages) of partitions scaling can drain. */
  readonly lag: number;
  /** Lag of poisoned partitions (no policy can drain it). */
  readonly stuckLag: number;
  /** Tasks billed: starting + members. */
  readonly tasks: number;
  readonly timeLagSeconds: number;
  /** Tasks needed just to keep up with drainable production this second (fractional). */
  readonly neededTasks: number;
}

/** One change of the desired task count, at the second it takes effect. */
export interface ScaleEvent {
  readonly second: number;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

export interface SimulationResult {
  readonly trace: string;
  readonly policy: string;
  readonly durationSeconds: number;
  readonly taskMinutes: number;
  /** Task-minutes needed just to keep up with (drainable) production: sum(rate) / throughput. */
  readonly lowerBoundTaskMinutes: number;
  readonly ratioToLowerBound: number;
  /** Minutes in which the largest drainable time lag exceeded the drain target. */
  readonly minutesOverDrainTarget: number;
  /**
   * The time-lag target (s) `minutesOverDrainTarget` counts against, for the charts' threshold line.
   * Always set by `simulate`; optional so hand-built results (tests, older callers) stay valid.
   */
  readonly drainTargetSeconds?: number;
  readonly maxTimeLagSeconds: number;
  readonly rebalances: number;
  readonly scaleActions: number;
  /** Partition-seconds without a consumer because the group was rebalancing. */
  readonly pausedPartitionSeconds: number;
  readonly series: readonly SeriesPoint[];
  readonly scaleEvents: readonly ScaleEvent[];
}

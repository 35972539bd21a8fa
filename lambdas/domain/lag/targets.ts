/**
 * A target's read turned into lag: the lag engine run over every read result, with the history each
 * group keeps between ticks. Pure; the tick, the CLI and the simulator share it.
 */
import { emptyOffsetHistory, type OffsetHistory } from './history';
import { measureGroup, type GroupMeasurement as LagMeasurement } from './measure';
import type { OffsetResetPolicy } from './partition-lag';
import type { GroupReadResult, GroupSnapshot } from './snapshot';

/** One target's read turned into lag: the snapshot and everything the lag engine derives. */
export interface MeasuredTarget {
  readonly kind: 'measured';
  readonly snapshot: GroupSnapshot;
  readonly lag: LagMeasurement;
}

export type TargetMeasurement =
  | MeasuredTarget
  | { readonly kind: 'not-found'; readonly group: string }
  | { readonly kind: 'error'; readonly group: string; readonly message: string; readonly retriable: boolean };

/**
 * How much offset history each group keeps between ticks: enough points for time lag, rates and
 * the health window, bounded so a large group's state stays well inside DynamoDB's item limit.
 */
export function historyLimitsFor(partitionCount: number): { maxPoints: number; maxAgeMs: number } {
  const maxPoints = Math.max(6, Math.min(30, Math.floor(6_000 / Math.max(1, partitionCount))));
  return { maxPoints, maxAgeMs: 60 * 60_000 };
}

export interface MeasureOptions {
  readonly now: number;
  /** Per group; @default 'latest' */
  readonly offsetResetPolicy?: (group: string) => OffsetResetPolicy;
  /** The history saved by the previous tick, per group; @default empty */
  readonly history?: (group: string) => OffsetHistory;
  /**
   * Rates are measured over this window (ms), per group: the policy's rateWindowSeconds, so that
   * they follow a change of load instead of averaging the whole history. @default the whole history
   */
  readonly rateWindowMs?: (group: string) => number | undefined;
}

/** What measuring one read needs besides the read. */
export interface MeasureReadOptions {
  readonly now: number;
  /** @default 'latest' */
  readonly offsetResetPolicy?: OffsetResetPolicy;
  /** The history saved by the previous tick; @default empty */
  readonly history?: OffsetHistory;
  /** Rates over this window (ms); @default the whole history */
  readonly rateWindowMs?: number;
}

/** Measures one read result; a failed or missing group stays what it was. */
export function measureRead(result: GroupReadResult, options: MeasureReadOptions): TargetMeasurement {
  if (result.kind !== 'ok') return result;
  const { snapshot } = result;
  const lag = measureGroup({
    previous: options.history ?? emptyOffsetHistory,
    snapshot,
    now: options.now,
    options: {
      offsetResetPolicy: options.offsetResetPolicy ?? 'latest',
      historyLimits: historyLimitsFor(snapshot.partitions.length),
      rateWindowMs: options.rateWindowMs,
    },
  });
  return { kind: 'measured', snapshot, lag };
}

/** Measures every read result (the CLI and the bench: per-group options by name). */
export function measureGroups(results: readonly GroupReadResult[], options: MeasureOptions): TargetMeasurement[] {
  return results.map((result) => {
    const group = result.kind === 'ok' ? result.snapshot.group : result.group;
    return measureRead(result, {
      now: options.now,
      offsetResetPolicy: options.offsetResetPolicy?.(group),
      history: options.history?.(group),
      rateWindowMs: options.rateWindowMs?.(group),
    });
  });
}

/** Group-partitions measured, for benchmarks and reports. */
export function partitionCount(measurements: readonly TargetMeasurement[]): number {
  return measurements.reduce((n, m) => n + (m.kind === 'measured' ? m.lag.partitions.length : 0), 0);
}

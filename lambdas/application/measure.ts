import {
  emptyOffsetHistory,
  measureGroup,
  type GroupMeasurement as LagMeasurement,
  type OffsetHistory,
  type OffsetResetPolicy,
} from '../domain/lag';
import type { GroupReadResult, GroupSnapshot } from '../domain/lag/snapshot';

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

/** Measures every read result; a failed or missing group stays what it was. */
export function measureGroups(results: readonly GroupReadResult[], options: MeasureOptions): TargetMeasurement[] {
  return results.map((result): TargetMeasurement => {
    if (result.kind !== 'ok') return result;
    const { snapshot } = result;
    const lag = measureGroup({
      previous: options.history?.(snapshot.group) ?? emptyOffsetHistory,
      snapshot,
      now: options.now,
      options: {
        offsetResetPolicy: options.offsetResetPolicy?.(snapshot.group) ?? 'latest',
        historyLimits: historyLimitsFor(snapshot.partitions.length),
        rateWindowMs: options.rateWindowMs?.(snapshot.group),
      },
    });
    return { kind: 'measured', snapshot, lag };
  });
}

/** Group-partitions measured, for benchmarks and reports. */
export function partitionCount(measurements: readonly TargetMeasurement[]): number {
  return measurements.reduce((n, m) => n + (m.kind === 'measured' ? m.lag.partitions.length : 0), 0);
}

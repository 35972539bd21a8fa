import { computePartitionLags, type OffsetResetPolicy, type PartitionLag } from '../domain/lag/partition-lag';
import type { GroupReadResult, GroupSnapshot } from '../domain/lag/snapshot';
import { summarizeGroup, type GroupLagSummary } from '../domain/lag/summary';

/** One group's read turned into lag: the snapshot, each partition's case, and the summaries. */
export interface MeasuredGroup {
  readonly kind: 'measured';
  readonly snapshot: GroupSnapshot;
  readonly partitions: readonly PartitionLag[];
  readonly summary: GroupLagSummary;
}

export type GroupMeasurement =
  | MeasuredGroup
  | { readonly kind: 'not-found'; readonly group: string }
  | { readonly kind: 'error'; readonly group: string; readonly message: string; readonly retriable: boolean };

export interface MeasureOptions {
  /** Per group; @default 'latest' */
  readonly offsetResetPolicy?: (group: string) => OffsetResetPolicy;
}

/** Computes lag for every read result; a failed or missing group stays what it was. */
export function measureGroups(results: readonly GroupReadResult[], options: MeasureOptions = {}): GroupMeasurement[] {
  return results.map((result): GroupMeasurement => {
    if (result.kind !== 'ok') return result;
    const { snapshot } = result;
    const partitions = computePartitionLags(snapshot.partitions, {
      offsetResetPolicy: options.offsetResetPolicy?.(snapshot.group) ?? 'latest',
    });
    return { kind: 'measured', snapshot, partitions, summary: summarizeGroup(snapshot, partitions) };
  });
}

/** Group-partitions measured, for benchmarks and reports. */
export function partitionCount(measurements: readonly GroupMeasurement[]): number {
  return measurements.reduce((n, m) => n + (m.kind === 'measured' ? m.partitions.length : 0), 0);
}

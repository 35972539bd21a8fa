/** Small builders for lag-domain tests, in the hospital vocabulary of the project. */
import { appendObservation, emptyOffsetHistory, type HistoryLimits, type OffsetHistory } from '#domain/lag/history';
import type { OffsetResetPolicy } from '#domain/lag/partition-lag';
import { measureRead, type MeasuredTarget } from '#domain/lag/targets';
import type {
  CommittedOffset,
  GroupMember,
  GroupSnapshot,
  PartitionEnd,
  PartitionSnapshot,
} from '#domain/lag/snapshot';

export const TOPIC = 'patient-checkout';
export const OTHER_TOPIC = 'patient-admission';
export const T0 = 1_790_000_000_000;

export const committed = (offset: bigint): CommittedOffset => ({ kind: 'committed', offset });
export const noCommit: CommittedOffset = { kind: 'none' };
export const ends = (logStart: bigint, end: bigint): PartitionEnd => ({ kind: 'available', logStart, end });
export const unavailable = (reason: 'no-leader' | 'topic-deleted' | 'error' = 'no-leader'): PartitionEnd => ({
  kind: 'unavailable',
  reason,
  detail: `partition ${reason}`,
});

/** A partition of `patient-checkout` with log [logStart, end) and an optional commit. */
export function part(
  partition: number,
  offsets: { readonly committed?: bigint; readonly logStart?: bigint; readonly end?: bigint; readonly topic?: string },
): PartitionSnapshot {
  return {
    topic: offsets.topic ?? TOPIC,
    partition,
    committed: offsets.committed === undefined ? noCommit : committed(offsets.committed),
    end: ends(offsets.logStart ?? 0n, offsets.end ?? 0n),
  };
}

export function member(memberId: string, assignment: Readonly<Record<string, readonly number[]>>): GroupMember {
  return {
    memberId,
    clientId: `${memberId}-client`,
    host: `/10.0.0.${memberId.length}`,
    assignment: Object.entries(assignment).map(([topic, partitions]) => ({ topic, partitions })),
  };
}

export function group(
  partitions: readonly PartitionSnapshot[],
  overrides: Partial<Omit<GroupSnapshot, 'partitions'>> = {},
): GroupSnapshot {
  return {
    group: 'billing',
    observedAtMs: T0,
    state: 'Stable',
    protocol: 'classic',
    isolation: 'read_committed',
    members: [],
    partitions,
    ...overrides,
  };
}

/** Snapshots every 10 s unless told otherwise. */
export const TICK_MS = 10_000;

/** `ticks` snapshots of `billing`, the i-th taken at T0 + i x stepMs, each built by `at(i)`. */
export function ticks(
  count: number,
  at: (i: number) => { readonly partitions: readonly PartitionSnapshot[] } & Partial<Omit<GroupSnapshot, 'partitions'>>,
  stepMs: number = TICK_MS,
): GroupSnapshot[] {
  return Array.from({ length: count }, (_, i) => {
    const { partitions, ...overrides } = at(i);
    return group(partitions, { observedAtMs: T0 + i * stepMs, ...overrides });
  });
}

/** The offset history after `snapshots`, oldest first (bounded generously unless told). */
export function historyOf(
  snapshots: readonly GroupSnapshot[],
  limits: HistoryLimits = { maxPoints: 100, maxAgeMs: 3_600_000 },
): OffsetHistory {
  return snapshots.reduce<OffsetHistory>(
    (history, snapshot) => appendObservation(history, snapshot, limits),
    emptyOffsetHistory,
  );
}

/**
 * The lag engine run tick by tick over `snapshots` (oldest first, each measured at its own time, the
 * history carried over as the tick does): the last tick's measurement.
 */
export function measureSnapshots(
  snapshots: readonly GroupSnapshot[],
  options: { readonly offsetResetPolicy?: OffsetResetPolicy; readonly rateWindowMs?: number } = {},
): MeasuredTarget {
  let history: OffsetHistory = emptyOffsetHistory;
  let last: MeasuredTarget | undefined;
  for (const snapshot of snapshots) {
    const measured = measureRead({ kind: 'ok', snapshot }, { ...options, now: snapshot.observedAtMs, history });
    if (measured.kind !== 'measured') throw new Error(`not measured: ${measured.kind}`);
    history = measured.lag.nextHistory;
    last = measured;
  }
  if (last === undefined) throw new Error('no snapshot to measure');
  return last;
}

/** Small builders for lag-domain tests, in the hospital vocabulary of the project. */
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

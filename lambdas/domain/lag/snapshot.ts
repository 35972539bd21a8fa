/**
 * What an OffsetReader returns: the raw facts about one consumer group at one moment, before any
 * lag is computed. Offsets are bigint; absence is a kind, never a sentinel number.
 */

/** How the group reads: read_committed consumers stop at the last stable offset (LSO). */
export type IsolationLevel = 'read_uncommitted' | 'read_committed';

/**
 * How the group's members coordinate: the classic protocol (JoinGroup/SyncGroup, client-side
 * assignors), or the consumer protocol of KIP-848 (Kafka 4.0+: the broker assigns, members reconcile
 * one partition move at a time).
 */
export type GroupProtocol = 'classic' | 'consumer';

/**
 * Kafka's group states as the coordinator reports them, plus Unknown for anything else. Classic:
 * PreparingRebalance, CompletingRebalance. Consumer protocol: Assigning (a new target assignment is
 * being computed), Reconciling (members are moving to it). Both: Stable, Empty, Dead.
 */
export type GroupState =
  | 'Stable'
  | 'PreparingRebalance'
  | 'CompletingRebalance'
  | 'Assigning'
  | 'Reconciling'
  | 'NotReady'
  | 'Empty'
  | 'Dead'
  | 'Unknown';

/** The log's bounds for one partition, or why they could not be read. */
export type PartitionEnd =
  | {
      readonly kind: 'available';
      /** Earliest offset still in the log (records below it were deleted by retention or deleteRecords). */
      readonly logStart: bigint;
      /** High watermark (read_uncommitted) or last stable offset (read_committed), per the group's isolation. */
      readonly end: bigint;
    }
  | { readonly kind: 'unavailable'; readonly reason: 'no-leader' | 'topic-deleted' | 'error'; readonly detail: string };

/** The group's committed offset for a partition: absent when the group never committed there. */
export type CommittedOffset = { readonly kind: 'committed'; readonly offset: bigint } | { readonly kind: 'none' };

export interface PartitionSnapshot {
  readonly topic: string;
  readonly partition: number;
  readonly committed: CommittedOffset;
  readonly end: PartitionEnd;
}

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly host: string;
  /** Partitions assigned to this member (empty while a rebalance is in progress or when idle). */
  readonly assignment: readonly TopicPartitions[];
  /** Consumer protocol only: the member's epoch; it reaches the group's assignment epoch once reconciled. */
  readonly memberEpoch?: number;
  /** Consumer protocol only: the partitions the coordinator wants this member to own. */
  readonly targetAssignment?: readonly TopicPartitions[];
}

export interface GroupSnapshot {
  readonly group: string;
  /** When the reader took the snapshot (epoch milliseconds, from the injected clock). */
  readonly observedAtMs: number;
  readonly state: GroupState;
  readonly protocol: GroupProtocol;
  /** Consumer protocol only: the group epoch and the epoch of its target assignment. */
  readonly epochs?: { readonly group: number; readonly assignment: number };
  /** Why the membership could not be read (members then unknown); absent when it was read. */
  readonly note?: string;
  readonly isolation: IsolationLevel;
  readonly members: readonly GroupMember[];
  /** Every partition of every topic the group is measured on (committed-to topics, or configured ones). */
  readonly partitions: readonly PartitionSnapshot[];
}

/** One group's read: a snapshot, or why there is none. One bad group never hides the others. */
export type GroupReadResult =
  | { readonly kind: 'ok'; readonly snapshot: GroupSnapshot }
  | { readonly kind: 'not-found'; readonly group: string }
  | { readonly kind: 'error'; readonly group: string; readonly message: string; readonly retriable: boolean };

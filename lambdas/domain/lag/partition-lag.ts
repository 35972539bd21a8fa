/**
 * Per-partition lag: one snapshot row in, one named case out. Every edge case the field gets wrong
 * (no commit, records lost below the log start, a committed offset past the end, no leader) is a kind.
 */
import type { PartitionSnapshot } from './snapshot';

/**
 * Where a group with no committed offset will start reading, like the consumer's `auto.offset.reset`
 * (and KEDA's `offsetResetPolicy`): `earliest` reads the whole log, `latest` only new records.
 */
export type OffsetResetPolicy = 'earliest' | 'latest';

/** Options for {@link computePartitionLag}. */
export interface PartitionLagOptions {
  /**
   * What a partition without a committed offset counts as.
   * @default 'latest' (the Kafka consumer's default)
   */
  readonly offsetResetPolicy?: OffsetResetPolicy;
}

interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** The group has a committed offset inside the log: lag = end - committed (never negative). */
export interface MeasuredLag extends PartitionRef {
  readonly kind: 'measured';
  readonly committed: bigint;
  readonly logStart: bigint;
  readonly end: bigint;
  readonly lag: bigint;
}

/**
 * The group never committed on this partition. With `earliest` the consumer will read the whole log
 * (lag = end - logStart); with `latest` it will skip to the end (lag 0, but the case stays visible).
 */
export interface NoCommitLag extends PartitionRef {
  readonly kind: 'no-commit';
  readonly resetPolicy: OffsetResetPolicy;
  readonly logStart: bigint;
  readonly end: bigint;
  readonly lag: bigint;
}

/**
 * The committed offset is below the log start: retention (or deleteRecords) removed
 * `lostRecords = logStart - committed` records the group never consumed. The consumer resumes at the
 * log start, so lag = end - logStart. ConsumerGroupCommand prints end - committed here, which counts
 * the lost records as if they could still be read; {@link consumerGroupCommandLag} gives that value.
 */
export interface BelowLogStartLag extends PartitionRef {
  readonly kind: 'below-log-start';
  readonly committed: bigint;
  readonly logStart: bigint;
  readonly end: bigint;
  readonly lostRecords: bigint;
  readonly lag: bigint;
}

/**
 * The committed offset is past the end (topic deleted and recreated, or truncated by an unclean
 * leader election): nothing to read until the consumer resets, so lag 0. ConsumerGroupCommand prints
 * a negative lag here.
 */
export interface BeyondEndLag extends PartitionRef {
  readonly kind: 'beyond-end';
  readonly committed: bigint;
  readonly logStart: bigint;
  readonly end: bigint;
  /** committed - end (> 0). */
  readonly aheadBy: bigint;
  readonly lag: 0n;
}

/** The log's bounds could not be read: the lag is unknown, not zero. */
export interface UnavailableLag extends PartitionRef {
  readonly kind: 'unavailable';
  readonly reason: 'no-leader' | 'topic-deleted' | 'error';
  readonly detail: string;
  /** The committed offset, which is still known when only the broker side failed. */
  readonly committed: bigint | undefined;
}

/** The lag of one partition for one group, as a named case. */
export type PartitionLag = MeasuredLag | NoCommitLag | BelowLogStartLag | BeyondEndLag | UnavailableLag;

/** The discriminant of {@link PartitionLag}. */
export type PartitionLagKind = PartitionLag['kind'];

/** Every {@link PartitionLagKind}, in a stable order (for counts and tables). */
export const partitionLagKinds: readonly PartitionLagKind[] = [
  'measured',
  'no-commit',
  'below-log-start',
  'beyond-end',
  'unavailable',
];

/** A partition whose lag is known (every kind but `unavailable`). */
export type KnownPartitionLag = Exclude<PartitionLag, UnavailableLag>;

/** Type guard: the lag is known (a number of records the consumer still has to read). */
export function isKnownLag(lag: PartitionLag): lag is KnownPartitionLag {
  return lag.kind !== 'unavailable';
}

/** A stable key for one partition, `topic/partition` (Kafka topic names cannot contain `/`). */
export function partitionKey(ref: PartitionRef): string {
  return `${ref.topic}/${ref.partition}`;
}

// Defensive: Kafka guarantees logStart <= end, but a reader racing retention could report otherwise,
// and a negative lag would corrupt every sum built on it.
function nonNegative(value: bigint): bigint {
  return value > 0n ? value : 0n;
}

/**
 * Classifies one partition and computes the records the group still has to read. The last column is
 * what `kafka-consumer-groups --describe` prints as LAG, for comparison ({@link consumerGroupCommandLag}).
 *
 * | case | condition | our lag | ConsumerGroupCommand LAG |
 * |---|---|---|---|
 * | `unavailable` | no leader, topic deleted, read error | unknown | `-` |
 * | `no-commit` | no committed offset | end - logStart (`earliest`) or 0 (`latest`) | `-` |
 * | `below-log-start` | committed < logStart | end - logStart, plus `lostRecords` | end - committed (counts the lost records) |
 * | `beyond-end` | committed > end | 0 | end - committed (negative) |
 * | `measured` | logStart <= committed <= end | end - committed | the same |
 *
 * We differ where its number cannot be read: the lost records are gone, not waiting, so they are
 * reported apart (an alarm, not work for more tasks); a negative lag would cancel real lag in sums.
 * Unlike KEDA, `latest` without commit counts 0, not 1: activation from zero is the policy's call.
 */
export function computePartitionLag(snapshot: PartitionSnapshot, options: PartitionLagOptions = {}): PartitionLag {
  const { topic, partition } = snapshot;
  if (snapshot.end.kind === 'unavailable') {
    return {
      kind: 'unavailable',
      topic,
      partition,
      reason: snapshot.end.reason,
      detail: snapshot.end.detail,
      committed: snapshot.committed.kind === 'committed' ? snapshot.committed.offset : undefined,
    };
  }
  const { logStart, end } = snapshot.end;
  if (snapshot.committed.kind === 'none') {
    const resetPolicy = options.offsetResetPolicy ?? 'latest';
    const lag = resetPolicy === 'earliest' ? nonNegative(end - logStart) : 0n;
    return { kind: 'no-commit', topic, partition, resetPolicy, logStart, end, lag };
  }
  const committed = snapshot.committed.offset;
  if (committed < logStart) {
    return {
      kind: 'below-log-start',
      topic,
      partition,
      committed,
      logStart,
      end,
      lostRecords: logStart - committed,
      lag: nonNegative(end - logStart),
    };
  }
  if (committed > end) {
    return { kind: 'beyond-end', topic, partition, committed, logStart, end, aheadBy: committed - end, lag: 0n };
  }
  return { kind: 'measured', topic, partition, committed, logStart, end, lag: end - committed };
}

/** Computes every partition of a snapshot, in the snapshot's order. */
export function computePartitionLags(
  partitions: readonly PartitionSnapshot[],
  options: PartitionLagOptions = {},
): readonly PartitionLag[] {
  return partitions.map((p) => computePartitionLag(p, options));
}

/** The lag of a partition in records, or undefined when it is unknown (`unavailable`). */
export function lagRecords(lag: PartitionLag): bigint | undefined {
  return isKnownLag(lag) ? lag.lag : undefined;
}

/** Records lost below the log start (0 for every kind but `below-log-start`). */
export function lostRecords(lag: PartitionLag): bigint {
  return lag.kind === 'below-log-start' ? lag.lostRecords : 0n;
}

/**
 * What Kafka's `kafka-consumer-groups --describe` prints in its LAG column, so a caller can compare:
 * end - committed whenever both exist (negative past the end, counting lost records below the log
 * start), and `-` (undefined here) when either is missing.
 */
export function consumerGroupCommandLag(snapshot: PartitionSnapshot): bigint | undefined {
  if (snapshot.end.kind === 'unavailable' || snapshot.committed.kind === 'none') return undefined;
  return snapshot.end.end - snapshot.committed.offset;
}

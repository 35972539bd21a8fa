import { describeError } from './errors';
import type { TopicPartition, TransactionalProducer, TransactionalProducerFactory } from './ports';

/** The transactional id of one input partition: `<prefix>-<topic>-<partition>`. */
export const transactionalIdOf = (prefix: string, { topic, partition }: TopicPartition): string =>
  `${prefix}-${topic}-${partition}`;

const keyOf = ({ topic, partition }: TopicPartition): string => `${topic}\u0000${partition}`;

interface Claim {
  readonly producer: TransactionalProducer;
  /** The assignment generation (count of assignments seen) in which the producer was initialised. */
  readonly generation: number;
}

/** What the strategy gets for a partition it is about to process. */
export interface AcquiredProducer {
  readonly producer: TransactionalProducer;
  /**
   * True when this call claimed the partition: the claim waited for the previous owner's last
   * transaction, so the committed position may be ahead of what the consumer fetched from.
   */
  readonly claimedNow: boolean;
}

/** How {@link PartitionProducers} creates producers and reports trouble. */
export interface PartitionProducersOptions {
  readonly create: TransactionalProducerFactory;
  readonly transactionalIdPrefix: string;
  readonly warn: (message: string, detail: Readonly<Record<string, unknown>>) => void;
}

/**
 * One transactional producer per input partition, the pre-KIP-447 way of fencing zombies (Kafka
 * Streams' "exactly-once alpha"). The transactional id belongs to the partition, not to the task,
 * so whoever processes a partition first initialises its id: the broker bumps the id's epoch,
 * aborts (or finishes committing) the previous owner's open transaction, and rejects everything
 * the previous owner sends afterwards. A member that lost a partition while stalled can therefore
 * never commit output or offsets for it, whatever its timing.
 *
 * A partition is claimed again after every assignment, even one this member kept: between two
 * assignments it may have been expelled and the partition owned by someone else.
 */
export class PartitionProducers {
  private generation = 0;
  private readonly claims = new Map<string, Claim>();
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly options: PartitionProducersOptions) {}

  /** A new assignment: every partition is claimed again before its next transaction; producers of partitions that moved away are closed. */
  assigned(partitions: readonly TopicPartition[]): void {
    this.generation += 1;
    const keep = new Set(partitions.map(keyOf));
    for (const key of [...this.claims.keys()]) if (!keep.has(key)) this.forget(key);
  }

  /** The partition's producer, claimed in the current assignment (claiming it now if needed). */
  async acquire(partition: TopicPartition): Promise<AcquiredProducer> {
    const key = keyOf(partition);
    const current = this.claims.get(key);
    if (current?.generation === this.generation) return { producer: current.producer, claimedNow: false };
    if (current) this.forget(key);
    const generation = this.generation;
    const producer = this.options.create(transactionalIdOf(this.options.transactionalIdPrefix, partition));
    try {
      await producer.init();
    } catch (error) {
      this.close(producer);
      throw error;
    }
    this.claims.set(key, { producer, generation });
    return { producer, claimedNow: true };
  }

  /** Drops a partition's producer after a failed transaction: the next {@link acquire} claims the partition again. */
  discard(partition: TopicPartition): void {
    this.forget(keyOf(partition));
  }

  /** Closes every producer (shutdown). */
  async closeAll(): Promise<void> {
    for (const key of [...this.claims.keys()]) this.forget(key);
    await Promise.all([...this.closing]);
  }

  private forget(key: string): void {
    const claim = this.claims.get(key);
    this.claims.delete(key);
    if (claim) this.close(claim.producer);
  }

  private close(producer: TransactionalProducer): void {
    const closing = producer
      .disconnect()
      .catch((error: unknown) =>
        this.options.warn('closing a transactional producer failed', {
          transactionalId: producer.transactionalId,
          error: describeError(error),
        }),
      )
      .finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }
}

import { AsyncCommitQueue } from './async-commit-queue';
import type { CommitStrategyName } from './config';
import { AssignmentChangedError, asError, describeError, StrategySetupError } from './errors';
import type { PartitionProducers } from './partition-producers';
import {
  ProducerFencedError,
  RebalanceSignal,
  type FetchedBatch,
  type InputRecord,
  type OutputRecord,
  type OutputTransaction,
  type PartitionOffset,
  type TopicPartition,
} from './ports';
import type { ProcessingResult } from './processing';

/** What a strategy needs from the service around it. */
export interface StrategyContext {
  readonly group: string;
  /** Records per processing chunk. */
  readonly batchSize: number;
  /** Runs the processing step for one record (and records it); throws if the step fails. */
  process(record: InputRecord): Promise<ProcessingResult>;
  /** Reports positions committed outside the consumer client (transactions). */
  committed(offsets: readonly PartitionOffset[]): void;
  warn(message: string, detail: Readonly<Record<string, unknown>>): void;
}

/** One way of turning processed records into committed offsets. */
export interface CommitStrategy {
  readonly name: CommitStrategyName;
  /** Whether the client's own auto-commit is on. */
  readonly autoCommit: boolean;
  /** Processes one fetched batch and makes progress durable as the strategy promises, including when revoked. */
  handle(batch: FetchedBatch): Promise<void>;
  /** A new assignment arrived. */
  onAssigned(partitions: readonly TopicPartition[]): void;
  /** Called while still a group member, before leaving: commit everything processed. */
  drain(): Promise<void>;
  /** Releases what the strategy holds (transactional producers); called after the consumer stopped. */
  close(): Promise<void>;
}

/** Settings the strategies take beyond the context. */
export interface StrategyOptions {
  readonly asyncMaxUncommitted: number;
  readonly outputTopic: string | undefined;
  /** The per-partition transactional producers (the transactional strategy only). */
  readonly producers: PartitionProducers | undefined;
}

interface Progress {
  last: InputRecord | undefined;
  count: number;
}

const nextPosition = (record: InputRecord): PartitionOffset => ({
  topic: record.topic,
  partition: record.partition,
  offset: record.offset + 1n,
});

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** The shared loop: chunks of the batch, one record at a time, stop as soon as the batch must stop. */
abstract class ChunkedStrategy implements CommitStrategy {
  abstract readonly name: CommitStrategyName;
  readonly autoCommit: boolean = false;

  constructor(protected readonly context: StrategyContext) {}

  async handle(batch: FetchedBatch): Promise<void> {
    for (const chunk of chunksOf(batch.records, this.context.batchSize)) {
      if (batch.shouldStop()) break;
      await this.processChunk(batch, chunk);
    }
    await this.afterBatch(batch);
  }

  onAssigned(_partitions: readonly TopicPartition[]): void {}

  async drain(): Promise<void> {}

  async close(): Promise<void> {}

  /**
   * Whether each record is marked processed (resolved in the client) as soon as its step returned.
   * The transactional strategy marks a chunk only once its transaction committed: a resolved but
   * aborted record would never be fetched again.
   */
  protected readonly marksEachRecord: boolean = true;

  protected abstract processChunk(batch: FetchedBatch, chunk: readonly InputRecord[]): Promise<void>;

  protected async afterBatch(_batch: FetchedBatch): Promise<void> {}

  /**
   * Processes records in order and marks each processed. Returns the rebalance signal instead of
   * throwing it, so the caller can commit what was processed before the partitions go.
   */
  protected async processRecords(
    batch: FetchedBatch,
    chunk: readonly InputRecord[],
    progress: Progress,
    afterEach: (record: InputRecord, result: ProcessingResult) => Promise<void> | void,
  ): Promise<RebalanceSignal | undefined> {
    for (const record of chunk) {
      if (batch.shouldStop()) return undefined;
      const result = await this.context.process(record);
      if (this.marksEachRecord) batch.markProcessed(record.offset);
      progress.last = record;
      progress.count += 1;
      await afterEach(record, result);
      try {
        await batch.heartbeat();
      } catch (error) {
        if (error instanceof RebalanceSignal) return error;
        throw error;
      }
    }
    return undefined;
  }
}

/**
 * `auto`: the client commits what was marked processed on an interval, after every batch and when
 * partitions are revoked. Duplicates after a crash: up to one interval of processing.
 */
class AutoCommitStrategy extends ChunkedStrategy {
  readonly name = 'auto';
  override readonly autoCommit = true;
  /** The last record of the current batch that was processed. */
  private processed: InputRecord | undefined;

  override async handle(batch: FetchedBatch): Promise<void> {
    this.processed = undefined;
    await super.handle(batch);
  }

  protected async processChunk(batch: FetchedBatch, chunk: readonly InputRecord[]): Promise<void> {
    const progress: Progress = { last: undefined, count: 0 };
    const revoked = await this.processRecords(batch, chunk, progress, () => batch.commitIfDue());
    this.processed = progress.last ?? this.processed;
    // kafkajs commits the processed offsets itself when it sees the rebalance.
    if (revoked) throw revoked;
  }

  /**
   * Stopping: kafkajs does not commit after a batch that returned because the consumer stops (its
   * loop has ended), so commit what this batch processed while still a member.
   */
  protected override async afterBatch(batch: FetchedBatch): Promise<void> {
    if (batch.shouldStop() && this.processed) await batch.commit([nextPosition(this.processed)]);
  }
}

/** `sync-batch`: commit and wait after every chunk (and on revoke/stop). Duplicates after a crash: < one chunk. */
class SyncBatchStrategy extends ChunkedStrategy {
  readonly name = 'sync-batch';

  protected async processChunk(batch: FetchedBatch, chunk: readonly InputRecord[]): Promise<void> {
    const progress: Progress = { last: undefined, count: 0 };
    let revoked: RebalanceSignal | undefined;
    try {
      revoked = await this.processRecords(batch, chunk, progress, async () => undefined);
    } finally {
      // Also on a processing error: what was processed stays processed.
      if (progress.last) await batch.commit([nextPosition(progress.last)]);
    }
    if (revoked) throw revoked;
  }
}

/** `per-message`: commit each record's offset synchronously. Duplicates after a crash: at most one record. */
class PerMessageStrategy extends ChunkedStrategy {
  readonly name = 'per-message';

  protected async processChunk(batch: FetchedBatch, chunk: readonly InputRecord[]): Promise<void> {
    const revoked = await this.processRecords(batch, chunk, { last: undefined, count: 0 }, (record) =>
      batch.commit([nextPosition(record)]),
    );
    if (revoked) throw revoked;
  }
}

/**
 * Sends queued commits one at a time in the background. Processing continues while a commit is in
 * flight, but waits when more than `maxUncommitted` records are unacknowledged, which bounds the
 * duplicates after a crash.
 */
export class AsyncCommitter {
  private queue = new AsyncCommitQueue();
  private send: ((offsets: readonly PartitionOffset[]) => Promise<void>) | undefined;
  private current: Promise<void> | undefined;
  private lastError: Error | undefined;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Records processed but not yet acknowledged. */
  get uncommittedRecords(): number {
    return this.queue.uncommittedRecords;
  }

  offer(
    offsets: readonly PartitionOffset[],
    records: number,
    send: (offsets: readonly PartitionOffset[]) => Promise<void>,
  ): void {
    this.send = send;
    this.queue.offer(offsets, records);
    this.pump();
  }

  /**
   * A new assignment: forget every position of the previous generation, and its failures (they led
   * to this rejoin). What was not committed before the rejoin is not committed after it, even for
   * a partition this member kept: the client restarts from the committed position read at the
   * join, and the partition may have had another owner meanwhile (this member expelled while
   * stalled), whose newer commit an old position would rewind.
   */
  newGeneration(): void {
    // A fresh queue: the answer to a commit still in flight lands in the old one and re-queues nothing.
    this.queue = new AsyncCommitQueue();
    this.lastError = undefined;
  }

  /** Waits until at most `limit` records are unacknowledged; throws if a commit fails meanwhile. */
  async waitUntilAtMost(limit: number): Promise<void> {
    while (this.queue.uncommittedRecords > limit) {
      if (this.current === undefined) this.pump();
      if (this.current === undefined) return;
      await this.current;
      if (this.lastError !== undefined) {
        const error = this.lastError;
        this.lastError = undefined;
        throw error;
      }
    }
  }

  /** Sends everything queued and waits for it (a few attempts; failures are reported, not thrown). */
  async flush(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      while (this.current !== undefined) await this.current;
      if (!this.queue.busy) return;
      this.lastError = undefined;
      this.pump();
    }
    while (this.current !== undefined) await this.current;
  }

  private pump(): void {
    const send = this.send;
    if (this.current !== undefined || send === undefined) return;
    const queue = this.queue;
    const request = queue.next();
    if (request === undefined) return;
    this.current = send(request.offsets).then(
      () => {
        queue.acknowledge(request.sequence);
        this.current = undefined;
        this.pump();
      },
      (error: unknown) => {
        // Not retried here: the next offer or flush sends the newest position, which covers this one.
        queue.fail(request.sequence);
        if (queue === this.queue) this.lastError = asError(error);
        this.current = undefined;
        this.onError(error);
      },
    );
  }
}

/** `async`: commit in the background with ordering; flush on revoke and stop. */
class AsyncStrategy extends ChunkedStrategy {
  readonly name = 'async';
  private readonly committer: AsyncCommitter;

  constructor(
    context: StrategyContext,
    private readonly maxUncommitted: number,
  ) {
    super(context);
    this.committer = new AsyncCommitter((error) =>
      context.warn('async commit failed; the next commit covers it', { error: describeError(error) }),
    );
  }

  protected async processChunk(batch: FetchedBatch, chunk: readonly InputRecord[]): Promise<void> {
    await this.committer.waitUntilAtMost(this.maxUncommitted - chunk.length);
    const progress: Progress = { last: undefined, count: 0 };
    let revoked: RebalanceSignal | undefined;
    try {
      revoked = await this.processRecords(batch, chunk, progress, async () => undefined);
    } finally {
      if (progress.last) {
        this.committer.offer([nextPosition(progress.last)], progress.count, (offsets) => batch.commit(offsets));
      }
    }
    if (revoked) {
      await this.committer.flush();
      throw revoked;
    }
  }

  protected override async afterBatch(batch: FetchedBatch): Promise<void> {
    if (batch.shouldStop()) await this.committer.flush();
  }

  override onAssigned(_partitions: readonly TopicPartition[]): void {
    this.committer.newGeneration();
  }

  override async drain(): Promise<void> {
    await this.committer.flush();
  }
}

/**
 * UNSAFE `unsafe-commit-before-process`: commits the end of each chunk BEFORE processing it, so a
 * crash mid-chunk loses the rest of the chunk (the seed's "missed messages"). Exists only so the
 * tests and demos can show that loss; never run it for real work.
 */
class CommitBeforeProcessStrategy extends ChunkedStrategy {
  readonly name = 'unsafe-commit-before-process';

  protected async processChunk(batch: FetchedBatch, chunk: readonly InputRecord[]): Promise<void> {
    const last = chunk.at(-1);
    if (last === undefined) return;
    await batch.commit([nextPosition(last)]);
    let revoked: RebalanceSignal | undefined;
    // The chunk is already committed: finishing it is the only way not to lose it on a graceful stop.
    for (const record of chunk) {
      await this.context.process(record);
      batch.markProcessed(record.offset);
      try {
        await batch.heartbeat();
      } catch (error) {
        if (!(error instanceof RebalanceSignal)) throw error;
        revoked = error;
      }
    }
    if (revoked) throw revoked;
  }
}

/**
 * `transactional`: each chunk's outputs and its input position are committed in one Kafka
 * transaction by the producer of the chunk's input partition, so a read_committed reader of the
 * output topic sees every input record exactly once, even when a member that lost its partitions
 * (expelled while stalled: a zombie) keeps processing them: the new owner's claim fenced it.
 */
class TransactionalStrategy extends ChunkedStrategy {
  readonly name = 'transactional';
  protected override readonly marksEachRecord = false;

  constructor(
    context: StrategyContext,
    private readonly producers: PartitionProducers,
    private readonly outputTopic: string,
  ) {
    super(context);
  }

  override async handle(batch: FetchedBatch): Promise<void> {
    if (batch.shouldStop()) return;
    const { claimedNow } = await this.producers.acquire(batch);
    await super.handle(claimedNow ? await this.withoutCommitted(batch) : batch);
  }

  override onAssigned(partitions: readonly TopicPartition[]): void {
    this.producers.assigned(partitions);
  }

  override async close(): Promise<void> {
    await this.producers.closeAll();
  }

  /**
   * Right after a claim: the records the previous owner committed after this batch was fetched
   * (the claim waited for its last transaction) are skipped, not processed again. This is what
   * KIP-447's "wait for pending transactional offsets" gives clients that have it.
   */
  private async withoutCommitted(batch: FetchedBatch): Promise<FetchedBatch> {
    const committed = await batch.committedOffset();
    if (committed === undefined) return batch;
    const alreadyDone = batch.records.filter((record) => record.offset < committed);
    const lastDone = alreadyDone.at(-1);
    if (lastDone === undefined) return batch;
    batch.markProcessed(lastDone.offset);
    this.context.warn('skipping records the previous owner committed after this batch was fetched', {
      partition: `${batch.topic}:${batch.partition}`,
      skipped: alreadyDone.length,
      committed: committed.toString(),
    });
    return { ...batch, records: batch.records.filter((record) => record.offset >= committed) };
  }

  protected async processChunk(batch: FetchedBatch, chunk: readonly InputRecord[]): Promise<void> {
    const { producer, claimedNow } = await this.producers.acquire(batch);
    if (claimedNow) {
      // A new assignment arrived mid-batch (kafkajs rejoins between batches, so this is defensive):
      // claim again at the start of a fresh batch, where the committed position is checked.
      this.producers.discard(batch);
      throw new AssignmentChangedError(batch);
    }
    const transaction = await producer.transaction();
    const outputs: OutputRecord[] = [];
    const progress: Progress = { last: undefined, count: 0 };
    let revoked: RebalanceSignal | undefined;
    try {
      revoked = await this.processRecords(batch, chunk, progress, (_record, { output }) => {
        if (output) outputs.push(output);
      });
      // Revoked mid-chunk: commit what was processed; the next owner's claim waits for this transaction.
      if (progress.last) await this.commit(transaction, outputs, progress.last);
      else await transaction.abort();
    } catch (error) {
      throw await this.failed(batch, transaction, error, revoked);
    }
    if (progress.last) batch.markProcessed(progress.last.offset);
    if (revoked) throw revoked;
  }

  private async commit(transaction: OutputTransaction, outputs: readonly OutputRecord[], last: InputRecord) {
    await transaction.send(this.outputTopic, outputs);
    const position = [nextPosition(last)];
    await transaction.sendOffsets(this.context.group, position);
    await transaction.commit();
    this.context.committed(position);
  }

  /**
   * Nothing of the chunk commits: abort (output invisible to read_committed readers, input fetched
   * again) and drop the producer, so the partition is claimed again before its next transaction.
   * When the chunk ended because the partitions are being revoked, the rebalance is what the
   * client must see (it rejoins); a fenced producer also makes it rejoin (see kafka.ts).
   */
  private async failed(
    batch: FetchedBatch,
    transaction: OutputTransaction,
    error: unknown,
    revoked: RebalanceSignal | undefined,
  ): Promise<Error> {
    await transaction.abort().catch(() => undefined);
    this.producers.discard(batch);
    if (error instanceof ProducerFencedError) {
      this.context.warn('fenced: a newer owner of the partition took over; this chunk is not committed', {
        partition: `${batch.topic}:${batch.partition}`,
        error: describeError(error),
      });
    }
    return revoked ?? asError(error);
  }
}

/** Builds the strategy named in the configuration. */
export function createStrategy(
  name: CommitStrategyName,
  context: StrategyContext,
  options: StrategyOptions,
): CommitStrategy {
  switch (name) {
    case 'auto':
      return new AutoCommitStrategy(context);
    case 'sync-batch':
      return new SyncBatchStrategy(context);
    case 'per-message':
      return new PerMessageStrategy(context);
    case 'async':
      return new AsyncStrategy(context, options.asyncMaxUncommitted);
    case 'unsafe-commit-before-process':
      return new CommitBeforeProcessStrategy(context);
    case 'transactional':
      if (options.producers === undefined || options.outputTopic === undefined) {
        throw new StrategySetupError('the transactional strategy needs transactional producers and an output topic');
      }
      return new TransactionalStrategy(context, options.producers, options.outputTopic);
  }
}

import {
  Kafka,
  logLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type LogEntry,
  type Producer,
  type TopicOffsets,
} from 'kafkajs';
import {
  ProducerFencedError,
  RebalanceSignal,
  type FetchedBatch,
  type GroupConsumer,
  type GroupEvents,
  type GroupRunOptions,
  type OutputRecord,
  type OutputTransaction,
  type PartitionOffset,
  type TransactionalProducer,
  type TransactionalProducerFactory,
} from './ports';

/** Where the adapters send the client's own warnings and errors. */
export type ClientLog = (level: 'warn' | 'error', message: string, detail: Readonly<Record<string, unknown>>) => void;

/** Settings of the kafkajs client shared by the consumer and the producer. */
export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly log: ClientLog;
}

/** Settings of one group member. */
export interface GroupConsumerOptions {
  readonly group: string;
  readonly topic: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
}

/** kafkajs error types that mean "this member's assignment is being taken away". */
const rebalanceErrorTypes = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/** kafkajs error types that mean "a newer producer with this transactional id exists" (PRODUCER_FENCED is code 90). */
const fencedErrorTypes = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

/** The kafkajs protocol error type of `error` or of the error it wraps (retries exceeded wraps its cause). */
function errorTypes(error: unknown): string[] {
  const types: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const { type, code } = current as { type?: unknown; code?: unknown };
    if (typeof type === 'string') types.push(type);
    if (code === 90) types.push('PRODUCER_FENCED');
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return types;
}

function isRebalanceError(error: unknown): boolean {
  return errorTypes(error).some((type) => rebalanceErrorTypes.has(type));
}

/**
 * What the strategies throw, as kafkajs must see it: it rejoins the group only on its own
 * rebalance errors. A fenced producer means another member owns the partition now, so this
 * member's view of the assignment is stale: rejoin too, rather than retry the batch (a retry would
 * claim the partition back and fence its rightful owner, which is safe but wasteful).
 */
function toClientError(error: unknown): unknown {
  if (error instanceof RebalanceSignal) return error.cause;
  if (error instanceof ProducerFencedError) {
    return Object.assign(new Error(`${error.message}; rejoining the group`, { cause: error }), {
      type: 'REBALANCE_IN_PROGRESS',
    });
  }
  return error;
}

function toKafkaOffsets(offsets: readonly PartitionOffset[]): TopicOffsets[] {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    const partitions = byTopic.get(topic) ?? [];
    partitions.push({ partition, offset: offset.toString() });
    byTopic.set(topic, partitions);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** Builds the kafkajs client; its log lines go to `log` (warnings and errors only: it is chatty). */
export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    brokers: [...options.brokers],
    clientId: options.clientId,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        // kafkajs's own timestamp would clash with the logger's (which drops it, with a warning per
        // line); its stack traces of internal frames say nothing the message does not.
        const { message, ...detail } = log;
        const fields = Object.fromEntries(
          Object.entries(detail).filter(([key]) => key !== 'timestamp' && key !== 'stack'),
        );
        options.log(level === logLevel.ERROR ? 'error' : 'warn', `kafkajs: ${message}`, fields);
      },
  });
}

/** A {@link GroupConsumer} on kafkajs, consuming with `eachBatch` so that the service decides what is resolved and committed. */
export class KafkajsGroupConsumer implements GroupConsumer {
  private readonly consumer: Consumer;
  private stopping = false;
  /**
   * Set when this member learns that its assignment is being revoked (a rebalance error, or a
   * fenced producer), cleared by the next assignment. Meanwhile kafkajs may still hand out batches
   * it fetched for the old assignment (one per partition); they are not processed: a zombie that
   * resumed after being expelled would otherwise process a record of each partition before it
   * rejoins, each a duplicate.
   */
  private revoked = false;
  /** Reads committed positions (transactional strategy, after a claim); connected on first use. */
  private admin: { readonly client: Admin; readonly connected: Promise<void> } | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: GroupConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.group,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      // A short long-poll so that stop() does not wait seconds for an idle fetch to return.
      maxWaitTimeInMs: 500,
      readUncommitted: false,
    });
  }

  async run(
    handle: (batch: FetchedBatch) => Promise<void>,
    runOptions: GroupRunOptions,
    events: GroupEvents,
  ): Promise<void> {
    const { consumer } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.revoked = false;
      const assigned = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      events.onAssigned(assigned);
    });
    consumer.on(consumer.events.REBALANCING, () => events.onRebalancing());
    consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
      events.onCommitted(
        payload.topics.flatMap(({ topic, partitions }) =>
          partitions.map(({ partition, offset }) => ({ topic, partition: Number(partition), offset: BigInt(offset) })),
        ),
      );
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => events.onCrash(payload.error, payload.restart));

    await consumer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: runOptions.autoCommit,
      autoCommitInterval: runOptions.autoCommitIntervalMs,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => {
        try {
          await handle(this.wrap(payload));
        } catch (error) {
          if (error instanceof RebalanceSignal || error instanceof ProducerFencedError) this.revoked = true;
          throw toClientError(error);
        }
      },
    });
  }

  private wrap(payload: EachBatchPayload): FetchedBatch {
    const { batch } = payload;
    const { topic, partition } = batch;
    return {
      topic,
      partition,
      records: batch.messages.map((message) => ({
        topic,
        partition,
        offset: BigInt(message.offset),
        key: message.key?.toString('utf8'),
        value: message.value?.toString('utf8'),
      })),
      markProcessed: (offset) => payload.resolveOffset(offset.toString()),
      commit: async (offsets) => {
        if (offsets.length === 0) return;
        try {
          await payload.commitOffsetsIfNecessary({ topics: toKafkaOffsets(offsets) });
        } catch (error) {
          throw this.revocation(error);
        }
      },
      commitIfDue: async () => {
        try {
          await payload.commitOffsetsIfNecessary();
        } catch (error) {
          throw this.revocation(error);
        }
      },
      heartbeat: async () => {
        try {
          await payload.heartbeat();
        } catch (error) {
          throw this.revocation(error);
        }
      },
      committedOffset: () => this.committedOffset(topic, partition),
      shouldStop: () => this.stopping || this.revoked || !payload.isRunning() || payload.isStale(),
    };
  }

  /** A rebalance error becomes the {@link RebalanceSignal} (and no further record is processed until the next assignment). */
  private revocation(error: unknown): unknown {
    if (!isRebalanceError(error)) return error;
    this.revoked = true;
    return new RebalanceSignal({ cause: error });
  }

  private async committedOffset(topic: string, partition: number): Promise<bigint | undefined> {
    this.admin ??= this.connectAdmin();
    await this.admin.connected;
    const [offsets] = await this.admin.client.fetchOffsets({ groupId: this.options.group, topics: [topic] });
    const offset = offsets?.partitions.find((candidate) => candidate.partition === partition)?.offset;
    return offset === undefined || offset === '-1' ? undefined : BigInt(offset);
  }

  private connectAdmin(): { readonly client: Admin; readonly connected: Promise<void> } {
    const client = this.kafka.admin();
    return { client, connected: client.connect() };
  }

  requestStop(): void {
    this.stopping = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.stop();
  }

  async disconnect(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
    if (this.admin) {
      const { client, connected } = this.admin;
      this.admin = undefined;
      await connected.catch(() => undefined);
      await client.disconnect();
    }
  }
}

/** Settings of the transactional producers. */
export interface TransactionalProducerOptions {
  readonly transactionTimeoutMs: number;
}

/** kafkajs errors of a fenced producer become {@link ProducerFencedError}; the others pass unchanged. */
async function fencedAs<T>(transactionalId: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw errorTypes(error).some((type) => fencedErrorTypes.has(type))
      ? new ProducerFencedError(transactionalId, { cause: error })
      : error;
  }
}

/** A {@link TransactionalProducer} on kafkajs (idempotent, one request in flight, as transactions require). */
export class KafkajsTransactionalProducer implements TransactionalProducer {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    readonly transactionalId: string,
    options: TransactionalProducerOptions,
  ) {
    this.producer = kafka.producer({
      transactionalId,
      transactionTimeout: options.transactionTimeoutMs,
      idempotent: true,
      maxInFlightRequests: 1,
    });
  }

  /** kafkajs initialises the transactional id (InitProducerId) lazily, on the first transaction: begin and end one that sends nothing. */
  async init(): Promise<void> {
    await this.producer.connect();
    const transaction = await this.producer.transaction();
    // Nothing was added to it, so kafkajs ends it locally without a request.
    await transaction.abort();
  }

  async transaction(): Promise<OutputTransaction> {
    const id = this.transactionalId;
    const transaction = await fencedAs(id, () => this.producer.transaction());
    return {
      send: async (topic: string, records: readonly OutputRecord[]) => {
        if (records.length === 0) return;
        await fencedAs(id, () =>
          transaction.send({ topic, messages: records.map(({ key, value }) => ({ key: key ?? null, value })) }),
        );
      },
      sendOffsets: async (group: string, offsets: readonly PartitionOffset[]) => {
        await fencedAs(id, () => transaction.sendOffsets({ consumerGroupId: group, topics: toKafkaOffsets(offsets) }));
      },
      commit: () => fencedAs(id, () => transaction.commit()),
      abort: () => fencedAs(id, () => transaction.abort()),
    };
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

/** Creates one kafkajs transactional producer per transactional id (all on the same client settings). */
export function kafkajsProducerFactory(
  kafka: Kafka,
  options: TransactionalProducerOptions,
): TransactionalProducerFactory {
  return (transactionalId) => new KafkajsTransactionalProducer(kafka, transactionalId, options);
}

import {
  Kafka,
  logLevel,
  type Consumer,
  type EachBatchPayload,
  type LogEntry,
  type Producer,
  type TopicOffsets,
} from 'kafkajs';
import {
  RebalanceSignal,
  type FetchedBatch,
  type GroupConsumer,
  type GroupEvents,
  type GroupRunOptions,
  type OutputRecord,
  type OutputTransaction,
  type PartitionOffset,
  type TransactionalProducer,
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

function isRebalanceError(error: unknown): boolean {
  const type = (error as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' && rebalanceErrorTypes.has(type);
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
        const { message, ...detail } = log;
        options.log(level === logLevel.ERROR ? 'error' : 'warn', `kafkajs: ${message}`, detail);
      },
  });
}

/** A {@link GroupConsumer} on kafkajs, consuming with `eachBatch` so that the service decides what is resolved and committed. */
export class KafkajsGroupConsumer implements GroupConsumer {
  private readonly consumer: Consumer;
  private stopping = false;

  constructor(
    kafka: Kafka,
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
          // kafkajs rejoins the group only when it sees its own rebalance error.
          throw error instanceof RebalanceSignal ? error.cause : error;
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
          throw isRebalanceError(error) ? new RebalanceSignal({ cause: error }) : error;
        }
      },
      commitIfDue: async () => {
        await payload.commitOffsetsIfNecessary();
      },
      heartbeat: async () => {
        try {
          await payload.heartbeat();
        } catch (error) {
          throw isRebalanceError(error) ? new RebalanceSignal({ cause: error }) : error;
        }
      },
      shouldStop: () => this.stopping || !payload.isRunning() || payload.isStale(),
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.stop();
  }

  async disconnect(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
  }
}

/** Settings of the transactional producer. */
export interface TransactionalProducerOptions {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
}

/** A {@link TransactionalProducer} on kafkajs (idempotent, one request in flight, as transactions require). */
export class KafkajsTransactionalProducer implements TransactionalProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka, options: TransactionalProducerOptions) {
    this.producer = kafka.producer({
      transactionalId: options.transactionalId,
      transactionTimeout: options.transactionTimeoutMs,
      idempotent: true,
      maxInFlightRequests: 1,
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async transaction(): Promise<OutputTransaction> {
    const transaction = await this.producer.transaction();
    return {
      send: async (topic: string, records: readonly OutputRecord[]) => {
        if (records.length === 0) return;
        await transaction.send({
          topic,
          messages: records.map(({ key, value }) => ({ key: key ?? null, value })),
        });
      },
      sendOffsets: async (group: string, offsets: readonly PartitionOffset[]) => {
        await transaction.sendOffsets({ consumerGroupId: group, topics: toKafkaOffsets(offsets) });
      },
      commit: () => transaction.commit(),
      abort: () => transaction.abort(),
    };
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

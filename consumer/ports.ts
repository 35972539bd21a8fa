/**
 * The small interface the consumer service needs from a Kafka client. Only consumer/kafka.ts
 * implements it (with kafkajs), so the client can be replaced without touching the strategies.
 */

/** One record of the input topic. */
export interface InputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** The record key as UTF-8 (the patient checkout id in the hospital example). */
  readonly key: string | undefined;
  readonly value: string | undefined;
}

/** A committed position: `offset` is the next offset to read (last processed + 1), as Kafka stores it. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/** A topic and partition. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export { ProducerFencedError, RebalanceSignal } from './errors';

/** The records of one partition handed to the service, and what it may do while holding them. */
export interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly InputRecord[];
  /** Marks a record processed so the next fetch starts after it; commits nothing by itself. */
  markProcessed(offset: bigint): void;
  /** Commits exactly these positions now and waits for the broker's answer. */
  commit(offsets: readonly PartitionOffset[]): Promise<void>;
  /** Commits everything marked processed if the auto-commit interval has passed. */
  commitIfDue(): Promise<void>;
  /** Keeps the membership alive; throws `RebalanceSignal` when the partitions are being revoked. */
  heartbeat(): Promise<void>;
  /** The group's committed position of this partition as the coordinator has it now (undefined: none). */
  committedOffset(): Promise<bigint | undefined>;
  /** True when the batch must not be processed further (the consumer is stopping or the partition was sought). */
  shouldStop(): boolean;
}

/** Group membership changes the service reports and reacts to. */
export interface GroupEvents {
  onAssigned(partitions: readonly TopicPartition[]): void;
  onRebalancing(): void;
  onCommitted(offsets: readonly PartitionOffset[]): void;
  onCrash(error: Error, willRestart: boolean): void;
}

/** How the client should run the group. */
export interface GroupRunOptions {
  /** When true the client commits marked offsets after each batch and on rebalance (the `auto` strategy). */
  readonly autoCommit: boolean;
  readonly autoCommitIntervalMs: number;
}

/** A consumer group member. */
export interface GroupConsumer {
  /** Joins the group and starts handing batches to `handle`, one at a time. */
  run(handle: (batch: FetchedBatch) => Promise<void>, options: GroupRunOptions, events: GroupEvents): Promise<void>;
  /** Stop taking records at once: every batch from now on reports `shouldStop()` (no I/O; a signal handler calls it). */
  requestStop(): void;
  /** Stops fetching, waits for the batch in flight to return, and leaves the group. */
  stop(): Promise<void>;
  disconnect(): Promise<void>;
}

/** A record produced to the output topic. */
export interface OutputRecord {
  readonly key: string | undefined;
  readonly value: string;
}

/** An open Kafka transaction. Each method throws `ProducerFencedError` once a newer producer took over its id. */
export interface OutputTransaction {
  send(topic: string, records: readonly OutputRecord[]): Promise<void>;
  /** Adds the group's input positions to the transaction (they commit or abort with the output). */
  sendOffsets(group: string, offsets: readonly PartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** A transactional producer with one fixed transactional id. */
export interface TransactionalProducer {
  readonly transactionalId: string;
  /**
   * Connects and registers the id with the transaction coordinator (InitProducerId, a new epoch):
   * every earlier producer with the same id is fenced, and its open transaction is aborted (or its
   * commit completed) before this resolves.
   */
  init(): Promise<void>;
  transaction(): Promise<OutputTransaction>;
  disconnect(): Promise<void>;
}

/** Creates a transactional producer for one transactional id (the strategy keeps one per input partition). */
export type TransactionalProducerFactory = (transactionalId: string) => TransactionalProducer;

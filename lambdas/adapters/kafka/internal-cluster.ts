import type { Kafka } from 'kafkajs';

/**
 * kafkajs's admin client lists offsets only as READ_COMMITTED (the last stable offset) and one
 * topic at a time. Its internal Cluster takes the isolation level we need (the high watermark is
 * READ_UNCOMMITTED) and batches ListOffsets for all topics into one request per broker. kafkajs is
 * pinned (2.2.4, unmaintained), and the integration tests compare our end offsets with Kafka's own
 * tool, so a change here cannot pass unnoticed. This file is the only place that reaches inside.
 */
export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: readonly string[]): Promise<void>;
  fetchTopicsOffset(
    topics: readonly {
      topic: string;
      fromBeginning: boolean;
      partitions: readonly { partition: number }[];
    }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

const readUncommitted = 0;
const readCommitted = 1;

type CreateCluster = (options: { allowAutoTopicCreation: boolean; isolationLevel: number }) => InternalCluster;

export function createInternalCluster(kafka: Kafka, isolation: 'read_uncommitted' | 'read_committed'): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const create = symbol ? (kafka as unknown as Record<symbol, CreateCluster | undefined>)[symbol] : undefined;
  if (!create) throw new Error('kafkajs internals changed: Kafka has no createCluster; pin kafkajs 2.2.4');
  return create({
    allowAutoTopicCreation: false,
    isolationLevel: isolation === 'read_committed' ? readCommitted : readUncommitted,
  });
}

import type { Kafka } from 'kafkajs';
import type { KafkajsBroker } from './wire/transport';

/** A kafkajs Broker: its connection (for our own requests) and the kafkajs requests we fall back to. */
export interface InternalBroker extends KafkajsBroker {
  metadata(topics: readonly string[]): Promise<{
    readonly topicMetadata: readonly {
      readonly topic: string;
      readonly partitionMetadata: readonly { readonly partitionId: number; readonly leader: number }[];
    }[];
  }>;
  /** OffsetFetch v1-v4 of one group (old brokers); `topics: []` reads every committed topic. */
  offsetFetch(request: { groupId: string; topics: readonly never[] }): Promise<{
    readonly responses: readonly {
      readonly topic: string;
      readonly partitions: readonly { readonly partition: number; readonly offset: string }[];
    }[];
  }>;
}

/**
 * kafkajs's admin client lists offsets only as READ_COMMITTED (the last stable offset) and one
 * topic at a time, and has no ConsumerGroupDescribe, batched FindCoordinator or multi-group
 * OffsetFetch. Its internal Cluster takes the isolation level we need (the high watermark is
 * READ_UNCOMMITTED), batches ListOffsets into one request per broker, and hands out its brokers'
 * authenticated connections, over which we send those requests ourselves (see wire/). kafkajs is
 * pinned (2.2.4, unmaintained), and the integration tests compare everything with Kafka's own tool
 * on 4.x and 3.9 brokers, so a change here cannot pass unnoticed. This file is the only place that
 * reaches inside.
 */
export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  getNodeIds(): readonly string[];
  findBroker(args: { nodeId: string | number }): Promise<InternalBroker>;
  /** FindCoordinator for one group (old brokers without the batched v4). */
  findGroupCoordinatorMetadata(args: {
    groupId: string;
  }): Promise<{ readonly coordinator: { readonly nodeId: number } }>;
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

/** kafkajs's instrumentation emitter, as the cluster calls it: one 'network.request' per answered request. */
interface RequestEmitter {
  emit(event: string, payload: { readonly apiName?: string }): void;
}

type CreateCluster = (options: {
  allowAutoTopicCreation: boolean;
  isolationLevel: number;
  instrumentationEmitter: RequestEmitter | null;
}) => InternalCluster;

/**
 * A kafkajs Cluster with the isolation level we need; `onRequest` hears the API name of every request
 * it sends (kafkajs's own and ours), for the request counts the benchmarks report.
 */
export function createInternalCluster(
  kafka: Kafka,
  isolation: 'read_uncommitted' | 'read_committed',
  onRequest?: (apiName: string) => void,
): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const create = symbol ? (kafka as unknown as Record<symbol, CreateCluster | undefined>)[symbol] : undefined;
  if (!create) throw new Error('kafkajs internals changed: Kafka has no createCluster; pin kafkajs 2.2.4');
  const emitter: RequestEmitter | null = onRequest
    ? { emit: (event, payload) => event === 'network.request' && onRequest(payload.apiName ?? 'unknown') }
    : null;
  return create({
    allowAutoTopicCreation: false,
    isolationLevel: isolation === 'read_committed' ? readCommitted : readUncommitted,
    instrumentationEmitter: emitter,
  });
}

/** Some broker of the cluster (the first of the cached metadata, loaded once if there is none yet). */
export async function anyBroker(cluster: InternalCluster): Promise<InternalBroker> {
  if (cluster.getNodeIds().length === 0) await cluster.refreshMetadata();
  const [nodeId] = cluster.getNodeIds();
  if (nodeId === undefined) throw new Error('the cluster metadata names no brokers');
  return await cluster.findBroker({ nodeId });
}

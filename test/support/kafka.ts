import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createInternalCluster, type InternalCluster } from '#adapters/kafka/internal-cluster';
import { services } from './services';

/** A kafkajs client on the test broker, for arranging scenarios (the product code has its own). */
export function testKafka(): Kafka {
  return new Kafka({ brokers: [services().kafkaBrokers], clientId: 'test', logLevel: logLevel.NOTHING });
}

export async function createTopic(admin: Admin, topic: string, numPartitions: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
}

/** Produces `perPartition[p]` records into each partition p. */
export async function produce(kafka: Kafka, topic: string, perPartition: readonly number[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: perPartition.flatMap((count, partition) =>
      Array.from({ length: count }, (_, i) => ({ partition, value: `checkout ${partition}-${i}` })),
    ),
  });
  await producer.disconnect();
}

interface Coordinator {
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}
type ClusterWithCoordinator = InternalCluster & {
  findGroupCoordinator(args: { groupId: string }): Promise<Coordinator>;
};
const clusters = new WeakMap<Kafka, Promise<ClusterWithCoordinator>>();

/**
 * Commits offsets for a group without members, as a consumer that stopped would have left them.
 * A standalone OffsetCommit (generation -1) takes milliseconds; kafkajs's admin.setOffsets joins the
 * group with a whole consumer and waits for a fetch (seconds per call).
 */
export async function commit(kafka: Kafka, groupId: string, topic: string, offsets: Readonly<Record<number, number>>) {
  let cluster = clusters.get(kafka);
  if (!cluster) {
    const created = createInternalCluster(kafka, 'read_uncommitted') as ClusterWithCoordinator;
    cluster = created.connect().then(() => created);
    clusters.set(kafka, cluster);
  }
  const request = {
    groupId,
    groupGenerationId: -1,
    memberId: '',
    topics: [
      {
        topic,
        partitions: Object.entries(offsets).map(([partition, offset]) => ({
          partition: Number(partition),
          offset: String(offset),
        })),
      },
    ],
  };
  // On a broker that just started, the group coordinator (__consumer_offsets) takes a moment to
  // load: retriable errors are retried for a bounded time, anything else fails at once.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const coordinator = await (await cluster).findGroupCoordinator({ groupId });
      await coordinator.offsetCommit(request);
      return;
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Closes the connections `commit` opened for this client. */
export async function closeCommitter(kafka: Kafka): Promise<void> {
  const cluster = clusters.get(kafka);
  clusters.delete(kafka);
  if (cluster) await (await cluster).disconnect();
}

/**
 * Deletes records below `offset` (the log start moves up, as retention would). kafkajs resolves the
 * partition leader from cached metadata, which may not know a just-created topic yet: refresh first.
 */
export async function deleteRecordsBelow(
  admin: Admin,
  topic: string,
  partition: number,
  offset: number,
): Promise<void> {
  await admin.fetchTopicMetadata({ topics: [topic] });
  await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset: String(offset) }] });
}

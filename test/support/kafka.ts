import { Kafka, logLevel, type Admin } from 'kafkajs';
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

/** Commits offsets for a group without members (as a consumer that stopped would have left them). */
export async function commit(admin: Admin, groupId: string, topic: string, offsets: Readonly<Record<number, number>>) {
  await admin.setOffsets({
    groupId,
    topic,
    partitions: Object.entries(offsets).map(([partition, offset]) => ({
      partition: Number(partition),
      offset: String(offset),
    })),
  });
}

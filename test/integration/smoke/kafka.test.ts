import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { describeGroups } from '../../support/consumer-group-command';
import { eventually, services, uniqueName } from '../../support/services';

describe('Kafka broker (real, KRaft, from Maven Central jars)', () => {
  const kafka = new Kafka({ brokers: [services().kafkaBrokers], logLevel: logLevel.NOTHING, clientId: 'smoke' });
  const admin = kafka.admin();
  const topic = uniqueName('patient-checkout');
  const group = uniqueName('billing');

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('commits what billing processed, and ConsumerGroupCommand reports exactly those offsets', async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 100 }, (_, i) => ({
        partition: i % 4,
        key: `patient-${i}`,
        value: `checkout ${i}`,
      })),
    });
    await producer.disconnect();

    // Billing processes the first 10, 20 and 25 records of partitions 0-2 and none of partition 3.
    const processUpTo = new Map([
      [0, 10],
      [1, 20],
      [2, 25],
    ]);
    const processed = new Map<number, number>();
    const consumer = kafka.consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (Number(message.offset) < (processUpTo.get(partition) ?? 0)) {
          processed.set(partition, (processed.get(partition) ?? 0) + 1);
        }
      },
    });
    await eventually(
      'billing to process its records',
      async () => ([...processUpTo].every(([p, n]) => processed.get(p) === n) ? true : undefined),
      { timeoutMs: 30_000 },
    );
    await consumer.commitOffsets(
      [...processUpTo].map(([partition, offset]) => ({ topic, partition, offset: String(offset) })),
    );
    await consumer.disconnect();

    const rows = (await describeGroups(services().kafkaBrokers, { group })).filter((row) => row.topic === topic);
    const byPartition = rows.map(({ partition, currentOffset, logEndOffset, lag }) => ({
      partition,
      currentOffset,
      logEndOffset,
      lag,
    }));
    expect(byPartition.sort((a, b) => a.partition - b.partition)).toEqual([
      { partition: 0, currentOffset: 10n, logEndOffset: 25n, lag: 15n },
      { partition: 1, currentOffset: 20n, logEndOffset: 25n, lag: 5n },
      { partition: 2, currentOffset: 25n, logEndOffset: 25n, lag: 0n },
    ]);
  });
});

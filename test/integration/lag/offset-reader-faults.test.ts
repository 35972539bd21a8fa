import { afterAll, describe, expect, it } from 'vitest';
import { KafkaConfigError } from '#adapters/kafka/errors';
import { KafkaUnavailableError } from '#adapters/kafka/errors';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import type { KafkaConnectionConfig } from '#adapters/kafka/connection';
import { saslUser } from '../../../tools/services/kafka';
import { commit, createTopic, testKafka } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';

const clock = { now: () => Date.now() };
const readers: KafkajsOffsetReader[] = [];
const readerFor = (connection: KafkaConnectionConfig, readTimeoutMs = 10_000) => {
  const reader = new KafkajsOffsetReader({ connection, clock, readTimeoutMs });
  readers.push(reader);
  return reader;
};

afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

describe('KafkajsOffsetReader faults and authentication (real broker)', () => {
  it('unreachable brokers: a clear error within a bounded time, no hang', async () => {
    const started = Date.now();
    const reader = readerFor({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 500 }, 8_000);
    const error = await reader.read([{ group: 'billing' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaUnavailableError);
    expect((error as Error).message).toMatch(/cannot reach Kafka brokers 127\.0\.0\.1:1/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each(['localhost', 'kafka:99999', 'http://b-1:9092', ''])('malformed broker address %j is named', (broker) => {
    expect(() => readerFor({ brokers: [broker] })).toThrow(KafkaConfigError);
    expect(() => readerFor({ brokers: [broker] })).toThrow(
      /brokers: '.*' is not a broker address \(.*\); expected host:port/,
    );
  });

  it.each(['plain', 'scram-sha-512'] as const)('SASL %s with the right password reads the group', async (mechanism) => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueName('patient-checkout');
    const group = uniqueName('billing');
    await createTopic(admin, topic, 1);
    await commit(kafka, group, topic, { 0: 0 });
    const reader = readerFor({ brokers: [services().kafkaSaslBrokers], sasl: { mechanism, ...saslUser } });
    const [result] = await reader.read([{ group }]);
    expect(result?.kind).toBe('ok');
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('SASL with a wrong password: an authentication error that says what to check', async () => {
    const reader = readerFor({
      brokers: [services().kafkaSaslBrokers],
      sasl: { mechanism: 'scram-sha-512', username: saslUser.username, password: 'wrong' },
    });
    const error = await reader.read([{ group: 'billing' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaUnavailableError);
    expect((error as Error).message).toMatch(
      /authentication to Kafka failed.*Check the SASL mechanism, username and password/,
    );
    expect((error as KafkaUnavailableError).retriable).toBe(false);
  });
});

import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { CloudWatchMetricsSink } from '#adapters/aws/cloudwatch-metrics-sink';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store';
import { EcsServiceCapacity } from '#adapters/aws/ecs-service-capacity';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import type { TargetState } from '#application/target-state';
import type { TickDependencies } from '#application/tick';
import type { StructuredLogger } from '#ports/logger';
import type { ServiceCapacity, ServiceRef } from '#ports/service-capacity';
import { awsClientConfig, services, uniqueName } from './services';

/** The scaler's state table as the CDK construct defines it: partition key `target` (S), on demand. */
export async function createStateTable(dynamodb: DynamoDBClient, table = uniqueName('scaler-state')): Promise<string> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'target', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'target', KeyType: 'HASH' }],
    }),
  );
  return table;
}

/** Log records kept in memory so tests can assert on them. */
export function capturingLogger(): StructuredLogger & {
  records: { level: string; message: string; fields: unknown }[];
} {
  const records: { level: string; message: string; fields: unknown }[] = [];
  const at = (level: string) => (message: string, fields?: unknown) => records.push({ level, message, fields });
  return { records, info: at('info'), warn: at('warn'), error: at('error') };
}

/** The real ECS adapter, counting setDesired calls. */
export function countingCapacity(
  inner: ServiceCapacity,
): ServiceCapacity & { updates: { service: ServiceRef; count: number }[] } {
  const updates: { service: ServiceRef; count: number }[] = [];
  return {
    updates,
    describe: (service) => inner.describe(service),
    describeMany: inner.describeMany?.bind(inner),
    setDesired: async (service, count) => {
      updates.push({ service, count });
      await inner.setDesired(service, count);
    },
  };
}

/** Tick dependencies wired to the real broker, moto (ECS, DynamoDB) and LocalStack (CloudWatch). */
export async function realDependencies(options: { namespace: string; brokers?: string }) {
  const ecs = new ECSClient(awsClientConfig(services().moto));
  const dynamodb = new DynamoDBClient(awsClientConfig(services().moto));
  const cloudwatch = new CloudWatchClient(awsClientConfig(services().localstack));
  const table = await createStateTable(dynamodb);
  const capacity = countingCapacity(new EcsServiceCapacity(ecs));
  const logger = capturingLogger();
  const reader = new KafkajsOffsetReader({
    connection: { brokers: [options.brokers ?? services().kafkaBrokers], connectionTimeoutMs: 1000 },
    clock: { now: () => Date.now() },
    readTimeoutMs: 10_000,
  });
  const deps: TickDependencies = {
    reader,
    capacity,
    store: new DynamoDbStateStore<TargetState>(dynamodb, { table, now: () => Date.now() }),
    metrics: new CloudWatchMetricsSink(cloudwatch, options.namespace),
    clock: { now: () => Date.now() },
    logger,
  };
  return { deps, ecs, dynamodb, cloudwatch, capacity, logger, reader, table };
}

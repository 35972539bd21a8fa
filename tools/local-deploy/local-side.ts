/**
 * What the local variant of the example app needs outside its stack, on the local services: the
 * ECS cluster, the department services and the state table in moto (LocalStack community has no
 * ECS and, offline, no DynamoDB), and a topic with a backlog so the first tick has lag to measure.
 * Each step is idempotent: a second deploy reuses what the first created.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { Kafka, logLevel } from 'kafkajs';
import { describeError } from '../../lambdas/domain/errors';

/** Names of the local variant's resources outside the stack. */
export interface LocalSide {
  readonly clusterName: string;
  readonly serviceNames: readonly string[];
  readonly stateTableName: string;
  readonly topic: string;
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const client = <T>(Client: new (config: object) => T, endpoint: string): T =>
  new Client({ endpoint, region: 'us-east-1', credentials });

/** The cluster and one service per department in moto, each at one task. */
export async function ensureServices(moto: string, side: LocalSide): Promise<void> {
  const ecs = client(ECSClient, moto);
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: side.clusterName }));
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: side.clusterName, services: [...side.serviceNames] }),
    );
    const active = new Set(
      (described.services ?? []).filter((s) => s.status === 'ACTIVE').map((s) => s.serviceName ?? ''),
    );
    for (const service of side.serviceNames.filter((name) => !active.has(name))) {
      const definition = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: `${service}-consumer`,
          containerDefinitions: [{ name: 'consumer', image: 'consumer:latest', memory: 512 }],
        }),
      );
      await ecs.send(
        new CreateServiceCommand({
          cluster: side.clusterName,
          serviceName: service,
          taskDefinition: definition.taskDefinition?.taskDefinitionArn,
          desiredCount: 1,
        }),
      );
      // moto runs no tasks; UpdateService makes it report the desired count as running.
      await ecs.send(new UpdateServiceCommand({ cluster: side.clusterName, service, desiredCount: 1 }));
    }
  } finally {
    ecs.destroy();
  }
}

/** The state table as the construct would create it: partition key `target` (S), on demand. */
export async function ensureStateTable(moto: string, side: LocalSide): Promise<void> {
  const dynamodb = client(DynamoDBClient, moto);
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: side.stateTableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: side.stateTableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'target', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'target', KeyType: 'HASH' }],
      }),
    );
  } finally {
    dynamodb.destroy();
  }
}

/**
 * The topic (12 partitions) with `records` records, and each group committed at offset 0 where it
 * has no commit yet: a backlog the scaler measures (the groups have no members: moto runs no tasks).
 */
export async function seedBacklog(brokers: string, side: LocalSide, records: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'lagscaler-deploy-local', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [{ topic: side.topic, numPartitions: 12 }],
      waitForLeaders: true,
    });
    if (created) {
      const producer = kafka.producer();
      await producer.connect();
      const messages = Array.from({ length: records }, (_, i) => ({ key: `patient-${i}`, value: `checkout ${i}` }));
      await producer.send({ topic: side.topic, messages });
      await producer.disconnect();
    }
    const partitions = (await admin.fetchTopicOffsets(side.topic)).map((p) => ({
      partition: p.partition,
      offset: '0',
    }));
    for (const groupId of side.serviceNames) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [side.topic] });
      if ((committed?.partitions ?? []).some((p) => p.offset !== '-1')) continue;
      await admin.setOffsets({ groupId, topic: side.topic, partitions });
    }
    return (await admin.fetchTopicOffsets(side.topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Desired and running count of each service, as the deployed function left them. */
export async function serviceCounts(moto: string, side: LocalSide): Promise<Record<string, string>> {
  const ecs = client(ECSClient, moto);
  try {
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: side.clusterName, services: [...side.serviceNames] }),
    );
    return Object.fromEntries(
      (described.services ?? []).map((s) => [
        s.serviceName ?? '?',
        `desired ${s.desiredCount}, running ${s.runningCount}`,
      ]),
    );
  } finally {
    ecs.destroy();
  }
}

/**
 * Removes what ensureServices and ensureStateTable created (the topic stays: the broker is scratch);
 * returns what could not be removed, with the reason.
 */
export async function removeLocalSide(moto: string, side: LocalSide): Promise<string[]> {
  const ecs = client(ECSClient, moto);
  const dynamodb = client(DynamoDBClient, moto);
  const failures: string[] = [];
  const attempt = async (what: string, action: () => Promise<unknown>): Promise<void> => {
    await action().catch((error: unknown) => failures.push(`${what}: ${describeError(error)}`));
  };
  try {
    for (const service of side.serviceNames) {
      await attempt(`service ${service}`, () =>
        ecs.send(new DeleteServiceCommand({ cluster: side.clusterName, service, force: true })),
      );
    }
    await attempt(`cluster ${side.clusterName}`, () =>
      ecs.send(new DeleteClusterCommand({ cluster: side.clusterName })),
    );
    await attempt(`table ${side.stateTableName}`, () =>
      dynamodb.send(new DeleteTableCommand({ TableName: side.stateTableName })),
    );
    return failures;
  } finally {
    ecs.destroy();
    dynamodb.destroy();
  }
}

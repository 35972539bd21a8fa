/**
 * bench:tick's fleet on the local services: consumer groups on the real broker (committed offsets on
 * topics of N partitions), one ECS service per group in moto (running what they ask), the state table
 * in moto. Arranged once for the largest size; a smaller size uses the first targets.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Kafka } from 'kafkajs';
import pLimit from 'p-limit';
import { closeCommitter, commit } from '../test/support/kafka';
import { createStateTable } from '../test/support/scaler';
import { createBenchTopics, retriedKafka } from './support';

export interface FleetOptions {
  readonly prefix: string;
  readonly targets: number;
  readonly partitions: number;
  /** Consumer groups per topic (topics = targets / this). */
  readonly groupsPerTopic: number;
  /** ECS services per ECS cluster. */
  readonly servicesPerCluster: number;
  /** Logical Kafka clusters the targets alternate between (all on the one local broker). */
  readonly kafkaClusters: number;
}

export interface FleetTarget {
  readonly group: string;
  readonly topic: string;
  readonly kafkaCluster: string;
  readonly service: { readonly cluster: string; readonly service: string };
}

export interface Fleet {
  readonly targets: readonly FleetTarget[];
  readonly topics: readonly string[];
  readonly stateTable: string;
}

const say = (text: string) => process.stdout.write(`${text}\n`);

/** Topics (created and filled), committed groups, ECS services and the state table for `options.targets` targets. */
export async function arrangeFleet(
  kafka: Kafka,
  aws: { ecs: ECSClient; dynamodb: DynamoDBClient },
  options: FleetOptions,
): Promise<Fleet> {
  const targets: FleetTarget[] = Array.from({ length: options.targets }, (_, i) => ({
    group: `${options.prefix}-group-${i}`,
    topic: `${options.prefix}-topic-${Math.floor(i / options.groupsPerTopic)}`,
    kafkaCluster: `kafka-${i % options.kafkaClusters}`,
    service: {
      cluster: `${options.prefix}-ecs-${Math.floor(i / options.servicesPerCluster)}`,
      service: `consumer-${i}`,
    },
  }));
  const topics = [...new Set(targets.map((t) => t.topic))];
  await createTopics(kafka, topics, options.partitions);
  await commitGroups(kafka, targets, options.partitions);
  await createServices(aws.ecs, targets, options.prefix);
  const stateTable = await createStateTable(aws.dynamodb);
  return { targets, topics, stateTable };
}

async function createTopics(kafka: Kafka, topics: readonly string[], partitions: number): Promise<void> {
  say(`  ${topics.length} topics of ${partitions} partitions, 100 records per partition...`);
  const admin = kafka.admin();
  await admin.connect();
  await createBenchTopics(admin, topics, partitions);
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < topics.length; i += 20) {
    await retriedKafka(() =>
      producer.sendBatch({
        topicMessages: topics.slice(i, i + 20).map((topic) => ({
          topic,
          messages: Array.from({ length: partitions * 100 }, (_, m) => ({ partition: m % partitions, value: `c${m}` })),
        })),
      }),
    );
  }
  await producer.disconnect();
}

async function commitGroups(kafka: Kafka, targets: readonly FleetTarget[], partitions: number): Promise<void> {
  say(`  ${targets.length} consumer groups with committed offsets...`);
  const limit = pLimit(16);
  await Promise.all(
    targets.map((t, i) =>
      limit(() =>
        commit(
          kafka,
          t.group,
          t.topic,
          Object.fromEntries(Array.from({ length: partitions }, (_, p) => [p, (i * 7 + p) % 100])),
        ),
      ),
    ),
  );
  await closeCommitter(kafka);
}

/** One ECS service per target, running 2 tasks (moto runs what an UpdateService asks at once). */
async function createServices(ecs: ECSClient, targets: readonly FleetTarget[], prefix: string): Promise<void> {
  say(`  ${targets.length} ECS services in moto...`);
  for (const cluster of new Set(targets.map((t) => t.service.cluster))) {
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  }
  const definition = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: `${prefix}-consumer`,
      containerDefinitions: [{ name: 'consumer', image: 'consumer:latest', memory: 512 }],
    }),
  );
  const taskDefinition = definition.taskDefinition?.taskDefinitionArn;
  const limit = pLimit(16);
  await Promise.all(
    targets.map(({ service }) =>
      limit(async () => {
        await ecs.send(
          new CreateServiceCommand({
            cluster: service.cluster,
            serviceName: service.service,
            taskDefinition,
            desiredCount: 2,
          }),
        );
        await ecs.send(
          new UpdateServiceCommand({ cluster: service.cluster, service: service.service, desiredCount: 2 }),
        );
      }),
    ),
  );
}

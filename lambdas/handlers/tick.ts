/**
 * The scheduled Lambda: composition root only. Configuration is read once at cold start (inline, or
 * the S3 object the construct deploys: a bad one fails the init with every problem named); clients
 * are created here and injected. A scheduled event runs every target; a state machine's shard event
 * (`{ shard: {...} }`) runs that shard's targets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { awsRetryOptions } from '../adapters/aws/client-options';
import { CloudWatchMetricsSink } from '../adapters/aws/cloudwatch-metrics-sink';
import { loadScalerConfig } from '../adapters/aws/config-source';
import { DynamoDbStateStore } from '../adapters/aws/dynamodb-state-store';
import { EcsServiceCapacity } from '../adapters/aws/ecs-service-capacity';
import { resolveKafkaConnection } from '../adapters/aws/kafka-credentials';
import { ClusterReaders } from '../adapters/kafka/cluster-readers';
import { KafkaConfigError } from '../adapters/kafka/errors';
import { KafkajsOffsetReader } from '../adapters/kafka/kafkajs-offset-reader';
import { runPolls } from '../application/polls';
import { runShard, type ShardSummary } from '../application/shard-run';
import type { TargetState } from '../application/target-state';
import type { TickReport } from '../application/tick';
import { DEFAULT_KAFKA_CLUSTER, kafkaClustersOf } from '../domain/config/scaler-config';
import { shardOfEvent } from '../domain/config/shards';
import { systemClock } from '../ports/clock';
import type { StructuredLogger } from '../ports/logger';
import { readEnvironment } from './environment';
import { describeError } from '#domain/errors';

const env = readEnvironment(process.env);
const config = await loadScalerConfig(env.config, { s3: () => new S3Client({ ...awsRetryOptions }) });
const logger = new Logger({ serviceName: 'kafka-lag-autoscaler', logLevel: env.logLevel });
const ecs = new ECSClient({ ...awsRetryOptions });
const cloudwatch = new CloudWatchClient({ ...awsRetryOptions });
const dynamodb = new DynamoDBClient({ ...awsRetryOptions });
const secrets = new SecretsManagerClient({ ...awsRetryOptions });
const capacity = new EcsServiceCapacity(ecs);
const metrics = new CloudWatchMetricsSink(cloudwatch, config.metricsNamespace);
const store = new DynamoDbStateStore<TargetState>(dynamodb, { table: env.stateTable, now: () => systemClock.now() });

const structured: StructuredLogger = {
  info: (message, fields) => logger.info(message, { ...fields }),
  warn: (message, fields) => logger.warn(message, { ...fields }),
  error: (message, fields) => logger.error(message, { ...fields }),
};

// One reader per Kafka cluster, kept across warm invocations: connections to the brokers are the
// expensive part of a tick. A cluster whose connection cannot be set up is tried again next tick;
// meanwhile its targets hold.
const clusters = kafkaClustersOf(config);
const reader = new ClusterReaders({
  clusters: [...clusters.keys()],
  defaultCluster: DEFAULT_KAFKA_CLUSTER,
  create: async (cluster) => {
    try {
      const kafka = clusters.get(cluster);
      if (kafka === undefined) throw new KafkaConfigError(`no Kafka cluster '${cluster}' is configured`);
      const connection = await resolveKafkaConnection(kafka, { secrets, region: env.region });
      return new KafkajsOffsetReader({ connection, clock: systemClock, readTimeoutMs: 20_000 });
    } catch (error) {
      logger.error('cannot set up the Kafka connection', { cluster, error: describeError(error) });
      throw error;
    }
  },
});

async function tick(
  event: unknown,
  context: { getRemainingTimeInMillis(): number },
): Promise<readonly TickReport[] | ShardSummary> {
  const shard = shardOfEvent(event);
  const deps = { reader, capacity, store, metrics, clock: systemClock, logger: structured };
  const options = { remainingMs: () => context.getRemainingTimeInMillis() };
  return shard === undefined ? await runPolls(config, deps, options) : await runShard(config, shard, deps, options);
}

export const handler = middy(tick).use(injectLambdaContext(logger, { resetKeys: true }));

/**
 * The scheduled Lambda: composition root only. Configuration is read once at cold start (inline, or
 * the S3 object the construct deploys: a bad one fails the init with every problem named); clients
 * are created here and injected. A scheduled event runs every target; a state machine's shard event
 * (`{ shard: {...} }`) runs that shard's targets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { ApplicationAutoScalingScalers } from '../adapters/aws/application-auto-scaling';
import { awsClientOptions } from '../adapters/aws/client-options';
import { CloudWatchMetricsSink } from '../adapters/aws/cloudwatch-metrics-sink';
import { loadScalerConfig } from '../adapters/aws/config-source';
import { DynamoDbStateStore } from '../adapters/aws/dynamodb-state-store';
import { EcsServiceCapacity } from '../adapters/aws/ecs-service-capacity';
import { resolveKafkaConnection } from '../adapters/aws/kafka-credentials';
import { ClusterReaders } from '../adapters/kafka/cluster-readers';
import { KafkaConfigError } from '../adapters/kafka/errors';
import { KafkajsOffsetReader } from '../adapters/kafka/kafkajs-offset-reader';
import { RenewingOffsetReader } from '../adapters/kafka/renewing-offset-reader';
import { runPolls } from '../application/polls';
import { runShard, type ShardSummary } from '../application/shard-run';
import type { TickReport } from '../application/tick';
import { DEFAULT_KAFKA_CLUSTER, kafkaClustersOf } from '../domain/config/scaler-config';
import { shardOfEvent } from '../domain/config/shards';
import { systemClock } from '../ports/clock';
import type { StructuredLogger } from '../ports/logger';
import { readEnvironment } from './environment';
import { describeError } from '#domain/errors';

const env = readEnvironment(process.env);
const config = await loadScalerConfig(env.config, { s3: () => new S3Client({ ...awsClientOptions() }) });
const logger = new Logger({ serviceName: 'kafka-lag-autoscaler', logLevel: env.logLevel });
// Every client has request timeouts: a hung AWS call is a retriable error, not a tick ended by the Lambda timeout.
const ecs = new ECSClient({ ...awsClientOptions() });
const cloudwatch = new CloudWatchClient({ ...awsClientOptions() });
const dynamodb = new DynamoDBClient({ ...awsClientOptions() });
const secrets = new SecretsManagerClient({ ...awsClientOptions() });
const autoscaling = new ApplicationAutoScalingClient({ ...awsClientOptions() });
const capacity = new EcsServiceCapacity(ecs);
const metrics = new CloudWatchMetricsSink(cloudwatch, config.metricsNamespace);
const store = new DynamoDbStateStore<unknown>(dynamodb, { table: env.stateTable, now: () => systemClock.now() });
const externalScalers = new ApplicationAutoScalingScalers(autoscaling);

const structured: StructuredLogger = {
  info: (message, fields) => logger.info(message, { ...fields }),
  warn: (message, fields) => logger.warn(message, { ...fields }),
  error: (message, fields) => logger.error(message, { ...fields }),
};

// One reader per Kafka cluster, kept across warm invocations: connections to the brokers are the
// expensive part of a tick. A cluster whose connection cannot be set up fails its read (its targets
// hold and say why) and is set up again on the next tick; one whose credentials Kafka rejects (a
// rotation) is built again from the secret.
const clusters = kafkaClustersOf(config);
const reader = new ClusterReaders({
  clusters: [...clusters.keys()],
  defaultCluster: DEFAULT_KAFKA_CLUSTER,
  create: async (cluster) => {
    const kafka = clusters.get(cluster);
    if (kafka === undefined) throw new KafkaConfigError(`no Kafka cluster '${cluster}' is configured`);
    return new RenewingOffsetReader(
      async () => {
        try {
          const connection = await resolveKafkaConnection(kafka, { secrets, region: env.region });
          return new KafkajsOffsetReader({ connection, clock: systemClock, readTimeoutMs: 20_000 });
        } catch (error) {
          logger.error('cannot set up the Kafka connection', { cluster, error: describeError(error) });
          throw error;
        }
      },
      (reason) =>
        logger.warn('Kafka rejected the credentials; reading them again and reconnecting', { cluster, reason }),
    );
  },
});

async function tick(
  event: unknown,
  context: { getRemainingTimeInMillis(): number },
): Promise<readonly TickReport[] | ShardSummary> {
  const shard = shardOfEvent(event);
  const deadline = () => systemClock.now() + context.getRemainingTimeInMillis();
  const deps = { reader, capacity, store, metrics, clock: systemClock, logger: structured, externalScalers, deadline };
  const options = { remainingMs: () => context.getRemainingTimeInMillis() };
  return shard === undefined ? await runPolls(config, deps, options) : await runShard(config, shard, deps, options);
}

export const handler = middy(tick).use(injectLambdaContext(logger, { resetKeys: true }));

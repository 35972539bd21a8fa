/**
 * The scheduled Lambda: composition root only. Configuration is parsed once at cold start (a bad
 * LAGSCALER_CONFIG fails the init with every problem named); clients are created here and injected.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { ApplicationAutoScalingScalers } from '../adapters/aws/application-auto-scaling';
import { awsClientOptions } from '../adapters/aws/client-options';
import { CloudWatchMetricsSink } from '../adapters/aws/cloudwatch-metrics-sink';
import { DynamoDbStateStore } from '../adapters/aws/dynamodb-state-store';
import { EcsServiceCapacity } from '../adapters/aws/ecs-service-capacity';
import { resolveKafkaConnection } from '../adapters/aws/kafka-credentials';
import { KafkajsOffsetReader } from '../adapters/kafka/kafkajs-offset-reader';
import { RenewingOffsetReader } from '../adapters/kafka/renewing-offset-reader';
import { runPolls } from '../application/polls';
import type { TickReport } from '../application/tick';
import { parseScalerConfigJson } from '../domain/config/scaler-config';
import { systemClock } from '../ports/clock';
import type { StructuredLogger } from '../ports/logger';
import { readEnvironment } from './environment';

const env = readEnvironment(process.env);
const config = parseScalerConfigJson(env.configJson, 'LAGSCALER_CONFIG');
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

/**
 * Kept across warm invocations (connections to the brokers are the expensive part of a tick), and
 * built again from the secret when Kafka rejects the credentials (a rotation). A reader that cannot
 * be built fails the tick's read, so every target holds and says why; the next tick tries again.
 */
const reader = new RenewingOffsetReader(
  async () => {
    const connection = await resolveKafkaConnection(config.kafka, { secrets, region: env.region });
    return new KafkajsOffsetReader({ connection, clock: systemClock, readTimeoutMs: 20_000 });
  },
  (reason) => logger.warn('Kafka rejected the credentials; reading them again and reconnecting', { reason }),
);

async function tick(_event: unknown, context: { getRemainingTimeInMillis(): number }): Promise<readonly TickReport[]> {
  const deadline = () => systemClock.now() + context.getRemainingTimeInMillis();
  const deps = { reader, capacity, store, metrics, clock: systemClock, logger: structured, externalScalers, deadline };
  return await runPolls(config, deps, { remainingMs: () => context.getRemainingTimeInMillis() });
}

export const handler = middy(tick).use(injectLambdaContext(logger, { resetKeys: true }));

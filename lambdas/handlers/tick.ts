/**
 * The scheduled Lambda: composition root only. Configuration is parsed once at cold start (a bad
 * LAGSCALER_CONFIG fails the init with every problem named); clients are created here and injected.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { awsRetryOptions } from '../adapters/aws/client-options';
import { CloudWatchMetricsSink } from '../adapters/aws/cloudwatch-metrics-sink';
import { DynamoDbStateStore } from '../adapters/aws/dynamodb-state-store';
import { EcsServiceCapacity } from '../adapters/aws/ecs-service-capacity';
import { resolveKafkaConnection } from '../adapters/aws/kafka-credentials';
import { KafkajsOffsetReader } from '../adapters/kafka/kafkajs-offset-reader';
import { runPolls } from '../application/polls';
import type { TargetState } from '../application/target-state';
import type { TickReport } from '../application/tick';
import { parseScalerConfigJson } from '../domain/config/scaler-config';
import { systemClock } from '../ports/clock';
import type { StructuredLogger } from '../ports/logger';
import type { OffsetReader } from '../ports/offset-reader';
import { readEnvironment } from './environment';
import { asError, describeError } from '#domain/errors';

const env = readEnvironment(process.env);
const config = parseScalerConfigJson(env.configJson, 'LAGSCALER_CONFIG');
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

// Kept across warm invocations: connections to the brokers are the expensive part of a tick.
let reader: OffsetReader | undefined;

/** A reader that reports why Kafka cannot be read, so the tick still runs and holds every target. */
const failingReader = (error: unknown): OffsetReader => ({
  read: () => Promise.reject(asError(error)),
  listGroups: () => Promise.reject(asError(error)),
  close: () => Promise.resolve(),
});

async function offsetReader(): Promise<OffsetReader> {
  if (reader) return reader;
  try {
    const connection = await resolveKafkaConnection(config.kafka, { secrets, region: env.region });
    reader = new KafkajsOffsetReader({ connection, clock: systemClock, readTimeoutMs: 20_000 });
    return reader;
  } catch (error) {
    logger.error('cannot set up the Kafka connection', {
      error: describeError(error),
    });
    return failingReader(error);
  }
}

async function tick(_event: unknown, context: { getRemainingTimeInMillis(): number }): Promise<readonly TickReport[]> {
  const deps = { reader: await offsetReader(), capacity, store, metrics, clock: systemClock, logger: structured };
  return await runPolls(config, deps, { remainingMs: () => context.getRemainingTimeInMillis() });
}

export const handler = middy(tick).use(injectLambdaContext(logger, { resetKeys: true }));

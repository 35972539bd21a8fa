/**
 * Entry point of the consumer image: `tsx consumer/main.ts [flags]` (flags override environment
 * variables; see consumer/README.md). Exit codes: 0 clean shutdown, 1 failure or shutdown timeout,
 * 2 invalid configuration.
 */
import { hostname } from 'node:os';
import { Logger } from '@aws-lambda-powertools/logger';
import { CommanderError } from 'commander';
import { ConfigError, configFromCommandLine, type ConsumerConfig } from './config';
import { KafkajsGroupConsumer, KafkajsTransactionalProducer, createKafka } from './kafka';
import { ProcessedLog, departmentStep } from './processing';
import { ConsumerService, type ServiceLog } from './service';

function readConfig(): ConsumerConfig {
  try {
    return configFromCommandLine(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exit(0); // --help
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = new Logger({
    serviceName: 'lag-consumer',
    logLevel: config.logLevel,
    persistentKeys: { group: config.group, topic: config.topic, strategy: config.strategy, pid: process.pid },
  });
  const log: ServiceLog = {
    debug: (message, attributes = {}) => logger.debug(message, { ...attributes }),
    info: (message, attributes = {}) => logger.info(message, { ...attributes }),
    warn: (message, attributes = {}) => logger.warn(message, { ...attributes }),
    error: (message, attributes = {}) => logger.error(message, { ...attributes }),
  };
  const kafka = createKafka({
    brokers: config.brokers,
    clientId: config.clientId,
    log: (level, message, detail) => log[level](message, detail),
  });
  const consumer = new KafkajsGroupConsumer(kafka, {
    group: config.group,
    topic: config.topic,
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
  });
  const producer =
    config.strategy === 'transactional'
      ? new KafkajsTransactionalProducer(kafka, {
          // A task-specific id; a stable one (per slot) lets a restarted task fence its predecessor at once.
          transactionalId: config.transactionalId ?? `${config.group}-${hostname()}-${process.pid}`,
          transactionTimeoutMs: config.transactionTimeoutMs,
        })
      : undefined;
  const service = new ConsumerService({
    config,
    consumer,
    producer,
    step: departmentStep(config.department, config.processingTimeMs),
    log,
    processedLog: config.processedIdsFile === undefined ? undefined : new ProcessedLog(config.processedIdsFile),
    onFatal: () => {
      void service.shutdown('consumer failed').finally(() => process.exit(1));
    },
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    void service.shutdown(signal).then((outcome) => process.exit(outcome === 'clean' ? 0 : 1));
  };
  // ECS sends SIGTERM on scale-in and deployments, then SIGKILL after its stopTimeout.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  try {
    await service.start();
  } catch (error) {
    log.error('consumer failed to start', { error: error instanceof Error ? error.message : String(error) });
    await service.shutdown('start failed').catch(() => undefined);
    process.exit(1);
  }
}

await main();

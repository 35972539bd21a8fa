/**
 * The composition root: configuration, logger, Kafka adapters and the service, wired to the
 * shutdown signals the entry point caught. Resolves the process exit code.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CommanderError } from 'commander';
import { ConfigError, configFromCommandLine, type ConsumerConfig } from './config';
import { describeError } from './errors';
import { KafkajsGroupConsumer, createKafka, kafkajsProducerFactory } from './kafka';
import { PartitionProducers } from './partition-producers';
import { ProcessedLog, departmentStep } from './processing';
import { ConsumerService, type ServiceLog } from './service';
import type { SignalLatch } from './signals';

type Environment = Readonly<Record<string, string | undefined>>;

/** The configuration, or the exit code when there is none to run (2 when invalid, 0 after --help). */
function readConfig(argv: readonly string[], env: Environment): ConsumerConfig | number {
  try {
    return configFromCommandLine(argv, env);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function createLog(config: ConsumerConfig): ServiceLog {
  const logger = new Logger({
    serviceName: 'lag-consumer',
    logLevel: config.logLevel,
    persistentKeys: { group: config.group, topic: config.topic, strategy: config.strategy, pid: process.pid },
  });
  return {
    debug: (message, attributes = {}) => logger.debug(message, { ...attributes }),
    info: (message, attributes = {}) => logger.info(message, { ...attributes }),
    warn: (message, attributes = {}) => logger.warn(message, { ...attributes }),
    error: (message, attributes = {}) => logger.error(message, { ...attributes }),
  };
}

function createService(config: ConsumerConfig, log: ServiceLog, onFatal: () => void): ConsumerService {
  const kafka = createKafka({
    brokers: config.brokers,
    clientId: config.clientId,
    log: (level, message, detail) => log[level](message, detail),
  });
  const producers =
    config.strategy === 'transactional'
      ? new PartitionProducers({
          create: kafkajsProducerFactory(kafka, { transactionTimeoutMs: config.transactionTimeoutMs }),
          transactionalIdPrefix: config.transactionalIdPrefix,
          warn: (message, detail) => log.warn(message, detail),
        })
      : undefined;
  return new ConsumerService({
    config,
    consumer: new KafkajsGroupConsumer(kafka, {
      group: config.group,
      topic: config.topic,
      sessionTimeoutMs: config.sessionTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
    }),
    producers,
    step: departmentStep(config.department, config.processingTimeMs),
    log,
    processedLog: config.processedIdsFile === undefined ? undefined : new ProcessedLog(config.processedIdsFile),
    onFatal,
  });
}

/**
 * Runs the consumer until a shutdown signal or a fatal error; resolves the exit code. A signal
 * that arrived before this was called (while the modules loaded) stops it before it connects.
 */
export async function runConsumer(signals: SignalLatch, argv: readonly string[], env: Environment): Promise<number> {
  const config = readConfig(argv, env);
  if (typeof config === 'number') return config;
  const log = createLog(config);
  signals.onRepeat((signal) => log.warn('already shutting down; signal ignored', { signal }));
  if (signals.received !== undefined) {
    log.info('consumer stopped before it connected', { reason: signals.received, phase: 'loading' });
    return 0;
  }
  let exit: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => (exit = resolve));
  const stop = (reason: string, failed: boolean): void => {
    void service.shutdown(reason).then((outcome) => exit(outcome === 'clean' && !failed ? 0 : 1));
  };
  const service = createService(config, log, () => stop('consumer failed', true));
  // ECS sends SIGTERM on scale-in and deployments, then SIGKILL after its stopTimeout.
  signals.onShutdown((signal) => stop(signal, false));
  try {
    await service.start();
  } catch (error) {
    log.error('consumer failed to start', { error: describeError(error) });
    stop('start failed', true);
  }
  return await exitCode;
}

/**
 * The broker of the consumer benchmarks (bench:consumer, bench:chaos): the one named by `--brokers`
 * or KAFKA_BROKERS if it answers, else one started for the run with the dev-services tool (and
 * stopped after it). A broker that is named but down is reported in one line with the command
 * that starts one, never as a client stack trace.
 */
import { Kafka, logLevel } from 'kafkajs';
import { describeError } from '../../../consumer/errors';
import { ProjectError } from '../../../lambdas/domain/errors';
import { down, up } from '../../../tools/services/manager';

/** A benchmark cannot run; the message says why and what to do. */
export class BenchSetupError extends ProjectError {
  override name = 'BenchSetupError';
}

async function reachable(brokers: string): Promise<void> {
  const admin = new Kafka({
    brokers: brokers.split(','),
    clientId: 'bench-probe',
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (error) {
    throw new BenchSetupError(
      `no Kafka broker answers at ${brokers} (${describeError(error)}). Start one with ` +
        '`npm run services:up -- kafka` (then KAFKA_BROKERS=<its endpoint>), or leave out --brokers and ' +
        'KAFKA_BROKERS so that the benchmark starts one itself.',
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Runs `action` with a reachable broker, starting (and afterwards stopping) one if none was named. */
export async function withBenchBroker<T>(
  named: string | undefined,
  action: (brokers: string) => Promise<T>,
): Promise<T> {
  const given = named ?? process.env.KAFKA_BROKERS;
  if (given !== undefined && given !== '') {
    await reachable(given);
    return await action(given);
  }
  const { services, started } = await up(['kafka']);
  try {
    const endpoint = services.kafka?.endpoint;
    if (endpoint === undefined) throw new BenchSetupError('the services tool started no Kafka broker');
    return await action(endpoint);
  } finally {
    if (started.length > 0) await down(started);
  }
}

/** For a benchmark's top level: runs `main`, and turns a setup failure into one line on stderr and exit code 1. */
export async function runBench(main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    if (!(error instanceof BenchSetupError) && (error as { name?: unknown }).name !== 'ServiceError') throw error;
    process.stderr.write(`${describeError(error)}\n`);
    process.exitCode = 1;
  }
}

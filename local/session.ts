/**
 * The composition of a local run, shared by `npm start` (bin/start.ts) and `lagscaler run`: the
 * same tick use case as the Lambda, with local adapters (consumer processes or observed groups,
 * state files, recorded metrics), an optional producer with a load profile, the live view, and on
 * the way out every process stopped and the report written.
 */
import { join, resolve } from 'node:path';
import type { KafkaConnectionConfig } from '#adapters/kafka/connection';
import type { ScalerConfig } from '#domain/config/scaler-config';
import { describeError } from '#domain/errors';
import type { ServiceCapacity } from '#ports/service-capacity';
import { LoadProducer, ensureTopic, startGroupsAtEnd } from './adapters/load-producer';
import { ObservedServiceCapacity } from './adapters/observed-service-capacity';
import { ProcessServiceCapacity } from './adapters/process-service-capacity';
import { consumerServices, consumerStopTimeoutMs, type LocalConsumers } from './consumer-processes';
import { rateAt, type LoadProfile } from './load-profile';
import type { Reaction } from './reaction';
import type { TargetSample } from './samples';
import { finishRun } from './session-finish';
import { openRun, type SessionRun } from './session-run';
import { tickUntilStopped } from './session-ticks';

export type { LocalConsumerGroup, LocalConsumers } from './consumer-processes';

/** The repository root (consumer/ is run from there). */
export const repoRoot = resolve(import.meta.dirname, '..');

export interface SessionOptions {
  readonly title: string;
  readonly connection: KafkaConnectionConfig;
  /** Targets and policies; each target's service.service names its local service. */
  readonly config: ScalerConfig;
  readonly topic: string;
  /** Start consumer processes per target (by service name); absent: observe the groups only. */
  readonly consumers?: LocalConsumers;
  /** Produce load on `topic` (created with `partitions` if missing). */
  readonly load?: { readonly partitions: number; readonly profile: LoadProfile };
  /** Move the groups' offsets to the end of the topic first (the demo starts without old backlog). */
  readonly startAtEnd: boolean;
  readonly intervalSeconds: number;
  /** Stop after this long; undefined runs until the signal. */
  readonly durationSeconds: number | undefined;
  readonly lagTargetSeconds: number;
  readonly reportDirectory: string;
  /** Logs, state files and consumer output of this run go below it. */
  readonly workDirectory: string;
  readonly output: { readonly write: (text: string) => void; readonly isTTY: boolean };
  readonly signal: AbortSignal;
  readonly settings: Readonly<Record<string, string>>;
  /** Called with the capacity once processes may exist, so a signal handler can kill them at exit. */
  readonly onProcesses?: (capacity: ProcessServiceCapacity) => void;
}

export interface SessionResult {
  readonly reportPath: string | undefined;
  readonly reactions: readonly Reaction[];
  readonly samples: readonly TargetSample[];
  /** Every consumer process the run started. */
  readonly pids: readonly number[];
  readonly ticks: number;
  readonly partitions: number | undefined;
}

/**
 * Runs the session to its end (duration or signal) and always cleans up; see {@link SessionOptions}.
 * The steps share one {@link SessionRun}: what each sets, the later ones and the finish use.
 */
export async function runSession(options: SessionOptions): Promise<SessionResult> {
  const run = openRun(options);
  try {
    await checkBroker(run);
    await prepareTopicAndGroups(run);
    const capacity = createCapacity(run);
    if (options.signal.aborted) return await finishRun(run);
    await startProcessesAndLoad(run);
    await tickUntilStopped(run, capacity);
    return await finishRun(run);
  } catch (error) {
    await finishRun(run).catch(() => undefined);
    throw error;
  }
}

/** Fails at once, with a hint, when the broker cannot be reached. */
async function checkBroker(run: SessionRun): Promise<void> {
  run.say(`[kafka] checking ${run.options.connection.brokers.join(',')}...`);
  try {
    await run.reader.listGroups();
  } catch (error) {
    throw new Error(`${describeError(error)} (is the broker running? for the embedded one: npm run services:up)`, {
      cause: error,
    });
  }
}

/** With load: the topic has its partitions. Unless told to keep them: the groups start at its end. */
async function prepareTopicAndGroups(run: SessionRun): Promise<void> {
  const { options, say } = run;
  const { connection, topic, signal } = options;
  if (options.load && !signal.aborted) {
    say(`[kafka] topic ${topic}: ensuring ${options.load.partitions} partitions...`);
    run.partitions = await ensureTopic(connection, topic, options.load.partitions);
  }
  if (options.startAtEnd && !signal.aborted) {
    const groups = options.config.targets.map((t) => t.group);
    say(`[kafka] moving ${groups.join(', ')} to the end of ${topic}...`);
    const problems = await startGroupsAtEnd(connection, topic, groups);
    for (const p of problems) say(`[kafka] warning: could not move ${p.group} to the end: ${p.problem}`);
  }
}

/**
 * The run's stand-in for ECS: consumer processes (created here, started with the load), or without
 * consumers the groups as they are (running = members).
 */
function createCapacity(run: SessionRun): ServiceCapacity {
  const { options } = run;
  if (!options.consumers) {
    const groupOfService = new Map(options.config.targets.map((t) => [t.service.service, t.group]));
    return new ObservedServiceCapacity(
      (service) => run.reader.lastSnapshot(groupOfService.get(service.service) ?? '')?.members.length,
    );
  }
  const processes = new ProcessServiceCapacity({
    services: consumerServices({
      config: options.config,
      brokers: options.connection.brokers,
      topic: options.topic,
      consumers: options.consumers,
    }),
    logDirectory: join(run.directory, 'consumers'),
    cwd: repoRoot,
    stopTimeoutMs: consumerStopTimeoutMs,
  });
  run.processes = processes;
  options.onProcesses?.(processes);
  return processes;
}

/** The run's clock starts: the consumer processes start, then the producer with the load profile. */
async function startProcessesAndLoad(run: SessionRun): Promise<void> {
  const { options } = run;
  run.startedAtMs = Date.now();
  run.processes?.start();
  if (!options.load) return;
  const profile = options.load.profile;
  const producer = new LoadProducer({
    connection: options.connection,
    topic: options.topic,
    rateAt: (elapsedMs) => rateAt(profile, elapsedMs),
    onError: (error) => run.logger.error('producing failed', { error: describeError(error) }),
  });
  run.producer = producer;
  await producer.start();
  run.loadStartedAtMs = Date.now();
}

/**
 * Ctrl-C / SIGTERM stop the run cleanly (the report is still written); a second one kills every
 * consumer process at once and exits. On any exit, surviving consumers are SIGKILLed.
 */
export function installSignalHandlers(controller: AbortController): (capacity: ProcessServiceCapacity) => void {
  let capacity: ProcessServiceCapacity | undefined;
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count += 1;
    if (count === 1) {
      process.stdout.write(`\n${name}: stopping (again to force)...\n`);
      controller.abort();
      return;
    }
    capacity?.killAllNow();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', () => capacity?.killAllNow());
  return (c) => (capacity = c);
}

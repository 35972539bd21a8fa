/**
 * The composition of a local run, shared by `npm start` (bin/start.ts) and `lagscaler run`: the
 * same tick use case as the Lambda, with local adapters (consumer processes or observed groups,
 * state files, recorded metrics), an optional producer with a load profile, the live view, and on
 * the way out every process stopped and the report written.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FileStateStore } from './adapters/file-state-store';
import { LoadProducer, ensureTopic, startGroupsAtEnd } from './adapters/load-producer';
import { ObservedServiceCapacity } from './adapters/observed-service-capacity';
import { ProcessServiceCapacity, type LocalServiceDefinition } from './adapters/process-service-capacity';
import { RecordingMetricsSink } from './adapters/recording-metrics-sink';
import { RecordingOffsetReader } from './adapters/recording-offset-reader';
import type { KafkaConnectionConfig } from '#adapters/kafka/connection';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import { burstOf, profileSeconds, rateAt, type LoadProfile } from './load-profile';
import { sampleTick, type TargetSample } from './samples';
import { runTickLoop } from '#application/polls';
import { formatReaction, measureReaction, type Reaction } from './reaction';
import type { TickDependencies } from '#application/tick';
import { targetId, type ScalerConfig } from '#domain/config/scaler-config';
import { systemClock } from '#ports/clock';
import type { StructuredLogger } from '#ports/logger';
import { redraw, renderFrame, renderLine, type ViewState } from './view';
import { writeRunReport } from './report';

/** The repository root (consumer/ is run from there). */
export const repoRoot = resolve(import.meta.dirname, '..');

/** One consumer service this run starts as local processes. */
export interface LocalConsumerGroup {
  /** consumer/'s department: selects the processing step. */
  readonly department: string;
  readonly group: string;
  /** Simulated work per record: bounds one process's throughput so scaling matters. */
  readonly processingTimeMs: number;
}

export interface SessionOptions {
  readonly title: string;
  readonly connection: KafkaConnectionConfig;
  /** Targets and policies; each target's service.service names its local service. */
  readonly config: ScalerConfig;
  readonly topic: string;
  /** Start consumer processes per target (by service name); absent: observe the groups only. */
  readonly consumers?: {
    readonly byService: ReadonlyMap<string, LocalConsumerGroup>;
    readonly initialTasks: number;
    /** The first this many process starts get an invalid flag and exit 2 (shows crash-on-start handling). */
    readonly faultyStarts: number;
  };
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

/** A logger that writes JSON lines to a file: the terminal belongs to the view. */
function fileLogger(file: string): StructuredLogger {
  const write =
    (level: string) =>
    (message: string, fields: Readonly<Record<string, unknown>> = {}) =>
      appendFileSync(
        file,
        `${JSON.stringify({ level, time: new Date().toISOString(), message, ...fields }, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
      );
  return { info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}

function phaseAt(profile: LoadProfile, elapsedMs: number): string {
  let end = 0;
  for (const phase of profile.phases) {
    end += phase.seconds * 1000;
    if (elapsedMs < end) return phase.name;
  }
  return 'done';
}

/** Runs the session to its end (duration or signal) and always cleans up; see {@link SessionOptions}. */
export async function runSession(options: SessionOptions): Promise<SessionResult> {
  const { config, output, signal } = options;
  const say = (line: string) => output.write(`${line}\n`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runDirectory = join(options.workDirectory, stamp);
  mkdirSync(runDirectory, { recursive: true });
  const logger = fileLogger(join(runDirectory, 'scaler.log'));
  const metricsFile = join(runDirectory, 'metrics.jsonl');
  const metrics = new RecordingMetricsSink((line) => appendFileSync(metricsFile, `${line}\n`));
  const reader = new RecordingOffsetReader(
    new KafkajsOffsetReader({ connection: options.connection, clock: systemClock, readTimeoutMs: 10_000 }),
  );
  const groupOfService = new Map(config.targets.map((t) => [t.service.service, t.group]));
  let processes: ProcessServiceCapacity | undefined;
  let producer: LoadProducer | undefined;
  let partitions: number | undefined;
  const samples: TargetSample[] = [];
  let ticks = 0;
  let startedAtMs = Date.now();
  let loadStartedAtMs: number | undefined;
  let viewTimer: NodeJS.Timeout | undefined;
  let lastKafkaError: string | undefined;

  try {
    say(`[kafka] checking ${options.connection.brokers.join(',')}...`);
    try {
      await reader.listGroups();
    } catch (error) {
      throw new Error(
        `${error instanceof Error ? error.message : String(error)} (is the broker running? for the embedded one: npm run services:up)`,
      );
    }
    if (options.load && !signal.aborted) {
      say(`[kafka] topic ${options.topic}: ensuring ${options.load.partitions} partitions...`);
      partitions = await ensureTopic(options.connection, options.topic, options.load.partitions);
    }
    if (options.startAtEnd && !signal.aborted) {
      say(`[kafka] moving ${config.targets.map((t) => t.group).join(', ')} to the end of ${options.topic}...`);
      const problems = await startGroupsAtEnd(
        options.connection,
        options.topic,
        config.targets.map((t) => t.group),
      );
      for (const p of problems) say(`[kafka] warning: could not move ${p.group} to the end: ${p.problem}`);
    }

    let capacity: TickDependencies['capacity'];
    if (options.consumers) {
      const consumers = options.consumers;
      let launches = 0;
      const definitions = config.targets.map((target): LocalServiceDefinition => {
        const spec = consumers.byService.get(target.service.service);
        if (!spec) throw new Error(`no consumer definition for service ${target.service.service}`);
        return {
          ref: target.service,
          initialDesired: consumers.initialTasks,
          launch: () => {
            const faulty = launches++ < consumers.faultyStarts;
            return {
              // Node 22 from node_modules (this process's own) with tsx as a loader: one process per task.
              command: process.execPath,
              args: [
                '--import',
                'tsx',
                'consumer/main.ts',
                '--brokers',
                options.connection.brokers.join(','),
                '--department',
                spec.department,
                '--group',
                spec.group,
                '--topic',
                options.topic,
                '--processing-time-ms',
                String(spec.processingTimeMs),
                '--progress-interval-ms',
                '1000',
                // A crashed task leaves the group within seconds, not the default 30 s.
                '--session-timeout-ms',
                '10000',
                '--heartbeat-interval-ms',
                '1000',
                '--shutdown-timeout-ms',
                '10000',
                ...(faulty ? ['--batch-size', '0'] : []),
              ],
            };
          },
        };
      });
      processes = new ProcessServiceCapacity({
        services: definitions,
        logDirectory: join(runDirectory, 'consumers'),
        cwd: repoRoot,
        stopTimeoutMs: 15_000,
      });
      options.onProcesses?.(processes);
      capacity = processes;
    } else {
      capacity = new ObservedServiceCapacity(
        (service) => reader.lastSnapshot(groupOfService.get(service.service) ?? '')?.members.length,
      );
    }

    if (signal.aborted) return await finish();
    startedAtMs = Date.now();
    processes?.start();
    if (options.load) {
      const profile = options.load.profile;
      producer = new LoadProducer({
        connection: options.connection,
        topic: options.topic,
        rateAt: (elapsedMs) => rateAt(profile, elapsedMs),
        onError: (error) => logger.error('producing failed', { error: error.message }),
      });
      await producer.start();
      loadStartedAtMs = Date.now();
    }

    const deps: TickDependencies = {
      reader,
      capacity,
      store: new FileStateStore(join(runDirectory, 'state')),
      metrics,
      clock: systemClock,
      logger,
    };
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const timer =
      options.durationSeconds === undefined ? undefined : setTimeout(onAbort, options.durationSeconds * 1000);
    const show = () => {
      const state = viewState();
      output.write(output.isTTY ? redraw(renderFrame(state, process.stdout.columns || 120)) : `${renderLine(state)}\n`);
    };
    const viewState = (): ViewState => {
      const latest = config.targets.flatMap((t) => {
        const id = targetId(t);
        const last = samples.findLast((s) => s.target === id);
        return last ? [last] : [];
      });
      const profile = options.load?.profile;
      const elapsed = Date.now() - (loadStartedAtMs ?? startedAtMs);
      return {
        title: options.title,
        nowMs: Date.now(),
        startedAtMs,
        durationSeconds: options.durationSeconds,
        load:
          profile && producer
            ? {
                phase: phaseAt(profile, elapsed),
                ratePerSecond: rateAt(profile, elapsed),
                produced: producer.produced(),
              }
            : undefined,
        tick: ticks,
        kafkaError: lastKafkaError,
        samples: latest,
        services: processes?.view() ?? [],
        serviceOf: (target) => config.targets.find((t) => targetId(t) === target)?.service.service,
        events: processes?.taskEvents() ?? [],
        dryRun: config.dryRun,
      };
    };
    // Between ticks the terminal still shows processes starting and stopping.
    if (output.isTTY) viewTimer = setInterval(show, 1000);
    try {
      await runTickLoop({
        config,
        deps,
        intervalMs: options.intervalSeconds * 1000,
        signal: stop.signal,
        onTick: (report) => {
          lastKafkaError = report.kafkaError;
          samples.push(...sampleTick(config, report, metrics.latestBatch(), (g) => reader.lastSnapshot(g)));
          ticks += 1;
          show();
        },
      });
    } finally {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    return await finish();
  } catch (error) {
    await finish().catch(() => undefined);
    throw error;
  }

  async function finish(): Promise<SessionResult> {
    if (viewTimer) clearInterval(viewTimer);
    viewTimer = undefined;
    const endedAtMs = Date.now();
    if (producer) {
      say('stopping the producer...');
      await producer.stop().catch((error: unknown) => say(`producer: ${String(error)}`));
      producer = undefined;
    }
    if (processes) {
      const live = processes.view().reduce((n, s) => n + s.tasks.length, 0);
      say(`stopping ${live} consumer process(es) (SIGTERM, then SIGKILL after 15 s)...`);
      await processes.stopAll();
    }
    await reader.close().catch(() => undefined);
    const burst = options.load ? burstOf(options.load.profile) : undefined;
    const burstStartMs =
      burst && loadStartedAtMs !== undefined ? loadStartedAtMs + burst.startSeconds * 1000 : undefined;
    const reactions =
      burstStartMs === undefined
        ? []
        : config.targets.map((t) =>
            measureReaction({
              samples: samples.filter((s) => s.target === targetId(t)),
              burstStartMs,
              lagTargetSeconds: options.lagTargetSeconds,
              criteria: {
                pollIntervalSeconds: options.intervalSeconds,
                drainTargetSeconds: t.policy.drainTargetSeconds,
              },
              taskReadyAtMs: processes
                ?.taskEvents()
                .filter((e) => e.kind === 'ready' && e.service === t.service.service)
                .map((e) => e.atMs),
            }),
          );
    // The raw samples stay with the run, so reactions can be recomputed with another target.
    writeFileSync(join(runDirectory, 'samples.json'), `${JSON.stringify(samples)}\n`);
    let reportPath: string | undefined;
    if (samples.length > 0) {
      const offset = (loadStartedAtMs ?? startedAtMs) - startedAtMs;
      reportPath = writeRunReport(options.reportDirectory, {
        title: options.title,
        startedAtMs,
        endedAtMs,
        samples,
        reactions,
        events: processes?.taskEvents() ?? [],
        burst: burst
          ? { startSeconds: burst.startSeconds + offset / 1000, endSeconds: burst.endSeconds + offset / 1000 }
          : undefined,
        lagTargetSeconds: options.lagTargetSeconds,
        settings: {
          ...options.settings,
          ...(options.load ? { 'profile length': `${profileSeconds(options.load.profile)} s` } : {}),
          'run directory (logs, state, metrics)': runDirectory,
        },
      });
    }
    say('');
    if (reactions.length > 0) {
      say(`reaction to the burst (lag target ${options.lagTargetSeconds} s of time lag):`);
      for (const reaction of reactions) say(`  ${formatReaction(reaction)}`);
    }
    say(reportPath ? `report: ${reportPath}` : 'no tick completed: no report written');
    say(`logs, state and metrics: ${runDirectory}`);
    return { reportPath, reactions, samples, pids: processes?.pids() ?? [], ticks, partitions };
  }
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

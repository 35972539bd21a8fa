import type { Server } from 'node:http';
import type { ConsumerConfig } from './config';
import { describeError, ShutdownError } from './errors';
import type { PartitionProducers } from './partition-producers';
import type { GroupConsumer, GroupEvents, InputRecord, PartitionOffset } from './ports';
import type { ProcessedLog, ProcessingResult, ProcessingStep } from './processing';
import { ProgressTracker, startHealthServer, type ProgressSnapshot } from './progress';
import { createStrategy, type CommitStrategy } from './strategies';

/** Structured log output (Powertools Logger satisfies it). */
export interface ServiceLog {
  debug(message: string, attributes?: Readonly<Record<string, unknown>>): void;
  info(message: string, attributes?: Readonly<Record<string, unknown>>): void;
  warn(message: string, attributes?: Readonly<Record<string, unknown>>): void;
  error(message: string, attributes?: Readonly<Record<string, unknown>>): void;
}

/** Everything the service is built from; the Kafka adapters are handed in. */
export interface ConsumerServiceDeps {
  readonly config: ConsumerConfig;
  readonly consumer: GroupConsumer;
  /** The per-partition transactional producers (transactional strategy only). */
  readonly producers: PartitionProducers | undefined;
  readonly step: ProcessingStep;
  readonly log: ServiceLog;
  readonly processedLog: ProcessedLog | undefined;
  /** Called when the client gave up (it will not restart itself): the process should exit non-zero. */
  readonly onFatal: (error: Error) => void;
  readonly now?: () => number;
}

/** How a shutdown ended. */
export type ShutdownOutcome = 'clean' | 'failed' | 'timed-out';

const describePositions = (offsets: readonly PartitionOffset[]): Record<string, string> =>
  Object.fromEntries(offsets.map(({ topic, partition, offset }) => [`${topic}:${partition}`, offset.toString()]));

/**
 * The consumer service: runs the group with the configured commit strategy, reports progress and
 * health, and shuts down gracefully (stop fetching, finish the record in flight, commit, leave).
 */
export class ConsumerService {
  private readonly tracker: ProgressTracker;
  private readonly strategy: CommitStrategy;
  private progressTimer: NodeJS.Timeout | undefined;
  private healthServer: Server | undefined;
  private starting: Promise<void> | undefined;
  private stopRequested = false;
  private shutdownPromise: Promise<void> | undefined;

  constructor(private readonly deps: ConsumerServiceDeps) {
    const { config, log } = deps;
    this.tracker = new ProgressTracker(deps.now ?? Date.now);
    this.strategy = createStrategy(
      config.strategy,
      {
        group: config.group,
        batchSize: config.batchSize,
        process: (record) => this.process(record),
        committed: (offsets) => this.tracker.committed(offsets),
        warn: (message, detail) => log.warn(message, detail),
      },
      { asyncMaxUncommitted: config.asyncMaxUncommitted, outputTopic: config.outputTopic, producers: deps.producers },
    );
  }

  /** The current progress (also served by the health endpoint). */
  progress(): ProgressSnapshot {
    return this.tracker.snapshot(false);
  }

  /**
   * Connects, joins the group and starts consuming; resolves once consumption has started, or
   * early when a shutdown was requested meanwhile (each step checks).
   */
  async start(): Promise<void> {
    this.starting ??= this.startSteps();
    await this.starting;
  }

  private async startSteps(): Promise<void> {
    const { config, log, consumer } = this.deps;
    if (config.strategy === 'unsafe-commit-before-process') {
      log.warn('UNSAFE strategy: offsets are committed before processing; a crash loses records (demo only)');
    }
    if (config.healthPort > 0 && !this.stopRequested) {
      this.healthServer = await startHealthServer(config.healthPort, () => this.tracker.snapshot(false));
      log.info('health endpoint listening', { url: `http://127.0.0.1:${config.healthPort}/health` });
    }
    if (config.progressIntervalMs > 0 && !this.stopRequested) {
      this.progressTimer = setInterval(() => this.logProgress('progress'), config.progressIntervalMs);
      this.progressTimer.unref();
    }
    if (this.stopRequested) return;
    await consumer.run(
      (batch) => this.strategy.handle(batch),
      { autoCommit: this.strategy.autoCommit, autoCommitIntervalMs: config.autoCommitIntervalMs },
      this.groupEvents(),
    );
    if (!this.stopRequested) this.logProgress('consumer started');
  }

  private groupEvents(): GroupEvents {
    const { log } = this.deps;
    return {
      onAssigned: (partitions) => {
        this.tracker.assigned(partitions);
        this.strategy.onAssigned(partitions);
        this.logProgress('partitions assigned');
      },
      onRebalancing: () => {
        this.tracker.rebalancing();
        this.logProgress('group rebalancing: processed offsets committed, rejoining');
      },
      onCommitted: (offsets) => {
        this.tracker.committed(offsets);
        log.debug('offsets committed', { offsets: describePositions(offsets) });
      },
      onCrash: (error, willRestart) => {
        log.error('consumer crashed', { error: describeError(error), willRestart });
        if (!willRestart) {
          this.tracker.state = 'failed';
          this.deps.onFatal(error);
        }
      },
    };
  }

  /**
   * Graceful shutdown: stop taking new records at once, let the record in flight finish, commit
   * what was processed, leave the group (so the rebalance starts at once instead of after the
   * session timeout) and close. Safe at any point of the life cycle, start-up included; a second
   * call joins the first. Resolves `timed-out` if that takes longer than the configured bound.
   */
  async shutdown(reason: string): Promise<ShutdownOutcome> {
    const { config, log } = this.deps;
    this.stopRequested = true;
    this.deps.consumer.requestStop();
    this.shutdownPromise ??= this.stopEverything(reason);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ShutdownOutcome>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), config.shutdownTimeoutMs);
    });
    try {
      const outcome = await Promise.race([
        this.shutdownPromise.then(
          (): ShutdownOutcome => 'clean',
          (): ShutdownOutcome => 'failed',
        ),
        timeout,
      ]);
      if (outcome === 'timed-out')
        log.error('graceful shutdown timed out', { shutdownTimeoutMs: config.shutdownTimeoutMs });
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  private async stopEverything(reason: string): Promise<void> {
    const { log, processedLog } = this.deps;
    const begun = Date.now();
    // The phase the signal interrupted (starting, running, rebalancing), for the log and the tests.
    const phase = this.tracker.state;
    this.tracker.state = 'stopping';
    log.info('shutting down', { reason, phase });
    if (this.progressTimer) clearInterval(this.progressTimer);
    // A start in progress is let finish rather than cut: kafkajs ignores stop() until its first
    // join completed (and would then consume anyway). No record is processed meanwhile (requestStop).
    await this.starting?.catch(() => undefined);
    const failed: string[] = [];
    for (const [what, step] of this.shutdownSteps()) {
      try {
        await step();
      } catch (error) {
        failed.push(what);
        log.error(`shutdown: ${what} failed`, { error: describeError(error) });
      }
    }
    processedLog?.close();
    if (failed.length > 0) throw new ShutdownError(failed);
    this.tracker.state = 'stopped';
    this.logProgress('consumer stopped', { shutdownMs: Date.now() - begun, phase });
  }

  /**
   * Order matters: background commits must land while this member still belongs to the group.
   * Each step runs even if an earlier one failed: leaving the group matters most for the rebalance.
   */
  private shutdownSteps(): readonly (readonly [string, () => Promise<void> | void])[] {
    const { consumer } = this.deps;
    return [
      ['flush commits', () => this.strategy.drain()],
      ['stop and leave the group', () => consumer.stop()],
      ['flush commits after stop', () => this.strategy.drain()],
      ['disconnect consumer', () => consumer.disconnect()],
      ['close transactional producers', () => this.strategy.close()],
      [
        'close health endpoint',
        () =>
          new Promise<void>((resolve) => (this.healthServer ? this.healthServer.close(() => resolve()) : resolve())),
      ],
    ];
  }

  private async process(record: InputRecord): Promise<ProcessingResult> {
    const result = await this.deps.step(record);
    this.deps.processedLog?.append(record);
    this.tracker.recordProcessed();
    return result;
  }

  private logProgress(message: string, extra: Readonly<Record<string, unknown>> = {}): void {
    const snapshot = this.tracker.snapshot(message === 'progress');
    this.deps.log.info(message, { ...snapshot, ...extra });
  }
}

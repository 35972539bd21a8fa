import type { Server } from 'node:http';
import type { ConsumerConfig } from './config';
import type { GroupConsumer, InputRecord, PartitionOffset, TransactionalProducer } from './ports';
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
  readonly producer: TransactionalProducer | undefined;
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
      { asyncMaxUncommitted: config.asyncMaxUncommitted, outputTopic: config.outputTopic, producer: deps.producer },
    );
  }

  /** The current progress (also served by the health endpoint). */
  progress(): ProgressSnapshot {
    return this.tracker.snapshot(false);
  }

  /** Connects, joins the group and starts consuming; resolves once consumption has started. */
  async start(): Promise<void> {
    const { config, log, consumer, producer } = this.deps;
    if (config.strategy === 'unsafe-commit-before-process') {
      log.warn('UNSAFE strategy: offsets are committed before processing; a crash loses records (demo only)');
    }
    if (config.healthPort > 0) {
      this.healthServer = await startHealthServer(config.healthPort, () => this.tracker.snapshot(false));
      log.info('health endpoint listening', { url: `http://127.0.0.1:${config.healthPort}/health` });
    }
    if (config.progressIntervalMs > 0) {
      this.progressTimer = setInterval(() => this.logProgress('progress'), config.progressIntervalMs);
      this.progressTimer.unref();
    }
    await producer?.connect();
    await consumer.run(
      (batch) => this.strategy.handle(batch),
      { autoCommit: this.strategy.autoCommit, autoCommitIntervalMs: config.autoCommitIntervalMs },
      {
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
          log.error('consumer crashed', { error: error.message, willRestart });
          if (!willRestart) {
            this.tracker.state = 'failed';
            this.deps.onFatal(error);
          }
        },
      },
    );
    this.logProgress('consumer started');
  }

  /**
   * Graceful shutdown: stop taking new records, let the record in flight finish, commit what was
   * processed, leave the group (so the rebalance starts at once instead of after the session
   * timeout) and close. Resolves `timed-out` if that takes longer than the configured bound.
   */
  async shutdown(reason: string): Promise<ShutdownOutcome> {
    const { config, log } = this.deps;
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
    const { log, consumer, producer, processedLog } = this.deps;
    const begun = Date.now();
    this.tracker.state = 'stopping';
    log.info('shutting down', { reason });
    if (this.progressTimer) clearInterval(this.progressTimer);
    // Order matters: background commits must land while this member still belongs to the group.
    // Each step runs even if an earlier one failed: leaving the group matters most for the rebalance.
    const steps: readonly [string, () => Promise<void> | void][] = [
      ['flush commits', () => this.strategy.drain()],
      ['stop and leave the group', () => consumer.stop()],
      ['flush commits after stop', () => this.strategy.drain()],
      ['disconnect consumer', () => consumer.disconnect()],
      ['disconnect producer', () => producer?.disconnect()],
      ['close processed-ids file', () => processedLog?.close()],
      [
        'close health endpoint',
        () =>
          new Promise<void>((resolve) => (this.healthServer ? this.healthServer.close(() => resolve()) : resolve())),
      ],
    ];
    let failed = false;
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (error) {
        failed = true;
        log.error(`shutdown: ${what} failed`, { error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (failed) throw new Error('graceful shutdown did not complete cleanly; see the errors above');
    this.tracker.state = 'stopped';
    this.logProgress('consumer stopped', { shutdownMs: Date.now() - begun });
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

/**
 * The consumer services a local run starts: per target, consumer/ as child processes (this
 * process's own Node 22 with tsx as a loader), one per task, with the flags that make a crashed task
 * leave its group within seconds. No I/O here: targets in, command lines out; the adapter runs them.
 */
import type { ScalerConfig } from '#domain/config/scaler-config';
import type { LocalServiceDefinition, TaskCommand } from './adapters/process-service-capacity';

/** One consumer service this run starts as local processes. */
export interface LocalConsumerGroup {
  /** consumer/'s department: selects the processing step. */
  readonly department: string;
  readonly group: string;
  /** Simulated work per record: bounds one process's throughput so scaling matters. */
  readonly processingTimeMs: number;
}

/** The consumers a run starts, per target (by service name). */
export interface LocalConsumers {
  readonly byService: ReadonlyMap<string, LocalConsumerGroup>;
  readonly initialTasks: number;
  /** The first this many process starts get an invalid flag and exit 2 (shows crash-on-start handling). */
  readonly faultyStarts: number;
}

/** How long a stopping consumer may take before it is killed (ECS stopTimeout). */
export const consumerStopTimeoutMs = 15_000;

export interface ConsumerServicesOptions {
  readonly config: ScalerConfig;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly consumers: LocalConsumers;
}

/**
 * One service definition per target, each task a consumer process. The faulty starts are counted
 * over every service of the run, in launch order.
 */
export function consumerServices(options: ConsumerServicesOptions): LocalServiceDefinition[] {
  const { consumers } = options;
  let launches = 0;
  return options.config.targets.map((target): LocalServiceDefinition => {
    const spec = consumers.byService.get(target.service.service);
    if (!spec) throw new Error(`no consumer definition for service ${target.service.service}`);
    return {
      ref: target.service,
      initialDesired: consumers.initialTasks,
      launch: () =>
        consumerCommand({
          brokers: options.brokers,
          topic: options.topic,
          spec,
          faulty: launches++ < consumers.faultyStarts,
        }),
    };
  });
}

export interface ConsumerCommandOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly spec: LocalConsumerGroup;
  /** Add an invalid flag, so the process exits 2 at once (a crash on start). */
  readonly faulty: boolean;
}

/** The command line of one consumer task. */
export function consumerCommand(options: ConsumerCommandOptions): TaskCommand {
  const { spec } = options;
  return {
    // Node 22 from node_modules (this process's own) with tsx as a loader: one process per task.
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      'consumer/main.ts',
      '--brokers',
      options.brokers.join(','),
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
      ...(options.faulty ? ['--batch-size', '0'] : []),
    ],
  };
}

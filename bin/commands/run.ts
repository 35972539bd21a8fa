/**
 * `lagscaler run`: the scaler's main loop against any Kafka, for operators who want to watch or try
 * the policy on their own groups before deploying it. Observes the groups (the desired count is
 * what the scaler asked for, running is the member count) unless asked to start consumer
 * processes or produce load; with --dry-run it decides and records without acting.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseScalerConfig, type ScalerConfig } from '#domain/config/scaler-config';
import { describeError } from '#domain/errors';
import { addKafkaOptions, kafkaConnectionFromFlags } from './kafka-options';
import { loadProfile, policyOverrides, positiveNumber } from './run-profile';
import { installSignalHandlers, repoRoot, runSession, type LocalConsumerGroup } from '#local/session';

interface RunFlags {
  readonly brokers: string;
  readonly tls: boolean;
  readonly saslMechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'aws-msk-iam';
  readonly saslUsername?: string;
  readonly awsRegion: string;
  readonly group: string[];
  readonly config?: string;
  readonly topic?: string;
  readonly interval: string;
  readonly duration?: string;
  readonly dryRun: boolean;
  readonly policy?: string;
  readonly lagTarget: string;
  readonly reportDir: string;
  readonly spawnConsumers: boolean;
  readonly department: string;
  readonly processingTimeMs: string;
  readonly profile?: string;
  readonly partitions: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The targets of the run: a scaler configuration file, or one target per --group. */
function configFrom(flags: RunFlags, brokers: readonly string[]): ScalerConfig {
  const overrides = policyOverrides(flags.policy);
  if (flags.config !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(flags.config, 'utf8'));
    } catch (error) {
      throw new Error(`--config ${flags.config}: ${describeError(error)}`, { cause: error });
    }
    const parsed = parseScalerConfig(raw);
    // The connection comes from the flags (the file's may name a private cluster endpoint).
    return parseScalerConfig({
      ...parsed,
      kafka: { brokers: [...brokers] },
      dryRun: flags.dryRun || parsed.dryRun,
      targets: parsed.targets.map((t) => ({ ...t, policy: { ...t.policy, ...overrides } })),
    });
  }
  if (flags.group.length === 0) throw new Error('name at least one --group, or give a --config file');
  return parseScalerConfig({
    kafka: { brokers: [...brokers] },
    dryRun: flags.dryRun,
    targets: flags.group.map((group) => ({
      group,
      ...(flags.topic === undefined ? {} : { topics: [flags.topic] }),
      service: { cluster: 'local', service: group },
      policy: overrides,
    })),
  });
}

/** Registers `lagscaler run`. */
export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('run the scaler loop locally against a Kafka cluster: live view, decisions, report')
    .option('--group <group>', 'a consumer group to scale (repeatable); its service is named after it', collect, [])
    .option('--config <file>', 'a scaler configuration (JSON, the Lambda schema) instead of --group')
    .option('--topic <topic>', 'the topic the groups consume (default: every topic they committed on)')
    .option('--interval <seconds>', 'seconds between ticks', '5')
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .option('--dry-run', 'decide and record, never act', false)
    .option('--policy <json>', 'policy fields for every target, e.g. \'{"drainTargetSeconds":120}\'')
    .option('--lag-target <seconds>', 'time lag the reaction measurement counts as under target', '5')
    .option('--report-dir <dir>', 'where the HTML report goes', 'reports')
    .option('--spawn-consumers', 'start consumer/ processes for each group (the local stand-in for ECS)', false)
    .option('--department <name>', 'with --spawn-consumers: the processing step', 'billing')
    .option('--processing-time-ms <ms>', 'with --spawn-consumers: work per record', '5')
    .option('--profile <spec|file>', 'also produce load on --topic, e.g. calm:30@60,burst:60@600')
    .option('--partitions <n>', 'with --profile: partitions of --topic if it is created', '12');
  addKafkaOptions(command).action(async (flags: RunFlags) => {
    const connection = kafkaConnectionFromFlags(flags, process.env);
    const config = configFrom(flags, connection.brokers);
    const profile =
      flags.profile === undefined ? undefined : loadProfile(flags.profile, { stepSeconds: 10, peakRatePerSecond: 600 });
    const topic = flags.topic ?? config.targets[0]?.topics?.[0];
    if ((profile !== undefined || flags.spawnConsumers) && topic === undefined)
      throw new Error('--profile and --spawn-consumers need --topic');
    // The consumers are the repository's consumer/ sources run with tsx: not in the installed package.
    if (flags.spawnConsumers && !existsSync(join(repoRoot, 'consumer', 'main.ts')))
      throw new Error('--spawn-consumers starts the reference consumer from a clone of the repository; run it there');
    const controller = new AbortController();
    const registerProcesses = installSignalHandlers(controller);
    const processingTimeMs = positiveNumber('--processing-time-ms', flags.processingTimeMs, { min: 0 });
    const result = await runSession({
      title: `lagscaler run: ${config.targets.map((t) => t.group).join(', ')}${config.dryRun ? ' (dry run)' : ''}`,
      connection,
      config,
      topic: topic ?? '',
      consumers: flags.spawnConsumers
        ? {
            byService: new Map(
              config.targets.map((t): [string, LocalConsumerGroup] => [
                t.service.service,
                { department: flags.department, group: t.group, processingTimeMs },
              ]),
            ),
            initialTasks: 1,
            faultyStarts: 0,
          }
        : undefined,
      load:
        profile === undefined
          ? undefined
          : { partitions: positiveNumber('--partitions', flags.partitions, { integer: true, min: 1 }), profile },
      startAtEnd: false,
      intervalSeconds: positiveNumber('--interval', flags.interval),
      durationSeconds: flags.duration === undefined ? undefined : positiveNumber('--duration', flags.duration),
      lagTargetSeconds: positiveNumber('--lag-target', flags.lagTarget),
      reportDirectory: resolve(flags.reportDir),
      // Next to the report (the current directory): the installed package's own folder is not for writing.
      workDirectory: resolve('.cache', 'lagscaler-runs'),
      output: { write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY === true },
      signal: controller.signal,
      onProcesses: registerProcesses,
      settings: {
        brokers: connection.brokers.join(','),
        'tick interval': `${flags.interval} s`,
        'dry run': String(config.dryRun),
        targets: JSON.stringify(config.targets.map((t) => ({ group: t.group, service: t.service, policy: t.policy }))),
      },
    });
    if (result.ticks === 0) process.exitCode = 1;
  });
}

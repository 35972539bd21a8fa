import { Command, Option } from 'commander';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import { measureGroups, type TargetMeasurement } from '#domain/lag/targets';
import { emptyOffsetHistory, type OffsetHistory } from '#domain/lag/index';
import type { OffsetResetPolicy } from '#domain/lag/partition-lag';
import type { IsolationLevel } from '#domain/lag/snapshot';
import { systemClock } from '#ports/clock';
import { addKafkaOptions, kafkaConnectionFromFlags } from './kafka-options';
import { formatMeasurements, toJson } from './lag-format';

interface LagFlags {
  readonly brokers: string;
  readonly tls: boolean;
  readonly saslMechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'aws-msk-iam';
  readonly saslUsername?: string;
  readonly awsRegion: string;
  readonly group: string[];
  readonly allGroups: boolean;
  readonly topic: string[];
  readonly isolation: IsolationLevel;
  readonly resetPolicy: OffsetResetPolicy;
  readonly json: boolean;
  readonly timeout: string;
  readonly samples: string;
  readonly interval: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `lagscaler lag`: per-partition lag of consumer groups, like Kafka's tool, with the edge cases named. */
export function registerLag(program: Command): void {
  const command = program
    .command('lag')
    .description("show consumer-group lag per partition (Kafka's kafka-consumer-groups --describe, and more)")
    .option('--group <group>', 'a consumer group (repeatable)', collect, [])
    .option('--all-groups', 'every consumer group of the cluster', false)
    .option('--topic <topic>', 'only these topics (repeatable); default: all the group committed on', collect, [])
    .addOption(
      new Option('--isolation <level>', 'end offset: high watermark or last stable offset')
        .choices(['read_uncommitted', 'read_committed'])
        .default('read_uncommitted'),
    )
    .addOption(
      new Option(
        '--reset-policy <policy>',
        "where a partition without a commit starts (the consumer's auto.offset.reset)",
      )
        .choices(['earliest', 'latest'])
        .default('latest'),
    )
    .option('--json', 'machine-readable output (offsets as strings)', false)
    .option('--samples <n>', 'read this many times to measure time lag, rates and health (1: offsets only)', '1')
    .option('--interval <seconds>', 'seconds between samples', '5')
    .option('--timeout <seconds>', 'give up after this many seconds', '30');
  addKafkaOptions(command).action(async (flags: LagFlags) => {
    if (flags.group.length === 0 && !flags.allGroups)
      throw new Error('name at least one --group, or pass --all-groups');
    const timeoutSeconds = Number(flags.timeout);
    if (!(timeoutSeconds > 0))
      throw new Error(`--timeout must be a positive number of seconds, got '${flags.timeout}'`);
    const reader = new KafkajsOffsetReader({
      connection: kafkaConnectionFromFlags(flags, process.env),
      clock: systemClock,
      readTimeoutMs: timeoutSeconds * 1000,
    });
    try {
      const groups = flags.allGroups ? [...(await reader.listGroups())].sort() : flags.group;
      if (groups.length === 0) {
        console.log(flags.json ? '[]' : 'no consumer groups on this cluster');
        return;
      }
      const topics = flags.topic.length > 0 ? flags.topic : undefined;
      const samples = Number(flags.samples);
      const intervalMs = Number(flags.interval) * 1000;
      if (!Number.isInteger(samples) || samples < 1)
        throw new Error(`--samples must be a whole number >= 1, got '${flags.samples}'`);
      if (!(intervalMs >= 0)) throw new Error(`--interval must be a number of seconds >= 0, got '${flags.interval}'`);
      // Each sample extends an in-memory history, as the Lambda's state store does between ticks.
      const history = new Map<string, OffsetHistory>();
      let measurements: TargetMeasurement[] = [];
      for (let sample = 0; sample < samples; sample++) {
        if (sample > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
        const results = await reader.read(groups.map((group) => ({ group, topics, isolation: flags.isolation })));
        measurements = measureGroups(results, {
          now: Date.now(),
          offsetResetPolicy: () => flags.resetPolicy,
          history: (group) => history.get(group) ?? emptyOffsetHistory,
        });
        for (const m of measurements) if (m.kind === 'measured') history.set(m.snapshot.group, m.lag.nextHistory);
      }
      console.log(flags.json ? toJson(measurements) : formatMeasurements(measurements));
      if (measurements.some((m) => m.kind !== 'measured')) process.exitCode = 2;
    } finally {
      await reader.close();
    }
  });
}

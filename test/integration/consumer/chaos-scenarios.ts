/**
 * The chaos scenario of each commit strategy, shared by the CI tests (a few seeds) and
 * `npm run bench:chaos` (many seeds): a topic of unique ids, a group of consumer processes, seeded
 * SIGKILLs mid-work, a member frozen until expelled and then resumed (a zombie), a leave and a
 * join, then every id is counted in what was processed and, for `transactional`, in the output
 * topic read with read_committed. No vitest imports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { CommitStrategyName } from '../../../consumer/config';
import {
  ConsumerFleet,
  consumerBundle,
  groupCaughtUp,
  logLines,
  produceIds,
  randomSuffix,
  runChaos,
  scenarioKafka,
  tally,
  waitUntil,
  type ChaosAction,
  type ChaosReport,
} from './fleet';

/** Flags every chaos consumer gets: a short session so that a frozen or killed member is expelled within seconds. */
export const chaosGroupArgs = [
  '--session-timeout-ms',
  '6000',
  '--heartbeat-interval-ms',
  '500',
  '--progress-interval-ms',
  '2000',
  '--shutdown-timeout-ms',
  '20000',
] as const;

const processingTimeMs = 3;
const autoCommitIntervalMs = 1000;

/** How a strategy is run under chaos, and the duplicates it promises per disruption (SIGKILL or expulsion). */
interface StrategyChaos {
  readonly args: readonly string[];
  /** Processed-more-than-once bound per disruption; undefined: exactly-once is judged on the output topic instead. */
  readonly duplicatesPerDisruption: number | undefined;
}

/** The strategies with a delivery promise, and their settings under chaos (the bounds of consumer/README.md). */
export const chaosStrategies = {
  'sync-batch': { args: ['--batch-size', '50'], duplicatesPerDisruption: 50 },
  'per-message': { args: ['--batch-size', '50'], duplicatesPerDisruption: 1 },
  async: { args: ['--batch-size', '50', '--async-max-uncommitted', '150'], duplicatesPerDisruption: 150 },
  // At least every interval, and one record takes at least (processing time - 1 ms of timer slack).
  auto: {
    args: ['--auto-commit-interval-ms', String(autoCommitIntervalMs)],
    duplicatesPerDisruption: Math.ceil(autoCommitIntervalMs / (processingTimeMs - 1)) + 2,
  },
  transactional: {
    args: ['--batch-size', '50', '--transaction-timeout-ms', '10000'],
    duplicatesPerDisruption: undefined,
  },
} as const satisfies Partial<Record<CommitStrategyName, StrategyChaos>>;

/** A strategy with a chaos scenario. */
export type ChaosStrategy = keyof typeof chaosStrategies;

/** Every id counted once per time it was seen. */
export interface Tally {
  readonly missing: number;
  readonly duplicates: number;
  readonly unexpected: number;
}

/** What one chaos run showed. */
export interface ChaosOutcome {
  readonly strategy: ChaosStrategy;
  readonly seed: number;
  readonly report: ChaosReport;
  /** Ids in the processed-ids files of all members. */
  readonly processed: Tally;
  /** Ids in the output topic read with read_committed (transactional only): what downstream sees. */
  readonly output: Tally | undefined;
  /**
   * The same topic read with read_uncommitted: aborted transactions included, so its duplicates show
   * that repeats did reach the log and that the read_committed count above is not vacuous.
   */
  readonly outputUncommitted: Tally | undefined;
  /**
   * Members that learnt they had been expelled (kafkajs: "the coordinator is not aware of this
   * member"): the frozen ones, and any that the load starved past the session timeout.
   */
  readonly expelled: number;
  /** Duplicates allowed in `processed` (at-least-once strategies): bound x (kills + expulsions). */
  readonly duplicateBound: number | undefined;
  /** Transactions a fenced zombie could not commit (log lines of the members). */
  readonly fencedZombieCommits: number;
  readonly ms: number;
}

/** Options of one run. */
export interface ChaosRunOptions {
  readonly brokers: string;
  readonly strategy: ChaosStrategy;
  readonly seed: number;
  readonly records?: number;
  readonly partitions?: number;
  readonly actions?: readonly ChaosAction[];
}

const defaultActions: readonly ChaosAction[] = ['kill', 'stall', 'kill', 'leave', 'join'];

/** The counts of a {@link tally}. */
export const counts = (result: ReturnType<typeof tally>): Tally => ({
  missing: result.missing.length,
  duplicates: result.duplicates,
  unexpected: result.unexpected.length,
});

/** Runs one seeded chaos scenario of `strategy` on its own topics and group, and cleans up after it. */
export async function runChaosScenario(options: ChaosRunOptions): Promise<ChaosOutcome> {
  const begun = Date.now();
  const { strategy, seed } = options;
  const records = options.records ?? 4000;
  const partitions = options.partitions ?? 6;
  const kafka = scenarioKafka(options.brokers);
  const admin = kafka.admin();
  await admin.connect();
  const topic = `chaos-${strategy}-${seed}-${randomSuffix()}`;
  const output = `${topic}-billed`;
  const group = `billing-${topic}`;
  const dir = mkdtempSync(join(tmpdir(), `chaos-${strategy}-`));
  let fleet: ConsumerFleet | undefined;
  try {
    await produceIds(kafka, topic, partitions, records);
    await admin.createTopics({ topics: [{ topic: output, numPartitions: 3 }], waitForLeaders: true });
    const settings: StrategyChaos = chaosStrategies[strategy];
    const entry = await consumerBundle();
    fleet = new ConsumerFleet(
      dir,
      () => [
        ...['--brokers', options.brokers, '--group', group, '--topic', topic, '--strategy', strategy],
        ...['--output-topic', output, '--processing-time-ms', String(processingTimeMs), '--log-level', 'INFO'],
        ...chaosGroupArgs,
        ...settings.args,
      ],
      entry,
    );
    const report = await chaosRun(fleet, seed, options.actions ?? defaultActions);
    await waitUntil(
      `group ${group} to commit the end of ${topic}`,
      async () => ((await groupCaughtUp(admin, group, topic)) ? true : undefined),
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    await fleet.stopAll();
    const processed = counts(tally(records, fleet.processedIds()));
    const transactional = strategy === 'transactional';
    const delivered = transactional ? counts(tally(records, await readOutput(kafka, output, true))) : undefined;
    const logged = transactional ? counts(tally(records, await readOutput(kafka, output, false))) : undefined;
    const perDisruption = settings.duplicatesPerDisruption;
    const lines = fleet.members.flatMap(logLines).map((line) => String(line.message));
    const expelled = lines.filter((message) => message.startsWith('kafkajs: The coordinator is not aware')).length;
    const disruptions = report.kills + Math.max(report.stalls, expelled);
    return {
      strategy,
      seed,
      report,
      processed,
      output: delivered,
      outputUncommitted: logged,
      expelled,
      duplicateBound: perDisruption === undefined ? undefined : perDisruption * disruptions,
      fencedZombieCommits: lines.filter((message) => message.startsWith('fenced:')).length,
      ms: Date.now() - begun,
    };
  } finally {
    await fleet?.destroy();
    await admin.deleteTopics({ topics: [topic, output] }).catch(() => undefined);
    await admin.disconnect();
    if (process.env.CHAOS_KEEP_DIR === undefined) rmSync(dir, { recursive: true, force: true });
    else console.info(`kept ${dir}`);
  }
}

/** Two members, the seeded chaos, then back to two live members so that the group can finish. */
async function chaosRun(fleet: ConsumerFleet, seed: number, actions: readonly ChaosAction[]): Promise<ChaosReport> {
  fleet.start(0);
  fleet.start(1);
  const report = await runChaos(fleet, { seed, actions, pauseMs: [500, 1500], slots: 3 });
  while (fleet.live().length < 2) fleet.start(fleet.freeSlot(3) ?? 0);
  return report;
}

/**
 * Reads `topic` from the beginning until every partition was read to its end (control records
 * included), and returns the keys in order. `committedOnly`: read_committed, what a downstream
 * reader sees; otherwise read_uncommitted, aborted records included.
 */
export async function readOutput(kafka: Kafka, topic: string, committedOnly: boolean): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const reader = kafka.consumer({
    groupId: `auditor-${randomSuffix()}`,
    readUncommitted: !committedOnly,
    maxWaitTimeInMs: 200,
  });
  const keys: string[] = [];
  // The last offset read per partition, control records (commit and abort markers) included.
  const reached = new Map<number, bigint>();
  reader.on(reader.events.END_BATCH_PROCESS, ({ payload }) => {
    reached.set(payload.partition, BigInt(payload.lastOffset));
  });
  await reader.connect();
  try {
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        keys.push(message.key?.toString() ?? '');
      },
    });
    await waitUntil(
      `a ${committedOnly ? 'read_committed' : 'read_uncommitted'} reader to reach the end of ${topic}`,
      () =>
        ends.every(({ partition, high }) => high === '0' || (reached.get(partition) ?? -1n) >= BigInt(high) - 1n)
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );
  } finally {
    await reader.disconnect();
  }
  return keys;
}

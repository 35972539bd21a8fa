/**
 * SIGTERM at a random instant of a task's life (what ECS does on scale-in and deployments, at any
 * moment, start-up included), shared by the CI test (a few runs) and `npm run bench:chaos` (50+).
 * An anchor member keeps the group consuming; each run starts a task, times a SIGTERM from the
 * moment the task installed its signal handlers (its first statement), sometimes adds a joiner
 * just before (so the signal lands mid-rebalance) and a second signal just after (mid-shutdown),
 * and records how the task ended and in which phase the signal found it. No vitest imports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommitStrategyName } from '../../../consumer/config';
import { counts, readOutput, type Tally } from './chaos-scenarios';
import {
  ConsumerFleet,
  consumerBundle,
  groupCaughtUp,
  handlersInstalled,
  logLines,
  produceIds,
  randomSuffix,
  scenarioKafka,
  seededRandom,
  tally,
  waitUntil,
  type Member,
} from './fleet';

/** How one SIGTERMed task ended. */
export interface SigtermRun {
  readonly member: string;
  /** ms from the task's first statement to the SIGTERM. */
  readonly delayMs: number;
  readonly secondSignal: boolean;
  readonly joinerBefore: boolean;
  /** What the task was doing when the signal arrived (its `shutting down` log line), `loading` before the service existed. */
  readonly phase: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ms: number;
}

/** Options of a series of runs on one fleet whose slot 0 is the anchor. */
export interface SigtermOptions {
  readonly seed: number;
  readonly runs: number;
  /** Slots of the fleet: the anchor is slot 0, tasks use the others. */
  readonly slots: number;
}

/** The signal instant: a third in start-up (load, connect, join), a third around the first batches, a third in steady work. */
function drawDelay(random: () => number): number {
  const band = random();
  if (band < 1 / 3) return random() * 400;
  if (band < 2 / 3) return 400 + random() * 2100;
  return 2500 + random() * 3500;
}

/** The phase the task logged when the signal reached it. */
function phaseOf(member: Member): string {
  const lines = logLines(member);
  const shutdown = lines.find(
    (line) => line.message === 'shutting down' || line.message === 'consumer stopped before it connected',
  );
  return typeof shutdown?.phase === 'string' ? shutdown.phase : 'unknown';
}

async function oneRun(fleet: ConsumerFleet, random: () => number, options: SigtermOptions): Promise<SigtermRun[]> {
  const task = fleet.start(fleet.freeSlot(options.slots) ?? 1);
  const installedAt = await handlersInstalled(task);
  const delayMs = drawDelay(random);
  const joinerBefore = random() < 0.3;
  const secondSignal = random() < 0.35;
  let joiner: Member | undefined;
  if (joinerBefore) {
    // A joiner just before the signal: the task is (likely) rebalancing when it arrives.
    await sleep(Math.max(0, delayMs - 150));
    joiner = fleet.start(fleet.freeSlot(options.slots) ?? 2);
  }
  await sleep(Math.max(0, installedAt + delayMs - Date.now()));
  const begun = Date.now();
  task.child.kill('SIGTERM');
  if (secondSignal) {
    await sleep(random() * 300);
    task.child.kill(random() < 0.5 ? 'SIGINT' : 'SIGTERM');
  }
  const exit = await fleet.awaitExit(task, 30_000);
  const runs: SigtermRun[] = [
    {
      member: task.name,
      delayMs: Math.round(delayMs),
      secondSignal,
      joinerBefore,
      phase: phaseOf(task),
      ...exit,
      ms: Date.now() - begun,
    },
  ];
  if (joiner) {
    // The joiner goes too (a scale-in right after a scale-out), at whatever point it reached, but
    // timed like every signal here: not before its first statement (node's own bootstrap is no
    // program's to handle; see consumer/README.md).
    await handlersInstalled(joiner);
    const stopped = await fleet.terminate(joiner);
    runs.push({
      member: joiner.name,
      delayMs: Date.now() - joiner.spawnedAt,
      secondSignal: false,
      joinerBefore: false,
      phase: phaseOf(joiner),
      code: stopped.code,
      signal: stopped.signal,
      ms: stopped.ms,
    });
  }
  return runs;
}

/** Runs `options.runs` SIGTERMed tasks one after the other beside the anchor (slot 0, started by the caller). */
export async function sigtermRuns(fleet: ConsumerFleet, options: SigtermOptions): Promise<SigtermRun[]> {
  const random = seededRandom(options.seed);
  const runs: SigtermRun[] = [];
  for (let run = 0; run < options.runs; run += 1) runs.push(...(await oneRun(fleet, random, options)));
  return runs;
}

/** Strategies whose graceful shutdown commits exactly what was processed (no duplicates after a SIGTERM). */
export const sigtermStrategies = [
  'sync-batch',
  'async',
  'per-message',
  'auto',
  'transactional',
] as const satisfies readonly CommitStrategyName[];

/** Counts per phase, e.g. `starting 3, running 2`. */
export function phaseCounts(runs: readonly SigtermRun[]): string {
  const counts = new Map<string, number>();
  for (const { phase } of runs) counts.set(phase, (counts.get(phase) ?? 0) + 1);
  return [...counts].map(([phase, count]) => `${phase} ${count}`).join(', ');
}

/** What a SIGTERM scenario showed. */
export interface SigtermOutcome {
  readonly strategy: SigtermStrategy;
  readonly seed: number;
  readonly runs: readonly SigtermRun[];
  /** Ids in the processed-ids files: a graceful stop commits exactly what was processed, so no duplicates. */
  readonly processed: Tally;
  /** Ids in the output topic read with read_committed (transactional only). */
  readonly output: Tally | undefined;
}

/** A strategy of {@link sigtermStrategies}. */
export type SigtermStrategy = (typeof sigtermStrategies)[number];

/** One group on its own topic: an anchor member, `runs` tasks SIGTERMed at random instants, then the group drains. */
export async function runSigtermScenario(options: {
  readonly brokers: string;
  readonly strategy: SigtermStrategy;
  readonly seed: number;
  readonly runs: number;
  readonly records?: number;
}): Promise<SigtermOutcome> {
  const { brokers, strategy, seed } = options;
  const records = options.records ?? 3000;
  const kafka = scenarioKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const topic = `sigterm-${strategy}-${seed}-${randomSuffix()}`;
  const output = `${topic}-billed`;
  const group = `billing-${topic}`;
  const dir = mkdtempSync(join(tmpdir(), `sigterm-${strategy}-`));
  let fleet: ConsumerFleet | undefined;
  try {
    await produceIds(kafka, topic, 6, records);
    await admin.createTopics({ topics: [{ topic: output, numPartitions: 3 }], waitForLeaders: true });
    const args = [
      ...['--brokers', brokers, '--group', group, '--topic', topic, '--strategy', strategy, '--output-topic', output],
      ...['--batch-size', '50', '--processing-time-ms', '3', '--session-timeout-ms', '6000'],
      ...['--heartbeat-interval-ms', '500', '--shutdown-timeout-ms', '20000', '--progress-interval-ms', '2000'],
    ];
    fleet = new ConsumerFleet(dir, () => args, await consumerBundle());
    fleet.start(0);
    const runs = await sigtermRuns(fleet, { seed, runs: options.runs, slots: 3 });
    await waitUntil(
      `group ${group} to commit the end of ${topic}`,
      async () => ((await groupCaughtUp(admin, group, topic)) ? true : undefined),
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    await fleet.stopAll();
    return {
      strategy,
      seed,
      runs,
      processed: counts(tally(records, fleet.processedIds())),
      output: strategy === 'transactional' ? counts(tally(records, await readOutput(kafka, output, true))) : undefined,
    };
  } finally {
    await fleet?.destroy();
    await admin.deleteTopics({ topics: [topic, output] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

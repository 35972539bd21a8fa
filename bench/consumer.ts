/**
 * `npm run bench:consumer`: throughput of each commit strategy on the local broker for a fixed
 * workload (all records with no simulated work: the commit cost undiluted; the first
 * `--work-records` with `--work-ms` per record: a consumer doing real work), the time from spawn
 * to the first processed record (start-up, join, and for `transactional` the claim of one
 * transactional producer per partition), and duplicates / missing records after a fixed crash
 * schedule (SIGKILL at half way, restart). One consumer process (the bundle the image ships, run
 * by node) per run, a fresh group each run. Starts Kafka (tools/services) unless `--brokers` or
 * KAFKA_BROKERS names one, and stops what it started.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Table from 'cli-table3';
import { Command } from 'commander';
import { commitStrategies, type CommitStrategyName } from '../consumer/config';
import {
  ConsumerFleet,
  consumerBundle,
  groupCaughtUp,
  produceIds,
  scenarioKafka,
  tally,
  waitUntil,
  type Member,
} from '../test/integration/consumer/fleet';
import { runBench, withBenchBroker } from '../test/integration/consumer/bench-broker';

const program = new Command()
  .name('bench:consumer')
  .option('--brokers <list>', 'Kafka bootstrap brokers (default: KAFKA_BROKERS, else a broker started for the run)')
  .option('--records <n>', 'records in the fixed workload', '40000')
  .option('--partitions <n>', 'partitions of the input topic', '3')
  .option('--batch-size <n>', 'records per chunk / commit of the batched strategies (consumer default)', '500')
  .option('--work-ms <n>', 'simulated processing time per record of the second workload', '1')
  .option('--work-records <n>', 'records measured in the second workload', '4000')
  .option(
    '--strategies <list>',
    'strategies to measure (auto first: the others are compared to it)',
    commitStrategies.join(','),
  )
  .parse();
const options = program.opts<{
  brokers: string | undefined;
  records: string;
  partitions: string;
  batchSize: string;
  workMs: string;
  workRecords: string;
  strategies: string;
}>();
const selected = options.strategies
  .split(',')
  .filter((name): name is CommitStrategyName => (commitStrategies as readonly string[]).includes(name));
const records = Number(options.records);
const partitions = Number(options.partitions);
const workMs = Number(options.workMs);
const workRecords = Number(options.workRecords);
const suffix = Math.random().toString(36).slice(2, 8);
const topic = `bench-patient-checkout-${suffix}`;
const outputTopic = `${topic}-billed`;
const dir = mkdtempSync(join(tmpdir(), 'bench-consumer-'));
let run = 0;
let brokers = '';
let entry = '';

function lines(member: Member): number {
  if (!existsSync(member.idsFile)) return 0;
  const text = readFileSync(member.idsFile, 'utf8');
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count += 1;
  return count;
}

async function waitFor(what: string, probe: () => boolean, timeoutMs: number, intervalMs = 20): Promise<number> {
  return await waitUntil(what, () => (probe() ? performance.now() : undefined), { timeoutMs, intervalMs });
}

function fleetFor(strategy: CommitStrategyName, processingMs: number): ConsumerFleet {
  run += 1;
  const group = `bench-${strategy}-${suffix}-${run}`;
  // A directory per run: the processed-id files are named after the member, not the run.
  const runDir = join(dir, `run-${run}`);
  mkdirSync(runDir);
  return new ConsumerFleet(
    runDir,
    () => [
      '--brokers',
      brokers,
      '--group',
      group,
      '--topic',
      topic,
      '--strategy',
      strategy,
      '--batch-size',
      options.batchSize,
      '--processing-time-ms',
      String(processingMs),
      '--output-topic',
      outputTopic,
      '--session-timeout-ms',
      '6000',
      '--heartbeat-interval-ms',
      '500',
      '--progress-interval-ms',
      '0',
      '--log-level',
      'WARN',
    ],
    entry,
  );
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Records per second in the steady state: from the first 10 % processed to all `count` (start-up,
 * the first fetch and JIT warm-up excluded), and ms from spawn to the first processed record. The
 * medians of `repeat` runs, each with a fresh group.
 */
async function throughput(
  strategy: CommitStrategyName,
  processingMs: number,
  count: number,
  repeat: number,
): Promise<{ rate: number; firstRecordMs: number }> {
  const rates: number[] = [];
  const firsts: number[] = [];
  for (let attempt = 0; attempt < repeat; attempt += 1) {
    const fleet = fleetFor(strategy, processingMs);
    try {
      const spawned = performance.now();
      const member = fleet.start(0);
      const from = Math.ceil(count / 10);
      firsts.push((await waitFor(`${strategy} to start`, () => lines(member) >= 1, 120_000, 2)) - spawned);
      const first = await waitFor(`${strategy} to warm up`, () => lines(member) >= from, 120_000, 2);
      const last = await waitFor(`${strategy} to process ${count}`, () => lines(member) >= count, 300_000, 2);
      rates.push(Math.round(((count - from) / (last - first)) * 1000));
    } finally {
      await fleet.stopAll();
      await fleet.destroy();
    }
  }
  return { rate: median(rates), firstRecordMs: Math.round(median(firsts)) };
}

/** SIGKILL the consumer once half the records are processed, restart it, run to the end. */
async function crash(strategy: CommitStrategyName): Promise<{ duplicates: number; missing: number }> {
  const fleet = fleetFor(strategy, 0);
  const admin = scenarioKafka(brokers).admin();
  await admin.connect();
  try {
    const first = fleet.start(0);
    await waitFor(`${strategy} to reach half way`, () => lines(first) >= records / 2, 300_000, 5);
    await fleet.kill(first);
    fleet.start(0);
    const group = `bench-${strategy}-${suffix}-${run}`;
    const deadline = Date.now() + 300_000;
    while (!(await groupCaughtUp(admin, group, topic))) {
      if (Date.now() > deadline) throw new Error(`bench: ${strategy} did not catch up after the crash`);
      await sleep(200);
    }
    await fleet.stopAll();
    const result = tally(records, fleet.processedIds());
    return { duplicates: result.duplicates, missing: result.missing.length };
  } finally {
    await fleet.destroy();
    await admin.disconnect();
  }
}

const percent = (value: number, base: number): string => `${Math.round((value / base) * 100)} %`;

interface Row {
  readonly strategy: CommitStrategyName;
  readonly raw: number;
  readonly work: number;
  readonly firstRecordMs: number;
  readonly duplicates: number;
  readonly missing: number;
}

async function measure(strategy: CommitStrategyName): Promise<Row> {
  const { rate: raw, firstRecordMs } = await throughput(strategy, 0, records, 3);
  const { rate: work } = await throughput(strategy, workMs, workRecords, 1);
  const { duplicates, missing } = await crash(strategy);
  process.stderr.write(`  ${strategy}: ${raw} rec/s (0 ms), ${work} rec/s (${workMs} ms), dup ${duplicates}\n`);
  return { strategy, raw, work, firstRecordMs, duplicates, missing };
}

function printTable(rows: readonly Row[], auto: { raw: number; work: number }): void {
  const table = new Table({
    // Plain text, so the table can be pasted into the README as printed.
    style: { head: [], border: [] },
    head: [
      'strategy',
      'rec/s, 0 ms work',
      'vs auto',
      `rec/s, ${workMs} ms work`,
      'vs auto',
      'spawn to 1st record',
      'duplicates after SIGKILL',
      'missing after SIGKILL',
    ],
  });
  for (const row of rows) {
    table.push([
      row.strategy,
      row.raw,
      percent(row.raw, auto.raw),
      row.work,
      percent(row.work, auto.work),
      `${row.firstRecordMs} ms`,
      row.duplicates,
      row.missing,
    ]);
  }
  const args = process.argv.slice(2);
  console.log(`$ ${args.length > 0 ? `npm run bench:consumer -- ${args.join(' ')}` : 'npm run bench:consumer'}`);
  console.log(
    `workload: ${records} records on ${partitions} partitions (0 ms work, median of 3 runs), the first ` +
      `${workRecords} with ${workMs} ms work; rates from 10 % to 100 % processed; one consumer process; ` +
      `batch size ${options.batchSize}; ` +
      `crash: SIGKILL at ${records / 2} processed records (0 ms work), restart, run to the end`,
  );
  console.log(table.toString());
  console.log(
    'transactional: its duplicates are records processed again after the crash; their output was in aborted ' +
      'transactions, invisible to read_committed readers (chaos.test.ts and bench:chaos check exactly-once). ' +
      'Its start includes one transactional producer per partition (init fences the previous owner).',
  );
}

/** Targets: the batched strategies keep 80 % of auto-commit throughput; per-message is shown, not judged. */
function judge(rows: readonly Row[], auto: { raw: number; work: number }): boolean {
  let failed = false;
  for (const name of ['sync-batch', 'async'] as const) {
    const row = rows.find((candidate) => candidate.strategy === name);
    if (row === undefined) continue;
    for (const [label, value, base] of [
      ['0 ms work', row.raw, auto.raw],
      [`${workMs} ms work`, row.work, auto.work],
    ] as const) {
      const ok = value >= 0.8 * base;
      failed ||= !ok;
      console.log(`${ok ? 'PASS' : 'FAIL'} ${name} >= 80 % of auto (${label}): ${percent(value, base)}`);
    }
  }
  const perMessage = rows.find((row) => row.strategy === 'per-message');
  if (perMessage) {
    console.log(
      `cost of per-message commits: ${percent(perMessage.raw, auto.raw)} of auto with 0 ms work, ` +
        `${percent(perMessage.work, auto.work)} with ${workMs} ms work`,
    );
  }
  return !failed;
}

async function main(): Promise<number> {
  const kafka = scenarioKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await produceIds(kafka, topic, partitions, records);
    await admin.createTopics({ topics: [{ topic: outputTopic, numPartitions: partitions }], waitForLeaders: true });
    const rows: Row[] = [];
    for (const strategy of selected) rows.push(await measure(strategy));
    const auto = rows.find((row) => row.strategy === 'auto') ?? { raw: 1, work: 1 };
    printTable(rows, auto);
    return judge(rows, auto) ? 0 : 1;
  } finally {
    await admin.deleteTopics({ topics: [topic, outputTopic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

await runBench(() =>
  withBenchBroker(options.brokers, async (endpoint) => {
    brokers = endpoint;
    entry = await consumerBundle();
    return await main();
  }),
);

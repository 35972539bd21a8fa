/**
 * bench:tick - the scaler's tick for fleets of targets against the local services (real broker,
 * moto ECS and DynamoDB, LocalStack CloudWatch): duration and AWS calls per tick for each size, one
 * invocation up to --max-per-invocation targets, above it the shards of the fan-out run in parallel
 * in this process (as the state machine's Map would run them in Lambda, --shard-concurrency at once);
 * untimed warm-up ticks (two, then on until one acts on no target), then --runs timed ticks; then the cold-start
 * cost of the bundled handler.
 *   npm run bench:tick -- [--targets 50,200,1000,5000] [--partitions 12] [--runs 3] [--concurrency 8]
 *     [--max-per-invocation 1000] [--shard-concurrency 10] [--state-writes transactions|items]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { build } from 'esbuild';
import { Kafka, logLevel } from 'kafkajs';
import pLimit from 'p-limit';
import { CloudWatchMetricsSink } from '../lambdas/adapters/aws/cloudwatch-metrics-sink';
import { DynamoDbStateStore } from '../lambdas/adapters/aws/dynamodb-state-store';
import { EcsServiceCapacity } from '../lambdas/adapters/aws/ecs-service-capacity';
import { ClusterReaders } from '../lambdas/adapters/kafka/cluster-readers';
import { KafkajsOffsetReader } from '../lambdas/adapters/kafka/kafkajs-offset-reader';
import type { TargetState } from '../lambdas/application/target-state';
import { runTick, type TickDependencies } from '../lambdas/application/tick';
import { parseScalerConfig, type ScalerConfig } from '../lambdas/domain/config/scaler-config';
import { configForShard, needsFanOut, planShards, shardRefs } from '../lambdas/domain/config/shards';
import { countCalls } from '../test/support/aws-calls';
import { clientEnvironment, down, up } from '../tools/services/manager';
import { machine, ms, spread, table, timeRuns } from './support';
import { arrangeFleet, type Fleet } from './tick-fleet';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '50,200,1000,5000' },
    partitions: { type: 'string', default: '12' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    'max-per-invocation': { type: 'string', default: '1000' },
    'shard-concurrency': { type: 'string', default: '10' },
    'groups-per-topic': { type: 'string', default: '25' },
    'kafka-clusters': { type: 'string', default: '1' },
    /** How saves go out: transactions (the default: TransactWriteItems of the saves in flight together) or items (one conditional PutItem each). */
    'state-writes': { type: 'string', default: 'transactions' },
  },
});
const sizes = values.targets
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const partitions = Number(values.partitions);
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);
const maxPerInvocation = Number(values['max-per-invocation']);
const shardConcurrency = Number(values['shard-concurrency']);
const kafkaClusterCount = Number(values['kafka-clusters']);
const stateWrites = values['state-writes'];
if (stateWrites !== 'transactions' && stateWrites !== 'items')
  throw new Error(`--state-writes ${stateWrites}: use transactions or items`);
const command =
  `npm run bench:tick -- --targets ${sizes.join(',')} --partitions ${partitions} --runs ${runs} ` +
  `--concurrency ${concurrency} --max-per-invocation ${maxPerInvocation} --shard-concurrency ${shardConcurrency} ` +
  `--groups-per-topic ${values['groups-per-topic']} --kafka-clusters ${kafkaClusterCount} --state-writes ${stateWrites}`;
/** The budget: AWS calls per tick <= 0.35 x targets + this. */
const CALLS_CONSTANT = 5;

const { services, started } = await up();
const env = clientEnvironment(services);
const brokers = services.kafka?.endpoint ?? '';
const awsConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const awsCalls = new Map<string, number>();
const prefix = `tick-${Date.now().toString(36)}`;
const kafka = new Kafka({ brokers: [brokers], clientId: 'bench-tick', logLevel: logLevel.NOTHING });

/** Wall time spent in each port, over all invocations of a size (overlapping calls counted once). */
const phases = new Map<string, { active: number; since: number; totalMs: number }>();

async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const entry = phases.get(name) ?? { active: 0, since: 0, totalMs: 0 };
  phases.set(name, entry);
  if (entry.active === 0) entry.since = performance.now();
  entry.active += 1;
  try {
    return await work();
  } finally {
    entry.active -= 1;
    if (entry.active === 0) entry.totalMs += performance.now() - entry.since;
  }
}

/** The ports of an invocation, each call timed into `phases`. */
function timedPorts(
  deps: TickDependencies & { reader: ClusterReaders },
): TickDependencies & { reader: ClusterReaders } {
  const { reader, capacity, store, metrics } = deps;
  const timedReader = Object.create(reader) as ClusterReaders;
  timedReader.read = (selections) => phase('Kafka read', () => reader.read(selections));
  return {
    ...deps,
    reader: timedReader,
    capacity: {
      describe: (ref) => phase('DescribeServices', () => capacity.describe(ref)),
      describeMany: (refs) => phase('DescribeServices', () => capacity.describeMany?.(refs) ?? Promise.resolve([])),
      setDesired: (ref, n) => phase('UpdateService', () => capacity.setDesired(ref, n)),
    },
    store: {
      load: (target) => phase('load state', () => store.load(target)),
      loadMany: (targets) => phase('load state', () => store.loadMany?.(targets) ?? Promise.resolve([])),
      save: (target, state, version) => phase('save state', () => store.save(target, state, version)),
    },
    metrics: { publish: (data) => phase('PutMetricData', () => metrics.publish(data)) },
  };
}

/** Everything one invocation (a Lambda execution environment) holds: its own clients and readers, counted. */
function invocation(config: ScalerConfig, stateTable: string): TickDependencies & { reader: ClusterReaders } {
  const { client: ecs } = countCalls(new ECSClient(awsConfig(env.AWS_ENDPOINT_URL_ECS ?? '')), awsCalls);
  const { client: dynamodb } = countCalls(new DynamoDBClient(awsConfig(env.AWS_ENDPOINT_URL_DYNAMODB ?? '')), awsCalls);
  const { client: cloudwatch } = countCalls(new CloudWatchClient(awsConfig(env.AWS_ENDPOINT_URL ?? '')), awsCalls);
  const clusters = Object.keys(config.kafkaClusters ?? {});
  return {
    reader: new ClusterReaders({
      clusters,
      defaultCluster: 'default',
      create: () =>
        Promise.resolve(
          new KafkajsOffsetReader({ connection: { brokers: [brokers] }, clock: { now: () => Date.now() } }),
        ),
    }),
    capacity: new EcsServiceCapacity(ecs),
    store: new DynamoDbStateStore<TargetState>(dynamodb, {
      table: stateTable,
      now: () => Date.now(),
      batchSaves: stateWrites === 'transactions',
    }),
    metrics: new CloudWatchMetricsSink(cloudwatch, `${prefix}-KLA`),
    clock: { now: () => Date.now() },
    logger: { info: () => undefined, warn: () => undefined, error: (m: string, f?: unknown) => console.error(m, f) },
  };
}

interface SizeResult {
  readonly targets: number;
  readonly invocations: number;
  readonly times: readonly number[];
  /** The slowest invocation's own durationMs (everything before PutMetricData). */
  readonly slowestShardMs: number;
  /** The slowest invocation from start to end, PutMetricData included: what one Lambda of the Map state would take. */
  readonly slowestShardWallMs: number;
  readonly calls: ReadonlyMap<string, number>;
  readonly kafkaRequests: number;
  readonly errors: number;
}

/** `runs` ticks of the first `size` targets (after one untimed tick), in one invocation or as parallel shards. */
async function measure(fleet: Fleet, size: number): Promise<SizeResult> {
  const config = parseScalerConfig({
    kafkaClusters: Object.fromEntries(
      Array.from({ length: kafkaClusterCount }, (_, k) => [`kafka-${k}`, { brokers: [brokers] }]),
    ),
    targets: fleet.targets
      .slice(0, size)
      .map((t) => ({ group: t.group, kafkaCluster: t.kafkaCluster, topics: [t.topic], service: t.service })),
    concurrency,
    maxTargetsPerInvocation: maxPerInvocation,
    metricsNamespace: `${prefix}-KLA`,
  });
  const configs = needsFanOut(config)
    ? shardRefs(planShards(config)).map((ref) => configForShard(config, ref))
    : [config];
  const invocations = configs.map((c) => ({ config: c, deps: timedPorts(invocation(c, fleet.stateTable)) }));
  let errors = 0;
  let slowestShardMs = 0;
  let slowestShardWallMs = 0;
  const limit = pLimit(shardConcurrency);
  const tick = () =>
    Promise.all(
      invocations.map(({ config: c, deps }) =>
        limit(async () => {
          const started = performance.now();
          const report = await runTick(c, deps);
          errors += report.targets.filter((t) => t.kind === 'error').length;
          slowestShardMs = Math.max(slowestShardMs, report.durationMs);
          slowestShardWallMs = Math.max(slowestShardWallMs, performance.now() - started);
        }),
      ),
    );
  await warmUp(size, tick);
  awsCalls.clear();
  phases.clear();
  const kafkaBefore = kafkaRequests(invocations.map((i) => i.deps.reader));
  errors = 0;
  slowestShardMs = 0;
  slowestShardWallMs = 0;
  const times = await timeRuns(runs, 0, tick);
  const kafkaTotal = kafkaRequests(invocations.map((i) => i.deps.reader)) - kafkaBefore;
  const calls = new Map(awsCalls);
  const spent = [...phases].map(([name, p]) => `${name} ${ms(p.totalMs / runs)}`).join(', ');
  console.log(`  ${size} targets, wall time per tick in each port (overlapping calls once): ${spent}`);
  await Promise.all(invocations.map((i) => i.deps.reader.close()));
  return {
    targets: size,
    invocations: configs.length,
    times,
    slowestShardMs,
    slowestShardWallMs,
    calls,
    kafkaRequests: kafkaTotal / runs,
    errors,
  };
}

/** The policy needs two ticks of history (time lag, rates) before it can act on a target. */
const MIN_WARM_UP_TICKS = 2;
const MAX_WARM_UP_TICKS = 4;

/**
 * Untimed ticks so that the timed tick measures the steady state: at least two (a target first seen
 * cannot act before its second tick), then on until one changes no desired count (at most four). A
 * fleet's second tick acts: groups not seen before have built lag since the fleet was arranged, and
 * each action adds an UpdateService (ECS has no batch call) and two saves. Each warm-up tick is printed.
 */
async function warmUp(size: number, tick: () => Promise<unknown>): Promise<void> {
  for (let round = 1; round <= MAX_WARM_UP_TICKS; round++) {
    awsCalls.clear();
    const started = performance.now();
    await tick();
    const acted = awsCalls.get('UpdateService') ?? 0;
    const calls = [...awsCalls.values()].reduce((a, b) => a + b, 0);
    console.log(
      `  ${size} targets, warm-up tick ${round}: ${ms(performance.now() - started)}, ${calls} AWS calls, ${acted} UpdateService`,
    );
    if (acted === 0 && round >= MIN_WARM_UP_TICKS) return;
  }
}

function kafkaRequests(readers: readonly ClusterReaders[]): number {
  return readers.reduce((sum, r) => sum + Object.values(r.requestCounts()).reduce((a, b) => a + b, 0), 0);
}

/** The import of the bundled handler in a fresh Node (the cold start's own part), and the bundle's size. */
async function coldStart(stateTable: string): Promise<{ times: number[]; bundleKb: number }> {
  mkdirSync('dist', { recursive: true });
  await build({
    entryPoints: ['lambdas/handlers/tick.ts'],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    outfile: 'dist/bench-tick-handler.mjs',
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  const importEnv = {
    ...process.env,
    STATE_TABLE_NAME: stateTable,
    AWS_REGION: 'us-east-1',
    LAGSCALER_CONFIG: JSON.stringify({
      kafka: { brokers: [brokers] },
      targets: [{ group: 'billing', service: { cluster: 'c', service: 's' } }],
    }),
  };
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const result = spawnSync(
      process.execPath,
      [
        '-e',
        "const t=process.hrtime.bigint();await import('./dist/bench-tick-handler.mjs');console.log(Number(process.hrtime.bigint()-t)/1e6)",
        '--input-type=module',
      ],
      { encoding: 'utf8', env: importEnv },
    );
    if (result.status !== 0) throw new Error(`importing the bundle failed: ${result.stderr}`);
    times.push(Number(result.stdout.trim()));
  }
  return { times, bundleKb: statSync('dist/bench-tick-handler.mjs').size / 1024 };
}

const CALL_COLUMNS = [
  'DescribeServices',
  'BatchGetItem',
  'TransactWriteItems',
  'PutItem',
  'PutMetricData',
  'UpdateService',
];

function curveTable(results: readonly SizeResult[]): string {
  return table(
    [
      'targets',
      'invocations',
      'tick median',
      'min',
      'max',
      'AWS calls/tick',
      'per target',
      ...CALL_COLUMNS,
      'Kafka req/tick',
      'errors',
    ],
    results.map((r) => {
      const time = spread(r.times);
      const total = [...r.calls.values()].reduce((a, b) => a + b, 0) / runs;
      const perCommand = (name: string) => ((r.calls.get(name) ?? 0) / runs).toFixed(0);
      return [
        r.targets.toLocaleString('en-US'),
        r.invocations === 1 ? '1' : `${r.invocations} shards`,
        ms(time.median),
        ms(time.min),
        ms(time.max),
        total.toFixed(0),
        (total / r.targets).toFixed(3),
        ...CALL_COLUMNS.map(perCommand),
        r.kafkaRequests.toFixed(0),
        String(r.errors),
      ];
    }),
  );
}

function verdicts(results: readonly SizeResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    if (r.errors > 0) {
      // A tick whose targets failed measured the failure, not the scaler: no verdict for it.
      lines.push(
        `${r.targets} targets: INVALID, ${r.errors} target errors in the timed tick(s) (see the errors above); no verdict`,
      );
      continue;
    }
    const total = [...r.calls.values()].reduce((a, b) => a + b, 0) / runs;
    const budget = 0.35 * r.targets + CALLS_CONSTANT;
    lines.push(
      `${r.targets} targets: AWS calls ${total.toFixed(0)} <= 0.35 x ${r.targets} + ${CALLS_CONSTANT} = ${budget.toFixed(0)}: ${total <= budget ? 'PASS' : 'MISS'}`,
    );
    const median = spread(r.times).median;
    if (r.invocations === 1 && r.targets === 1000)
      lines.push(
        `1,000 targets in one invocation: ${ms(median)} < 10 s: ${median < 10_000 ? 'PASS' : 'MISS'}; the tick before PutMetricData (its own durationMs) ${ms(r.slowestShardMs)}`,
      );
    if (r.invocations > 1) lines.push(shardVerdict(r, median));
  }
  return lines;
}

/**
 * Shards run in this process at most --shard-concurrency at once. When all ran together the tick is
 * judged whole; when fewer did (so that they do not share this machine's two cores, or the local
 * services' locks), each shard's own wall time is what a Lambda of the Map state would take, and the
 * slowest is judged.
 */
function shardVerdict(r: SizeResult, median: number): string {
  const together = shardConcurrency >= r.invocations;
  const judged = together ? median : r.slowestShardWallMs;
  const what = together
    ? `the tick, all ${r.invocations} shards at once in this process`
    : `the slowest of ${r.invocations} shards, run ${shardConcurrency} at a time in this process (whole tick ${ms(median)})`;
  return (
    `${r.targets.toLocaleString('en-US')} targets across shards, ${what}: ${ms(judged)} < one schedule period (60 s): ` +
    `${judged < 60_000 ? 'PASS' : 'MISS'}; slowest shard ${ms(r.slowestShardWallMs)} (${ms(r.slowestShardMs)} before PutMetricData)`
  );
}

const ecsSetup = countCalls(new ECSClient(awsConfig(env.AWS_ENDPOINT_URL_ECS ?? ''))).client;
const dynamodbSetup = new DynamoDBClient(awsConfig(env.AWS_ENDPOINT_URL_DYNAMODB ?? ''));
let fleet: Fleet | undefined;
try {
  const largest = sizes[sizes.length - 1] ?? 0;
  console.log(`arranging ${largest} targets x ${partitions} partitions (${prefix})...`);
  const arranged = Date.now();
  fleet = await arrangeFleet(
    kafka,
    { ecs: ecsSetup, dynamodb: dynamodbSetup },
    {
      prefix,
      targets: largest,
      partitions,
      groupsPerTopic: Number(values['groups-per-topic']),
      servicesPerCluster: 1000,
      kafkaClusters: kafkaClusterCount,
    },
  );
  console.log(`arranged in ${ms(Date.now() - arranged)}`);
  const results: SizeResult[] = [];
  for (const size of sizes) {
    console.log(`measuring ${size} targets...`);
    results.push(await measure(fleet, size));
  }
  const cold = await coldStart(fleet.stateTable);
  const load = spread(cold.times);
  console.log(
    `\nbench:tick on ${machine()}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg()[0]?.toFixed(1)}`,
  );
  console.log(curveTable(results));
  for (const line of verdicts(results)) console.log(line);
  console.log(
    `import of the bundled handler (fresh node, 5 runs): median ${ms(load.median)} (${ms(load.min)}-${ms(load.max)}), target < 400 ms: ${load.median < 400 ? 'PASS' : 'MISS'}; bundle ${cold.bundleKb.toFixed(0)} KB, target < 1536 KB: ${cold.bundleKb < 1536 ? 'PASS' : 'MISS'}`,
  );
  console.log(`\nreproduce: ${command}`);
} finally {
  if (fleet) {
    const admin = kafka.admin();
    await admin.connect();
    for (let i = 0; i < fleet.topics.length; i += 100)
      await admin.deleteTopics({ topics: fleet.topics.slice(i, i + 100) }).catch(() => undefined);
    await admin.disconnect();
  }
  if (started.length > 0) await down(started);
}

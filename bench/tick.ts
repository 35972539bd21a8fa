/**
 * bench:tick - one scaler tick for many targets against the local services (real broker, moto ECS
 * and DynamoDB, LocalStack CloudWatch), and the cold-start cost of the bundled handler.
 *   npm run bench:tick -- [--targets 50] [--partitions 12] [--runs 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { build } from 'esbuild';
import { Kafka, logLevel } from 'kafkajs';
import pLimit from 'p-limit';
import { CloudWatchMetricsSink } from '../lambdas/adapters/aws/cloudwatch-metrics-sink';
import { DynamoDbStateStore } from '../lambdas/adapters/aws/dynamodb-state-store';
import { EcsServiceCapacity } from '../lambdas/adapters/aws/ecs-service-capacity';
import { KafkajsOffsetReader } from '../lambdas/adapters/kafka/kafkajs-offset-reader';
import type { TargetState } from '../lambdas/application/target-state';
import { runTick } from '../lambdas/application/tick';
import { parseScalerConfig } from '../lambdas/domain/config/scaler-config';
import { createConsumerService } from '../test/support/ecs';
import { closeCommitter, commit } from '../test/support/kafka';
import { createStateTable } from '../test/support/scaler';
import { clientEnvironment, down, up } from '../tools/services/manager';
import { machine, ms, spread, table, timeRuns } from './support';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '50' },
    partitions: { type: 'string', default: '12' },
    runs: { type: 'string', default: '5' },
  },
});
const targets = Number(values.targets);
const partitions = Number(values.partitions);
const runs = Number(values.runs);
const command = `npm run bench:tick -- --targets ${targets} --partitions ${partitions} --runs ${runs}`;

/** Counts AWS SDK calls by command name. */
function counted<T extends { middlewareStack: { add: (...args: never[]) => void } }>(
  client: T,
  counts: Map<string, number>,
): T {
  (client.middlewareStack as unknown as { add: (mw: unknown, options: unknown) => void }).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const name = context.commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return await next(args);
    },
    { step: 'initialize', name: 'benchCount' },
  );
  return client;
}

const { services, started } = await up();
const env = clientEnvironment(services);
const aws = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const brokers = services.kafka?.endpoint ?? '';
const kafka = new Kafka({ brokers: [brokers], clientId: 'bench-tick', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const prefix = `tick-${Date.now().toString(36)}`;
const topic = `${prefix}-patient-checkout`;
const awsCalls = new Map<string, number>();
const ecs = counted(new ECSClient(aws(env.AWS_ENDPOINT_URL_ECS ?? '')), awsCalls);
const dynamodb = counted(new DynamoDBClient(aws(env.AWS_ENDPOINT_URL_DYNAMODB ?? '')), awsCalls);
const cloudwatch = counted(new CloudWatchClient(aws(env.AWS_ENDPOINT_URL ?? '')), awsCalls);

try {
  console.log(
    `arranging ${targets} targets: groups on ${topic} (${partitions} partitions), ECS services, a state table...`,
  );
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: partitions * 100 }, (_, i) => ({ partition: i % partitions, value: `c${i}` })),
  });
  await producer.disconnect();
  const limit = pLimit(8);
  const cluster = `${prefix}-hospital`;
  const refs = await Promise.all(
    Array.from({ length: targets }, (_, i) =>
      limit(async () => {
        const group = `${prefix}-group-${i}`;
        await commit(
          kafka,
          group,
          topic,
          Object.fromEntries(Array.from({ length: partitions }, (_, p) => [p, (i * 7 + p) % 100])),
        );
        const service = await createConsumerService(ecs, { service: `consumer-${i}`, desiredCount: 2, cluster });
        await ecs.send(new UpdateServiceCommand({ ...service, desiredCount: 2 }));
        return { group, service };
      }),
    ),
  );
  await closeCommitter(kafka);
  const stateTable = await createStateTable(dynamodb);
  const config = parseScalerConfig({
    kafka: { brokers: [brokers] },
    targets: refs.map(({ group, service }) => ({ group, topics: [topic], service })),
    concurrency: 16,
  });
  const reader = new KafkajsOffsetReader({ connection: { brokers: [brokers] }, clock: { now: () => Date.now() } });
  const deps = {
    reader,
    capacity: new EcsServiceCapacity(ecs),
    store: new DynamoDbStateStore<TargetState>(dynamodb, { table: stateTable, now: () => Date.now() }),
    metrics: new CloudWatchMetricsSink(cloudwatch, `${prefix}-KLA`),
    clock: { now: () => Date.now() },
    logger: { info: () => undefined, warn: () => undefined, error: (m: string, f?: unknown) => console.error(m, f) },
  };
  awsCalls.clear();
  let errors = 0;
  const times = await timeRuns(runs, 1, async () => {
    const report = await runTick(config, deps);
    errors += report.targets.filter((t) => t.kind === 'error').length;
  });
  const perTick = (n: number) => Math.round(n / (runs + 1));
  const aws = [...awsCalls].map(([name, n]) => `${name.replace('Command', '')} ${perTick(n)}`).join(', ');
  const kafkaCalls = Object.entries(reader.requestCounts())
    .filter(([, n]) => n > 0)
    .map(([api, n]) => `${api} ${perTick(n)}`)
    .join(', ');
  await reader.close();

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
  const bundleKb = statSync('dist/bench-tick-handler.mjs').size / 1024;
  const importEnv = {
    ...process.env,
    STATE_TABLE_NAME: stateTable,
    AWS_REGION: 'us-east-1',
    LAGSCALER_CONFIG: JSON.stringify({
      kafka: { brokers: [brokers] },
      targets: [{ group: 'billing', service: { cluster: 'c', service: 's' } }],
    }),
  };
  const importTimes: number[] = [];
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
    importTimes.push(Number(result.stdout.trim()));
  }
  const tick = spread(times);
  const load = spread(importTimes);
  console.log(`\nbench:tick on ${machine()}, ${new Date().toISOString().slice(0, 10)}`);
  console.log(
    table(
      ['what', 'runs', 'median', 'min', 'max', 'target', 'result'],
      [
        [
          `one tick, ${targets} targets x ${partitions} partitions`,
          String(runs),
          ms(tick.median),
          ms(tick.min),
          ms(tick.max),
          '< 3 s',
          tick.median < 3000 ? 'PASS' : 'MISS',
        ],
        [
          'import of the bundled handler (fresh node)',
          '5',
          ms(load.median),
          ms(load.min),
          ms(load.max),
          '< 400 ms',
          load.median < 400 ? 'PASS' : 'MISS',
        ],
        [
          'bundle size (esbuild, minified, ESM)',
          '-',
          `${bundleKb.toFixed(0)} KB`,
          '',
          '',
          '< 1536 KB',
          bundleKb < 1536 ? 'PASS' : 'MISS',
        ],
      ],
    ),
  );
  console.log(`AWS calls per tick: ${aws}`);
  console.log(`Kafka requests per tick: ${kafkaCalls}`);
  console.log(`target errors over all runs: ${errors}`);
  console.log(`\nreproduce: ${command}`);
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  if (started.length > 0) await down(started);
}

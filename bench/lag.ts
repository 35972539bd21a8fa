/**
 * bench:lag - one full read-and-compute of a realistic estate, against Kafka's own
 * ConsumerGroupCommand --describe --all-groups on the same estate.
 *   npm run bench:lag -- [--groups 200] [--topics 60] [--partitions 12] [--active 10] [--runs 10]
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pLimit from 'p-limit';
import { KafkajsOffsetReader } from '../lambdas/adapters/kafka/kafkajs-offset-reader';
import { measureGroups, partitionCount } from '#domain/lag/targets';
import { closeCommitter, commit } from '../test/support/kafka';
import { consumerGroupCommandClass, runKafkaTool } from '../tools/services/kafka';
import { down, up } from '../tools/services/manager';
import { createBenchTopics, machine, ms, retriedKafka, spread, table, timeRuns } from './support';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '200' },
    topics: { type: 'string', default: '60' },
    partitions: { type: 'string', default: '12' },
    'topics-per-group': { type: 'string', default: '3' },
    active: { type: 'string', default: '10' },
    runs: { type: 'string', default: '10' },
    'oracle-runs': { type: 'string', default: '5' },
  },
});
const groups = Number(values.groups);
const topics = Number(values.topics);
const partitions = Number(values.partitions);
const topicsPerGroup = Number(values['topics-per-group']);
const active = Number(values.active);
const runs = Number(values.runs);
const oracleRuns = Number(values['oracle-runs']);
const command = `npm run bench:lag -- --groups ${groups} --topics ${topics} --partitions ${partitions} --topics-per-group ${topicsPerGroup} --active ${active} --runs ${runs} --oracle-runs ${oracleRuns}`;

const { services, started } = await up(['kafka']);
const brokers = services.kafka?.endpoint ?? '';
const kafka = new Kafka({ brokers: [brokers], clientId: 'bench-lag', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const prefix = `bench-${Date.now().toString(36)}`;
const topicNames = Array.from({ length: topics }, (_, i) => `${prefix}-patient-checkout-${i}`);
const groupNames = Array.from(
  { length: groups },
  (_, i) => `${prefix}-${['billing', 'housekeeping', 'pharmacy'][i % 3]}-${i}`,
);
const topicsOf = (g: number): string[] =>
  Array.from({ length: topicsPerGroup }, (_, k) => topicNames[(g * topicsPerGroup + k) % topics] ?? '');
const consumers: Consumer[] = [];

try {
  const setupStarted = Date.now();
  console.log(
    `creating the estate: ${topics} topics x ${partitions} partitions, ${groups} groups on ${topicsPerGroup} topics each, ${active} with a live member...`,
  );
  await createBenchTopics(admin, topicNames, partitions);
  const producer = kafka.producer();
  await producer.connect();
  for (const topic of topicNames) {
    await retriedKafka(() =>
      producer.send({
        topic,
        messages: Array.from({ length: partitions * 40 }, (_, i) => ({
          partition: i % partitions,
          value: `checkout ${i}`,
        })),
      }),
    );
  }
  await producer.disconnect();
  const limit = pLimit(16);
  await Promise.all(
    groupNames.map((groupId, g) =>
      limit(async () => {
        for (const topic of topicsOf(g)) {
          await commit(
            kafka,
            groupId,
            topic,
            Object.fromEntries(Array.from({ length: partitions }, (_, p) => [p, (g + p) % 40])),
          );
        }
      }),
    ),
  );
  await closeCommitter(kafka);
  for (let g = 0; g < active; g++) {
    const consumer = kafka.consumer({ groupId: groupNames[g] ?? '' });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: topicsOf(g) });
    await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
  }
  console.log(`estate ready in ${((Date.now() - setupStarted) / 1000).toFixed(1)}s`);

  const reader = new KafkajsOffsetReader({ connection: { brokers: [brokers] }, clock: { now: () => Date.now() } });
  const selections = groupNames.map((group) => ({ group }));
  let partitionsMeasured = 0;
  // The first read connects, negotiates versions and finds the coordinators; later reads are the
  // steady state of a warm Lambda or the local loop. Requests are reported for both.
  await reader.read(selections);
  const firstRead = reader.requestCounts();
  const oursTimes = await timeRuns(runs, 0, async () => {
    const results = await reader.read(selections);
    partitionsMeasured = partitionCount(measureGroups(results, { now: Date.now() }));
  });
  const steady = Object.entries(reader.requestCounts()).map(
    ([api, n]) => [api, (n - (firstRead[api] ?? 0)) / runs] as const,
  );
  await reader.close();
  const describe = (entries: readonly (readonly [string, number])[]): string =>
    entries
      .filter(([, n]) => n > 0)
      .map(([api, n]) => `${api} ${Number.isInteger(n) ? n : n.toFixed(1)}`)
      .join(', ');
  const steadyTotal = steady.reduce((total, [, n]) => total + n, 0);
  const firstTotal = Object.values(firstRead).reduce((total, n) => total + n, 0);
  const brokerCount = (await admin.describeCluster()).brokers.length;
  // One coordinator per broker at most; each answers every group it holds in one request per API.
  const requestBudget = 4 * brokerCount + brokerCount;

  const cliTimes = await timeRuns(Math.min(runs, 5), 1, async () => {
    const result = spawnSync(
      'node_modules/.bin/tsx',
      ['bin/lagscaler.ts', 'lag', '--brokers', brokers, '--all-groups', '--json'],
      {
        encoding: 'utf8',
        maxBuffer: 256 * 2 ** 20,
      },
    );
    if (result.status !== 0) throw new Error(`lagscaler lag failed: ${result.stderr}`);
  });

  const oracleTimes = await timeRuns(oracleRuns, 0, async () => {
    await runKafkaTool(consumerGroupCommandClass, ['--bootstrap-server', brokers, '--describe', '--all-groups']);
  });

  const ours = spread(oursTimes);
  const cli = spread(cliTimes);
  const oracle = spread(oracleTimes);
  console.log(`\nbench:lag on ${machine()}, ${new Date().toISOString().slice(0, 10)}`);
  console.log(`estate: ${groups} groups, ${partitionsMeasured} group-partitions, ${active} groups with a live member`);
  console.log(
    table(
      ['what', 'runs', 'median', 'min', 'p90', 'max', 'vs Kafka tool'],
      [
        [
          'ours, in process (a warm Lambda tick): read + compute',
          String(runs),
          ...[ours.median, ours.min, ours.p90, ours.max].map(ms),
          `${(oracle.median / ours.median).toFixed(1)}x faster`,
        ],
        [
          'ours, CLI process: lagscaler lag --all-groups --json',
          String(cliTimes.length),
          ...[cli.median, cli.min, cli.p90, cli.max].map(ms),
          `${(oracle.median / cli.median).toFixed(1)}x faster`,
        ],
        [
          'Kafka ConsumerGroupCommand --describe --all-groups',
          String(oracleRuns),
          ...[oracle.median, oracle.min, oracle.p90, oracle.max].map(ms),
          '1.0x',
        ],
      ],
    ),
  );
  console.log(
    `requests, first read (connect, versions, coordinators): ${firstTotal} = ${describe(Object.entries(firstRead))}`,
  );
  console.log(`requests per steady read: ${steadyTotal} = ${describe(steady)} (${brokerCount} broker(s))`);
  const readTarget = groups >= 2000 ? 1000 : 150;
  const targets = [
    [`in-process read of ${groups} groups under ${ms(readTarget)}`, ours.median < readTarget],
    [`requests per steady read <= 4 x brokers + 1 per coordinator (${requestBudget})`, steadyTotal <= requestBudget],
    ["at least 6x faster than Kafka's tool end to end (CLI vs CLI)", oracle.median / cli.median >= 6],
  ] as const;
  for (const [target, met] of targets) console.log(`${met ? 'PASS' : 'MISS'}  ${target}`);
  console.log(`\nreproduce: ${command}`);
} finally {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
  await admin.deleteTopics({ topics: topicNames }).catch(() => undefined);
  await admin.deleteGroups(groupNames).catch(() => undefined);
  await admin.disconnect();
  if (started.length > 0) await down(started);
}

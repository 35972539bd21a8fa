/**
 * bench:rebalance - how long a kafkajs consumer group stops consuming when a member joins or leaves
 * (the pause every scaling action costs), on the local broker, for several group sizes. The policy's
 * rebalancePauseSeconds default comes from this measurement.
 *   npm run bench:rebalance -- [--sizes 1,2,4,8] [--partitions 12] [--rate 400]
 */
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { kafkaVersion } from '../tools/services/kafka';
import { down, up } from '../tools/services/manager';
import { startJavaConsumers, type JavaConsumers } from '../test/support/java-consumers';
import { machine, spread, table } from './support';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,2,4,8' },
    partitions: { type: 'string', default: '12' },
    rate: { type: 'string', default: '400' },
    repeats: { type: 'string', default: '2' },
    // kafkajs: our reference consumer (classic, eager); consumer: Kafka's Java client on KIP-848.
    protocol: { type: 'string', default: 'kafkajs' },
  },
});
if (values.protocol !== 'kafkajs' && values.protocol !== 'consumer') {
  throw new Error(`--protocol must be kafkajs or consumer, got '${values.protocol}'`);
}
const javaProtocol = values.protocol === 'consumer';
const sizes = values.sizes.split(',').map(Number);
const partitions = Number(values.partitions);
const ratePerSecond = Number(values.rate);
const repeats = Number(values.repeats);
const command = `npm run bench:rebalance -- --sizes ${values.sizes} --partitions ${partitions} --rate ${ratePerSecond} --repeats ${repeats} --protocol ${values.protocol}`;
// The reference consumer's defaults (consumer/config.ts): what an ECS task of ours runs with.
const consumerTimings = { sessionTimeout: 30_000, heartbeatInterval: 3_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const { services, started } = await up(['kafka']);
const kafka = new Kafka({
  brokers: [services.kafka?.endpoint ?? ''],
  clientId: 'bench-rebalance',
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();
const topic = `rebalance-${Date.now().toString(36)}`;
await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });

/** Produces `ratePerSecond` records/s spread over all partitions until stopped. */
function startProducing(): () => Promise<void> {
  const producer = kafka.producer();
  let running = true;
  const loop = (async () => {
    await producer.connect();
    let n = 0;
    while (running) {
      const batch = Math.max(1, Math.round(ratePerSecond / 20));
      await producer.send({
        topic,
        messages: Array.from({ length: batch }, () => ({ partition: n++ % partitions, value: 'checkout' })),
      });
      await sleep(50);
    }
    await producer.disconnect();
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** Processed-record timestamps of the whole group. */
const processedAt: number[] = [];
async function member(group: string): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: group, ...consumerTimings });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    eachBatch: async (payload) => {
      for (const message of payload.batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        processedAt.push(Date.now());
        payload.resolveOffset(message.offset);
        await payload.heartbeat();
      }
    },
  });
  return consumer;
}

/** A group member (or several) of Kafka's Java client on the consumer protocol, tracing its polls. */
async function javaMembers(group: string, members: number): Promise<{ stop: () => Promise<void> }> {
  const jvm = await startJavaConsumers({
    brokers: services.kafka?.endpoint ?? '',
    group,
    topics: [topic],
    kind: { protocol: 'consumer' },
    members,
    trace: true,
  });
  jvms.push(jvm);
  return {
    stop: async () => {
      await jvm.stop();
    },
  };
}
const jvms: JavaConsumers[] = [];

/** Poll times of every Java member so far (from their `P <ms> <n>` lines). */
function javaProcessedAt(): number[] {
  return jvms.flatMap((jvm) => [...jvm.output().matchAll(/^P (\d+) \d+$/gm)].map((match) => Number(match[1])));
}

/** The longest stretch without any processed record in [from, to]: the group's pause. */
function longestGap(from: number, to: number): number {
  const processed = javaProtocol ? javaProcessedAt() : processedAt;
  const points = [from, ...processed.filter((t) => t >= from && t <= to), to].sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < points.length; i++) gap = Math.max(gap, (points[i] ?? 0) - (points[i - 1] ?? 0));
  return gap;
}

const asStoppable = (consumer: Consumer) => ({ stop: () => consumer.disconnect() });

const stopProducing = startProducing();
const rows: string[][] = [];
const allPauses: number[] = [];
try {
  for (const size of sizes) {
    const joins: number[] = [];
    const leaves: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const group = `${topic}-g${size}-${r}`;
      const members: { stop: () => Promise<void> }[] = [];
      if (javaProtocol) members.push(await javaMembers(group, size));
      else for (let i = 0; i < size; i++) members.push(asStoppable(await member(group)));
      await sleep(8_000); // settle: every partition assigned and consuming
      const joinAt = Date.now();
      const joiner = javaProtocol ? await javaMembers(group, 1) : asStoppable(await member(group));
      await sleep(12_000);
      joins.push(longestGap(joinAt, Date.now()));
      const leaveAt = Date.now();
      await joiner.stop(); // a graceful leave, as our consumer does on SIGTERM
      await sleep(12_000);
      leaves.push(longestGap(leaveAt, Date.now()));
      await Promise.all(members.map((m) => m.stop()));
    }
    allPauses.push(...joins, ...leaves);
    const j = spread(joins);
    const l = spread(leaves);
    rows.push([
      `${size} -> ${size + 1} -> ${size}`,
      `${(j.median / 1000).toFixed(2)} s`,
      `${(j.max / 1000).toFixed(2)} s`,
      `${(l.median / 1000).toFixed(2)} s`,
      `${(l.max / 1000).toFixed(2)} s`,
    ]);
    console.log(`measured size ${size}`);
  }
} finally {
  await stopProducing();
  await Promise.all(jvms.map((jvm) => jvm.stop()));
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  if (started.length > 0) await down(started);
}
const overall = spread(allPauses);
console.log(`\nbench:rebalance on ${machine()}, ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `${javaProtocol ? `Kafka's Java client ${kafkaVersion}, consumer protocol (KIP-848), broker-side uniform assignor` : 'kafkajs 2.2.4, eager range assignor'}, ${partitions} partitions, ${ratePerSecond} records/s, heartbeat ${consumerTimings.heartbeatInterval} ms, session ${consumerTimings.sessionTimeout} ms, ${repeats} runs per size`,
);
console.log(
  table(['members', 'join pause (median)', 'join pause (max)', 'leave pause (median)', 'leave pause (max)'], rows),
);
console.log(
  `all pauses: median ${(overall.median / 1000).toFixed(2)} s, p90 ${(overall.p90 / 1000).toFixed(2)} s, max ${(overall.max / 1000).toFixed(2)} s`,
);
console.log(`\nreproduce: ${command}`);

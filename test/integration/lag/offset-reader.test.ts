import type { Admin, Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import type { GroupSnapshot, PartitionSnapshot } from '#domain/lag/snapshot';
import type { GroupSelection } from '#ports/offset-reader';
import { describeGroups, type DescribedPartition } from '../../support/consumer-group-command';
import { commit, createTopic, deleteRecordsBelow, produce, testKafka } from '../../support/kafka';
import { eventually, services, uniqueName } from '../../support/services';

/** Our view of a partition in the oracle's terms (CURRENT-OFFSET, LOG-END-OFFSET, LAG). */
function asOracleRow(p: PartitionSnapshot) {
  const current = p.committed.kind === 'committed' ? p.committed.offset : undefined;
  const end = p.end.kind === 'available' ? p.end.end : undefined;
  return {
    topic: p.topic,
    partition: p.partition,
    currentOffset: current,
    logEndOffset: end,
    lag: current !== undefined && end !== undefined ? end - current : undefined,
  };
}

const oracleRow = ({ topic, partition, currentOffset, logEndOffset, lag }: DescribedPartition) => ({
  topic,
  partition,
  currentOffset,
  logEndOffset,
  lag,
});
const byTopicPartition = (a: { topic: string; partition: number }, b: { topic: string; partition: number }) =>
  a.topic.localeCompare(b.topic) || a.partition - b.partition;

describe('KafkajsOffsetReader against Kafka ConsumerGroupCommand (real broker)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let reader: KafkajsOffsetReader;
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    reader = new KafkajsOffsetReader({
      connection: { brokers: [services().kafkaBrokers] },
      clock: { now: () => Date.now() },
    });
  });

  afterAll(async () => {
    await reader.close();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  async function topic(partitions: number, records: readonly number[]): Promise<string> {
    const name = uniqueName('patient-checkout');
    topics.push(name);
    await createTopic(admin, name, partitions);
    await produce(kafka, name, records);
    return name;
  }

  async function readOne(selection: GroupSelection): Promise<GroupSnapshot> {
    const [result] = await reader.read([selection]);
    if (result?.kind !== 'ok') throw new Error(`expected a snapshot, got ${JSON.stringify(result)}`);
    return result.snapshot;
  }

  /** Every partition both tools report agrees on CURRENT-OFFSET, LOG-END-OFFSET and LAG. */
  async function expectSameAsOracle(group: string, snapshot: GroupSnapshot): Promise<DescribedPartition[]> {
    const oracle = await describeGroups(services().kafkaBrokers, { group });
    const ours = snapshot.partitions.map(asOracleRow);
    const oursReported = ours.filter((row) =>
      oracle.some((o) => o.topic === row.topic && o.partition === row.partition),
    );
    expect(oursReported.sort(byTopicPartition)).toEqual(oracle.map(oracleRow).sort(byTopicPartition));
    // The oracle omits uncommitted partitions of memberless groups; we report them, as 'none'.
    for (const row of ours.filter((r) => !oursReported.includes(r))) expect(row.currentOffset).toBeUndefined();
    return oracle;
  }

  it('a group with no members: committed offsets, end offsets and lag equal the oracle', async () => {
    const name = await topic(4, [30, 20, 10, 5]);
    const group = uniqueName('billing');
    await commit(kafka, group, name, { 0: 10, 1: 20, 2: 3, 3: 0 });
    const snapshot = await readOne({ group });
    expect(snapshot.state).toBe('Empty');
    expect(snapshot.members).toEqual([]);
    const oracle = await expectSameAsOracle(group, snapshot);
    expect(oracle).toHaveLength(4);
  });

  it('a group with commits on only some partitions reports the rest as never committed', async () => {
    const name = await topic(4, [8, 8, 8, 8]);
    const group = uniqueName('housekeeping');
    await commit(kafka, group, name, { 1: 5 });
    const snapshot = await readOne({ group, topics: [name] });
    expect(snapshot.partitions.map((p) => p.committed)).toEqual([
      { kind: 'none' },
      { kind: 'committed', offset: 5n },
      { kind: 'none' },
      { kind: 'none' },
    ]);
    await expectSameAsOracle(group, snapshot);
  });

  it('a group on two topics reads both, and only those', async () => {
    const checkout = await topic(3, [5, 6, 7]);
    const admissions = await topic(2, [9, 4]);
    const group = uniqueName('pharmacy');
    await commit(kafka, group, checkout, { 0: 1, 1: 2, 2: 3 });
    await commit(kafka, group, admissions, { 0: 9, 1: 0 });
    const snapshot = await readOne({ group });
    expect(new Set(snapshot.partitions.map((p) => p.topic))).toEqual(new Set([checkout, admissions]));
    await expectSameAsOracle(group, snapshot);
  });

  it('an active group: members, their assignments and offsets equal the oracle', async () => {
    const name = await topic(4, [12, 12, 12, 12]);
    const group = uniqueName('billing');
    const consumers: Consumer[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const consumer = kafka.consumer({ groupId: group });
        consumers.push(consumer);
        await consumer.connect();
        await consumer.subscribe({ topic: name, fromBeginning: true });
        await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
      }
      const stable = async () => {
        const s = await readOne({ group, topics: [name] });
        const assigned = s.members.flatMap((m) => m.assignment.flatMap((a) => a.partitions));
        return s.state === 'Stable' && s.members.length === 2 && assigned.length === 4 ? s : undefined;
      };
      await eventually('a stable group with both members assigned', stable, { timeoutMs: 30_000 });
      // A member commits within the current generation (a commit during a rebalance is refused).
      await eventually(
        'a commit by a member',
        async () => {
          await consumers[0]?.commitOffsets([{ topic: name, partition: 0, offset: '7' }]);
          return true;
        },
        { timeoutMs: 20_000 },
      );
      const snapshot = await eventually('the group to be stable again', stable, { timeoutMs: 30_000 });
      expect(snapshot.partitions.find((p) => p.partition === 0)?.committed).toEqual({ kind: 'committed', offset: 7n });
      const oracle = await expectSameAsOracle(group, snapshot);
      for (const row of oracle) {
        const owner = snapshot.members.find((m) => m.assignment.some((a) => a.partitions.includes(row.partition)));
        expect(owner?.memberId).toBe(row.consumerId);
      }
    } finally {
      await Promise.all(consumers.map((c) => c.disconnect()));
    }
  });

  it('records deleted below the committed offset move the log start; offsets still equal the oracle', async () => {
    const name = await topic(2, [50, 50]);
    const group = uniqueName('billing');
    await commit(kafka, group, name, { 0: 10, 1: 45 });
    await deleteRecordsBelow(admin, name, 0, 30);
    const snapshot = await readOne({ group });
    expect(snapshot.partitions[0]?.end).toEqual({ kind: 'available', logStart: 30n, end: 50n });
    expect(snapshot.partitions[1]?.end).toEqual({ kind: 'available', logStart: 0n, end: 50n });
    await expectSameAsOracle(group, snapshot);
  });

  it('read_committed ends at the last stable offset, where the oracle (high watermark) shows more lag', async () => {
    const name = await topic(1, []);
    const producer = kafka.producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const committedTx = await producer.transaction();
    await committedTx.send({ topic: name, messages: Array.from({ length: 10 }, (_, i) => ({ value: `a${i}` })) });
    await committedTx.commit(); // offsets 0-9, commit marker at 10
    const openTx = await producer.transaction();
    await openTx.send({ topic: name, messages: Array.from({ length: 5 }, (_, i) => ({ value: `b${i}` })) }); // 11-15
    try {
      const group = uniqueName('billing');
      await commit(kafka, group, name, { 0: 11 });
      const uncommitted = await readOne({ group, isolation: 'read_uncommitted' });
      const readCommitted = await readOne({ group, isolation: 'read_committed' });
      // By definition: the high watermark (16) counts the open transaction's 5 records, which a
      // read_committed consumer cannot read yet; the last stable offset (11) is where it must stop.
      expect(uncommitted.partitions[0]?.end).toEqual({ kind: 'available', logStart: 0n, end: 16n });
      expect(readCommitted.partitions[0]?.end).toEqual({ kind: 'available', logStart: 0n, end: 11n });
      const [oracle] = await describeGroups(services().kafkaBrokers, { group });
      expect(oracle?.logEndOffset).toBe(16n);
      expect(oracle?.lag).toBe(5n);
      await expectSameAsOracle(group, uncommitted);
    } finally {
      await openTx.abort();
      await producer.disconnect();
    }
  });

  it('a deleted topic is never zero lag: topic-deleted partitions while offsets remain, then an error naming it', async () => {
    const name = await topic(2, [5, 5]);
    const group = uniqueName('pharmacy');
    await commit(kafka, group, name, { 0: 5, 1: 2 });
    await admin.deleteTopics({ topics: [name] });
    // Kafka drops the committed offsets of a deleted topic shortly after; until then its partitions
    // read as topic-deleted. Either way the lag is reported as unknown, never as zero.
    const outcome = await eventually(
      'the deleted topic to be named',
      async () => {
        const [result] = await reader.read([{ group, topics: [name] }]);
        if (result?.kind === 'ok') {
          expect(result.snapshot.partitions.map((p) => p.end.kind === 'unavailable' && p.end.reason)).toEqual([
            'topic-deleted',
            'topic-deleted',
          ]);
          return undefined;
        }
        return result;
      },
      { timeoutMs: 30_000 },
    );
    // With its last offsets gone the group itself no longer exists (not-found); a group that still
    // exists (other topics, members) gets an error naming the topic.
    expect(['not-found', 'error']).toContain(outcome.kind);
    if (outcome.kind === 'error') expect(outcome.message).toMatch(new RegExp(`topic ${name} does not exist`));

    const other = await topic(1, [3]);
    await commit(kafka, group, other, { 0: 1 });
    const [named] = await reader.read([{ group, topics: [name, other] }]);
    expect(named).toMatchObject({ kind: 'error', group, retriable: false });
    expect(named?.kind === 'error' && named.message).toMatch(new RegExp(`topic ${name} does not exist`));
  });

  it('an unknown group is not-found, and does not hide a good group read with it', async () => {
    const name = await topic(1, [3]);
    const good = uniqueName('billing');
    await commit(kafka, good, name, { 0: 1 });
    const missing = uniqueName('no-such-group');
    const results = await reader.read([{ group: missing }, { group: good }]);
    expect(results[0]).toEqual({ kind: 'not-found', group: missing });
    expect(results[1]?.kind).toBe('ok');
  });
});

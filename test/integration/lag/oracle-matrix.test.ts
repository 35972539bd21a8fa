/**
 * The oracle matrix: groups made by Kafka's own Java client (classic eager range, classic
 * cooperative-sticky, the consumer protocol of KIP-848) on Kafka 4.x and on 3.9.1. Members, their
 * assignments and epochs, the group state and every partition's offsets and lag must equal Kafka's
 * `ConsumerGroupCommand --describe --members --verbose --state`.
 */
import type { Admin, Kafka } from 'kafkajs';
import { Kafka as KafkaClient, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import { isReconciled, type GroupSnapshot, type TopicPartitions } from '#domain/lag/index';
import { describeAll } from '#support/consumer-group-command';
import { startJavaConsumers, type JavaConsumers, type JavaGroupKind } from '#support/java-consumers';
import { createTopic, produce } from '#support/kafka';
import { eventually, services, uniqueName } from '#support/services';
import { kafka3Version, kafkaVersion } from '../../../tools/services/kafka';
import { down, up } from '../../../tools/services/manager';

const kinds: readonly { readonly name: string; readonly kind: JavaGroupKind; readonly state: string }[] = [
  { name: 'classic, eager range', kind: { protocol: 'classic', assignor: 'range' }, state: 'range' },
  {
    name: 'classic, cooperative-sticky',
    kind: { protocol: 'classic', assignor: 'cooperative-sticky' },
    state: 'cooperative-sticky',
  },
  { name: 'consumer protocol (KIP-848)', kind: { protocol: 'consumer' }, state: 'uniform' },
];

const flat = (topics: readonly TopicPartitions[] | undefined): string[] =>
  (topics ?? []).flatMap((t) => t.partitions.map((p) => `${t.topic}:${p}`)).sort();

describe.each([
  { broker: `Kafka ${kafkaVersion}`, service: 'kafka' as const },
  { broker: `Kafka ${kafka3Version}`, service: 'kafka39' as const },
])('$broker: groups of Kafka’s Java client read as Kafka’s own tool reads them', ({ service }) => {
  let brokers = '';
  let stopBroker: (() => Promise<void>) | undefined;
  let kafka: Kafka;
  let admin: Admin;
  let reader: KafkajsOffsetReader;
  const jvms: JavaConsumers[] = [];
  const groups = kinds.map((k) => ({ ...k, group: uniqueName(`oracle-${k.kind.protocol}`) }));
  const topics = [uniqueName('patient-checkout'), uniqueName('admissions')];

  beforeAll(async () => {
    if (service === 'kafka') {
      brokers = services().kafkaBrokers;
    } else {
      const { services: running, started } = await up(['kafka39']);
      brokers = running.kafka39?.endpoint ?? '';
      stopBroker = started.length > 0 ? () => down(started) : undefined;
    }
    kafka = new KafkaClient({ brokers: [brokers], clientId: 'oracle', logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topics[0] ?? '', 6);
    await createTopic(admin, topics[1] ?? '', 3);
    await produce(kafka, topics[0] ?? '', [9, 9, 9, 2, 0, 9]);
    await produce(kafka, topics[1] ?? '', [4, 9, 9]);
    reader = new KafkajsOffsetReader({ connection: { brokers: [brokers] }, clock: { now: () => Date.now() } });
    // Three members per group, each consuming up to offset 5 then holding still.
    for (const g of groups) {
      jvms.push(
        await startJavaConsumers({ brokers, group: g.group, topics, kind: g.kind, members: 3, stopAtOffset: 5 }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(jvms.map((j) => j.stop()));
    await reader?.close();
    await admin?.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
    await stopBroker?.();
  });

  const lastSeen = new Map<string, string>();

  /** Stable, 3 members, all 9 partitions held, every partition with records committed (up to 5). */
  async function settled(group: string): Promise<GroupSnapshot | undefined> {
    const [result] = await reader.read([{ group, topics }]);
    if (result?.kind !== 'ok') {
      lastSeen.set(group, JSON.stringify(result));
      return undefined;
    }
    const s = result.snapshot;
    const held = s.members.flatMap((m) => flat(m.assignment));
    const committed = s.partitions.filter((p) => p.committed.kind === 'committed').length;
    lastSeen.set(
      group,
      `${s.state} ${s.protocol} reconciled=${isReconciled(s)} members=${s.members.length} held=${held.length} committed=${committed}`,
    );
    return isReconciled(s) && s.members.length === 3 && held.length === 9 && committed === 8 ? s : undefined;
  }

  /** Waits for a group to settle; a timeout says what the group looked like and what its JVM printed. */
  async function settle(name: string, group: string, jvm: JavaConsumers | undefined): Promise<GroupSnapshot> {
    try {
      return await eventually(`${name} to settle`, () => settled(group), { timeoutMs: 90_000 });
    } catch (error) {
      throw new Error(
        `${(error as Error).message}; last seen: ${lastSeen.get(group) ?? '-'}; JVM output:\n${jvm?.output().slice(-3000) ?? ''}`,
      );
    }
  }

  it('members, assignments, epochs, state and lag equal ConsumerGroupCommand for all three kinds of group', async () => {
    const snapshots = new Map<string, GroupSnapshot>();
    for (const [i, g] of groups.entries()) snapshots.set(g.group, await settle(g.name, g.group, jvms[i]));
    const oracle = await describeAll(brokers);
    for (const g of groups) {
      const ours = snapshots.get(g.group);
      const state = oracle.states.find((s) => s.group === g.group);
      expect({ group: g.name, state: ours?.state, members: ours?.members.length }).toEqual({
        group: g.name,
        state: state?.state,
        members: state?.members,
      });
      expect(state?.assignmentStrategy).toBe(g.state);
      expect(ours?.protocol).toBe(g.kind.protocol);
      const theirs = oracle.members.filter((m) => m.group === g.group);
      const oursMembers = (ours?.members ?? []).map((m) => ({
        consumerId: m.memberId,
        host: m.host,
        clientId: m.clientId,
        currentAssignment: flat(m.assignment),
        currentEpoch: m.memberEpoch,
        targetEpoch: m.targetAssignment === undefined ? undefined : ours?.epochs?.assignment,
        targetAssignment: m.targetAssignment === undefined ? undefined : flat(m.targetAssignment),
      }));
      const theirMembers = theirs.map(
        ({ consumerId, host, clientId, currentAssignment, currentEpoch, targetEpoch, targetAssignment }) => ({
          consumerId,
          host,
          clientId,
          currentAssignment: [...currentAssignment],
          currentEpoch,
          targetEpoch,
          targetAssignment: targetAssignment === undefined ? undefined : [...targetAssignment],
        }),
      );
      const byId = (a: { consumerId: string }, b: { consumerId: string }) => a.consumerId.localeCompare(b.consumerId);
      expect(oursMembers.sort(byId)).toEqual(theirMembers.sort(byId));
      const rows = oracle.partitions.filter((p) => p.group === g.group);
      expect(rows).toHaveLength(9);
      for (const row of rows) {
        const p = ours?.partitions.find((x) => x.topic === row.topic && x.partition === row.partition);
        const current = p?.committed.kind === 'committed' ? p.committed.offset : undefined;
        const end = p?.end.kind === 'available' ? p.end.end : undefined;
        expect({
          at: `${row.topic}-${row.partition}`,
          current,
          end,
          lag: current === undefined || end === undefined ? undefined : end - current,
        }).toEqual({
          at: `${row.topic}-${row.partition}`,
          current: row.currentOffset,
          end: row.logEndOffset,
          lag: row.lag,
        });
        const owner = ours?.members.find((m) => flat(m.assignment).includes(`${row.topic}:${row.partition}`));
        expect(owner?.memberId).toBe(row.consumerId);
      }
    }
  });
});

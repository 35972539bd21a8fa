import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterReaders } from '#adapters/kafka/cluster-readers';
import { KafkajsOffsetReader } from '#adapters/kafka/kafkajs-offset-reader';
import { runTick } from '#application/tick';
import { kafkaClustersOf, parseScalerConfig } from '#domain/config/scaler-config';
import { createConsumerService } from '../../support/ecs';
import { commit, createTopic, produce, testKafka } from '../../support/kafka';
import { realDependencies } from '../../support/scaler';
import { services, uniqueName } from '../../support/services';

const kafka = testKafka();
const admin = kafka.admin();
const topic = uniqueName('patient-checkout');

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('one tick over two Kafka clusters (the real broker, and one that cannot be reached)', () => {
  it('reads each cluster with its own reader; the unreachable one fails its targets only, even for the same group name', async () => {
    await admin.connect();
    await createTopic(admin, topic, 2);
    await produce(kafka, topic, [300, 300]);
    const group = uniqueName('billing');
    await commit(kafka, group, topic, { 0: 0, 1: 0 });
    const { deps, ecs } = await realDependencies({ namespace: uniqueName('KLA-Clusters') });
    const east = await createConsumerService(ecs, { service: 'billing-east', desiredCount: 1 });
    const west = await createConsumerService(ecs, { service: 'billing-west', desiredCount: 1, cluster: east.cluster });
    for (const service of [east, west]) await ecs.send(new UpdateServiceCommand({ ...service, desiredCount: 1 }));
    const policy = { lagPerTaskThreshold: 250, maxTasks: 8, settleTimeoutSeconds: 1, scaleOutCooldownSeconds: 0 };
    const config = parseScalerConfig({
      kafkaClusters: {
        east: { brokers: [services().kafkaBrokers] },
        // Nothing listens there: the cluster is down.
        west: { brokers: ['127.0.0.1:1'] },
      },
      targets: [
        { id: 'east-billing', group, kafkaCluster: 'east', topics: [topic], service: east, policy },
        { id: 'west-billing', group, kafkaCluster: 'west', topics: [topic], service: west, policy },
      ],
    });
    const clusters = kafkaClustersOf(config);
    const created: string[] = [];
    const reader = new ClusterReaders({
      clusters: [...clusters.keys()],
      defaultCluster: 'default',
      create: (cluster) => {
        created.push(cluster);
        const brokers = clusters.get(cluster)?.brokers ?? [];
        return Promise.resolve(
          new KafkajsOffsetReader({
            connection: { brokers, connectionTimeoutMs: 500 },
            clock: { now: () => Date.now() },
            readTimeoutMs: 5_000,
          }),
        );
      },
    });
    await deps.reader.close();
    const tickDeps = { ...deps, reader };

    // The group has no member yet: the policy waits settleTimeoutSeconds (1 s) before deciding.
    const reports = [];
    for (let tick = 0; tick < 10; tick++) {
      const report = await runTick(config, tickDeps);
      reports.push(report);
      if (report.targets.some((o) => o.target === 'east-billing' && o.kind === 'acted')) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(reports.every((r) => r.kafkaError === undefined)).toBe(true);
    const byTarget = new Map((reports[reports.length - 1]?.targets ?? []).map((o) => [o.target, o]));
    // east measured the group's 600 records of lag and scaled out (the partitions cap it at 2).
    expect(byTarget.get('east-billing')).toMatchObject({ kind: 'acted', decision: { kind: 'scale', from: 1, to: 2 } });
    // west could not be read: it holds, never scales, and says why.
    expect(byTarget.get('west-billing')).toMatchObject({ kind: 'held', decision: { kind: 'hold', rule: 'no-data' } });
    // One reader per cluster, kept across ticks; the failed one is created again on the next tick.
    expect(created.filter((c) => c === 'east')).toEqual(['east']);
    await reader.close();
  }, 60_000);
});

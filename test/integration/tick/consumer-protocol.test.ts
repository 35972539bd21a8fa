/**
 * A consumer-protocol (KIP-848) group made by Kafka's own Java client, scaled out and back in by the
 * real tick (real broker, moto ECS and DynamoDB, LocalStack CloudWatch) without ever waiting for the
 * settle timeout: the group counts as settled once Stable, members = tasks, and every member has
 * reconciled to the target assignment's epoch.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTick, type TickReport } from '#application/tick';
import { parseScalerConfig } from '#domain/config/scaler-config';
import { createConsumerService } from '#support/ecs';
import { startJavaConsumers, type JavaConsumers } from '#support/java-consumers';
import { createTopic, produce, testKafka } from '#support/kafka';
import { realDependencies } from '#support/scaler';
import { eventually, services, uniqueName } from '#support/services';

describe('tick on a consumer-protocol (KIP-848) group of Kafka’s Java client', () => {
  let kafka: Kafka;
  let admin: Admin;
  const jvms: JavaConsumers[] = [];
  const topic = uniqueName('patient-checkout');

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topic, 4);
    await produce(kafka, topic, [300, 300, 300, 300]);
  });
  afterAll(async () => {
    await Promise.all(jvms.map((j) => j.stop()));
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('scales out for a backlog and back in after the drain, each step as soon as the group has reconciled', async () => {
    const { deps, ecs, capacity } = await realDependencies({ namespace: uniqueName('KLA-KIP848') });
    const group = uniqueName('billing');
    const service = await createConsumerService(ecs, { service: 'billing', desiredCount: 1 });
    await ecs.send(new UpdateServiceCommand({ ...service, desiredCount: 1 }));
    // One member that holds all four partitions and commits offset 0: 1200 records of lag.
    const first = await startJavaConsumers({
      brokers: services().kafkaBrokers,
      group,
      topics: [topic],
      kind: { protocol: 'consumer' },
      stopAtOffset: 0,
    });
    jvms.push(first);
    const policy = {
      lagPerTaskThreshold: 250,
      maxTasks: 8,
      scaleOutCooldownSeconds: 0,
      scaleInCooldownSeconds: 0,
      scaleInStabilizationSeconds: 4,
      settleTimeoutSeconds: 300, // the default: a step that waited for it would time this test out
    };
    const config = parseScalerConfig({
      kafka: { brokers: [services().kafkaBrokers] },
      // The Java consumer resets to earliest: a partition it has not committed on yet is all lag.
      targets: [{ group, topics: [topic], service, policy, offsetResetPolicy: 'earliest' }],
    });
    const reports: TickReport[] = [];
    const tick = async () => {
      const report = await runTick(config, deps);
      reports.push(report);
      return report.targets[0];
    };

    const out = await eventually(
      'a scale-out once the 1-member group is read as settled',
      async () => {
        const o = await tick();
        return o?.kind === 'acted' ? o.decision : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(out).toMatchObject({ kind: 'scale', from: 1, to: 4, rule: 'lag-threshold' });

    // ECS (moto) runs 4 tasks at once; the group gets 4 members that drain everything.
    await first.stop();
    jvms.push(
      await startJavaConsumers({
        brokers: services().kafkaBrokers,
        group,
        topics: [topic],
        kind: { protocol: 'consumer' },
        members: 4,
      }),
    );
    const started = Date.now();
    // Back to one task; on a loaded machine a tick may still see part of the backlog, and its
    // recommendation (2) in the 4 s stabilization window makes the way down two steps (4, 2, 1).
    const scaleIn = await eventually(
      'a scale-in to one task after the drain',
      async () => {
        const o = await tick();
        return o?.kind === 'acted' && o.decision.kind === 'scale' && o.decision.to === 1 ? o.decision : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    expect(scaleIn).toMatchObject({ direction: 'in', to: 1 });
    expect(Date.now() - started).toBeLessThan(120_000);
    const counts = capacity.updates.map((u) => u.count);
    expect(counts[0]).toBe(4);
    expect(counts.at(-1)).toBe(1);
    // Only down after the scale-out, never back up.
    expect(counts.slice(1).every((count, i) => count < (counts[i] ?? 0))).toBe(true);
    // No step was taken on the settle timeout's say-so.
    const details = reports.flatMap((r) =>
      r.targets.map((t) => ('decision' in t ? (t.decision?.inputs.detail ?? '') : '')),
    );
    expect(details.filter((d) => d.includes('settle timeout'))).toEqual([]);
    await deps.reader.close();
  });
});

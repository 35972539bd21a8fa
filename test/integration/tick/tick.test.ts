import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchMetricsSink } from '#adapters/aws/cloudwatch-metrics-sink';
import { runTick } from '#application/tick';
import { parseScalerConfig, type ScalerConfigInput } from '#domain/config/scaler-config';
import { createConsumerService } from '../../support/ecs';
import { commit, createTopic, produce, testKafka } from '../../support/kafka';
import { realDependencies } from '../../support/scaler';
import { eventually, services, uniqueName } from '../../support/services';

const metricsNamespaceOf = (deps: { metrics: unknown }): string => (deps.metrics as CloudWatchMetricsSink).namespace;

const policy = {
  lagPerTaskThreshold: 250,
  maxTasks: 8,
  scaleOutCooldownSeconds: 0,
  scaleInCooldownSeconds: 0,
  scaleInStabilizationSeconds: 4,
  settleTimeoutSeconds: 60,
};

describe('one tick: read lag (real Kafka), decide, scale (moto ECS), remember (moto DynamoDB), publish (LocalStack)', () => {
  let kafka: Kafka;
  let admin: Admin;
  const consumers: Consumer[] = [];
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  async function backlog(partitions: number, perPartition: number) {
    const topic = uniqueName('patient-checkout');
    topics.push(topic);
    await createTopic(admin, topic, partitions);
    await produce(
      kafka,
      topic,
      Array.from({ length: partitions }, () => perPartition),
    );
    return topic;
  }

  const draining = new Set<Consumer>();

  /**
   * A member of the group that holds its partitions and consumes nothing until `drain`: it resolves
   * and commits no offset before then (a batch fetched before the pause takes effect is left
   * unresolved and delivered again later), so the backlog the test expects stays exact.
   */
  async function member(group: string, topic: string): Promise<Consumer> {
    const consumer = kafka.consumer({ groupId: group, heartbeatInterval: 500, sessionTimeout: 10_000 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (!draining.has(consumer) || batch.isEmpty()) return;
        for (const message of batch.messages) payload.resolveOffset(message.offset);
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
      },
    });
    consumer.pause([{ topic }]);
    return consumer;
  }

  function drain(consumer: Consumer, topic: string): void {
    draining.add(consumer);
    consumer.resume([{ topic }]);
  }

  const config = (input: Omit<ScalerConfigInput, 'kafka'>) =>
    parseScalerConfig({ kafka: { brokers: [services().kafkaBrokers] }, ...input });

  it('scales out for a backlog, publishes the lag, alarms; after the drain, scales in and the alarm clears', async () => {
    const { deps, ecs, cloudwatch, capacity } = await realDependencies({ namespace: uniqueName('KLA-Tick') });
    const topic = await backlog(4, 300);
    const group = uniqueName('billing');
    await commit(kafka, group, topic, { 0: 0, 1: 0, 2: 0, 3: 0 });
    const service = await createConsumerService(ecs, { service: 'billing', desiredCount: 1 });
    await ecs.send(new UpdateServiceCommand({ ...service, desiredCount: 1 })); // moto now runs 1 task
    const first = await member(group, topic);
    const scalerConfig = config({ targets: [{ group, topics: [topic], service, policy }] });
    const alarmName = uniqueName('billing-lag');

    // 1200 records of lag at 250 per task asks for 5 tasks; 4 partitions cap it at 4.
    const report = await eventually(
      'a scale-out decision (the group must settle: 1 member = 1 running task)',
      async () => {
        const r = await runTick(scalerConfig, deps);
        return r.targets[0]?.kind === 'acted' ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1_000 },
    );
    const outcome = report.targets[0];
    expect(outcome?.kind === 'acted' && outcome.decision).toMatchObject({
      kind: 'scale',
      from: 1,
      to: 4,
      rule: 'lag-threshold',
    });
    expect(capacity.updates).toEqual([{ service, count: 4 }]);
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: service.cluster, services: [service.service] }),
    );
    expect(described.services?.[0]?.desiredCount).toBe(4);

    const metricsNamespace = metricsNamespaceOf(deps);
    const lag = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 300_000),
        EndTime: new Date(Date.now() + 60_000),
        MetricDataQueries: [
          {
            Id: 'lag',
            MetricStat: {
              Metric: {
                Namespace: metricsNamespace,
                MetricName: 'SumOffsetLag',
                Dimensions: [{ Name: 'ConsumerGroup', Value: group }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    expect(lag.MetricDataResults?.[0]?.Values?.[0]).toBe(1200);

    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarmName,
        Namespace: metricsNamespace,
        MetricName: 'SumOffsetLag',
        Dimensions: [{ Name: 'ConsumerGroup', Value: group }],
        Statistic: 'Minimum',
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 500,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    const alarmState = async () =>
      (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms?.[0]?.StateValue;
    await eventually(
      'the lag alarm to reach ALARM',
      async () => {
        await runTick(scalerConfig, deps);
        return (await alarmState()) === 'ALARM' ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2_000 },
    );

    // Drain: four consuming members (= 4 running tasks) read and commit everything.
    for (let i = 0; i < 3; i++) await member(group, topic);
    for (const c of consumers.slice(-4)) drain(c, topic);
    void first;
    const scaleIn = await eventually(
      'a scale-in after the drain and the stabilization window',
      async () => {
        const r = await runTick(scalerConfig, deps);
        const o = r.targets[0];
        return o?.kind === 'acted' && o.decision.kind === 'scale' && o.decision.direction === 'in'
          ? o.decision
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 2_000 },
    );
    expect(scaleIn).toMatchObject({ from: 4, to: 1 });
    await eventually(
      'the lag alarm to return to OK',
      async () => {
        await runTick(scalerConfig, deps);
        return (await alarmState()) === 'OK' ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2_000 },
    );
    await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [alarmName] }));
    await deps.reader.close();
  });

  it('two ticks started at the same moment on the same target: exactly one UpdateService', async () => {
    const { deps, ecs, capacity } = await realDependencies({ namespace: uniqueName('KLA-Race') });
    const topic = await backlog(4, 300);
    const group = uniqueName('pharmacy');
    await commit(kafka, group, topic, { 0: 0, 1: 0, 2: 0, 3: 0 });
    const service = await createConsumerService(ecs, { service: 'pharmacy', desiredCount: 1 });
    await ecs.send(new UpdateServiceCommand({ ...service, desiredCount: 1 }));
    await member(group, topic);
    const scalerConfig = config({ targets: [{ group, topics: [topic], service, policy }] });
    await eventually(
      'the group to settle',
      async () => ((await deps.reader.read([{ group }]))[0]?.kind === 'ok' ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
    const reports = await Promise.all([runTick(scalerConfig, deps), runTick(scalerConfig, deps)]);
    expect(capacity.updates).toHaveLength(1);
    const kinds = reports.map((r) => r.targets[0]?.kind).sort();
    expect(kinds).toContain('acted');
    expect(kinds.filter((k) => k === 'acted')).toHaveLength(1);
    await deps.reader.close();
  });

  it('Kafka unreachable: every target holds (no scale-in), an error metric is published', async () => {
    const { deps, ecs, capacity, cloudwatch } = await realDependencies({
      namespace: uniqueName('KLA-Down'),
      brokers: '127.0.0.1:1',
    });
    const service = await createConsumerService(ecs, { service: 'housekeeping', desiredCount: 3 });
    await ecs.send(new UpdateServiceCommand({ ...service, desiredCount: 3 }));
    const scalerConfig = parseScalerConfig({
      kafka: { brokers: ['127.0.0.1:1'] },
      targets: [{ group: 'housekeeping', service, policy: { ...policy, minTasks: 1 } }],
    });
    const report = await runTick(scalerConfig, deps);
    expect(report.kafkaError).toMatch(/cannot reach Kafka brokers 127\.0\.0\.1:1/);
    expect(report.targets[0]).toMatchObject({ kind: 'held', decision: { kind: 'hold', rule: 'no-data' } });
    expect(capacity.updates).toEqual([]);
    const metricsNamespace = metricsNamespaceOf(deps);
    const errors = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 300_000),
        EndTime: new Date(Date.now() + 60_000),
        MetricDataQueries: [
          {
            Id: 'errors',
            MetricStat: {
              Metric: {
                Namespace: metricsNamespace,
                MetricName: 'ScalerErrors',
                Dimensions: [{ Name: 'Target', Value: 'housekeeping' }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(errors.MetricDataResults?.[0]?.Values?.[0]).toBe(1);
    await deps.reader.close();
  });

  it('a missing ECS service fails its own target only; the other target is still handled', async () => {
    const { deps, ecs, logger } = await realDependencies({ namespace: uniqueName('KLA-Missing') });
    const topic = await backlog(2, 10);
    const good = uniqueName('billing');
    await commit(kafka, good, topic, { 0: 10, 1: 10 });
    const service = await createConsumerService(ecs, { service: 'billing', desiredCount: 1 });
    const scalerConfig = config({
      targets: [
        { id: 'ghost', group: good, topics: [topic], service: { cluster: service.cluster, service: 'ghost' }, policy },
        { id: 'real', group: good, topics: [topic], service, policy },
      ],
    });
    const report = await runTick(scalerConfig, deps);
    expect(report.targets[0]).toMatchObject({ target: 'ghost', kind: 'error' });
    expect(report.targets[0]?.kind === 'error' && report.targets[0].message).toMatch(
      /ECS service ghost in cluster .* not found/,
    );
    expect(report.targets[1]?.kind).toBe('held');
    expect(logger.records.some((r) => r.level === 'error' && r.message === 'target failed')).toBe(true);
    await deps.reader.close();
  });
});

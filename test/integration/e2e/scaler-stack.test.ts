import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { ScaledService } from 'kafka-lag-autoscaler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerService } from '../../support/ecs';
import { closeCommitter, commit, createTopic, produce, testKafka } from '../../support/kafka';
import { createStateTable } from '../../support/scaler';
import { awsClientConfig, eventually, services, uniqueName } from '../../support/services';
import {
  deployStack,
  destroyStack,
  jsonCall,
  lambdaExecutorWorks,
  physicalId,
  removeOutdir,
  synthScalerStack,
  type SynthesizedStack,
} from './deploy';

/**
 * Issue 9: the artifact we ship (template, bundled function, environment, schedule, alarms) deployed
 * to LocalStack, its Lambda run by the project's `local-node` executor (tools/localstack-executor),
 * ECS and DynamoDB on moto, the real broker. Nothing invokes the function but the stack's own
 * EventBridge rule, which LocalStack fires about once a minute.
 * Issue 18: the configuration is sharded (two targets, one per invocation), so the rule starts the
 * fan-out state machine, whose Map state invokes the function once per shard (Step Functions in
 * LocalStack); each shard scales its own service. One deployment serves both issues (CI time).
 */
const executorMissing =
  'LocalStack cannot run Lambda functions with the local-node executor (tools/localstack-executor). ' +
  '`npm run services:up` restarts a LocalStack started with an older configuration; check .services/localstack.log.';
// Never skipped: without a working executor the deployed function cannot run, and that is a failure.
const executorWorks = await lambdaExecutorWorks(services().localstack);

describe('the scaler stack deployed to LocalStack (schedule -> Step Functions shards -> Lambda -> moto ECS, CloudWatch metrics, alarm)', () => {
  const suffix = uniqueName('e2e').slice(-6);
  const group = `billing-${suffix}`;
  const otherGroup = `pharmacy-${suffix}`;
  const topic = `patient-checkout-${suffix}`;
  const namespace = `KLA-E2E-${suffix}`;
  let kafka: Kafka;
  let admin: Admin;
  let member: Consumer | undefined;
  let otherMember: Consumer | undefined;
  let synthesized: SynthesizedStack | undefined;
  let deployed = false;
  const ecs = new ECSClient(awsClientConfig(services().moto));
  const cloudwatch = new CloudWatchClient(awsClientConfig(services().localstack));

  beforeAll(async () => {
    if (!executorWorks) throw new Error(executorMissing);
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topic, 4);
    // 1200 records of lag at 250 per task asks for 5 tasks; 4 partitions cap it at 4.
    await produce(kafka, topic, [300, 300, 300, 300]);
    await commit(kafka, group, topic, { 0: 0, 1: 0, 2: 0, 3: 0 });
    await commit(kafka, otherGroup, topic, { 0: 0, 1: 0, 2: 0, 3: 0 });
  });

  afterAll(async () => {
    if (!kafka) return;
    await member?.disconnect().catch(() => undefined);
    await otherMember?.disconnect().catch(() => undefined);
    await closeCommitter(kafka).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    if (synthesized && deployed)
      await destroyStack(services().localstack, synthesized.stackName).catch(() => undefined);
    if (synthesized) removeOutdir(synthesized);
    ecs.destroy();
    cloudwatch.destroy();
  });

  it('deploys sharded, ticks on its schedule through the state machine, each shard scales its service out, publishes lag, alarms; after the drain the alarm clears; destroys', async () => {
    const localstack = services().localstack;
    const service = await createConsumerService(ecs, { service: 'billing', desiredCount: 1 });
    const otherService = await createConsumerService(ecs, {
      service: 'pharmacy',
      desiredCount: 1,
      cluster: service.cluster,
    });
    for (const s of [service, otherService]) await ecs.send(new UpdateServiceCommand({ ...s, desiredCount: 1 })); // moto now runs 1 task
    // One member per group that holds the partitions without consuming: each group is settled at 1 task.
    member = await pausedMember(group);
    otherMember = await pausedMember(otherGroup);
    const table = await createStateTable(new DynamoDBClient(awsClientConfig(services().moto)), `kla-e2e-${suffix}`);

    synthesized = synthScalerStack({
      stackName: `kla-e2e-${suffix}`,
      assetBucket: `kla-e2e-assets-${suffix}`,
      moto: services().moto,
      stateTable: { name: table },
      props: {
        kafka: { bootstrapBrokers: [services().kafkaBrokers] },
        metricsNamespace: namespace,
        // Ticks every 10 s inside each scheduled invocation: the time lag needs two observations.
        pollIntervalSeconds: 10,
        dashboard: false,
        // Two targets, one per invocation: two shards.
        maxTargetsPerInvocation: 1,
        targets: [
          {
            consumerGroup: group,
            topics: [topic],
            service: ScaledService.fromServiceName(service.cluster, service.service),
            policy: {
              lagPerTaskThreshold: 250,
              maxTasks: 8,
              scaleOutCooldownSeconds: 0,
              scaleInCooldownSeconds: 0,
              scaleInStabilizationSeconds: 4,
              settleTimeoutSeconds: 60,
            },
            alarms: { timeLag: { threshold: 5, evaluationPeriods: 1 } },
          },
          {
            consumerGroup: otherGroup,
            topics: [topic],
            service: ScaledService.fromServiceName(otherService.cluster, otherService.service),
            policy: {
              lagPerTaskThreshold: 250,
              maxTasks: 8,
              scaleOutCooldownSeconds: 0,
              settleTimeoutSeconds: 60,
            },
          },
        ],
      },
    });
    const template = synthesized.template;
    const fnLogicalId = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function')?.[0];
    const timeLagAlarmId = Object.entries(template.Resources).find(
      ([, r]) =>
        r.Type === 'AWS::CloudWatch::Alarm' &&
        r.Properties?.MetricName === 'EstimatedMaxTimeLag' &&
        JSON.stringify(r.Properties.Dimensions).includes(group),
    )?.[0];
    expect(fnLogicalId).toBeDefined();
    expect(timeLagAlarmId).toBeDefined();
    // Sharded: the schedule's only target is the state machine; the function runs under its Map state.
    const ruleTargets = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => JSON.stringify(r.Properties?.Targets));
    const machineId = Object.entries(template.Resources).find(
      ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine',
    )?.[0];
    expect(machineId).toBeDefined();
    expect(ruleTargets).toEqual([expect.stringContaining(machineId ?? '')]);
    expect(ruleTargets[0]).not.toContain(fnLogicalId);

    await deployStack(localstack, synthesized);
    deployed = true;
    const functionName = await physicalId(localstack, synthesized.stackName, fnLogicalId ?? '');
    const alarmName = await physicalId(localstack, synthesized.stackName, timeLagAlarmId ?? '');

    // The schedule fires the deployed function: its logs reach LocalStack's CloudWatch Logs.
    const logGroupName = `/aws/lambda/${functionName}`;
    const logs = await eventually(
      `the deployed function's first tick in ${logGroupName} (the rule fires about once a minute; is LocalStack running with LAMBDA_RUNTIME_EXECUTOR=local-node?)`,
      async () => {
        const found = await jsonCall<{ events?: { message: string }[] }>(
          localstack,
          'logs',
          'Logs_20140328.FilterLogEvents',
          { logGroupName },
        );
        const text = (found.events ?? []).map((e) => e.message).join('');
        return text.includes('"message":"decision"') ? text : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 2_000 },
    );
    expect(logs).toContain('START RequestId:');
    expect(logs).not.toContain('"level":"ERROR"');

    // Each shard's decision reached moto's ECS: 4 tasks (the partition count caps the 5 the lag asks for).
    await eventually(
      'billing and pharmacy scaled out to 4 in moto',
      async () => {
        const described = await ecs.send(
          new DescribeServicesCommand({ cluster: service.cluster, services: [service.service, otherService.service] }),
        );
        const counts = (described.services ?? []).map((s) => s.desiredCount);
        return counts.length === 2 && counts.every((n) => n === 4) ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    // ...each from its own invocation: no invocation decided for both groups.
    const decided = await eventually(
      'decisions for both groups in the logs',
      async () => {
        const byInvocation = await decisionsByInvocation(localstack, logGroupName);
        const groups = new Set([...byInvocation.values()].flat());
        return groups.has(group) && groups.has(otherGroup) ? byInvocation : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 2_000 },
    );
    expect(new Set([...decided.values()].flat())).toEqual(new Set([group, otherGroup]));
    expect(decided.size).toBeGreaterThanOrEqual(2);
    for (const groups of decided.values()) expect(new Set(groups).size).toBe(1);

    // The lag metrics are in LocalStack CloudWatch under the stack's namespace.
    const lag = await eventually(
      'SumOffsetLag of the group',
      async () => {
        const data = await cloudwatch.send(
          new GetMetricDataCommand({
            StartTime: new Date(Date.now() - 600_000),
            EndTime: new Date(Date.now() + 60_000),
            MetricDataQueries: [
              {
                Id: 'lag',
                MetricStat: {
                  Metric: {
                    Namespace: namespace,
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
        const values = data.MetricDataResults?.[0]?.Values ?? [];
        return values.length > 0 ? values : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 2_000 },
    );
    expect(Math.max(...lag)).toBe(1200);

    // The stack's own time-lag alarm (threshold 5 s, one period) goes to ALARM.
    const alarmState = async (): Promise<string | undefined> =>
      (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms?.[0]?.StateValue;
    await eventually(`${alarmName} in ALARM`, async () => ((await alarmState()) === 'ALARM' ? true : undefined), {
      timeoutMs: 150_000,
      intervalMs: 2_000,
    });

    // Drain: the member consumes and commits everything; the lag and the time lag drop to 0.
    // LocalStack 4.13.1 evaluates an alarm every Period x EvaluationPeriods over the last
    // EvaluationPeriods + 2 periods and stays in ALARM while any of them breaches (AWS looks at the
    // newest EvaluationPeriods only), so OK comes 3-4 minutes after the last breaching tick.
    member.resume([{ topic }]);
    await eventually(
      `${alarmName} back to OK after the drain`,
      async () => ((await alarmState()) === 'OK' ? true : undefined),
      { timeoutMs: 300_000, intervalMs: 2_000 },
    );

    await destroyStack(localstack, synthesized.stackName);
    deployed = false;
  }, 600_000);

  async function pausedMember(groupId: string): Promise<Consumer> {
    const consumer = kafka.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommitInterval: 200, eachMessage: async () => undefined });
    consumer.pause([{ topic }]);
    return consumer;
  }
});

/** The groups each invocation of the function decided for, by its request id (Powertools' function_request_id). */
async function decisionsByInvocation(localstack: string, logGroupName: string): Promise<Map<string, string[]>> {
  const found = await jsonCall<{ events?: { message: string }[] }>(
    localstack,
    'logs',
    'Logs_20140328.FilterLogEvents',
    { logGroupName },
  );
  const byInvocation = new Map<string, string[]>();
  for (const event of found.events ?? []) {
    for (const line of event.message.split('\n').filter((l) => l.includes('"message":"decision"'))) {
      const record = JSON.parse(line.slice(line.indexOf('{'))) as { group?: string; function_request_id?: string };
      if (record.group === undefined) continue;
      const id = record.function_request_id ?? 'unknown';
      byInvocation.set(id, [...(byInvocation.get(id) ?? []), record.group]);
    }
  }
  return byInvocation;
}

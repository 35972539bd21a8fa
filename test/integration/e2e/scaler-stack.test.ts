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
 */
const executorMissing =
  'LocalStack cannot run Lambda functions with the local-node executor (tools/localstack-executor). ' +
  '`npm run services:up` restarts a LocalStack started with an older configuration; check .services/localstack.log.';
// Never skipped: without a working executor the deployed function cannot run, and that is a failure.
const executorWorks = await lambdaExecutorWorks(services().localstack);

describe('the scaler stack deployed to LocalStack (schedule -> Lambda -> moto ECS, CloudWatch metrics, alarm)', () => {
  const suffix = uniqueName('e2e').slice(-6);
  const group = `billing-${suffix}`;
  const topic = `patient-checkout-${suffix}`;
  const namespace = `KLA-E2E-${suffix}`;
  let kafka: Kafka;
  let admin: Admin;
  let member: Consumer | undefined;
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
  });

  afterAll(async () => {
    if (!kafka) return;
    await member?.disconnect().catch(() => undefined);
    await closeCommitter(kafka).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    if (synthesized && deployed)
      await destroyStack(services().localstack, synthesized.stackName).catch(() => undefined);
    if (synthesized) removeOutdir(synthesized);
    ecs.destroy();
    cloudwatch.destroy();
  });

  it('deploys, ticks on its schedule, scales billing out, publishes lag, alarms; after the drain the alarm clears; destroys', async () => {
    const localstack = services().localstack;
    const service = await createConsumerService(ecs, { service: 'billing', desiredCount: 1 });
    await ecs.send(new UpdateServiceCommand({ ...service, desiredCount: 1 })); // moto now runs 1 task
    // One member that holds the partitions without consuming: the group is settled at 1 task.
    member = kafka.consumer({ groupId: group, heartbeatInterval: 500, sessionTimeout: 10_000 });
    await member.connect();
    await member.subscribe({ topic, fromBeginning: true });
    await member.run({ autoCommitInterval: 200, eachMessage: async () => undefined });
    member.pause([{ topic }]);
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
        ],
      },
    });
    const template = synthesized.template;
    const fnLogicalId = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function')?.[0];
    const timeLagAlarmId = Object.entries(template.Resources).find(
      ([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.MetricName === 'EstimatedMaxTimeLag',
    )?.[0];
    expect(fnLogicalId).toBeDefined();
    expect(timeLagAlarmId).toBeDefined();

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

    // The decision reached moto's ECS: 4 tasks (the partition count caps the 5 the lag asks for).
    await eventually(
      'billing scaled out to 4 in moto',
      async () => {
        const described = await ecs.send(
          new DescribeServicesCommand({ cluster: service.cluster, services: [service.service] }),
        );
        return described.services?.[0]?.desiredCount === 4 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1_000 },
    );

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
});

import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import {
  KafkaAuth,
  KafkaLagScaler,
  ScaledService,
  type KafkaLagScalerProps,
  type ScalerTargetOptions,
} from 'kafka-lag-autoscaler';
import {
  canonicalStatements,
  deliveredConfig,
  nagFindings,
  onlyResource,
  renderIntrinsics,
  resourceNamed,
  testApp,
  type Json,
  noAlarms,
} from './support';

/** An asymmetric matcher typed as unknown, so it can sit in typed expectations without `any`. */
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

const target = (group: string, kafkaCluster?: string, cluster = 'hospital'): ScalerTargetOptions => ({
  consumerGroup: group,
  topics: ['patient-checkout'],
  ...(kafkaCluster === undefined ? {} : { kafkaCluster }),
  service: ScaledService.fromServiceName(cluster, group),
  alarms: noAlarms,
});

function scalerStack(props: Omit<KafkaLagScalerProps, 'kafka'> & Partial<Pick<KafkaLagScalerProps, 'kafka'>>) {
  const stack = new Stack(testApp(), 'Scale');
  const scaler = new KafkaLagScaler(stack, 'Scaler', { dashboard: false, ...props });
  const template = Template.fromStack(stack);
  return { stack, scaler, template };
}

const policyStatements = (template: Template, prefix: string) =>
  (resourceNamed(template, 'AWS::IAM::Policy', prefix).Properties.PolicyDocument as { Statement: Json[] }).Statement;

describe('KafkaLagScaler with several Kafka clusters', () => {
  function clustered() {
    const stack = new Stack(testApp(), 'Clusters');
    const eastSecret = new secretsmanager.Secret(stack, 'EastSecret');
    Validations.of(eastSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'test fixture, not under test' });
    const mskArn = 'arn:aws:kafka:eu-west-1:111122223333:cluster/west/0b1c-2d3e';
    const scaler = new KafkaLagScaler(stack, 'Scaler', {
      kafkaClusters: {
        east: { bootstrapBrokers: ['e-1:9096'], tls: true, auth: KafkaAuth.saslScram(eastSecret) },
        west: { bootstrapBrokers: ['w-1:9098'], tls: true, auth: KafkaAuth.mskIam({ clusterArn: mskArn }) },
      },
      targets: [target('billing', 'east'), target('pharmacy', 'west')],
    });
    return { stack, scaler, eastSecret, template: Template.fromStack(stack) };
  }
  const fixture = clustered();

  it('delivers each cluster and the cluster each target names', () => {
    const config = deliveredConfig(fixture.stack, fixture.template);
    expect(config.kafka).toBeUndefined();
    expect(Object.keys(config.kafkaClusters ?? {})).toEqual(['east', 'west']);
    expect(config.kafkaClusters?.west).toMatchObject({ brokers: ['w-1:9098'], auth: { type: 'msk-iam' } });
    expect(config.targets.map((t) => [t.group, t.kafkaCluster])).toEqual([
      ['billing', 'east'],
      ['pharmacy', 'west'],
    ]);
  });

  it("grants each cluster's authentication: the east secret, MSK IAM on the west cluster for its group only", () => {
    const statements = canonicalStatements(policyStatements(fixture.template, 'ScalerTickRole'));
    const on = (action: string) =>
      statements.find((s) => JSON.stringify(s).includes(`"${action}"`)) as { Resource: Json[] } | undefined;
    expect(on('secretsmanager:GetSecretValue')).toBeDefined();
    expect(on('kafka-cluster:Connect')?.Resource).toEqual([
      'arn:aws:kafka:eu-west-1:111122223333:cluster/west/0b1c-2d3e',
    ]);
    expect(on('kafka-cluster:DescribeGroup')?.Resource).toEqual([
      'arn:aws:kafka:eu-west-1:111122223333:group/west/0b1c-2d3e/pharmacy',
    ]);
    expect(on('kafka-cluster:DescribeTopic')?.Resource).toEqual([
      'arn:aws:kafka:eu-west-1:111122223333:topic/west/0b1c-2d3e/patient-checkout',
    ]);
  });

  it('has no unacknowledged AwsSolutions findings', () => {
    expect(nagFindings(fixture.stack)).toEqual([]);
  });
});

describe('KafkaLagScaler fan-out on Step Functions', () => {
  it('invokes the function from the schedule while the targets fit one invocation', () => {
    const { scaler, template } = scalerStack({
      kafka: { bootstrapBrokers: ['k:9092'] },
      maxTargetsPerInvocation: 2,
      targets: [target('billing'), target('pharmacy')],
    });
    expect(scaler.stateMachine).toBeUndefined();
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    const rule = onlyResource(template, 'AWS::Events::Rule').Properties;
    expect(rule.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ScalerTick/), 'Arn'] } }),
    ]);
  });

  function fannedOut() {
    return scalerStack({
      kafka: { bootstrapBrokers: ['k:9092'] },
      kafkaClusters: { east: { bootstrapBrokers: ['e:9092'] } },
      maxTargetsPerInvocation: 2,
      maxConcurrentShards: 3,
      metricsNamespace: 'Hospital/Lag',
      targets: [target('a'), target('b', 'east'), target('c'), target('d'), target('e', 'east')],
    });
  }
  const fanned = fannedOut();
  const definition = (): Record<string, unknown> => {
    const machine = onlyResource(fanned.template, 'AWS::StepFunctions::StateMachine').Properties;
    return JSON.parse(renderIntrinsics(machine.DefinitionString)) as Record<string, unknown>;
  };

  it('above maxTargetsPerInvocation the schedule starts an express state machine with the shard plan', () => {
    expect(fanned.scaler.stateMachine).toBeDefined();
    const machine = onlyResource(fanned.template, 'AWS::StepFunctions::StateMachine').Properties;
    expect(machine.StateMachineType).toBe('EXPRESS');
    expect(machine.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    const rule = onlyResource(fanned.template, 'AWS::Events::Rule').Properties as { Targets: { Input: string }[] };
    expect(rule.Targets).toHaveLength(1);
    // Grouped by cluster (default: a, c, d -> 2 shards; east: b, e -> 1), even sizes.
    expect(JSON.parse(rule.Targets[0]?.Input ?? '{}')).toEqual({
      shards: [
        { index: 0, count: 3, cluster: 'default' },
        { index: 1, count: 3, cluster: 'default' },
        { index: 2, count: 3, cluster: 'east' },
      ],
    });
    expect(deliveredConfig(fanned.stack, fanned.template).maxTargetsPerInvocation).toBe(2);
  });

  it('runs each shard in a Map iteration with bounded concurrency; a failed shard is caught and counted', () => {
    const shards = (definition().States as Record<string, Record<string, unknown>>).Shards;
    expect(shards).toMatchObject({ Type: 'Map', ItemsPath: '$.shards', MaxConcurrency: 3, ResultPath: null });
    const states = (shards?.ItemProcessor as { States: Record<string, Record<string, unknown>> }).States;
    expect(states.TickShard).toMatchObject({
      Type: 'Task',
      Resource: matching(/^\$\{ScalerTick[0-9A-F]+\.Arn\}$/),
      Parameters: { 'shard.$': '$' },
      ResultPath: null,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'CountShardFailure' }],
    });
    expect(states.CountShardFailure).toMatchObject({
      Resource: matching(/:states:::aws-sdk:cloudwatch:putMetricData$/),
      Parameters: { Namespace: 'Hospital/Lag', MetricData: [{ MetricName: 'ShardFailures', Value: 1, Unit: 'Count' }] },
      End: true,
    });
  });

  it('lets the state machine invoke the function and count failures in its namespace only; alarms on a failed shard', () => {
    const statements = JSON.stringify(policyStatements(fanned.template, 'ScalerFanOutStateMachineRole'));
    expect(statements).toContain('lambda:InvokeFunction');
    expect(statements).toContain('{"StringEquals":{"cloudwatch:namespace":"Hospital/Lag"}}');
    fanned.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ShardFailures',
      Namespace: 'Hospital/Lag',
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(fanned.scaler.alarms).toContain(fanned.scaler.shardFailuresAlarm);
    expect(nagFindings(fanned.stack)).toEqual([]);
  });

  it('uses a standard workflow when a tick may outlast an express one (polling fills a long schedule)', () => {
    const { template } = scalerStack({
      kafka: { bootstrapBrokers: ['k:9092'] },
      maxTargetsPerInvocation: 1,
      pollIntervalSeconds: 30,
      schedule: Duration.minutes(10),
      targets: [target('a'), target('b')],
    });
    expect(onlyResource(template, 'AWS::StepFunctions::StateMachine').Properties.StateMachineType).toBe('STANDARD');
  });
});

describe('KafkaLagScaler with thousands of targets', () => {
  it('synthesizes 2,000 targets on 4 ECS clusters: IAM per cluster, two shards, far under 500 resources', () => {
    const targets = Array.from({ length: 2000 }, (_, i) => target(`group-${i}`, undefined, `cluster-${i % 4}`));
    const { stack, template } = scalerStack({ kafka: { bootstrapBrokers: ['k:9092'] }, targets });
    const ecs = canonicalStatements(policyStatements(template, 'ScalerTickRole')).find((s) =>
      JSON.stringify(s).includes('ecs:UpdateService'),
    ) as { Resource: Json[] };
    expect(ecs.Resource.map((arn) => renderIntrinsics(arn))).toEqual(
      [0, 1, 2, 3].map((i) => `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/cluster-${i}/*`),
    );
    const rule = onlyResource(template, 'AWS::Events::Rule').Properties as { Targets: { Input: string }[] };
    expect((JSON.parse(rule.Targets[0]?.Input ?? '{}') as { shards: unknown[] }).shards).toHaveLength(2);
    expect(Object.keys(template.toJSON().Resources as object).length).toBeLessThan(40);
    expect(deliveredConfig(stack, template).targets).toHaveLength(2000);
  });
});

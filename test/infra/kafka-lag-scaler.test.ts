import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { parseScalerConfig } from '#domain/config/scaler-config';
import { KafkaAuth, KafkaLagScaler, ScaledService, ScalerTarget, type KafkaLagScalerProps } from 'kafka-lag-autoscaler';
import {
  canonicalStatements,
  deliveredConfig,
  nagFindings,
  onlyResource,
  renderIntrinsics,
  resourceNamed,
  testApp,
  type Json,
} from './support';

/** The main fixture: in a VPC, SASL/SCRAM, one CDK service and one imported by name. */
function fullStack() {
  const app = testApp();
  const stack = new Stack(app, 'Full');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1, flowLogs: { all: {} } });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
  taskDefinition.addContainer('c', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'c' }),
  });
  Validations.of(taskDefinition).acknowledge(
    { id: 'AwsSolutions-ECS2', reason: 'test fixture, not under test' },
    { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'test fixture, not under test' },
  );
  const billing = new ecs.FargateService(stack, 'Billing', {
    cluster,
    taskDefinition,
    minHealthyPercent: 100,
    circuitBreaker: { enable: true, rollback: true },
  });
  const secret = new secretsmanager.Secret(stack, 'KafkaSecret');
  Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'test fixture, not under test' });
  const scaler = new KafkaLagScaler(stack, 'Scaler', {
    kafka: {
      bootstrapBrokers: ['b-1.msk.example:9096', 'b-2.msk.example:9096'],
      tls: true,
      auth: KafkaAuth.saslScram(secret),
    },
    vpc,
    alarms: { scalerErrors: { evaluationPeriods: 5, datapointsToAlarm: 2 } },
    targets: [
      {
        consumerGroup: 'billing',
        service: ScaledService.fromService(billing),
        policy: { maxTasks: 6, drainTargetSeconds: 120 },
        alarms: { offsetsLost: { enabled: false } },
      },
      {
        targetId: 'pharmacy-main',
        consumerGroup: 'pharmacy',
        topics: ['patient-checkout'],
        service: ScaledService.fromServiceName('hospital', 'pharmacy'),
      },
    ],
  });
  return { app, stack, scaler, billing, secret, template: Template.fromStack(stack) };
}

const full = fullStack();

/** A second fixture with the other branch of most props: no VPC, no auth, a given topic, polling. */
function minimalStack(extra: Partial<KafkaLagScalerProps> = {}) {
  const stack = new Stack(testApp(), 'Minimal');
  const scaler = new KafkaLagScaler(stack, 'Scaler', {
    kafka: { bootstrapBrokers: ['localhost:9092'] },
    targets: [{ consumerGroup: 'billing', service: ScaledService.fromServiceName('hospital', 'billing') }],
    ...extra,
  });
  let template: Template | undefined;
  // Synthesized on first use, so a test may still add to the stack before looking at it.
  return {
    stack,
    scaler,
    get template(): Template {
      template ??= Template.fromStack(stack);
      return template;
    },
  };
}

const minimal = minimalStack({
  schedule: Duration.minutes(2),
  pollIntervalSeconds: 20,
  dryRun: true,
  metricsNamespace: 'Hospital/Lag',
  alarmTopic: sns.Topic.fromTopicArn(
    new Stack(testApp(), 'Other'),
    'Given',
    'arn:aws:sns:eu-west-1:111122223333:oncall',
  ),
  dashboard: false,
  stateTableRemovalPolicy: RemovalPolicy.DESTROY,
  ticksMissingAlarm: { enabled: false },
});

/** An asymmetric matcher typed as unknown, so it can sit in typed expectations without `any`. */
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
/** A token of the full fixture as it appears in the template. */
const resolve = (token: unknown): Json => full.stack.resolve(token) as Json;

const fn = (template: Template) => resourceNamed(template, 'AWS::Lambda::Function', 'ScalerTick').Properties;
const env = (template: Template) => (fn(template).Environment as { Variables: Record<string, Json> }).Variables;
const statements = (template: Template) =>
  (resourceNamed(template, 'AWS::IAM::Policy', 'ScalerTickRole').Properties.PolicyDocument as { Statement: Json[] })
    .Statement;

describe('KafkaLagScaler function', () => {
  it('runs the tick handler on Node 22, ARM64, bundled as an ES module', () => {
    expect(fn(full.template)).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 60,
    });
  });

  it('sets exactly the environment the handler reads', () => {
    const variables = env(full.template);
    expect(Object.keys(variables).sort()).toEqual([
      'LAGSCALER_CONFIG_BUCKET',
      'LAGSCALER_CONFIG_KEY',
      'LAGSCALER_CONFIG_SHA256',
      'LAGSCALER_REF_0',
      'LAGSCALER_REF_1',
      'LAGSCALER_REF_2',
      'LOG_LEVEL',
      'NODE_OPTIONS',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_SERVICE_NAME',
      'STATE_TABLE_NAME',
    ]);
    expect(variables).toMatchObject({
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_METRICS_NAMESPACE: 'KafkaLagAutoscaler',
      POWERTOOLS_SERVICE_NAME: 'kafka-lag-autoscaler',
      STATE_TABLE_NAME: { Ref: (resolve(full.scaler.stateTable.tableName) as { Ref: string }).Ref },
    });
  });

  it('passes the validated configuration, defaults applied, as an S3 document and LAGSCALER_KAFKA the Lambda accepts', () => {
    // Read as the Lambda does: the compact document and the connections, parsing restores the defaults.
    const config = deliveredConfig(full.stack, full.template);
    const secretRef = renderIntrinsics(resolve(full.secret.secretArn));
    const billingCluster = renderIntrinsics(resolve(full.billing.cluster.clusterName));
    const billingService = renderIntrinsics(resolve(full.billing.serviceName));
    expect(config).toMatchObject({
      kafka: {
        brokers: ['b-1.msk.example:9096', 'b-2.msk.example:9096'],
        tls: true,
        auth: { type: 'sasl-scram', mechanism: 'scram-sha-512', secretArn: secretRef },
      },
      targets: [
        {
          group: 'billing',
          service: { cluster: billingCluster, service: billingService },
          policy: { maxTasks: 6, drainTargetSeconds: 120, minTasks: 1, scaleInCooldownSeconds: 300 },
        },
        {
          id: 'pharmacy-main',
          group: 'pharmacy',
          topics: ['patient-checkout'],
          service: { cluster: 'hospital', service: 'pharmacy' },
          policy: { maxTasks: 64 },
        },
      ],
      metricsNamespace: 'KafkaLagAutoscaler',
      pollIntervalSeconds: 0,
      dryRun: false,
    });
    // The same schema parses it at cold start: what CDK accepted, the Lambda accepts, unchanged.
    expect(parseScalerConfig(config)).toEqual(config);
  });

  it('logs to its own log group with one month retention', () => {
    full.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    expect(fn(full.template).LoggingConfig).toEqual({ LogGroup: { Ref: matching(/^ScalerTickLogs/) } });
  });

  it('runs in the given VPC with its own security group', () => {
    expect(fn(full.template).VpcConfig).toMatchObject({
      SubnetIds: [{ Ref: matching(/^VpcPrivateSubnet1/) }, { Ref: matching(/^VpcPrivateSubnet2/) }],
      SecurityGroupIds: [{ 'Fn::GetAtt': [matching(/^ScalerTickSecurityGroup/), 'GroupId'] }],
    });
    expect(() => full.scaler.connections.securityGroups).not.toThrow();
  });

  it('sizes the timeout to the schedule when polling within an invocation, and reflects the other props', () => {
    expect(fn(minimal.template)).toMatchObject({ Timeout: 120 });
    expect(fn(minimal.template).VpcConfig).toBeUndefined();
    expect(deliveredConfig(minimal.stack, minimal.template)).toMatchObject({
      kafka: { brokers: ['localhost:9092'], tls: false, auth: { type: 'none' } },
      pollIntervalSeconds: 20,
      dryRun: true,
      metricsNamespace: 'Hospital/Lag',
    });
    expect(env(minimal.template).POWERTOOLS_METRICS_NAMESPACE).toBe('Hospital/Lag');
  });
});

describe('KafkaLagScaler schedule', () => {
  it('invokes the function every minute by default, without retries of a stale tick', () => {
    full.template.resourceCountIs('AWS::Events::Rule', 1);
    full.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScalerTick'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        },
      ],
    });
  });

  it('uses the given interval', () => {
    minimal.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 minutes)' });
  });

  it('turns off Lambda’s own async retries: a failed tick is replaced by the next scheduled one', () => {
    full.template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    full.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^ScalerTick') },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('reserves no concurrency by default, and what reservedConcurrentExecutions says', () => {
    expect(fn(full.template).ReservedConcurrentExecutions).toBeUndefined();
    const { template } = minimalStack({ reservedConcurrentExecutions: 2 });
    expect(fn(template).ReservedConcurrentExecutions).toBe(2);
  });
});

describe('KafkaLagScaler state table', () => {
  it('is keyed by target, on demand, with TTL and point-in-time recovery, retained by default', () => {
    full.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    full.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [{ AttributeName: 'target', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'target', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
    const table = onlyResource(full.template, 'AWS::DynamoDB::Table').Properties;
    expect(table.TableName).toBeUndefined();
  });

  it('follows the removal policy prop (no deletion protection with DESTROY) and the deletion protection prop', () => {
    minimal.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    expect(onlyResource(minimal.template, 'AWS::DynamoDB::Table').Properties.DeletionProtectionEnabled).toBe(false);
    const { template } = minimalStack({ stateTableDeletionProtection: false });
    expect(onlyResource(template, 'AWS::DynamoDB::Table').Properties.DeletionProtectionEnabled).toBe(false);
  });
});

describe('KafkaLagScaler IAM', () => {
  it('grants exactly: own logs, the table, the two named services, metrics in its namespace, reading other autoscalers, the secret, VPC networking, its configuration object', () => {
    const pharmacyArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ecs:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':service/hospital/pharmacy',
        ],
      ],
    };
    const tickLogsId =
      Object.keys(full.template.findResources('AWS::Logs::LogGroup')).find((id) => id.startsWith('ScalerTickLogs')) ??
      'ScalerTickLogs (missing)';
    expect(canonicalStatements(statements(full.template))).toEqual(
      canonicalStatements([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [tickLogsId, 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: [resolve(full.scaler.stateTable.tableArn)],
        },
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':s3:::',
                { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' },
                `/${env(full.template).LAGSCALER_CONFIG_KEY as string}`,
              ],
            ],
          },
        },
        {
          Effect: 'Allow',
          Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
          Resource: [resolve(full.billing.serviceArn), pharmacyArn],
        },
        {
          Effect: 'Allow',
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': 'KafkaLagAutoscaler' } },
        },
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: resolve(full.secret.secretArn),
        },
        {
          Effect: 'Allow',
          // Read-only actions without resource-level permissions, merged into one statement by CDK.
          Action: [
            'application-autoscaling:DescribeScalableTargets',
            'application-autoscaling:DescribeScalingPolicies',
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          Resource: '*',
        },
      ]),
    );
  });

  it('attaches no managed policy to the function role', () => {
    const role = resourceNamed(full.template, 'AWS::IAM::Role', 'ScalerTickRole');
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(JSON.stringify(role.Properties.Policies ?? [])).toBe('[]');
  });

  it('without VPC or secret, grants neither networking nor secrets, and limits metrics to the given namespace', () => {
    const actions = JSON.stringify(statements(minimal.template));
    expect(actions).not.toMatch(/ec2:|secretsmanager:/);
    expect(statements(minimal.template)).toContainEqual({
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Hospital/Lag' } },
    });
  });

  it('with MSK IAM, allows connecting to the cluster and describing only the watched groups and topics', () => {
    const clusterArn = 'arn:aws:kafka:eu-west-1:111122223333:cluster/hospital/0b1c-2d3e';
    const { template, stack } = minimalStack({
      kafka: {
        bootstrapBrokers: ['b-1.hospital.kafka.eu-west-1.amazonaws.com:9098'],
        tls: true,
        auth: KafkaAuth.mskIam({ clusterArn }),
      },
      targets: [
        {
          consumerGroup: 'billing',
          topics: ['patient-checkout'],
          service: ScaledService.fromServiceName('h', 'billing'),
        },
        {
          consumerGroup: 'pharmacy',
          topics: ['patient-checkout', 'prescriptions'],
          service: ScaledService.fromServiceName('h', 'pharmacy'),
        },
      ],
    });
    const prefix = 'arn:aws:kafka:eu-west-1:111122223333';
    const kafkaStatements = statements(template).filter((s) => JSON.stringify(s).includes('kafka-cluster:'));
    expect(canonicalStatements(kafkaStatements)).toEqual(
      canonicalStatements([
        { Effect: 'Allow', Action: 'kafka-cluster:Connect', Resource: clusterArn },
        {
          Effect: 'Allow',
          Action: 'kafka-cluster:DescribeGroup',
          Resource: [`${prefix}:group/hospital/0b1c-2d3e/billing`, `${prefix}:group/hospital/0b1c-2d3e/pharmacy`],
        },
        {
          Effect: 'Allow',
          Action: 'kafka-cluster:DescribeTopic',
          Resource: [
            `${prefix}:topic/hospital/0b1c-2d3e/patient-checkout`,
            `${prefix}:topic/hospital/0b1c-2d3e/prescriptions`,
          ],
        },
      ]),
    );
    expect(deliveredConfig(stack, template)).toMatchObject({
      kafka: { tls: true, auth: { type: 'msk-iam' } },
    });
  });
});

describe('KafkaLagScaler alarms', () => {
  const alarms = (template: Template) =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties as Record<string, Json> & { Dimensions?: { Name: string; Value: string }[] },
    );
  const alarmOn = (template: Template, metricName: string, dimension: string) => {
    const found = alarms(template).filter(
      (a) => a.MetricName === metricName && (a.Dimensions ?? []).some((d) => d.Value === dimension),
    );
    expect(found).toHaveLength(1);
    return found[0];
  };
  const topicRef = () => resolve(full.scaler.alarmTopic.topicArn);

  it('creates the default alarms per target, minus the disabled one, plus ticks missing and the autoscaler check', () => {
    // billing: 7 (offsetsLost disabled), pharmacy-main: 8, ticksMissing: 1, externalScalerCheck: 1
    expect(alarms(full.template)).toHaveLength(17);
    expect(alarms(full.template).filter((a) => a.MetricName === 'OffsetsLost')).toHaveLength(1);
  });

  it('time lag: above the target drain time for 5 periods of one tick', () => {
    expect(alarmOn(full.template, 'EstimatedMaxTimeLag', 'billing')).toMatchObject({
      Namespace: 'KafkaLagAutoscaler',
      Dimensions: [{ Name: 'ConsumerGroup', Value: 'billing' }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 120,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'notBreaching',
    });
    expect(alarmOn(full.template, 'EstimatedMaxTimeLag', 'pharmacy')).toMatchObject({ Threshold: 300 });
  });

  it('health ERR: HealthStatus >= 2 for 3 periods', () => {
    expect(alarmOn(full.template, 'HealthStatus', 'billing')).toMatchObject({
      Threshold: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      Statistic: 'Maximum',
    });
  });

  it('scaler failing: ScalerErrors >= 1 by Target, construct-level override applied, missing not breaching', () => {
    expect(alarmOn(full.template, 'ScalerErrors', 'pharmacy-main')).toMatchObject({
      Dimensions: [{ Name: 'Target', Value: 'pharmacy-main' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it('offsets lost: OffsetsLost > 0 in one period', () => {
    expect(alarmOn(full.template, 'OffsetsLost', 'pharmacy')).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
  });

  it('hot partition: HotPartition >= 1 by Target in 10 periods, the fix in its description', () => {
    const alarm = alarmOn(full.template, 'HotPartition', 'billing');
    expect(alarm).toMatchObject({
      Dimensions: [{ Name: 'Target', Value: 'billing' }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 10,
      DatapointsToAlarm: 10,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm?.AlarmDescription).toMatch(/no task count drains it.*spread its key/);
  });

  it('at max tasks while lag grows: one metric-math alarm over RunningTasks and SumOffsetLag', () => {
    const math = alarms(full.template).filter((a) => Array.isArray(a.Metrics));
    expect(math).toHaveLength(2);
    const billing = math.find((a) => JSON.stringify(a.Metrics).includes('"billing"'));
    expect(billing).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 5,
    });
    const metrics = billing?.Metrics as {
      Expression?: string;
      Id: string;
      MetricStat?: { Metric: Record<string, Json>; Stat: string };
    }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('IF(running >= 6 AND DIFF(lag) > 0, 1, 0)');
    expect(metrics.find((m) => m.Id === 'running')?.MetricStat).toMatchObject({
      Metric: { MetricName: 'RunningTasks', Dimensions: [{ Name: 'Target', Value: 'billing' }] },
      Stat: 'Minimum',
    });
    expect(metrics.find((m) => m.Id === 'lag')?.MetricStat).toMatchObject({
      Metric: { MetricName: 'SumOffsetLag', Dimensions: [{ Name: 'ConsumerGroup', Value: 'billing' }] },
    });
  });

  it('the check for other autoscalers failing: ExternalScalerCheckFailures >= 1 (Sum) in 3 periods, no dimensions', () => {
    const alarm = alarms(full.template).find((a) => a.MetricName === 'ExternalScalerCheckFailures');
    expect(alarm).toMatchObject({
      Namespace: 'KafkaLagAutoscaler',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef()],
    });
    expect(alarm?.Dimensions).toBeUndefined();
    expect(alarm?.AlarmDescription).toMatch(/other autoscalers.*scaling goes on/);
  });

  it('another autoscaler on the service: ConflictingScalers >= 1 in one period; conflicts: StateConflicts >= 1 for 3', () => {
    expect(alarmOn(full.template, 'ConflictingScalers', 'billing')).toMatchObject({
      Dimensions: [{ Name: 'Target', Value: 'billing' }],
      Statistic: 'Maximum',
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: matching(/deregister the scalable target/),
    });
    expect(alarmOn(full.template, 'StateConflicts', 'pharmacy-main')).toMatchObject({
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
  });

  it('ticks missing: fewer than one TickDuration sample for 3 periods, missing data breaching', () => {
    expect(alarms(full.template).find((a) => a.MetricName === 'TickDuration')).toMatchObject({
      Statistic: 'SampleCount',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
    });
  });

  it('exposes each target with its alarms by kind, and every alarm on the scaler', () => {
    const [billing, pharmacy] = full.scaler.targets;
    expect(full.scaler.targets.map((t) => [t.targetId, t.consumerGroup])).toEqual([
      ['billing', 'billing'],
      ['pharmacy-main', 'pharmacy'],
    ]);
    expect(billing?.alarms).toHaveLength(7);
    expect(billing?.offsetsLostAlarm).toBeUndefined();
    for (const alarm of [
      billing?.timeLagAlarm,
      billing?.healthErrorAlarm,
      billing?.scalerErrorsAlarm,
      billing?.conflictingScalersAlarm,
      billing?.stateConflictsAlarm,
    ]) {
      expect(alarm).toBeDefined();
      expect(billing?.alarms).toContain(alarm);
    }
    expect(billing?.atMaxTasksLagGrowingAlarm).toBeDefined();
    expect(pharmacy?.alarms).toHaveLength(8);
    expect(billing?.hotPartitionAlarm).toBeDefined();
    expect(full.scaler.alarms).toHaveLength(17);
    expect(full.scaler.alarms).toContain(full.scaler.ticksMissingAlarm);
    expect(full.scaler.alarms).toContain(full.scaler.externalScalerCheckAlarm);
    expect(minimal.scaler.ticksMissingAlarm).toBeUndefined();
  });

  it('notifies the alarm topic on ALARM and OK', () => {
    for (const alarm of alarms(full.template)) {
      expect(alarm.AlarmActions).toEqual([topicRef()]);
      expect(alarm.OKActions).toEqual([topicRef()]);
      expect(alarm.AlarmName).toBeUndefined();
    }
  });

  it('creates an encrypted, TLS-only topic whose key only this account’s CloudWatch alarms may use', () => {
    full.template.resourceCountIs('AWS::SNS::Topic', 1);
    full.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScalerAlarmTopicKey'), 'Arn'] },
    });
    full.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':cloudwatch:',
                      { Ref: 'AWS::Region' },
                      ':',
                      { Ref: 'AWS::AccountId' },
                      ':alarm:*',
                    ],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
    full.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('uses a given topic and creates none; alarms disabled by props are absent', () => {
    minimal.template.resourceCountIs('AWS::SNS::Topic', 0);
    const all = alarms(minimal.template);
    expect(all).toHaveLength(9);
    for (const alarm of all) expect(alarm.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:111122223333:oncall']);
    expect(all.find((a) => a.MetricName === 'ScalerErrors')).toMatchObject({ Period: 120, Namespace: 'Hospital/Lag' });
  });
});

describe('KafkaLagScaler dashboard and metric helpers', () => {
  it('creates one dashboard (no physical name) with lag, time lag, tasks, decisions, health and errors', () => {
    full.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const dashboard = onlyResource(full.template, 'AWS::CloudWatch::Dashboard').Properties;
    expect(dashboard.DashboardName).toBeUndefined();
    const body = JSON.stringify(dashboard.DashboardBody);
    for (const metric of [
      'SumOffsetLag',
      'MaxOffsetLag',
      'EstimatedMaxTimeLag',
      'DesiredTasks',
      'RunningTasks',
      'RecommendedTasks',
      'ScalingActions',
      'HealthStatus',
      'ScalerErrors',
      'TickDuration',
    ]) {
      expect(body).toContain(metric);
    }
    expect(body).toContain('pharmacy-main');
  });

  it('creates none when disabled', () => {
    minimal.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(minimal.scaler.dashboard).toBeUndefined();
  });

  const [billingTarget, pharmacyTarget] = full.scaler.targets;

  it('builds group metrics on the target with the ConsumerGroup (and Topic) dimension, one tick as period', () => {
    const metric = billingTarget?.metricSumOffsetLag({ topic: 'patient-checkout' });
    expect(metric).toMatchObject({
      namespace: 'KafkaLagAutoscaler',
      metricName: 'SumOffsetLag',
      dimensions: { ConsumerGroup: 'billing', Topic: 'patient-checkout' },
      statistic: 'Maximum',
    });
    expect(metric?.period.toSeconds()).toBe(60);
    expect(billingTarget?.metricEstimatedMaxTimeLag().dimensions).toEqual({ ConsumerGroup: 'billing' });
    expect(minimal.scaler.targets[0]?.metricHealthStatus().period.toSeconds()).toBe(120);
  });

  it('builds target metrics with the Target dimension', () => {
    expect(pharmacyTarget?.metricScalerErrors()).toMatchObject({
      namespace: 'KafkaLagAutoscaler',
      metricName: 'ScalerErrors',
      dimensions: { Target: 'pharmacy-main' },
      statistic: 'Sum',
    });
    expect(billingTarget?.metricDesiredTasks({ statistic: 'Average' }).statistic).toBe('Average');
    expect(full.scaler.metricTickDuration().dimensions ?? {}).toEqual({});
  });

  it('builds the fault outcome metrics: per target, and the tick-level failed autoscaler check', () => {
    expect(
      [
        billingTarget?.metricScalingFailures(),
        billingTarget?.metricStateConflicts(),
        billingTarget?.metricStateReset(),
        billingTarget?.metricConflictingScalers(),
      ].map((m) => [m?.metricName, m?.statistic, m?.dimensions]),
    ).toEqual([
      ['ScalingFailures', 'Sum', { Target: 'billing' }],
      ['StateConflicts', 'Sum', { Target: 'billing' }],
      ['StateReset', 'Sum', { Target: 'billing' }],
      ['ConflictingScalers', 'Maximum', { Target: 'billing' }],
    ]);
    expect(full.scaler.metricExternalScalerCheckFailures()).toMatchObject({
      metricName: 'ExternalScalerCheckFailures',
      statistic: 'Sum',
    });
    expect(full.scaler.metricExternalScalerCheckFailures().dimensions ?? {}).toEqual({});
  });

  it('builds any metric of its namespace with metric(name), one tick as period', () => {
    const metric = minimal.scaler.metric('RunningTasks', {
      statistic: 'Minimum',
      dimensionsMap: { Target: 'billing' },
    });
    expect(metric).toMatchObject({
      namespace: 'Hospital/Lag',
      metricName: 'RunningTasks',
      statistic: 'Minimum',
      dimensions: { Target: 'billing' },
    });
    expect(metric.period.toSeconds()).toBe(120);
  });
});

describe('KafkaLagScaler and cdk-nag', () => {
  it('has no unacknowledged AwsSolutions findings', () => {
    expect(nagFindings(full.stack)).toEqual([]);
    expect(nagFindings(minimal.stack)).toEqual([]);
  });

  it('reports no synth errors or warnings', () => {
    expect(Annotations.fromStack(full.stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(full.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('KafkaLagScaler targets added after construction (addTarget)', () => {
  function laterTargets() {
    const stack = new Stack(testApp(), 'Later');
    const scaler = new KafkaLagScaler(stack, 'Scaler', { kafka: { bootstrapBrokers: ['kafka-1:9092'] } });
    const billing = scaler.addTarget({
      consumerGroup: 'billing',
      service: ScaledService.fromServiceName('hospital', 'billing'),
      policy: { maxTasks: 3 },
    });
    const pharmacy = scaler.addTarget({
      targetId: 'pharmacy-main',
      consumerGroup: 'pharmacy',
      service: ScaledService.fromServiceName('hospital', 'pharmacy'),
      alarms: { timeLag: { threshold: 30 } },
    });
    return { stack, scaler, billing, pharmacy, template: Template.fromStack(stack) };
  }
  const later = laterTargets();

  it('delivers every target added by synth time in the configuration document', () => {
    const config = deliveredConfig(later.stack, later.template);
    expect(config.targets.map((t) => [t.id ?? t.group, t.service.service, t.policy.maxTasks])).toEqual([
      ['billing', 'billing', 3],
      ['pharmacy-main', 'pharmacy', 64],
    ]);
  });

  it('returns the target with its metrics and alarms, and may scale exactly the added services', () => {
    expect(later.scaler.targets).toEqual([later.billing, later.pharmacy]);
    expect(later.pharmacy.metricSumOffsetLag().dimensions).toEqual({ ConsumerGroup: 'pharmacy' });
    expect(later.pharmacy.metricRecommendedTasks().dimensions).toEqual({ Target: 'pharmacy-main' });
    expect(later.pharmacy.alarms).toContain(later.pharmacy.timeLagAlarm);
    later.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EstimatedMaxTimeLag',
      Dimensions: [{ Name: 'ConsumerGroup', Value: 'pharmacy' }],
      Threshold: 30,
    });
    const ecsStatement = canonicalStatements(statements(later.template)).find((st) =>
      JSON.stringify(st).includes('ecs:'),
    ) as { Resource: Json[] };
    expect(ecsStatement.Resource.map((arn) => renderIntrinsics(arn))).toEqual([
      'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/hospital/billing',
      'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/hospital/pharmacy',
    ]);
  });

  it('adds a dashboard row per target', () => {
    const body = JSON.stringify(onlyResource(later.template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    expect(body).toContain('## billing');
    expect(body).toContain('## pharmacy-main');
  });

  it('rejects a target whose id is taken, naming it and the fix, before creating anything', () => {
    const { scaler } = laterTargets();
    expect(() =>
      scaler.addTarget({ consumerGroup: 'billing', service: ScaledService.fromServiceName('hospital', 'other') }),
    ).toThrow(
      /targets\[2\] \(group 'billing'\)\.targetId: target id 'billing' is used twice; give each target a unique id/,
    );
    expect(scaler.targets).toHaveLength(2);
  });

  it('accepts a target constructed directly (new ScalerTarget with the scaler in its props), like addTarget', () => {
    const stack = new Stack(testApp(), 'Direct');
    const scaler = new KafkaLagScaler(stack, 'Scaler', { kafka: { bootstrapBrokers: ['kafka-1:9092'] } });
    const orders = new ScalerTarget(stack, 'Orders', {
      scaler,
      consumerGroup: 'orders',
      service: ScaledService.fromServiceName('shop', 'orders'),
    });
    expect(scaler.targets).toEqual([orders]);
    const config = deliveredConfig(stack, Template.fromStack(stack));
    expect(config.targets.map((t) => t.group)).toEqual(['orders']);
    expect(
      () => new ScalerTarget(stack, 'Again', { scaler, consumerGroup: 'orders', service: orders.service }),
    ).toThrow(/target id 'orders' is used twice/);
  });

  it('fails synth when no target was added', () => {
    const app = testApp();
    new KafkaLagScaler(new Stack(app, 'Empty'), 'Scaler', { kafka: { bootstrapBrokers: ['kafka-1:9092'] } });
    expect(() => app.synth()).toThrow(
      /KafkaLagScaler 'Empty\/Scaler': targets: give at least one target \(consumer group -> ECS service\) in props\.targets or with addTarget\(\)/,
    );
  });
});

describe('KafkaLagScaler role, grants and state table', () => {
  it('is grantable: grantPrincipal is the function role, addToRolePolicy adds to it', () => {
    const { stack, scaler } = minimalStack();
    scaler.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: ['arn:aws:kms:eu-west-1:111122223333:key/k'] }),
    );
    expect(stack.resolve((scaler.grantPrincipal as iam.IRole).roleArn)).toEqual(stack.resolve(scaler.role.roleArn));
    expect(statements(Template.fromStack(stack))).toContainEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: 'arn:aws:kms:eu-west-1:111122223333:key/k',
    });
  });

  it('grants invoking a tick and reading the state to other principals', () => {
    const { stack, scaler } = minimalStack();
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    scaler.grantInvoke(operator);
    scaler.grantReadState(operator);
    const policy = resourceNamed(Template.fromStack(stack), 'AWS::IAM::Policy', 'OperatorDefaultPolicy').Properties
      .PolicyDocument as { Statement: Json[] };
    const actions = policy.Statement.flatMap((st) => (st as { Action: string | string[] }).Action);
    expect(actions).toContain('lambda:InvokeFunction');
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']));
    expect(JSON.stringify(policy)).not.toMatch(/dynamodb:PutItem|ecs:/);
  });

  it('uses a given role: the tick statements go to it, and the construct creates none', () => {
    const stack = new Stack(testApp(), 'OwnRole');
    const role = new iam.Role(stack, 'PlatformRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const scaler = new KafkaLagScaler(stack, 'Scaler', {
      kafka: { bootstrapBrokers: ['kafka-1:9092'] },
      role,
      targets: [{ consumerGroup: 'billing', service: ScaledService.fromServiceName('hospital', 'billing') }],
    });
    const template = Template.fromStack(stack);
    expect(scaler.role).toBe(role);
    template.resourceCountIs('AWS::IAM::Role', 1);
    const fnRole = fn(template).Role as { 'Fn::GetAtt': string[] };
    expect(fnRole['Fn::GetAtt'][0]).toMatch(/^PlatformRole/);
    const own = resourceNamed(template, 'AWS::IAM::Policy', 'PlatformRoleDefaultPolicy').Properties.PolicyDocument as {
      Statement: Json[];
    };
    const granted = JSON.stringify(own.Statement);
    for (const action of ['ecs:UpdateService', 'dynamodb:PutItem', 'cloudwatch:PutMetricData', 'logs:PutLogEvents']) {
      expect(granted).toContain(action);
    }
  });

  it('uses a given state table: grants on it, creates none, and rejects a removal policy for it', () => {
    const stack = new Stack(testApp(), 'OwnTable');
    const scaler = new KafkaLagScaler(stack, 'Scaler', {
      kafka: { bootstrapBrokers: ['kafka-1:9092'] },
      stateTable: dynamodb.Table.fromTableName(stack, 'Shared', 'platform-scaler-state'),
      targets: [{ consumerGroup: 'billing', service: ScaledService.fromServiceName('hospital', 'billing') }],
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(env(template).STATE_TABLE_NAME).toBe('platform-scaler-state');
    expect(JSON.stringify(statements(template))).toContain(':table/platform-scaler-state');
    expect(scaler.stateTable.tableName).toBe('platform-scaler-state');
    expect(
      () =>
        new KafkaLagScaler(stack, 'Twice', {
          kafka: { bootstrapBrokers: ['kafka-1:9092'] },
          stateTable: dynamodb.Table.fromTableName(stack, 'Shared2', 'platform-scaler-state'),
          stateTableRemovalPolicy: RemovalPolicy.DESTROY,
        }),
    ).toThrow(/stateTableRemovalPolicy: only applies to the table the construct creates/);
    expect(
      () =>
        new KafkaLagScaler(stack, 'Protected', {
          kafka: { bootstrapBrokers: ['kafka-1:9092'] },
          stateTable: dynamodb.Table.fromTableName(stack, 'Shared3', 'platform-scaler-state'),
          stateTableDeletionProtection: true,
        }),
    ).toThrow(/stateTableDeletionProtection: only applies to the table the construct creates/);
  });
});

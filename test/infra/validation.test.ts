import { Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import {
  KafkaAuth,
  KafkaLagScaler,
  KafkaLagScalerPropsError,
  ScaledService,
  type KafkaLagScalerProps,
  type ScalerTargetOptions,
} from 'kafka-lag-autoscaler';
import { renderIntrinsics, resourceNamed, testApp, type Json } from './support';

const billing: ScalerTargetOptions = {
  consumerGroup: 'billing',
  service: ScaledService.fromServiceName('hospital', 'billing'),
};
const valid: KafkaLagScalerProps = { kafka: { bootstrapBrokers: ['kafka-1:9092'] }, targets: [billing] };

function synthError(props: KafkaLagScalerProps): KafkaLagScalerPropsError {
  const stack = new Stack(testApp(), 'Validation');
  try {
    new KafkaLagScaler(stack, 'Scaler', props);
  } catch (error) {
    if (error instanceof KafkaLagScalerPropsError) return error;
    throw error;
  }
  throw new Error('expected the props to be rejected');
}

describe('KafkaLagScaler props validation (synth time, through the Lambda schema)', () => {
  it.each<[string, KafkaLagScalerProps, RegExp]>([
    [
      'minTasks above maxTasks',
      { ...valid, targets: [{ ...billing, policy: { minTasks: 5, maxTasks: 2 } }] },
      /targets\[0\] \(group 'billing'\)\.policy\.minTasks: minTasks \(5\) is greater than maxTasks \(2\); lower minTasks or raise maxTasks/,
    ],
    [
      'minTasks 0 (scale to zero is its own switch)',
      { ...valid, targets: [{ ...billing, policy: { minTasks: 0 } }] },
      /targets\[0\] \(group 'billing'\)\.policy\.minTasks: .*set scaleToZero: true instead/,
    ],
    [
      'a misspelt policy field',
      { ...valid, targets: [{ ...billing, policy: { maxTask: 3 } as unknown as ScalerTargetOptions['policy'] }] },
      /targets\[0\] \(group 'billing'\)\.policy: unknown field\(s\) 'maxTask'; remove them or fix the spelling/,
    ],
    [
      'a non-positive drain target',
      { ...valid, targets: [{ ...billing, policy: { drainTargetSeconds: 0 } }] },
      /targets\[0\] \(group 'billing'\)\.policy\.drainTargetSeconds: drainTargetSeconds must be greater than 0/,
    ],
    [
      'a broker without a port',
      { ...valid, kafka: { bootstrapBrokers: ['kafka-1:9092', 'kafka-2'] } },
      /kafka\.bootstrapBrokers\[1\]: must be host:port/,
    ],
    [
      'no broker',
      { ...valid, kafka: { bootstrapBrokers: [] } },
      /kafka\.bootstrapBrokers: give at least one broker as host:port/,
    ],
    [
      'an empty consumer group',
      { ...valid, targets: [{ ...billing, consumerGroup: '' }] },
      /targets\[0\] \(group ''\)\.consumerGroup: group must not be empty/,
    ],
    [
      'two targets with the same id',
      { ...valid, targets: [billing, { ...billing, service: ScaledService.fromServiceName('hospital', 'other') }] },
      /targets\[1\] \(group 'billing'\)\.targetId: target id 'billing' is used twice; give each target a unique id/,
    ],
    [
      'a target id with a slash',
      { ...valid, targets: [{ ...billing, targetId: 'billing/main' }] },
      /targets\[0\] \(group 'billing'\)\.targetId: id may use letters, digits/,
    ],
    [
      'a sub-minute schedule',
      { ...valid, schedule: Duration.seconds(30) },
      /schedule: must be a whole number of minutes .* set pollIntervalSeconds \(e\.g\. 30\)/,
    ],
    ['a poll interval over 50 s', { ...valid, pollIntervalSeconds: 90 }, /pollIntervalSeconds: /],
    [
      'deletion protection on a table the stack would delete',
      { ...valid, stateTableRemovalPolicy: RemovalPolicy.DESTROY, stateTableDeletionProtection: true },
      /stateTableDeletionProtection: true with stateTableRemovalPolicy DESTROY cannot work/,
    ],
    [
      'no reserved executions',
      { ...valid, reservedConcurrentExecutions: 0 },
      /reservedConcurrentExecutions: 0 is not a whole number of at least 1 \(0 would stop every tick\)/,
    ],
    [
      'subnets without a VPC',
      { ...valid, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } },
      /vpcSubnets\/securityGroups: only apply with vpc/,
    ],
    [
      'more datapoints than periods',
      { ...valid, alarms: { timeLag: { evaluationPeriods: 2, datapointsToAlarm: 3 } } },
      /alarms\.timeLag\.datapointsToAlarm: 3 is more than evaluationPeriods \(2\)/,
    ],
    [
      'a threshold on the at-max alarm',
      { ...valid, targets: [{ ...billing, alarms: { atMaxTasksLagGrowing: { threshold: 3 } } }] },
      /targets\[0\] \(group 'billing'\)\.alarms\.atMaxTasksLagGrowing\.threshold: this alarm has no threshold/,
    ],
    [
      'construct and target alarm settings that only clash together',
      {
        ...valid,
        alarms: { healthError: { evaluationPeriods: 2 } },
        targets: [{ ...billing, alarms: { healthError: { datapointsToAlarm: 3 } } }],
      },
      /targets\[0\] \(group 'billing'\)\.alarms\.healthError\.datapointsToAlarm: 3 \(with the construct's alarms\) is more than evaluationPeriods \(2\)/,
    ],
    [
      'MSK IAM without TLS',
      {
        ...valid,
        kafka: {
          bootstrapBrokers: ['b-1.hospital.kafka.eu-west-1.amazonaws.com:9098'],
          auth: KafkaAuth.mskIam({ clusterArn: 'arn:aws:kafka:eu-west-1:111122223333:cluster/hospital/0b1c' }),
        },
      },
      /kafka\.tls: MSK IAM authentication needs TLS .*; set tls: true/,
    ],
    [
      'a group that would be an IAM wildcard under MSK IAM',
      {
        ...valid,
        kafka: {
          bootstrapBrokers: ['b-1.hospital.kafka.eu-west-1.amazonaws.com:9098'],
          tls: true,
          auth: KafkaAuth.mskIam({ clusterArn: 'arn:aws:kafka:eu-west-1:111122223333:cluster/hospital/0b1c' }),
        },
        targets: [{ ...billing, consumerGroup: '*' }],
      },
      /targets\[0\] \(group '\*'\)\.consumerGroup: group '\*' contains '\*', an IAM wildcard/,
    ],
    [
      'a broker port out of range',
      { ...valid, kafka: { bootstrapBrokers: ['b-1.example:99999'] } },
      /kafka\.bootstrapBrokers\[0\]: must be host:port \('b-1\.example:99999': port 99999 is outside 1-65535\)/,
    ],
  ])('rejects %s, naming the prop and the fix', (_case, props, expected) => {
    const error = synthError(props);
    expect(error.message).toMatch(/^KafkaLagScaler 'Validation\/Scaler': invalid props:/);
    expect(error.message).toMatch(expected);
  });

  it('lists every problem at once', () => {
    const error = synthError({
      ...valid,
      kafka: { bootstrapBrokers: ['no-port'] },
      schedule: Duration.seconds(90),
      targets: [{ ...billing, policy: { targetUtilization: 2 } }],
    });
    expect(error.problems).toHaveLength(3);
    expect(error.problems.map((p) => p.split(':')[0])).toEqual([
      'schedule',
      'kafka.bootstrapBrokers[0]',
      "targets[0] (group 'billing').policy.targetUtilization",
    ]);
  });

  it("rejects, at synth, more targets than fit in Lambda's 4 KB environment, and says how to split them", () => {
    // Defaults are left out of the environment, so only targets with their own settings fill it up.
    const app = testApp();
    const scaler = new KafkaLagScaler(new Stack(app, 'Large'), 'Scaler', valid);
    for (let i = 0; i < 30; i++) {
      scaler.addTarget({
        consumerGroup: `department-${i}`,
        topics: [`patient-checkout-${i}`],
        service: ScaledService.fromServiceName('hospital', `department-${i}`),
        policy: { maxTasks: 12, drainTargetSeconds: 120, scaleInCooldownSeconds: 600 },
      });
    }
    expect(() => app.synth()).toThrow(
      /targets: the configuration \(\d+ bytes with the other variables\) exceeds Lambda's 4 KB environment limit; split the targets over several KafkaLagScaler constructs \(about \d+ per construct\)/,
    );
  });

  it.each<[string, KafkaLagScalerProps, RegExp]>([
    [
      'a number token as maxTasks',
      { ...valid, targets: [{ ...billing, policy: { maxTasks: Token.asNumber(Fn.importValue('MaxTasks')) } }] },
      /targets\[0\] \(group 'billing'\)\.policy\.maxTasks: is a deploy-time token .*give a literal number/,
    ],
    [
      'a token as the consumer group',
      { ...valid, targets: [{ ...billing, consumerGroup: Fn.importValue('Group') }] },
      /^ {2}targets\[0\]\.consumerGroup: is a deploy-time token .*give a literal string/m,
    ],
    [
      'a token as a topic',
      { ...valid, targets: [{ ...billing, topics: [Fn.importValue('Topic')] }] },
      /targets\[0\] \(group 'billing'\)\.topics\[0\]: is a deploy-time token/,
    ],
    [
      'a token as the metrics namespace',
      { ...valid, metricsNamespace: Fn.importValue('Namespace') },
      /metricsNamespace: is a deploy-time token/,
    ],
  ])('rejects %s with a message that names the prop and what to pass instead', (_case, props, expected) => {
    const error = synthError(props);
    expect(error.message).toMatch(expected);
    expect(error.message).toMatch(/tryGetContext/);
    expect(error.message).not.toMatch(/e\+\d{3}|\$\{Token/);
  });

  it('accepts a deploy-time token as a broker and passes it through unchanged', () => {
    const stack = new Stack(testApp(), 'Tokens');
    new KafkaLagScaler(stack, 'Scaler', {
      ...valid,
      kafka: { bootstrapBrokers: [Fn.importValue('KafkaBootstrapBroker')] },
    });
    const fn = resourceNamed(Template.fromStack(stack), 'AWS::Lambda::Function', 'ScalerTick');
    const variables = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    const join = variables.LAGSCALER_CONFIG as { 'Fn::Join': [string, Json[]] };
    expect(join['Fn::Join'][1]).toContainEqual({ 'Fn::ImportValue': 'KafkaBootstrapBroker' });
    expect(() => renderIntrinsics(variables.LAGSCALER_CONFIG)).toThrow(/cannot render/);
  });

  it('warns when the poll interval leaves no room for a second poll', () => {
    const stack = new Stack(testApp(), 'Poll');
    new KafkaLagScaler(stack, 'Scaler', { ...valid, pollIntervalSeconds: 40 });
    const warnings = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning'));
    expect(warnings.map((w) => String(w.data))).toContainEqual(
      expect.stringMatching(/pollIntervalSeconds \(40\) leaves no room for a second poll/),
    );
  });
});

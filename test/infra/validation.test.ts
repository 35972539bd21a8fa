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
import { deliveredConfig, deliveredDocument, functionVariables, testApp, noAlarms } from './support';

const billing: ScalerTargetOptions = {
  consumerGroup: 'billing',
  service: ScaledService.fromServiceName('hospital', 'billing'),
};
const valid: KafkaLagScalerProps = { kafka: { bootstrapBrokers: ['kafka-1:9092'] }, targets: [billing] };
/** Every per-target alarm off: fleets of thousands keep the stack under CloudFormation's 500 resources. */

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
      'a construct alarm with more datapoints than its default periods',
      { ...valid, ticksMissingAlarm: { datapointsToAlarm: 5 } },
      /ticksMissingAlarm\.datapointsToAlarm: 5 is more than evaluationPeriods \(3, the default\)/,
    ],
    [
      'a construct alarm with no periods',
      { ...valid, externalScalerCheckAlarm: { evaluationPeriods: 0 } },
      /externalScalerCheckAlarm\.evaluationPeriods: must be a whole number >= 1; got 0/,
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
      'a target naming a cluster that is not configured',
      { ...valid, targets: [{ ...billing, kafkaCluster: 'west' }] },
      /targets\[0\] \(group 'billing'\)\.kafkaCluster: 'west' is not a configured cluster; use one of 'default'/,
    ],
    [
      'neither kafka nor kafkaClusters',
      { targets: [billing] },
      /kafka: give the Kafka connection \(kafka\), or named clusters \(kafkaClusters\)/,
    ],
    [
      'a broker without a port in a named cluster',
      { kafkaClusters: { east: { bootstrapBrokers: ['kafka-e'] } }, targets: [{ ...billing, kafkaCluster: 'east' }] },
      /kafkaClusters\.east\.bootstrapBrokers\[0\]: must be host:port/,
    ],
    [
      'MSK IAM without TLS in a named cluster',
      {
        kafkaClusters: {
          east: {
            bootstrapBrokers: ['b-1.east.kafka.eu-west-1.amazonaws.com:9098'],
            auth: KafkaAuth.mskIam({ clusterArn: 'arn:aws:kafka:eu-west-1:111122223333:cluster/east/0b1c' }),
          },
        },
        targets: [{ ...billing, kafkaCluster: 'east' }],
      },
      /kafkaClusters\.east\.tls: MSK IAM authentication needs TLS/,
    ],
    [
      'more shards at once than a Map runs',
      { ...valid, maxConcurrentShards: 41 },
      /maxConcurrentShards: must be a whole number from 1 to 40/,
    ],
    ['no targets per invocation', { ...valid, maxTargetsPerInvocation: 0 }, /maxTargetsPerInvocation: /],
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

  it('takes any number of targets: the configuration travels in an S3 document, not the 4 KB environment', () => {
    const app = testApp();
    const stack = new Stack(app, 'Large');
    const scaler = new KafkaLagScaler(stack, 'Scaler', valid);
    for (let i = 0; i < 300; i++) {
      scaler.addTarget({
        consumerGroup: `department-${i}`,
        topics: [`patient-checkout-${i}`],
        service: ScaledService.fromServiceName('hospital', `department-${i}`),
        policy: { maxTasks: 12, drainTargetSeconds: 120, scaleInCooldownSeconds: 600 },
        alarms: noAlarms,
      });
    }
    const config = deliveredConfig(stack, Template.fromStack(stack));
    expect(config.targets).toHaveLength(301);
    expect(config.targets[300]).toMatchObject({ group: 'department-299', policy: { scaleInCooldownSeconds: 600 } });
  });

  it('rejects, at synth, more deploy-time values than the environment holds, naming them and the fix', () => {
    const app = testApp();
    const scaler = new KafkaLagScaler(new Stack(app, 'Imported'), 'Scaler', valid);
    for (let i = 0; i < 40; i++) {
      scaler.addTarget({
        consumerGroup: `department-${i}`,
        service: ScaledService.fromServiceName('hospital', Fn.importValue(`Department${i}ServiceName`)),
        alarms: noAlarms,
      });
    }
    expect(() => app.synth()).toThrow(
      /40 values of the configuration are known only at deploy time \(targets\[1\]\.service\.service, targets\[2\]\.service\.service, targets\[3\]\.service\.service, \.\.\.\) and travel in the function's environment, which holds about \d+; give those ECS clusters and services physical names/,
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

  it('accepts a deploy-time token as a broker and passes it through the environment unchanged', () => {
    const stack = new Stack(testApp(), 'Tokens');
    new KafkaLagScaler(stack, 'Scaler', {
      ...valid,
      kafka: { bootstrapBrokers: [Fn.importValue('KafkaBootstrapBroker')] },
    });
    const template = Template.fromStack(stack);
    const variables = functionVariables(template);
    expect(variables.LAGSCALER_REF_0).toEqual({ 'Fn::ImportValue': 'KafkaBootstrapBroker' });
    const document = JSON.parse(deliveredDocument(stack, template).documentJson) as { kafka: { brokers: string[] } };
    expect(document.kafka.brokers).toEqual(['${LAGSCALER_REF_0}']);
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

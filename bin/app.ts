#!/usr/bin/env node
/**
 * The example CDK app: the hospital consumers on ECS and the scaler watching them, checked by
 * cdk-nag. Configured from cdk.json context (override with `-c brokers=host:9092,host2:9092`).
 * The stack is environment-agnostic, so `cdk synth` needs no AWS credentials.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HospitalExampleStack } from '../lib/hospital-example-stack';

const app = new App();

const context = (key: string): unknown => app.node.tryGetContext(key);
const text = (key: string): string | undefined => {
  const value = context(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};
// `-c dryRun=true` arrives as a string, cdk.json as a boolean: accept both.
const flag = (key: string): boolean | undefined => {
  const value = context(key);
  if (value === undefined) return undefined;
  return value === true || value === 'true';
};

const brokers = (text('brokers') ?? 'kafka-1.hospital.internal:9092')
  .split(',')
  .map((broker) => broker.trim())
  .filter((broker) => broker !== '');

new HospitalExampleStack(app, text('stackName') ?? 'KafkaLagAutoscalerHospital', {
  description: 'Kafka lag autoscaler: hospital example (billing, housekeeping, pharmacy on patient-checkout)',
  brokers,
  topic: text('topic'),
  dryRun: flag('dryRun'),
  tls: flag('tls'),
  alarmEmail: text('alarmEmail'),
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

#!/usr/bin/env node
/**
 * The example CDK app: the hospital consumers on ECS and the scaler watching them, checked by
 * cdk-nag. Configured from cdk.json context (override with `-c brokers=host:9092,host2:9092`).
 * The stack is environment-agnostic, so `cdk synth` needs no AWS credentials.
 *
 * `-c local=true` synthesizes the LocalStack variant instead (what `npm run deploy:local` deploys):
 * `-c motoEndpoint=...`, `-c clusterName=...` and `-c stateTable=...` name the moto side.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HospitalLocalStack } from '../example/hospital-local-stack';
import { HospitalExampleStack } from '../example/hospital-stack';

const app = new App();

const context = (key: string): unknown => app.node.tryGetContext(key);
const text = (key: string): string | undefined => {
  const value = context(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};
const required = (key: string): string => {
  const value = text(key);
  if (value === undefined) throw new Error(`the local variant needs -c ${key}=... (npm run deploy:local sets it)`);
  return value;
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

if (flag('local') === true) {
  new HospitalLocalStack(app, text('stackName') ?? 'KafkaLagAutoscalerHospitalLocal', {
    description: 'Kafka lag autoscaler: hospital example, LocalStack variant (ECS and DynamoDB on moto)',
    brokers,
    topic: text('topic'),
    motoEndpoint: required('motoEndpoint'),
    clusterName: required('clusterName'),
    stateTableName: required('stateTable'),
  });
} else {
  new HospitalExampleStack(app, text('stackName') ?? 'KafkaLagAutoscalerHospital', {
    description: 'Kafka lag autoscaler: hospital example (billing, housekeeping, pharmacy on patient-checkout)',
    brokers,
    topic: text('topic'),
    dryRun: flag('dryRun'),
    tls: flag('tls'),
    alarmEmail: text('alarmEmail'),
  });
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

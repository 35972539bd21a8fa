import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { KafkaLagScaler, ScaledService } from 'kafka-lag-autoscaler';
import { addHospitalTargets } from './hospital-stack';

/** Props of {@link HospitalLocalStack}. */
export interface HospitalLocalStackProps extends StackProps {
  /** Bootstrap brokers the function reaches, each `host:port` (the local broker). */
  readonly brokers: readonly string[];
  /** Where the function's ECS, Application Auto Scaling and DynamoDB calls go (moto). */
  readonly motoEndpoint: string;
  /** The ECS cluster in moto that holds one service per department. */
  readonly clusterName: string;
  /** The state table, created in moto beforehand. */
  readonly stateTableName: string;
  /**
   * The topic every department consumes.
   * @default 'patient-checkout'
   */
  readonly topic?: string;
}

/**
 * The hospital example as LocalStack community can run it, deployed with the CDK CLI by
 * `npm run deploy:local`: the same scaler and targets, with the ECS services and the state table in
 * moto (LocalStack community has no ECS, and no DynamoDB offline) and a topic without a KMS key
 * (LocalStack 4.13.1 CloudFormation fails kms.CreateKey). No VPC, no dashboard (no provider there).
 */
export class HospitalLocalStack extends Stack {
  /** The scaler. */
  readonly scaler: KafkaLagScaler;

  constructor(scope: Construct, id: string, props: HospitalLocalStackProps) {
    super(scope, id, props);
    const alarmTopic = new sns.Topic(this, 'AlarmTopic', { enforceSSL: true });
    Validations.of(alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Local variant only: LocalStack 4.13.1 CloudFormation cannot create the KMS key an encrypted topic needs.',
    });
    this.scaler = new KafkaLagScaler(this, 'Scaler', {
      kafka: { bootstrapBrokers: props.brokers },
      stateTable: dynamodb.Table.fromTableName(this, 'StateTable', props.stateTableName),
      alarmTopic,
      dashboard: false,
    });
    addHospitalTargets(this.scaler, {
      topic: props.topic ?? 'patient-checkout',
      service: (department) => ScaledService.fromServiceName(props.clusterName, department),
    });
    this.scaler.function.addEnvironment('AWS_ENDPOINT_URL_ECS', props.motoEndpoint);
    this.scaler.function.addEnvironment('AWS_ENDPOINT_URL_DYNAMODB', props.motoEndpoint);
    // LocalStack community has no Application Auto Scaling (the tick looks for other autoscalers there).
    this.scaler.function.addEnvironment('AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING', props.motoEndpoint);

    new CfnOutput(this, 'FunctionName', { value: this.scaler.function.functionName });
    new CfnOutput(this, 'MetricsNamespace', { value: this.scaler.metricsNamespace });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn });
    new CfnOutput(this, 'TimeLagAlarms', {
      value: this.scaler.targets.map((t) => t.timeLagAlarm?.alarmName ?? '-').join(','),
    });
  }
}

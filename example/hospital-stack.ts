import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sns_subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ConsumerService, KafkaLagScaler, ScaledService } from 'kafka-lag-autoscaler';
import { consumerImageAsset } from './consumer-image';

/** The hospital departments, each a consumer group on the checkout topic. */
export const HOSPITAL_DEPARTMENTS = ['billing', 'housekeeping', 'pharmacy'] as const;

/** One of the departments. */
export type HospitalDepartment = (typeof HOSPITAL_DEPARTMENTS)[number];

/** The scaler's policy for every department: one to six tasks (the topic has more partitions). */
export const HOSPITAL_POLICY = { minTasks: 1, maxTasks: 6 } as const;

/** Watches every department's group on the topic and scales its service. */
export function addHospitalTargets(
  scaler: KafkaLagScaler,
  options: { topic: string; service: (department: HospitalDepartment) => ScaledService },
): void {
  for (const department of HOSPITAL_DEPARTMENTS) {
    scaler.addTarget({
      consumerGroup: department,
      topics: [options.topic],
      service: options.service(department),
      policy: HOSPITAL_POLICY,
    });
  }
}

/** Props of {@link HospitalExampleStack}. */
export interface HospitalExampleStackProps extends StackProps {
  /** Bootstrap brokers reachable from the VPC, each `host:port`. */
  readonly brokers: readonly string[];
  /**
   * The topic every department consumes.
   * @default 'patient-checkout'
   */
  readonly topic?: string;
  /**
   * Decide and record without changing the services.
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Use TLS to the brokers.
   * @default false
   */
  readonly tls?: boolean;
  /**
   * Email address subscribed to the alarm topic.
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Image of the consumers.
   * @default - built from the repository's `consumer/` directory
   */
  readonly consumerImage?: ecs.ContainerImage;
}

/**
 * The example deployment, written against the package's public API as a user's app would be: a VPC
 * and an ECS cluster running the billing, housekeeping and pharmacy consumers of `patient-checkout`,
 * and the scaler watching their groups.
 */
export class HospitalExampleStack extends Stack {
  /** The scaler. */
  readonly scaler: KafkaLagScaler;
  /** The consumer services, by department. */
  readonly consumers: Readonly<Record<HospitalDepartment, ConsumerService>>;

  constructor(scope: Construct, id: string, props: HospitalExampleStackProps) {
    super(scope, id, props);
    const topic = props.topic ?? 'patient-checkout';

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      // One NAT gateway is enough for an example; production would use one per AZ or VPC endpoints.
      natGateways: 1,
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const image = props.consumerImage ?? consumerImageAsset();
    const consumer = (department: HospitalDepartment) =>
      new ConsumerService(this, `Consumer-${department}`, {
        cluster,
        brokers: props.brokers,
        consumerGroup: department,
        topic,
        environment: { DEPARTMENT: department },
        image,
      });
    this.consumers = {
      billing: consumer('billing'),
      housekeeping: consumer('housekeeping'),
      pharmacy: consumer('pharmacy'),
    };

    this.scaler = new KafkaLagScaler(this, 'Scaler', {
      kafka: { bootstrapBrokers: props.brokers, tls: props.tls ?? false },
      vpc,
      dryRun: props.dryRun ?? false,
    });
    addHospitalTargets(this.scaler, {
      topic,
      service: (department) => ScaledService.fromService(this.consumers[department].service),
    });
    if (props.alarmEmail !== undefined) {
      this.scaler.alarmTopic.addSubscription(new sns_subscriptions.EmailSubscription(props.alarmEmail));
    }
  }
}

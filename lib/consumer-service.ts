import { Duration, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ConsumerServicePropsError } from './errors';

/** Props of {@link ConsumerService}. */
export interface ConsumerServiceProps {
  /** The ECS cluster (Fargate capacity) to run in. */
  readonly cluster: ecs.ICluster;
  /** Bootstrap brokers, each `host:port` (KAFKA_BROKERS). */
  readonly brokers: readonly string[];
  /** The consumer group (CONSUMER_GROUP, and KAFKA_GROUP_ID for other consumer images). */
  readonly consumerGroup: string;
  /** The input topic (KAFKA_TOPIC). */
  readonly topic: string;
  /**
   * How processed offsets are committed (COMMIT_STRATEGY); see consumer/README.md.
   * @default 'sync-batch'
   */
  readonly commitStrategy?: string;
  /**
   * More environment variables of the consumer (e.g. DEPARTMENT, PROCESSING_TIME_MS).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The consumer's container image (ARM64). The repository's reference consumer is built from
   * `consumer/Dockerfile` (see the example app); any consumer that reads these variables works.
   */
  readonly image: ecs.ContainerImage;
  /**
   * How long ECS waits after SIGTERM before SIGKILL (Fargate allows 2 minutes at most). The consumer
   * is told to finish its graceful shutdown (stop fetching, commit, leave the group) 5 s earlier.
   * @default Duration.seconds(30)
   */
  readonly stopTimeout?: Duration;
  /**
   * CPU units of the task.
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Memory of the task (MiB).
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * Subnets of the tasks.
   * @default - the cluster VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the tasks.
   * @default - one security group allowing all outbound traffic
   */
  readonly securityGroups?: readonly ec2.ISecurityGroup[];
  /**
   * Retention of the consumer's logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

// The consumer needs this long, at least, to finish the record in flight and commit.
const SHUTDOWN_MARGIN = Duration.seconds(5);
const MIN_STOP_TIMEOUT_SECONDS = 10;
const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120;

/**
 * A Kafka consumer as a Fargate service (ARM64), ready to be scaled by KafkaLagScaler: a graceful
 * stop timeout passed to the consumer, one-at-a-time replacement, and no desired count in the template.
 *
 * Desired count: the template never sets it, so CloudFormation starts the service with 1 task and
 * later deployments leave whatever the scaler set untouched (a fixed DesiredCount in the template
 * would reset the service on every deploy and fight the scaler).
 */
export class ConsumerService extends Construct {
  /** The ECS service. */
  readonly service: ecs.FargateService;
  /** The task definition. */
  readonly taskDefinition: ecs.FargateTaskDefinition;

  constructor(scope: Construct, id: string, props: ConsumerServiceProps) {
    super(scope, id);
    const stopTimeout = props.stopTimeout ?? Duration.seconds(30);
    const stopSeconds = stopTimeout.toSeconds();
    if (stopSeconds < MIN_STOP_TIMEOUT_SECONDS || stopSeconds > FARGATE_MAX_STOP_TIMEOUT_SECONDS) {
      throw new ConsumerServicePropsError(
        `ConsumerService '${this.node.path}': stopTimeout must be between ${MIN_STOP_TIMEOUT_SECONDS} and ${FARGATE_MAX_STOP_TIMEOUT_SECONDS} seconds (Fargate's limit); got ${stopTimeout.toHumanString()}`,
      );
    }
    if (props.brokers.length === 0) {
      throw new ConsumerServicePropsError(
        `ConsumerService '${this.node.path}': brokers: give at least one broker as host:port`,
      );
    }

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu ?? 256,
      memoryLimitMiB: props.memoryLimitMiB ?? 512,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.taskDefinition.addContainer('consumer', {
      image: props.image,
      essential: true,
      stopTimeout,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'consumer' }),
      environment: {
        ...props.environment,
        KAFKA_BROKERS: props.brokers.join(','),
        KAFKA_GROUP_ID: props.consumerGroup,
        CONSUMER_GROUP: props.consumerGroup,
        KAFKA_TOPIC: props.topic,
        COMMIT_STRATEGY: props.commitStrategy ?? 'sync-batch',
        SHUTDOWN_TIMEOUT_MS: String((stopSeconds - SHUTDOWN_MARGIN.toSeconds()) * 1000),
      },
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups ? [...props.securityGroups] : undefined,
      assignPublicIp: false,
      // Start the new task before stopping an old one: one rebalance per replaced task, no capacity dip.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
    });
    Validations.of(this.taskDefinition).acknowledge(
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'The environment holds non-secret settings only (brokers, group, topic, commit strategy); credentials belong in Secrets Manager.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "ecr:GetAuthorizationToken, which ECS's execution role needs to pull the image, has no resource-level permissions.",
      },
    );
    // Never in the template, whatever the feature flags say: the scaler owns the desired count.
    (this.service.node.defaultChild as ecs.CfnService).addPropertyDeletionOverride('DesiredCount');
  }
}

import * as path from 'node:path';
import { Annotations, ArnFormat, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { compactScalerConfig, targetId, type ScalerConfig } from '../lambdas/domain/config/scaler-config';
import type { KafkaConnectionProps } from './kafka-connection';
import { REPO_ROOT } from './paths';
import {
  TargetAlarms,
  alarmOptionProblems,
  mergedAlarmProblems,
  ticksMissingAlarm,
  type ScalerAlarmKind,
  type ScalerAlarmOptions,
  type ScalerAlarmsProps,
} from './scaler-alarms';
import {
  KafkaLagScalerPropsError,
  configFromProps,
  isCdkService,
  serviceNames,
  type ScalerTargetProps,
} from './scaler-config-props';
import { ScalerDashboard } from './scaler-dashboard';
import { DEFAULT_METRICS_NAMESPACE, ScalerMetricFactory, type ScalerMetricOptions } from './scaler-metrics';

/** Log level of the scaler function. */
export type ScalerLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Props of {@link KafkaLagScaler}. */
export interface KafkaLagScalerProps {
  /** The Kafka cluster: bootstrap brokers, TLS and authentication. */
  readonly kafka: KafkaConnectionProps;
  /** The consumer groups to watch and the ECS services to scale for them (at least one). */
  readonly targets: readonly ScalerTargetProps[];
  /**
   * VPC the function runs in, to reach brokers with private addresses (MSK). Its subnets need a
   * route to the ECS, CloudWatch and DynamoDB APIs (NAT or VPC endpoints).
   * @default - no VPC: the brokers must be reachable from the internet
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of the function, in `vpc`.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the function, in `vpc`; allow them into the brokers' security group (or use
   * `scaler.connections`).
   * @default - one security group allowing all outbound traffic
   */
  readonly securityGroups?: readonly ec2.ISecurityGroup[];
  /**
   * How often the function runs (an EventBridge rate: whole minutes).
   * @default Duration.minutes(1)
   */
  readonly schedule?: Duration;
  /**
   * Poll again every this many seconds within one invocation, for sub-minute reaction (0: once per
   * invocation). The function's timeout then grows to the schedule interval.
   * @default 0
   */
  readonly pollIntervalSeconds?: number;
  /**
   * Decide, record and publish, but never change a service's desired count.
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * CloudWatch namespace of the scaler's metrics; PutMetricData is allowed in this namespace only.
   * @default 'KafkaLagAutoscaler'
   */
  readonly metricsNamespace?: string;
  /**
   * Publish per-partition metrics too (one metric per partition costs more).
   * @default false
   */
  readonly partitionMetrics?: boolean;
  /**
   * Targets handled at once within a tick.
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * Memory of the function (MiB).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Executions reserved for the function, so that it runs (and can scale out) when other functions
   * use up the account's concurrency. Overlapping ticks are safe either way: the state table lets only
   * one of them act on a target. Reserving needs the account's unreserved concurrency to stay at 10 or
   * more afterwards, which accounts with the initial limit of 10 cannot do; 2 is enough in production.
   * @default - none: the function draws on the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Timeout of the function.
   * @default - 60 seconds; the schedule interval (at least 60 seconds) when pollIntervalSeconds > 0
   */
  readonly timeout?: Duration;
  /**
   * Log level of the function.
   * @default 'INFO'
   */
  readonly logLevel?: ScalerLogLevel;
  /**
   * Retention of the function's logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the state table (decision history, cooldowns) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly stateTableRemovalPolicy?: RemovalPolicy;
  /**
   * DynamoDB deletion protection on the state table: DeleteTable is refused until it is turned off.
   * Must be false with RemovalPolicy.DESTROY (the stack could not delete the table).
   * @default - true, unless stateTableRemovalPolicy is RemovalPolicy.DESTROY
   */
  readonly stateTableDeletionProtection?: boolean;
  /**
   * Topic for alarm and OK notifications.
   * @default - a topic encrypted with a new KMS key (TLS-only publishing)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Alarm settings for every target (a target's own `alarms` override them field by field).
   * @default - every alarm with its default threshold (see ScalerAlarmsProps)
   */
  readonly alarms?: ScalerAlarmsProps;
  /**
   * Alarm when no tick completed in evaluationPeriods schedule intervals (the scaler is down).
   * @default - enabled, 3 periods
   */
  readonly ticksMissingAlarm?: ScalerAlarmOptions;
  /**
   * Create a CloudWatch dashboard (lag, time lag, tasks, decisions, health, errors per target).
   * @default true
   */
  readonly dashboard?: boolean;
}

// Lambda's limit on all environment variables of a function together.
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
const POWERTOOLS_SERVICE_NAME = 'kafka-lag-autoscaler';

/**
 * Watches Kafka consumer lag and sets the desired count of the ECS services that consume it: a
 * scheduled Lambda (Node 22, ARM64), its DynamoDB state table, least-privilege IAM, alarms to an SNS
 * topic, a dashboard and metric helpers.
 *
 * Concurrency: the function is not limited to one concurrent execution. Overlapping ticks (a slow
 * tick, a retry) are safe because the state table is written with optimistic concurrency: only one
 * of two overlapping ticks can record, and therefore act on, a decision for a target.
 *
 * @example
 * new KafkaLagScaler(this, 'Scaler', {
 *   kafka: { bootstrapBrokers: ['b-1.example:9096'], tls: true, auth: KafkaAuth.saslScram(secret) },
 *   vpc,
 *   targets: [{ consumerGroup: 'billing', service: billingService, policy: { maxTasks: 12 } }],
 * });
 */
export class KafkaLagScaler extends Construct implements ec2.IConnectable {
  /** The scheduled function. */
  readonly function: lambda.IFunction;
  /** The state table (partition key `target`). */
  readonly stateTable: dynamodb.ITable;
  /** Where alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /** Every alarm created. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** The alarms of each target, by target id and alarm kind (for composite alarms of your own). */
  readonly targetAlarms: Readonly<Record<string, Partial<Record<ScalerAlarmKind, cloudwatch.IAlarm>>>>;
  /** The alarm raised when no tick completes, unless disabled. */
  readonly ticksMissingAlarm: cloudwatch.IAlarm | undefined;
  /** The dashboard, unless disabled. */
  readonly dashboard: cloudwatch.Dashboard | undefined;
  /** The validated configuration the function receives (LAGSCALER_CONFIG), defaults applied. */
  readonly config: ScalerConfig;
  /** The schedule interval (also the period of every metric helper and alarm). */
  readonly schedule: Duration;

  private readonly metrics: ScalerMetricFactory;
  private readonly fn: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: KafkaLagScalerProps) {
    super(scope, id);
    this.schedule = props.schedule ?? Duration.minutes(1);
    this.config = validate(this, props, this.schedule);
    this.metrics = new ScalerMetricFactory(this.config.metricsNamespace, this.schedule);
    this.stateTable = this.createStateTable(props);
    // Our own role, so the function gets no AWS managed policy (logs:* on every log group).
    const role = new iam.Role(this, 'TickRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Kafka lag autoscaler: read lag, scale the named ECS services, record and publish',
    });
    this.fn = this.createFunction(props, role);
    this.function = this.fn;
    this.grantRuntime(role, props);
    new events.Rule(this, 'Schedule', {
      description: 'Kafka lag autoscaler tick',
      schedule: events.Schedule.rate(this.schedule),
      // A missed tick is replaced by the next one; retrying it late would only act on stale data.
      targets: [new targets.LambdaFunction(this.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });
    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic();
    const alarms = this.createAlarms(props);
    this.targetAlarms = alarms.byTarget;
    this.ticksMissingAlarm = alarms.ticksMissing;
    this.alarms = alarms.all;
    this.dashboard =
      props.dashboard === false
        ? undefined
        : new ScalerDashboard(this, 'Dashboard', { config: this.config, metrics: this.metrics, alarms: alarms.all })
            .dashboard;
    this.acknowledgeNagFindings(role, Boolean(props.vpc));
  }

  /** One item per target: its history and last decision, written with optimistic concurrency. */
  private createStateTable(props: KafkaLagScalerProps): dynamodb.Table {
    return new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'target', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.stateTableRemovalPolicy ?? RemovalPolicy.RETAIN,
      deletionProtection: props.stateTableDeletionProtection ?? props.stateTableRemovalPolicy !== RemovalPolicy.DESTROY,
    });
  }

  /** The tick function: the handler bundled by esbuild, its logs, and the configuration in its environment. */
  private createFunction(props: KafkaLagScalerProps, role: iam.Role): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, 'TickLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    logGroup.grantWrite(role);
    return new nodejs.NodejsFunction(this, 'Tick', {
      description: 'Kafka lag autoscaler tick: measure lag, decide, scale ECS services, publish metrics',
      entry: path.join(REPO_ROOT, 'lambdas', 'handlers', 'tick.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? defaultTimeout(this.config.pollIntervalSeconds, this.schedule),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      // Lambda's own async retries (2 by default) would run a failed tick again up to minutes later, on
      // stale data and behind the schedule; the next scheduled tick replaces it instead.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      role,
      logGroup,
      environment: this.functionEnvironment(props),
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.securityGroups ? [...props.securityGroups] : undefined,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // kafkajs and some SDK dependencies are CommonJS and call require(); ESM output needs one.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        // Bundle the SDK too: the function runs the client versions the tests ran, not the runtime's.
        externalModules: [],
        forceDockerBundling: false,
      },
    });
  }

  private functionEnvironment(props: KafkaLagScalerProps): Record<string, string> {
    return {
      // Defaults left out (the handler's parse restores them): Lambda's environment holds 4 KB in all.
      LAGSCALER_CONFIG: Stack.of(this).toJsonString(compactScalerConfig(this.config)),
      STATE_TABLE_NAME: this.stateTable.tableName,
      POWERTOOLS_SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: this.config.metricsNamespace,
      LOG_LEVEL: props.logLevel ?? 'INFO',
      // Stack traces point into the TypeScript sources, not the minified bundle.
      NODE_OPTIONS: '--enable-source-maps',
    };
  }

  /** What the tick needs and nothing more: state, the named services, its namespace, Kafka auth, the VPC. */
  private grantRuntime(role: iam.Role, props: KafkaLagScalerProps): void {
    // The state store reads with GetItem and writes with a conditional PutItem (optimistic concurrency).
    this.stateTable.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem');
    this.grantScaling(role, props.targets);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': this.config.metricsNamespace } },
      }),
    );
    // Other autoscalers on the services are looked for (reported, never changed); these read-only
    // actions have no resource-level permissions.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingPolicies'],
        resources: ['*'],
      }),
    );
    this.grantKafkaAuth(role, props);
    if (!props.vpc) return;
    // Lambda attaches to the VPC with the function's role; these actions have no resource-level scope.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
  }

  /** Each target's alarms (construct-wide settings under the target's own) and the ticks-missing alarm. */
  private createAlarms(props: KafkaLagScalerProps): {
    all: cloudwatch.IAlarm[];
    byTarget: Record<string, Partial<Record<ScalerAlarmKind, cloudwatch.IAlarm>>>;
    ticksMissing: cloudwatch.IAlarm | undefined;
  } {
    const all: cloudwatch.IAlarm[] = [];
    const byTarget: Record<string, Partial<Record<ScalerAlarmKind, cloudwatch.IAlarm>>> = {};
    this.config.targets.forEach((target, index) => {
      const id = targetId(target);
      const targetAlarms = new TargetAlarms(this, `Alarms-${id}`, {
        target: {
          id,
          group: target.group,
          drainTargetSeconds: target.policy.drainTargetSeconds,
          maxTasks: target.policy.maxTasks,
        },
        metrics: this.metrics,
        layers: [props.alarms, props.targets[index]?.alarms],
        topic: this.alarmTopic,
      });
      all.push(...Object.values(targetAlarms.alarms));
      byTarget[id] = targetAlarms.alarms;
    });
    const ticksMissing = ticksMissingAlarm(this, {
      metrics: this.metrics,
      options: props.ticksMissingAlarm,
      topic: this.alarmTopic,
    });
    if (ticksMissing) all.push(ticksMissing);
    return { all, byTarget, ticksMissing };
  }

  /** The function's network connections (only with a VPC): allow them into the brokers' security group. */
  get connections(): ec2.Connections {
    return this.fn.connections;
  }

  /** Total lag of a group, in messages. */
  metricSumOffsetLag(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.metrics.metricSumOffsetLag(consumerGroup, options);
  }
  /** Largest lag of one partition of a group, in messages. */
  metricMaxOffsetLag(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.metrics.metricMaxOffsetLag(consumerGroup, options);
  }
  /** Largest estimated time lag of a group, in seconds. */
  metricEstimatedMaxTimeLag(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.metrics.metricEstimatedMaxTimeLag(consumerGroup, options);
  }
  /** Partitions of a group with lag. */
  metricPartitionsWithLag(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.metrics.metricPartitionsWithLag(consumerGroup, options);
  }
  /** Records lost to retention before the group read them. */
  metricOffsetsLost(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.metrics.metricOffsetsLost(consumerGroup, options);
  }
  /** Group health: 0 OK, 1 WARN, 2 ERR. */
  metricHealthStatus(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.metrics.metricHealthStatus(consumerGroup, options);
  }
  /** Records produced per second to a group's topics. */
  metricProductionRate(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.metrics.metricProductionRate(consumerGroup, options);
  }
  /** Records consumed per second by a group. */
  metricConsumptionRate(consumerGroup: string, options?: ScalerMetricOptions): cloudwatch.Metric {
    return this.metrics.metricConsumptionRate(consumerGroup, options);
  }
  /** Desired count of a target's service (target id: the consumer group unless set). */
  metricDesiredTasks(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricDesiredTasks(target, options);
  }
  /** Running count of a target's service. */
  metricRunningTasks(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricRunningTasks(target, options);
  }
  /** Task count the policy recommended for a target. */
  metricRecommendedTasks(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricRecommendedTasks(target, options);
  }
  /** Changes of a target's desired count. */
  metricScalingActions(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricScalingActions(target, options);
  }
  /** Failed ticks of a target. */
  metricScalerErrors(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricScalerErrors(target, options);
  }
  /** Failed UpdateService calls of a target. */
  metricScalingFailures(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricScalingFailures(target, options);
  }
  /** Ticks in which another invocation held a target's claim. */
  metricStateConflicts(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricStateConflicts(target, options);
  }
  /** A target's stored state found unreadable or foreign and replaced. */
  metricStateReset(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricStateReset(target, options);
  }
  /** Other autoscalers (Application Auto Scaling) on a target's service. */
  metricConflictingScalers(target: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricConflictingScalers(target, options);
  }
  /** Duration of a tick over all targets, in milliseconds. */
  metricTickDuration(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricTickDuration(options);
  }

  /** ecs:UpdateService and ecs:DescribeServices on the named services only. */
  private grantScaling(role: iam.IRole, targetProps: readonly ScalerTargetProps[]): void {
    const stack = Stack.of(this);
    const arns = targetProps.map((target) => {
      if (isCdkService(target.service)) return target.service.serviceArn;
      const names = serviceNames(target.service);
      return stack.formatArn({
        service: 'ecs',
        resource: 'service',
        resourceName: `${names.cluster}/${names.service}`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [...new Set(arns)],
      }),
    );
  }

  private grantKafkaAuth(role: iam.IRole, props: KafkaLagScalerProps): void {
    const auth = props.kafka.auth?.spec;
    if (auth === undefined || auth.type === 'none') return;
    if (auth.type === 'sasl-scram' || auth.type === 'sasl-plain') {
      auth.secret.grantRead(role);
      return;
    }
    // MSK IAM: connect to the one cluster, describe the watched groups and topics only.
    const resourceArn = (kind: 'topic' | 'group', name: string) =>
      Fn.join('', [
        Fn.select(0, Fn.split(':cluster/', auth.clusterArn)),
        `:${kind}/`,
        Fn.select(1, Fn.split(':cluster/', auth.clusterArn)),
        `/${name}`,
      ]);
    const groups = this.config.targets.map((t) => resourceArn('group', t.group));
    const topics = this.config.targets.every((t) => t.topics !== undefined)
      ? this.config.targets.flatMap((t) => (t.topics ?? []).map((topic) => resourceArn('topic', topic)))
      : [resourceArn('topic', '*')];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kafka-cluster:Connect'], resources: [auth.clusterArn] }),
    );
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kafka-cluster:DescribeGroup'], resources: groups }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kafka-cluster:DescribeTopic'], resources: topics }));
  }

  private createAlarmTopic(): sns.ITopic {
    // A customer managed key: CloudWatch cannot publish alarms to a topic under the AWS managed SNS key.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Kafka lag autoscaler alarm topic',
      enableKeyRotation: true,
    });
    // Only CloudWatch alarms of this account, so the service principal cannot be used on another's behalf.
    const stack = Stack.of(this);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });
    return topic;
  }

  /** cdk-nag (AwsSolutions) findings this design accepts, each with its reason. */
  private acknowledgeNagFindings(role: iam.Role, inVpc: boolean): void {
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData has no resource-level permissions; it is limited by the cloudwatch:namespace condition instead.' +
        ' application-autoscaling:DescribeScalableTargets/DescribeScalingPolicies (read only) have none either.' +
        (inVpc
          ? ' The EC2 network-interface actions Lambda needs to join the VPC do not support resource-level permissions.'
          : ''),
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x on purpose: the project, its tests and local runs use Node 22 (ARCHITECTURE.md).',
    });
  }
}

/** 60 s covers one tick (Kafka reads time out at 20 s); polling fills the schedule interval instead. */
function defaultTimeout(pollIntervalSeconds: number, schedule: Duration): Duration {
  if (pollIntervalSeconds === 0) return Duration.seconds(60);
  return Duration.seconds(Math.min(900, Math.max(60, schedule.toSeconds())));
}

function validate(scope: Construct, props: KafkaLagScalerProps, schedule: Duration): ScalerConfig {
  const problems: string[] = [];
  const scheduleSeconds = schedule.toSeconds();
  if (scheduleSeconds < 60 || scheduleSeconds % 60 !== 0) {
    problems.push(
      `schedule: must be a whole number of minutes (EventBridge rates); got ${schedule.toHumanString()}. For sub-minute reaction keep Duration.minutes(1) and set pollIntervalSeconds (e.g. 30)`,
    );
  }
  const reserved = props.reservedConcurrentExecutions;
  if (reserved !== undefined && !(Number.isInteger(reserved) && reserved >= 1)) {
    problems.push(
      `reservedConcurrentExecutions: ${reserved} is not a whole number of at least 1 (0 would stop every tick); leave it out to reserve none`,
    );
  }
  if (props.stateTableDeletionProtection === true && props.stateTableRemovalPolicy === RemovalPolicy.DESTROY) {
    problems.push(
      'stateTableDeletionProtection: true with stateTableRemovalPolicy DESTROY cannot work (the stack could not delete the table); drop one of them',
    );
  }
  if (props.vpc === undefined && (props.vpcSubnets !== undefined || props.securityGroups !== undefined)) {
    problems.push('vpcSubnets/securityGroups: only apply with vpc; give the vpc too, or remove them');
  }
  problems.push(...alarmOptionProblems('alarms', props.alarms));
  props.targets.forEach((target, index) => {
    const path = `targets[${index}] (group '${target.consumerGroup}').alarms`;
    const own = alarmOptionProblems(path, target.alarms);
    problems.push(...own);
    // Each layer may be valid alone and still combine badly (construct periods, target datapoints).
    if (own.length === 0) problems.push(...mergedAlarmProblems(path, [props.alarms, target.alarms]));
  });
  if (props.kafka.auth?.spec.type === 'msk-iam' && props.kafka.tls !== true) {
    problems.push(
      "kafka.tls: MSK IAM authentication needs TLS (MSK's IAM listener is port 9098, TLS only); set tls: true",
    );
  }
  const result = configFromProps({
    kafka: props.kafka,
    targets: props.targets,
    metricsNamespace: props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE,
    partitionMetrics: props.partitionMetrics,
    pollIntervalSeconds: props.pollIntervalSeconds,
    concurrency: props.concurrency,
    dryRun: props.dryRun,
  });
  if (!result.ok) throw new KafkaLagScalerPropsError(scope.node.path, [...problems, ...result.problems]);
  const { config } = result;
  // Tokens render longer once resolved (a secret ARN is ~100 characters); 300 bytes covers them and
  // the other variables.
  const size = JSON.stringify(compactScalerConfig(config)).length + 300;
  if (size > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    const perConstruct = Math.max(1, Math.floor((config.targets.length * LAMBDA_ENVIRONMENT_LIMIT_BYTES) / size));
    problems.push(
      `targets: the configuration (${size} bytes with the other variables) exceeds Lambda's 4 KB environment limit; split the targets over several KafkaLagScaler constructs (about ${perConstruct} per construct)`,
    );
  }
  if (problems.length > 0) throw new KafkaLagScalerPropsError(scope.node.path, problems);
  if (config.pollIntervalSeconds > 0 && config.pollIntervalSeconds * 2 > scheduleSeconds) {
    Annotations.of(scope).addWarningV2(
      'kafka-lag-autoscaler:pollInterval',
      `pollIntervalSeconds (${config.pollIntervalSeconds}) leaves no room for a second poll within the ${schedule.toHumanString()} schedule; it has no effect`,
    );
  }
  return config;
}

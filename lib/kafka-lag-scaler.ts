import { Annotations, ArnFormat, Aspects, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { clusterOf, type ScalerConfig, type TargetConfig } from '../lambdas/domain/config/scaler-config';
import { needsFanOut, planShards, shardRefs } from '../lambdas/domain/config/shards';
import { deliverConfig, environmentProblems } from './config-asset';
import { KafkaLagScalerPropsError } from './errors';
import { tickHandlerDirectory } from './handler-bundle';
import type { KafkaConnectionProps } from './kafka-connection';
import type { ScalerAlarmOptions, ScalerAlarmsProps } from './scaler-alarm-props';
import {
  alarmOptionProblems,
  CONSTRUCT_ALARM_PERIODS,
  externalScalerCheckAlarm,
  mergedAlarmProblems,
  singleAlarmProblems,
  ticksMissingAlarm,
} from './scaler-alarms';
import {
  parseBase,
  parseTarget,
  type BaseConfig,
  type BaseConfigProps,
  type TargetConfigProps,
} from './scaler-config-props';
import { ScalerDashboard } from './scaler-dashboard';
import { ScalerFanOut } from './scaler-fan-out';
import { TargetGrants, grantFixed } from './scaler-grants';
import { DEFAULT_METRICS_NAMESPACE, ScalerMetricName } from './scaler-metrics';
import { ScalerTarget, type ScalerTargetOptions } from './scaler-target';

/** Log level of the scaler function. */
export enum ScalerLogLevel {
  /** Everything, including each target's inputs. */
  DEBUG = 'DEBUG',
  /** One decision record per target and tick. */
  INFO = 'INFO',
  /** Problems the scaler works around. */
  WARN = 'WARN',
  /** Failures only. */
  ERROR = 'ERROR',
}

/** Props of {@link KafkaLagScaler}. */
export interface KafkaLagScalerProps {
  /**
   * The Kafka cluster (bootstrap brokers, TLS and authentication) of every target that names no
   * other cluster; its name is `default`.
   * @default - none: every target names one of `kafkaClusters`
   */
  readonly kafka?: KafkaConnectionProps;
  /**
   * More Kafka clusters by name (letters, digits, `.`, `_`, `-`); a target names its own with
   * `kafkaCluster`. Each tick reads each cluster with its own connection.
   * @default - only `kafka`
   */
  readonly kafkaClusters?: { readonly [name: string]: KafkaConnectionProps };
  /**
   * The most targets one invocation handles. With more, the schedule starts a Step Functions state
   * machine that runs the tick once per shard (targets of one cluster, at most this many), in
   * parallel; with this many or fewer, the schedule invokes the function directly.
   * @default 1000
   */
  readonly maxTargetsPerInvocation?: number;
  /**
   * Shards running at once when the tick fans out (the Map state's MaxConcurrency).
   * @default 10
   */
  readonly maxConcurrentShards?: number;
  /**
   * The consumer groups to watch and the ECS services to scale for them; more can be added with
   * `addTarget()`. At least one target is needed by synth time.
   * @default - none yet: add them with addTarget()
   */
  readonly targets?: readonly ScalerTargetOptions[];
  /**
   * The function's execution role. The construct adds the statements the tick needs to it (an
   * imported, immutable role must already allow them: the permissions listed under "It creates" in the README's Deploy section).
   * @default - a new role, assumed by Lambda, with no managed policy
   */
  readonly role?: iam.IRole;
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
   * @default ScalerLogLevel.INFO
   */
  readonly logLevel?: ScalerLogLevel;
  /**
   * Retention of the function's logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The state table (decision history, cooldowns): partition key `target` (string), TTL attribute
   * `expiresAt`. Bring your own to share or pre-provision it.
   * @default - a new on-demand table with point-in-time recovery
   */
  readonly stateTable?: dynamodb.ITable;
  /**
   * What happens to the state table the construct creates when it leaves the stack.
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
   * Alarm when the check for other autoscalers on the watched services (Application Auto Scaling)
   * fails in evaluationPeriods schedule intervals: scaling goes on, a conflict would go unseen.
   * @default - enabled, ExternalScalerCheckFailures >= 1 in 3 periods
   */
  readonly externalScalerCheckAlarm?: ScalerAlarmOptions;
  /**
   * Create a CloudWatch dashboard (lag, time lag, tasks, decisions, health, errors per target).
   * @default true
   */
  readonly dashboard?: boolean;
}

const POWERTOOLS_SERVICE_NAME = 'kafka-lag-autoscaler';

/**
 * Watches Kafka consumer lag and sets the desired count of the ECS services that consume it: a
 * scheduled Lambda (Node 22, ARM64, prebuilt), its DynamoDB state table, least-privilege IAM,
 * alarms to an SNS topic, a dashboard and metric helpers.
 *
 * Concurrency: the function is not limited to one concurrent execution. Overlapping ticks (a slow
 * tick, a retry) are safe because the state table is written with optimistic concurrency: only one
 * of two overlapping ticks can record, and therefore act on, a decision for a target.
 *
 * @example
 * const scaler = new KafkaLagScaler(this, 'Scaler', {
 *   kafka: { bootstrapBrokers: ['b-1.example:9096'], tls: true, auth: KafkaAuth.saslScram(secret) },
 *   vpc,
 * });
 * const billing = scaler.addTarget({
 *   consumerGroup: 'billing',
 *   service: ScaledService.fromService(billingService),
 *   policy: { maxTasks: 12 },
 * });
 */
export class KafkaLagScaler extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The scheduled function. */
  readonly function: lambda.Function;
  /** The function's execution role. */
  readonly role: iam.IRole;
  /** The principal the function runs as: grant it what your own setup needs (e.g. a KMS key). */
  readonly grantPrincipal: iam.IPrincipal;
  /** The state table (partition key `target`). */
  readonly stateTable: dynamodb.ITable;
  /** Where alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /** The alarm raised when no tick completes, unless disabled. */
  readonly ticksMissingAlarm: cloudwatch.IAlarm | undefined;
  /** The alarm raised when the check for other autoscalers keeps failing, unless disabled. */
  readonly externalScalerCheckAlarm: cloudwatch.IAlarm | undefined;
  /** The dashboard, unless disabled. */
  readonly dashboard: cloudwatch.Dashboard | undefined;
  /** The schedule interval (also the period of every metric helper and alarm). */
  readonly schedule: Duration;
  /** The CloudWatch namespace of the scaler's metrics. */
  readonly metricsNamespace: string;

  private readonly props: KafkaLagScalerProps;
  private readonly base: BaseConfig;
  private readonly accepted: TargetConfig[] = [];
  private readonly targetList: ScalerTarget[] = [];
  private readonly grants: TargetGrants;
  private readonly dashboardRows: ScalerDashboard | undefined;
  private readonly scheduleRule: events.Rule;
  private fanOut: ScalerFanOut | undefined;
  private finalized = false;

  constructor(scope: Construct, id: string, props: KafkaLagScalerProps) {
    super(scope, id);
    this.props = props;
    this.schedule = props.schedule ?? Duration.minutes(1);
    this.base = validateProps(this, props, this.schedule);
    this.metricsNamespace = this.base.metricsNamespace;
    this.stateTable = props.stateTable ?? this.createStateTable(props);
    this.role = props.role ?? this.createRole();
    this.grantPrincipal = this.role;
    this.function = this.createFunction(props);
    // Batched loads (BatchGetItem); batched saves are TransactWriteItems of puts, allowed by PutItem.
    this.stateTable.grant(this.role, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem');
    const clusters = connectionsOf(props);
    const auths = [...clusters.values()].map((c) => c.auth?._spec ?? { type: 'none' as const });
    grantFixed(this.role, { namespace: this.metricsNamespace, auths, inVpc: props.vpc !== undefined });
    this.grants = new TargetGrants(
      this.role,
      new Map(
        [...clusters].flatMap(([n, c]) => (c.auth?._spec.type === 'msk-iam' ? [[n, c.auth._spec.clusterArn]] : [])),
      ),
    );
    // Its target (the function, or the fan-out state machine) is chosen at synth, once every target is in.
    this.scheduleRule = new events.Rule(this, 'Schedule', {
      description: 'Kafka lag autoscaler tick',
      schedule: events.Schedule.rate(this.schedule),
    });
    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic();
    this.ticksMissingAlarm = ticksMissingAlarm(this, {
      tickDuration: this.metricTickDuration(),
      options: props.ticksMissingAlarm,
      topic: this.alarmTopic,
    });
    this.externalScalerCheckAlarm = externalScalerCheckAlarm(this, {
      failures: this.metricExternalScalerCheckFailures(),
      options: props.externalScalerCheckAlarm,
      topic: this.alarmTopic,
    });
    this.dashboardRows =
      props.dashboard === false
        ? undefined
        : new ScalerDashboard(this, 'Dashboard', {
            namespace: this.metricsNamespace,
            dryRun: this.base.dryRun,
            tickDuration: this.metricTickDuration(),
            ticksMissingAlarm: this.ticksMissingAlarm,
          });
    this.dashboard = this.dashboardRows?.dashboard;
    this.acknowledgeNagFindings(props);
    for (const target of props.targets ?? []) this.addTarget(target);
    this.node.addValidation({ validate: () => this.synthProblems() });
    Aspects.of(this).add({ visit: (node: IConstruct) => (node === this ? this.finalize() : undefined) });
  }

  /**
   * At synth, with every target in: ships the configuration (an S3 asset) and points the schedule at
   * the function, or, above maxTargetsPerInvocation, at the fan-out state machine.
   */
  private finalize(): void {
    if (this.accepted.length === 0 || this.finalized) return;
    this.finalized = true;
    const config: ScalerConfig = { ...this.base, targets: this.accepted };
    this.grants.apply();
    deliverConfig(this, { fn: this.function, role: this.role, config });
    if (!needsFanOut(config)) {
      // A missed tick is replaced by the next one; retrying it late would only act on stale data.
      this.scheduleRule.addTarget(
        new targets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
      );
      return;
    }
    this.fanOut = new ScalerFanOut(this, 'FanOut', {
      tickFunction: this.function,
      tickTimeout: this.function.timeout ?? Duration.seconds(60),
      shards: shardRefs(planShards(config)),
      maxConcurrency: this.props.maxConcurrentShards ?? 10,
      namespace: this.metricsNamespace,
      schedule: this.scheduleRule,
      period: this.schedule,
      alarmTopic: this.alarmTopic,
      logRetention: this.props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
  }

  /**
   * The fan-out state machine, when the targets exceed maxTargetsPerInvocation. Created at synth
   * (once every target is known): undefined before, and when one invocation handles every target.
   */
  get stateMachine(): sfn.IStateMachine | undefined {
    return this.fanOut?.stateMachine;
  }

  /** ShardFailures >= 1 in a period (a shard of the fanned-out tick failed); created with the state machine. */
  get shardFailuresAlarm(): cloudwatch.IAlarm | undefined {
    return this.fanOut?.shardFailuresAlarm;
  }

  /**
   * Watch one more consumer group and scale its ECS service. Its settings are validated now, with
   * the same schema as the Lambda's; its alarms, dashboard row and permissions are created with it.
   */
  addTarget(options: ScalerTargetOptions): ScalerTarget {
    const targetId = options.targetId ?? options.consumerGroup;
    // Checked before the construct exists: a repeated id would otherwise fail as a construct-id clash.
    this._acceptTarget(options);
    return new ScalerTarget(this, `Target-${targetId.replace(/\//g, '-')}`, { ...options, scaler: this });
  }

  /** The targets, in the order they were added. */
  get targets(): readonly ScalerTarget[] {
    return [...this.targetList];
  }

  /** Every alarm: each target's, the ticks-missing alarm and (with fan-out, after synth) the shard-failures alarm. */
  get alarms(): readonly cloudwatch.IAlarm[] {
    return [
      ...this.targetList.flatMap((t) => t.alarms),
      ...(this.ticksMissingAlarm ? [this.ticksMissingAlarm] : []),
      ...(this.externalScalerCheckAlarm ? [this.externalScalerCheckAlarm] : []),
      ...(this.shardFailuresAlarm ? [this.shardFailuresAlarm] : []),
    ];
  }

  /** The function's network connections (only with a VPC): allow them into the brokers' security group. */
  get connections(): ec2.Connections {
    return this.function.connections;
  }

  /** Adds a statement to the function's role (like lambda.Function's). */
  addToRolePolicy(statement: iam.PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }

  /** Lets a principal run a tick now (Lambda InvokeFunction on the scaler function). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }

  /** Lets a principal read the state table: each target's history and last decision. */
  grantReadState(grantee: iam.IGrantable): iam.Grant {
    return this.stateTable.grantReadData(grantee);
  }

  /**
   * A metric of the scaler in its namespace, with one tick as the period (the Lambda publishes one
   * point per tick, so a shorter period shows gaps that are not failures). Target metrics are on
   * the target: `target.metricSumOffsetLag()`.
   */
  metric(metricName: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: this.metricsNamespace, metricName, period: this.schedule, ...options });
  }

  /** Duration of a tick over all targets, in milliseconds. @default statistic Maximum */
  metricTickDuration(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(ScalerMetricName.TICK_DURATION, { statistic: 'Maximum', ...options });
  }

  /**
   * Ticks that could not ask Application Auto Scaling for other autoscalers on the services (e.g. a role
   * without the read-only describes); ConflictingScalers is then unknown. @default statistic Sum
   */
  metricExternalScalerCheckFailures(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(ScalerMetricName.EXTERNAL_SCALER_CHECK_FAILURES, { statistic: 'Sum', ...options });
  }

  /**
   * Validates a target about to be created (it must fit next to the others) and returns its
   * configuration and alarm settings.
   * @internal
   */
  _acceptTarget(options: ScalerTargetOptions): {
    config: TargetConfig;
    alarmLayers: readonly (ScalerAlarmsProps | undefined)[];
  } {
    const result = parseTarget(baseProps(this.props), this.accepted, targetConfigProps(options));
    const alarmProblems = this.targetAlarmProblems(options, this.accepted.length);
    if (!result.ok || alarmProblems.length > 0) {
      throw new KafkaLagScalerPropsError(this.node.path, [...alarmProblems, ...(result.ok ? [] : result.problems)]);
    }
    return { config: result.config, alarmLayers: [this.props.alarms, options.alarms] };
  }

  /**
   * Registers a created target: its part of the configuration, its permissions, its dashboard row.
   * @internal
   */
  _linkTarget(target: ScalerTarget): void {
    this.accepted.push(target._config);
    this.targetList.push(target);
    this.grants.add({
      serviceArn: target.service._arn(this),
      serviceCluster: target.service._names().clusterName,
      group: target.consumerGroup,
      topics: target._config.topics,
      kafkaCluster: clusterOf(target._config),
    });
    this.dashboardRows?.addTarget(target);
  }

  private targetAlarmProblems(options: ScalerTargetOptions, index: number): string[] {
    const path = `targets[${index}] (group '${options.consumerGroup}').alarms`;
    const own = alarmOptionProblems(path, options.alarms);
    // Each layer may be valid alone and still combine badly (construct periods, target datapoints).
    return own.length > 0 ? own : mergedAlarmProblems(path, [this.props.alarms, options.alarms]);
  }

  /** Problems only known once every target is in: none at all, or more Kafka connections than the environment holds. */
  private synthProblems(): string[] {
    if (this.accepted.length === 0) {
      return [
        `KafkaLagScaler '${this.node.path}': targets: give at least one target (consumer group -> ECS service) in props.targets or with addTarget()`,
      ];
    }
    // The targets travel in an S3 object of any size; only the connections stay in the environment.
    return environmentProblems(this, { ...this.base, targets: this.accepted });
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

  /** Our own role, so the function gets no AWS managed policy (logs:* on every log group). */
  private createRole(): iam.Role {
    return new iam.Role(this, 'TickRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Kafka lag autoscaler: read lag, scale the named ECS services, record and publish',
    });
  }

  /** The tick function: the prebuilt handler bundle, its logs, and the configuration in its environment. */
  private createFunction(props: KafkaLagScalerProps): lambda.Function {
    const logGroup = new logs.LogGroup(this, 'TickLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    logGroup.grantWrite(this.role);
    return new lambda.Function(this, 'Tick', {
      description: 'Kafka lag autoscaler tick: measure lag, decide, scale ECS services, publish metrics',
      // Built by the package's build step (esbuild: ESM, minified, AWS SDK included, source map).
      code: lambda.Code.fromAsset(tickHandlerDirectory()),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? defaultTimeout(this.base.pollIntervalSeconds, this.schedule),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      // Lambda's own async retries (2 by default) would run a failed tick again up to minutes later, on
      // stale data and behind the schedule; the next scheduled tick replaces it instead.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      role: this.role,
      logGroup,
      environment: {
        // The configuration itself is added at synth, once every target is in (config-asset.ts).
        STATE_TABLE_NAME: this.stateTable.tableName,
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
        LOG_LEVEL: props.logLevel ?? ScalerLogLevel.INFO,
        // Stack traces point into the TypeScript sources, not the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.securityGroups ? [...props.securityGroups] : undefined,
    });
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
    return new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });
  }

  /** cdk-nag (AwsSolutions) findings this design accepts, each with its reason (on what the construct owns). */
  private acknowledgeNagFindings(props: KafkaLagScalerProps): void {
    if (props.role === undefined) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:PutMetricData has no resource-level permissions; it is limited by the cloudwatch:namespace condition instead.' +
          ' application-autoscaling:DescribeScalableTargets/DescribeScalingPolicies (read only) have none either.' +
          (props.vpc
            ? ' The EC2 network-interface actions Lambda needs to join the VPC do not support resource-level permissions.'
            : ''),
      });
    }
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x on purpose: the project, its tests and local runs use Node 22 (ARCHITECTURE.md).',
    });
  }
}

/** The fields of a target that make its configuration. */
function targetConfigProps(options: ScalerTargetOptions): TargetConfigProps {
  return {
    targetId: options.targetId,
    consumerGroup: options.consumerGroup,
    kafkaCluster: options.kafkaCluster,
    topics: options.topics,
    isolation: options.isolation,
    offsetResetPolicy: options.offsetResetPolicy,
    service: options.service._names(),
    policy: options.policy,
  };
}

/** 60 s covers one tick (Kafka reads time out at 20 s); polling fills the schedule interval instead. */
function defaultTimeout(pollIntervalSeconds: number, schedule: Duration): Duration {
  if (pollIntervalSeconds === 0) return Duration.seconds(60);
  return Duration.seconds(Math.min(900, Math.max(60, schedule.toSeconds())));
}

/** Synth-time checks of the construct-level props (and the targets given with them), all listed at once. */
function validateProps(scope: Construct, props: KafkaLagScalerProps, schedule: Duration): BaseConfig {
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
  if (props.stateTable !== undefined && props.stateTableRemovalPolicy !== undefined) {
    problems.push(
      'stateTableRemovalPolicy: only applies to the table the construct creates; set the removal policy on your stateTable instead',
    );
  }
  if (props.stateTable !== undefined && props.stateTableDeletionProtection !== undefined) {
    problems.push(
      'stateTableDeletionProtection: only applies to the table the construct creates; set deletion protection on your stateTable instead',
    );
  }
  problems.push(...alarmOptionProblems('alarms', props.alarms));
  for (const kind of ['ticksMissingAlarm', 'externalScalerCheckAlarm'] as const) {
    problems.push(...singleAlarmProblems(kind, props[kind], CONSTRUCT_ALARM_PERIODS));
  }
  (props.targets ?? []).forEach((target, index) => {
    const path = `targets[${index}] (group '${target.consumerGroup}').alarms`;
    const own = alarmOptionProblems(path, target.alarms);
    problems.push(...(own.length > 0 ? own : mergedAlarmProblems(path, [props.alarms, target.alarms])));
  });
  for (const [name, connection] of connectionsOf(props)) {
    if (connection.auth?._spec.type === 'msk-iam' && connection.tls !== true) {
      problems.push(
        `${name === 'default' ? 'kafka' : `kafkaClusters.${name}`}.tls: MSK IAM authentication needs TLS (MSK's IAM listener is port 9098, TLS only); set tls: true`,
      );
    }
  }
  const shards = props.maxConcurrentShards;
  if (shards !== undefined && (!Number.isInteger(shards) || shards < 1 || shards > 40)) {
    problems.push(
      `maxConcurrentShards: must be a whole number from 1 to 40 (an inline Map state's limit); got ${shards}`,
    );
  }
  const base = parseBase(baseProps(props), (props.targets ?? []).map(targetConfigProps));
  if (!base.ok) problems.push(...base.problems);
  if (problems.length > 0 || !base.ok) throw new KafkaLagScalerPropsError(scope.node.path, problems);
  const { pollIntervalSeconds } = base.config;
  if (pollIntervalSeconds > 0 && pollIntervalSeconds * 2 > scheduleSeconds) {
    Annotations.of(scope).addWarningV2(
      'kafka-lag-autoscaler:pollInterval',
      `pollIntervalSeconds (${pollIntervalSeconds}) leaves no room for a second poll within the ${schedule.toHumanString()} schedule; it has no effect`,
    );
  }
  return base.config;
}

/** Every cluster's connection props by name (`kafka` as `default`). */
function connectionsOf(props: KafkaLagScalerProps): Map<string, KafkaConnectionProps> {
  return new Map([
    ...(props.kafka === undefined ? [] : [['default', props.kafka] as const]),
    ...Object.entries(props.kafkaClusters ?? {}),
  ]);
}

function baseProps(props: KafkaLagScalerProps): BaseConfigProps {
  return {
    kafka: props.kafka,
    kafkaClusters: props.kafkaClusters,
    maxTargetsPerInvocation: props.maxTargetsPerInvocation,
    metricsNamespace: props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE,
    partitionMetrics: props.partitionMetrics,
    pollIntervalSeconds: props.pollIntervalSeconds,
    concurrency: props.concurrency,
    dryRun: props.dryRun,
  };
}

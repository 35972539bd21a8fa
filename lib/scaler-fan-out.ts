/**
 * Fan-out on Step Functions (internal): when the targets do not fit one invocation, the schedule
 * starts a state machine whose Map state runs the same tick function once per shard (targets of one
 * Kafka cluster, at most maxTargetsPerInvocation of them), at most maxConcurrency at a time. A shard
 * that fails is caught in its own iteration (the others run on) and counted in `ShardFailures`,
 * which alarms; the execution itself succeeds. Nothing here schedules or queues on its own: the
 * rule, the Map state and Lambda do all of it.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { ShardRef } from '../lambdas/domain/config/shards';
import { ScalerMetricName } from '../lambdas/ports/metrics-sink';

/** Express workflows end after five minutes; a longer tick needs a standard one. */
const EXPRESS_LIMIT = Duration.minutes(5);

export interface ScalerFanOutProps {
  /** The tick function each shard runs in. */
  readonly tickFunction: lambda.Function;
  /** Its timeout: one iteration lasts at most this long. */
  readonly tickTimeout: Duration;
  /** The shards, as the function plans them from the same configuration. */
  readonly shards: readonly ShardRef[];
  /** Shards running at once. */
  readonly maxConcurrency: number;
  readonly namespace: string;
  readonly schedule: events.Rule;
  /** The metric period (the schedule interval). */
  readonly period: Duration;
  readonly alarmTopic: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
}

export class ScalerFanOut extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly shardFailuresAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ScalerFanOutProps) {
    super(scope, id);
    const shards = new sfn.Map(this, 'Shards', {
      comment: 'One tick invocation per shard of targets (one Kafka cluster each)',
      itemsPath: '$.shards',
      maxConcurrency: props.maxConcurrency,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(this.shardIteration(props));
    // An iteration may take the whole function timeout (polling); an execution must outlive it.
    const express = props.tickTimeout.toSeconds() + 30 <= EXPRESS_LIMIT.toSeconds();
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Kafka lag autoscaler: the tick fanned out over shards of targets',
      definitionBody: sfn.DefinitionBody.fromChainable(shards),
      stateMachineType: express ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': props.namespace } },
      }),
    );
    props.schedule.addTarget(
      new targets.SfnStateMachine(this.stateMachine, {
        // The plan rides in the event: a hand-started execution can name the shards to run.
        input: events.RuleTargetInput.fromObject({ shards: props.shards }),
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    );
    this.shardFailuresAlarm = new cloudwatch.Alarm(this, 'ShardFailuresAlarm', {
      alarmDescription: 'A shard of the Kafka lag autoscaler tick failed (its targets were not handled)',
      metric: new cloudwatch.Metric({
        namespace: props.namespace,
        metricName: ScalerMetricName.SHARD_FAILURES,
        statistic: 'Sum',
        period: props.period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.shardFailuresAlarm.addAlarmAction(new cw_actions.SnsAction(props.alarmTopic));
    this.shardFailuresAlarm.addOkAction(new cw_actions.SnsAction(props.alarmTopic));
    this.acknowledgeNagFindings(props.tickFunction);
  }

  /** One shard: invoke the tick with `{ shard }`; on failure count it and end this iteration only. */
  private shardIteration(props: ScalerFanOutProps): sfn.IChainable {
    const countFailure = new sfn.CustomState(this, 'CountShardFailure', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Stack.of(this).partition}:states:::aws-sdk:cloudwatch:putMetricData`,
        Parameters: {
          Namespace: props.namespace,
          MetricData: [{ MetricName: ScalerMetricName.SHARD_FAILURES, Value: 1, Unit: 'Count' }],
        },
        ResultPath: null,
      },
    });
    countFailure.addRetry({ errors: ['States.ALL'], maxAttempts: 3, interval: Duration.seconds(1) });
    return new tasks.LambdaInvoke(this, 'TickShard', {
      lambdaFunction: props.tickFunction,
      payload: sfn.TaskInput.fromObject({ shard: sfn.JsonPath.entirePayload }),
      payloadResponseOnly: true,
      resultPath: sfn.JsonPath.DISCARD,
      // Throttling and Lambda service errors are retried; a failing tick is not (the next schedule runs it).
      retryOnServiceExceptions: true,
    }).addCatch(countFailure, { errors: ['States.ALL'], resultPath: '$.error' });
  }

  private acknowledgeNagFindings(tickFunction: lambda.Function): void {
    const tickLogicalId = Stack.of(this).getLogicalId(tickFunction.node.defaultChild as lambda.CfnFunction);
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-SF2',
      reason:
        'X-Ray tracing is not enabled: each shard is one Lambda invocation whose decisions are logged; tracing would add cost per tick without adding insight.',
    });
    Validations.of(this.stateMachine.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:PutMetricData has no resource-level permissions (limited by the cloudwatch:namespace condition); the log delivery actions Step Functions needs for its logs have none either.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${tickLogicalId}.Arn>:*]`,
        reason:
          "Step Functions' Lambda task is granted the tick function and its versions; it invokes that one function only.",
      },
    );
  }
}

import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, describe, expect, it } from 'vitest';
import { awsClientConfig, eventually, services, uniqueName } from '../../support/services';

describe('LocalStack community (real, host mode)', () => {
  const cloudwatch = new CloudWatchClient(awsClientConfig(services().localstack));
  const namespace = uniqueName('KafkaLagAutoscaler/Smoke');
  const dimensions = [{ Name: 'ConsumerGroup', Value: 'billing' }];
  const alarmName = uniqueName('smoke-lag-alarm');

  afterAll(async () => {
    await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [alarmName] })).catch(() => undefined);
    cloudwatch.destroy();
  });

  it('reports version 4.13.1, community edition, on its health endpoint', async () => {
    const health = (await (await fetch(`${services().localstack}/_localstack/health`)).json()) as {
      version: string;
      edition: string;
      services: Record<string, string>;
    };
    expect(health.version).toBe('4.13.1');
    expect(health.edition).toBe('community');
    expect(['available', 'running']).toContain(health.services.cloudwatch);
  });

  it('returns with GetMetricData the values PutMetricData stored', async () => {
    const now = new Date();
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: [
          { MetricName: 'SumOffsetLag', Dimensions: dimensions, Value: 1200, Unit: 'Count', Timestamp: now },
          { MetricName: 'SumOffsetLag', Dimensions: dimensions, Value: 800, Unit: 'Count', Timestamp: now },
        ],
      }),
    );
    const result = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 5 * 60_000),
        EndTime: new Date(now.getTime() + 60_000),
        MetricDataQueries: ['Maximum', 'Sum', 'SampleCount'].map((stat) => ({
          Id: stat.toLowerCase(),
          MetricStat: {
            Metric: { Namespace: namespace, MetricName: 'SumOffsetLag', Dimensions: dimensions },
            Period: 60,
            Stat: stat,
          },
        })),
      }),
    );
    const values = Object.fromEntries(
      (result.MetricDataResults ?? []).map((r): [string, number | undefined] => [r.Id ?? '', r.Values?.[0]]),
    );
    expect(values).toEqual({ maximum: 1200, sum: 2000, samplecount: 2 });
  });

  it('evaluates a simple alarm on that metric until it reaches ALARM', async () => {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarmName,
        Namespace: namespace,
        MetricName: 'MaxOffsetLag',
        Dimensions: dimensions,
        Statistic: 'Maximum',
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 100,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    const state = await eventually(
      'the alarm to reach ALARM',
      async () => {
        await cloudwatch.send(
          new PutMetricDataCommand({
            Namespace: namespace,
            MetricData: [{ MetricName: 'MaxOffsetLag', Dimensions: dimensions, Value: 500, Timestamp: new Date() }],
          }),
        );
        const alarms = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }));
        const value = alarms.MetricAlarms?.[0]?.StateValue;
        return value === 'ALARM' ? value : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 2_000 },
    );
    expect(state).toBe('ALARM');
  });
});

import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { CloudWatchMetricsSink } from '#adapters/aws/cloudwatch-metrics-sink';
import type { MetricDatum } from '#ports/metrics-sink';
import { awsClientConfig, services, uniqueName } from '../../support/services';

describe('CloudWatchMetricsSink (LocalStack CloudWatch)', () => {
  it('publishes more than one PutMetricData batch, and every value reads back', async () => {
    const cloudwatch = new CloudWatchClient(awsClientConfig(services().localstack));
    const namespace = uniqueName('KafkaLagAutoscaler');
    const now = Date.now();
    // 1,200 per-partition points force two requests (the API takes 1,000 at most).
    const metrics: MetricDatum[] = Array.from({ length: 1200 }, (_, i) => ({
      name: 'PartitionOffsetLag',
      value: i,
      unit: 'Count',
      dimensions: { ConsumerGroup: 'billing', Partition: String(i) },
      timestampMs: now,
    }));
    metrics.push({
      name: 'SumOffsetLag',
      value: 719_400,
      unit: 'Count',
      dimensions: { ConsumerGroup: 'billing' },
      timestampMs: now,
    });
    await new CloudWatchMetricsSink(cloudwatch, namespace).publish(metrics);
    const query = (id: string, name: string, dims: Record<string, string>) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: namespace,
          MetricName: name,
          Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: 60,
        Stat: 'Maximum',
      },
    });
    const result = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 120_000),
        EndTime: new Date(now + 60_000),
        MetricDataQueries: [
          query('total', 'SumOffsetLag', { ConsumerGroup: 'billing' }),
          query('last', 'PartitionOffsetLag', { ConsumerGroup: 'billing', Partition: '1199' }),
        ],
      }),
    );
    const values = Object.fromEntries(
      (result.MetricDataResults ?? []).map((r): [string, number | undefined] => [r.Id ?? '', r.Values?.[0]]),
    );
    expect(values).toEqual({ total: 719_400, last: 1199 });
  });
});

import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum as CwDatum } from '@aws-sdk/client-cloudwatch';
import type { MetricDatum, MetricsSink } from '#ports/metrics-sink';

/** PutMetricData accepts at most 1000 data points per request. */
const batchSize = 1000;

/**
 * CloudWatch PutMetricData, batched within the API's limits. Chosen over EMF log lines because
 * the values are visible to GetMetricData and alarms at once, and a failure is an error we see.
 */
export class CloudWatchMetricsSink implements MetricsSink {
  constructor(
    private readonly cloudwatch: CloudWatchClient,
    readonly namespace: string,
  ) {}

  async publish(metrics: readonly MetricDatum[]): Promise<void> {
    const data: CwDatum[] = metrics
      .filter((m) => Number.isFinite(m.value))
      .map((m) => ({
        MetricName: m.name,
        Value: m.value,
        Unit: m.unit,
        Timestamp: new Date(m.timestampMs),
        Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
      }));
    for (let i = 0; i < data.length; i += batchSize) {
      await this.cloudwatch.send(
        new PutMetricDataCommand({ Namespace: this.namespace, MetricData: data.slice(i, i + batchSize) }),
      );
    }
  }
}

import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum as CwDatum } from '@aws-sdk/client-cloudwatch';
import pLimit from 'p-limit';
import type { MetricDatum, MetricsSink } from '#ports/metrics-sink';

/** PutMetricData accepts at most 1000 data points (and 1 MB) per request. */
const batchSize = 1000;

/**
 * CloudWatch PutMetricData in as few calls as the API allows (1000 points each, a few in flight at
 * once). Chosen over EMF log lines because the values are visible to GetMetricData and alarms at
 * once, and a failure is an error we see.
 */
export class CloudWatchMetricsSink implements MetricsSink {
  constructor(
    private readonly cloudwatch: CloudWatchClient,
    readonly namespace: string,
    private readonly options: { readonly concurrentCalls?: number } = {},
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
    const limit = pLimit(this.options.concurrentCalls ?? 4);
    const batches = Array.from({ length: Math.ceil(data.length / batchSize) }, (_, i) =>
      data.slice(i * batchSize, (i + 1) * batchSize),
    );
    await Promise.all(
      batches.map((batch) =>
        limit(() => this.cloudwatch.send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData: batch }))),
      ),
    );
  }
}

import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum as CwDatum } from '@aws-sdk/client-cloudwatch';
import pLimit from 'p-limit';
import type { MetricDatum, MetricsSink } from '#ports/metrics-sink';

/** PutMetricData accepts at most 1000 data points (and 1 MB) per request. */
const batchSize = 1000;
/** Points kept for the next publish after a failure (the oldest are dropped beyond it). */
const maxUnsent = 5000;

/**
 * CloudWatch PutMetricData in as few calls as the API allows (1000 points each, a few in flight at
 * once). Chosen over EMF log lines because the values are visible to GetMetricData and alarms at
 * once, and a failure is an error we see. Points a failed call could not send are sent with the next
 * publish (with their own timestamps, which CloudWatch accepts up to two weeks back), so an outage of
 * CloudWatch leaves no gap once it ends.
 */
export class CloudWatchMetricsSink implements MetricsSink {
  private unsent: CwDatum[] = [];

  constructor(
    private readonly cloudwatch: CloudWatchClient,
    readonly namespace: string,
    private readonly options: { readonly concurrentCalls?: number } = {},
  ) {}

  /** Points waiting for the next publish after a failure. */
  get pending(): number {
    return this.unsent.length;
  }

  async publish(metrics: readonly MetricDatum[]): Promise<void> {
    const data: CwDatum[] = [
      ...this.unsent,
      ...metrics
        .filter((m) => Number.isFinite(m.value))
        .map((m) => ({
          MetricName: m.name,
          Value: m.value,
          Unit: m.unit,
          Timestamp: new Date(m.timestampMs),
          Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
        })),
    ];
    this.unsent = [];
    const limit = pLimit(this.options.concurrentCalls ?? 4);
    const batches = Array.from({ length: Math.ceil(data.length / batchSize) }, (_, i) =>
      data.slice(i * batchSize, (i + 1) * batchSize),
    );
    const sent = await Promise.allSettled(
      batches.map((batch) =>
        limit(() => this.cloudwatch.send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData: batch }))),
      ),
    );
    const failed = batches.filter((_, i) => sent[i]?.status === 'rejected');
    if (failed.length === 0) return;
    this.unsent = failed.flat().slice(-maxUnsent);
    throw (sent.find((result) => result.status === 'rejected') as PromiseRejectedResult).reason;
  }
}

import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum as CwDatum } from '@aws-sdk/client-cloudwatch';
import type { MetricDatum, MetricsSink } from '#ports/metrics-sink';

/** PutMetricData accepts at most 1000 data points per request. */
const batchSize = 1000;
/** Points kept for the next publish after a failure (the oldest are dropped beyond it). */
const maxUnsent = 5000;

/**
 * CloudWatch PutMetricData, batched within the API's limits. Chosen over EMF log lines because
 * the values are visible to GetMetricData and alarms at once, and a failure is an error we see.
 * Points a failed publish could not send are sent with the next publish (with their own timestamps,
 * which CloudWatch accepts up to two weeks back), so an outage of CloudWatch leaves no gap once it ends.
 */
export class CloudWatchMetricsSink implements MetricsSink {
  private unsent: CwDatum[] = [];

  constructor(
    private readonly cloudwatch: CloudWatchClient,
    readonly namespace: string,
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
    for (let i = 0; i < data.length; i += batchSize) {
      try {
        await this.cloudwatch.send(
          new PutMetricDataCommand({ Namespace: this.namespace, MetricData: data.slice(i, i + batchSize) }),
        );
      } catch (error) {
        this.unsent = data.slice(i).slice(-maxUnsent);
        throw error;
      }
    }
  }
}

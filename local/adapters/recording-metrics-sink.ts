import type { MetricDatum, MetricsSink } from '#ports/metrics-sink';

/**
 * Keeps every published datum in memory (the local run's view and report read them back) and, when
 * given a writer, prints each as one JSON line: the console stand-in for CloudWatch.
 */
export class RecordingMetricsSink implements MetricsSink {
  private readonly recorded: MetricDatum[] = [];
  private lastBatch: readonly MetricDatum[] = [];

  constructor(private readonly write?: (line: string) => void) {}

  async publish(metrics: readonly MetricDatum[]): Promise<void> {
    this.recorded.push(...metrics);
    this.lastBatch = metrics;
    if (this.write) for (const datum of metrics) this.write(JSON.stringify(datum));
  }

  /** Every datum published so far, oldest first. */
  all(): readonly MetricDatum[] {
    return this.recorded;
  }

  /** The data of the most recent publish (one tick's worth). */
  latestBatch(): readonly MetricDatum[] {
    return this.lastBatch;
  }
}

/** The value of a metric with exactly these dimensions in a batch, if published. */
export function metricValue(
  batch: readonly MetricDatum[],
  name: string,
  dimensions: Readonly<Record<string, string>>,
): number | undefined {
  const wanted = Object.entries(dimensions);
  return batch.find(
    (datum) =>
      datum.name === name &&
      Object.keys(datum.dimensions).length === wanted.length &&
      wanted.every(([key, value]) => datum.dimensions[key] === value),
  )?.value;
}

/** One metric value, as the sink publishes it. Names and dimensions are documented in the README. */
export interface MetricDatum {
  readonly name: string;
  readonly value: number;
  readonly unit: 'Count' | 'Seconds' | 'Milliseconds' | 'Count/Second' | 'None';
  readonly dimensions: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  readonly timestampMs: number;
}

export interface MetricsSink {
  publish(metrics: readonly MetricDatum[]): Promise<void>;
}

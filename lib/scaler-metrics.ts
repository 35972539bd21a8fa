import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ScalerMetricName } from '../lambdas/ports/metrics-sink';

export { ScalerMetricName };

/** The CloudWatch namespace used when none is given (the Lambda's schema has the same default). */
export const DEFAULT_METRICS_NAMESPACE = 'KafkaLagAutoscaler';

/** Options of a consumer-group metric: CloudWatch's own options plus the topic for per-topic lag metrics. */
export interface ScalerMetricOptions extends cloudwatch.MetricOptions {
  /**
   * Narrow a group-level metric to one topic (adds the `Topic` dimension).
   * @default - the group's total over all its topics
   */
  readonly topic?: string;
}

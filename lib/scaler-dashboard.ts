import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { targetId, type ScalerConfig } from '../lambdas/domain/config/scaler-config';
import type { ScalerMetricFactory } from './scaler-metrics';

/** Props of {@link ScalerDashboard}. */
export interface ScalerDashboardProps {
  /** The validated configuration: targets, their services and policies. */
  readonly config: ScalerConfig;
  /** Builds the metrics (namespace, period). */
  readonly metrics: ScalerMetricFactory;
  /** Alarms shown in the status widget (none: no widget). */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const WIDTH = 24;

/**
 * One row per target, left to right in the order an operator asks: how far behind (messages, then
 * time against the drain target), what the scaler did about it (tasks, decisions), and whether
 * scaling can help at all (health, errors).
 */
export class ScalerDashboard extends Construct {
  /** The dashboard. */
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ScalerDashboardProps) {
    super(scope, id);
    // No dashboardName: a physical name would collide when the construct is used twice.
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      periodOverride: cloudwatch.PeriodOverride.INHERIT,
    });
    this.dashboard.addWidgets(...headerWidgets(props));
    if (props.alarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: WIDTH, height: 3 }),
      );
    }
    for (const target of props.config.targets) {
      this.dashboard.addWidgets(targetTitle(target));
      this.dashboard.addWidgets(...targetGraphs(target, props.metrics));
    }
  }
}

type Target = ScalerConfig['targets'][number];

/** The title row: what the dashboard shows, and the tick duration. */
function headerWidgets({ config, metrics }: ScalerDashboardProps): cloudwatch.IWidget[] {
  return [
    new cloudwatch.TextWidget({
      markdown: `# Kafka lag autoscaler${config.dryRun ? ' (dry run: decisions are not acted on)' : ''}\nNamespace \`${config.metricsNamespace}\`; one row per target. Health: 0 OK, 1 WARN, 2 ERR.`,
      width: 16,
      height: 2,
    }),
    new cloudwatch.SingleValueWidget({
      title: 'Tick duration (ms)',
      metrics: [metrics.metricTickDuration()],
      width: 8,
      height: 2,
    }),
  ];
}

function targetTitle(target: Target): cloudwatch.IWidget {
  const { group, policy } = target;
  return new cloudwatch.TextWidget({
    markdown: `## ${targetId(target)}\nGroup \`${group}\` -> service \`${target.service.cluster}/${target.service.service}\`; ${policy.minTasks}-${policy.maxTasks} tasks, drain target ${policy.drainTargetSeconds} s`,
    width: WIDTH,
    height: 2,
  });
}

/** One row per target: lag and rates, time lag against the drain target, tasks and decisions, health. */
function targetGraphs(target: Target, metrics: ScalerMetricFactory): cloudwatch.IWidget[] {
  const id = targetId(target);
  const { group, policy } = target;
  const quarter = WIDTH / 4;
  return [
    new cloudwatch.GraphWidget({
      title: `${id}: lag (messages)`,
      left: [
        metrics.metricSumOffsetLag(group, { label: 'total lag' }),
        metrics.metricMaxOffsetLag(group, { label: 'max partition lag' }),
      ],
      right: [
        metrics.metricProductionRate(group, { label: 'produced/s' }),
        metrics.metricConsumptionRate(group, { label: 'consumed/s' }),
      ],
      width: quarter,
    }),
    new cloudwatch.GraphWidget({
      title: `${id}: time lag (s)`,
      left: [metrics.metricEstimatedMaxTimeLag(group, { label: 'estimated max time lag' })],
      leftAnnotations: [{ value: policy.drainTargetSeconds, label: 'drain target', color: cloudwatch.Color.RED }],
      leftYAxis: { min: 0 },
      width: quarter,
    }),
    new cloudwatch.GraphWidget({
      title: `${id}: tasks and decisions`,
      left: [
        metrics.metricDesiredTasks(id, { label: 'desired' }),
        metrics.metricRunningTasks(id, { label: 'running', statistic: 'Maximum' }),
        metrics.metricRecommendedTasks(id, { label: 'recommended' }),
      ],
      right: [metrics.metricScalingActions(id, { label: 'scaling actions' })],
      leftAnnotations: [{ value: policy.maxTasks, label: 'maxTasks', color: cloudwatch.Color.ORANGE }],
      leftYAxis: { min: 0 },
      rightYAxis: { min: 0 },
      width: quarter,
    }),
    new cloudwatch.GraphWidget({
      title: `${id}: health and errors`,
      left: [metrics.metricHealthStatus(group, { label: 'health (0 OK, 1 WARN, 2 ERR)' })],
      right: [metrics.metricScalerErrors(id, { label: 'scaler errors' })],
      leftAnnotations: [
        { value: 1, label: 'WARN', color: cloudwatch.Color.ORANGE },
        { value: 2, label: 'ERR', color: cloudwatch.Color.RED },
      ],
      leftYAxis: { min: 0, max: 2 },
      rightYAxis: { min: 0 },
      width: quarter,
    }),
  ];
}

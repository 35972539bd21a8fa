/** The scaler's dashboard (internal: the construct creates it; `scaler.dashboard` is the public handle). */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ScalerTarget } from './scaler-target';

/** Props of {@link ScalerDashboard}. */
export interface ScalerDashboardProps {
  /** The metrics namespace, shown in the header. */
  readonly namespace: string;
  /** The scaler decides without acting (said in the header). */
  readonly dryRun: boolean;
  /** Duration of a tick. */
  readonly tickDuration: cloudwatch.IMetric;
  /** The alarm raised when no tick completes, if any. */
  readonly ticksMissingAlarm?: cloudwatch.IAlarm;
}

const WIDTH = 24;

/**
 * A header, then one row per target (added as targets are added), left to right in the order an
 * operator asks: how far behind (messages, then time against the drain target), what the scaler did
 * about it (tasks, decisions), and whether scaling can help at all (health, errors).
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
  }

  /** The target's title row (with its alarms) and its graphs. */
  addTarget(target: ScalerTarget): void {
    this.dashboard.addWidgets(...targetTitle(target));
    this.dashboard.addWidgets(...targetGraphs(target));
  }
}

/** The title row: what the dashboard shows, the tick duration and whether ticks complete. */
function headerWidgets(props: ScalerDashboardProps): cloudwatch.IWidget[] {
  const alarm = props.ticksMissingAlarm;
  return [
    new cloudwatch.TextWidget({
      markdown: `# Kafka lag autoscaler${props.dryRun ? ' (dry run: decisions are not acted on)' : ''}\nNamespace \`${props.namespace}\`; one row per target. Health: 0 OK, 1 WARN, 2 ERR.`,
      width: alarm ? 12 : 16,
      height: 2,
    }),
    new cloudwatch.SingleValueWidget({
      title: 'Tick duration (ms)',
      metrics: [props.tickDuration],
      width: 8,
      height: 2,
    }),
    ...(alarm ? [new cloudwatch.AlarmStatusWidget({ title: 'Ticks', alarms: [alarm], width: 4, height: 2 })] : []),
  ];
}

function targetTitle(target: ScalerTarget): cloudwatch.IWidget[] {
  const { group, policy, service } = target._config;
  const alarms = target.alarms;
  return [
    new cloudwatch.TextWidget({
      markdown: `## ${target.targetId}\nGroup \`${group}\` -> service \`${service.cluster}/${service.service}\`; ${policy.minTasks}-${policy.maxTasks} tasks, drain target ${policy.drainTargetSeconds} s`,
      width: alarms.length > 0 ? 16 : WIDTH,
      height: 2,
    }),
    ...(alarms.length > 0
      ? [
          new cloudwatch.AlarmStatusWidget({
            title: `${target.targetId}: alarms`,
            alarms: [...alarms],
            width: 8,
            height: 2,
          }),
        ]
      : []),
  ];
}

/** One row per target: lag and rates, time lag against the drain target, tasks and decisions, health. */
function targetGraphs(target: ScalerTarget): cloudwatch.IWidget[] {
  const id = target.targetId;
  const { policy } = target._config;
  const quarter = WIDTH / 4;
  return [
    new cloudwatch.GraphWidget({
      title: `${id}: lag (messages)`,
      left: [
        target.metricSumOffsetLag({ label: 'total lag' }),
        target.metricMaxOffsetLag({ label: 'max partition lag' }),
      ],
      right: [
        target.metricProductionRate({ label: 'produced/s' }),
        target.metricConsumptionRate({ label: 'consumed/s' }),
      ],
      width: quarter,
    }),
    new cloudwatch.GraphWidget({
      title: `${id}: time lag (s)`,
      left: [target.metricEstimatedMaxTimeLag({ label: 'estimated max time lag' })],
      leftAnnotations: [{ value: policy.drainTargetSeconds, label: 'drain target', color: cloudwatch.Color.RED }],
      leftYAxis: { min: 0 },
      width: quarter,
    }),
    new cloudwatch.GraphWidget({
      title: `${id}: tasks and decisions`,
      left: [
        target.metricDesiredTasks({ label: 'desired' }),
        target.metricRunningTasks({ label: 'running', statistic: 'Maximum' }),
        target.metricRecommendedTasks({ label: 'recommended' }),
      ],
      right: [target.metricScalingActions({ label: 'scaling actions' })],
      leftAnnotations: [{ value: policy.maxTasks, label: 'maxTasks', color: cloudwatch.Color.ORANGE }],
      leftYAxis: { min: 0 },
      rightYAxis: { min: 0 },
      width: quarter,
    }),
    new cloudwatch.GraphWidget({
      title: `${id}: health and errors`,
      left: [target.metricHealthStatus({ label: 'health (0 OK, 1 WARN, 2 ERR)' })],
      right: [
        target.metricScalerErrors({ label: 'scaler errors' }),
        target.metricHotPartitions({ label: 'hot partitions (no count drains)' }),
      ],
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

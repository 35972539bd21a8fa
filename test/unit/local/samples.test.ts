import { describe, expect, it } from 'vitest';
import type { TickReport } from '#application/tick';
import { parseScalerConfig } from '#domain/config/scaler-config';
import type { MetricDatum, ScalerMetricName } from '#ports/metrics-sink';
import { sampleTick } from '#local/samples';
import { group, member, part, T0 } from '#support/builders/lag';
import { hold, scale } from '#support/builders/local';

const config = parseScalerConfig({
  kafka: { brokers: ['127.0.0.1:9092'] },
  targets: [
    { group: 'billing', service: { cluster: 'local', service: 'billing' } },
    { id: 'pharmacy-eu', group: 'pharmacy', service: { cluster: 'local', service: 'pharmacy' } },
  ],
});

const datum = (name: ScalerMetricName, value: number, dimensions: Readonly<Record<string, string>>): MetricDatum => ({
  name,
  value,
  unit: 'Count',
  dimensions,
  timestampMs: T0,
});

const report = (extra: Partial<TickReport> = {}): TickReport => ({
  startedAtMs: T0,
  durationMs: 120,
  kafkaError: undefined,
  targets: [
    { target: 'billing', kind: 'acted', decision: scale(2, 4) },
    { target: 'pharmacy-eu', kind: 'held', decision: hold(1) },
  ],
  ...extra,
});

/** What one tick of billing published: per-group and per-topic lag, rates per topic, health, tasks. */
const billingMetrics: readonly MetricDatum[] = [
  datum('SumOffsetLag', 1200, { ConsumerGroup: 'billing' }),
  // Per-topic lag has more dimensions: it must not be taken for the group's.
  datum('SumOffsetLag', 900, { ConsumerGroup: 'billing', Topic: 'patient-checkout' }),
  datum('EstimatedMaxTimeLag', 4.5, { ConsumerGroup: 'billing' }),
  datum('ProductionRate', 400, { ConsumerGroup: 'billing', Topic: 'patient-checkout' }),
  datum('ProductionRate', 200, { ConsumerGroup: 'billing', Topic: 'patient-admission' }),
  datum('ConsumptionRate', 150, { ConsumerGroup: 'billing', Topic: 'patient-checkout' }),
  datum('HealthStatus', 1, { ConsumerGroup: 'billing' }),
  datum('DesiredTasks', 4, { Target: 'billing' }),
  datum('RunningTasks', 2, { Target: 'billing' }),
];

const billingSnapshot = group(
  Array.from({ length: 12 }, (_, p) => part(p, { committed: 0n, end: 100n })),
  {
    state: 'PreparingRebalance',
    members: [
      member('m1', { 'patient-checkout': [0, 1, 2], 'patient-admission': [0] }),
      member('m2', { 'patient-checkout': [3, 4, 5, 6, 7, 8, 9, 10] }),
    ],
  },
);

describe('sampleTick', () => {
  it('takes a target’s numbers from the metrics its tick published and the snapshot it read', () => {
    const [billing] = sampleTick(config, report(), billingMetrics, (g) =>
      g === 'billing' ? billingSnapshot : undefined,
    );
    expect(billing).toEqual({
      atMs: T0,
      target: 'billing',
      group: 'billing',
      lag: 1200,
      timeLagSeconds: 4.5,
      // Rates are per topic: the group's is their sum (400 + 200).
      productionRate: 600,
      consumptionRate: 150,
      health: 'WARN',
      desired: 4,
      running: 2,
      groupState: 'PreparingRebalance',
      members: 2,
      // m2 holds 8 partitions, m1 holds 3 + 1: largest first.
      partitionsPerMember: [8, 4],
      partitions: 12,
      outcome: 'acted',
      decision: scale(2, 4),
      error: undefined,
    });
  });

  it('keys task metrics and outcomes by the target id, group metrics by the group', () => {
    const metrics = [
      datum('SumOffsetLag', 30, { ConsumerGroup: 'pharmacy' }),
      datum('DesiredTasks', 1, { Target: 'pharmacy-eu' }),
      datum('DesiredTasks', 9, { Target: 'pharmacy' }),
    ];
    const [, pharmacy] = sampleTick(config, report(), metrics, () => undefined);
    expect(pharmacy).toMatchObject({ target: 'pharmacy-eu', group: 'pharmacy', lag: 30, desired: 1 });
    expect(pharmacy?.outcome).toBe('held');
    expect(pharmacy?.decision).toEqual(hold(1));
  });

  it('leaves every number undefined and carries the Kafka error when the read failed', () => {
    const failed = report({
      kafkaError: 'connect ECONNREFUSED 127.0.0.1:9092',
      targets: [{ target: 'billing', kind: 'held', decision: hold(1, 'no-data') }],
    });
    const [billing] = sampleTick(config, failed, [], () => undefined);
    expect(billing).toMatchObject({
      lag: undefined,
      timeLagSeconds: undefined,
      productionRate: undefined,
      consumptionRate: undefined,
      health: undefined,
      desired: undefined,
      groupState: undefined,
      members: undefined,
      partitionsPerMember: [],
      partitions: undefined,
      outcome: 'held',
      error: 'connect ECONNREFUSED 127.0.0.1:9092',
    });
  });

  it.each([
    ['OK', 0],
    ['WARN', 1],
    ['ERR', 2],
  ] as const)('names health %s from HealthStatus %d', (name, value) => {
    const [billing] = sampleTick(
      config,
      report(),
      [datum('HealthStatus', value, { ConsumerGroup: 'billing' })],
      () => undefined,
    );
    expect(billing?.health).toBe(name);
  });

  it('takes the message of a target’s error outcome, without a decision', () => {
    const errored = report({ targets: [{ target: 'billing', kind: 'error', message: 'service billing not found' }] });
    const [billing] = sampleTick(config, errored, [], () => undefined);
    expect(billing).toMatchObject({ outcome: 'error', decision: undefined, error: 'service billing not found' });
  });

  it('counts a target missing from the report as an error', () => {
    const [, pharmacy] = sampleTick(config, report({ targets: [] }), [], () => undefined);
    expect(pharmacy).toMatchObject({ outcome: 'error', decision: undefined, error: undefined });
  });
});

import { describe, expect, it } from 'vitest';
import { measureGroups } from '#domain/lag/targets';
import { lagMetrics, scalerMetrics } from '#application/tick-metrics';
import { hold } from '#support/builders/local';
import type { GroupSnapshot } from '#domain/lag/index';

const now = Date.UTC(2026, 10, 24, 9);
const snapshot: GroupSnapshot = {
  group: 'billing',
  observedAtMs: now,
  state: 'Empty',
  protocol: 'classic',
  isolation: 'read_uncommitted',
  members: [],
  partitions: [
    {
      topic: 'patient-checkout',
      partition: 0,
      committed: { kind: 'committed', offset: 3n },
      end: { kind: 'available', logStart: 0n, end: 10n },
    },
    {
      topic: 'patient-checkout',
      partition: 1,
      committed: { kind: 'committed', offset: 1n },
      end: { kind: 'available', logStart: 5n, end: 10n },
    },
    {
      topic: 'patient-checkout',
      partition: 2,
      committed: { kind: 'none' },
      end: { kind: 'unavailable', reason: 'no-leader', detail: 'x' },
    },
  ],
};
const [measured] = measureGroups([{ kind: 'ok', snapshot }], { now });
const value = (metrics: ReturnType<typeof lagMetrics>, name: string, dims: Record<string, string>) =>
  metrics.find((m) => m.name === name && JSON.stringify(m.dimensions) === JSON.stringify(dims))?.value;

describe('tick metrics', () => {
  it('publishes MSK-named lag metrics per group and per topic, with lost records', () => {
    const metrics = lagMetrics('billing', measured, now);
    expect(value(metrics, 'SumOffsetLag', { ConsumerGroup: 'billing' })).toBe(12);
    expect(value(metrics, 'MaxOffsetLag', { ConsumerGroup: 'billing', Topic: 'patient-checkout' })).toBe(7);
    expect(value(metrics, 'OffsetsLost', { ConsumerGroup: 'billing' })).toBe(4);
    expect(value(metrics, 'HealthStatus', { ConsumerGroup: 'billing' })).toBeTypeOf('number');
    expect(metrics.some((m) => m.name === 'PartitionOffsetLag')).toBe(false);
  });

  it('adds per-partition lag only when asked, leaving unknown partitions out', () => {
    const metrics = lagMetrics('billing', measured, now, { partitionMetrics: true });
    const partitions = metrics
      .filter((m) => m.name === 'PartitionOffsetLag')
      .map((m) => [m.dimensions.Partition, m.value]);
    expect(partitions).toEqual([
      ['0', 7],
      ['1', 5],
    ]);
  });

  it('publishes nothing for a group that could not be read (a zero would hide the failure)', () => {
    expect(lagMetrics('billing', { kind: 'error', group: 'billing', message: 'down', retriable: true }, now)).toEqual(
      [],
    );
    expect(scalerMetrics('billing', { error: true }, now)).toEqual([
      { name: 'ScalerErrors', value: 1, unit: 'Count', dimensions: { Target: 'billing' }, timestampMs: now },
    ]);
  });

  it('publishes the decision: desired and recommended tasks, whether it acted, and the hot partitions it named', () => {
    const decision = hold(3, 'hot-partition');
    const held = { ...decision, inputs: { ...decision.inputs, hotPartitions: 1 } };
    const service = { desired: 3, running: 3, pending: 0, deploymentSteady: true };
    const metrics = scalerMetrics('billing', { service, decision: held, acted: false, error: false }, now);
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m.value]));
    expect(byName).toEqual({
      ScalerErrors: 0,
      DesiredTasks: 3,
      RunningTasks: 3,
      RecommendedTasks: 3,
      ScalingActions: 0,
      HotPartition: 1,
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { PolicyObservation } from '#domain/policy/index';
import { observedTotals, readTick, type ObservedTotals } from '#domain/policy/tick';
import { config, input, NOW, observation, settledMemory, topic } from '#support/builders/policy';

describe('observedTotals', () => {
  const orders = topic({ partitions: 12, scalableLag: 900, excludedLag: 40, productionRate: 100, timeLagSeconds: 20 });
  const refunds = topic({ topic: 'refunds', partitions: 4, scalableLag: 100, excludedLag: 0, productionRate: 5 });
  it.each<{ name: string; observed: PolicyObservation; expected: ObservedTotals }>([
    {
      name: 'sums lag and production over the topics; the cap is the largest topic',
      observed: observation(3, [orders, refunds]),
      expected: {
        current: 3,
        capPartitions: 12,
        scalableLag: 1000,
        excludedLag: 40,
        productionRate: 105,
        timeLagSeconds: 20,
        freshness: 'complete',
      },
    },
    {
      name: 'one topic without a production rate leaves the total unknown (a partial sum would read low)',
      observed: observation(3, [orders, { ...refunds, productionRate: undefined }]),
      expected: {
        current: 3,
        capPartitions: 12,
        scalableLag: 1000,
        excludedLag: 40,
        productionRate: undefined,
        timeLagSeconds: 20,
        freshness: 'complete',
      },
    },
    {
      name: 'the time lag is the oldest over the topics that report one; current is the desired count',
      observed: observation(
        2,
        [
          { ...orders, timeLagSeconds: 90 },
          { ...refunds, timeLagSeconds: 30 },
        ],
        { service: { running: 1 }, group: { freshness: 'partial' } },
      ),
      expected: {
        current: 2,
        capPartitions: 12,
        scalableLag: 1000,
        excludedLag: 40,
        productionRate: 105,
        timeLagSeconds: 90,
        freshness: 'partial',
      },
    },
    {
      name: 'no topics: nothing to add up',
      observed: observation(2, [], { group: { freshness: 'missing' } }),
      expected: {
        current: 2,
        capPartitions: 0,
        scalableLag: 0,
        excludedLag: 0,
        productionRate: 0,
        timeLagSeconds: undefined,
        freshness: 'missing',
      },
    },
  ])('$name', ({ observed, expected }) => {
    expect(observedTotals(observed)).toEqual(expected);
  });
});

describe('readTick', () => {
  it('reads the totals, the task range and the settle state once', () => {
    const memory = settledMemory(NOW);
    const policyInput = input(observation(5, [topic({ partitions: 12 })]), memory, config({ maxTasks: 5 }));
    const tick = readTick(policyInput, NOW);
    expect(tick).toMatchObject({
      observation: policyInput.observation,
      memory,
      config: policyInput.config,
      now: NOW,
      current: 5,
      partitionCounts: [12],
      bounds: { lower: 1, upper: 4 },
      settle: { settled: true, settledSinceMs: memory.settledSinceMs, timedOut: false },
    });
    expect(tick.totals).toEqual(observedTotals(policyInput.observation));
  });
});

import { describe, expect, it } from 'vitest';
import { backlogOf, createPartitions, drainWithCapacity, poisonedAt, shareAt, timeLagOf } from '#simulator/cluster';
import { constantTrace, simPartition } from '#support/builders/simulator';

describe('createPartitions', () => {
  it('shares follow the weights; the initial lag is the end offset and the first history entry', () => {
    const trace = constantTrace({
      topics: [{ name: 'orders', partitions: 2, weights: [3, 1], initialLagPerPartition: 100 }],
      poisoned: [{ topic: 'orders', partition: 1, fromSecond: 60, untilSecond: 120 }],
    });
    const [first, second] = createPartitions(trace, 10);
    expect(first).toMatchObject({
      shares: [{ fromSecond: 0, share: 0.75 }],
      end: 100,
      committed: 0,
      poisonFrom: undefined,
    });
    expect(second).toMatchObject({
      partition: 1,
      shares: [{ fromSecond: 0, share: 0.25 }],
      poisonFrom: 60,
      poisonUntil: 120,
    });
    expect([...(first?.endHistory ?? [])]).toEqual([100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('numbers partitions per topic and remembers the topic index', () => {
    const trace = constantTrace({
      topics: [
        { name: 'a', partitions: 2, initialLagPerPartition: 0 },
        { name: 'b', partitions: 1, initialLagPerPartition: 0 },
      ],
      production: { a: [1], b: [1] },
    });
    expect(createPartitions(trace, 60).map((p) => [p.topicIndex, p.partition])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
  });
});

describe('skew over time', () => {
  const trace = constantTrace({
    minutes: 10,
    topics: [
      {
        name: 'orders',
        partitions: 3,
        weights: [2, 1, 1],
        initialLagPerPartition: 0,
        skew: [
          { fromSecond: 120, weights: [0, 3, 1] },
          { fromSecond: 300, weights: [1, 1, 1] },
        ],
      },
    ],
  });

  it('each partition gets one share per change: the weights from 0, then each skew entry', () => {
    const shares = createPartitions(trace, 600).map((partition) => partition.shares);
    expect(shares[1]).toEqual([
      { fromSecond: 0, share: 0.25 },
      { fromSecond: 120, share: 0.75 },
      { fromSecond: 300, share: 1 / 3 },
    ]);
  });

  it.each([
    [0, 0.5],
    [119, 0.5],
    [120, 0],
    [299, 0],
    [300, 1 / 3],
    [599, 1 / 3],
  ])('shareAt second %i of partition 0 is %f (the last change at or before it)', (second, expected) => {
    const [first] = createPartitions(trace, 600);
    expect(first === undefined ? undefined : shareAt(first, second)).toBeCloseTo(expected);
  });

  it('a change at second 0 replaces the weights', () => {
    const atZero = constantTrace({
      topics: [
        {
          name: 'orders',
          partitions: 2,
          weights: [1, 1],
          initialLagPerPartition: 0,
          skew: [{ fromSecond: 0, weights: [3, 1] }],
        },
      ],
    });
    expect(createPartitions(atZero, 60).map((partition) => partition.shares)).toEqual([
      [{ fromSecond: 0, share: 0.75 }],
      [{ fromSecond: 0, share: 0.25 }],
    ]);
  });
});

describe('poisonedAt', () => {
  const poisoned = simPartition({ poisonFrom: 60, poisonUntil: 120 });
  it.each([
    [59, false],
    [60, true],
    [119, true],
    [120, false],
  ])('from 60 until 120, at second %i: %s', (second, expected) => {
    expect(poisonedAt(poisoned, second)).toBe(expected);
  });

  it('without an end the poison stays', () => {
    expect(poisonedAt(simPartition({ poisonFrom: 0 }), 1e6)).toBe(true);
  });
});

describe('timeLagOf', () => {
  // 10 messages a second: after seconds 0, 1, 2 the end offset is 10, 20, 30.
  const history = [0, 10, 20, 30];
  it.each([
    ['committed 15: the oldest unconsumed message arrived during second 1, 1 s ago at second 2', 15, 1],
    ['committed 5: it arrived during second 0', 5, 2],
    ['caught up', 30, 0],
  ])('%s', (_name, committed, expected) => {
    expect(timeLagOf(simPartition({ endHistory: history, committed }), 2)).toBe(expected);
  });
});

describe('drainWithCapacity (water filling)', () => {
  it('backlogs 10, 50 and 100 share 90: the smallest finishes, the rest split what is left', () => {
    const partitions = [100, 10, 50].map((end) => simPartition({ end }));
    drainWithCapacity(partitions, [0, 1, 2], 90, 0);
    expect(partitions.map((p) => p.committed)).toEqual([40, 10, 40]);
    expect(partitions.map(backlogOf)).toEqual([60, 0, 10]);
  });

  it('a poisoned partition takes nothing and leaves its share to the others', () => {
    const partitions = [simPartition({ end: 100, poisonFrom: 0 }), simPartition({ end: 100 })];
    drainWithCapacity(partitions, [0, 1], 80, 5);
    expect(partitions.map((p) => p.committed)).toEqual([0, 80]);
  });

  it('only the given partition indexes are drained', () => {
    const partitions = [simPartition({ end: 100 }), simPartition({ end: 100 })];
    drainWithCapacity(partitions, [1], 30, 0);
    expect(partitions.map((p) => p.committed)).toEqual([0, 30]);
  });
});

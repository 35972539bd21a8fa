import { describe, expect, it } from 'vitest';
import { applyStallRule, busiestMemberRate, freshnessAt, observe, rateWindow, topicLag } from '#simulator/observe';
import { constantTrace, simPartition, simState } from '#support/builders/simulator';

describe('freshnessAt', () => {
  const trace = constantTrace({
    dataGaps: [
      { fromSecond: 60, untilSecond: 120, freshness: 'missing' },
      { fromSecond: 120, freshness: 'partial' },
    ],
  });
  it.each([
    [59, 'complete'],
    [60, 'missing'],
    [120, 'partial'],
    [1e6, 'partial'],
  ])('at second %i: %s', (second, expected) => {
    expect(freshnessAt(trace, second)).toBe(expected);
  });
});

describe('applyStallRule', () => {
  it('a lagging partition with an unchanged commit is STALLED on the 3rd unchanged poll, cleared when it moves', () => {
    const stuck = simPartition({ end: 100, committed: 10 });
    const moving = simPartition({ partition: 1, end: 1000 });
    const poll = () => {
      applyStallRule([stuck, moving], 3);
      moving.committed += 10;
      return stuck.stalled;
    };
    // Poll 1 only remembers the commits; polls 2-4 see it unchanged 1, 2, 3 times.
    expect([poll(), poll(), poll(), poll()]).toEqual([false, false, false, true]);
    stuck.committed = 11;
    expect(poll()).toBe(false);
  });

  it('a paused group (nobody moved) marks nothing, however long', () => {
    const partitions = [simPartition({ end: 100 }), simPartition({ partition: 1, end: 100 })];
    for (let i = 0; i < 6; i += 1) applyStallRule(partitions, 3);
    expect(partitions.map((p) => [p.unchangedPolls, p.stalled])).toEqual([
      [5, false],
      [5, false],
    ]);
  });

  it('a partition lagging by less than one message is not counted', () => {
    const partition = simPartition({ end: 10.5, committed: 10 });
    applyStallRule([partition], 1);
    applyStallRule([partition], 1);
    expect(partition.unchangedPolls).toBe(0);
  });
});

describe('rateWindow', () => {
  // 10 messages a second: the offset after second t is 10 (t + 1).
  const history = Float64Array.from({ length: 11 }, (_, t) => 10 * t);
  it.each([
    ['60 s window at second 9 shortens to the 10 s so far', 60, 10],
    ['3 s window', 3, 3],
  ])('%s', (_name, windowSeconds, expectedSeconds) => {
    const rates = rateWindow(windowSeconds, 9);
    expect(rates.seconds).toBe(expectedSeconds);
    expect(rates.rateOf(history)).toBeCloseTo(10);
  });

  it('an empty window measures 0', () => {
    expect(rateWindow(0, 9).rateOf(history)).toBe(0);
  });
});

describe('topicLag', () => {
  // At second 1 over a 2 s window: partition 0 produced 20 (10/s), partition 1 (STALLED) 10 (5/s).
  const partitions = () => [
    simPartition({ endHistory: [0, 10, 20], committed: 5 }),
    simPartition({ partition: 1, endHistory: [0, 5, 10], stalled: true }),
    simPartition({ topicIndex: 1, endHistory: [0, 1000, 2000] }),
  ];

  it('whole-message lag, STALLED lag excluded, production counts every partition of the topic', () => {
    expect(topicLag(partitions(), 0, 'complete', rateWindow(60, 1), 1)).toEqual({
      scalableLag: 15,
      excludedLag: 10,
      maxPartitionLag: 15,
      productionRate: 15,
      maxPartitionProductionRate: 10,
      timeLagSeconds: 1,
    });
  });

  it('partial data hides the odd partitions from lag, not from production', () => {
    expect(topicLag(partitions(), 0, 'partial', rateWindow(60, 1), 1)).toMatchObject({
      excludedLag: 0,
      productionRate: 15,
    });
  });

  it('fractional offsets are floored: end 20.7, committed 5.5 is 15 messages', () => {
    const lag = topicLag([simPartition({ end: 20.7, committed: 5.5 })], 0, 'complete', rateWindow(60, 0), 0);
    expect(lag.scalableLag).toBe(15);
  });

  it('without a window the rates are unknown', () => {
    expect(topicLag(partitions(), 0, 'complete', rateWindow(0, 1), 1)).toMatchObject({
      productionRate: undefined,
      maxPartitionProductionRate: undefined,
    });
  });
});

describe('busiestMemberRate', () => {
  it('the member that consumed most of the topic over the window: 120 msg/s against 50', () => {
    const state = simState({ initialTasks: 2 });
    state.partitions[0]?.committedHistory.set([0, 50]);
    state.partitions[3]?.committedHistory.set([0, 120]);
    expect(busiestMemberRate(state, 0, rateWindow(60, 0))).toBe(120);
  });

  it('no members, no rate', () => {
    expect(busiestMemberRate(simState({ initialTasks: 0 }), 0, rateWindow(60, 0))).toBeUndefined();
  });
});

describe('observe', () => {
  it('an empty group with one task starting: Empty, desired 1, pending 1, deployment not steady', () => {
    const state = simState({ initialTasks: 0 });
    state.starting.push({ id: 0, readyAtSecond: 40 });
    const observation = observe(state, 0);
    expect(observation.group).toEqual({ state: 'Empty', members: 0, freshness: 'complete' });
    expect(observation.service).toEqual({ desired: 1, running: 0, pending: 1, deploymentSteady: false });
    expect(observation.topics[0]).toMatchObject({ topic: 'orders', partitions: 6, consumptionRatePerTask: undefined });
  });

  it('a group in a rebalance pause is PreparingRebalance', () => {
    const state = simState({ initialTasks: 2 });
    state.rebalanceUntilSecond = 5;
    expect(observe(state, 0).group.state).toBe('PreparingRebalance');
    state.rebalanceUntilSecond = undefined;
    expect(observe(state, 0).group.state).toBe('Stable');
  });
});

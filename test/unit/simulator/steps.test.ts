import { describe, expect, it } from 'vitest';
import { defaultSimulationOptions } from '#simulator/model';
import { observe } from '#simulator/observe';
import type { Policy } from '#simulator/policies';
import { createSimState } from '#simulator/state';
import {
  account,
  assign,
  consume,
  decide,
  drainableTimeLagSeconds,
  isPollSecond,
  pollTimeMs,
  produce,
  record,
} from '#simulator/steps';
import { constantTrace, scriptedPolicy, simState } from '#support/builders/simulator';

describe('produce', () => {
  it('600 msg/s over 6 even partitions: each end grows by 100, and 600 / 200 per task = 3 tasks needed', () => {
    const state = simState({ rate: 600 });
    expect(produce(state, 0)).toBeCloseTo(3);
    for (const partition of state.partitions) expect(partition.end).toBeCloseTo(100);
  });

  it('the rate follows the trace step (60 s): second 60 reads the second sample', () => {
    const state = simState({ production: { orders: [600, 1200] } });
    expect(produce(state, 59)).toBeCloseTo(3);
    expect(produce(state, 60)).toBeCloseTo(6);
  });

  it('a hot key that moves: the skew in force decides which partition grows, before and after the change', () => {
    const skewed = simState({
      rate: 600,
      partitions: 3,
      topics: [
        {
          name: 'orders',
          partitions: 3,
          initialLagPerPartition: 0,
          skew: [
            { fromSecond: 60, weights: [4, 1, 1] },
            { fromSecond: 120, weights: [1, 1, 4] },
          ],
        },
      ],
    });
    produce(skewed, 0);
    expect(skewed.partitions.map((partition) => partition.end)).toEqual([200, 200, 200]);
    produce(skewed, 60);
    expect(skewed.partitions.map((partition) => partition.end)).toEqual([600, 300, 300]);
    expect(produce(skewed, 120)).toBeCloseTo(3);
    expect(skewed.partitions.map((partition) => partition.end)).toEqual([700, 400, 700]);
  });

  it('a poisoned partition still receives messages but needs no task: 5 of 6 shares of 3 tasks', () => {
    const state = simState({ rate: 600, poisoned: [{ topic: 'orders', partition: 2, fromSecond: 0 }] });
    expect(produce(state, 0)).toBeCloseTo(2.5);
    expect(state.partitions[2]?.end).toBeCloseTo(100);
  });
});

describe('assign', () => {
  it('a started task joins at its ready second with a rebalance; the new assignment comes when the pause ends', () => {
    const state = simState({ initialTasks: 2 }, { rebalancePauseSeconds: 5 });
    state.starting.push({ id: 5, readyAtSecond: 10 });
    assign(state, 9);
    expect(state.members).toEqual([0, 1]);
    assign(state, 10);
    expect([state.members, state.starting, state.rebalanceUntilSecond]).toEqual([[0, 1, 5], [], 15]);
    expect(state.assignment.has(5)).toBe(false);
    assign(state, 15);
    expect(state.rebalanceUntilSecond).toBeUndefined();
    expect([...state.assignment.entries()]).toEqual([
      [0, [0, 1]],
      [1, [2, 3]],
      [5, [4, 5]],
    ]);
  });
});

describe('consume', () => {
  const backlogged = (options: Parameters<typeof simState>[1] = {}) => {
    const state = simState({ initialTasks: 2 }, options);
    for (const partition of state.partitions) partition.end = 1000;
    return state;
  };

  it('each of 2 members drains 200 msg/s over its 3 partitions', () => {
    const state = backlogged();
    consume(state, 0);
    for (const partition of state.partitions) expect(partition.committed).toBeCloseTo(200 / 3);
  });

  it('eager rebalance: nothing is consumed and all 6 partitions count as paused', () => {
    const state = backlogged();
    state.rebalanceUntilSecond = 5;
    consume(state, 0);
    expect(state.partitions.map((p) => p.committed)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(state.totals.pausedPartitionSeconds).toBe(6);
  });

  it('cooperative rebalance: only the moved partition waits; its owner spends 200 on the other two', () => {
    const state = backlogged({ assignor: 'cooperative-sticky' });
    state.rebalanceUntilSecond = 5;
    state.movedPartitions.add(2);
    consume(state, 0);
    expect(state.partitions.slice(0, 3).map((p) => p.committed)).toEqual([100, 100, 0]);
    expect(state.totals.pausedPartitionSeconds).toBe(1);
  });
});

describe('record', () => {
  it('stores the offsets after second t at index t + 1', () => {
    const state = simState();
    const partition = state.partitions[0];
    if (partition === undefined) throw new Error('no partition');
    partition.end = 42;
    partition.committed = 7;
    record(state, 3);
    expect([partition.endHistory[4], partition.committedHistory[4]]).toEqual([42, 7]);
  });
});

describe('account', () => {
  it('bills members and starting tasks, adds the needed tasks, samples every seriesEverySeconds', () => {
    const state = simState({ initialTasks: 2 }, { seriesEverySeconds: 30 });
    state.starting.push({ id: 2, readyAtSecond: 41 });
    state.partitions.forEach((partition) => (partition.end = 10));
    account(state, 0, 1.5);
    account(state, 1, 1.5);
    expect(state.totals).toMatchObject({ taskSeconds: 6, lowerBoundTaskSeconds: 3 });
    expect(state.series).toEqual([{ second: 0, lag: 60, stuckLag: 0, tasks: 3, timeLagSeconds: 0, neededTasks: 1.5 }]);
  });

  it('a time lag of 5 s over a 2 s target counts one second over and sets the maximum', () => {
    const state = simState({ partitions: 2 }, { drainTargetSeconds: 2 });
    const partition = state.partitions[0];
    if (partition === undefined) throw new Error('no partition');
    partition.end = 10;
    partition.endHistory.fill(10, 1);
    expect(drainableTimeLagSeconds(state, 5)).toBe(5);
    account(state, 5, 0);
    expect(state.totals).toMatchObject({ overTargetSeconds: 1, maxTimeLagSeconds: 5 });
  });

  it('the lag of a poisoned partition is stuck lag, and its time lag is not drainable', () => {
    const state = simState({ partitions: 2, poisoned: [{ topic: 'orders', partition: 0, fromSecond: 0 }] });
    const poisoned = state.partitions[0];
    if (poisoned === undefined) throw new Error('no partition');
    poisoned.end = 10;
    poisoned.endHistory.fill(10, 1);
    account(state, 600, 0);
    expect(state.series.at(-1)).toMatchObject({ lag: 0, stuckLag: 10, timeLagSeconds: 0 });
  });
});

describe('isPollSecond', () => {
  it.each([
    [0, true],
    [5, false],
    [20, true],
  ])('every 10 s, second %i: %s', (second, expected) => {
    expect(isPollSecond(simState({}, {}, scriptedPolicy([], [], 10)), second)).toBe(expected);
  });
});

describe('decide', () => {
  const options = { rebalancePauseSeconds: 5, taskStartSeconds: 40 };

  it('scale-out: requests the tasks, ready after the start delay; the event is dated the next second', () => {
    const state = simState({ initialTasks: 2 }, options, scriptedPolicy([[0, 4]]));
    decide(state, observe(state, 10, pollTimeMs(state, 10)), 10);
    expect(state.starting).toEqual([
      { id: 2, readyAtSecond: 51 },
      { id: 3, readyAtSecond: 51 },
    ]);
    expect(state.scaleEvents).toEqual([{ second: 11, from: 2, to: 4, reason: 'script' }]);
  });

  it('scale-in from 4 (2 starting) to 1: cancels both starting tasks, stops the newest member, one rebalance', () => {
    const policy = scriptedPolicy([
      [0, 4],
      [20, 1],
    ]);
    const state = simState({ initialTasks: 2 }, options, policy);
    decide(state, observe(state, 10, pollTimeMs(state, 10)), 10);
    decide(state, observe(state, 20, pollTimeMs(state, 20)), 20);
    expect([state.members, state.starting]).toEqual([[0], []]);
    expect([state.totals.rebalances, state.rebalanceUntilSecond]).toEqual([1, 26]);
    expect(state.scaleEvents.at(-1)).toEqual({ second: 21, from: 4, to: 1, reason: 'script' });
  });

  it('rounds the wanted count, never below 0, and keeps the policy state', () => {
    const wants = (desired: number): Policy<number> => ({
      name: 'fixed',
      pollSeconds: 10,
      initialState: 0,
      decide: (_observation, calls) => ({ desired, reason: 'fixed', state: calls + 1 }),
    });
    const rounded = createSimState(constantTrace({ initialTasks: 1 }), wants(2.6), {
      ...defaultSimulationOptions,
      ...options,
    });
    decide(rounded, observe(rounded, 0, pollTimeMs(rounded, 0)), 0);
    expect(rounded.starting).toHaveLength(2);
    expect(rounded.policyState).toBe(1);
    const negative = createSimState(constantTrace({ initialTasks: 1 }), wants(-1), {
      ...defaultSimulationOptions,
      ...options,
    });
    decide(negative, observe(negative, 0, pollTimeMs(negative, 0)), 0);
    expect(negative.members).toEqual([]);
    expect(negative.scaleEvents).toEqual([{ second: 1, from: 1, to: 0, reason: 'fixed' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { billedTasks, isCooperative, startRebalance } from '#simulator/state';
import { simState } from '#support/builders/simulator';

describe('createSimState', () => {
  it('second 0: the initial tasks are members 0..n-1 with a settled range assignment and zero totals', () => {
    const state = simState({ initialTasks: 3, minutes: 30 });
    expect(state.members).toEqual([0, 1, 2]);
    expect(state.nextTaskId).toBe(3);
    expect([...state.assignment.values()]).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(state.durationSeconds).toBe(1800);
    expect(state.topicRates).toEqual([Array.from({ length: 30 }, () => 600)]);
    expect(state.rebalanceUntilSecond).toBeUndefined();
    expect(state.policyState).toBeNull();
    expect(Object.values(state.totals)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('billedTasks and isCooperative', () => {
  it('a starting task is billed like a member', () => {
    const state = simState({ initialTasks: 2 });
    state.starting.push({ id: 2, readyAtSecond: 41 });
    expect(billedTasks(state)).toBe(3);
  });

  it('only cooperative-sticky is cooperative', () => {
    expect(isCooperative(simState({}, { assignor: 'cooperative-sticky' }))).toBe(true);
    expect(isCooperative(simState({}, { assignor: 'roundrobin' }))).toBe(false);
  });
});

describe('startRebalance', () => {
  it('eager: one rebalance counted; a change during the pause extends it without counting again', () => {
    const state = simState({}, { rebalancePauseSeconds: 5 });
    const assignmentBefore = state.assignment;
    startRebalance(state, 10);
    expect([state.totals.rebalances, state.rebalanceUntilSecond]).toEqual([1, 15]);
    startRebalance(state, 12);
    expect([state.totals.rebalances, state.rebalanceUntilSecond]).toEqual([1, 17]);
    // Eager assignors reassign when the pause ends, not now.
    expect(state.assignment).toBe(assignmentBefore);
  });

  it('cooperative: a third member takes one partition from each, only those two are paused', () => {
    const state = simState({ initialTasks: 2 }, { assignor: 'cooperative-sticky' });
    state.members.push(2);
    startRebalance(state, 0);
    expect(state.assignment).toEqual(
      new Map([
        [0, [0, 1]],
        [1, [3, 4]],
        [2, [2, 5]],
      ]),
    );
    expect(state.movedPartitions).toEqual(new Set([2, 5]));
  });
});

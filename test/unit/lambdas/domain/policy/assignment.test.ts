import { describe, expect, it } from 'vitest';
import {
  busiestMemberPartitions,
  isUsefulCount,
  taskBounds,
  usefulAtLeast,
  usefulAtMost,
  usefulCounts,
} from '#domain/policy/index';
import { config } from '#support/builders/policy';

describe('assignment-aware counts', () => {
  it.each([
    [12, 4, 3],
    [12, 5, 3],
    [12, 7, 2],
    [12, 12, 1],
    [12, 20, 1],
    [1, 1, 1],
  ])('%i partitions on %i members: busiest holds %i', (partitions, members, busiest) => {
    expect(busiestMemberPartitions(partitions, members)).toBe(busiest);
  });

  it.each([
    [[12], [1, 2, 3, 4, 6, 12]],
    [[10], [1, 2, 3, 4, 5, 10]],
    [[24], [1, 2, 3, 4, 5, 6, 8, 12, 24]],
    [
      [12, 8],
      [1, 2, 3, 4, 6, 8, 12],
    ],
    [[1], [1]],
  ])('useful counts of %j are %j', (partitions, counts) => {
    expect(usefulCounts(partitions)).toEqual(counts);
  });

  it('5 tasks on 12 partitions are not useful (no better than 4), 13 never are', () => {
    expect(isUsefulCount([12], 5)).toBe(false);
    expect(isUsefulCount([12], 13)).toBe(false);
    expect(usefulAtLeast([12], 5)).toBe(6);
    expect(usefulAtMost([12], 5)).toBe(4);
    expect(usefulAtLeast([12], 13)).toBeUndefined();
  });
});

describe('taskBounds', () => {
  it.each([
    [[12], {}, 1, 12],
    [[12], { maxTasks: 5 }, 1, 4],
    [[12], { minTasks: 5, maxTasks: 64 }, 6, 12],
    [[12], { minTasks: 20, maxTasks: 64 }, 12, 12],
    [[12], { minTasks: 20, maxTasks: 64, allowIdleConsumers: true }, 20, 64],
    [[64], { maxTasks: 64 }, 1, 64],
  ])('partitions %j with %j -> [%i, %i]', (partitions, overrides, lower, upper) => {
    expect(taskBounds(partitions, config(overrides))).toEqual({ lower, upper });
  });
});

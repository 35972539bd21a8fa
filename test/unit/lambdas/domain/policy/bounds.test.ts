import { describe, expect, it } from 'vitest';
import { boundStep, taskBounds, type StepRequest, type TaskBounds } from '#domain/policy/bounds';
import { config } from '#support/builders/policy';

// 12 partitions: the useful counts are 1, 2, 3, 4, 6 and 12.
const TWELVE = [12];
const FULL_RANGE: TaskBounds = { lower: 1, upper: 12 };

describe('taskBounds: worked examples', () => {
  it.each([
    {
      name: 'min = max = 4 on 5 partitions stays 4 (snapping max down to 3 must not undercut min)',
      partitions: [5],
      overrides: { minTasks: 4, maxTasks: 4 },
      expected: { lower: 4, upper: 4 },
    },
    {
      name: 'allowIdleConsumers still snaps minTasks up to a useful count when one fits (5 -> 6)',
      partitions: TWELVE,
      overrides: { minTasks: 5, allowIdleConsumers: true },
      expected: { lower: 6, upper: 64 },
    },
    {
      name: 'allowIdleConsumers keeps minTasks when the useful count above it passes maxTasks',
      partitions: TWELVE,
      overrides: { minTasks: 5, maxTasks: 5, allowIdleConsumers: true },
      expected: { lower: 5, upper: 5 },
    },
    {
      name: 'several topics: the largest partition count is the cap',
      partitions: [4, 16],
      overrides: {},
      expected: { lower: 1, upper: 16 },
    },
  ])('$name', ({ partitions, overrides, expected }) => {
    expect(taskBounds(partitions, config(overrides))).toEqual(expected);
  });
});

describe('boundStep: scale-out (12 partitions)', () => {
  it.each<{ name: string; move: StepRequest; bounds?: TaskBounds; expected: number }>([
    { name: 'no step bound: straight to a useful target', move: { from: 2, to: 6, maxStep: undefined }, expected: 6 },
    {
      name: 'a useless target is rounded down to the useful count below it (5 -> 4)',
      move: { from: 2, to: 5, maxStep: undefined },
      expected: 4,
    },
    { name: 'maxStepUp 2 from 2 stops at 4', move: { from: 2, to: 12, maxStep: 2 }, expected: 4 },
    {
      name: 'maxStepUp 1 from 4 is rounded up to the next useful count (5 -> 6)',
      move: { from: 4, to: 12, maxStep: 1 },
      expected: 6,
    },
    {
      name: 'rounding up never passes the upper bound',
      move: { from: 6, to: 12, maxStep: 1 },
      bounds: { lower: 1, upper: 8 },
      expected: 8,
    },
  ])('$name', ({ move, bounds, expected }) => {
    expect(boundStep(TWELVE, move, bounds ?? FULL_RANGE)).toBe(expected);
  });
});

describe('boundStep: scale-in (12 partitions)', () => {
  it.each<{ name: string; move: StepRequest; bounds?: TaskBounds; expected: number }>([
    { name: 'to zero is always zero', move: { from: 6, to: 0, maxStep: 1 }, expected: 0 },
    { name: 'no step bound: straight to a useful target', move: { from: 6, to: 2, maxStep: undefined }, expected: 2 },
    {
      name: 'a useless target is snapped up, here back to the current count (5 -> 6: no move)',
      move: { from: 6, to: 5, maxStep: undefined },
      expected: 6,
    },
    {
      name: 'never below the lower bound',
      move: { from: 6, to: 2, maxStep: undefined },
      bounds: { lower: 3, upper: 12 },
      expected: 3,
    },
    { name: 'a step within maxStepDown is taken whole', move: { from: 12, to: 3, maxStep: 10 }, expected: 3 },
    { name: 'maxStepDown 6 from 12 stops at 6', move: { from: 12, to: 1, maxStep: 6 }, expected: 6 },
    {
      name: 'maxStepDown 5 from 12 lands on 7 (useless): the useful count below it, 6',
      move: { from: 12, to: 1, maxStep: 5 },
      expected: 6,
    },
  ])('$name', ({ move, bounds, expected }) => {
    expect(boundStep(TWELVE, move, bounds ?? FULL_RANGE)).toBe(expected);
  });
});

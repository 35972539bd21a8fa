import { describe, expect, it } from 'vitest';
import { emptyPolicyMemory, type PolicyConfig, type PolicyObservation } from '#domain/policy/index';
import {
  clampToBounds,
  isIdle,
  recommend,
  sizeByDrainTarget,
  sizeByLagThreshold,
  type Sizing,
} from '#domain/policy/recommendation';
import type { TopicLoad } from '#domain/policy/sizing';
import { busyTopic, config, input, observation, tickContext, topic } from '#support/builders/policy';

const tickOf = (observed: PolicyObservation, cfg: PolicyConfig = config()) =>
  tickContext(input(observed, emptyPolicyMemory, cfg));
/** 12 partitions, 12 000 behind (1000 on the worst partition), 1000 msg/s produced, 200 msg/s per task. */
const busyLoad: TopicLoad = {
  partitions: 12,
  scalableLag: 12_000,
  maxPartitionLag: 1000,
  productionRate: 1000,
  maxPartitionProductionRate: undefined,
  capacityPerTask: 200,
};

describe('isIdle', () => {
  const toZero = config({ scaleToZero: true, activationLag: 50 });
  it.each([
    { name: 'scaleToZero, lag within activationLag, nothing produced', lag: 40, rate: 0, cfg: toZero, idle: true },
    { name: 'not without scaleToZero', lag: 0, rate: 0, cfg: config(), idle: false },
    { name: 'not with lag above activationLag', lag: 51, rate: 0, cfg: toZero, idle: false },
    { name: 'not while something is produced', lag: 0, rate: 0.5, cfg: toZero, idle: false },
    { name: 'not while production is unknown', lag: 0, rate: undefined, cfg: toZero, idle: false },
  ])('$name', ({ lag, rate, cfg, idle }) => {
    expect(isIdle(tickOf(observation(2, [topic({ scalableLag: lag, productionRate: rate })]), cfg))).toBe(idle);
  });

  it('not while any one topic produces', () => {
    const topics = [topic({ productionRate: 0 }), topic({ topic: 'refunds', productionRate: 3 })];
    expect(isIdle(tickOf(observation(2, topics), config({ scaleToZero: true })))).toBe(false);
  });
});

describe('sizeByDrainTarget (300 s target, 0.95 utilization, 1 s pause)', () => {
  it('the smallest useful count that keeps up and drains in time: 6 (4 tasks would carry 250 msg/s each)', () => {
    // 6 tasks: the busiest holds 2 partitions, 167 msg/s <= 190; drain = 1 + (2000 + 167) / (200 - 167) = 66 s.
    expect(sizeByDrainTarget(tickOf(observation(2)), [busyLoad])).toEqual({
      recommended: 6,
      sizingRule: 'drain-target',
      meetsTarget: true,
    });
  });

  it('one partition too far behind for any count: the current count, within 10 % of the best, target unmet', () => {
    const slowPartition = { ...busyLoad, productionRate: 120, scalableLag: 1_000_100, maxPartitionLag: 1_000_000 };
    expect(sizeByDrainTarget(tickOf(observation(6)), [slowPartition])).toEqual({
      recommended: 6,
      sizingRule: 'drain-target',
      meetsTarget: false,
    });
  });
});

describe('sizeByLagThreshold (10 000 messages per task, 300 s drain target)', () => {
  it.each([
    { name: 'ceil(50 000 / 10 000) = 5, snapped up to the useful 6', current: 1, lag: 50_000, late: 0, expected: 6 },
    { name: 'no lag: one task', current: 1, lag: 0, late: 0, expected: 1 },
    { name: 'more than the partitions can use: the upper bound', current: 1, lag: 200_000, late: 0, expected: 12 },
    {
      name: 'a time lag past the drain target with a threshold set too high: the next useful count up',
      current: 2,
      lag: 1000,
      late: 400,
      expected: 3,
    },
    { name: 'late, but the lag already asks for more: the lag count', current: 2, lag: 50_000, late: 400, expected: 6 },
  ])('$name', ({ current, lag, late, expected }) => {
    const observed = observation(current, [topic({ scalableLag: lag, timeLagSeconds: late })]);
    expect(sizeByLagThreshold(tickOf(observed))).toEqual({
      recommended: expected,
      sizingRule: 'lag-threshold',
      meetsTarget: true,
    });
  });
});

describe('clampToBounds', () => {
  it.each([
    { name: 'inside: unchanged', recommended: 4, expected: 4 },
    { name: 'below the floor: the floor', recommended: 1, expected: 2 },
    { name: 'above the cap: the cap', recommended: 12, expected: 6 },
    { name: 'zero stays zero (only idle sizing asks for it)', recommended: 0, expected: 0 },
  ])('$name', ({ recommended, expected }) => {
    expect(clampToBounds(recommended, { lower: 2, upper: 6 })).toBe(expected);
  });
});

describe('recommend: the first sizing rule that applies, inside the task range', () => {
  const toZero = config({ scaleToZero: true, activationLag: 50 });
  it.each<{ name: string; observed: PolicyObservation; loads?: TopicLoad[]; cfg?: PolicyConfig; expected: Sizing }>([
    {
      name: 'idle: zero, even below minTasks',
      observed: observation(2, [topic({ productionRate: 0 })]),
      cfg: toZero,
      expected: { recommended: 0, sizingRule: 'scale-to-zero', meetsTarget: true },
    },
    {
      name: 'with every capacity known: by drain target',
      observed: observation(2, [busyTopic({ scalableLag: 12_000, maxPartitionLag: 1000 })]),
      loads: [busyLoad],
      expected: { recommended: 6, sizingRule: 'drain-target', meetsTarget: true },
    },
    {
      name: 'without: by lag threshold',
      observed: observation(1, [topic({ scalableLag: 50_000 })]),
      expected: { recommended: 6, sizingRule: 'lag-threshold', meetsTarget: true },
    },
    {
      name: 'kept under maxTasks (5 on 12 partitions: 4)',
      observed: observation(1, [topic({ scalableLag: 120_000 })]),
      cfg: config({ maxTasks: 5 }),
      expected: { recommended: 4, sizingRule: 'lag-threshold', meetsTarget: true },
    },
    {
      name: 'starting a stopped group is an activation, whatever sized it',
      observed: observation(0, [topic({ scalableLag: 100 })]),
      cfg: toZero,
      expected: { recommended: 1, sizingRule: 'activation', meetsTarget: true },
    },
    {
      name: 'a stopped idle group stays at zero',
      observed: observation(0, [topic({ scalableLag: 10, productionRate: 0 })]),
      cfg: toZero,
      expected: { recommended: 0, sizingRule: 'scale-to-zero', meetsTarget: true },
    },
  ])('$name', ({ observed, loads, cfg, expected }) => {
    expect(recommend(tickOf(observed, cfg), loads)).toEqual(expected);
  });
});

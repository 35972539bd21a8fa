import { describe, expect, it } from 'vitest';
import type { HotPartition } from '#domain/policy/capacity';
import { emptyPolicyMemory, type PolicyConfig, type PolicyObservation } from '#domain/policy/index';
import {
  behindSchedule,
  clampToBounds,
  FALLING_BEHIND_RATIO,
  holdsAlone,
  isIdle,
  ownMemberCount,
  recommend,
  sizeByDrainTarget,
  sizeByLagThreshold,
  sustainedNeed,
  type Sizing,
  type SizingInputs,
} from '#domain/policy/recommendation';
import {
  busyTopic,
  config,
  hotPartition,
  input,
  load,
  observation,
  sizingInputs,
  tickContext,
  topic,
} from '#support/builders/policy';

const tickOf = (observed: PolicyObservation, cfg: PolicyConfig = config()) =>
  tickContext(input(observed, emptyPolicyMemory, cfg));
/** 12 partitions, 12 000 behind (1000 on the worst partition), 1000 msg/s produced, 200 msg/s per task. */
const busyLoad = load();

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
    const slowPartition = load({ productionRate: 120, scalableLag: 1_000_100, maxPartitionLag: 1_000_000 });
    expect(sizeByDrainTarget(tickOf(observation(6)), [slowPartition])).toEqual({
      recommended: 6,
      sizingRule: 'drain-target',
      meetsTarget: false,
    });
  });
});

describe('sustainedNeed: what production alone needs, the backlog left out', () => {
  it.each([
    { name: '1000 msg/s at 200 per task: 6 (the busiest of 6 carries 167 <= 190)', loads: [busyLoad], expected: 6 },
    {
      name: 'a backlog of 120 000 that asks for 12 tasks does not count',
      loads: [load({ scalableLag: 120_000, maxPartitionLag: 10_000 })],
      expected: 6,
    },
    { name: 'nothing produced: one task', loads: [load({ productionRate: 0 })], expected: 1 },
    {
      name: 'the neediest topic decides (16 partitions at 2000 msg/s, 300 per task: 8)',
      loads: [load({ productionRate: 10 }), load({ partitions: 16, productionRate: 2000, capacityPerTask: 300 })],
      expected: 8,
    },
  ])('$name', ({ loads, expected }) => {
    expect(sustainedNeed(tickOf(observation(2)), loads)).toBe(expected);
  });

  it('counts no start delay and no pause: a long start does not raise it', () => {
    const slowStart = config({ taskStartSeconds: 600, rebalancePauseSeconds: 120 });
    expect(sustainedNeed(tickOf(observation(2), slowStart), [busyLoad])).toBe(6);
  });
});

describe('sizeByLagThreshold (10 000 messages per task, 300 s drain target)', () => {
  /** A capacity floor of `perSecond` a task has certainly shown, with production known. */
  const floor = (perSecond: number, production = 100): Partial<SizingInputs> => ({
    lowerBoundCapacity: [perSecond],
    production: [production],
  });
  it.each<{
    name: string;
    current: number;
    observed: Parameters<typeof topic>[0];
    inputs?: Partial<SizingInputs>;
    cfg?: PolicyConfig;
    recommended: number;
    sustained?: number;
  }>([
    {
      name: 'ceil(50 000 / 10 000) = 5, snapped up to the useful 6',
      current: 1,
      observed: { scalableLag: 50_000 },
      recommended: 6,
    },
    { name: 'no lag at one task: one task', current: 1, observed: { scalableLag: 0 }, recommended: 1 },
    {
      name: 'more than the partitions can use: the partition count',
      current: 1,
      observed: { scalableLag: 200_000 },
      recommended: 12,
    },
    {
      name: 'past the partitions with allowIdleConsumers: still the partition count, never maxTasks',
      current: 1,
      observed: { scalableLag: 200_000 },
      cfg: config({ allowIdleConsumers: true }),
      recommended: 12,
    },
    {
      name: 'no evidence of capacity: never a scale-in, however small the lag',
      current: 6,
      observed: { scalableLag: 10_000 },
      recommended: 6,
    },
    {
      name: 'a floor without a production rate is no evidence: no scale-in',
      current: 6,
      observed: { scalableLag: 0 },
      inputs: { lowerBoundCapacity: [1000], production: [undefined] },
      recommended: 6,
    },
    {
      name: 'a floor of 200 msg/s per task sizes 100 msg/s and no lag at one task: the scale-in it allows',
      current: 6,
      observed: { scalableLag: 0, productionRate: 100 },
      inputs: floor(200),
      recommended: 1,
      sustained: 1,
    },
    {
      name: 'a floor allows a scale-in, but not below what the lag threshold asks (30 000: 3)',
      current: 6,
      observed: { scalableLag: 30_000, maxPartitionLag: 2500, productionRate: 100 },
      inputs: floor(1000),
      recommended: 3,
      sustained: 1,
    },
    {
      name: 'a floor that sizes the group above the current count changes nothing in',
      current: 2,
      observed: { scalableLag: 0, productionRate: 1000 },
      inputs: floor(200, 1000),
      recommended: 2,
      sustained: 6,
    },
    {
      name: 'a floor caps the scale-out guess: one task at 1000 msg/s drains 50 000 in time',
      current: 1,
      observed: { scalableLag: 50_000, maxPartitionLag: 50_000 / 12, productionRate: 100 },
      inputs: floor(1000),
      recommended: 1,
      sustained: 1,
    },
    {
      // 3 tasks: the busiest holds 4 partitions, 33 msg/s, 16 667 behind: 1 + 16 700 / 67 = 252 s.
      name: 'a floor caps the guess only down to what it sizes (100 msg/s per task: 3 for 50 000)',
      current: 1,
      observed: { scalableLag: 50_000, maxPartitionLag: 50_000 / 12, productionRate: 100 },
      inputs: floor(100),
      recommended: 3,
      sustained: 2,
    },
  ])('$name', ({ current, observed, inputs, cfg, recommended, sustained }) => {
    const tick = tickOf(observation(current, [topic(observed)]), cfg);
    expect(sizeByLagThreshold(tick, sizingInputs(inputs))).toEqual({
      recommended,
      sizingRule: 'lag-threshold',
      meetsTarget: true,
      sustained,
    });
  });
});

describe('behindSchedule (300 s drain target, 60 s rate window)', () => {
  /** Partition 5 of orders, hot: 400 msg/s, 50 000 behind, 900 s old. */
  const hot = hotPartition({ partition: 5, productionRate: 400, lag: 50_000 });
  const hottest = { partition: 5, productionRate: 400, lag: 50_000, timeLagSeconds: 900 };
  it.each<{ name: string; observed: Parameters<typeof topic>[0]; hot?: HotPartition[]; behind: string | undefined }>([
    {
      name: 'time lag past the drain target: late',
      observed: { timeLagSeconds: 301 },
      behind: 'orders: time lag 301 s above the drain target 300 s',
    },
    { name: 'time lag at the drain target: on time', observed: { timeLagSeconds: 300 }, behind: undefined },
    { name: 'no time lag known: not late', observed: { timeLagSeconds: undefined }, behind: undefined },
    {
      name: 'only the unfixable hot partition is late: on time',
      observed: { timeLagSeconds: 900, timeLagSecondsWithoutHottest: 20, hottestPartition: hottest },
      hot: [hot],
      behind: undefined,
    },
    {
      name: 'the rest is late too, without the hot partition',
      observed: { timeLagSeconds: 900, timeLagSecondsWithoutHottest: 400, hottestPartition: hottest },
      hot: [hot],
      behind: 'orders: time lag 400 s above the drain target 300 s',
    },
    {
      name: 'a hottest partition that is not unfixable stays in',
      observed: { timeLagSeconds: 900, timeLagSecondsWithoutHottest: 20, hottestPartition: hottest },
      behind: 'orders: time lag 900 s above the drain target 300 s',
    },
    {
      name: 'consumes under 0.9 of production with more than a window of it waiting: falling behind',
      observed: { productionRate: 1000, consumptionRate: 899, scalableLag: 60_001 },
      behind: 'orders: consumes 899/s of 1000/s produced with 60001 waiting',
    },
    {
      name: 'consumes exactly 0.9 of production: keeping up well enough',
      observed: { productionRate: 1000, consumptionRate: 1000 * FALLING_BEHIND_RATIO, scalableLag: 60_001 },
      behind: undefined,
    },
    {
      name: 'a backlog of exactly one window of production: not falling behind',
      observed: { productionRate: 1000, consumptionRate: 500, scalableLag: 60_000 },
      behind: undefined,
    },
    {
      name: "the hot partition's backlog does not count toward falling behind",
      observed: { productionRate: 1000, consumptionRate: 500, scalableLag: 100_000, hottestPartition: hottest },
      hot: [hot],
      behind: undefined,
    },
    {
      name: 'consumption unknown: cannot tell',
      observed: { productionRate: 1000, consumptionRate: undefined, scalableLag: 600_000 },
      behind: undefined,
    },
  ])('$name', ({ observed, hot: unfixable = [], behind }) => {
    expect(behindSchedule(tickOf(observation(2, [topic(observed)])), unfixable)).toBe(behind);
  });

  it('names the first topic that is behind', () => {
    const topics = [topic({ timeLagSeconds: 10 }), topic({ topic: 'refunds', timeLagSeconds: 420 })];
    expect(behindSchedule(tickOf(observation(2, topics)), [])).toBe(
      'refunds: time lag 420 s above the drain target 300 s',
    );
  });
});

describe('holdsAlone: is partition p its member’s only partition?', () => {
  it.each<{
    name: string;
    assignor: PolicyConfig['assignor'];
    partitions: number;
    p: number;
    tasks: number;
    alone: boolean;
  }>([
    { name: 'any assignor, a task per partition', assignor: 'uniform', partitions: 12, p: 0, tasks: 12, alone: true },
    {
      name: 'any assignor, more tasks than partitions',
      assignor: 'cooperative-sticky',
      partitions: 4,
      p: 3,
      tasks: 6,
      alone: true,
    },
    // Range, 12 on 7: the first 12 mod 7 = 5 members take two (0-9), the last two one each (10, 11).
    { name: 'range 12 on 7: partition 10 is alone', assignor: 'range', partitions: 12, p: 10, tasks: 7, alone: true },
    {
      name: 'range 12 on 7: partition 9 shares with 8',
      assignor: 'range',
      partitions: 12,
      p: 9,
      tasks: 7,
      alone: false,
    },
    { name: 'range 12 on 8: partition 8 is alone', assignor: 'range', partitions: 12, p: 8, tasks: 8, alone: true },
    {
      name: 'range 12 on 8: partition 7 shares with 6',
      assignor: 'range',
      partitions: 12,
      p: 7,
      tasks: 8,
      alone: false,
    },
    { name: 'range 12 on 11: partition 2 is alone', assignor: 'range', partitions: 12, p: 2, tasks: 11, alone: true },
    {
      name: 'range 12 on 11: partition 1 shares with 0',
      assignor: 'range',
      partitions: 12,
      p: 1,
      tasks: 11,
      alone: false,
    },
    { name: 'range 12 on 6: two each, nobody alone', assignor: 'range', partitions: 12, p: 11, tasks: 6, alone: false },
    // Round robin: p shares with p ± tasks, so it is alone once tasks > max(p, P - 1 - p).
    {
      name: 'roundrobin 12 on 7: partition 5 is alone',
      assignor: 'roundrobin',
      partitions: 12,
      p: 5,
      tasks: 7,
      alone: true,
    },
    {
      name: 'roundrobin 12 on 6: partition 5 shares with 11',
      assignor: 'roundrobin',
      partitions: 12,
      p: 5,
      tasks: 6,
      alone: false,
    },
    {
      name: 'roundrobin 12 on 11: partition 0 shares with 11',
      assignor: 'roundrobin',
      partitions: 12,
      p: 0,
      tasks: 11,
      alone: false,
    },
    {
      name: 'roundrobin 12 on 11: partition 1 is alone',
      assignor: 'roundrobin',
      partitions: 12,
      p: 1,
      tasks: 11,
      alone: true,
    },
    {
      name: 'cooperative-sticky 12 on 11: no guarantee',
      assignor: 'cooperative-sticky',
      partitions: 12,
      p: 11,
      tasks: 11,
      alone: false,
    },
    { name: 'uniform 12 on 11: no guarantee', assignor: 'uniform', partitions: 12, p: 11, tasks: 11, alone: false },
  ])('$name', ({ assignor, partitions, p, tasks, alone }) => {
    expect(holdsAlone(assignor, partitions, p, tasks)).toBe(alone);
  });
});

describe('ownMemberCount: the smallest count from `from` that gives every hot partition a member of its own', () => {
  it.each<{ name: string; cfg: PolicyConfig; hot: HotPartition[]; from: number; expected: number | undefined }>([
    {
      name: 'range, partition 11 of 12: 7',
      cfg: config(),
      hot: [hotPartition({ partition: 11 })],
      from: 2,
      expected: 7,
    },
    {
      name: 'range, partition 0 of 12: only 12',
      cfg: config(),
      hot: [hotPartition({ partition: 0 })],
      from: 2,
      expected: 12,
    },
    {
      name: 'from a count that already does it: that count',
      cfg: config(),
      hot: [hotPartition({ partition: 11 })],
      from: 8,
      expected: 8,
    },
    {
      name: 'roundrobin, partition 5 of 12: 7',
      cfg: config({ assignor: 'roundrobin' }),
      hot: [hotPartition({ partition: 5 })],
      from: 1,
      expected: 7,
    },
    {
      name: 'every hot partition at once (range, 10 and 2 of 12): 11',
      cfg: config(),
      hot: [hotPartition({ partition: 10 }), hotPartition({ partition: 2 })],
      from: 1,
      expected: 11,
    },
    {
      name: 'none within the upper bound (maxTasks 6): undefined',
      cfg: config({ maxTasks: 6 }),
      hot: [hotPartition({ partition: 11 })],
      from: 2,
      expected: undefined,
    },
    { name: 'from zero counts from one', cfg: config(), hot: [hotPartition({ partition: 11 })], from: 0, expected: 7 },
  ])('$name', ({ cfg, hot, from, expected }) => {
    expect(ownMemberCount(tickOf(observation(2), cfg), hot, from)).toBe(expected);
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
  /** Partition 11 of orders, unfixable: 300 msg/s against 200 per task, 5000 behind. */
  const hot = hotPartition({ partition: 11 });
  const withHot = busyTopic({
    scalableLag: 12_000,
    maxPartitionLag: 5000,
    hottestPartition: { partition: 11, productionRate: 300, lag: 5000, timeLagSeconds: 60 },
    timeLagSecondsWithoutHottest: 30,
  });
  /**
   * The rest without partition 11: 11 partitions, 660 msg/s, 7000 behind. 4 tasks: the busiest holds 3,
   * 180 msg/s <= 190, drain 1 + (1909 + 180) / 20 = 105 s; 3 tasks would carry 240 msg/s.
   */
  const rest = load({ partitions: 11, productionRate: 660, scalableLag: 7000, maxPartitionLag: 7000 / 11 });
  it.each<{
    name: string;
    observed: PolicyObservation;
    inputs?: Partial<SizingInputs>;
    cfg?: PolicyConfig;
    expected: Sizing;
  }>([
    {
      name: 'idle: zero, even below minTasks',
      observed: observation(2, [topic({ productionRate: 0 })]),
      cfg: toZero,
      expected: { recommended: 0, sizingRule: 'scale-to-zero', meetsTarget: true, sustained: 0 },
    },
    {
      name: 'with every capacity known: by drain target, with what production alone needs',
      observed: observation(2, [busyTopic({ scalableLag: 120_000, maxPartitionLag: 10_000 })]),
      inputs: { loads: [load({ scalableLag: 120_000, maxPartitionLag: 10_000 })] },
      expected: { recommended: 12, sizingRule: 'drain-target', meetsTarget: true, sustained: 6 },
    },
    {
      name: 'without: by lag threshold (its recommendation is all it knows production needs)',
      observed: observation(1, [topic({ scalableLag: 50_000 })]),
      expected: { recommended: 6, sizingRule: 'lag-threshold', meetsTarget: true, sustained: 6 },
    },
    {
      name: 'kept under maxTasks (5 on 12 partitions: 4)',
      observed: observation(1, [topic({ scalableLag: 120_000 })]),
      cfg: config({ maxTasks: 5 }),
      expected: { recommended: 4, sizingRule: 'lag-threshold', meetsTarget: true, sustained: 4 },
    },
    {
      name: 'an unfixable hot partition: the rest sized, then a member of its own (range, partition 11: 7)',
      observed: observation(2, [withHot]),
      inputs: { loads: [rest], hot: [hot] },
      expected: {
        recommended: 7,
        sizingRule: 'hot-partition',
        meetsTarget: true,
        sustained: 4,
        reason: 'no count drains orders/11 (300/s > 200/s per task); 7 tasks give it a member of its own',
      },
    },
    {
      name: 'an unfixable hot partition no count in range can isolate: the rest sized, the partition named',
      observed: observation(2, [withHot]),
      inputs: { loads: [rest], hot: [hot] },
      cfg: config({ maxTasks: 6 }),
      expected: {
        recommended: 4,
        sizingRule: 'hot-partition',
        meetsTarget: true,
        sustained: 4,
        reason: 'no count drains orders/11 (300/s > 200/s per task)',
      },
    },
    {
      name: 'late while sizing says the current count fits: one useful step more',
      observed: observation(6, [busyTopic({ scalableLag: 1000, maxPartitionLag: 100, timeLagSeconds: 400 })]),
      inputs: { loads: [load({ scalableLag: 1000, maxPartitionLag: 100 })] },
      expected: {
        recommended: 12,
        sizingRule: 'behind',
        meetsTarget: true,
        sustained: 6,
        reason: 'orders: time lag 400 s above the drain target 300 s',
      },
    },
    {
      name: 'late while the lag threshold would keep the count: one useful step more (2 -> 3)',
      observed: observation(2, [topic({ scalableLag: 1000, timeLagSeconds: 400 })]),
      expected: {
        recommended: 3,
        sizingRule: 'behind',
        meetsTarget: true,
        sustained: 2,
        reason: 'orders: time lag 400 s above the drain target 300 s',
      },
    },
    {
      name: 'late, but sizing already asks for more: the sizing rule',
      observed: observation(2, [topic({ scalableLag: 50_000, timeLagSeconds: 400 })]),
      expected: { recommended: 6, sizingRule: 'lag-threshold', meetsTarget: true, sustained: 6 },
    },
    {
      name: 'late at the upper bound: no step past it',
      observed: observation(4, [topic({ scalableLag: 1000, timeLagSeconds: 400 })]),
      cfg: config({ maxTasks: 4 }),
      expected: { recommended: 4, sizingRule: 'lag-threshold', meetsTarget: true, sustained: 4 },
    },
    {
      name: 'starting a stopped group is an activation, whatever sized it',
      observed: observation(0, [topic({ scalableLag: 100 })]),
      cfg: toZero,
      expected: { recommended: 1, sizingRule: 'activation', meetsTarget: true, sustained: 1 },
    },
    {
      name: 'starting a stopped group that is late is an activation too (the start is the step)',
      observed: observation(0, [topic({ scalableLag: 100, timeLagSeconds: 400 })]),
      cfg: toZero,
      expected: { recommended: 1, sizingRule: 'activation', meetsTarget: true, sustained: 1 },
    },
    {
      name: 'a stopped idle group stays at zero, however late its last record looked',
      observed: observation(0, [topic({ scalableLag: 10, productionRate: 0, timeLagSeconds: 400 })]),
      cfg: toZero,
      expected: { recommended: 0, sizingRule: 'scale-to-zero', meetsTarget: true, sustained: 0 },
    },
  ])('$name', ({ observed, inputs, cfg, expected }) => {
    expect(recommend(tickOf(observed, cfg), sizingInputs(inputs, observed.topics.length))).toEqual(expected);
  });
});

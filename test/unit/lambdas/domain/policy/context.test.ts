import { describe, expect, it } from 'vitest';
import { CAPACITY_SAMPLE_MAX_AGE_MS } from '#domain/policy/capacity';
import { capacityFloors, drainNumbers, lowerBoundCapacityOf, sizeTick } from '#domain/policy/context';
import {
  emptyPolicyMemory,
  type CapacitySample,
  type LastAction,
  type PolicyMemory,
  type PolicyObservation,
  type TopicObservation,
} from '#domain/policy/index';
import type { TopicLoad } from '#domain/policy/sizing';
import {
  busyTopic,
  config,
  input,
  knownCapacity,
  NOW,
  observation,
  samples,
  settledMemory,
  tickContext,
  topic,
} from '#support/builders/policy';

const SEC = 1000;
/** 2 tasks on 12 partitions, 12 000 behind, 1000 msg/s produced, 200 msg/s per task: 6 tasks drain it. */
const behind = (overrides: Parameters<typeof observation>[2] = {}): PolicyObservation =>
  observation(2, [busyTopic({ scalableLag: 12_000, maxPartitionLag: 1000 })], overrides);
const sized = (observed: PolicyObservation, memory: PolicyMemory = knownCapacity()) =>
  sizeTick(tickContext(input(observed, memory)));

describe('drainNumbers', () => {
  const load: TopicLoad = {
    partitions: 12,
    scalableLag: 12_000,
    maxPartitionLag: 1000,
    productionRate: 1000,
    maxPartitionProductionRate: undefined,
    capacityPerTask: 200,
  };

  it('drain seconds now (2 tasks cannot keep up: never) and at 6 tasks, one 1 s pause included', () => {
    const numbers = drainNumbers(tickContext(input(behind())), [load], 200, 6);
    expect(numbers.capacityPerTask).toBe(200);
    expect(numbers.drainSecondsNow).toBe(Infinity);
    // 6 tasks: the busiest holds 2 partitions (2000 behind, 167 msg/s): 1 + (2000 + 167) / (200 - 167) = 66 s.
    expect(numbers.drainSecondsRecommended).toBeCloseTo(66);
  });

  it('without loads only the capacity is known', () => {
    expect(drainNumbers(tickContext(input(behind())), undefined, 150, 6)).toEqual({
      capacityPerTask: 150,
      drainSecondsNow: undefined,
      drainSecondsRecommended: undefined,
    });
  });
});

describe('sizeTick', () => {
  it('sizes once: the recommendation, its numbers, the window and the memory to persist', () => {
    const memory = knownCapacity({ recommendations: [{ atMs: NOW - 60 * SEC, tasks: 2 }] });
    const context = sized(behind(), memory);
    expect(context).toMatchObject({
      current: 2,
      recommended: 6,
      sustained: 6,
      sizingRule: 'drain-target',
      meetsTarget: true,
      numbers: { capacityPerTask: 200, drainSecondsNow: Infinity, hotPartitions: 0 },
      stabilized: { tasks: 6, covered: false },
      sinceLastActionMs: Infinity,
    });
    expect(context.loads).toHaveLength(1);
    expect(context.next).toEqual({
      ...memory,
      recommendations: [
        { atMs: NOW - 60 * SEC, tasks: 2 },
        { atMs: NOW, tasks: 6 },
      ],
      settleWaitStartMs: undefined,
      settledSinceMs: memory.settledSinceMs,
      capacityPerTask: { orders: 200 },
      // The state saved before samples seeds one from its estimate; nothing seen gives no floor.
      capacitySamples: { orders: samples([200]) },
      capacityFloor: {},
    });
  });

  it('the window remembers what production needs (6), not what the backlog asks for now (12)', () => {
    const context = sized(observation(2, [busyTopic({ scalableLag: 120_000, maxPartitionLag: 10_000 })]));
    expect(context).toMatchObject({ recommended: 12, sustained: 6, sizingRule: 'drain-target' });
    expect(context.next.recommendations).toEqual([{ atMs: NOW, tasks: 6 }]);
    expect(context.stabilized).toEqual({ tasks: 6, covered: false });
  });

  it.each<{ name: string; settledSinceMs: number; learnt: Record<string, number> }>([
    {
      name: 'learns the saturated rate of a group settled for a whole window',
      settledSinceMs: NOW - 60 * SEC,
      learnt: { orders: 250 },
    },
    { name: 'learns nothing from a window a rebalance may have paused', settledSinceMs: NOW - 10 * SEC, learnt: {} },
  ])('$name', ({ settledSinceMs, learnt }) => {
    const saturated = observation(2, [busyTopic({ scalableLag: 12_000, saturatedRatePerTask: 250 })]);
    const context = sized(saturated, { ...emptyPolicyMemory, settledSinceMs });
    expect(context.next.capacityPerTask).toEqual(learnt);
    expect(context.numbers.capacityPerTask).toBe(learnt['orders']);
  });

  it('sizes production by its forecast: a burst one minute old counts for a fifth of a 300 s horizon', () => {
    // Usual 200 msg/s, 1000 msg/s for the last minute: 200 + 800 x 60 / 300 = 360 msg/s.
    const recentProduction = [
      ...Array.from({ length: 5 }, () => ({ seconds: 60, perSecond: 200 })),
      { seconds: 60, perSecond: 1000 },
    ];
    const context = sized(observation(2, [busyTopic({ recentProduction })]));
    expect(context.loads?.[0]?.productionRate).toBeCloseTo(360);
  });

  it('names the unfixable hot partitions in its numbers and sizes the rest around them', () => {
    const hottestPartition = { partition: 11, productionRate: 300, lag: 1000, timeLagSeconds: 30 };
    const context = sized(observation(2, [busyTopic({ scalableLag: 12_000, hottestPartition })]));
    expect(context.numbers.hotPartitions).toBe(1);
    expect(context.sizingRule).toBe('hot-partition');
    expect(context.loads).toEqual([
      expect.objectContaining({ partitions: 11, scalableLag: 11_000, productionRate: 700 }),
    ]);
  });

  it('remembers the capacity floor a settled group showed', () => {
    const context = sized(observation(2, [busyTopic({ fastestMemberRate: 300 })]), settledMemory(NOW));
    expect(context.next.capacityFloor).toEqual({ orders: { atMs: NOW, perSecond: 300 } });
  });

  it('partial data records no recommendation in the window', () => {
    const context = sized(behind({ group: { freshness: 'partial' } }));
    expect(context.next.recommendations).toEqual([]);
  });

  it('past the settle timeout it persists the wait, not a settled-since', () => {
    const waiting = knownCapacity({ settleWaitStartMs: NOW - 400 * SEC });
    const context = sized(behind({ group: { state: 'PreparingRebalance' } }), waiting);
    expect(context.next).toMatchObject({ settleWaitStartMs: NOW - 400 * SEC, settledSinceMs: undefined });
  });

  it('counts the time since the last action of either direction', () => {
    const lastAction = { atMs: NOW - 30 * SEC, direction: 'in' as const, from: 4, to: 2 };
    expect(sized(behind(), knownCapacity({ lastAction })).sinceLastActionMs).toBe(30 * SEC);
  });

  it('falls back to the lag threshold and reports no drain numbers without a capacity', () => {
    const context = sized(
      observation(1, [topic({ scalableLag: 50_000, productionRate: 10 })]),
      knownCapacity({ capacityPerTask: {} }),
    );
    expect(context).toMatchObject({ recommended: 6, sizingRule: 'lag-threshold', loads: undefined });
    expect(context.numbers).toEqual({
      capacityPerTask: undefined,
      drainSecondsNow: undefined,
      drainSecondsRecommended: undefined,
      hotPartitions: 0,
    });
  });

  it('keeps the tick context it was built from', () => {
    const tick = tickContext(input(behind(), knownCapacity(), config({ maxTasks: 8 })));
    expect(sizeTick(tick)).toMatchObject(tick);
  });
});

describe('lowerBoundCapacityOf: a capacity the group has certainly shown (60 s rate window)', () => {
  const scaledIn = (secondsAgo: number): LastAction => ({
    atMs: NOW - secondsAgo * SEC,
    direction: 'in',
    from: 6,
    to: 2,
  });
  const scaledOut = (secondsAgo: number): LastAction => ({
    atMs: NOW - secondsAgo * SEC,
    direction: 'out',
    from: 1,
    to: 2,
  });
  it.each<{
    name: string;
    observed: Partial<TopicObservation>;
    members?: number;
    lastAction?: LastAction;
    settled: boolean;
    expected: number | undefined;
  }>([
    {
      name: 'settled: the fastest member, when it beats the shared rate (300 > 400 / 2)',
      observed: { fastestMemberRate: 300, consumptionRate: 400 },
      settled: true,
      expected: 300,
    },
    {
      name: 'settled: the shared rate, when it beats the fastest member',
      observed: { fastestMemberRate: 150, consumptionRate: 400 },
      settled: true,
      expected: 200,
    },
    {
      name: 'not settled: the fastest member may have run through a pause, only the shared rate',
      observed: { fastestMemberRate: 300, consumptionRate: 400 },
      settled: false,
      expected: 200,
    },
    {
      name: 'shared by the most tasks that can have done it (4 members on 2 desired)',
      observed: { consumptionRate: 400 },
      members: 4,
      settled: false,
      expected: 100,
    },
    {
      name: 'a scale-in inside the rate window: more members did the work than are counted, no shared rate',
      observed: { fastestMemberRate: 150, consumptionRate: 400 },
      lastAction: scaledIn(30),
      settled: true,
      expected: 150,
    },
    {
      name: 'a scale-in a whole window ago no longer matters',
      observed: { consumptionRate: 400 },
      lastAction: scaledIn(60),
      settled: false,
      expected: 200,
    },
    {
      name: 'a scale-out inside the window: fewer did the work than are counted, the shared rate stands',
      observed: { consumptionRate: 400 },
      lastAction: scaledOut(30),
      settled: false,
      expected: 200,
    },
    {
      name: 'nothing consumed known, not settled: none',
      observed: { fastestMemberRate: 300 },
      settled: false,
      expected: undefined,
    },
  ])('$name', ({ observed, members = 2, lastAction, settled, expected }) => {
    const memory = settledMemory(NOW, { lastAction });
    const tick = tickContext(input(observation(2, [topic(observed)], { group: { members } }), memory));
    expect(lowerBoundCapacityOf(tick, topic(observed), settled)).toBe(expected);
  });

  it('none for a stopped group: nobody consumed', () => {
    const tick = tickContext(input(observation(0, [topic({ consumptionRate: 0 })])));
    expect(lowerBoundCapacityOf(tick, topic({ consumptionRate: 0 }), false)).toBeUndefined();
  });
});

describe('capacityFloors: the most a task has certainly shown in the last day', () => {
  const floor = (perSecond: number, secondsAgo = 0): CapacitySample => ({ atMs: NOW - secondsAgo * SEC, perSecond });
  const DAY_SECONDS = CAPACITY_SAMPLE_MAX_AGE_MS / SEC;
  it.each<{ name: string; kept?: CapacitySample; seen: number | undefined; expected: CapacitySample | undefined }>([
    { name: 'the first one seen becomes the floor', seen: 150, expected: floor(150) },
    { name: 'a lower one leaves the floor as it was', kept: floor(200, 3600), seen: 150, expected: floor(200, 3600) },
    { name: 'a higher one raises it', kept: floor(200, 3600), seen: 250, expected: floor(250) },
    { name: 'an equal one renews it', kept: floor(200, 3600), seen: 200, expected: floor(200) },
    { name: 'nothing seen keeps it', kept: floor(200, 3600), seen: undefined, expected: floor(200, 3600) },
    { name: 'a day old it still holds', kept: floor(200, DAY_SECONDS), seen: 100, expected: floor(200, DAY_SECONDS) },
    {
      name: 'older than a day it is dropped for what is seen',
      kept: floor(200, DAY_SECONDS + 1),
      seen: 100,
      expected: floor(100),
    },
    {
      name: 'older than a day with nothing seen: none',
      kept: floor(200, DAY_SECONDS + 1),
      seen: undefined,
      expected: undefined,
    },
  ])('$name', ({ kept, seen, expected }) => {
    const capacityFloor: Record<string, CapacitySample> = kept === undefined ? {} : { orders: kept };
    const memory: PolicyMemory = { ...emptyPolicyMemory, capacityFloor };
    expect(capacityFloors(memory, [topic()], () => seen, NOW)).toEqual(
      expected === undefined ? {} : { orders: expected },
    );
  });

  it('each topic its own floor', () => {
    const memory = { ...emptyPolicyMemory, capacityFloor: { orders: floor(200, 60) } };
    const seen = (t: TopicObservation) => (t.topic === 'orders' ? 100 : 40);
    expect(capacityFloors(memory, [topic(), topic({ topic: 'refunds' })], seen, NOW)).toEqual({
      orders: floor(200, 60),
      refunds: floor(40),
    });
  });
});

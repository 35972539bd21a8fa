import { describe, expect, it } from 'vitest';
import {
  BUSY_BACKLOG_SECONDS,
  estimateCapacity,
  rateTrust,
  smallestCapacity,
  toLoads,
  type RateTrust,
} from '#domain/policy/capacity';
import { emptyPolicyMemory, type LastAction, type TopicObservation } from '#domain/policy/index';
import { config, NOW, topic } from '#support/builders/policy';

const SEC = 1000;

describe('rateTrust (60 s rate window)', () => {
  const outThirtySecondsAgo: LastAction = { atMs: NOW - 30 * SEC, direction: 'out', from: 2, to: 4 };
  const inThirtySecondsAgo: LastAction = { atMs: NOW - 30 * SEC, direction: 'in', from: 6, to: 4 };
  it.each<{ name: string; settledSinceMs?: number; lastAction?: LastAction; pause: number; expected: RateTrust }>([
    {
      name: 'settled a whole window: exact, nothing to correct',
      settledSinceMs: NOW - 60 * SEC,
      pause: 5,
      expected: { exact: true, lowerBound: true, pauseCorrection: 1 },
    },
    {
      name: 'settled 10 s: a lower bound, corrected for one 5 s pause (60 / 55)',
      settledSinceMs: NOW - 10 * SEC,
      pause: 5,
      expected: { exact: false, lowerBound: true, pauseCorrection: 60 / 55 },
    },
    {
      name: 'not settled: a lower bound all the same',
      pause: 5,
      expected: { exact: false, lowerBound: true, pauseCorrection: 60 / 55 },
    },
    {
      name: 'a scale-out inside the window keeps the lower bound (more members now, not fewer)',
      settledSinceMs: NOW - 10 * SEC,
      lastAction: outThirtySecondsAgo,
      pause: 5,
      expected: { exact: false, lowerBound: true, pauseCorrection: 60 / 55 },
    },
    {
      name: 'a scale-in inside the window: the rate would overstate capacity, not even a lower bound',
      settledSinceMs: NOW - 10 * SEC,
      lastAction: inThirtySecondsAgo,
      pause: 5,
      expected: { exact: false, lowerBound: false, pauseCorrection: 60 / 55 },
    },
    {
      name: 'a pause as long as the window cannot be corrected for (factor 1, not a division by zero)',
      settledSinceMs: NOW - 10 * SEC,
      pause: 60,
      expected: { exact: false, lowerBound: true, pauseCorrection: 1 },
    },
  ])('$name', ({ settledSinceMs, lastAction, pause, expected }) => {
    const cfg = config({ rateWindowSeconds: 60, rebalancePauseSeconds: pause });
    expect(rateTrust({ settledSinceMs, lastAction }, cfg, NOW)).toEqual(expected);
  });
});

describe('estimateCapacity (4 members, one topic)', () => {
  const exact: RateTrust = { exact: true, lowerBound: true, pauseCorrection: 1 };
  const lowerBound: RateTrust = { exact: false, lowerBound: true, pauseCorrection: 1.2 };
  const untrusted: RateTrust = { exact: false, lowerBound: false, pauseCorrection: 1 };
  // Busy at 250 msg/s per task: at least 250 x 4 members x 15 s queued.
  const busyLag = 250 * 4 * BUSY_BACKLOG_SECONDS;
  it.each<{
    name: string;
    observed: Partial<TopicObservation>;
    remembered?: number;
    trust: RateTrust;
    estimate: number | undefined;
    remember: number | undefined;
  }>([
    {
      name: 'an exact busy rate replaces the remembered one, even a higher one',
      observed: { consumptionRatePerTask: 250, scalableLag: busyLag },
      remembered: 400,
      trust: exact,
      estimate: 250,
      remember: 250,
    },
    {
      name: 'a lower-bound busy rate raises the remembered one, corrected for the pause (250 x 1.2)',
      observed: { consumptionRatePerTask: 250, scalableLag: busyLag },
      remembered: 200,
      trust: lowerBound,
      estimate: 300,
      remember: 300,
    },
    {
      name: 'a lower-bound busy rate never lowers the remembered one',
      observed: { consumptionRatePerTask: 250, scalableLag: busyLag },
      remembered: 400,
      trust: lowerBound,
      estimate: 400,
      remember: 400,
    },
    {
      name: 'an untrusted busy rate serves this tick when higher but is not remembered',
      observed: { consumptionRatePerTask: 250, scalableLag: busyLag },
      remembered: 200,
      trust: untrusted,
      estimate: 250,
      remember: 200,
    },
    {
      name: 'just under 15 s of backlog is not busy: a caught-up rate is not capacity',
      observed: { consumptionRatePerTask: 250, scalableLag: busyLag - 1 },
      trust: exact,
      estimate: undefined,
      remember: undefined,
    },
    {
      name: 'a caught-up group keeps the remembered capacity',
      observed: { consumptionRatePerTask: 50, scalableLag: 10 },
      remembered: 200,
      trust: exact,
      estimate: 200,
      remember: 200,
    },
    {
      name: 'no rate yet: the remembered capacity',
      observed: { consumptionRatePerTask: undefined, scalableLag: busyLag },
      remembered: 200,
      trust: exact,
      estimate: 200,
      remember: 200,
    },
    {
      name: 'a zero rate measures nothing',
      observed: { consumptionRatePerTask: 0, scalableLag: busyLag },
      trust: exact,
      estimate: undefined,
      remember: undefined,
    },
  ])('$name', ({ observed, remembered, trust, estimate, remember }) => {
    const capacityPerTask: Record<string, number> = remembered === undefined ? {} : { orders: remembered };
    const memory = { ...emptyPolicyMemory, capacityPerTask };
    const capacity = estimateCapacity([topic(observed)], memory, trust, 4);
    expect(capacity.perTopic).toEqual([estimate]);
    expect(capacity.remembered).toEqual(remember === undefined ? {} : { orders: remember });
  });

  it('keeps what it remembers about topics it no longer sees', () => {
    const memory = { ...emptyPolicyMemory, capacityPerTask: { gone: 120 } };
    const capacity = estimateCapacity([topic({ consumptionRatePerTask: 250, scalableLag: busyLag })], memory, exact, 4);
    expect(capacity.remembered).toEqual({ gone: 120, orders: 250 });
  });
});

describe('toLoads', () => {
  it('pairs each topic with its capacity', () => {
    const observed = topic({ partitions: 6, scalableLag: 600, maxPartitionLag: 200, productionRate: 90 });
    expect(toLoads([observed], { perTopic: [150], remembered: {} })).toEqual([
      {
        partitions: 6,
        scalableLag: 600,
        maxPartitionLag: 200,
        productionRate: 90,
        maxPartitionProductionRate: undefined,
        capacityPerTask: 150,
      },
    ]);
  });

  it.each([
    { name: 'a topic without a capacity', topics: [topic({ productionRate: 90 })], perTopic: [undefined] },
    { name: 'a topic without a production rate', topics: [topic({ productionRate: undefined })], perTopic: [150] },
    {
      name: 'one unsized topic among sized ones',
      topics: [topic({ productionRate: 90 }), topic({ topic: 'refunds', productionRate: 5 })],
      perTopic: [150, undefined],
    },
  ])('none for $name: drain time needs every topic', ({ topics, perTopic }) => {
    expect(toLoads(topics, { perTopic, remembered: {} })).toBeUndefined();
  });
});

describe('smallestCapacity', () => {
  it.each([
    { name: 'the slowest known topic', perTopic: [200, undefined, 150], expected: 150 },
    { name: 'none when nothing is known', perTopic: [undefined], expected: undefined },
    { name: 'none without topics', perTopic: [], expected: undefined },
  ])('$name', ({ perTopic, expected }) => {
    expect(smallestCapacity({ perTopic, remembered: {} })).toBe(expected);
  });
});

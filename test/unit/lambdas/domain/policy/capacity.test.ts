import { describe, expect, it } from 'vitest';
import {
  CAPACITY_SAMPLE_MAX_AGE_MS,
  CAPACITY_SAMPLES,
  estimateCapacity,
  rateTrust,
  smallestCapacity,
  toLoads,
  unfixableHotPartitions,
  type Capacity,
  type RateTrust,
} from '#domain/policy/capacity';
import { emptyPolicyMemory, type CapacitySample, type PolicyMemory, type TopicObservation } from '#domain/policy/index';
import { config, hotPartition, NOW, samples, topic } from '#support/builders/policy';

const SEC = 1000;
const DAY = CAPACITY_SAMPLE_MAX_AGE_MS;
const capacityOf = (perTopic: readonly (number | undefined)[]): Capacity => ({ perTopic, remembered: {}, samples: {} });

describe('rateTrust (60 s rate window)', () => {
  it.each<{ name: string; settledSinceMs: number | undefined; expected: RateTrust }>([
    { name: 'settled for a whole window: exact', settledSinceMs: NOW - 60 * SEC, expected: { exact: true } },
    { name: 'settled for an hour: exact', settledSinceMs: NOW - 3600 * SEC, expected: { exact: true } },
    {
      name: 'settled 59 s: a rebalance pause may be in the window, not exact',
      settledSinceMs: NOW - 59 * SEC,
      expected: { exact: false },
    },
    { name: 'not settled: not exact', settledSinceMs: undefined, expected: { exact: false } },
  ])('$name', ({ settledSinceMs, expected }) => {
    expect(rateTrust({ settledSinceMs }, config({ rateWindowSeconds: 60 }), NOW)).toEqual(expected);
  });
});

describe('estimateCapacity (one topic)', () => {
  const exact: RateTrust = { exact: true };
  const notSettled: RateTrust = { exact: false };
  it.each<{
    name: string;
    observed: Partial<TopicObservation>;
    memory?: Partial<PolicyMemory>;
    trust?: RateTrust;
    estimate: number | undefined;
    kept: readonly CapacitySample[] | undefined;
  }>([
    {
      name: "the saturated members' median rate over a settled window is a sample",
      observed: { saturatedRatePerTask: 250, fastestMemberRate: 300 },
      estimate: 250,
      kept: samples([250]),
    },
    {
      name: 'no sample from a window that was not settled',
      observed: { saturatedRatePerTask: 250, fastestMemberRate: 300 },
      memory: { capacitySamples: { orders: samples([200], NOW - 60 * SEC) } },
      trust: notSettled,
      estimate: 200,
      kept: samples([200], NOW - 60 * SEC),
    },
    {
      name: 'the estimate is the median of the samples: one odd window does not move it',
      observed: { saturatedRatePerTask: 1000 },
      memory: { capacitySamples: { orders: samples([200, 210, 190, 200], NOW - 60 * SEC) } },
      estimate: 200,
      kept: [...samples([200, 210, 190, 200], NOW - 60 * SEC), ...samples([1000])],
    },
    {
      name: 'an even number of samples: the mean of the middle two',
      observed: { saturatedRatePerTask: 300 },
      memory: { capacitySamples: { orders: samples([200], NOW - 60 * SEC) } },
      estimate: 250,
      kept: [...samples([200], NOW - 60 * SEC), ...samples([300])],
    },
    {
      name: `only the last ${CAPACITY_SAMPLES} samples count: the oldest leaves`,
      observed: { saturatedRatePerTask: 600 },
      memory: { capacitySamples: { orders: samples([100, 200, 300, 400, 500], NOW - 60 * SEC) } },
      estimate: 400,
      kept: [...samples([200, 300, 400, 500], NOW - 60 * SEC), ...samples([600])],
    },
    {
      name: 'no member saturated: the fastest member is a sample when it beats the estimate',
      observed: { fastestMemberRate: 260 },
      memory: { capacitySamples: { orders: samples([200], NOW - 60 * SEC) } },
      estimate: 230,
      kept: [...samples([200], NOW - 60 * SEC), ...samples([260])],
    },
    {
      name: 'no member saturated: a fastest member below the estimate consumed what was produced, no sample',
      observed: { fastestMemberRate: 150 },
      memory: { capacitySamples: { orders: samples([200], NOW - 60 * SEC) } },
      estimate: 200,
      kept: samples([200], NOW - 60 * SEC),
    },
    {
      name: 'no member saturated and nothing known: the fastest member is no estimate on its own',
      observed: { fastestMemberRate: 150 },
      estimate: undefined,
      kept: undefined,
    },
    {
      name: 'a saturated rate of zero measures nothing',
      observed: { saturatedRatePerTask: 0, fastestMemberRate: 0 },
      estimate: undefined,
      kept: undefined,
    },
    {
      name: 'a sample older than a day is forgotten: the estimate decays to unknown',
      observed: {},
      memory: { capacitySamples: { orders: samples([200], NOW - DAY - 1) } },
      estimate: undefined,
      kept: undefined,
    },
    {
      name: 'a sample exactly a day old still counts',
      observed: {},
      memory: { capacitySamples: { orders: samples([[NOW - DAY - 1, 100], 200], NOW - DAY) } },
      estimate: 200,
      kept: samples([200], NOW - DAY),
    },
    {
      name: 'a state saved before samples seeds one sample from its estimate',
      observed: {},
      memory: { capacityPerTask: { orders: 200 } },
      estimate: 200,
      kept: samples([200]),
    },
    {
      name: 'the seeded sample is a sample like any other: a new one makes two',
      observed: { saturatedRatePerTask: 300 },
      memory: { capacityPerTask: { orders: 200 } },
      estimate: 250,
      kept: samples([200, 300]),
    },
    {
      name: 'saved samples win over the old estimate, even when none is left',
      observed: {},
      memory: { capacityPerTask: { orders: 200 }, capacitySamples: { orders: [] } },
      estimate: undefined,
      kept: undefined,
    },
  ])('$name', ({ observed, memory, trust = exact, estimate, kept }) => {
    const capacity = estimateCapacity([topic(observed)], { ...emptyPolicyMemory, ...memory }, trust, NOW);
    expect(capacity.perTopic).toEqual([estimate]);
    expect(capacity.remembered).toEqual(estimate === undefined ? {} : { orders: estimate });
    expect(capacity.samples).toEqual(kept === undefined ? {} : { orders: kept });
  });

  it('estimates each topic from its own samples', () => {
    const memory = { ...emptyPolicyMemory, capacitySamples: { orders: samples([200]), refunds: samples([50]) } };
    const topics = [topic({ saturatedRatePerTask: 300 }), topic({ topic: 'refunds' })];
    const capacity = estimateCapacity(topics, memory, exact, NOW);
    expect(capacity.perTopic).toEqual([250, 50]);
    expect(capacity.remembered).toEqual({ orders: 250, refunds: 50 });
  });

  it('keeps the samples of a topic it does not see this tick until they age out', () => {
    // The capacity is "forgotten a day after the last sample" (capacity.ts), not when a topic misses one read.
    const memory = { ...emptyPolicyMemory, capacitySamples: { orders: samples([200]), gone: samples([120]) } };
    const capacity = estimateCapacity([topic()], memory, exact, NOW + 60 * SEC);
    expect(capacity.samples).toEqual({ orders: samples([200]), gone: samples([120]) });
    expect(capacity.remembered).toEqual({ orders: 200, gone: 120 });
  });
});

describe('unfixableHotPartitions (0.95 utilization)', () => {
  const hottest = (productionRate: number, partition = 3) => ({
    partition,
    productionRate,
    lag: 4000,
    timeLagSeconds: 40,
  });
  it.each<{ name: string; observed: Partial<TopicObservation>; perTopic: number | undefined; hot: boolean }>([
    {
      name: 'a partition producing more than 0.95 x 200 msg/s',
      observed: { hottestPartition: hottest(191) },
      perTopic: 200,
      hot: true,
    },
    {
      name: 'exactly 0.95 x 200 msg/s: a task keeps up',
      observed: { hottestPartition: hottest(190) },
      perTopic: 200,
      hot: false,
    },
    {
      name: 'no capacity known: cannot tell',
      observed: { hottestPartition: hottest(10_000) },
      perTopic: undefined,
      hot: false,
    },
    { name: 'no hottest partition known', observed: { hottestPartition: undefined }, perTopic: 200, hot: false },
    {
      name: 'a one-partition topic: the partition is the topic, sized as such',
      observed: { partitions: 1, hottestPartition: hottest(500, 0) },
      perTopic: 200,
      hot: false,
    },
  ])('$name: hot = $hot', ({ observed, perTopic, hot }) => {
    const found = unfixableHotPartitions([topic(observed)], capacityOf([perTopic]), 0.95);
    expect(found).toEqual(
      hot
        ? [
            {
              topic: 'orders',
              partition: 3,
              partitions: 12,
              productionRate: observed.hottestPartition?.productionRate,
              capacityPerTask: 200,
              lag: 4000,
            },
          ]
        : [],
    );
  });

  it('each topic against its own capacity', () => {
    const topics = [
      topic({ hottestPartition: hottest(300) }),
      topic({ topic: 'refunds', partitions: 4, hottestPartition: hottest(300, 1) }),
    ];
    const found = unfixableHotPartitions(topics, capacityOf([200, 400]), 0.95);
    expect(found.map((h) => `${h.topic}/${h.partition}`)).toEqual(['orders/3']);
  });
});

describe('toLoads', () => {
  const observed = topic({
    partitions: 6,
    scalableLag: 600,
    maxPartitionLag: 200,
    productionRate: 90,
    maxPartitionProductionRate: 30,
  });

  it('pairs each topic with its capacity and its production forecast', () => {
    expect(toLoads([observed], capacityOf([150]), [90])).toEqual([
      {
        partitions: 6,
        scalableLag: 600,
        maxPartitionLag: 200,
        productionRate: 90,
        maxPartitionProductionRate: 30,
        capacityPerTask: 150,
      },
    ]);
  });

  it("a forecast above the current rate scales the hottest partition's rate with it", () => {
    expect(toLoads([observed], capacityOf([150]), [180])).toEqual([
      expect.objectContaining({ productionRate: 180, maxPartitionProductionRate: 60 }),
    ]);
  });

  it('a topic that produces nothing now keeps its hottest rate as it is', () => {
    const quiet = topic({ productionRate: 0, maxPartitionProductionRate: 0 });
    expect(toLoads([quiet], capacityOf([150]), [0])).toEqual([
      expect.objectContaining({ productionRate: 0, maxPartitionProductionRate: 0 }),
    ]);
  });

  it('leaves an unfixable hot partition out of its topic: the rest, taken as even', () => {
    // 12 partitions, 12 000 behind of which 5000 on partition 0, 1000 msg/s of which 300 on partition 0.
    const withHot = topic({
      scalableLag: 12_000,
      maxPartitionLag: 5000,
      productionRate: 1000,
      maxPartitionProductionRate: 300,
    });
    expect(toLoads([withHot], capacityOf([200]), [1000], [hotPartition()])).toEqual([
      {
        partitions: 11,
        scalableLag: 7000,
        maxPartitionLag: 7000 / 11,
        productionRate: 700,
        maxPartitionProductionRate: undefined,
        capacityPerTask: 200,
      },
    ]);
  });

  it("a forecast of twice the rate takes twice the hot partition's rate off", () => {
    const withHot = topic({ scalableLag: 12_000, productionRate: 1000, maxPartitionProductionRate: 300 });
    expect(toLoads([withHot], capacityOf([200]), [2000], [hotPartition()])).toEqual([
      expect.objectContaining({ partitions: 11, productionRate: 1400 }),
    ]);
  });

  it("a hot partition of another topic changes nothing, and a hot partition's lag beyond the topic's is none", () => {
    const topics = [
      topic({ scalableLag: 1000, productionRate: 1000 }),
      topic({ topic: 'refunds', partitions: 4, scalableLag: 100, productionRate: 500 }),
    ];
    const hot = [hotPartition({ topic: 'refunds', partitions: 4, productionRate: 300, lag: 500 })];
    expect(toLoads(topics, capacityOf([200, 200]), [1000, 500], hot)).toEqual([
      expect.objectContaining({ partitions: 12, scalableLag: 1000, productionRate: 1000 }),
      expect.objectContaining({ partitions: 3, scalableLag: 0, maxPartitionLag: 0, productionRate: 200 }),
    ]);
  });

  it.each([
    {
      name: 'a topic without a capacity',
      topics: [topic({ productionRate: 90 })],
      perTopic: [undefined],
      forecast: [90],
    },
    { name: 'a topic without a production forecast', topics: [topic()], perTopic: [150], forecast: [undefined] },
    {
      name: 'one unsized topic among sized ones',
      topics: [topic({ productionRate: 90 }), topic({ topic: 'refunds', productionRate: 5 })],
      perTopic: [150, undefined],
      forecast: [90, 5],
    },
  ])('none for $name: drain time needs every topic', ({ topics, perTopic, forecast }) => {
    expect(toLoads(topics, capacityOf(perTopic), forecast)).toBeUndefined();
  });
});

describe('smallestCapacity', () => {
  it.each([
    { name: 'the slowest known topic', perTopic: [200, undefined, 150], expected: 150 },
    { name: 'none when nothing is known', perTopic: [undefined], expected: undefined },
    { name: 'none without topics', perTopic: [], expected: undefined },
  ])('$name', ({ perTopic, expected }) => {
    expect(smallestCapacity(capacityOf(perTopic))).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { SATURATED_BACKLOG_SECONDS, topicThroughput, type ThroughputOptions } from '#domain/lag/throughput';
import type { GroupMember, PartitionSnapshot } from '#domain/lag/snapshot';
import { group, historyOf, member, OTHER_TOPIC, part, T0, TICK_MS, ticks, TOPIC } from '#support/builders/lag';

/** One partition's (committed, end) at each tick, 10 s apart; `undefined` committed = never committed. */
type Offsets = readonly (readonly [committed: bigint | undefined, end: bigint])[];

/** patient-checkout partitions, one row of offsets each (partition = index), snapshot every 10 s. */
function throughputOf(
  perPartition: readonly Offsets[],
  members: readonly GroupMember[],
  options: Partial<ThroughputOptions> = {},
) {
  const count = Math.max(...perPartition.map((rows) => rows.length));
  const snapshots = ticks(count, (i) => ({
    partitions: perPartition.flatMap((rows, partition): PartitionSnapshot[] => {
      const row = rows[i];
      return row === undefined ? [] : [part(partition, { committed: row[0], end: row[1] })];
    }),
  }));
  const partitions = perPartition.map((_, partition) => partition);
  const now = T0 + (count - 1) * TICK_MS;
  return topicThroughput(historyOf(snapshots), { topic: TOPIC, partitions }, members, { now, ...options });
}

/** `count` ticks of a partition consuming `rate` records per tick with `lag` records queued at each. */
const steady = (count: number, rate: bigint, lag: bigint): Offsets =>
  Array.from({ length: count }, (_, i) => [BigInt(i) * rate, BigInt(i) * rate + lag] as const);

const pharmacyA = member('pharmacy-a', { [TOPIC]: [0, 1] });

describe('topicThroughput: member rates and saturation', () => {
  // pharmacy-a holds partitions 0 and 1. It is saturated when, at every point of the window, at least
  // 15 s of its own rate is queued on them: at 20 msg/s, 300 records.
  /** Queued 0 at the first point, 500 after; consumed 100 per tick from the second point. */
  const dryAtFirst: Offsets = [
    [0n, 0n],
    [0n, 500n],
    [100n, 600n],
    [200n, 700n],
    [300n, 800n],
  ];
  it.each<{
    name: string;
    partitions: readonly Offsets[];
    options?: Partial<ThroughputOptions>;
    perSecond: number;
    saturated: boolean;
  }>([
    {
      name: 'queued work at every point: saturated, its rate is what a task can do',
      partitions: [steady(5, 100n, 500n), steady(5, 100n, 500n)],
      perSecond: 20,
      saturated: true,
    },
    {
      name: 'ran dry at one point: it consumed what was produced, not what it could',
      partitions: [
        [
          [0n, 500n],
          [100n, 600n],
          [600n, 600n],
          [700n, 1200n],
          [800n, 1300n],
        ],
        steady(5, 100n, 0n),
      ],
      perSecond: 30,
      saturated: false,
    },
    {
      name: 'the queue counts over its partitions: one dry partition, the other deep enough',
      partitions: [steady(5, 100n, 0n), steady(5, 100n, 1000n)],
      perSecond: 20,
      saturated: true,
    },
    {
      name: `exactly ${SATURATED_BACKLOG_SECONDS} s of its own rate queued (300 at 20 msg/s): saturated`,
      partitions: [steady(3, 100n, 200n), steady(3, 100n, 100n)],
      perSecond: 20,
      saturated: true,
    },
    {
      name: 'one record short of it: not saturated',
      partitions: [steady(3, 100n, 200n), steady(3, 100n, 99n)],
      perSecond: 20,
      saturated: false,
    },
    {
      name: 'a commit that never moves is no capacity, however deep the queue',
      partitions: [steady(5, 0n, 5000n), steady(5, 0n, 5000n)],
      perSecond: 0,
      saturated: false,
    },
    {
      name: 'dry before a 30 s window: saturated over the window',
      partitions: [dryAtFirst, dryAtFirst],
      options: { windowMs: 30_000 },
      perSecond: 20,
      saturated: true,
    },
    {
      name: 'the same over the whole history: dry at its first point, and slower on average',
      partitions: [dryAtFirst, dryAtFirst],
      perSecond: 15,
      saturated: false,
    },
    {
      name: 'a single point in the window shows no rate and no saturation',
      partitions: [steady(5, 100n, 500n), steady(5, 100n, 500n)],
      options: { windowMs: 5_000 },
      perSecond: 0,
      saturated: false,
    },
  ])('$name', ({ partitions, options, perSecond, saturated }) => {
    expect(throughputOf(partitions, [pharmacyA], options).members).toEqual([
      { memberId: 'pharmacy-a', partitions: 2, perSecond, saturated },
    ]);
  });

  it('each member over its own partitions; members without a partition of the topic are not listed', () => {
    const members = [
      member('pharmacy-a', { [TOPIC]: [0] }),
      member('pharmacy-b', { [TOPIC]: [1, 2] }),
      member('pharmacy-c', { [OTHER_TOPIC]: [0, 1, 2] }),
      member('pharmacy-d', {}),
    ];
    const found = throughputOf([steady(4, 300n, 0n), steady(4, 100n, 2000n), steady(4, 100n, 2000n)], members);
    expect(found.members).toEqual([
      { memberId: 'pharmacy-a', partitions: 1, perSecond: 30, saturated: false },
      { memberId: 'pharmacy-b', partitions: 2, perSecond: 20, saturated: true },
    ]);
  });
});

describe('topicThroughput: excluded (STALLED) partitions', () => {
  // Partition 0 is stuck with a deep queue; partition 1 is consumed at 10 msg/s and caught up.
  const stuckAndMoving = [steady(5, 0n, 5000n), steady(5, 100n, 0n)];

  it('without exclusion the stuck queue makes its member look saturated at its low rate', () => {
    expect(throughputOf(stuckAndMoving, [pharmacyA]).members).toEqual([
      { memberId: 'pharmacy-a', partitions: 2, perSecond: 10, saturated: true },
    ]);
  });

  it('excluded, the member is judged on the partitions it moves: caught up, not saturated', () => {
    expect(throughputOf(stuckAndMoving, [pharmacyA], { exclude: new Set([0]) }).members).toEqual([
      { memberId: 'pharmacy-a', partitions: 1, perSecond: 10, saturated: false },
    ]);
  });

  it('a member holding only excluded partitions has no rate at all', () => {
    const members = [member('pharmacy-a', { [TOPIC]: [0] }), member('pharmacy-b', { [TOPIC]: [1] })];
    expect(throughputOf(stuckAndMoving, members, { exclude: new Set([0]) }).members).toEqual([
      { memberId: 'pharmacy-b', partitions: 1, perSecond: 10, saturated: false },
    ]);
  });

  it('still reports every partition’s own rates and production', () => {
    const found = throughputOf(stuckAndMoving, [pharmacyA], { exclude: new Set([0]) });
    expect(found.partitions).toEqual([
      { partition: 0, production: 0, consumption: 0 },
      { partition: 1, production: 10, consumption: 10 },
    ]);
  });
});

describe('topicThroughput: the hottest partition', () => {
  it.each<{ name: string; partitions: readonly Offsets[]; options?: Partial<ThroughputOptions>; hottest: unknown }>([
    {
      name: 'the partition producing the most over the window',
      partitions: [steady(4, 100n, 0n), steady(4, 400n, 0n), steady(4, 200n, 0n)],
      hottest: { partition: 1, perSecond: 40 },
    },
    {
      name: 'on a tie, the first',
      partitions: [steady(4, 100n, 0n), steady(4, 300n, 0n), steady(4, 300n, 0n)],
      hottest: { partition: 1, perSecond: 30 },
    },
    {
      name: 'over the window only: a partition hot before it is not',
      partitions: [
        [
          [0n, 0n],
          [0n, 5000n],
          [0n, 5000n],
          [0n, 5000n],
        ],
        steady(4, 100n, 0n),
      ],
      options: { windowMs: 20_000 },
      hottest: { partition: 1, perSecond: 10 },
    },
    { name: 'none with a single point', partitions: [steady(1, 100n, 0n)], hottest: undefined },
  ])('$name', ({ partitions, options, hottest }) => {
    expect(throughputOf(partitions, [], options).hottestPartition).toEqual(hottest);
  });
});

describe('topicThroughput: production interval by interval', () => {
  it('the ends summed at each snapshot, over the whole history whatever the window', () => {
    const bursty: Offsets = [
      [0n, 0n],
      [0n, 100n],
      [0n, 600n],
      [0n, 700n],
    ];
    const found = throughputOf([bursty, steady(4, 100n, 0n)], [], { windowMs: 10_000 });
    expect(found.production).toEqual([
      { fromMs: T0, toMs: T0 + 10_000, perSecond: 20 },
      { fromMs: T0 + 10_000, toMs: T0 + 20_000, perSecond: 60 },
      { fromMs: T0 + 20_000, toMs: T0 + 30_000, perSecond: 20 },
    ]);
  });

  it('only from the first snapshot every partition has: a sum over fewer partitions would read as a jump', () => {
    // Partition 1 is first seen at the third snapshot.
    const snapshots = ticks(4, (i) => ({
      partitions: [
        part(0, { committed: 0n, end: BigInt(i) * 100n }),
        ...(i >= 2 ? [part(1, { committed: 0n, end: BigInt(i) * 100n })] : []),
      ],
    }));
    const found = topicThroughput(historyOf(snapshots), { topic: TOPIC, partitions: [0, 1] }, [], {
      now: T0 + 30_000,
    });
    expect(found.production).toEqual([{ fromMs: T0 + 20_000, toMs: T0 + 30_000, perSecond: 20 }]);
  });

  it('uneven snapshot spacing: each interval over its own length', () => {
    const snapshots = [0, 10_000, 40_000].map((offsetMs, i) =>
      group([part(0, { committed: 0n, end: BigInt(i) * 300n })], { observedAtMs: T0 + offsetMs }),
    );
    const found = topicThroughput(historyOf(snapshots), { topic: TOPIC, partitions: [0] }, [], { now: T0 + 40_000 });
    expect(found.production).toEqual([
      { fromMs: T0, toMs: T0 + 10_000, perSecond: 30 },
      { fromMs: T0 + 10_000, toMs: T0 + 40_000, perSecond: 10 },
    ]);
  });

  it('none from a single snapshot', () => {
    expect(throughputOf([steady(1, 100n, 0n)], []).production).toEqual([]);
  });
});

describe('topicThroughput: per-partition rates', () => {
  it('production and consumption of each partition over the window; no commit, no consumption', () => {
    const neverCommitted: Offsets = [
      [undefined, 0n],
      [undefined, 50n],
      [undefined, 100n],
    ];
    const found = throughputOf([steady(3, 100n, 20n), neverCommitted], [pharmacyA]);
    expect(found).toMatchObject({
      topic: TOPIC,
      partitions: [
        { partition: 0, production: 10, consumption: 10 },
        { partition: 1, production: 5, consumption: undefined },
      ],
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  combineHealth,
  ownershipOf,
  partitionHealth,
  type HealthOptions,
  type HealthRule,
  type Ownership,
  type PartitionHealth,
  type PartitionStatus,
} from '#domain/lag/health';
import type { OffsetPoint } from '#domain/lag/history';
import { computePartitionLag } from '#domain/lag/partition-lag';
import { group, member, noCommit, OTHER_TOPIC, part, T0, TOPIC, unavailable } from '#support/builders/lag';

type Row = readonly [committed: bigint | undefined, end: bigint];

/** A window of patient-checkout/0, one point every 30 s; the current lag comes from the last row. */
function judge(rows: readonly Row[], ownership: Ownership = 'owned', options: HealthOptions = {}) {
  const points: OffsetPoint[] = rows.map(([committed, end], i) => ({ atMs: T0 + i * 30_000, end, committed }));
  const [committed, end] = rows.at(-1) ?? [undefined, 0n];
  return partitionHealth({ lag: computePartitionLag(part(0, { committed, end })), points, ownership }, options);
}

const repeat = (n: number, row: Row): Row[] => Array.from({ length: n }, () => row);

describe('partitionHealth: Burrow rules in order', () => {
  it.each<[string, readonly Row[], Ownership, PartitionStatus, HealthRule, HealthOptions?]>([
    [
      'lag 0 now: OK, whatever happened before',
      [
        [5n, 10n],
        [4n, 20n],
        [30n, 30n],
      ],
      'owned',
      'OK',
      'lag-within-allowed',
    ],
    [
      'lag within allowedLag (transaction marker): OK',
      repeat(5, [9n, 10n]),
      'owned',
      'OK',
      'lag-within-allowed',
      { allowedLag: 1n },
    ],
    ['nobody owns it, commit frozen, backlog: STOP', repeat(5, [10n, 50n]), 'unowned', 'STOP', 'stopped'],
    [
      'never committed under latest: lag 0, OK even with nobody on it',
      [
        [undefined, 10n],
        [undefined, 20n],
        [undefined, 30n],
      ],
      'unowned',
      'OK',
      'lag-within-allowed',
    ],
    [
      'commit went backwards: REWIND',
      [
        [50n, 100n],
        [60n, 110n],
        [20n, 120n],
      ],
      'owned',
      'REWIND',
      'rewound',
    ],
    [
      'REWIND needs only two points',
      [
        [50n, 100n],
        [20n, 100n],
      ],
      'owned',
      'REWIND',
      'rewound',
    ],
    [
      // Burrow's evaluator: a commit that went backwards and has since been read past is no REWIND.
      'rewind the consumer already recovered from: not REWIND',
      [
        [50n, 100n],
        [20n, 100n],
        [60n, 110n],
      ],
      'owned',
      'OK',
      'no-problem',
    ],
    [
      'rewind, then caught up: OK (lag was zero, checked before REWIND as Burrow does)',
      [
        [50n, 100n],
        [20n, 100n],
        [100n, 100n],
        [100n, 105n],
      ],
      'owned',
      'OK',
      'lag-was-zero',
    ],
    [
      'rewind still below where it was: REWIND',
      [
        [50n, 100n],
        [20n, 100n],
        [40n, 110n],
      ],
      'owned',
      'REWIND',
      'rewound',
    ],
    [
      // Burrow's evaluator: offsets all equal while lagging is STALL, whether or not producers write.
      'owned, backlog, commit frozen over a full window, end NOT moving: STALL',
      repeat(10, [400n, 500n]),
      'owned',
      'STALL',
      'stalled',
    ],
    [
      'lag was zero inside the window: OK',
      [
        [10n, 10n],
        [10n, 40n],
        [10n, 80n],
      ],
      'owned',
      'OK',
      'lag-was-zero',
    ],
    [
      'owned, commit frozen, end moving: STALL',
      [
        [10n, 20n],
        [10n, 40n],
        [10n, 60n],
        [10n, 80n],
      ],
      'owned',
      'STALL',
      'stalled',
    ],
    [
      'lag never decreased and grew: WARN',
      [
        [10n, 20n],
        [20n, 40n],
        [25n, 60n],
        [30n, 90n],
      ],
      'owned',
      'WARN',
      'lag-increasing',
    ],
    [
      'lag went down once: OK',
      [
        [10n, 20n],
        [30n, 40n],
        [55n, 60n],
        [60n, 90n],
      ],
      'owned',
      'OK',
      'no-problem',
    ],
    [
      'too few points for STALL yet: OK, window incomplete',
      [
        [10n, 20n],
        [10n, 40n],
      ],
      'owned',
      'OK',
      'window-incomplete',
    ],
    [
      'only the newest windowPoints count: an old zero-lag point has left the window',
      [
        [10n, 10n],
        [10n, 30n],
        [10n, 50n],
        [10n, 70n],
      ],
      'owned',
      'STALL',
      'stalled',
      { windowPoints: 3 },
    ],
  ])('%s', (_name, rows, ownership, status, rule, options = {}) => {
    expect(judge(rows, ownership, options)).toMatchObject({ status, rule });
  });

  it('never committed under earliest, nobody on it, end growing: STOP', () => {
    const points: OffsetPoint[] = [10n, 20n, 30n].map((end, i) => ({
      atMs: T0 + i * 30_000,
      end,
      committed: undefined,
    }));
    const lag = computePartitionLag(part(0, { end: 30n }), { offsetResetPolicy: 'earliest' });
    expect(partitionHealth({ lag, points, ownership: 'unowned' })).toMatchObject({ status: 'STOP', rule: 'stopped' });
    expect(partitionHealth({ lag, points, ownership: 'owned' })).toMatchObject({ status: 'STALL', rule: 'stalled' });
  });

  it('a partition whose end cannot be read is UNKNOWN, not OK', () => {
    const lag = computePartitionLag({ topic: TOPIC, partition: 0, committed: noCommit, end: unavailable() });
    expect(partitionHealth({ lag, points: [], ownership: 'owned' })).toMatchObject({
      status: 'UNKNOWN',
      rule: 'unavailable',
    });
  });
});

describe('partitionHealth: frozen while the rest of the group commits (3 points minimum)', () => {
  /** Like `judge`, with whether another partition committed after the instant asked about. */
  function judgeAmongOthers(rows: readonly Row[], othersCommitted: boolean, ownership: Ownership = 'owned') {
    const asked: number[] = [];
    const points: OffsetPoint[] = rows.map(([committed, end], i) => ({ atMs: T0 + i * 30_000, end, committed }));
    const [committed, end] = rows.at(-1) ?? [undefined, 0n];
    const health = partitionHealth({
      lag: computePartitionLag(part(0, { committed, end })),
      points,
      ownership,
      othersCommittedSince: (atMs) => {
        asked.push(atMs);
        return othersCommitted;
      },
    });
    return { health, asked };
  }
  /** Caught up once, then three points frozen at 10 with the end moving on. */
  const frozenAfterZero: Row[] = [
    [10n, 10n],
    [10n, 40n],
    [10n, 80n],
    [10n, 120n],
  ];

  it.each<{
    name: string;
    rows: readonly Row[];
    others: boolean;
    ownership?: Ownership;
    status: PartitionStatus;
    rule: HealthRule;
  }>([
    {
      name: 'others committed: STALL at once, although the lag was zero inside the window',
      rows: frozenAfterZero,
      others: true,
      status: 'STALL',
      rule: 'stalled',
    },
    {
      name: 'nobody else committed (a consumer that commits rarely): OK, the lag was zero',
      rows: frozenAfterZero,
      others: false,
      status: 'OK',
      rule: 'lag-was-zero',
    },
    {
      name: 'frozen for only two points: too short to tell',
      rows: frozenAfterZero.slice(0, 3),
      others: true,
      status: 'OK',
      rule: 'lag-was-zero',
    },
    {
      name: 'frozen with the end still, others committing: STALL (a member holds it and does not move)',
      rows: [
        [10n, 10n],
        [10n, 90n],
        [10n, 90n],
        [10n, 90n],
      ],
      others: true,
      status: 'STALL',
      rule: 'stalled',
    },
    {
      name: 'the commit moved inside the run: no freeze',
      rows: [
        [10n, 10n],
        [10n, 40n],
        [20n, 80n],
        [20n, 120n],
      ],
      others: true,
      status: 'OK',
      rule: 'lag-was-zero',
    },
    {
      name: 'mid-rebalance (ownership unknown): never STALL',
      rows: frozenAfterZero,
      others: true,
      ownership: 'unknown',
      status: 'OK',
      rule: 'lag-was-zero',
    },
  ])('$name', ({ rows, others, ownership, status, rule }) => {
    expect(judgeAmongOthers(rows, others, ownership).health).toMatchObject({ status, rule });
  });

  it('asks about commits since the frozen run began (its first point with a backlog)', () => {
    expect(judgeAmongOthers(frozenAfterZero, true).asked).toEqual([T0 + 30_000]);
  });
});

describe('partitionHealth: Burrow false alarms we avoid', () => {
  it.each<[string, readonly Row[], Ownership, PartitionStatus, HealthRule]>([
    [
      'quiet topic, caught up, group scaled to zero: not STOP',
      repeat(10, [500n, 500n]),
      'unowned',
      'OK',
      'lag-within-allowed',
    ],
    [
      'quiet topic, caught up, member holds it and never commits: not STALL',
      repeat(10, [500n, 500n]),
      'owned',
      'OK',
      'lag-within-allowed',
    ],
    [
      'commits rarely, one commit inside the window: not STALL',
      [...repeat(4, [100n, 500n]), ...repeat(4, [300n, 520n])],
      'owned',
      'OK',
      'no-problem',
    ],
    [
      'rebalancing (ownership unknown) with a frozen commit: not STALL, not STOP',
      [
        [10n, 20n],
        [10n, 40n],
        [10n, 60n],
        [10n, 80n],
      ],
      'unknown',
      'WARN',
      'lag-increasing',
    ],
    [
      'flat lag that does not grow is not a WARN trend',
      [
        [10n, 20n],
        [20n, 30n],
        [30n, 40n],
      ],
      'owned',
      'OK',
      'no-problem',
    ],
  ])('%s', (_name, rows, ownership, status, rule) => {
    expect(judge(rows, ownership)).toMatchObject({ status, rule });
  });
});

describe('ownershipOf', () => {
  const members = [member('pharmacy-a', { [TOPIC]: [0, 1] }), member('pharmacy-b', { [OTHER_TOPIC]: [0] })];
  it.each<[string, Parameters<typeof ownershipOf>[0], { topic: string; partition: number }, Ownership]>([
    ['Stable and assigned', { state: 'Stable', members }, { topic: TOPIC, partition: 1 }, 'owned'],
    ['Stable, not assigned to anyone', { state: 'Stable', members }, { topic: TOPIC, partition: 2 }, 'unowned'],
    [
      'Stable, same partition number on another topic',
      { state: 'Stable', members },
      { topic: OTHER_TOPIC, partition: 1 },
      'unowned',
    ],
    ['Empty group', { state: 'Empty', members: [] }, { topic: TOPIC, partition: 0 }, 'unowned'],
    ['Dead group', { state: 'Dead', members: [] }, { topic: TOPIC, partition: 0 }, 'unowned'],
    [
      'rebalancing: assignment not trusted',
      { state: 'PreparingRebalance', members },
      { topic: TOPIC, partition: 0 },
      'unknown',
    ],
    ['completing rebalance', { state: 'CompletingRebalance', members }, { topic: TOPIC, partition: 0 }, 'unknown'],
    ['unknown state', { state: 'Unknown', members }, { topic: TOPIC, partition: 0 }, 'unknown'],
    [
      'consumer protocol, Reconciling: a member’s current partition is owned (partitions move one by one)',
      { state: 'Reconciling', protocol: 'consumer', members },
      { topic: TOPIC, partition: 1 },
      'owned',
    ],
    [
      'consumer protocol, Reconciling: a partition between owners is unknown, never STOP',
      { state: 'Reconciling', protocol: 'consumer', members },
      { topic: TOPIC, partition: 2 },
      'unknown',
    ],
    [
      'consumer protocol, Assigning: the current assignment still holds',
      { state: 'Assigning', protocol: 'consumer', members },
      { topic: OTHER_TOPIC, partition: 0 },
      'owned',
    ],
    [
      'consumer protocol, Stable, not assigned to anyone',
      { state: 'Stable', protocol: 'consumer', members },
      { topic: TOPIC, partition: 2 },
      'unowned',
    ],
  ])('%s', (_name, snapshot, ref, expected) => {
    expect(ownershipOf(snapshot)(ref)).toBe(expected);
  });

  it('works on a full snapshot', () => {
    expect(ownershipOf(group([], { group: 'housekeeping', members }))({ topic: TOPIC, partition: 0 })).toBe('owned');
  });
});

describe('combineHealth', () => {
  const h = (partition: number, status: PartitionStatus): PartitionHealth => ({
    topic: TOPIC,
    partition,
    status,
    rule: 'no-problem',
    ownership: 'owned',
    windowPoints: 3,
  });
  it.each<[string, readonly PartitionStatus[], 'OK' | 'WARN' | 'ERR']>([
    ['no partitions', [], 'OK'],
    ['all OK', ['OK', 'OK'], 'OK'],
    ['UNKNOWN does not move the group', ['OK', 'UNKNOWN'], 'OK'],
    ['a WARN makes the group WARN', ['OK', 'WARN'], 'WARN'],
    ['STOP is ERR', ['WARN', 'STOP'], 'ERR'],
    ['STALL is ERR', ['STALL', 'OK'], 'ERR'],
    ['REWIND is ERR', ['OK', 'REWIND', 'WARN'], 'ERR'],
  ])('%s', (_name, statuses, expected) => {
    expect(combineHealth(statuses.map((s, i) => h(i, s))).status).toBe(expected);
  });

  it('lists the STALL partitions only, and counts every status', () => {
    const g = combineHealth([h(0, 'STALL'), h(1, 'STOP'), h(2, 'STALL'), h(3, 'OK')]);
    expect(g.stalledPartitions).toEqual([
      { topic: TOPIC, partition: 0 },
      { topic: TOPIC, partition: 2 },
    ]);
    expect(g.counts).toEqual({ OK: 1, WARN: 0, STOP: 1, STALL: 2, REWIND: 0, UNKNOWN: 0 });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computePartitionLag,
  consumerGroupCommandLag,
  lagRecords,
  type OffsetResetPolicy,
  type PartitionLag,
} from '#domain/lag/partition-lag';
import type { PartitionSnapshot } from '#domain/lag/snapshot';
import { noCommit, part, TOPIC, unavailable } from '#support/builders/lag';

describe('computePartitionLag', () => {
  it.each<[string, PartitionSnapshot, OffsetResetPolicy, Partial<PartitionLag>]>([
    [
      'measured: lag = end - committed',
      part(0, { committed: 40n, logStart: 10n, end: 100n }),
      'latest',
      { kind: 'measured', lag: 60n },
    ],
    [
      'measured: caught up',
      part(0, { committed: 100n, logStart: 10n, end: 100n }),
      'latest',
      { kind: 'measured', lag: 0n },
    ],
    [
      'measured: committed exactly at the log start',
      part(0, { committed: 10n, logStart: 10n, end: 100n }),
      'latest',
      { kind: 'measured', lag: 90n },
    ],
    ['measured: empty log', part(0, { committed: 0n, logStart: 0n, end: 0n }), 'latest', { kind: 'measured', lag: 0n }],
    [
      'no-commit + earliest: the whole log still in retention',
      part(0, { logStart: 10n, end: 100n }),
      'earliest',
      { kind: 'no-commit', resetPolicy: 'earliest', lag: 90n },
    ],
    [
      'no-commit + latest: lag 0 but flagged',
      part(0, { logStart: 10n, end: 100n }),
      'latest',
      { kind: 'no-commit', resetPolicy: 'latest', lag: 0n },
    ],
    [
      'below-log-start: records lost, lag is what is left to read',
      part(0, { committed: 4n, logStart: 10n, end: 100n }),
      'latest',
      { kind: 'below-log-start', lostRecords: 6n, lag: 90n },
    ],
    [
      'beyond-end: topic recreated, nothing to read',
      part(0, { committed: 500n, logStart: 0n, end: 20n }),
      'latest',
      { kind: 'beyond-end', aheadBy: 480n, lag: 0n },
    ],
    [
      'unavailable: no leader, committed still known',
      { topic: TOPIC, partition: 3, committed: { kind: 'committed', offset: 7n }, end: unavailable('no-leader') },
      'latest',
      { kind: 'unavailable', reason: 'no-leader', committed: 7n },
    ],
    [
      'unavailable: topic deleted, never committed',
      { topic: TOPIC, partition: 3, committed: noCommit, end: unavailable('topic-deleted') },
      'earliest',
      { kind: 'unavailable', reason: 'topic-deleted', committed: undefined },
    ],
  ])('%s', (_name, snapshot, offsetResetPolicy, expected) => {
    const lag = computePartitionLag(snapshot, { offsetResetPolicy });
    expect(lag).toMatchObject({ topic: snapshot.topic, partition: snapshot.partition, ...expected });
  });

  it('defaults a missing commit to the consumer default, latest', () => {
    expect(computePartitionLag(part(1, { logStart: 0n, end: 50n }))).toMatchObject({
      kind: 'no-commit',
      resetPolicy: 'latest',
      lag: 0n,
    });
  });

  it('never reports a negative lag even when a racing read shows end < logStart', () => {
    expect(computePartitionLag(part(1, { logStart: 60n, end: 50n }), { offsetResetPolicy: 'earliest' })).toMatchObject({
      lag: 0n,
    });
  });

  it('lagRecords is undefined only for unavailable partitions', () => {
    expect(lagRecords(computePartitionLag(part(0, { committed: 1n, end: 5n })))).toBe(4n);
    expect(
      lagRecords(computePartitionLag({ topic: TOPIC, partition: 0, committed: noCommit, end: unavailable() })),
    ).toBeUndefined();
  });
});

describe('consumerGroupCommandLag (what kafka-consumer-groups prints)', () => {
  it.each<[string, PartitionSnapshot, bigint | undefined]>([
    ['both offsets: LEO - current', part(0, { committed: 40n, end: 100n }), 60n],
    ['below the log start it counts the lost records too', part(0, { committed: 4n, logStart: 10n, end: 100n }), 96n],
    ['beyond the end it goes negative', part(0, { committed: 500n, end: 20n }), -480n],
    ['no commit prints -', part(0, { end: 20n }), undefined],
    [
      'no leader prints -',
      { topic: TOPIC, partition: 0, committed: { kind: 'committed', offset: 1n }, end: unavailable() },
      undefined,
    ],
  ])('%s', (_name, snapshot, expected) => {
    expect(consumerGroupCommandLag(snapshot)).toBe(expected);
  });

  it('agrees with our lag whenever ours is measured', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        (a, b, c) => {
          const [logStart, committedAt, end] = [a, b, c].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)) as [
            bigint,
            bigint,
            bigint,
          ];
          const snapshot = part(0, { committed: committedAt, logStart, end });
          const lag = computePartitionLag(snapshot);
          expect(lag.kind).toBe('measured');
          expect(lagRecords(lag)).toBe(consumerGroupCommandLag(snapshot));
        },
      ),
    );
  });
});

describe('computePartitionLag properties', () => {
  const offset = fc.bigInt({ min: 0n, max: 1n << 62n });
  it('lag is never negative, for every kind and policy', () => {
    fc.assert(
      fc.property(
        fc.option(offset, { nil: undefined }),
        offset,
        offset,
        fc.constantFrom<OffsetResetPolicy>('earliest', 'latest'),
        (c, x, y, offsetResetPolicy) => {
          const [logStart, end] = x <= y ? [x, y] : [y, x];
          const lag = computePartitionLag(part(0, { committed: c, logStart, end }), { offsetResetPolicy });
          expect(lag.kind).not.toBe('unavailable');
          expect(lagRecords(lag) ?? -1n).toBeGreaterThanOrEqual(0n);
          if (lag.kind === 'measured') expect(lag.lag).toBe(lag.end - lag.committed);
          if (lag.kind === 'below-log-start') expect(lag.lostRecords + lag.lag).toBe(lag.end - lag.committed);
        },
      ),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OffsetPoint } from '#domain/lag/history';
import { computePartitionLag, type OffsetResetPolicy } from '#domain/lag/partition-lag';
import { maxTimeLag, partitionTimeLag, type PartitionTimeLag, type TimeLag } from '#domain/lag/time-lag';
import { noCommit, part, T0, TOPIC, unavailable } from '#support/builders/lag';

/** Points of patient-checkout/0 as (seconds after T0, end offset). */
const pts = (...rows: readonly (readonly [number, bigint])[]): readonly OffsetPoint[] =>
  rows.map(([s, end]) => ({ atMs: T0 + s * 1000, end, committed: undefined }));

const NOW = T0 + 100_000;

describe('partitionTimeLag', () => {
  it.each<
    [
      string,
      { committed?: bigint; logStart?: bigint; end: bigint },
      readonly OffsetPoint[],
      TimeLag,
      OffsetResetPolicy?,
    ]
  >([
    [
      'caught up: committed == end',
      { committed: 50n, end: 50n },
      pts([0, 10n], [90, 50n]),
      { kind: 'caught-up', ms: 0 },
    ],
    [
      'idle topic: end unchanged for a long time, caught up reads 0, never huge',
      { committed: 7n, end: 7n },
      pts([0, 7n], [50, 7n], [100, 7n]),
      { kind: 'caught-up', ms: 0 },
    ],
    ['caught up with no history at all', { committed: 7n, end: 7n }, [], { kind: 'caught-up', ms: 0 }],
    [
      'committed past the end (topic recreated) is caught up',
      { committed: 900n, end: 7n },
      pts([0, 7n], [90, 7n]),
      { kind: 'caught-up', ms: 0 },
    ],
    ['no commit with latest: nothing to read', { end: 70n }, pts([0, 10n], [90, 70n]), { kind: 'caught-up', ms: 0 }],
    [
      'too few points: unknown, never NaN',
      { committed: 10n, end: 50n },
      pts([100, 50n]),
      { kind: 'unknown', reason: 'too-few-points' },
    ],
    [
      'no points and a backlog: unknown',
      { committed: 10n, end: 50n },
      [],
      { kind: 'unknown', reason: 'too-few-points' },
    ],
    [
      'interpolates exactly between the two points around the commit',
      { committed: 25n, end: 100n },
      pts([0, 0n], [40, 100n]),
      { kind: 'estimated', ms: 90_000, producedAtMs: T0 + 10_000 },
    ],
    [
      'commit exactly on a point takes that point time',
      { committed: 60n, end: 100n },
      pts([0, 0n], [20, 60n], [40, 100n]),
      { kind: 'estimated', ms: 80_000, producedAtMs: T0 + 20_000 },
    ],
    [
      'idle then burst: the record was written after the last idle point',
      { committed: 10n, end: 20n },
      pts([0, 10n], [60, 10n], [80, 20n]),
      { kind: 'estimated', ms: 40_000, producedAtMs: T0 + 60_000 },
    ],
    [
      'commit older than the oldest point: a lower bound, the history age',
      { committed: 5n, end: 100n },
      pts([30, 50n], [60, 100n]),
      { kind: 'lower-bound', ms: 70_000, oldestPointMs: T0 + 30_000 },
    ],
    [
      'backlog on an idle topic: lower bound, not extrapolated',
      { committed: 5n, end: 9n },
      pts([10, 9n], [90, 9n]),
      { kind: 'lower-bound', ms: 90_000, oldestPointMs: T0 + 10_000 },
    ],
    [
      'below the log start: measured from where it resumes, the log start',
      { committed: 0n, logStart: 50n, end: 100n },
      pts([0, 0n], [100, 100n]),
      { kind: 'estimated', ms: 50_000, producedAtMs: T0 + 50_000 },
    ],
    [
      'no commit with earliest: from the log start',
      { logStart: 0n, end: 100n },
      pts([0, 0n], [100, 100n]),
      { kind: 'estimated', ms: 100_000, producedAtMs: T0 },
      'earliest',
    ],
    [
      'history missing the current observation: unknown rather than caught up',
      { committed: 10n, end: 50n },
      pts([0, 5n], [10, 10n]),
      { kind: 'unknown', reason: 'too-few-points' },
    ],
  ])('%s', (_name, offsets, points, expected, offsetResetPolicy = 'latest') => {
    expect(partitionTimeLag(computePartitionLag(part(0, offsets), { offsetResetPolicy }), points, NOW)).toEqual(
      expected,
    );
  });

  it('unavailable partition: unknown', () => {
    const lag = computePartitionLag({ topic: TOPIC, partition: 0, committed: noCommit, end: unavailable() });
    expect(partitionTimeLag(lag, pts([0, 1n], [1, 2n]), NOW)).toEqual({ kind: 'unknown', reason: 'unavailable' });
  });

  it('a clock behind the history never gives a negative age', () => {
    const lag = computePartitionLag(part(0, { committed: 25n, end: 100n }));
    expect(partitionTimeLag(lag, pts([0, 0n], [40, 100n]), T0)).toMatchObject({ kind: 'estimated', ms: 0 });
  });

  it('is finite and >= 0 for any history, and never more than the history age', () => {
    const pointsArb = fc
      .array(fc.record({ dtMs: fc.integer({ min: 1, max: 60_000 }), grow: fc.bigInt({ min: 0n, max: 1000n }) }), {
        maxLength: 20,
      })
      .map((steps) => {
        let at = T0;
        let end = 0n;
        return steps.map(({ dtMs, grow }): OffsetPoint => {
          at += dtMs;
          end += grow;
          return { atMs: at, end, committed: undefined };
        });
      });
    fc.assert(
      fc.property(
        pointsArb,
        fc.bigInt({ min: 0n, max: 25_000n }),
        fc.integer({ min: -10_000, max: 10_000_000 }),
        (points, committedAt, nowDelta) => {
          const end = points.at(-1)?.end ?? 0n;
          const lag = computePartitionLag(part(0, { committed: committedAt, end }));
          const now = (points.at(-1)?.atMs ?? T0) + nowDelta;
          const t = partitionTimeLag(lag, points, now);
          if (t.kind === 'unknown') return;
          expect(Number.isFinite(t.ms)).toBe(true);
          expect(t.ms).toBeGreaterThanOrEqual(0);
          expect(t.ms).toBeLessThanOrEqual(Math.max(0, now - (points[0]?.atMs ?? now)));
        },
      ),
    );
  });
});

describe('maxTimeLag (group or topic, like EstimatedMaxTimeLag)', () => {
  const at = (partition: number, timeLag: TimeLag): PartitionTimeLag => ({ topic: TOPIC, partition, timeLag });

  it.each<[string, readonly PartitionTimeLag[], ReturnType<typeof maxTimeLag>]>([
    ['no partitions: unknown', [], { kind: 'unknown', unknownPartitions: 0 }],
    [
      'all unknown: unknown with the count',
      [at(0, { kind: 'unknown', reason: 'too-few-points' })],
      { kind: 'unknown', unknownPartitions: 1 },
    ],
    [
      'the largest wins; exact when every partition is estimated or caught up',
      [
        at(0, { kind: 'caught-up', ms: 0 }),
        at(1, { kind: 'estimated', ms: 500, producedAtMs: 1 }),
        at(2, { kind: 'estimated', ms: 200, producedAtMs: 1 }),
      ],
      { kind: 'known', ms: 500, topic: TOPIC, partition: 1, isLowerBound: false, unknownPartitions: 0 },
    ],
    [
      'a lower-bound partition makes the max a lower bound even when smaller',
      [
        at(0, { kind: 'lower-bound', ms: 100, oldestPointMs: 1 }),
        at(1, { kind: 'estimated', ms: 500, producedAtMs: 1 }),
      ],
      { kind: 'known', ms: 500, topic: TOPIC, partition: 1, isLowerBound: true, unknownPartitions: 0 },
    ],
    [
      'an unknown partition makes the max a lower bound',
      [at(0, { kind: 'unknown', reason: 'unavailable' }), at(1, { kind: 'caught-up', ms: 0 })],
      { kind: 'known', ms: 0, topic: TOPIC, partition: 1, isLowerBound: true, unknownPartitions: 1 },
    ],
  ])('%s', (_name, lags, expected) => {
    expect(maxTimeLag(lags)).toEqual(expected);
  });
});

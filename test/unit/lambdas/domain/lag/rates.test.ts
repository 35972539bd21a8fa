import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendObservation, emptyOffsetHistory, type OffsetHistory, type OffsetPoint } from '#domain/lag/history';
import { consumptionRate, productionRate, topicRates } from '#domain/lag/rates';
import { group, OTHER_TOPIC, part, T0, TOPIC } from '#support/builders/lag';

/** Points every 10 s as (committed, end). */
const pts = (...rows: readonly (readonly [bigint | undefined, bigint])[]): readonly OffsetPoint[] =>
  rows.map(([committed, end], i) => ({ atMs: T0 + i * 10_000, end, committed }));

describe('productionRate and consumptionRate (one partition)', () => {
  it.each<[string, readonly OffsetPoint[], number | undefined, number | undefined]>([
    ['no points', [], undefined, undefined],
    ['one point', pts([0n, 10n]), undefined, undefined],
    ['steady: 100 produced and 50 committed in 20 s', pts([0n, 0n], [20n, 50n], [50n, 100n]), 5, 2.5],
    ['idle topic, caught up: both 0', pts([7n, 7n], [7n, 7n], [7n, 7n]), 0, 0],
    ['no commit yet: production known, consumption unknown', pts([undefined, 0n], [undefined, 30n]), 3, undefined],
    [
      'first commit mid-window: consumption over the committed points only',
      pts([undefined, 0n], [10n, 30n], [40n, 60n]),
      3,
      3,
    ],
    ['a rewind is not negative consumption: forward steps only', pts([100n, 200n], [20n, 200n], [60n, 200n]), 0, 2],
  ])('%s', (_name, points, production, consumption) => {
    expect(productionRate(points)).toBe(production);
    expect(consumptionRate(points)).toBe(consumption);
  });
});

/** billing on patient-checkout 0..1 and patient-admission 0, observed every 10 s. */
function history(rows: readonly (readonly [bigint, bigint, bigint])[]): OffsetHistory {
  return rows.reduce<OffsetHistory>(
    (h, [checkoutEnd, committedEach, admissionEnd], i) =>
      appendObservation(
        h,
        group(
          [
            part(0, { committed: committedEach, end: checkoutEnd }),
            part(1, { committed: committedEach, end: checkoutEnd }),
            part(0, { topic: OTHER_TOPIC, committed: committedEach, end: admissionEnd }),
          ],
          { observedAtMs: T0 + i * 10_000 },
        ),
        { maxPoints: 100, maxAgeMs: 3_600_000 },
      ),
    emptyOffsetHistory,
  );
}

describe('topicRates', () => {
  const h = history([
    [0n, 0n, 0n],
    [100n, 10n, 5n],
    [300n, 30n, 10n],
  ]);
  const refs = [
    { topic: TOPIC, partition: 0 },
    { topic: TOPIC, partition: 1 },
    { topic: OTHER_TOPIC, partition: 0 },
    { topic: OTHER_TOPIC, partition: 7 },
  ];

  it('sums the partitions of each topic and counts the ones without history', () => {
    expect(topicRates(h, refs, { now: T0 + 20_000 })).toEqual([
      {
        topic: TOPIC,
        production: { kind: 'known', perSecond: 30, partitionsCounted: 2, partitionsMissing: 0 },
        consumption: { kind: 'known', perSecond: 3, partitionsCounted: 2, partitionsMissing: 0 },
      },
      {
        topic: OTHER_TOPIC,
        production: { kind: 'known', perSecond: 0.5, partitionsCounted: 1, partitionsMissing: 1 },
        consumption: { kind: 'known', perSecond: 1.5, partitionsCounted: 1, partitionsMissing: 1 },
      },
    ]);
  });

  it('a window keeps only the recent points', () => {
    const [checkout] = topicRates(h, refs.slice(0, 1), { now: T0 + 20_000, windowMs: 10_000 });
    expect(checkout?.production).toMatchObject({ kind: 'known', perSecond: 20 });
  });

  it('unknown with fewer than two points, never NaN', () => {
    const [checkout] = topicRates(history([[0n, 0n, 0n]]), refs.slice(0, 1), { now: T0 });
    expect(checkout).toEqual({
      topic: TOPIC,
      production: { kind: 'unknown', reason: 'too-few-points' },
      consumption: { kind: 'unknown', reason: 'too-few-points' },
    });
  });

  it('rates are finite and >= 0 for any history', () => {
    const row = fc.tuple(
      fc.bigInt({ min: 0n, max: 10_000n }),
      fc.bigInt({ min: 0n, max: 10_000n }),
      fc.bigInt({ min: 0n, max: 10_000n }),
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), (rows) => {
        for (const t of topicRates(history(rows), refs, { now: T0 + 1_000_000 })) {
          for (const r of [t.production, t.consumption]) {
            if (r.kind === 'unknown') continue;
            expect(Number.isFinite(r.perSecond)).toBe(true);
            expect(r.perSecond).toBeGreaterThanOrEqual(0);
          }
        }
      }),
    );
  });
});

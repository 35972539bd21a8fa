import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendObservation,
  emptyOffsetHistory,
  historyFromJson,
  historyToJson,
  pointsOf,
  type HistoryLimits,
  type OffsetHistory,
} from '#domain/lag/history';
import { group, noCommit, part, T0, TOPIC, unavailable } from '#support/builders/lag';

const limits: HistoryLimits = { maxPoints: 5, maxAgeMs: 60_000 };
const ref = { topic: TOPIC, partition: 0 };

/** Appends (atMs offset from T0, committed, end) observations of patient-checkout/0, in order. */
function observe(
  rows: readonly (readonly [number, bigint | undefined, bigint])[],
  l: HistoryLimits = limits,
): OffsetHistory {
  return rows.reduce<OffsetHistory>(
    (h, [dt, c, end]) => appendObservation(h, group([part(0, { committed: c, end })], { observedAtMs: T0 + dt }), l),
    emptyOffsetHistory,
  );
}

describe('appendObservation', () => {
  it('records time, end and committed offsets, oldest first', () => {
    const h = observe([
      [0, undefined, 10n],
      [1000, 4n, 20n],
    ]);
    expect(pointsOf(h, ref)).toEqual([
      { atMs: T0, end: 10n, committed: undefined },
      { atMs: T0 + 1000, end: 20n, committed: 4n },
    ]);
  });

  it.each<[string, readonly (readonly [number, bigint | undefined, bigint])[], readonly number[]]>([
    [
      'keeps at most maxPoints, the newest',
      [0, 1, 2, 3, 4, 5, 6].map((s) => [s * 1000, 0n, BigInt(s)] as const),
      [2000, 3000, 4000, 5000, 6000],
    ],
    [
      'drops points older than maxAgeMs',
      [
        [0, 0n, 1n],
        [30_000, 0n, 2n],
        [70_000, 0n, 3n],
      ],
      [30_000, 70_000],
    ],
    [
      'a stale read (older than the newest point) changes nothing',
      [
        [5000, 0n, 5n],
        [1000, 0n, 9n],
      ],
      [5000],
    ],
    [
      'the same instant twice keeps the newer read',
      [
        [0, 0n, 1n],
        [1000, 0n, 2n],
        [1000, 1n, 3n],
      ],
      [0, 1000],
    ],
    [
      'an end that goes backwards (topic recreated) starts over',
      [
        [0, 0n, 100n],
        [1000, 0n, 200n],
        [2000, 0n, 3n],
      ],
      [2000],
    ],
  ])('%s', (_name, rows, expectedTimes) => {
    expect(pointsOf(observe(rows), ref).map((p) => p.atMs - T0)).toEqual(expectedTimes);
  });

  it('keeps the history of an unavailable partition until it ages out, and drops it then', () => {
    const h1 = observe([[0, 1n, 5n]]);
    const down = (dt: number) =>
      group([{ topic: TOPIC, partition: 0, committed: noCommit, end: unavailable() }], { observedAtMs: T0 + dt });
    expect(pointsOf(appendObservation(h1, down(30_000), limits), ref)).toHaveLength(1);
    expect(appendObservation(h1, down(61_000), limits).partitions).toEqual([]);
  });

  it.each<[string, HistoryLimits, number]>([
    [
      'NaN limits keep only the newest point, never an unbounded history',
      { maxPoints: Number.NaN, maxAgeMs: Number.NaN },
      1,
    ],
    ['maxPoints 0 still keeps the newest point', { maxPoints: 0, maxAgeMs: 60_000 }, 1],
    ['no count bound (Infinity) is still bounded by age', { maxPoints: Number.POSITIVE_INFINITY, maxAgeMs: 25_000 }, 3],
  ])('%s', (_name, l, expected) => {
    const rows = [0, 10, 20, 30, 40].map((s) => [s * 1000, 0n, BigInt(s)] as const);
    expect(pointsOf(observe(rows, l), ref)).toHaveLength(expected);
  });

  it('keeps each partition separate', () => {
    const h = appendObservation(
      emptyOffsetHistory,
      group([part(0, { committed: 1n, end: 2n }), part(1, { committed: 3n, end: 4n })]),
      limits,
    );
    expect(h.partitions.map((p) => [p.partition, p.points[0]?.end])).toEqual([
      [0, 2n],
      [1, 4n],
    ]);
  });

  it('stays within its bounds, ordered, whatever arrives', () => {
    const tick = fc.record({
      dt: fc.integer({ min: -5000, max: 40_000 }),
      end: fc.bigInt({ min: 0n, max: 1000n }),
      committed: fc.option(fc.bigInt({ min: 0n, max: 1000n }), { nil: undefined }),
      partition: fc.nat({ max: 3 }),
    });
    const limitsArb = fc.record({
      maxPoints: fc.integer({ min: 1, max: 10 }),
      maxAgeMs: fc.integer({ min: 0, max: 120_000 }),
    });
    fc.assert(
      fc.property(fc.array(tick, { maxLength: 60 }), limitsArb, (ticks, l) => {
        let now = T0;
        let h = emptyOffsetHistory;
        for (const t of ticks) {
          now += t.dt;
          h = appendObservation(
            h,
            group([part(t.partition, { committed: t.committed, end: t.end })], { observedAtMs: now }),
            l,
          );
          for (const p of h.partitions) {
            expect(p.points.length).toBeGreaterThan(0);
            expect(p.points.length).toBeLessThanOrEqual(l.maxPoints);
            const newest = p.points.at(-1)?.atMs ?? 0;
            for (const [i, pt] of p.points.entries()) {
              expect(newest - pt.atMs).toBeLessThanOrEqual(l.maxAgeMs);
              const prev = p.points[i - 1];
              if (prev !== undefined) {
                expect(pt.atMs).toBeGreaterThan(prev.atMs);
                expect(pt.end >= prev.end).toBe(true);
              }
            }
          }
          expect(historyFromJson(JSON.parse(JSON.stringify(historyToJson(h))))).toEqual({ kind: 'valid', history: h });
        }
      }),
    );
  });
});

describe('historyToJson / historyFromJson', () => {
  const history = observe([
    [0, undefined, 10n],
    [1000, 4n, 2n ** 63n - 1n],
  ]);

  it('round-trips through JSON text, bigint offsets beyond 2^53 intact', () => {
    const text = JSON.stringify(historyToJson(history));
    expect(text).toContain('"9223372036854775807"');
    expect(historyFromJson(JSON.parse(text))).toEqual({ kind: 'valid', history });
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'nope', '$'],
    ['wrong version', { version: 2, partitions: [] }, 'version'],
    ['partitions missing', { version: 1 }, 'partitions'],
    ['empty topic', { version: 1, partitions: [{ topic: '', partition: 0, points: [] }] }, 'partitions[0].topic'],
    [
      'negative partition',
      { version: 1, partitions: [{ topic: TOPIC, partition: -1, points: [] }] },
      'partitions[0].partition',
    ],
    [
      'duplicate partition',
      {
        version: 1,
        partitions: [
          { topic: TOPIC, partition: 0, points: [] },
          { topic: TOPIC, partition: 0, points: [] },
        ],
      },
      'partitions[1]',
    ],
    [
      'point not a tuple',
      { version: 1, partitions: [{ topic: TOPIC, partition: 0, points: [{}] }] },
      'partitions[0].points[0]',
    ],
    [
      'time not a number',
      { version: 1, partitions: [{ topic: TOPIC, partition: 0, points: [['1', '1', null]] }] },
      'partitions[0].points[0][0]',
    ],
    [
      'end as a JSON number (precision lost)',
      { version: 1, partitions: [{ topic: TOPIC, partition: 0, points: [[1, 5, null]] }] },
      'partitions[0].points[0][1]',
    ],
    [
      'negative committed',
      { version: 1, partitions: [{ topic: TOPIC, partition: 0, points: [[1, '5', '-1']] }] },
      'partitions[0].points[0][2]',
    ],
    [
      'time going backwards',
      {
        version: 1,
        partitions: [
          {
            topic: TOPIC,
            partition: 0,
            points: [
              [2, '5', null],
              [1, '6', null],
            ],
          },
        ],
      },
      'partitions[0].points[1][0]',
    ],
    [
      'end going backwards',
      {
        version: 1,
        partitions: [
          {
            topic: TOPIC,
            partition: 0,
            points: [
              [1, '5', null],
              [2, '4', null],
            ],
          },
        ],
      },
      'partitions[0].points[1][1]',
    ],
  ])('rejects %s, naming the field', (_name, json, field) => {
    const result = historyFromJson(json);
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') {
      expect(result.field).toBe(field);
      expect(result.problem.length).toBeGreaterThan(0);
    }
  });
});

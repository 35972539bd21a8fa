import { describe, expect, it } from 'vitest';
import { measureGroups, type TargetMeasurement } from '#domain/lag/targets';
import { emptyOffsetHistory, type GroupSnapshot, type OffsetHistory } from '#domain/lag/index';

const snapshot = (atMs: number, end: bigint): GroupSnapshot => ({
  group: 'billing',
  observedAtMs: atMs,
  state: 'Stable',
  protocol: 'classic',
  isolation: 'read_uncommitted',
  members: [],
  partitions: [
    {
      topic: 'patient-checkout',
      partition: 0,
      committed: { kind: 'committed', offset: 0n },
      end: { kind: 'available', logStart: 0n, end },
    },
  ],
});

/** Three ticks: 1 record/s for a minute, then a burst of 20 records/s. */
function production(rateWindowMs: number | undefined): number | undefined {
  let history: OffsetHistory = emptyOffsetHistory;
  let last: TargetMeasurement | undefined;
  for (const [atMs, end] of [
    [0, 0n],
    [60_000, 60n],
    [120_000, 1_260n],
  ] as const) {
    [last] = measureGroups([{ kind: 'ok', snapshot: snapshot(atMs, end) }], {
      now: atMs,
      history: () => history,
      rateWindowMs: () => rateWindowMs,
    });
    if (last?.kind === 'measured') history = last.lag.nextHistory;
  }
  const rate = last?.kind === 'measured' ? last.lag.rates[0]?.production : undefined;
  return rate?.kind === 'known' ? rate.perSecond : undefined;
}

describe('measureGroups', () => {
  it('measures rates over the policy window, so they follow a burst instead of averaging it away', () => {
    expect(production(60_000)).toBeCloseTo(20);
    expect(production(undefined)).toBeCloseTo(10.5);
  });
});

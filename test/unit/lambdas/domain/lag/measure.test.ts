import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyOffsetHistory,
  historyFromJson,
  historyToJson,
  measureGroup,
  type GroupMeasurement,
  type GroupSnapshot,
  type MeasureOptions,
  type OffsetHistory,
} from '#domain/lag/index';
import { group, member, noCommit, part, T0, TOPIC, unavailable } from '#support/builders/lag';

const options: MeasureOptions = {
  offsetResetPolicy: 'earliest',
  historyLimits: { maxPoints: 10, maxAgeMs: 600_000 },
  health: { windowPoints: 5, minWindowPoints: 3 },
};

/**
 * pharmacy on patient-checkout, 30 s ticks: p0 is held by pharmacy-a and stuck at offset 100 while
 * records arrive (a poison message); p1 keeps up with a small lag; p2 has no leader.
 */
function tick(i: number): GroupSnapshot {
  return group(
    [
      part(0, { committed: 100n, end: 200n + BigInt(i) * 60n }),
      part(1, { committed: 1000n + BigInt(i) * 60n, end: 1010n + BigInt(i) * 60n }),
      { topic: TOPIC, partition: 2, committed: noCommit, end: unavailable('no-leader') },
    ],
    {
      group: 'pharmacy',
      observedAtMs: T0 + i * 30_000,
      members: [member('pharmacy-a', { [TOPIC]: [0] }), member('pharmacy-b', { [TOPIC]: [1, 2] })],
    },
  );
}

function run(ticks: number): GroupMeasurement {
  let history: OffsetHistory = emptyOffsetHistory;
  let last: GroupMeasurement | undefined;
  for (let i = 0; i < ticks; i++) {
    last = measureGroup({ previous: history, snapshot: tick(i), options, now: T0 + i * 30_000 });
    history = last.nextHistory;
  }
  if (last === undefined) throw new Error('no tick');
  return last;
}

describe('measureGroup', () => {
  it('first tick: lags and summaries known, time lag and rates unknown, health not judged yet', () => {
    const m = run(1);
    expect(m.partitions.map((p) => p.kind)).toEqual(['measured', 'measured', 'unavailable']);
    expect(m.summary).toMatchObject({ group: 'pharmacy', totalLag: 110n, lagIsLowerBound: true });
    expect(m.timeLag.group).toEqual({ kind: 'unknown', unknownPartitions: 3 });
    expect(m.rates[0]?.production).toEqual({ kind: 'unknown', reason: 'too-few-points' });
    expect(m.health.status).toBe('OK');
    expect(m.nextHistory.partitions).toHaveLength(2);
  });

  it('after five ticks: the stuck partition is STALL, excluded from scaling, and dominates time lag', () => {
    const m = run(5);
    // p0: end 200 + 4*60 = 440, lag 340; p1: lag 10.
    expect(m.summary.totalLag).toBe(350n);
    expect(m.health).toMatchObject({ status: 'ERR', stalledPartitions: [{ topic: TOPIC, partition: 0 }] });
    expect(m.health.partitions.map((p) => p.status)).toEqual(['STALL', 'OK', 'UNKNOWN']);
    expect(m.scaling).toEqual([
      {
        topic: TOPIC,
        scalableLag: 10n,
        excludedLag: 340n,
        excludedPartitions: 1,
        maxScalablePartitionLag: 10n,
        scalableTimeLag: expect.objectContaining({ kind: 'known', partition: 1, isLowerBound: true }) as unknown,
      },
    ]);
    // p0's offset 100 is older than the oldest point (end 200 at T0): a lower bound of 120 s.
    expect(m.timeLag.group).toMatchObject({
      kind: 'known',
      ms: 120_000,
      partition: 0,
      isLowerBound: true,
      unknownPartitions: 1,
    });
    // p1 is 10 records behind at 2 records/s: written 5 s ago.
    expect(m.timeLag.partitions[1]?.timeLag).toEqual({ kind: 'estimated', ms: 5000, producedAtMs: T0 + 115_000 });
    expect(m.rates).toEqual([
      {
        topic: TOPIC,
        production: { kind: 'known', perSecond: 4, partitionsCounted: 2, partitionsMissing: 1 },
        consumption: { kind: 'known', perSecond: 2, partitionsCounted: 2, partitionsMissing: 1 },
      },
    ]);
  });

  it('a partition that froze after being caught up is STALL once the freeze spans 3 points while another commits', () => {
    // p0 (pharmacy-a) is caught up at the first tick, then its commit stays at 100 while records
    // arrive; p1 (pharmacy-b) commits every tick. Lag-was-zero would have kept p0 OK for a whole window.
    const snapshot = (i: number): GroupSnapshot =>
      group(
        [
          part(0, { committed: 100n, end: 100n + BigInt(i) * 50n }),
          part(1, { committed: 1000n + BigInt(i) * 60n, end: 1010n + BigInt(i) * 60n }),
        ],
        {
          group: 'pharmacy',
          observedAtMs: T0 + i * 30_000,
          members: [member('pharmacy-a', { [TOPIC]: [0] }), member('pharmacy-b', { [TOPIC]: [1] })],
        },
      );
    let history: OffsetHistory = emptyOffsetHistory;
    const statuses: string[] = [];
    let last: GroupMeasurement | undefined;
    for (let i = 0; i < 4; i++) {
      last = measureGroup({ previous: history, snapshot: snapshot(i), options, now: T0 + i * 30_000 });
      history = last.nextHistory;
      statuses.push(last.health.partitions[0]?.status ?? 'none');
    }
    expect(statuses).toEqual(['OK', 'OK', 'OK', 'STALL']);
    expect(last?.scaling[0]).toMatchObject({ scalableLag: 10n, excludedLag: 150n, excludedPartitions: 1 });
    // pharmacy-a holds only the STALLED partition: it has no rate to count as capacity.
    expect(last?.throughput[0]?.members.map((m) => m.memberId)).toEqual(['pharmacy-b']);
  });

  it('the next history survives a JSON round trip and gives the same next measurement', () => {
    const m4 = run(4);
    const restored = historyFromJson(JSON.parse(JSON.stringify(historyToJson(m4.nextHistory))) as unknown);
    expect(restored.kind).toBe('valid');
    if (restored.kind !== 'valid') return;
    const direct = measureGroup({ previous: m4.nextHistory, snapshot: tick(4), options, now: T0 + 120_000 });
    const viaJson = measureGroup({ previous: restored.history, snapshot: tick(4), options, now: T0 + 120_000 });
    expect(viaJson).toEqual(direct);
    expect(direct).toEqual(run(5));
  });

  it('keeps the history bounded and the time lag finite over any run of ticks', () => {
    const step = fc.record({
      dtMs: fc.integer({ min: 1, max: 120_000 }),
      produced: fc.bigInt({ min: 0n, max: 500n }),
      consumed: fc.bigInt({ min: 0n, max: 500n }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        let history: OffsetHistory = emptyOffsetHistory;
        let at = T0;
        let end = 0n;
        let committedAt = 0n;
        for (const s of steps) {
          at += s.dtMs;
          end += s.produced;
          committedAt = committedAt + s.consumed > end ? end : committedAt + s.consumed;
          const snapshot = group([part(0, { committed: committedAt, end })], {
            group: 'housekeeping',
            observedAtMs: at,
            members: [member('housekeeping-a', { [TOPIC]: [0] })],
          });
          const m = measureGroup({ previous: history, snapshot, options, now: at });
          history = m.nextHistory;
          for (const p of history.partitions)
            expect(p.points.length).toBeLessThanOrEqual(options.historyLimits.maxPoints);
          const t = m.timeLag.group;
          if (t.kind === 'known') {
            expect(Number.isFinite(t.ms)).toBe(true);
            expect(t.ms).toBeGreaterThanOrEqual(0);
            expect(t.ms).toBeLessThanOrEqual(options.historyLimits.maxAgeMs);
          }
          if (committedAt === end) expect(t).toMatchObject({ kind: 'known', ms: 0 });
        }
      }),
    );
  });
});

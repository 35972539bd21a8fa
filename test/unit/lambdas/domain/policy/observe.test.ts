import { describe, expect, it } from 'vitest';
import type { GroupSnapshot } from '#domain/lag/snapshot';
import type { TargetMeasurement } from '#domain/lag/targets';
import type { ServiceObservation, TopicObservation } from '#domain/policy/index';
import { observe, STALE_READ_MS } from '#domain/policy/observe';
import { measureSnapshots, member, part, T0, ticks, TOPIC, unavailable } from '#support/builders/lag';

const service: ServiceObservation = { desired: 2, running: 2, pending: 0, deploymentSteady: true };
/** Seven snapshots 10 s apart: the last one is at T0 + 60 s, a whole 60 s rate window of history. */
const NOW = T0 + 60_000;
const RATE_WINDOW_MS = 60_000;
const topicOf = (snapshots: readonly GroupSnapshot[]): TopicObservation | undefined =>
  observe(measureSnapshots(snapshots, { rateWindowMs: RATE_WINDOW_MS }), service, NOW).topics[0];

describe('observe: what the policy reads of a topic, from the lag engine', () => {
  /**
   * patient-checkout, 4 partitions, 10 s ticks. pharmacy-a holds 0 and 1 and is saturated: p0 gets
   * 30 msg/s and is consumed at 20, p1 10 msg/s with 400 waiting. pharmacy-b holds 2 (caught up) and
   * 3 (never committed, read from latest). Production 60 msg/s in all.
   */
  const snapshots = ticks(7, (i) => {
    const n = BigInt(i);
    return {
      partitions: [
        part(0, { committed: 100n + 200n * n, end: 1000n + 300n * n }),
        part(1, { committed: 100n + 100n * n, end: 500n + 100n * n }),
        part(2, { committed: 200n + 100n * n, end: 200n + 100n * n }),
        part(3, { end: 300n + 100n * n }),
      ],
      members: [member('pharmacy-a', { [TOPIC]: [0, 1] }), member('pharmacy-b', { [TOPIC]: [2, 3] })],
    };
  });

  it('reads lag, rates, capacity evidence, the hottest partition and production per interval', () => {
    expect(topicOf(snapshots)).toEqual({
      topic: TOPIC,
      partitions: 4,
      // p0: 2800 - 1300 = 1500; p1: 400; p2 caught up; p3 never committed under latest: 0.
      scalableLag: 1900,
      excludedLag: 0,
      maxPartitionLag: 1500,
      productionRate: 60,
      maxPartitionProductionRate: 30,
      // p3 has no commit, so no consumption: 20 + 10 + 10.
      consumptionRate: 40,
      consumptionRatePerTask: 20,
      // Only pharmacy-a had work queued at every point: its 30 msg/s is the sample.
      saturatedRatePerTask: 30,
      fastestMemberRate: 30,
      // p0's next record (offset 1300) was written at T0 + 10 s: 50 s ago.
      timeLagSeconds: 50,
      hottestPartition: { partition: 0, productionRate: 30, lag: 1500, timeLagSeconds: 50 },
      // Without p0, p1's offset 700 was written at T0 + 20 s: 40 s ago.
      timeLagSecondsWithoutHottest: 40,
      recentProduction: Array.from({ length: 6 }, () => ({ seconds: 10, perSecond: 60 })),
      partitionsWithoutCommit: 1,
    });
  });

  it('rates follow the rate window; production per interval keeps the whole history', () => {
    const observed = observe(measureSnapshots(snapshots, { rateWindowMs: 20_000 }), service, NOW).topics[0];
    expect(observed).toMatchObject({ productionRate: 60, consumptionRate: 40, saturatedRatePerTask: 30 });
    expect(observed?.recentProduction).toHaveLength(6);
  });

  it('several members saturated: the median of their rates is the sample, the fastest apart', () => {
    const three = ticks(4, (i) => {
      const n = BigInt(i);
      return {
        partitions: [
          part(0, { committed: 100n * n, end: 100n * n + 5000n }),
          part(1, { committed: 200n * n, end: 200n * n + 5000n }),
          part(2, { committed: 600n * n, end: 600n * n + 50_000n }),
        ],
        members: [
          member('pharmacy-a', { [TOPIC]: [0] }),
          member('pharmacy-b', { [TOPIC]: [1] }),
          member('pharmacy-c', { [TOPIC]: [2] }),
        ],
      };
    });
    const observed = observe(measureSnapshots(three), { ...service, desired: 3, running: 3 }, T0 + 30_000).topics[0];
    expect(observed).toMatchObject({ saturatedRatePerTask: 20, fastestMemberRate: 60 });
  });
});

describe('observe: STALLED partitions are out of what scaling reads', () => {
  /**
   * p0 (pharmacy-a) is stuck at offset 100 while 50 msg/s arrive: STALL once it has been frozen for
   * 3 points while p1 and p2 commit. p1 (pharmacy-b) and p2 (pharmacy-a) get 10 msg/s each, 400 waiting.
   */
  const snapshots = ticks(7, (i) => {
    const n = BigInt(i);
    return {
      partitions: [
        part(0, { committed: 100n, end: 1000n + 500n * n }),
        part(1, { committed: 100n + 100n * n, end: 500n + 100n * n }),
        part(2, { committed: 100n + 100n * n, end: 500n + 100n * n }),
      ],
      members: [member('pharmacy-a', { [TOPIC]: [0, 2] }), member('pharmacy-b', { [TOPIC]: [1] })],
    };
  });

  it('its lag is excluded, and its rates and queue are out of the sums and the capacity evidence', () => {
    expect(topicOf(snapshots)).toMatchObject({
      scalableLag: 800,
      excludedLag: 3900,
      maxPartitionLag: 400,
      productionRate: 20,
      consumptionRate: 20,
      // pharmacy-a is judged on p2 alone: 10 msg/s with 400 waiting, not a stuck member's 10 msg/s on 4300.
      saturatedRatePerTask: 10,
      fastestMemberRate: 10,
      timeLagSeconds: 40,
    });
  });

  it('the hottest partition is the hottest scalable one, not the STALLED one', () => {
    // input.ts: "The scalable partition producing the most over the window".
    expect(topicOf(snapshots)).toMatchObject({
      hottestPartition: { partition: 1, productionRate: 10, lag: 400, timeLagSeconds: 40 },
      maxPartitionProductionRate: 10,
    });
  });

  it('production per interval counts the same partitions as the production rate it is compared with', () => {
    // The forecast compares productionRate (20 msg/s, STALLED left out) with the median of these.
    expect(topicOf(snapshots)?.recentProduction).toEqual(
      Array.from({ length: 6 }, () => ({ seconds: 10, perSecond: 20 })),
    );
  });
});

describe('observe: the group and how fresh the data is', () => {
  const one = ticks(1, () => ({
    partitions: [part(0, { committed: 0n, end: 10n })],
    members: [member('pharmacy-a', { [TOPIC]: [0] })],
  }));
  const measured = measureSnapshots(one);
  it.each<{ name: string; measurement: TargetMeasurement | undefined; now?: number; freshness: string }>([
    { name: 'no read at all: missing', measurement: undefined, freshness: 'missing' },
    { name: 'group not found: missing', measurement: { kind: 'not-found', group: 'billing' }, freshness: 'missing' },
    {
      name: 'the read failed: missing',
      measurement: { kind: 'error', group: 'billing', message: 'timeout', retriable: true },
      freshness: 'missing',
    },
    { name: 'read now: complete', measurement: measured, now: T0, freshness: 'complete' },
    {
      name: `read ${STALE_READ_MS / 1000} s ago: still complete`,
      measurement: measured,
      now: T0 + STALE_READ_MS,
      freshness: 'complete',
    },
    { name: 'read longer ago: stale', measurement: measured, now: T0 + STALE_READ_MS + 1, freshness: 'stale' },
    { name: 'no clock given: never stale', measurement: measured, freshness: 'complete' },
    {
      name: 'a partition without a leader: partial (the lag is a lower bound)',
      measurement: measureSnapshots(
        ticks(1, () => ({
          partitions: [
            part(0, { committed: 0n, end: 10n }),
            { topic: TOPIC, partition: 1, committed: { kind: 'none' }, end: unavailable() },
          ],
        })),
      ),
      now: T0,
      freshness: 'partial',
    },
  ])('$name', ({ measurement, now, freshness }) => {
    expect(observe(measurement, service, now).group.freshness).toBe(freshness);
  });

  it('without data there is nothing to size on: no topics, group Unknown', () => {
    expect(observe(undefined, service, T0)).toEqual({
      topics: [],
      group: { state: 'Unknown', members: 0, freshness: 'missing' },
      service,
    });
  });

  it('the group: state, members, protocol and whether a consumer-protocol group has reconciled', () => {
    const moving = ticks(1, () => ({
      partitions: [part(0, { committed: 0n, end: 10n })],
      protocol: 'consumer',
      epochs: { group: 5, assignment: 5 },
      members: [{ ...member('pharmacy-a', { [TOPIC]: [0] }), memberEpoch: 4 }],
    }));
    expect(observe(measureSnapshots(moving), service, T0).group).toEqual({
      state: 'Stable',
      members: 1,
      freshness: 'complete',
      protocol: 'consumer',
      reconciled: false,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { parseScalerConfig, ScalerConfigError, targetId } from '#domain/config/scaler-config';
import { configForShard, needsFanOut, planShards, shardOfEvent, shardRefs } from '#domain/config/shards';

const service = { cluster: 'hospital', service: 'svc' };
const configOf = (clusters: readonly string[], maxTargetsPerInvocation: number) =>
  parseScalerConfig({
    kafkaClusters: Object.fromEntries([...new Set(clusters)].map((c) => [c, { brokers: [`${c}:9092`] }])),
    targets: clusters.map((kafkaCluster, i) => ({ group: `g${i}`, kafkaCluster, service })),
    maxTargetsPerInvocation,
  });

describe('planShards', () => {
  it('groups targets by cluster (in the order clusters appear) and keeps configuration order inside', () => {
    const shards = planShards(configOf(['b', 'a', 'b', 'a', 'b'], 10));
    expect(shards.map((s) => [s.index, s.cluster, s.targets.map(targetId)])).toEqual([
      [0, 'b', ['g0', 'g2', 'g4']],
      [1, 'a', ['g1', 'g3']],
    ]);
  });

  it.each([
    { targets: 10, max: 10, sizes: [10] },
    { targets: 11, max: 10, sizes: [6, 5] },
    { targets: 2500, max: 1000, sizes: [834, 834, 832] },
    { targets: 5, max: 1, sizes: [1, 1, 1, 1, 1] },
  ])(
    'cuts $targets targets of one cluster into as few even shards of at most $max as possible',
    ({ targets, max, sizes }) => {
      const shards = planShards(
        configOf(
          Array.from({ length: targets }, () => 'east'),
          max,
        ),
      );
      expect(shards.map((s) => s.targets.length)).toEqual(sizes);
      expect(shards.flatMap((s) => s.targets.map(targetId))).toEqual(
        Array.from({ length: targets }, (_, i) => `g${i}`),
      );
    },
  );

  it('fans out only above maxTargetsPerInvocation', () => {
    expect(needsFanOut(configOf(['a', 'b'], 2))).toBe(false);
    expect(needsFanOut(configOf(['a', 'b', 'b'], 2))).toBe(true);
  });
});

describe('shard events', () => {
  const config = configOf(['a', 'a', 'b'], 1);

  it('reads a shard reference, and nothing from a scheduled event', () => {
    expect(shardOfEvent({ shard: { index: 2, count: 3, cluster: 'b' } })).toEqual({ index: 2, count: 3, cluster: 'b' });
    expect(shardOfEvent({ source: 'aws.events', 'detail-type': 'Scheduled Event' })).toBeUndefined();
    expect(shardOfEvent(undefined)).toBeUndefined();
  });

  it('rejects a malformed shard reference instead of running every target', () => {
    expect(() => shardOfEvent({ shard: { index: -1, count: 3, cluster: 'b' } })).toThrow(ScalerConfigError);
    expect(() => shardOfEvent({ shard: 2 })).toThrow(/shard/);
  });

  it('narrows the configuration to the shard the state machine names', () => {
    const refs = shardRefs(planShards(config));
    expect(refs).toEqual([
      { index: 0, count: 3, cluster: 'a' },
      { index: 1, count: 3, cluster: 'a' },
      { index: 2, count: 3, cluster: 'b' },
    ]);
    expect(configForShard(config, { index: 1, count: 3, cluster: 'a' }).targets.map(targetId)).toEqual(['g1']);
  });

  it.each([
    [
      { index: 3, count: 4, cluster: 'b' },
      /shard 3 of 4 \(cluster 'b'\) does not match this configuration's 3 shard\(s\) \(no such shard\)/,
    ],
    [{ index: 0, count: 3, cluster: 'b' }, /shard 0 is of cluster 'a'.*deploy again/],
  ])('refuses a shard of another plan (%#)', (ref, message) => {
    expect(() => configForShard(config, ref)).toThrow(message);
  });
});

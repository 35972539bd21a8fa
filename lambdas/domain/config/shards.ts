/**
 * Fan-out: when one invocation is not enough (more targets than `maxTargetsPerInvocation`), the
 * targets are split into shards that run in parallel, each in its own invocation of the same tick
 * function. The construct computes the plan at synth (the state machine's Map items) and the
 * function computes it again from the same configuration at cold start, so a shard event carries
 * only its index and the plan's size, never target lists. Pure.
 */
import * as z from 'zod';
import { clusterOf, ScalerConfigError, type ScalerConfig, type TargetConfig } from './scaler-config';
import { schemaProblems } from './schema-issues';

/** One shard: targets of one Kafka cluster (so it needs one reader), at most maxTargetsPerInvocation of them. */
export interface Shard {
  /** 0-based position in the plan. */
  readonly index: number;
  /** The Kafka cluster every target of the shard is read from. */
  readonly cluster: string;
  readonly targets: readonly TargetConfig[];
}

/** What the state machine hands one invocation: which shard of a plan of how many. */
export interface ShardRef {
  readonly index: number;
  readonly count: number;
  readonly cluster: string;
}

/** True when the targets do not fit one invocation and must be run as shards. */
export function needsFanOut(config: Pick<ScalerConfig, 'targets' | 'maxTargetsPerInvocation'>): boolean {
  return config.targets.length > config.maxTargetsPerInvocation;
}

/**
 * The shards of a configuration: targets grouped by Kafka cluster (in the order clusters first
 * appear), each cluster's targets cut into as few shards as the limit allows, of even sizes (so no
 * shard is much slower than the others), targets in configuration order.
 */
export function planShards(config: Pick<ScalerConfig, 'targets' | 'maxTargetsPerInvocation'>): Shard[] {
  const byCluster = new Map<string, TargetConfig[]>();
  for (const target of config.targets) {
    const cluster = clusterOf(target);
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), target]);
  }
  const shards: Shard[] = [];
  for (const [cluster, targets] of byCluster) {
    const count = Math.ceil(targets.length / config.maxTargetsPerInvocation);
    const size = Math.ceil(targets.length / count);
    for (let start = 0; start < targets.length; start += size) {
      shards.push({ index: shards.length, cluster, targets: targets.slice(start, start + size) });
    }
  }
  return shards;
}

/** The shard references the state machine iterates over (its Map items). */
export function shardRefs(shards: readonly Shard[]): ShardRef[] {
  return shards.map((shard) => ({ index: shard.index, count: shards.length, cluster: shard.cluster }));
}

const ShardEventSchema = z.object({
  shard: z.strictObject({
    index: z.number().int().nonnegative(),
    count: z.number().int().min(1),
    cluster: z.string().min(1),
  }),
});

/**
 * The shard an invocation is asked to run, or undefined for a scheduled event (every target). An
 * event that names a shard but is malformed is an error, never "every target".
 */
export function shardOfEvent(event: unknown): ShardRef | undefined {
  if (typeof event !== 'object' || event === null || !('shard' in event)) return undefined;
  const parsed = ShardEventSchema.safeParse(event);
  if (!parsed.success) throw new ScalerConfigError(schemaProblems(parsed.error));
  return parsed.data.shard;
}

/**
 * The configuration narrowed to one shard's targets. The reference must match this configuration's
 * plan (same size, same cluster at that index): a state machine and a function deployed from
 * different configurations (a deployment in progress) must not run the wrong targets.
 */
export function configForShard(config: ScalerConfig, ref: ShardRef): ScalerConfig {
  const shards = planShards(config);
  const shard = shards[ref.index];
  if (shards.length !== ref.count || shard === undefined || shard.cluster !== ref.cluster) {
    const planned = shard === undefined ? 'no such shard' : `shard ${ref.index} is of cluster '${shard.cluster}'`;
    throw new ScalerConfigError([
      {
        path: ['shard'],
        message: `shard ${ref.index} of ${ref.count} (cluster '${ref.cluster}') does not match this configuration's ${shards.length} shard(s) (${planned}); the state machine and the function come from different deployments: deploy again`,
      },
    ]);
  }
  return { ...config, targets: [...shard.targets] };
}

/**
 * One shard of a fanned-out tick: the state machine's Map state invokes the tick function once per
 * shard with `{ shard: { index, count, cluster } }`; the invocation runs the usual polls on that
 * shard's targets only and answers with a summary small enough for a Step Functions state (256 KB
 * per state: a full report of a thousand targets would not fit).
 */
import type { ScalerConfig } from '#domain/config/scaler-config';
import { configForShard, type ShardRef } from '#domain/config/shards';
import { runPolls } from './polls';
import type { TickDependencies, TickReport } from './tick';

/** What a shard's invocation returns. */
export interface ShardSummary {
  readonly shard: ShardRef;
  readonly ticks: number;
  readonly targets: number;
  /** Over every tick of the invocation: targets scaled, targets that failed, ticks whose Kafka read failed. */
  readonly acted: number;
  readonly errors: number;
  readonly kafkaErrors: number;
  readonly durationMs: number;
}

export async function runShard(
  config: ScalerConfig,
  shard: ShardRef,
  deps: TickDependencies,
  options: { remainingMs: () => number; sleep?: (ms: number) => Promise<void> },
): Promise<ShardSummary> {
  const shardConfig = configForShard(config, shard);
  const reports = await runPolls(shardConfig, deps, options);
  return summarize(shard, shardConfig.targets.length, reports);
}

export function summarize(shard: ShardRef, targets: number, reports: readonly TickReport[]): ShardSummary {
  const outcomes = reports.flatMap((r) => r.targets);
  return {
    shard,
    ticks: reports.length,
    targets,
    acted: outcomes.filter((o) => o.kind === 'acted').length,
    errors: outcomes.filter((o) => o.kind === 'error' || o.kind === 'failed').length,
    kafkaErrors: reports.filter((r) => r.kafkaError !== undefined).length,
    durationMs: reports.reduce((sum, r) => sum + r.durationMs, 0),
  };
}

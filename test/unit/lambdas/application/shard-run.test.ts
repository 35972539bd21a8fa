import { describe, expect, it } from 'vitest';
import { summarize } from '#application/shard-run';
import type { TickReport } from '#application/tick';
import type { ScalingDecision } from '#domain/policy/index';

const decision = { kind: 'hold' } as unknown as ScalingDecision;
const report = (kinds: readonly ('acted' | 'held' | 'error')[], kafkaError?: string): TickReport => ({
  startedAtMs: 0,
  durationMs: 100,
  kafkaError,
  targets: kinds.map((kind, i) =>
    kind === 'error' ? { target: `t${i}`, kind, message: 'boom' } : { target: `t${i}`, kind, decision },
  ),
});

describe('a shard run summary (small enough for a Step Functions state)', () => {
  it('counts ticks, actions, failed targets and failed Kafka reads over the invocation', () => {
    const shard = { index: 1, count: 3, cluster: 'east' };
    expect(summarize(shard, 3, [report(['acted', 'held', 'error']), report(['held', 'held', 'held'], 'down')])).toEqual(
      { shard, ticks: 2, targets: 3, acted: 1, errors: 1, kafkaErrors: 1, durationMs: 200 },
    );
  });
});

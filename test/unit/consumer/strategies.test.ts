import { describe, expect, it } from 'vitest';
import type { CommitStrategyName } from '../../../consumer/config';
import {
  RebalanceSignal,
  type FetchedBatch,
  type InputRecord,
  type OutputRecord,
  type PartitionOffset,
  type TransactionalProducer,
} from '../../../consumer/ports';
import { createStrategy, type StrategyContext } from '../../../consumer/strategies';

/** An in-memory batch of partition 0 that writes what happens to `events`. */
function fakeBatch(
  events: string[],
  count: number,
  options: { rebalanceAfterHeartbeats?: number; stopAfterProcessed?: () => boolean } = {},
): FetchedBatch {
  let heartbeats = 0;
  const records: InputRecord[] = Array.from({ length: count }, (_, i) => ({
    topic: 't',
    partition: 0,
    offset: BigInt(i),
    key: `id-${i}`,
    value: 'v',
  }));
  return {
    topic: 't',
    partition: 0,
    records,
    markProcessed: (offset) => events.push(`mark ${offset}`),
    commit: async (offsets: readonly PartitionOffset[]) => {
      events.push(`commit ${offsets.map((o) => o.offset).join(',')}`);
    },
    commitIfDue: async () => {
      events.push('commit-if-due');
    },
    heartbeat: async () => {
      heartbeats += 1;
      if (heartbeats === options.rebalanceAfterHeartbeats) {
        throw new RebalanceSignal({ cause: new Error('REBALANCE_IN_PROGRESS') });
      }
    },
    shouldStop: () => options.stopAfterProcessed?.() ?? false,
  };
}

function context(events: string[], batchSize: number, fail?: (record: InputRecord) => boolean): StrategyContext {
  return {
    group: 'billing',
    batchSize,
    process: async (record) => {
      if (fail?.(record)) throw new Error(`cannot bill ${record.key}`);
      events.push(`process ${record.offset}`);
      return { output: { key: record.key, value: `billed ${record.key}` } };
    },
    committed: (offsets) => events.push(`tx-committed ${offsets.map((o) => o.offset).join(',')}`),
    warn: () => undefined,
  };
}

const noOptions = { asyncMaxUncommitted: 100, outputTopic: undefined, producer: undefined };

function strategyFor(name: CommitStrategyName, events: string[], batchSize: number) {
  return createStrategy(name, context(events, batchSize), noOptions);
}

describe('commit strategies', () => {
  it('sync-batch commits the next offset after each chunk', async () => {
    const events: string[] = [];
    await strategyFor('sync-batch', events, 2).handle(fakeBatch(events, 5));
    expect(events.filter((e) => e.startsWith('commit'))).toEqual(['commit 2', 'commit 4', 'commit 5']);
  });

  it.each(['sync-batch', 'per-message', 'async'] as const)(
    '%s commits exactly what was processed when the partitions are revoked, then rethrows',
    async (name) => {
      const events: string[] = [];
      const strategy = strategyFor(name, events, 10);
      await expect(strategy.handle(fakeBatch(events, 10, { rebalanceAfterHeartbeats: 3 }))).rejects.toBeInstanceOf(
        RebalanceSignal,
      );
      expect(events.filter((e) => e.startsWith('process'))).toHaveLength(3);
      expect(events.filter((e) => e.startsWith('commit')).at(-1)).toBe('commit 3');
    },
  );

  it('per-message commits each record right after processing it', async () => {
    const events: string[] = [];
    await strategyFor('per-message', events, 10).handle(fakeBatch(events, 2));
    expect(events).toEqual(['process 0', 'mark 0', 'commit 1', 'process 1', 'mark 1', 'commit 2']);
  });

  it('sync-batch stops at the record in flight when asked to stop, and commits it', async () => {
    const events: string[] = [];
    const stop = () => events.filter((e) => e.startsWith('process')).length >= 2;
    await strategyFor('sync-batch', events, 10).handle(fakeBatch(events, 10, { stopAfterProcessed: stop }));
    expect(events.filter((e) => e.startsWith('process'))).toEqual(['process 0', 'process 1']);
    expect(events.at(-1)).toBe('commit 2');
  });

  it('sync-batch keeps what was processed when the processing step fails', async () => {
    const events: string[] = [];
    const strategy = createStrategy(
      'sync-batch',
      context(events, 10, (r) => r.offset === 2n),
      noOptions,
    );
    await expect(strategy.handle(fakeBatch(events, 5))).rejects.toThrow('cannot bill id-2');
    expect(events.at(-1)).toBe('commit 2');
  });

  it('auto leaves committing to the client, asking it after each record', async () => {
    const events: string[] = [];
    const strategy = strategyFor('auto', events, 10);
    expect(strategy.autoCommit).toBe(true);
    await strategy.handle(fakeBatch(events, 2));
    expect(events).toEqual(['process 0', 'mark 0', 'commit-if-due', 'process 1', 'mark 1', 'commit-if-due']);
  });

  it('async commits in the background and flushes when the batch must stop', async () => {
    const events: string[] = [];
    let stopping = false;
    const strategy = strategyFor('async', events, 2);
    await strategy.handle(fakeBatch(events, 4, { stopAfterProcessed: () => stopping }));
    stopping = true;
    await strategy.handle(fakeBatch(events, 0, { stopAfterProcessed: () => stopping }));
    await strategy.drain();
    const commits = events.filter((e) => e.startsWith('commit')).map((e) => Number(e.split(' ')[1]));
    expect(commits.at(-1)).toBe(4);
    expect([...commits].sort((a, b) => a - b)).toEqual(commits); // never backwards
  });

  it('UNSAFE commit-before-process commits the chunk end before processing any of it', async () => {
    const events: string[] = [];
    await strategyFor('unsafe-commit-before-process', events, 3).handle(fakeBatch(events, 3));
    expect(events[0]).toBe('commit 3');
    expect(events.indexOf('commit 3')).toBeLessThan(events.indexOf('process 0'));
  });

  describe('transactional', () => {
    function fakeProducer(events: string[]): TransactionalProducer {
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        transaction: async () => ({
          send: async (topic: string, records: readonly OutputRecord[]) => {
            events.push(`send ${topic} ${records.length}`);
          },
          sendOffsets: async (group: string, offsets: readonly PartitionOffset[]) => {
            events.push(`offsets ${group} ${offsets.map((o) => o.offset).join(',')}`);
          },
          commit: async () => {
            events.push('tx commit');
          },
          abort: async () => {
            events.push('tx abort');
          },
        }),
      };
    }

    it('puts the outputs and the input position of a chunk in one transaction', async () => {
      const events: string[] = [];
      const strategy = createStrategy('transactional', context(events, 2), {
        ...noOptions,
        outputTopic: 'billed',
        producer: fakeProducer(events),
      });
      await strategy.handle(fakeBatch(events, 3));
      expect(events.filter((e) => !e.startsWith('process'))).toEqual([
        'send billed 2',
        'offsets billing 2',
        'tx commit',
        'tx-committed 2',
        'mark 1',
        'send billed 1',
        'offsets billing 3',
        'tx commit',
        'tx-committed 3',
        'mark 2',
      ]);
    });

    it('aborts and commits nothing when processing fails', async () => {
      const events: string[] = [];
      const strategy = createStrategy(
        'transactional',
        context(events, 5, (r) => r.offset === 1n),
        {
          ...noOptions,
          outputTopic: 'billed',
          producer: fakeProducer(events),
        },
      );
      await expect(strategy.handle(fakeBatch(events, 3))).rejects.toThrow('cannot bill id-1');
      expect(events).toEqual(['process 0', 'tx abort']);
    });
  });
});

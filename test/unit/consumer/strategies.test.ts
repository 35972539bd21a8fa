import { describe, expect, it } from 'vitest';
import type { CommitStrategyName } from '../../../consumer/config';
import { PartitionProducers } from '../../../consumer/partition-producers';
import {
  ProducerFencedError,
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
  options: {
    rebalanceAfterHeartbeats?: number;
    stopAfterProcessed?: () => boolean;
    committed?: bigint;
    heartbeat?: () => Promise<void>;
  } = {},
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
      await options.heartbeat?.();
    },
    committedOffset: async () => options.committed,
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
    warn: (message) => events.push(`warn ${message}`),
  };
}

const noOptions = { asyncMaxUncommitted: 100, outputTopic: undefined, producers: undefined };

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

  it('auto commits what the batch processed itself when the consumer stops (kafkajs would not)', async () => {
    const events: string[] = [];
    const stop = () => events.filter((e) => e.startsWith('process')).length >= 2;
    await strategyFor('auto', events, 10).handle(fakeBatch(events, 10, { stopAfterProcessed: stop }));
    expect(events.at(-1)).toBe('commit 2');
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
    /** A producer that logs to `events`; `fail` makes one of its steps throw. */
    function fakeProducer(
      events: string[],
      transactionalId: string,
      fail: { step?: 'send' | 'commit'; error?: () => Error } = {},
    ): TransactionalProducer {
      const maybeFail = (step: 'send' | 'commit') => {
        if (fail.step === step) throw fail.error?.() ?? new Error(`${step} failed`);
      };
      return {
        transactionalId,
        init: async () => {
          events.push(`init ${transactionalId}`);
        },
        disconnect: async () => {
          events.push(`close ${transactionalId}`);
        },
        transaction: async () => ({
          send: async (topic: string, records: readonly OutputRecord[]) => {
            maybeFail('send');
            events.push(`send ${topic} ${records.length}`);
          },
          sendOffsets: async (group: string, offsets: readonly PartitionOffset[]) => {
            events.push(`offsets ${group} ${offsets.map((o) => o.offset).join(',')}`);
          },
          commit: async () => {
            maybeFail('commit');
            events.push('tx commit');
          },
          abort: async () => {
            events.push('tx abort');
          },
        }),
      };
    }

    function transactional(
      events: string[],
      batchSize: number,
      options: { fail?: Parameters<typeof fakeProducer>[2]; failRecord?: (record: InputRecord) => boolean } = {},
    ) {
      let created = 0;
      const producers = new PartitionProducers({
        // Only the first producer fails, so a retry after a claim succeeds.
        create: (id) => fakeProducer(events, id, created++ === 0 ? options.fail : {}),
        transactionalIdPrefix: 'billing',
        warn: (message) => events.push(`warn ${message}`),
      });
      return createStrategy('transactional', context(events, batchSize, options.failRecord), {
        ...noOptions,
        outputTopic: 'billed',
        producers,
      });
    }

    const fenced = () =>
      new ProducerFencedError('billing-t-0', {
        cause: Object.assign(new Error('epoch'), { type: 'INVALID_PRODUCER_EPOCH' }),
      });

    it('claims the partition (its own transactional id), then puts each chunk in one transaction', async () => {
      const events: string[] = [];
      await transactional(events, 2).handle(fakeBatch(events, 3));
      expect(events.filter((e) => !e.startsWith('process'))).toEqual([
        'init billing-t-0',
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

    it('after a claim, skips what the previous owner committed after the batch was fetched', async () => {
      const events: string[] = [];
      await transactional(events, 10).handle(fakeBatch(events, 5, { committed: 3n }));
      expect(events.filter((e) => !e.startsWith('warn'))).toEqual([
        'init billing-t-0',
        'mark 2',
        'process 3',
        'process 4',
        'send billed 2',
        'offsets billing 5',
        'tx commit',
        'tx-committed 5',
        'mark 4',
      ]);
    });

    it('claims again after every assignment, even of a partition it kept, and closes the producers of partitions that moved', async () => {
      const events: string[] = [];
      const strategy = transactional(events, 10);
      strategy.onAssigned([{ topic: 't', partition: 0 }]);
      await strategy.handle(fakeBatch(events, 1));
      await strategy.handle(fakeBatch(events, 1));
      strategy.onAssigned([{ topic: 't', partition: 0 }]);
      await strategy.handle(fakeBatch(events, 1));
      strategy.onAssigned([{ topic: 't', partition: 1 }]);
      await strategy.close();
      expect(events.filter((e) => e.startsWith('init') || e.startsWith('close'))).toEqual([
        'init billing-t-0',
        'close billing-t-0',
        'init billing-t-0',
        'close billing-t-0',
      ]);
    });

    it('aborts, commits nothing and claims again when processing fails', async () => {
      const events: string[] = [];
      const strategy = transactional(events, 5, { failRecord: (r) => r.offset === 1n });
      await expect(strategy.handle(fakeBatch(events, 3))).rejects.toThrow('cannot bill id-1');
      expect(events).toEqual(['init billing-t-0', 'process 0', 'tx abort', 'close billing-t-0']);
    });

    it('when fenced, aborts the chunk, commits and marks nothing, and claims the partition again next time', async () => {
      const events: string[] = [];
      const strategy = transactional(events, 5, { fail: { step: 'commit', error: fenced } });
      await expect(strategy.handle(fakeBatch(events, 2))).rejects.toBeInstanceOf(ProducerFencedError);
      expect(events.filter((e) => !e.startsWith('process') && !e.startsWith('warn'))).toEqual([
        'init billing-t-0',
        'send billed 2',
        'offsets billing 2',
        'tx abort',
        'close billing-t-0',
      ]);
      expect(events).toContain('warn fenced: a newer owner of the partition took over; this chunk is not committed');
      await strategy.handle(fakeBatch(events, 1));
      expect(events.filter((e) => e.startsWith('init'))).toHaveLength(2);
    });

    it('a zombie that learns of the rebalance and is then fenced reports the rebalance (the client rejoins)', async () => {
      const events: string[] = [];
      const strategy = transactional(events, 10, { fail: { step: 'send', error: fenced } });
      await expect(strategy.handle(fakeBatch(events, 10, { rebalanceAfterHeartbeats: 2 }))).rejects.toBeInstanceOf(
        RebalanceSignal,
      );
      expect(events.some((e) => e.startsWith('tx-committed') || e.startsWith('mark'))).toBe(false);
      expect(events).toContain('tx abort');
    });

    it('commits what it processed when the partitions are revoked mid-chunk, then rethrows', async () => {
      const events: string[] = [];
      const strategy = transactional(events, 10);
      await expect(strategy.handle(fakeBatch(events, 10, { rebalanceAfterHeartbeats: 3 }))).rejects.toBeInstanceOf(
        RebalanceSignal,
      );
      expect(events.filter((e) => e.startsWith('tx-committed') || e.startsWith('mark'))).toEqual([
        'tx-committed 3',
        'mark 2',
      ]);
    });
  });
});

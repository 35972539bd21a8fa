import { describe, expect, it } from 'vitest';
import type { PartitionOffset } from '../../../consumer/ports';
import { AsyncCommitter } from '../../../consumer/strategies';

/** A commit function whose calls the test answers one by one. */
function controlledSend() {
  const calls: { offsets: readonly PartitionOffset[]; resolve: () => void; reject: (error: Error) => void }[] = [];
  const send = (offsets: readonly PartitionOffset[]) =>
    new Promise<void>((resolve, reject) => calls.push({ offsets, resolve, reject }));
  return { calls, send };
}

const at = (offset: bigint): PartitionOffset => ({ topic: 't', partition: 0, offset });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AsyncCommitter', () => {
  it('keeps one commit in flight and then sends only the newest position', async () => {
    const { calls, send } = controlledSend();
    const committer = new AsyncCommitter(() => undefined);
    committer.offer([at(10n)], 10, send);
    committer.offer([at(20n)], 10, send);
    committer.offer([at(30n)], 10, send);
    expect(calls.map((c) => c.offsets)).toEqual([[at(10n)]]);
    calls[0]?.resolve();
    await tick();
    expect(calls.map((c) => c.offsets)).toEqual([[at(10n)], [at(30n)]]);
    expect(committer.uncommittedRecords).toBe(20);
  });

  it('never sends a position of the previous generation after a new assignment, even for a partition it kept', async () => {
    const { calls, send } = controlledSend();
    const committer = new AsyncCommitter(() => undefined);
    committer.offer([at(10n)], 10, send);
    committer.offer([at(20n)], 10, send);
    committer.newGeneration();
    calls[0]?.reject(new Error('UNKNOWN_MEMBER_ID'));
    await tick();
    await committer.flush();
    // Only the commit already in flight was sent: 20 (or 10 again) would rewind the new owner's commit.
    expect(calls.map((c) => c.offsets)).toEqual([[at(10n)]]);
    expect(committer.uncommittedRecords).toBe(0);
  });

  it('makes processing wait while too many records are unacknowledged (bounded duplicates)', async () => {
    const { calls, send } = controlledSend();
    const committer = new AsyncCommitter(() => undefined);
    committer.offer([at(100n)], 100, send);
    committer.offer([at(200n)], 100, send);
    let released = false;
    const waiting = committer.waitUntilAtMost(100).then(() => (released = true));
    await tick();
    expect(released).toBe(false);
    calls[0]?.resolve();
    await waiting;
    expect(released).toBe(true);
  });

  it('surfaces a failed commit to the waiting batch and retries it on flush', async () => {
    const { calls, send } = controlledSend();
    const errors: unknown[] = [];
    const committer = new AsyncCommitter((error) => errors.push(error));
    committer.offer([at(100n)], 100, send);
    const waiting = committer.waitUntilAtMost(0);
    calls[0]?.reject(new Error('REBALANCE_IN_PROGRESS'));
    await expect(waiting).rejects.toThrow('REBALANCE_IN_PROGRESS');
    expect(errors).toHaveLength(1);
    const flushed = committer.flush();
    await tick();
    expect(calls.map((c) => c.offsets)).toEqual([[at(100n)], [at(100n)]]);
    calls[1]?.resolve();
    await flushed;
    expect(committer.uncommittedRecords).toBe(0);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsyncCommitQueue } from '../../../consumer/async-commit-queue';

const at = (partition: number, offset: bigint) => ({ topic: 't', partition, offset });

describe('AsyncCommitQueue', () => {
  it('sends one commit at a time and coalesces what waits to the newest position', () => {
    const queue = new AsyncCommitQueue();
    queue.offer([at(0, 10n)], 10);
    const first = queue.next();
    expect(first?.offsets).toEqual([at(0, 10n)]);
    queue.offer([at(0, 20n)], 10);
    queue.offer([at(0, 30n)], 10);
    expect(queue.next()).toBeUndefined(); // one in flight
    expect(queue.uncommittedRecords).toBe(30);
    queue.acknowledge(first?.sequence ?? -1);
    expect(queue.uncommittedRecords).toBe(20);
    expect(queue.next()?.offsets).toEqual([at(0, 30n)]);
  });

  it('never re-sends an older failed position over a newer one that waits', () => {
    const queue = new AsyncCommitQueue();
    queue.offer([at(0, 10n), at(1, 5n)], 15);
    const failed = queue.next();
    queue.offer([at(0, 20n)], 10);
    queue.fail(failed?.sequence ?? -1);
    // Partition 0: 20 supersedes the failed 10. Partition 1: nothing newer, so 5 is retried.
    expect(queue.next()?.offsets).toEqual([at(0, 20n), at(1, 5n)]);
  });

  it('ignores positions at or behind what was acknowledged or is in flight', () => {
    const queue = new AsyncCommitQueue();
    queue.offer([at(0, 10n)], 10);
    const sent = queue.next();
    queue.offer([at(0, 10n)], 0);
    queue.offer([at(0, 7n)], 0);
    queue.acknowledge(sent?.sequence ?? -1);
    expect(queue.next()).toBeUndefined();
    expect(queue.committed()).toEqual([at(0, 10n)]);
  });

  it('ignores an acknowledgement or failure of a commit that is not the one in flight', () => {
    const queue = new AsyncCommitQueue();
    queue.offer([at(0, 10n)], 10);
    const sent = queue.next();
    queue.acknowledge((sent?.sequence ?? 0) + 1);
    queue.fail((sent?.sequence ?? 0) + 1);
    expect(queue.busy).toBe(true);
    expect(queue.committed()).toEqual([]);
  });

  it('forgets waiting positions of revoked partitions', () => {
    const queue = new AsyncCommitQueue();
    queue.offer([at(0, 10n), at(1, 10n)], 20);
    queue.retainOnly([{ topic: 't', partition: 1 }]);
    expect(queue.next()?.offsets).toEqual([at(1, 10n)]);
  });

  it('property: the sent positions of a partition never go backwards, whatever fails', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), partition: fc.nat(2), offset: fc.bigInt(0n, 1000n) }),
      fc.record({ kind: fc.constant('send' as const) }),
      fc.record({ kind: fc.constant('ack' as const) }),
      fc.record({ kind: fc.constant('fail' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const queue = new AsyncCommitQueue();
        const acknowledged = new Map<number, bigint>();
        let inFlight: { sequence: number; offsets: readonly { partition: number; offset: bigint }[] } | undefined;
        for (const s of steps) {
          if (s.kind === 'offer') queue.offer([at(s.partition, s.offset)], 1);
          if (s.kind === 'send') {
            const request = queue.next();
            if (request) {
              expect(inFlight).toBeUndefined();
              // Invariant: nothing is sent at or behind an acknowledged position.
              for (const { partition, offset } of request.offsets) {
                expect(offset > (acknowledged.get(partition) ?? -1n)).toBe(true);
              }
              inFlight = request;
            }
          }
          if (s.kind === 'ack' && inFlight) {
            queue.acknowledge(inFlight.sequence);
            for (const { partition, offset } of inFlight.offsets) acknowledged.set(partition, offset);
            inFlight = undefined;
          }
          if (s.kind === 'fail' && inFlight) {
            queue.fail(inFlight.sequence);
            inFlight = undefined;
          }
        }
      }),
    );
  });
});

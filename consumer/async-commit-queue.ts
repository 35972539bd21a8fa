import type { PartitionOffset, TopicPartition } from './ports';

/** One commit request taken from the queue; hand its `sequence` back on success or failure. */
export interface CommitRequest {
  readonly sequence: number;
  readonly offsets: readonly PartitionOffset[];
}

const keyOf = ({ topic, partition }: TopicPartition): string => `${topic}\u0000${partition}`;

function maxOf(...values: readonly (bigint | undefined)[]): bigint | undefined {
  let best: bigint | undefined;
  for (const value of values) if (value !== undefined && (best === undefined || value > best)) best = value;
  return best;
}

/**
 * The ordering rules of background (asynchronous) commits, without any I/O.
 *
 * Commits are serialized (one in flight) and coalesced (only the newest position per partition
 * waits), and a position is never sent unless it is ahead of everything sent or acknowledged for
 * that partition. So a slow or retried older commit can never overwrite a newer one, which is the
 * classic hazard of async commits (the Java client's docs warn about retrying them blindly).
 */
export class AsyncCommitQueue {
  private readonly acknowledged = new Map<string, bigint>();
  private pending = new Map<string, PartitionOffset>();
  private inFlight: { readonly sequence: number; readonly offsets: Map<string, PartitionOffset> } | undefined;
  private pendingRecords = 0;
  private inFlightRecords = 0;
  private sequence = 0;

  /** Records processed whose position is not yet acknowledged by the broker. */
  get uncommittedRecords(): number {
    return this.pendingRecords + this.inFlightRecords;
  }

  /** True while anything is waiting or in flight. */
  get busy(): boolean {
    return this.inFlight !== undefined || this.pending.size > 0;
  }

  /** The positions the broker acknowledged. */
  committed(): readonly PartitionOffset[] {
    return [...this.acknowledged].map(([key, offset]) => {
      const [topic = '', partition = '0'] = key.split('\u0000');
      return { topic, partition: Number(partition), offset };
    });
  }

  /** Queues positions reached by processing `records` more records; older or equal positions are ignored. */
  offer(offsets: readonly PartitionOffset[], records: number): void {
    for (const position of offsets) {
      const key = keyOf(position);
      const ahead = maxOf(
        this.acknowledged.get(key),
        this.inFlight?.offsets.get(key)?.offset,
        this.pending.get(key)?.offset,
      );
      if (ahead === undefined || position.offset > ahead) this.pending.set(key, position);
    }
    this.pendingRecords += records;
  }

  /** The next commit to send, or undefined when one is already in flight or nothing waits. */
  next(): CommitRequest | undefined {
    if (this.inFlight !== undefined || this.pending.size === 0) return undefined;
    this.sequence += 1;
    this.inFlight = { sequence: this.sequence, offsets: this.pending };
    this.pending = new Map();
    this.inFlightRecords = this.pendingRecords;
    this.pendingRecords = 0;
    return { sequence: this.sequence, offsets: [...this.inFlight.offsets.values()] };
  }

  /** The broker accepted the commit `sequence`. */
  acknowledge(sequence: number): void {
    const sent = this.takeInFlight(sequence);
    if (sent === undefined) return;
    for (const [key, position] of sent) {
      const known = this.acknowledged.get(key);
      if (known === undefined || position.offset > known) this.acknowledged.set(key, position.offset);
    }
    this.inFlightRecords = 0;
  }

  /**
   * The commit `sequence` failed. Its positions are queued again only where nothing newer is
   * already waiting: the newer position covers them, and sending the older one later could win.
   */
  fail(sequence: number): void {
    const sent = this.takeInFlight(sequence);
    if (sent === undefined) return;
    for (const [key, position] of sent) {
      const newer = maxOf(this.pending.get(key)?.offset, this.acknowledged.get(key));
      if (newer === undefined || position.offset > newer) this.pending.set(key, position);
    }
    this.pendingRecords += this.inFlightRecords;
    this.inFlightRecords = 0;
  }

  /** Forgets waiting positions of partitions this member no longer owns (their new owner commits them). */
  retainOnly(assigned: readonly TopicPartition[]): void {
    const keep = new Set(assigned.map(keyOf));
    for (const key of [...this.pending.keys()]) if (!keep.has(key)) this.pending.delete(key);
    for (const key of [...this.acknowledged.keys()]) if (!keep.has(key)) this.acknowledged.delete(key);
    if (this.pending.size === 0) this.pendingRecords = 0;
  }

  private takeInFlight(sequence: number): Map<string, PartitionOffset> | undefined {
    if (this.inFlight?.sequence !== sequence) return undefined;
    const { offsets } = this.inFlight;
    this.inFlight = undefined;
    return offsets;
  }
}

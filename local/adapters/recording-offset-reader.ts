import type { GroupReadResult, GroupSnapshot } from '#domain/lag/snapshot';
import type { GroupSelection, OffsetReader } from '#ports/offset-reader';

/**
 * Passes reads through to another reader and keeps the latest snapshot of each group, so the local
 * view can show what the tick saw (group state, members and their partitions) without a second read.
 */
export class RecordingOffsetReader implements OffsetReader {
  private readonly latest = new Map<string, GroupReadResult>();

  constructor(private readonly inner: OffsetReader) {}

  async read(groups: readonly GroupSelection[]): Promise<readonly GroupReadResult[]> {
    const results = await this.inner.read(groups);
    for (const result of results) this.latest.set(result.kind === 'ok' ? result.snapshot.group : result.group, result);
    return results;
  }

  listGroups(): Promise<readonly string[]> {
    return this.inner.listGroups();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The group's latest read result, if it was read. */
  lastRead(group: string): GroupReadResult | undefined {
    return this.latest.get(group);
  }

  /** The group's latest snapshot, if the latest read succeeded. */
  lastSnapshot(group: string): GroupSnapshot | undefined {
    const result = this.latest.get(group);
    return result?.kind === 'ok' ? result.snapshot : undefined;
  }
}

import type { GroupReadResult, IsolationLevel } from '#domain/lag/snapshot';

/** Which group to read, on which topics, and how. */
export interface GroupSelection {
  readonly group: string;
  /** Topics to measure; when absent, every topic the group has committed offsets on. */
  readonly topics?: readonly string[];
  /** @default 'read_uncommitted' (end offset = high watermark, as Kafka's own tool) */
  readonly isolation?: IsolationLevel;
  /** The Kafka cluster the group lives on, for a reader of several clusters. @default the only (or default) cluster */
  readonly cluster?: string;
}

/** Reads committed offsets, log bounds and group membership. Never commits anything. */
export interface OffsetReader {
  /** One result per selection, in the order of the selections. */
  read(groups: readonly GroupSelection[]): Promise<readonly GroupReadResult[]>;
  /** Every consumer group the cluster knows (for `--all-groups`). */
  listGroups(): Promise<readonly string[]>;
  close(): Promise<void>;
}

/** The isolation a selection is read with: read_uncommitted unless it asks for read_committed. */
export function isolationOf(selection: Pick<GroupSelection, 'isolation'>): IsolationLevel {
  return selection.isolation ?? 'read_uncommitted';
}

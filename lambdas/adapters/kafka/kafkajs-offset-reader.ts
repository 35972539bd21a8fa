import { AssignerProtocol, type Admin, type GroupDescription, type Kafka } from 'kafkajs';
import pLimit from 'p-limit';
import type {
  CommittedOffset,
  GroupMember,
  GroupReadResult,
  GroupSnapshot,
  GroupState,
  IsolationLevel,
  PartitionEnd,
  PartitionSnapshot,
} from '#domain/lag/snapshot';
import type { Clock } from '#ports/clock';
import type { GroupSelection, OffsetReader } from '#ports/offset-reader';
import { createKafka, type KafkaConnectionConfig } from './connection';
import { explainConnectionFailure, withDeadline } from './errors';
import { createInternalCluster, type InternalCluster } from './internal-cluster';

export interface KafkajsOffsetReaderOptions {
  readonly connection: KafkaConnectionConfig;
  readonly clock: Clock;
  /** Groups whose offsets are fetched at once. @default 16 */
  readonly concurrency?: number;
  /** Bound on one whole read. @default 30000 */
  readonly readTimeoutMs?: number;
}

/** Requests sent to Kafka so far, by API name (for benchmarks and the tick's call counts). */
export type RequestCounts = Readonly<Record<string, number>>;

interface TopicMeta {
  readonly partitions: readonly { readonly partition: number; readonly leader: number }[];
}

const groupStates: readonly GroupState[] = ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'];

/**
 * Reads committed offsets, log bounds and membership with kafkajs. Never commits: it uses
 * fetchOffsets without resolveOffsets (which would commit) and ListOffsets only.
 */
export class KafkajsOffsetReader implements OffsetReader {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private readonly clusters = new Map<IsolationLevel, InternalCluster>();
  private readonly requests = new Map<string, number>();

  constructor(private readonly options: KafkajsOffsetReaderOptions) {
    this.kafka = createKafka(options.connection);
  }

  requestCounts(): RequestCounts {
    return Object.fromEntries(this.requests);
  }

  private count(api: string, requests = 1): void {
    this.requests.set(api, (this.requests.get(api) ?? 0) + requests);
  }

  async listGroups(): Promise<readonly string[]> {
    const admin = await this.connectedAdmin();
    const { groups } = await withDeadline(admin.listGroups(), this.readTimeoutMs, 'listing consumer groups');
    return groups
      .filter((group) => group.protocolType === 'consumer' || group.protocolType === '')
      .map((g) => g.groupId);
  }

  async read(selections: readonly GroupSelection[]): Promise<readonly GroupReadResult[]> {
    return await withDeadline(this.readAll(selections), this.readTimeoutMs, `reading ${selections.length} group(s)`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clusters.values()].map((cluster) => cluster.disconnect().catch(() => undefined)));
    this.clusters.clear();
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  private get readTimeoutMs(): number {
    return this.options.readTimeoutMs ?? 30_000;
  }

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.kafka.admin();
    admin.on(admin.events.REQUEST, (event) => this.count(event.payload.apiName));
    try {
      await withDeadline(admin.connect(), this.readTimeoutMs, 'connecting to Kafka');
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      throw explainConnectionFailure(this.options.connection.brokers, error);
    }
    this.admin = admin;
    return admin;
  }

  private async readAll(selections: readonly GroupSelection[]): Promise<GroupReadResult[]> {
    const admin = await this.connectedAdmin();
    const groupIds = [...new Set(selections.map((s) => s.group))];
    const { groups } = await admin.describeGroups(groupIds);
    const descriptions = new Map(groups.map((g) => [g.groupId, g]));

    const limit = pLimit(this.options.concurrency ?? 16);
    const committedByGroup = new Map<string, Map<string, Map<number, bigint>>>();
    const failures = new Map<string, GroupReadResult>();
    await Promise.all(
      groupIds.map((groupId) =>
        limit(async () => {
          try {
            const topics = await admin.fetchOffsets({ groupId });
            const committed = new Map<string, Map<number, bigint>>();
            for (const { topic, partitions } of topics) {
              const byPartition = new Map<number, bigint>();
              for (const { partition, offset } of partitions)
                if (offset !== '-1') byPartition.set(partition, BigInt(offset));
              if (byPartition.size > 0) committed.set(topic, byPartition);
            }
            committedByGroup.set(groupId, committed);
          } catch (error) {
            failures.set(groupId, groupError(groupId, error));
          }
        }),
      ),
    );

    const topicsOf = (selection: GroupSelection): string[] => {
      if (selection.topics && selection.topics.length > 0) return [...selection.topics];
      const committed = [...(committedByGroup.get(selection.group)?.keys() ?? [])];
      const assigned = membersOf(descriptions.get(selection.group)).flatMap((m) => m.assignment.map((a) => a.topic));
      return [...new Set([...committed, ...assigned])].sort();
    };

    const wanted = new Set(selections.flatMap(topicsOf));
    const metadata = await this.topicMetadata(admin, wanted);
    const isolations = new Set(selections.map((s) => s.isolation ?? 'read_uncommitted'));
    const ends = new Map<IsolationLevel, Map<string, Map<number, bigint>>>();
    for (const isolation of isolations) ends.set(isolation, await this.listOffsets(isolation, metadata, false));
    const starts = await this.listOffsets('read_uncommitted', metadata, true);

    const observedAtMs = this.options.clock.now();
    return selections.map((selection): GroupReadResult => {
      const failure = failures.get(selection.group);
      if (failure) return failure;
      const description = descriptions.get(selection.group);
      const committed = committedByGroup.get(selection.group) ?? new Map<string, Map<number, bigint>>();
      const state = toGroupState(description?.state);
      if ((state === 'Dead' || description === undefined) && committed.size === 0) {
        return { kind: 'not-found', group: selection.group };
      }
      // A topic the group should be measured on that neither exists nor has commits left (Kafka
      // drops a deleted topic's offsets) would otherwise read as no partitions, i.e. zero lag.
      const vanished = topicsOf(selection).filter((topic) => !metadata.has(topic) && !committed.has(topic));
      if (vanished.length > 0) {
        return {
          kind: 'error',
          group: selection.group,
          message: `topic ${vanished.join(', ')} does not exist (deleted, or misspelled in the target's topics); its lag cannot be measured`,
          retriable: false,
        };
      }
      const isolation = selection.isolation ?? 'read_uncommitted';
      const partitions = topicsOf(selection).flatMap((topic) =>
        partitionsOf(
          topic,
          metadata.get(topic),
          committed.get(topic),
          ends.get(isolation)?.get(topic),
          starts.get(topic),
        ),
      );
      const snapshot: GroupSnapshot = {
        group: selection.group,
        observedAtMs,
        state,
        isolation,
        members: membersOf(description),
        partitions,
      };
      return { kind: 'ok', snapshot };
    });
  }

  /** Partitions and leaders of the wanted topics; a topic missing from the cluster is absent. */
  private async topicMetadata(admin: Admin, wanted: ReadonlySet<string>): Promise<Map<string, TopicMeta>> {
    const result = new Map<string, TopicMeta>();
    if (wanted.size === 0) return result;
    const existing = new Set(await admin.listTopics());
    const topics = [...wanted].filter((topic) => existing.has(topic));
    if (topics.length === 0) return result;
    const { topics: described } = await admin.fetchTopicMetadata({ topics });
    for (const topic of described) {
      result.set(topic.name, {
        partitions: topic.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader })),
      });
    }
    return result;
  }

  /** End offsets (or log-start offsets) of every partition with a leader, in one request per broker. */
  private async listOffsets(
    isolation: IsolationLevel,
    metadata: ReadonlyMap<string, TopicMeta>,
    fromBeginning: boolean,
  ): Promise<Map<string, Map<number, bigint>>> {
    const request = [...metadata].map(([topic, meta]) => ({
      topic,
      fromBeginning,
      partitions: meta.partitions.filter((p) => p.leader >= 0).map((p) => ({ partition: p.partition })),
    }));
    const result = new Map<string, Map<number, bigint>>();
    if (request.every((t) => t.partitions.length === 0)) return result;
    const cluster = await this.cluster(isolation);
    await cluster.addMultipleTargetTopics(request.map((t) => t.topic));
    const responses = await cluster.fetchTopicsOffset(request.filter((t) => t.partitions.length > 0));
    // The internal cluster sends one ListOffsets per partition leader.
    const leaders = new Set(
      [...metadata.values()].flatMap((m) => m.partitions.map((p) => p.leader)).filter((l) => l >= 0),
    );
    this.count('ListOffsets', leaders.size);
    for (const { topic, partitions } of responses) {
      result.set(topic, new Map(partitions.map((p) => [p.partition, BigInt(p.offset)])));
    }
    return result;
  }

  private async cluster(isolation: IsolationLevel): Promise<InternalCluster> {
    const existing = this.clusters.get(isolation);
    if (existing) return existing;
    const cluster = createInternalCluster(this.kafka, isolation);
    await cluster.connect();
    this.clusters.set(isolation, cluster);
    return cluster;
  }
}

function partitionsOf(
  topic: string,
  meta: TopicMeta | undefined,
  committed: ReadonlyMap<number, bigint> | undefined,
  ends: ReadonlyMap<number, bigint> | undefined,
  starts: ReadonlyMap<number, bigint> | undefined,
): PartitionSnapshot[] {
  const commitOf = (partition: number): CommittedOffset => {
    const offset = committed?.get(partition);
    return offset === undefined ? { kind: 'none' } : { kind: 'committed', offset };
  };
  if (!meta) {
    // The group committed on a topic that no longer exists.
    return [...(committed?.keys() ?? [])]
      .sort((a, b) => a - b)
      .map((partition) => ({
        topic,
        partition,
        committed: commitOf(partition),
        end: { kind: 'unavailable', reason: 'topic-deleted', detail: `topic ${topic} does not exist` },
      }));
  }
  return [...meta.partitions]
    .sort((a, b) => a.partition - b.partition)
    .map(({ partition, leader }) => {
      const end = ends?.get(partition);
      const logStart = starts?.get(partition);
      const partitionEnd: PartitionEnd =
        leader < 0
          ? { kind: 'unavailable', reason: 'no-leader', detail: `${topic}-${partition} has no leader` }
          : end === undefined || logStart === undefined
            ? { kind: 'unavailable', reason: 'error', detail: `no offsets returned for ${topic}-${partition}` }
            : { kind: 'available', logStart, end };
      return { topic, partition, committed: commitOf(partition), end: partitionEnd };
    });
}

function membersOf(description: GroupDescription | undefined): GroupMember[] {
  return (description?.members ?? []).map((member) => {
    const decoded =
      member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
    const assignment = Object.entries(decoded?.assignment ?? {})
      .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
    return { memberId: member.memberId, clientId: member.clientId, host: member.clientHost, assignment };
  });
}

function toGroupState(state: string | undefined): GroupState {
  return groupStates.find((known) => known === state) ?? 'Unknown';
}

function groupError(group: string, error: unknown): GroupReadResult {
  const retriable = (error as { retriable?: boolean }).retriable ?? true;
  return { kind: 'error', group, message: error instanceof Error ? error.message : String(error), retriable };
}

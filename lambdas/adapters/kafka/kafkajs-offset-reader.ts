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
import { describeError } from '#domain/errors';
import type { Clock } from '#ports/clock';
import { isolationOf, type GroupSelection, type OffsetReader } from '#ports/offset-reader';
import { createKafka, type KafkaConnectionConfig } from './connection';
import { withDeadline } from '../deadline';
import { explainConnectionFailure, KafkaUnavailableError } from './errors';
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
    const { groups } = await this.deadline(admin.listGroups(), 'listing consumer groups');
    return groups
      .filter((group) => group.protocolType === 'consumer' || group.protocolType === '')
      .map((g) => g.groupId);
  }

  async read(selections: readonly GroupSelection[]): Promise<readonly GroupReadResult[]> {
    return await this.deadline(this.readAll(selections), `reading ${selections.length} group(s)`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clusters.values()].map((cluster) => cluster.disconnect().catch(() => undefined)));
    this.clusters.clear();
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  /** Bounds one step of a read by readTimeoutMs (default 30 s): a hung broker is retriable, never a hang. */
  private async deadline<T>(promise: Promise<T>, what: string): Promise<T> {
    const ms = this.options.readTimeoutMs ?? 30_000;
    return await withDeadline(
      promise,
      ms,
      () => new KafkaUnavailableError(`${what} took longer than ${ms} ms`, { retriable: true }),
    );
  }

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.kafka.admin();
    admin.on(admin.events.REQUEST, (event) => this.count(event.payload.apiName));
    try {
      await this.deadline(admin.connect(), 'connecting to Kafka');
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      throw explainConnectionFailure(this.options.connection.brokers, error);
    }
    this.admin = admin;
    return admin;
  }

  /** One read: descriptions, commits, the topics to measure, their offsets, then one result per selection. */
  private async readAll(selections: readonly GroupSelection[]): Promise<GroupReadResult[]> {
    const admin = await this.connectedAdmin();
    const groupIds = [...new Set(selections.map((s) => s.group))];
    const { groups } = await admin.describeGroups(groupIds);
    const descriptions = new Map(groups.map((g) => [g.groupId, g]));
    const commits = await this.fetchCommitted(admin, groupIds);
    const topicsOf = (selection: GroupSelection): string[] =>
      topicsToMeasure(selection, commits.committed.get(selection.group), descriptions.get(selection.group));
    const metadata = await this.topicMetadata(admin, new Set(selections.flatMap(topicsOf)));
    const ends = new Map<IsolationLevel, Map<string, Map<number, bigint>>>();
    for (const isolation of new Set(selections.map(isolationOf)))
      ends.set(isolation, await this.listOffsets(isolation, metadata, false));
    const offsets: ReadOffsets = { metadata, ends, starts: await this.listOffsets('read_uncommitted', metadata, true) };
    const observedAtMs = this.options.clock.now();
    return selections.map(
      (selection): GroupReadResult =>
        commits.failures.get(selection.group) ??
        groupResult({
          selection,
          description: descriptions.get(selection.group),
          committed: commits.committed.get(selection.group) ?? new Map<string, Map<number, bigint>>(),
          topics: topicsOf(selection),
          offsets,
          observedAtMs,
        }),
    );
  }

  /** Committed offsets of each group (bounded concurrency); a group whose fetch fails fails alone. */
  private async fetchCommitted(admin: Admin, groupIds: readonly string[]): Promise<Commits> {
    const limit = pLimit(this.options.concurrency ?? 16);
    const committed = new Map<string, Map<string, Map<number, bigint>>>();
    const failures = new Map<string, GroupReadResult>();
    const fetchOne = async (groupId: string): Promise<void> => {
      try {
        committed.set(groupId, committedOffsets(await admin.fetchOffsets({ groupId })));
      } catch (error) {
        failures.set(groupId, groupError(groupId, error));
      }
    };
    await Promise.all(groupIds.map((groupId) => limit(() => fetchOne(groupId))));
    return { committed, failures };
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

type CommittedByTopic = Map<string, Map<number, bigint>>;

interface Commits {
  readonly committed: Map<string, CommittedByTopic>;
  readonly failures: Map<string, GroupReadResult>;
}

/** The log offsets one read fetched for every topic it measures. */
interface ReadOffsets {
  readonly metadata: ReadonlyMap<string, TopicMeta>;
  readonly ends: ReadonlyMap<IsolationLevel, Map<string, Map<number, bigint>>>;
  readonly starts: ReadonlyMap<string, Map<number, bigint>>;
}

/** kafkajs's fetchOffsets answer as bigint offsets; `-1` (no commit) is left out. */
function committedOffsets(
  topics: readonly { topic: string; partitions: readonly { partition: number; offset: string }[] }[],
): CommittedByTopic {
  const committed: CommittedByTopic = new Map();
  for (const { topic, partitions } of topics) {
    const byPartition = new Map<number, bigint>();
    for (const { partition, offset } of partitions) if (offset !== '-1') byPartition.set(partition, BigInt(offset));
    if (byPartition.size > 0) committed.set(topic, byPartition);
  }
  return committed;
}

/** The configured topics, or every topic the group has commits on or is assigned. */
function topicsToMeasure(
  selection: GroupSelection,
  committed: CommittedByTopic | undefined,
  description: GroupDescription | undefined,
): string[] {
  if (selection.topics && selection.topics.length > 0) return [...selection.topics];
  const assigned = membersOf(description).flatMap((m) => m.assignment.map((a) => a.topic));
  return [...new Set([...(committed?.keys() ?? []), ...assigned])].sort();
}

/** One group's result: not found, a vanished topic named as an error, or its snapshot. */
function groupResult(read: {
  readonly selection: GroupSelection;
  readonly description: GroupDescription | undefined;
  readonly committed: CommittedByTopic;
  readonly topics: readonly string[];
  readonly offsets: ReadOffsets;
  readonly observedAtMs: number;
}): GroupReadResult {
  const { selection, description, committed, topics, offsets } = read;
  const state = toGroupState(description?.state);
  if ((state === 'Dead' || description === undefined) && committed.size === 0) {
    return { kind: 'not-found', group: selection.group };
  }
  // A topic the group should be measured on that neither exists nor has commits left (Kafka
  // drops a deleted topic's offsets) would otherwise read as no partitions, i.e. zero lag.
  const vanished = topics.filter((topic) => !offsets.metadata.has(topic) && !committed.has(topic));
  if (vanished.length > 0) {
    return {
      kind: 'error',
      group: selection.group,
      message: `topic ${vanished.join(', ')} does not exist (deleted, or misspelled in the target's topics); its lag cannot be measured`,
      retriable: false,
    };
  }
  const isolation = isolationOf(selection);
  const partitions = topics.flatMap((topic) =>
    partitionsOf(
      topic,
      offsets.metadata.get(topic),
      committed.get(topic),
      offsets.ends.get(isolation)?.get(topic),
      offsets.starts.get(topic),
    ),
  );
  const snapshot: GroupSnapshot = {
    group: selection.group,
    observedAtMs: read.observedAtMs,
    state,
    isolation,
    members: membersOf(description),
    partitions,
  };
  return { kind: 'ok', snapshot };
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
  return { kind: 'error', group, message: describeError(error), retriable };
}
